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
//! The blocking primitive behind `park` is a timed condvar wait. The netpoller replaces it
//! with `polling::Poller::wait` (same contract: block until deadline, event, or notify); that
//! swap touches only this file.

use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Condvar, Mutex, Weak};
use std::time::Instant;

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
    notified: Mutex<bool>,
    cv: Condvar,
}

impl Driver {
    pub(crate) fn new() -> Self {
        Driver {
            held: AtomicBool::new(false),
            poll_until: AtomicU64::new(UNTIL_UNKNOWN),
            epoch: Instant::now(),
            notified: Mutex::new(false),
            cv: Condvar::new(),
        }
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

    /// Blocks until `deadline` (or forever with `None`) unless unparked; consumes the token.
    pub(crate) fn park(&self, deadline: Option<Instant>) {
        let mut n = self.notified.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *n {
                *n = false;
                return;
            }
            match deadline {
                None => n = self.cv.wait(n).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return;
                    }
                    n = self
                        .cv
                        .wait_timeout(n, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }

    /// Breaks the holder out of [`Driver::park`] (or makes its next park return at once).
    pub(crate) fn unpark(&self) {
        let mut n = self.notified.lock().unwrap_or_else(|e| e.into_inner());
        *n = true;
        drop(n);
        self.cv.notify_one();
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
