//! The loom switch: std atomics and a parking lock normally, loom's under `--cfg loom`.
//!
//! Every atomic the channel protocol relies on (the select token, the handle counts) comes
//! from here, and the channel lock switches in `lock.rs`, so `RUSTFLAGS="--cfg loom"`
//! model-checks the real code.
//! Plain `UnsafeCell` data (the ring, the wait queues, the sudogs) is always std's: it is only
//! touched under the channel lock or after the token's Acquire hand-over, which loom checks.

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
