//! Where channels spend the cooperative budget (`gorust_hooks::coop`): one unit per fresh
//! send/receive attempt and per select poll, so on a gorust worker a task whose channels are
//! always ready still yields every 128 operations (tokio's channels do the same with tokio's
//! budget).
//!
//! Only on a gorust worker (a thread holding a P): elsewhere the budget belongs to no one,
//! and a value a runtime left behind on a thread must not stall channels driven there by
//! another executor (tokio, `futures::executor`, `send_blocking`).
//!
//! Invariant: called before an operation changed any shared state, so returning `Pending`
//! (after the task was woken) is a no-op retry.

use std::task::{Context, Poll};

/// `gorust_hooks::coop::poll_proceed` on gorust workers; always `Ready` elsewhere.
#[inline]
pub(crate) fn proceed(cx: &mut Context<'_>) -> Poll<()> {
    if gorust_hooks::proc::current().is_none() {
        return Poll::Ready(());
    }
    gorust_hooks::coop::poll_proceed(cx)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::task::{Context, Poll, Waker};

    #[test]
    fn a_leftover_budget_off_a_worker_is_ignored() {
        let old = gorust_hooks::coop::set_budget(0);
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(super::proceed(&mut cx), Poll::Ready(()));
        gorust_hooks::proc::enter(0, 1);
        assert_eq!(super::proceed(&mut cx), Poll::Pending);
        gorust_hooks::proc::exit();
        gorust_hooks::coop::set_budget(old);
    }
}
