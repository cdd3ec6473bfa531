//! Which P this thread holds, and how many Ps the runtime has (Go's `pp.id` and GOMAXPROCS).
//!
//! Per-P caches (`sync::Pool`'s private slot and shared chain) index their shards with
//! [`current`]; outside gorust they fall back to a per-thread shard. The executor calls
//! [`enter`] when an M acquires a P and [`exit`] when it drops it.
//!
//! Invariant: the value is thread-local and changes only on the owning thread.

use std::cell::Cell;

thread_local! {
    static CURRENT: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

/// The index (`0..procs`) of the P this thread holds, or `None` outside a gorust worker.
///
/// # Examples
///
/// ```
/// assert_eq!(gorust_hooks::proc::current(), None);
/// ```
#[inline]
pub fn current() -> Option<usize> {
    CURRENT.with(|c| c.get().map(|(p, _)| p))
}

/// The number of Ps of the runtime this thread works for, or `None` outside a gorust worker.
///
/// # Examples
///
/// ```
/// assert_eq!(gorust_hooks::proc::procs(), None);
/// ```
#[inline]
pub fn procs() -> Option<usize> {
    CURRENT.with(|c| c.get().map(|(_, n)| n))
}

/// Records that this thread now holds P `p` of a runtime with `procs` Ps. Executor only.
///
/// # Examples
///
/// ```
/// gorust_hooks::proc::enter(1, 4);
/// assert_eq!(gorust_hooks::proc::current(), Some(1));
/// assert_eq!(gorust_hooks::proc::procs(), Some(4));
/// gorust_hooks::proc::exit();
/// assert_eq!(gorust_hooks::proc::current(), None);
/// ```
#[doc(hidden)]
#[inline]
pub fn enter(p: usize, procs: usize) {
    CURRENT.with(|c| c.set(Some((p, procs))));
}

/// Records that this thread holds no P any more. Executor only.
///
/// # Examples
///
/// ```
/// gorust_hooks::proc::exit();
/// assert_eq!(gorust_hooks::proc::current(), None);
/// ```
#[doc(hidden)]
#[inline]
pub fn exit() {
    CURRENT.with(|c| c.set(None));
}
