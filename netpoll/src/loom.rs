//! The loom switch: std's atomics and mutex normally, loom's under `--cfg loom`.
//!
//! The poll descriptor's readiness word, its waiter lock and the waiter count come from here,
//! so `RUSTFLAGS="--cfg loom" cargo test -p gorust-netpoll --lib` model-checks the real
//! `poll_desc.rs` (the lost-wakeup and stale-clear protocols). Under loom only that module is
//! compiled: the OS poller cannot run inside a model.

#[cfg(not(loom))]
pub(crate) use std::sync::Mutex;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::AtomicUsize;

#[cfg(loom)]
pub(crate) use loom::sync::Mutex;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::AtomicUsize;
