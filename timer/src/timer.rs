//! Go's `time.Timer` as a future: `Timer::new(d)`, `stop() -> bool`, `reset(d) -> bool`, and
//! awaiting it in place of a receive from `t.C`.
//!
//! Mirrors `time/sleep.go: NewTimer, Timer.Stop, Timer.Reset` with Go 1.23's semantics (the
//! synchronous timer channel): awaiting the timer consumes its one value, as a receive from
//! `t.C` does; `stop` returns `true` if the value had not been received yet (even if the
//! deadline passed), and after `stop` or `reset` returns no stale value is ever delivered.
//! The timer enters a heap only when first awaited (Go 1.23's lazy channel timers).
//!
//! Invariants: one entry per `Timer`, shared by the handle and at most one heap slot; all
//! state lives in the entry (`entry.rs`), so `stop` and `reset` take `&self` and may race
//! with the heap firing the timer from another thread: exactly one of "stop returns true" and
//! "an await completes" happens for each arming.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use gorust_hooks::wait::{WaitReason, set_wait_reason};

use crate::clock;
use crate::entry::Entry;

/// A one-shot timer with Go's `Stop` and `Reset` (`time.Timer`), awaited as a future.
///
/// Awaiting yields the deadline it fired for. After it has been received once, awaiting again
/// waits until the next `reset` (as a second receive from Go's `t.C` blocks). `stop` and
/// `reset` take `&self`, so a `Timer` in an `Arc` can be stopped from another task while one
/// task awaits it (with `(&*timer).await`); one task should await it at a time.
///
/// # Cancel safety
///
/// Awaiting is cancel safe: the value is consumed only by a poll that returns it, so a
/// dropped await (a lost `select!` branch) leaves it for the next one.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gorust_timer::Timer;
/// futures::executor::block_on(async {
///     let t = Timer::new(Duration::from_millis(1));
///     (&t).await;
///     assert!(!t.stop(), "already received");
///     assert!(!t.reset(Duration::from_millis(1)), "was not active");
///     (&t).await;
/// });
/// ```
#[derive(Debug)]
pub struct Timer {
    entry: Arc<Entry>,
}

impl Timer {
    /// A timer that fires after `d` (Go's `time.NewTimer`). `Duration::ZERO` fires at once,
    /// `Duration::MAX` in about 30 years; neither panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gorust_timer::Timer::new(std::time::Duration::from_secs(60));
    /// assert!(t.stop());
    /// ```
    pub fn new(d: Duration) -> Timer {
        Timer::at(clock::deadline_after(d))
    }

    /// A timer that fires at `deadline`.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gorust_timer::Timer::at(std::time::Instant::now());
    /// futures::executor::block_on(&t);
    /// ```
    pub fn at(deadline: Instant) -> Timer {
        Timer {
            entry: Arc::new(Entry::new(
                clock::to_tick(deadline),
                0,
                None,
                std::ptr::null(),
            )),
        }
    }

    /// Prevents the timer from firing (Go's `Timer.Stop`). Returns `true` if this call stopped
    /// it, `false` if its value was already received or it was already stopped. After `stop`
    /// returns, an await waits for the next `reset`.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gorust_timer::Timer::new(std::time::Duration::from_secs(60));
    /// assert!(t.stop());
    /// assert!(!t.stop());
    /// ```
    pub fn stop(&self) -> bool {
        self.entry.stop(true)
    }

    /// Re-arms the timer to fire after `d` (Go's `Timer.Reset`). Returns `true` if the timer
    /// had been active (armed, or fired and not received), `false` if it had been received or
    /// stopped. A value not yet received is discarded, never delivered late.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = gorust_timer::Timer::new(Duration::from_secs(60));
    /// assert!(t.reset(Duration::from_millis(1)));
    /// futures::executor::block_on(&t);
    /// ```
    pub fn reset(&self, d: Duration) -> bool {
        self.reset_at(clock::deadline_after(d))
    }

    /// Re-arms the timer to fire at `deadline`; see [`reset`](Timer::reset).
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gorust_timer::Timer::new(std::time::Duration::from_secs(60));
    /// assert!(t.reset_at(std::time::Instant::now()));
    /// ```
    pub fn reset_at(&self, deadline: Instant) -> bool {
        self.entry.modify(clock::to_tick(deadline), None, false)
    }

    fn poll_timer(&self, cx: &mut Context<'_>) -> Poll<Instant> {
        if crate::sleep::proceed(cx).is_pending() {
            return Poll::Pending;
        }
        match self.entry.poll(cx, true) {
            Poll::Ready(when) => Poll::Ready(clock::from_tick(when).unwrap_or_else(Instant::now)),
            Poll::Pending => {
                set_wait_reason(WaitReason::Sleep);
                Poll::Pending
            }
        }
    }
}

impl Future for Timer {
    type Output = Instant;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Instant> {
        self.poll_timer(cx)
    }
}

impl Future for &Timer {
    type Output = Instant;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Instant> {
        self.poll_timer(cx)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.entry.stop(false);
    }
}
