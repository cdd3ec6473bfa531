//! The switch between std's and loom's synchronization primitives.
//!
//! The lock-free run queue ([`crate::runq`]) and the M park/unpark protocol ([`crate::park`])
//! import their atomics, cells and locks from here, so `RUSTFLAGS="--cfg loom"` swaps in loom's
//! model-checked versions without touching the algorithm (tokio's `crate::loom` pattern).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, fence};
#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, fence};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex};
