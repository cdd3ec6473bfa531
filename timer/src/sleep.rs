//! `sleep` and `sleep_until`: a future that completes at a deadline (Go's `time.Sleep`, tokio's
//! `time::Sleep`).
//!
//! Mirrors `runtime/time.go: timeSleep` (a timer whose callback readies the sleeping goroutine)
//! with Go 1.23's lazy registration: a `Sleep` allocates and enters a heap on its first poll,
//! so one that is dropped unpolled, or polled only after its deadline, costs no heap work.
//!
//! Invariants: `entry` is `None` until the first poll that finds the deadline in the future;
//! after that the entry's deadline equals `deadline` (both change together in `reset`).
//! Dropping a registered `Sleep` stops its entry (a zombie the heap drops lazily).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use gorust_hooks::coop;
use gorust_hooks::wait::{WaitReason, set_wait_reason};

use crate::clock;
use crate::entry::Entry;

/// Waits until `duration` has elapsed (tokio's `time::sleep`, Go's `time.Sleep`).
///
/// The deadline is fixed when `sleep` is called. `Duration::ZERO` completes on the first poll;
/// `Duration::MAX` (or any overflowing duration) sleeps about 30 years, without panicking.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// futures::executor::block_on(async {
///     let start = Instant::now();
///     gorust_timer::sleep(Duration::from_millis(2)).await;
///     assert!(start.elapsed() >= Duration::from_millis(2));
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future cancels the sleep; nothing is lost.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(clock::deadline_after(duration))
}

/// Waits until `deadline` (tokio's `time::sleep_until`). A deadline already passed when
/// `sleep_until` is called completes on the first poll (on the same thread; elsewhere at the
/// next run of the timer heap, microseconds later).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// futures::executor::block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(1);
///     gorust_timer::sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future cancels the sleep; nothing is lost.
pub fn sleep_until(deadline: Instant) -> Sleep {
    clock::note_now();
    Sleep::new(deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It is `Unpin`, `Send` and `Sync`; polling it after completion returns `Ready` again. It
/// uses one unit of the cooperative budget per poll, as tokio's does.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let sleep: gorust_timer::Sleep = gorust_timer::sleep(Duration::from_millis(1));
/// assert!(!sleep.is_elapsed());
/// futures::executor::block_on(sleep);
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    entry: Option<Arc<Entry>>,
}

impl Sleep {
    /// A sleep until `deadline` (the caller has noted the clock, see `clock::seen_tick`).
    pub(crate) fn new(deadline: Instant) -> Self {
        Sleep {
            deadline,
            entry: None,
        }
    }

    /// The instant at which the future completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(gorust_timer::sleep_until(at).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed (by the clock: the future may not have been polled).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// assert!(gorust_timer::sleep(Duration::ZERO).is_elapsed());
    /// assert!(!gorust_timer::sleep(Duration::from_secs(60)).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline (tokio's `Sleep::reset`), even after the future completed: it then
    /// waits again. A registered timer keeps its place in its heap and is re-keyed lazily
    /// (Go's modified-earlier/later handling); no allocation.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// futures::executor::block_on(async {
    ///     let mut sleep = std::pin::pin!(gorust_timer::sleep(Duration::from_secs(3600)));
    ///     sleep.as_mut().reset(Instant::now() + Duration::from_millis(1));
    ///     sleep.await;
    /// });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        if let Some(entry) = &this.entry {
            entry.modify(clock::to_tick(deadline), None, false);
        }
    }

    /// Polls like `Future::poll`, for callers holding `&mut Sleep` (it is `Unpin`).
    pub(crate) fn poll_sleep(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let entry = match &self.entry {
            Some(entry) => entry,
            None => {
                // `sleep(ZERO)` and deadlines before the last clock read on this thread finish
                // here; any other deadline registers (one that passed since is fired by the
                // heap's next run), which spares a clock read per timer.
                let when = clock::to_tick(self.deadline);
                if when <= clock::seen_tick() {
                    return Poll::Ready(());
                }
                let waker = cx.waker().clone();
                let entry = crate::driver::with_current_heap(|h| h.push_new(when, waker, false));
                self.entry = Some(entry);
                set_wait_reason(WaitReason::Sleep);
                return Poll::Pending;
            }
        };
        match entry.poll(cx, false) {
            Poll::Ready(_) => Poll::Ready(()),
            Poll::Pending => {
                set_wait_reason(WaitReason::Sleep);
                Poll::Pending
            }
        }
    }
}

/// Spends one unit of the cooperative budget (tokio's `Sleep` does too), on gorust workers
/// only: elsewhere the budget belongs to no runtime, and a value one left on this thread must
/// not stall timers driven here by another executor.
#[inline]
pub(crate) fn proceed(cx: &mut Context<'_>) -> Poll<()> {
    if gorust_hooks::proc::current().is_none() {
        return Poll::Ready(());
    }
    coop::poll_proceed(cx)
}

/// Whether the cooperative budget of a gorust worker is spent (never off a worker).
#[inline]
pub(crate) fn budget_spent() -> bool {
    gorust_hooks::proc::current().is_some() && !coop::has_budget_remaining()
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_sleep(cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(entry) = self.entry.take() {
            entry.stop(false);
            crate::entry::recycle_local(entry);
        }
    }
}
