//! The idle path's blocking wait: the seam where timers and the poller plug in.
//!
//! Go's `findRunnable` ends, when an M finds nothing to run, with at most **one** M blocked in
//! `netpoll(delay)` where `delay` is the time to the earliest timer of any P (`sched.lastpoll
//! == 0` marks that an M is in there); every other idle M sleeps on its own note (`stopm`).
//! A new earlier timer or new work breaks the blocked M out (`netpollBreak`).
//!
//! [`Driver`] is that one slot:
//! - [`Driver::try_acquire`] / [`Driver::release`]: at most one M holds it (Go's `lastpoll`
//!   swap); it publishes how long it sleeps ([`Driver::set_poll_until`], Go's
//!   `sched.pollUntil`).
//! - [`Driver::park`] blocks until the deadline or an [`Driver::unpark`]. An unpark that
//!   arrives first is kept (a token), so a break is never lost.
//! - [`TimerWake`] is what the per-P timer heaps call when their earliest deadline moves
//!   earlier (Go's `wakeNetPoller`): break the sleeper out if it sleeps past the new deadline,
//!   otherwise make sure some M comes round (`wakep`).
//!
//! The holder sleeps one of two ways ([`Watch`]):
//! - **network and timers** ([`Watch::Network`]), only while *every* P is idle: it blocks in
//!   the runtime's netpoller (`epoll_wait`) until the deadline, an I/O event (whose tasks it
//!   then runs), or a notify;
//! - **timers only** ([`Watch::Timers`]), while some P runs: it sleeps on the poller's wake-up
//!   fd alone, so I/O events do not wake it. The running Ms poll the network themselves
//!   ([`Driver::poll_now`], Go's `netpoll(0)` in `findRunnable`, and every 61 ticks), and wake
//!   idle Ms through `wakep` when they find more than they can run.
//!
//! Why not Go's rule (block in the poller whenever a P is idle)? A socket wake-up is a *sync*
//! wake-up in Linux: the scheduler puts the woken thread on the waker's CPU, expecting the
//! waker to sleep soon. Here the waker is a busy M that sends and keeps running, so the M
//! woken from `epoll_wait` queued behind it on one core while the other core idled, for a
//! scheduler slice (3-4 ms). On the 64-connection echo benchmark that was the p99
//! (4.6 ms against tokio's 0.5 ms); with the timers-only sleep it is 0.75 ms. The last M to
//! go idle switches the holder to the network (see `worker.rs`), and when a P starts running
//! again the holder is broken out of the network wait (`Shared::break_poller`).
use std::io;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Weak};
use std::task::Waker;
use std::time::{Duration, Instant};

use gorust_netpoll::driver::Reactor;

use crate::sched::Shared;

/// `poll_until` value meaning "no deadline known yet, or none": any earlier timer must break
/// the sleeper out.
const UNTIL_UNKNOWN: u64 = u64::MAX;

/// What the driver's holder waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Watch {
    /// Its timers and the network (every P is idle).
    Network,
    /// Its timers only (some P runs and polls the network).
    Timers,
}

/// The single idle-M blocking slot of a runtime.
pub(crate) struct Driver {
    held: AtomicBool,
    /// The holder watches the network (`Watch::Network`); false when it watches timers only or
    /// nobody holds the slot.
    watching_network: AtomicBool,
    /// Deadline of the holder's sleep, in nanoseconds since `epoch`.
    poll_until: AtomicU64,
    epoch: Instant,
    /// When a poll last returned, in nanoseconds since `epoch` (Go's `sched.lastpoll`):
    /// sysmon polls only when nobody has for a while.
    last_poll: AtomicU64,
    /// The runtime's poller: where the sleeper blocks and where I/O sources register.
    pub(crate) reactor: Arc<Reactor>,
}

impl Driver {
    pub(crate) fn new() -> io::Result<Self> {
        Ok(Driver {
            held: AtomicBool::new(false),
            watching_network: AtomicBool::new(false),
            poll_until: AtomicU64::new(UNTIL_UNKNOWN),
            epoch: Instant::now(),
            last_poll: AtomicU64::new(0),
            reactor: Reactor::new()?,
        })
    }

    /// Becomes the one M that blocks here; false if another M already does.
    pub(crate) fn try_acquire(&self) -> bool {
        if self.held.load(SeqCst) {
            return false;
        }
        if self.held.swap(true, SeqCst) {
            return false;
        }
        self.poll_until.store(UNTIL_UNKNOWN, SeqCst);
        true
    }

    /// Gives the slot up.
    pub(crate) fn release(&self) {
        self.poll_until.store(UNTIL_UNKNOWN, SeqCst);
        self.watching_network.store(false, SeqCst);
        self.held.store(false, SeqCst);
    }

    /// The holder publishes what it is about to wait for.
    pub(crate) fn set_watch(&self, watch: Watch) {
        self.watching_network.store(watch == Watch::Network, SeqCst);
    }

    /// Whether the holder waits in the poller (and so reaps the I/O events itself).
    pub(crate) fn watching_network(&self) -> bool {
        self.watching_network.load(SeqCst)
    }

    /// Whether an M holds the slot.
    pub(crate) fn is_held(&self) -> bool {
        self.held.load(SeqCst)
    }

    fn nanos(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.epoch).as_nanos();
        u64::try_from(d).unwrap_or(UNTIL_UNKNOWN - 1)
    }

    /// Publishes the holder's wake-up deadline (`None`: sleeps until woken).
    pub(crate) fn set_poll_until(&self, deadline: Option<Instant>) {
        let v = deadline.map_or(UNTIL_UNKNOWN, |d| self.nanos(d));
        self.poll_until.store(v, SeqCst);
    }

    /// Blocks until `deadline` (or forever with `None`) or an unpark, and with
    /// [`Watch::Network`] also until an I/O event: appends the wakers of the tasks whose I/O
    /// is ready to `ready` without waking them, so the caller can first take a P and have the
    /// wakes land on it (Go's `findRunnable` after `netpoll`). Consumes a pending unpark.
    pub(crate) fn park(&self, deadline: Option<Instant>, watch: Watch, ready: &mut Vec<Waker>) {
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        // An error (EINTR, say) only ends the wait early: the caller loops.
        match watch {
            Watch::Network => {
                let _ = self.reactor.poll_into(timeout, ready);
                self.mark_polled();
            }
            Watch::Timers => {
                let _ = self.reactor.wait_notify(timeout);
            }
        }
    }

    fn mark_polled(&self) {
        self.last_poll.store(self.nanos(Instant::now()), Relaxed);
    }

    /// How long ago a poll last returned (any M's, or sysmon's).
    pub(crate) fn since_last_poll(&self, now: Instant) -> Duration {
        let last = self.last_poll.load(Relaxed);
        Duration::from_nanos(self.nanos(now).saturating_sub(last))
    }

    /// Breaks the holder out of [`Driver::park`] (or makes its next park return at once).
    pub(crate) fn unpark(&self) {
        let _ = self.reactor.notify();
    }

    /// Polls for I/O without blocking when some task waits on I/O and no M is blocked in the
    /// poller (Go's gated `netpoll(0)` in `findRunnable`). Appends the ready tasks' wakers to
    /// `ready` for the caller to wake once the poller is free again; returns how many.
    pub(crate) fn poll_now(&self, ready: &mut Vec<Waker>) -> usize {
        if !self.reactor.has_waiters() || self.watching_network() {
            return 0;
        }
        let n = self
            .reactor
            .poll_into(Some(Duration::ZERO), ready)
            .unwrap_or(0);
        self.mark_polled();
        n
    }

    /// A timer now fires at `when`: break the sleeper out if it would sleep past it. Returns
    /// false when no M holds the slot (the caller must then make sure an M comes round).
    pub(crate) fn wake_for(&self, when: Instant) -> bool {
        if !self.is_held() {
            return false;
        }
        if self.nanos(when) < self.poll_until.load(SeqCst) {
            self.unpark();
        }
        true
    }
}

/// The executor's side of the timer seam: what a P's heap calls when its earliest deadline
/// moves earlier (Go's `wakeNetPoller`).
pub(crate) struct TimerWake(pub(crate) Weak<Shared>);

impl gorust_timer::driver::WakeDriver for TimerWake {
    fn timer_earlier(&self, deadline: Instant) {
        let Some(shared) = self.0.upgrade() else {
            return;
        };
        if !shared.driver.wake_for(deadline) {
            // Nobody sleeps on timers: a running P checks its own heap at every schedule, and
            // an M that goes idle computes the earliest deadline; wake one in case every P is
            // idle and every M parked.
            shared.wakep();
        }
    }
}
