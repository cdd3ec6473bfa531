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
//! The blocking primitive behind `park` is the runtime's netpoller
//! (`gorust_netpoll::driver::Reactor::poll`): the sleeper blocks in `epoll_wait` until the
//! deadline, an I/O event (whose tasks it wakes), or a notify. [`Driver::poll_now`] is the
//! non-blocking poll an M with a P makes in `findrunnable` (Go's `netpoll(0)`), gated so it
//! runs only when some task waits on I/O and nobody is blocked in the poller.

use std::io;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Weak};
use std::task::Waker;
use std::time::{Duration, Instant};

use gorust_netpoll::driver::Reactor;

use crate::sched::Shared;

/// `poll_until` value meaning "no deadline known yet, or none": any earlier timer must break
/// the sleeper out.
const UNTIL_UNKNOWN: u64 = u64::MAX;

/// The single idle-M blocking slot of a runtime.
pub(crate) struct Driver {
    held: AtomicBool,
    /// Deadline of the holder's sleep, in nanoseconds since `epoch`.
    poll_until: AtomicU64,
    epoch: Instant,
    /// The runtime's poller: where the sleeper blocks and where I/O sources register.
    pub(crate) reactor: Arc<Reactor>,
}

impl Driver {
    pub(crate) fn new() -> io::Result<Self> {
        Ok(Driver {
            held: AtomicBool::new(false),
            poll_until: AtomicU64::new(UNTIL_UNKNOWN),
            epoch: Instant::now(),
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
        self.held.store(false, SeqCst);
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

    /// Blocks in the poller until `deadline` (or forever with `None`), an I/O event, or an
    /// unpark; appends the wakers of the tasks whose I/O is ready to `ready` without waking
    /// them, so the caller can first take a P and have the wakes land on it (Go's
    /// `findRunnable` after `netpoll`). Consumes a pending unpark.
    pub(crate) fn park(&self, deadline: Option<Instant>, ready: &mut Vec<Waker>) {
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        // An error (EINTR, say) only ends the wait early: the caller loops.
        let _ = self.reactor.poll_into(timeout, ready);
    }

    /// Breaks the holder out of [`Driver::park`] (or makes its next park return at once).
    pub(crate) fn unpark(&self) {
        let _ = self.reactor.notify();
    }

    /// Polls for I/O without blocking when some task waits on I/O and no M is blocked in the
    /// poller (Go's gated `netpoll(0)` in `findRunnable`). Returns how many tasks it woke.
    pub(crate) fn poll_now(&self) -> usize {
        if !self.reactor.has_waiters() || self.is_held() {
            return 0;
        }
        self.reactor.poll(Some(Duration::ZERO)).unwrap_or(0)
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
