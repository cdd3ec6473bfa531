//! The cooperative budget: a per-thread count of how many more times leaf futures may report
//! progress before the running task must yield (tokio's `coop`, 128 units).
//!
//! A stackless task cannot be preempted inside a poll, so a future that is always ready (a
//! channel that always has a value, a socket that always has bytes) would never return to the
//! scheduler. Every leaf future of gorust (channel send/receive, timers, I/O) calls
//! [`poll_proceed`] before doing work; once the budget is spent it wakes the task and returns
//! `Pending`, so the task goes to the back of its run queue and its neighbours run.
//!
//! The executor sets the budget with [`set_budget`] before it polls a task (and does not
//! refill it for a task that inherits its time slice from `runnext`). Outside gorust the budget
//! is [`UNCONSTRAINED`] and [`poll_proceed`] always says go ahead.
//!
//! Invariant: the budget is thread-local and only ever touched by the thread that polls.

use std::cell::Cell;
use std::task::{Context, Poll};

/// The budget a task gets for one poll when the executor starts it afresh (tokio's value).
pub const INITIAL_BUDGET: u32 = 128;

/// The marker for "no budget in force": leaf futures never yield on their own account.
pub const UNCONSTRAINED: u32 = u32::MAX;

thread_local! {
    static BUDGET: Cell<u32> = const { Cell::new(UNCONSTRAINED) };
}

/// Spends one unit of the running task's budget, or asks it to yield when none is left.
///
/// Returns `Poll::Ready(())` when the caller may make progress. When the budget is spent it
/// wakes `cx`'s waker (so the task is rescheduled at the back of the queue) and returns
/// `Poll::Pending`; the caller must then return `Pending` itself without side effects.
///
/// # Examples
///
/// ```
/// use std::task::{Context, Poll, Waker};
/// // Outside a gorust runtime there is no budget: always Ready.
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(gorust_hooks::coop::poll_proceed(&mut cx), Poll::Ready(()));
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    BUDGET.with(|b| {
        let left = b.get();
        if left == UNCONSTRAINED {
            Poll::Ready(())
        } else if left == 0 {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            b.set(left - 1);
            Poll::Ready(())
        }
    })
}

/// Reports whether the running task still has budget left (always true outside gorust).
///
/// # Examples
///
/// ```
/// assert!(gorust_hooks::coop::has_budget_remaining());
/// ```
#[inline]
pub fn has_budget_remaining() -> bool {
    BUDGET.with(|b| b.get() != 0)
}

/// Sets this thread's budget and returns the previous one. Called by the executor only.
///
/// # Examples
///
/// ```
/// use gorust_hooks::coop;
/// let old = coop::set_budget(0);
/// assert!(!coop::has_budget_remaining());
/// coop::set_budget(old);
/// ```
#[doc(hidden)]
#[inline]
pub fn set_budget(budget: u32) -> u32 {
    BUDGET.with(|b| b.replace(budget))
}

/// Reads this thread's budget without spending it.
///
/// # Examples
///
/// ```
/// assert_eq!(gorust_hooks::coop::budget(), gorust_hooks::coop::UNCONSTRAINED);
/// ```
#[doc(hidden)]
#[inline]
pub fn budget() -> u32 {
    BUDGET.with(|b| b.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn spends_then_yields_and_wakes() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let old = set_budget(2);
        assert_eq!(poll_proceed(&mut cx), Poll::Ready(()));
        assert_eq!(poll_proceed(&mut cx), Poll::Ready(()));
        assert_eq!(poll_proceed(&mut cx), Poll::Pending);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        set_budget(old);
        assert_eq!(poll_proceed(&mut cx), Poll::Ready(()));
    }
}
