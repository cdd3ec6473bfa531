//! The seam the executor drives (`#[doc(hidden)]`): one timer heap per P, the thread-local
//! "current heap" that new timers go to, and the hook a heap pokes when its earliest deadline
//! moves earlier.
//!
//! Mirrors `runtime/proc.go: checkTimers` (the executor calls [`Timers::run`] when
//! [`Timers::next_deadline`] has passed), `runtime/time.go: timers.wakeTime` ([`Timers::next_deadline`]),
//! `wakeNetPoller` ([`WakeDriver::timer_earlier`]) and `timers.take` (a dropped heap's live
//! timers move to the fallback heap instead of being lost).
//!
//! The executor's side of the contract: [`enter`] when an M acquires a P, [`exit`] when it
//! releases it; run its P's heap in `schedule`/`findrunnable` when the next deadline has
//! passed; run other Ps' heaps on the last steal pass; park an idle M no longer than the
//! earliest [`Timers::next_deadline`] of all Ps; implement [`WakeDriver`] to break a parked M
//! out of its wait when a heap's earliest deadline moves earlier.
//!
//! Invariants:
//! - A timer is added to the heap entered on the thread that first polls it (or resets it
//!   while a waiter is registered), else to the fallback heap; it stays in that heap until it
//!   fires or is removed, whichever thread later touches it.
//! - [`Timers::next_deadline`] is never later than the earliest live deadline.
//! - [`Timers::run`] never holds the heap lock while it wakes a waker.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use crate::clock;
use crate::timers::Heap;

/// What a per-P heap pokes when its earliest deadline moves earlier (the executor implements
/// it: it breaks an idle M out of its timed park or poller wait, Go's `wakeNetPoller`).
///
/// # Examples
///
/// ```
/// use gorust_timer::driver::WakeDriver;
/// struct Nobody;
/// impl WakeDriver for Nobody {
///     fn timer_earlier(&self, _deadline: std::time::Instant) {}
/// }
/// ```
pub trait WakeDriver: Send + Sync + 'static {
    /// A timer with this deadline became the heap's earliest. Called without any timer lock
    /// held, from whichever thread added or reset the timer.
    fn timer_earlier(&self, deadline: Instant);
}

/// One P's timer heap (Go's `timers`): a four-ary min-heap behind its own lock.
///
/// Dropping it moves the timers still armed in it to the fallback driver (Go's `timers.take`
/// when `procresize` destroys a P), so no timer is lost with its P.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, Instant};
/// use gorust_timer::driver::{self, Timers, WakeDriver};
///
/// struct Nobody;
/// impl WakeDriver for Nobody {
///     fn timer_earlier(&self, _deadline: Instant) {}
/// }
///
/// let timers = Arc::new(Timers::new(Arc::new(Nobody)));
/// driver::enter(timers.clone());
/// let mut sleep = std::pin::pin!(gorust_timer::sleep(Duration::from_millis(1)));
/// let waker = std::task::Waker::noop();
/// let mut cx = std::task::Context::from_waker(&waker);
/// assert!(sleep.as_mut().poll(&mut cx).is_pending()); // registered in `timers`
/// assert_eq!(timers.len(), 1);
/// while sleep.as_mut().poll(&mut cx).is_pending() {
///     let deadline = timers.next_deadline().unwrap();
///     std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
///     timers.run(Instant::now());
/// }
/// driver::exit();
/// # use std::future::Future;
/// ```
pub struct Timers {
    heap: Arc<Heap>,
}

impl std::fmt::Debug for Timers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.heap.fmt(f)
    }
}

impl Timers {
    /// An empty heap that calls `wake` when its earliest deadline moves earlier.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use gorust_timer::driver::{Timers, WakeDriver};
    /// # struct Nobody;
    /// # impl WakeDriver for Nobody { fn timer_earlier(&self, _: std::time::Instant) {} }
    /// let timers = Timers::new(Arc::new(Nobody));
    /// assert!(timers.is_empty());
    /// assert_eq!(timers.next_deadline(), None);
    /// ```
    pub fn new(wake: Arc<dyn WakeDriver>) -> Self {
        Timers {
            heap: Heap::new(wake),
        }
    }

    /// Runs every timer due at `now` (wakes its waker, delivers to its channel, ...) and
    /// returns how many fired. May be called from any thread; wakes happen with no lock held.
    ///
    /// # Panics
    ///
    /// If a waker panics, every other due timer is still woken, then the first panic is
    /// re-raised to the caller.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use gorust_timer::driver::{Timers, WakeDriver};
    /// # struct Nobody;
    /// # impl WakeDriver for Nobody { fn timer_earlier(&self, _: std::time::Instant) {} }
    /// let timers = Timers::new(Arc::new(Nobody));
    /// assert_eq!(timers.run(std::time::Instant::now()), 0);
    /// ```
    pub fn run(&self, now: Instant) -> usize {
        self.heap.run(clock::to_tick(now))
    }

    /// The earliest deadline that may be due, without locking. It may be early (a stopped or
    /// postponed timer not yet cleaned up), never late. `None` when the heap holds nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use gorust_timer::driver::{Timers, WakeDriver};
    /// # struct Nobody;
    /// # impl WakeDriver for Nobody { fn timer_earlier(&self, _: std::time::Instant) {} }
    /// assert_eq!(Timers::new(Arc::new(Nobody)).next_deadline(), None);
    /// ```
    pub fn next_deadline(&self) -> Option<Instant> {
        clock::from_tick(self.heap.wake_time())
    }

    /// Entries in the heap, lazily deleted ones included (diagnostics).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use gorust_timer::driver::{Timers, WakeDriver};
    /// # struct Nobody;
    /// # impl WakeDriver for Nobody { fn timer_earlier(&self, _: std::time::Instant) {} }
    /// assert_eq!(Timers::new(Arc::new(Nobody)).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.heap.len() as usize
    }

    /// Whether the heap holds no entry at all.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use gorust_timer::driver::{Timers, WakeDriver};
    /// # struct Nobody;
    /// # impl WakeDriver for Nobody { fn timer_earlier(&self, _: std::time::Instant) {} }
    /// assert!(Timers::new(Arc::new(Nobody)).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Timers {
    fn drop(&mut self) {
        let live = self.heap.take_all();
        if live.is_empty() {
            return;
        }
        let fallback = crate::fallback::heap();
        for entry in &live {
            Heap::maybe_add(&fallback, entry);
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Timers>>> = const { RefCell::new(None) };
}

/// Makes `timers` the heap that timers first polled on this thread are added to. Called by an
/// M when it acquires a P.
///
/// # Examples
///
/// ```
/// # use std::sync::Arc;
/// # use gorust_timer::driver::{self, Timers, WakeDriver};
/// # struct Nobody;
/// # impl WakeDriver for Nobody { fn timer_earlier(&self, _: std::time::Instant) {} }
/// driver::enter(Arc::new(Timers::new(Arc::new(Nobody))));
/// driver::exit();
/// ```
pub fn enter(timers: Arc<Timers>) {
    let old = CURRENT.with(|c| c.borrow_mut().replace(timers));
    drop(old);
}

/// Forgets this thread's heap: timers first polled here go to the fallback driver again.
/// Called by an M when it releases its P.
///
/// # Examples
///
/// ```
/// gorust_timer::driver::exit(); // harmless when nothing was entered
/// ```
pub fn exit() {
    let old = CURRENT.try_with(|c| c.borrow_mut().take()).ok().flatten();
    drop(old);
}

/// The heap new timers on this thread go to: the entered P's, else the fallback driver's.
pub(crate) fn current_heap() -> Arc<Heap> {
    with_current_heap(Arc::clone)
}

/// Runs `f` on the heap new timers on this thread go to, without touching its reference
/// count (the hot path of a first poll). `f` must not call [`enter`] or [`exit`].
#[inline]
pub(crate) fn with_current_heap<R>(f: impl FnOnce(&Arc<Heap>) -> R) -> R {
    let mut f = Some(f);
    let r = CURRENT.try_with(|c| {
        let cur = c.borrow();
        cur.as_ref()
            .map(|t| (f.take().expect("called once"))(&t.heap))
    });
    match r {
        Ok(Some(r)) => r,
        _ => (f.take().expect("called once"))(crate::fallback::heap_ref()),
    }
}
