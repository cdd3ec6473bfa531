//! The one place gorust-sync spends the cooperative budget (`gorust_hooks::coop`).
//!
//! A fresh lock/acquire attempt spends one unit, so on a gorust worker a task that keeps
//! winning a lock still yields every 128 acquisitions and its neighbours run (tokio's
//! `Mutex`/`Semaphore` do the same with tokio's budget). Only on a gorust worker: elsewhere the
//! budget belongs to no one, and a value left behind on a thread by a runtime must not stall
//! primitives driven there by another executor.
//!
//! Invariant: called only before a future has changed any shared state, so returning
//! `Pending` here (after waking the task) is always a no-op retry.

use std::task::{Context, Poll};

/// `gorust_hooks::coop::poll_proceed` on gorust workers; always `Ready` elsewhere.
#[inline]
pub(crate) fn proceed(cx: &mut Context<'_>) -> Poll<()> {
    if gorust_hooks::proc::current().is_none() {
        return Poll::Ready(());
    }
    gorust_hooks::coop::poll_proceed(cx)
}
