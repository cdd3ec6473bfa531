//! gorust-sync: Go's `sync` package, `golang.org/x/sync` and `context`, for async Rust.
//!
//! Every primitive needs only `Waker`s, so it works under any executor (gorust, tokio,
//! `futures::executor`), and most have `*_blocking` twins for plain threads. On a gorust
//! worker they record Go's wait reasons for goroutine dumps and [`Pool`] shards by P.
//!
//! | Go | here | notes |
//! |---|---|---|
//! | `sync.Mutex` | [`Mutex`] | normal + starvation mode, Go's state word and thresholds |
//! | `sync.RWMutex` | [`RwLock`] | writer preference: a pending writer blocks new readers |
//! | `sync.WaitGroup` | [`WaitGroup`] | negative counter panics with Go's message |
//! | `sync.Once`, `OnceValue` | [`Once`], [`OnceCell`] | a panicking `f` counts as done (Go) |
//! | `sync.Cond` | [`Cond`] | `wait` takes the guard: waiting unlocked cannot compile |
//! | `x/sync/semaphore.Weighted` | [`Semaphore`] | FIFO: a large request is not starved |
//! | `sync.Pool` | [`Pool`] | per-P shards, stealing, victim cache, sweep instead of GC |
//! | `sync.Map` | [`Map`] | read-only snapshot + dirty map + promotion after misses |
//! | `context` | [`context`] | cancellation tree, deadlines, values |
//! | `x/sync/errgroup` | [`errgroup`] | first error cancels the group's context |
//! | `x/sync/singleflight` | [`singleflight`] | one execution per key, shared result |
//!
//! Cancellation, which goroutines never face, is handled everywhere the same way: a waiter is
//! bound to the token (wake-up, lock, units) it is handed, so a future dropped at any point
//! either leaves the queue or passes on what it was given. Nothing is leaked or lost.

#![warn(clippy::undocumented_unsafe_blocks)]

mod block;
mod clock;
pub mod cond;
pub mod context;
pub(crate) mod coop;
pub mod errgroup;
mod loom;
pub mod map;
pub mod mutex;
pub mod once;
pub mod pool;
pub mod rwlock;
mod sema;
pub mod semaphore;
pub mod singleflight;
mod spin;
pub mod waitgroup;
mod waitlist;

pub use cond::{Cond, CondWait};
pub use map::Map;
pub use mutex::{Mutex, MutexGuard, MutexLock};
pub use once::{Once, OnceCell};
pub use pool::Pool;
pub use rwlock::{Read, RwLock, RwLockReadGuard, RwLockWriteGuard, Write};
pub use semaphore::{Acquire, Semaphore, SemaphorePermit};
pub use waitgroup::{Wait, WaitGroup};
