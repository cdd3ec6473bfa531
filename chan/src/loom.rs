//! The loom switch: std atomics and a parking lock normally, loom's under `--cfg loom`.
//!
//! Every atomic the channel protocol relies on (the select token, the handle counts, the
//! channel lock) comes from here, so `RUSTFLAGS="--cfg loom"` model-checks the real code.
//! Plain `UnsafeCell` data (the ring, the wait queues, the sudogs) is always std's: it is only
//! touched under the channel lock or after the token's Acquire hand-over, which loom checks.

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Tells loom that this thread is waiting for another one.
#[cfg(loom)]
#[inline]
pub(crate) fn spin_hint() {
    loom::thread::yield_now();
}
