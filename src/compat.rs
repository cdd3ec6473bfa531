//! hyper 1.x on gorust, with no tokio runtime (feature `tokio-compat`).
//!
//! hyper asks its runtime for three things: an executor for its background tasks, a timer,
//! and I/O. gorust provides all three:
//!
//! - [`GoExecutor`]: `hyper::rt::Executor` over [`crate::spawn`] (each connection task is a
//!   goroutine);
//! - [`GoTimer`]: `hyper::rt::Timer` on gorust's per-P timer heaps;
//! - I/O: `gorust::net::TcpStream` (and the other streams) implement `hyper::rt::Read` and
//!   `hyper::rt::Write` directly, and tokio's `AsyncRead`/`AsyncWrite` too.
//!
//! `examples/hyper_server.rs` serves HTTP/1.1 this way and drives it with hyper's client.

use std::future::Future;

pub use gorust_netpoll::compat::GoTimer;

/// hyper's executor trait over `gorust::spawn`: background futures become goroutines.
///
/// # Panics
///
/// `execute` panics outside a gorust runtime, as [`crate::spawn`] does.
///
/// # Examples
///
/// ```
/// use gorust::compat::GoExecutor;
///
/// gorust::block_on(async {
///     let (tx, rx) = gorust::chan::make::<u8>(1);
///     hyper::rt::Executor::execute(&GoExecutor, async move { tx.send(7).await.unwrap() });
///     assert_eq!(rx.recv().await, Some(7));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct GoExecutor;

impl<F> hyper::rt::Executor<F> for GoExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        drop(crate::spawn(fut));
    }
}
