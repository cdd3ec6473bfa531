//! gorust-hooks: the few runtime facts that channels, timers and sync primitives may ask for,
//! without depending on the executor.
//!
//! The executor installs these per M (worker thread) as it acquires and releases a P and as it
//! polls tasks; on any other thread (a tokio worker, a plain thread) every hook is a cheap
//! no-op with a neutral answer. That is what lets `gorust-chan` and `gorust-sync` run on any
//! executor while still cooperating with gorust's scheduler when they run on it.
//!
//! - [`coop`]: the cooperative budget (tokio's 128 polls): leaf futures call
//!   [`coop::poll_proceed`] so an always-ready future yields to its neighbours.
//! - [`proc`]: the index of the P this thread holds (Go's `getg().m.p.id`) and GOMAXPROCS,
//!   used by per-P caches such as `sync::Pool`.
//! - [`wait`]: the reason the running task is about to park (Go's `waitReason`), shown in
//!   goroutine dumps.
//!
//! Nothing here points back into the executor: the executor calls the `#[doc(hidden)]`
//! installers, everyone else only reads.

#![warn(clippy::undocumented_unsafe_blocks)]

pub mod coop;
pub mod proc;
pub mod wait;
