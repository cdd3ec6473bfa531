//! The loom switch: std's atomics and mutex normally, loom's when this crate's own tests run
//! under `--cfg loom`.
//!
//! The poll descriptor's readiness word, its waiter lock and the reactor's waiter count come
//! from here, so `RUSTFLAGS="--cfg loom" cargo test -p gorust-netpoll --lib loom` model-checks
//! the real `poll_desc.rs` (the lost-wakeup and stale-clear protocols). The switch is
//! `all(loom, test)`: when another crate's loom models (the executor's) compile this crate as
//! a dependency, it keeps std's types, since its reactor runs outside any model.

#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::Mutex;
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::atomic::AtomicUsize;

#[cfg(all(loom, test))]
pub(crate) use loom::sync::Mutex;
#[cfg(all(loom, test))]
pub(crate) use loom::sync::atomic::AtomicUsize;
