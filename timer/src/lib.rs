//! gorust-timer: per-P four-ary timer heaps and the time API (`gorust::time`).
//!
//! Go keeps one timer heap per P (`runtime/time.go`): a timer goes to the heap of the P it was
//! created on, stopping it only marks it deleted, resetting it only marks it modified, and the
//! scheduler runs due timers at every `schedule` and in `findrunnable`; an idle M sleeps until
//! the earliest deadline of any P. This crate is that design for Rust futures:
//!
//! - [`sleep`], [`sleep_until`] ([`Sleep`]): tokio's shapes, nanosecond deadlines.
//! - [`timeout`], [`timeout_at`] ([`Timeout`], [`error::Elapsed`]): a deadline on any future.
//! - [`interval`], [`interval_at`] ([`Interval`], [`MissedTickBehavior`]): periodic ticks,
//!   the first one immediate, missed ticks handled as tokio's (selectable).
//! - [`Timer`]: Go's `time.Timer` with `stop() -> bool` and `reset(d) -> bool` (Go 1.23
//!   semantics), awaited in place of a receive from `t.C`.
//! - [`after_func`] ([`AfterFunc`]): Go's `time.AfterFunc`, run on the timer thread.
//! - [`after`]: Go's `time.After`, a `gorust_chan::Receiver<Instant>` for `select!`.
//! - [`Ticker`], [`tick`]: Go's `time.Ticker` and `time.Tick` (a channel, slow receivers
//!   skip ticks).
//!
//! Extreme inputs are defined: `Duration::ZERO` and instants in the past complete at the first
//! poll, `Duration::MAX` sleeps about 30 years; nothing panics or overflows.
//!
//! The executor drives the heaps through the `#[doc(hidden)]` [`driver`] module; outside a
//! gorust runtime (under tokio, on a plain thread) timers go to one shared fallback thread, so
//! the whole API works on any executor.
//!
//! Inner picture: `clock.rs` (deadlines as nanosecond ticks, a per-thread "seen" time that
//! spares a clock read per timer), `heap.rs` (the four-ary heap algorithms), `entry.rs` (one
//! timer, Go's `timer`: a one-word spin lock whose other bits are the state, the deadline,
//! the waker, a pointer to its heap), `timers.rs` (one heap, Go's `timers`: add, clean head,
//! adjust/compact, run; a pool of dead entries), `driver.rs` (the executor seam),
//! `fallback.rs` (the shared driver thread), then one file per user-facing type. A timer
//! costs nothing until its first poll (Go 1.23's lazy timers), which puts it in the heap of
//! the P it is polled on; then one 56-byte entry, recycled when it is cancelled or completes.

#![warn(clippy::undocumented_unsafe_blocks)]

mod after;
mod clock;
#[doc(hidden)]
pub mod driver;
mod entry;
mod fallback;
mod heap;
mod interval;
mod loom;
#[cfg(all(test, loom))]
mod loom_models;
mod sleep;
#[cfg(test)]
mod test_util;
mod ticker;
mod timeout;
mod timer;
mod timers;

pub use after::{AfterFunc, after, after_func};
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use ticker::{Ticker, tick};
pub use timeout::{Timeout, error, timeout, timeout_at};
pub use timer::Timer;

pub use sleep::{Sleep, sleep, sleep_until};
pub use std::time::{Duration, Instant};

/// Compile-time checks: every handle can cross threads (hyper needs `Sleep: Send + Sync`).
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Sleep>();
    send_sync::<Timer>();
    send_sync::<AfterFunc>();
    send_sync::<Interval>();
    send_sync::<Ticker>();
    send_sync::<Timeout<std::future::Ready<()>>>();
    send_sync::<driver::Timers>();
    send_sync::<error::Elapsed>();
};
