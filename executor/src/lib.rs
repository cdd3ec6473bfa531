//! gorust-executor: Go's G/M/P scheduler for Rust futures.
//!
//! - **G** is a task: an `async_task::Runnable` whose header carries [`task::Id`], the spawn
//!   location, state bits and a wait reason (`task/`).
//! - **P** is a processor: a `runnext` slot, a 256-slot lock-free ring, a timer heap and a
//!   schedtick (`sched.rs`, `runq.rs`). `procs` Ps run in parallel (Go's GOMAXPROCS).
//! - **M** is an OS thread that runs tasks while it holds a P (`worker.rs`). Ms start on
//!   demand; the thread inside [`block_on`] is one too (Go's M0), so main's spawns and channel
//!   handoffs stay local.
//!
//! The schedule loop, the wake placement rules, the spinning protocol and the idle path are
//! Go's (`runtime/proc.go`); ARCHITECTURE.md at the repository root draws them. sysmon
//! (`sysmon.rs`) relieves Ps stuck in one poll; the blocking pool (`blocking.rs`) runs
//! [`spawn_blocking`] closures; the driver (`driver.rs`) is the seam where the timer heaps and
//! the netpoller put the one idle M that holds it to sleep: in the poller while every P is
//! idle, on its timers alone while some P runs (the running Ms poll the network).
//!
//! # Examples
//!
//! ```
//! use gorust_executor::runtime::Builder;
//!
//! let rt = Builder::new().procs(2).build().unwrap();
//! let total = rt.block_on(async {
//!     let mut set = gorust_executor::task::JoinSet::new();
//!     for i in 0..100u64 {
//!         set.spawn(async move { i });
//!     }
//!     let mut sum = 0;
//!     while let Some(r) = set.join_next().await {
//!         sum += r.unwrap();
//!     }
//!     sum
//! });
//! assert_eq!(total, 4950);
//! ```

#![warn(clippy::undocumented_unsafe_blocks)]

mod blocking;
mod context;
mod driver;
mod idle;
mod loom;
mod main_task;
mod park;
mod registry;
mod runq;
mod sched;
mod sysmon;
mod worker;

pub mod runtime;
pub mod task;

pub use context::{spawn, spawn_blocking, yield_now};
pub use runtime::block_on;
