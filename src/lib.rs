//! gorust: Go's runtime rebuilt for Rust's async ecosystem.
//!
//! Stackless tasks stand in for goroutines and run on a G/M/P work-stealing scheduler with
//! Go's algorithms (runnext, 256-slot rings, half-batch overflow to a global queue, randomized
//! stealing, sysmon); per-P four-ary timer heaps drive `time`. Module names follow tokio's, so
//! tokio code ports by renaming: `task`, `runtime`, `time`.
//!
//! ```
//! #[gorust::main(procs = 2)]
//! async fn main() {
//!     let (tx, rx) = std::sync::mpsc::channel();
//!     for i in 0..10 {
//!         let tx = tx.clone();
//!         gorust::go!(async move { tx.send(i * i).unwrap() });
//!     }
//!     drop(tx);
//!     gorust::time::sleep(std::time::Duration::from_millis(10)).await;
//!     assert_eq!(rx.iter().sum::<i32>(), 285);
//! }
//! ```
//!
//! | gorust                         | Go                     | tokio                        |
//! |--------------------------------|------------------------|------------------------------|
//! | [`spawn`], [`go!`]             | `go f()`               | `tokio::spawn`               |
//! | [`yield_now`]                  | `runtime.Gosched()`    | `tokio::task::yield_now`     |
//! | [`spawn_blocking`]             | (a goroutine in a syscall) | `tokio::task::spawn_blocking` |
//! | [`runtime::Builder::procs`]    | `GOMAXPROCS`           | `worker_threads`             |
//! | [`time::sleep`]                | `time.Sleep`           | `tokio::time::sleep`         |

//! `#[gorust::main]` needs an `async fn`:
//!
//! ```compile_fail
//! #[gorust::main]
//! fn main() {}
//! ```
//!
//! and takes no arguments:
//!
//! ```compile_fail
//! #[gorust::main]
//! async fn main(x: u32) {}
//! ```
//!
//! Unknown arguments are errors, not silently ignored:
//!
//! ```compile_fail
//! #[gorust::main(threads = 4)]
//! async fn main() {}
//! ```

#![warn(clippy::undocumented_unsafe_blocks)]

extern crate self as gorust;

pub use gorust_executor::{block_on, spawn, spawn_blocking, yield_now};
pub use gorust_macros::{main, test};

/// Tasks: join handles, join sets, task ids (tokio's `tokio::task`).
pub mod task {
    pub use gorust_executor::task::*;
}

/// Building and entering runtimes (tokio's `tokio::runtime`).
pub mod runtime {
    pub use gorust_executor::runtime::*;
}

/// Timers: sleep, timeout, interval, Go's Timer, After and AfterFunc (tokio's `tokio::time`).
pub mod time {
    pub use gorust_timer::*;
}

/// Go channels: `chan::make::<T>(cap)`, rendezvous when `cap == 0`, close, and the machinery
/// behind [`select!`].
pub mod chan {
    pub use gorust_chan::*;
}

/// Fair, cancel-safe `select` over channel operations and any futures (Go's `select`,
/// tokio's `select!` syntax with `default`).
pub use gorust_chan::select;

/// Go's sync toolbox: `Mutex` with starvation mode, `RwLock`, `WaitGroup`, `Once`/`OnceCell`,
/// `Cond`, `Semaphore`, `Pool`, `Map`, plus `errgroup` and `singleflight` (tokio's
/// `tokio::sync` names where tokio has them).
pub mod sync {
    pub use gorust_sync::*;
}

/// Go's `context`: cancellation trees, deadlines and values, usable as `select!` branches.
pub mod context {
    pub use gorust_sync::context::*;
}

/// Networking on the runtime's netpoller: TCP, UDP and Unix sockets (tokio's `tokio::net`).
pub mod net {
    pub use gorust_netpoll::net::*;
}

/// Asynchronous I/O on any file descriptor: `io::Async<T>` (tokio's `tokio::io` helpers live
/// in `futures::io`; with feature `tokio-compat` the types implement tokio's traits too).
pub mod io {
    pub use gorust_netpoll::io::*;
}

#[cfg(feature = "tokio-compat")]
pub mod compat;

/// Starts a goroutine: `go!(fut)` is [`spawn(fut)`](spawn), spelled as Go spells it. The
/// returned handle may be ignored (dropping it detaches the task, as Go's `go` does).
///
/// # Panics
///
/// Panics outside a gorust runtime, as [`spawn`] does.
///
/// # Examples
///
/// ```
/// gorust::block_on(async {
///     let h = gorust::go!(async { 1 + 2 });
///     assert_eq!(h.await.unwrap(), 3);
/// });
/// ```
#[macro_export]
macro_rules! go {
    ($($fut:tt)+) => {
        $crate::spawn($($fut)+)
    };
}
