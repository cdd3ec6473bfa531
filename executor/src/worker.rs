//! An M: an OS thread that runs tasks while it holds a P (Go's `runtime/proc.go: mstart,
//! schedule, findRunnable, stealWork, execute`).
//!
//! ```text
//!   loop:                                   (schedule)
//!     main woken?  -> poll main             (only on the block_on thread, "M0")
//!     hold a P?    -> find_runnable(P):
//!                       due timers of P
//!                       every 61st tick: non-blocking netpoll, one task from the global queue
//!                       runnext (at most 3 in a row), then the ring
//!                       a batch from the global queue
//!                       one pass over the other rings (half of the first with a backlog)
//!                       non-blocking netpoll (ready tasks to the ring's tail)
//!                       steal (if allowed to spin): 4 passes over the Ps in random order,
//!                         half a victim's ring; last pass: its due timers and its runnext
//!                       release P (re-check global under the lock), stop spinning (fence),
//!                         re-check every queue ("the delicate dance")
//!                  -> execute(task)
//!     no P         -> hold the driver (one M): sleep until the earliest timer, in the
//!                     poller only while every P is idle (driver.rs); or park (stopm)
//! ```
//!
//! Invariants: only the M holding P `i` pushes to or pops from `ps[i].runq` as owner; an M's
//! `spinning` flag and its share of `Idle::nmspinning` change together; the thread-local
//! [`CURRENT`] points at this M's state for exactly as long as the M runs.

use std::cell::Cell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::Ordering::{Acquire, Relaxed};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use async_task::ScheduleInfo;

use crate::driver::Watch;
use crate::main_task::MainTask;
use crate::park::{Grant, Parker};
use crate::runq::Pushed;
use crate::sched::{GLOBAL_QUEUE_INTERVAL, P_RUNNING, Shared};
use crate::task::{Id, Runnable};

/// Consecutive runnext polls (each inheriting the time slice) before runnext is sent to the
/// back of the ring, so a ping-pong pair cannot starve the ring (tokio's value).
const MAX_RUNNEXT_POLLS: u32 = 3;

/// How long a thief waits before stealing a running P's runnext (Go's `usleep(3)`).
const RUNNEXT_STEAL_BACKOFF: Duration = Duration::from_micros(3);

/// Steal passes over all Ps (Go's `stealTries`).
const STEAL_TRIES: usize = 4;

/// A P that ran dry takes another P's backlog before polling the network only when that
/// backlog is this long: moving two or three cache-hot tasks across cores buys no balance
/// (8 alternating runs of 64-connection echo, twice: slightly better throughput and p99 than
/// stealing from any non-empty ring).
const BACKLOG_STEAL_MIN: usize = 8;

/// The state of one M, owned by its thread.
pub(crate) struct M {
    pub(crate) shared: Arc<Shared>,
    p: Cell<Option<usize>>,
    spinning: Cell<bool>,
    runnext_polls: Cell<u32>,
    /// The schedtick at which this M last gave the global queue and the poller their turn.
    fair_tick: Cell<u32>,
    /// Wakers of tasks whose I/O the driver found ready, reused between parks.
    ready: Cell<Vec<Waker>>,
    /// True while this M wakes what the poller found (see `inject_ready`).
    injecting: Cell<bool>,
    parker: Arc<Parker>,
}

thread_local! {
    /// The M running on this thread, if any.
    static CURRENT: Cell<*const M> = const { Cell::new(ptr::null()) };
    /// The task being polled on this thread, if any (`task::id()`).
    static CURRENT_TASK: Cell<Option<Id>> = const { Cell::new(None) };
}

/// Runs `f` with the M of this thread, if there is one.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&M>) -> R) -> R {
    let m = CURRENT.with(|c| c.get());
    // SAFETY: `CURRENT` is non-null only between `Entered::new` and its drop, which bracket
    // the lifetime of the `M` it points to on this same thread (see `M::enter`).
    f(unsafe { m.as_ref() })
}

/// The id of the task being polled on this thread.
pub(crate) fn current_task() -> Option<Id> {
    CURRENT_TASK.with(|c| c.get())
}

/// Clears `CURRENT` when the M's frame ends, even on unwind.
struct Entered;
impl Drop for Entered {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(ptr::null()));
        gorust_hooks::proc::exit();
        gorust_timer::driver::exit();
        gorust_netpoll::driver::exit();
        // Leave no budget behind: whatever runs on this thread next (another executor after
        // block_on returned) is not ours to throttle.
        gorust_hooks::coop::set_budget(gorust_hooks::coop::UNCONSTRAINED);
    }
}

/// Gives the M's P away if the schedule loop unwinds (see `M::run`).
struct HandOffOnUnwind<'a>(&'a M);
impl Drop for HandOffOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.handoff_p();
        }
    }
}

impl M {
    pub(crate) fn new(shared: Arc<Shared>) -> M {
        M {
            shared,
            p: Cell::new(None),
            spinning: Cell::new(false),
            runnext_polls: Cell::new(0),
            fair_tick: Cell::new(u32::MAX),
            ready: Cell::new(Vec::new()),
            injecting: Cell::new(false),
            parker: Arc::new(Parker::new()),
        }
    }

    /// Installs this M as the thread's current M until the guard drops.
    fn enter(&self) -> Entered {
        CURRENT.with(|c| {
            assert!(
                c.get().is_null(),
                "a gorust M is already running on this thread: \
                 Runtime::block_on cannot be nested inside a gorust runtime"
            );
            c.set(self as *const M);
        });
        // Sockets created on this M register with this runtime's poller.
        gorust_netpoll::driver::enter(self.shared.driver.reactor.clone());
        Entered
    }

    pub(crate) fn p(&self) -> Option<usize> {
        self.p.get()
    }

    fn acquire_p(&self, p: usize) {
        debug_assert!(self.p.get().is_none());
        self.p.set(Some(p));
        self.runnext_polls.set(0);
        gorust_hooks::proc::enter(p, self.shared.procs);
        gorust_timer::driver::enter(self.shared.ps[p].timers.clone());
    }

    fn forget_p(&self) {
        self.p.set(None);
        gorust_hooks::proc::exit();
        gorust_timer::driver::exit();
    }

    fn become_spinning(&self) {
        if !self.spinning.get() {
            self.spinning.set(true);
            self.shared.idle.start_spinning();
        }
    }

    /// Go's `resetspinning`: a spinner that found work stops spinning and, if it was the last
    /// one, wakes another M to keep looking.
    fn reset_spinning(&self) {
        if self.spinning.replace(false) {
            self.shared.idle.stop_spinning();
            self.shared.wakep();
        }
    }

    // ----- the schedule loop --------------------------------------------------------------

    /// Runs the schedule loop until shutdown, or until `main` (on M0) completes.
    pub(crate) fn run<T>(&self, mut main: Option<&mut MainTask<'_, T>>) -> Option<T> {
        let _entered = self.enter();
        // A panic out of main (M0's poll) unwinds through here: hand the P back, or it stays
        // owned by nobody (with one P the runtime could run nothing again).
        let _unwind = HandOffOnUnwind(self);
        if let Some(p) = self.p.get() {
            // A new M was started holding a granted P.
            self.p.set(None);
            self.acquire_p(p);
        }
        // True right after main woke itself during its poll (a yield): run one task before
        // polling main again, as Gosched lets others run.
        let mut main_yielded = false;
        loop {
            if self.shared.is_shutdown() {
                self.shutdown_p();
                return None;
            }
            if let Some(main) = main.as_deref_mut()
                && !main_yielded
                && main.take_woken()
            {
                if self.p.get().is_none()
                    && let Some(p) = self.shared.pidleget()
                {
                    self.acquire_p(p);
                }
                // Running main is running work: stop counting as a spinner first (Go's
                // resetspinning before execute), or wakep would wait for us.
                self.reset_spinning();
                if let Poll::Ready(v) = main.poll() {
                    self.handoff_p();
                    return Some(v);
                }
                main_yielded = main.is_woken();
                continue;
            }
            main_yielded = false;
            match self.p.get() {
                Some(p) => {
                    if let Some((task, inherit)) = self.find_runnable(p) {
                        self.reset_spinning();
                        self.execute(p, task, inherit);
                    }
                }
                None => match main.as_deref_mut() {
                    Some(main) => self.idle_m0(main),
                    None => {
                        if !self.idle_without_p() {
                            return None;
                        }
                    }
                },
            }
        }
    }

    /// Polls one task. `inherit` is Go's `inheritTime`: a runnext successor shares the
    /// current slice (no new schedtick, no budget refill).
    fn execute(&self, p: usize, task: Runnable, inherit: bool) {
        let pp = &self.shared.ps[p];
        if inherit {
            self.runnext_polls.set(self.runnext_polls.get() + 1);
        } else {
            pp.schedtick
                .store(pp.schedtick.load(Relaxed).wrapping_add(1), Relaxed);
            self.runnext_polls.set(0);
        }
        // A fresh slice gets a fresh budget; a runnext successor shares what is left, unless
        // nothing is in force yet (the first task after main's poll or a park).
        if !inherit || gorust_hooks::coop::budget() == gorust_hooks::coop::UNCONSTRAINED {
            gorust_hooks::coop::set_budget(gorust_hooks::coop::INITIAL_BUDGET);
        }
        let id = task.metadata().id;
        CURRENT_TASK.with(|c| c.set(Some(id)));
        // The task body catches the user's panics; this catches anything else (a panicking
        // Drop of the user's future, say) so the worker thread survives it.
        let _ = catch_unwind(AssertUnwindSafe(|| task.run()));
        CURRENT_TASK.with(|c| c.set(None));
        gorust_hooks::wait::take_wait_reason();
    }

    /// Finds a task for P `p`, or releases `p` and returns `None`. After `None` the M holds no
    /// P, or a different one taken back by the re-check: the caller must read `self.p` again.
    fn find_runnable(&self, p: usize) -> Option<(Runnable, bool)> {
        let shared = &*self.shared;
        let pp = &shared.ps[p];
        loop {
            debug_assert_eq!(
                self.p.get(),
                Some(p),
                "find_runnable on a P this M does not hold"
            );
            if shared.is_shutdown() {
                return None;
            }
            self.run_timers(p, None);
            // Fairness: now and then the global queue and the poller go first, so a P that
            // always has local work does not starve them (tokio's and Go's interval, 61).
            let tick = pp.schedtick.load(Relaxed);
            if tick.is_multiple_of(GLOBAL_QUEUE_INTERVAL) && self.fair_tick.replace(tick) != tick {
                self.poll_network();
                if let Some(t) = shared.global_get_one() {
                    return Some((t, false));
                }
            }
            if self.runnext_polls.get() >= MAX_RUNNEXT_POLLS {
                self.runnext_polls.set(0);
                // The runnext task goes behind the ring. That adds no parallel work (it was
                // already queued here), so no M is woken unless the ring overflows.
                if let Some(Pushed::Overflow(batch)) = pp.runq.demote_runnext() {
                    self.shared.inject_batch(batch);
                }
            }
            if let Some(t) = pp.runq.pop() {
                return Some(t);
            }
            if let Some(t) = shared.global_get_batch(p) {
                return Some((t, false));
            }
            // Before new I/O, the backlog another P has queued: one pass over the rings, half of
            // the first long one (no runnext, no back-off). A P that ran dry while the
            // network is busy would otherwise always find fresh events and never steal, serving
            // its own few connections fast while the other P's queue waited: on 64-connection
            // echo that was the p99 (8 alternating runs: p99 565 -> 474 µs, tokio 499; p10-p90
            // 192-460 -> 262-419 µs). tokio also steals before it polls its driver.
            if let Some(t) = self.steal_rings_once(p) {
                return Some((t, false));
            }
            // Non-blocking netpoll: the ready tasks land in this P's queue.
            if self.poll_network() > 0
                && let Some(t) = pp.runq.pop()
            {
                return Some(t);
            }
            if self.spinning.get() || shared.idle.may_spin() {
                self.become_spinning();
                if let Some(t) = self.steal_work(p) {
                    return Some((t, false));
                }
            }
            // Nothing anywhere: give up the P, then re-check (the delicate dance).
            match shared.release_p(p, self.spinning.get()) {
                Ok(Some(t)) => return Some((t, false)),
                Err(_need_spinning) => {
                    self.become_spinning();
                    continue;
                }
                Ok(None) => {}
            }
            self.forget_p();
            if self.spinning.replace(false) {
                shared.idle.stop_spinning();
                // Work appeared: this may take back a *different* P, so return and let the
                // schedule loop start over with whatever P we now hold; `p` and `pp` above
                // belong to the P we gave up, which another M may own by now.
                self.recheck_after_spinning();
            }
            return None;
        }
    }

    /// After dropping its P and its spinning status, an M looks once more at every queue; if
    /// work appeared it takes an idle P (not necessarily the one it gave up) and spins again.
    fn recheck_after_spinning(&self) {
        if self.work_anywhere()
            && let Some(p) = self.shared.pidleget()
        {
            self.acquire_p(p);
            self.become_spinning();
        }
    }

    /// Whether any queue holds a task (a snapshot).
    fn work_anywhere(&self) -> bool {
        let shared = &*self.shared;
        shared.global_len() > 0 || shared.ps.iter().any(|pp| !pp.runq.is_empty())
    }

    /// Go's `stealWork`: up to four passes over the other Ps in a random order, taking half a
    /// victim's ring; on the last pass also its due timers and, after a back-off, its runnext.
    fn steal_work(&self, p: usize) -> Option<Runnable> {
        let shared = &*self.shared;
        for pass in 0..STEAL_TRIES {
            let last = pass == STEAL_TRIES - 1;
            for victim in self.other_ps(p) {
                if shared.is_shutdown() {
                    return None;
                }
                if last && self.run_timers(victim, None) > 0 {
                    // The timers readied tasks into our own queue.
                    if let Some((t, _)) = shared.ps[p].runq.pop() {
                        return Some(t);
                    }
                }
                let vp = &shared.ps[victim];
                let backoff = || {
                    if vp.status.load(Acquire) == P_RUNNING {
                        spin_for(RUNNEXT_STEAL_BACKOFF);
                    }
                };
                if let Some(t) = self.steal_from(victim, p, last, backoff) {
                    return Some(t);
                }
            }
        }
        None
    }

    /// The Ps other than `p`, in a fresh random order (Go's `stealOrder`).
    fn other_ps(&self, p: usize) -> impl Iterator<Item = usize> + '_ {
        self.shared
            .steal_order(fastrand::u32(..))
            .filter(move |&v| v != p)
    }

    /// Moves half of `victim`'s ring (and its runnext with `runnext`) into P `p`'s; returns
    /// the task to run.
    fn steal_from(
        &self,
        victim: usize,
        p: usize,
        runnext: bool,
        backoff: impl FnOnce(),
    ) -> Option<Runnable> {
        let shared = &*self.shared;
        let t = shared.ps[victim]
            .runq
            .steal_into(&shared.ps[p].runq, runnext, backoff)?;
        shared.stats.steals.fetch_add(1, Relaxed);
        Some(t)
    }

    /// Non-blocking netpoll; the ready tasks are woken onto the tail of this M's ring (see
    /// `inject_ready`) after the poller is released. Returns how many were woken.
    fn poll_network(&self) -> usize {
        let mut ready = self.ready.take();
        let n = self.shared.driver.poll_now(&mut ready);
        self.inject_ready(&mut ready);
        self.ready.set(ready);
        n
    }

    /// Wakes the tasks the poller found ready. On a P they join the tail of its ring in the
    /// order the poller reported them, none in runnext (Go's `injectglist`: netpoll results
    /// queue behind the work already there, so a burst of I/O cannot keep jumping the
    /// queue); then one idle M is woken if that left more than one task to run.
    fn inject_ready(&self, ready: &mut Vec<Waker>) {
        if ready.is_empty() {
            return;
        }
        self.injecting.set(true);
        ready.drain(..).for_each(Waker::wake);
        self.injecting.set(false);
        if let Some(p) = self.p.get()
            && self.shared.ps[p].runq.len() > 1
        {
            self.shared.wakep();
        }
    }

    /// One pass over the other Ps' rings in random order, taking half of the first one that
    /// holds a backlog (at least [`BACKLOG_STEAL_MIN`] tasks) into ours (`runqgrab` without
    /// runnext). Returns the task to run.
    fn steal_rings_once(&self, p: usize) -> Option<Runnable> {
        self.other_ps(p)
            .filter(|&v| self.shared.ps[v].runq.len() >= BACKLOG_STEAL_MIN)
            .find_map(|v| self.steal_from(v, p, false, || {}))
    }

    /// Runs the due timers of P `p` (Go's `checkTimers`); returns how many fired.
    fn run_timers(&self, p: usize, now: Option<Instant>) -> usize {
        let timers = &self.shared.ps[p].timers;
        match timers.next_deadline() {
            None => 0,
            Some(d) => {
                let now = now.unwrap_or_else(Instant::now);
                if d <= now { timers.run(now) } else { 0 }
            }
        }
    }

    /// Whether some P has a timer due now.
    fn timers_due(&self) -> bool {
        self.earliest_timer().is_some_and(|d| d <= Instant::now())
    }

    /// The earliest timer deadline over all Ps (Go's `checkTimersNoP`).
    fn earliest_timer(&self) -> Option<Instant> {
        self.shared
            .ps
            .iter()
            .filter_map(|pp| pp.timers.next_deadline())
            .min()
    }

    /// Pushes a new task onto P `p`'s runnext (Go's `newproc`: the new G runs next).
    pub(crate) fn push_local(&self, p: usize, task: Runnable) {
        let pushed = self.shared.ps[p].runq.push(task, true);
        self.after_push(pushed);
    }

    /// Tells the scheduler what a push onto our own queue did. A ring push wakes an M only
    /// after a racy look says one could be wanted: the fenced `wakep` costs a full fence on
    /// every yield, and a wake missed in the race leaves the task with this M, which runs it.
    fn after_push(&self, pushed: Pushed<Runnable>) {
        match pushed {
            Pushed::Runnext => {}
            Pushed::Ring if !self.shared.idle.may_want_spinner() => {}
            Pushed::Ring => self.shared.wakep(),
            Pushed::Overflow(batch) => self.shared.inject_batch(batch),
        }
    }

    // ----- idle ---------------------------------------------------------------------------

    /// A worker M with no P: either block in the driver until the earliest timer (one M at a
    /// time) or park until granted a P. Returns false at shutdown.
    fn idle_without_p(&self) -> bool {
        if self.sleep_in_driver(|| false) {
            return true;
        }
        match self.shared.stopm(&self.parker) {
            Some(Grant { p, spinning }) => {
                self.acquire_p(p);
                // The waker already counted us in nmspinning.
                self.spinning.set(spinning);
                true
            }
            None => false,
        }
    }

    /// Becomes the driver's holder if there is a timer or I/O to wait for and nobody else
    /// holds it, and sleeps: in the poller while every P is idle, on its timers alone while
    /// some P runs (see driver.rs). Then takes a P if there is something to run, wakes the
    /// tasks whose I/O is ready and fires the due timers.
    /// Returns false without sleeping when there was nothing to wait for or the slot was
    /// taken.
    fn sleep_in_driver(&self, woken: impl Fn() -> bool) -> bool {
        let shared = &*self.shared;
        let first = self.earliest_timer();
        let io = shared.driver.reactor.has_waiters();
        // With no idle P, nothing a sleeper finds could run: the busy Ms fire their own timers
        // and poll the network (every 61 ticks and when they run dry; sysmon after 10 ms).
        if shared.idle.idle_ps() == 0 {
            return false;
        }
        let watch = || {
            if io && shared.idle.all_ps_idle() {
                Watch::Network
            } else {
                Watch::Timers
            }
        };
        if first.is_none() && watch() == Watch::Timers {
            // Nothing to sleep for: a running P polls the network.
            return false;
        }
        if !shared.driver.try_acquire() {
            // Someone else holds the driver; make sure it wakes early enough for our timers,
            // and that it watches the network now that every P is idle.
            if let Some(first) = first {
                shared.driver.wake_for(first);
            }
            if watch() == Watch::Network {
                // Unconditionally: the holder may have published Network and be about to
                // downgrade it on a stale count (a coalesced extra wake costs nothing).
                shared.driver.unpark();
            }
            return false;
        }
        // Publish "someone sleeps", then read the deadlines again, so a timer added meanwhile
        // is either seen here or breaks the park (see driver.rs).
        let deadline = self.earliest_timer();
        shared.driver.set_poll_until(deadline);
        // Publish the watch, then read the idle Ps again: an M that takes a P meanwhile either
        // sees us watching the network and breaks us out, or is seen here.
        let mut watching = watch();
        if watching == Watch::Network {
            shared.driver.set_watch(Watch::Network);
            if !shared.idle.all_ps_idle() {
                watching = Watch::Timers;
                shared.driver.set_watch(Watch::Timers);
            }
        }
        let mut ready = self.ready.take();
        if !woken() && !shared.is_shutdown() && (watching == Watch::Network || deadline.is_some()) {
            shared.driver.park(deadline, watching, &mut ready);
        }
        shared.driver.release();
        // Take a P if one is free and there is something to run, then wake the tasks whose
        // I/O is ready and run the due timers: the wakes land on our own ring (where other Ms
        // can steal them, see `inject_ready`), not in the global
        // queue behind a thread wake-up. Keep the P: the schedule loop runs what we woke, or
        // steals what a busy P has queued, or gives the P back through the usual re-checks
        // (Go's findRunnable after netpoll: acquirep, then `goto top`).
        if (!ready.is_empty() || self.work_anywhere() || self.timers_due())
            && let Some(p) = shared.pidleget()
        {
            self.acquire_p(p);
        }
        self.inject_ready(&mut ready);
        self.ready.set(ready);
        let now = Instant::now();
        for p in 0..shared.procs {
            self.run_timers(p, Some(now));
        }
        true
    }

    /// M0 (the block_on thread) with no P while main is pending: sleep on timers if needed,
    /// else park the thread until main is woken.
    fn idle_m0<T>(&self, main: &mut MainTask<'_, T>) {
        if main.is_woken() {
            return;
        }
        if self.work_anywhere()
            && let Some(p) = self.shared.pidleget()
        {
            // Work is queued and a P is free: run tasks while main waits.
            self.acquire_p(p);
            return;
        }
        let waker = main.waker_state();
        waker.set_in_driver(true);
        let slept = self.sleep_in_driver(|| waker.is_woken());
        waker.set_in_driver(false);
        if !slept {
            main.park_until_woken();
        }
    }

    /// M0 leaving block_on: its P goes to another M if it has work, else back to idle.
    fn handoff_p(&self) {
        let Some(p) = self.p.get() else { return };
        self.forget_p();
        if self.spinning.replace(false) {
            self.shared.idle.stop_spinning();
        }
        let has_work = !self.shared.ps[p].runq.is_empty() || self.shared.global_len() > 0;
        if has_work && !self.shared.is_shutdown() {
            self.shared.startm(p, false);
        } else {
            self.shared.pidleput(p);
            if has_work {
                self.shared.wakep();
            }
            // Every P may be idle now: someone must watch the network for the tasks still
            // waiting on I/O (the driver's holder, told to look again, or a new M).
            if !self.shared.rewatch_network_if_all_idle() {
                self.shared.wakep();
            }
            // Its timers must still fire (Go's handoffp: wakeNetPoller(timers.wakeTime())).
            if let Some(d) = self.shared.ps[p].timers.next_deadline()
                && !self.shared.driver.wake_for(d)
            {
                self.shared.wakep();
            }
        }
    }

    /// At shutdown: drop the P (its queue is drained by the shutdown thread).
    fn shutdown_p(&self) {
        if self.p.get().is_some() {
            self.forget_p();
        }
        if self.spinning.replace(false) {
            self.shared.idle.stop_spinning();
        }
    }
}

/// Entry point of a new M thread.
pub(crate) fn m_main(shared: Arc<Shared>, grant: Grant) {
    let m = M::new(shared);
    m.p.set(Some(grant.p));
    m.spinning.set(grant.spinning);
    m.run::<()>(None);
}

/// Schedules a woken task on the current M's P: runnext for a wake by another task (the
/// readied task runs next, as Go's `ready` does), the tail for a self-wake (a yield). Gives
/// the task back when this thread is not an M of the task's runtime holding a P.
pub(crate) fn schedule_local(task: Runnable, info: ScheduleInfo) -> Result<(), Runnable> {
    with_current(|m| {
        let Some(m) = m else { return Err(task) };
        if !ptr::eq(Arc::as_ptr(&m.shared), Arc::as_ptr(&task.metadata().shared)) {
            return Err(task);
        }
        let Some(p) = m.p.get() else { return Err(task) };
        let q = &m.shared.ps[p].runq;
        if m.injecting.get() {
            // Netpoll results: FIFO at the tail; `inject_ready` wakes an M once for the batch.
            if let Pushed::Overflow(batch) = q.push_back(task) {
                m.shared.inject_batch(batch);
            }
        } else if info.woken_while_running {
            // A task woken during its own poll (a yield, a spent budget, or an I/O event that
            // raced with its park) goes to the tail. Alone in the queue it is no parallel
            // work: this M runs it next, and waking another M for it would only have that M
            // race us for it (seen: a thread hand-off every few round trips on 1-connection
            // echo). tokio's `should_notify_others` asks the same.
            match q.push_back(task) {
                Pushed::Ring if q.len() <= 1 => {}
                pushed => m.after_push(pushed),
            }
        } else {
            m.after_push(q.push(task, true));
        }
        Ok(())
    })
}

/// Busy-waits for `d` (a few microseconds): cheaper and far more precise than a sleep.
fn spin_for(d: Duration) {
    let until = Instant::now() + d;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// Polls a future on the current thread with the given waker context (used for main).
pub(crate) fn poll_in_place<F: Future + ?Sized>(
    fut: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    let old = gorust_hooks::coop::set_budget(gorust_hooks::coop::INITIAL_BUDGET);
    let r = fut.poll(cx);
    gorust_hooks::coop::set_budget(old);
    gorust_hooks::wait::take_wait_reason();
    r
}
