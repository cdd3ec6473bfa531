//! sysmon: the monitor thread that keeps a runtime live when an M is stuck inside one poll
//! (Go's `runtime/proc.go: sysmon, retake`).
//!
//! A stackless task cannot be preempted inside `poll`, so a task that blocks its thread (a
//! long computation, a synchronous syscall) holds its P and strands the tasks queued behind
//! it. Every cycle sysmon looks at each running P:
//!
//! - **Stuck P** (its `schedtick` has not moved for [`FORCE_PREEMPT`], 10 ms as Go's
//!   `forcePreemptNS`) with tasks queued: if a P is idle, `wakep` starts a spinning M that
//!   steals them (runnext included, on its last pass); if every P is busy, sysmon itself takes
//!   half of the stuck P's queue to the global queue, where the other Ps pick it up (the part
//!   of Go's `handoffp` that a thread cannot refuse).
//! - **Netpoll**: a non-blocking poll when nobody has polled for 10 ms and no M watches the
//!   poller (Go's `sysmon` netpoll), so I/O is noticed even when every P is stuck in a long
//!   poll; after 1 ms (and sysmon sleeps at most that long) while a P is idle and another
//!   runs, since then no M watches the network (driver.rs) and a running M stuck in a long
//!   poll would hide I/O from the idle P.
//! - **Overdue timers** on a P whose M is busy: sysmon runs them (their wakes go to the
//!   global queue), so a CPU-bound P does not delay its timers (golang/go#38860).
//!
//! Sleep: 20 µs, doubled after 50 cycles with nothing to do, up to 10 ms (Go's schedule).
//!
//! With `GORUST_DEBUG=schedtrace=N` sysmon also prints Go's `SCHED` line to stderr every N
//! milliseconds: Ps, idle Ps, threads, spinning and idle Ms, the global queue, parked tasks
//! and each P's local queue length.

use std::sync::atomic::Ordering::{Acquire, Relaxed};
use std::sync::{Arc, Condvar, Mutex};
use std::task::Waker;
use std::thread;
use std::time::{Duration, Instant};

use crate::runq::RunQueue;
use crate::sched::{P_RUNNING, Shared};
use crate::task::Runnable;

/// How long a P may run one time slice before sysmon relieves its queue (Go's 10 ms).
pub(crate) const FORCE_PREEMPT: Duration = Duration::from_millis(10);
/// A timer this late on a busy P is run by sysmon.
const TIMER_SLACK: Duration = Duration::from_millis(1);
const MIN_DELAY: Duration = Duration::from_micros(20);
const MAX_DELAY: Duration = Duration::from_millis(10);
const IDLE_CYCLES_BEFORE_BACKOFF: u32 = 50;
/// sysmon polls the network itself when nobody has for this long (Go's 10 ms).
const NETPOLL_EVERY: Duration = Duration::from_millis(10);
/// ... or for this long while some P is idle and another runs: then no M watches the network
/// (driver.rs), and a running M stuck in one long poll would hide it from the idle P.
const NETPOLL_EVERY_IDLE_P: Duration = Duration::from_millis(1);

/// Lets the runtime stop sysmon at shutdown.
pub(crate) struct SysmonStop {
    stop: Mutex<bool>,
    cv: Condvar,
}

impl SysmonStop {
    pub(crate) fn new() -> Self {
        SysmonStop {
            stop: Mutex::new(false),
            cv: Condvar::new(),
        }
    }

    pub(crate) fn stop(&self) {
        *self.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.cv.notify_all();
    }

    /// Sleeps `d`; true when told to stop.
    fn sleep(&self, d: Duration) -> bool {
        let g = self.stop.lock().unwrap_or_else(|e| e.into_inner());
        if *g {
            return true;
        }
        let (g, _) = self
            .cv
            .wait_timeout(g, d)
            .unwrap_or_else(|e| e.into_inner());
        *g
    }
}

/// Starts the sysmon thread.
pub(crate) fn start(
    shared: Arc<Shared>,
    stop: Arc<SysmonStop>,
) -> std::io::Result<thread::JoinHandle<()>> {
    let name = format!("{}-sysmon", shared.config.thread_name);
    thread::Builder::new()
        .name(name)
        .spawn(move || sysmon_main(&shared, &stop))
}

struct Seen {
    tick: u32,
    since: Instant,
}

/// Tasks wait on I/O, a P is idle that could run them, and no M watches the network because
/// another P runs (driver.rs): the running Ms poll, unless stuck in one long poll.
fn network_unwatched(shared: &Shared) -> bool {
    let idle = shared.idle.idle_ps();
    idle > 0
        && idle < shared.procs
        && shared.driver.reactor.has_waiters()
        && !shared.driver.watching_network()
}

fn sysmon_main(shared: &Arc<Shared>, stop: &SysmonStop) {
    let mut seen: Vec<Seen> = (0..shared.procs)
        .map(|_| Seen {
            tick: 0,
            since: Instant::now(),
        })
        .collect();
    let scratch = RunQueue::<Runnable>::new();
    let mut delay = MIN_DELAY;
    let mut idle_cycles = 0u32;
    let start = Instant::now();
    let mut ready = Vec::new();
    let mut next_trace = shared.config.schedtrace.map(|d| start + d);
    loop {
        let mut sleep = match next_trace {
            Some(t) => delay.min(t.saturating_duration_since(Instant::now())),
            None => delay,
        };
        if network_unwatched(shared) {
            sleep = sleep.min(NETPOLL_EVERY_IDLE_P);
        }
        if stop.sleep(sleep) || shared.is_shutdown() {
            return;
        }
        let now = Instant::now();
        if let (Some(t), Some(every)) = (next_trace, shared.config.schedtrace)
            && now >= t
        {
            eprintln!("{}", shared.sched_line(now - start));
            next_trace = Some(t + every);
        }
        let mut acted = false;
        // Go's sysmon netpoll: if no M blocks in the poller and nobody has polled for 10 ms,
        // poll here (gated: only when a task waits on I/O); the woken tasks go to the global
        // queue, so I/O is noticed even when every P is stuck in a long poll. Busy Ms poll
        // every 61 ticks themselves, and then sysmon leaves the poller to them. As in Go,
        // polling does not count as acting (it does not keep sysmon on its shortest sleep).
        let every = if network_unwatched(shared) {
            NETPOLL_EVERY_IDLE_P
        } else {
            NETPOLL_EVERY
        };
        if shared.driver.since_last_poll(now) >= every {
            shared.driver.poll_now(&mut ready);
            ready.drain(..).for_each(Waker::wake);
        }
        for (pp, seen) in shared.ps.iter().zip(seen.iter_mut()) {
            if pp.status.load(Acquire) != P_RUNNING {
                seen.since = now;
                continue;
            }
            // Overdue timers on a busy P.
            if let Some(d) = pp.timers.next_deadline()
                && d + TIMER_SLACK <= now
                && pp.timers.run(now) > 0
            {
                acted = true;
            }
            let tick = pp.schedtick.load(Relaxed);
            if tick != seen.tick {
                seen.tick = tick;
                seen.since = now;
                continue;
            }
            if now.duration_since(seen.since) < FORCE_PREEMPT || pp.runq.is_empty() {
                continue;
            }
            // Stuck for a whole slice with work queued behind it.
            acted = true;
            seen.since = now;
            if shared.idle.idle_ps() > 0 {
                shared.wakep();
            } else if let Some(first) = pp.runq.steal_into(&scratch, true, || {}) {
                let mut batch = vec![first];
                while let Some((t, _)) = scratch.pop() {
                    batch.push(t);
                }
                shared.inject_batch(batch);
            }
        }
        if acted {
            delay = MIN_DELAY;
            idle_cycles = 0;
        } else {
            idle_cycles += 1;
            if idle_cycles > IDLE_CYCLES_BEFORE_BACKOFF {
                delay = (delay * 2).min(MAX_DELAY);
            }
        }
    }
}
