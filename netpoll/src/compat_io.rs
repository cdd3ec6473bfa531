//! Feature `tokio-compat`: tokio's `io::{AsyncRead, AsyncWrite}` and hyper's
//! `rt::{Read, Write, Timer}` on gorust's I/O types, so tokio-ecosystem code (tokio-util
//! codecs, `tokio::io::AsyncReadExt`, hyper 1.x servers and clients) runs on gorust with no
//! tokio runtime started.
//!
//! The impls live here, in the crate that defines the types (orphan rule); the facade forwards
//! the feature. Reads go straight into the caller's uninitialised memory (tokio's
//! `ReadBuf::unfilled_mut`, hyper's `ReadBufCursor::as_mut`): no zero-fill, no wrapper type.
//! hyper's `rt::Executor` needs `spawn`, which lives in the executor; the facade provides it.
//!
//! Invariant: after a `recv` of `n` bytes into uninitialised memory, exactly `n` bytes are
//! marked initialised and filled, never more.

use std::io::{self, IoSlice, Read, Write};
use std::os::fd::AsFd;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use crate::io::Async;
use crate::net::split::{HalfInner, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::stream::{self, Stream};
use crate::net::{TcpStream, UnixStream};

/// Reads into `buf`'s unfilled part without initialising it first.
#[inline]
fn tokio_read<S: Stream + ?Sized>(
    s: &S,
    cx: &mut Context<'_>,
    buf: &mut tokio::io::ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    // SAFETY: `recv` writes only initialised bytes and we mark exactly the `n` it wrote.
    let dst = unsafe { buf.unfilled_mut() };
    let n = ready!(stream::poll_read_uninit(s, cx, dst))?;
    // SAFETY: the kernel initialised `n` bytes at the start of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// Reads into hyper's cursor without initialising it first.
#[inline]
fn hyper_read<S: Stream + ?Sized>(
    s: &S,
    cx: &mut Context<'_>,
    mut buf: hyper::rt::ReadBufCursor<'_>,
) -> Poll<io::Result<()>> {
    // SAFETY: `recv` never de-initialises memory; it only writes initialised bytes.
    let dst = unsafe { buf.as_mut() };
    let n = ready!(stream::poll_read_uninit(s, cx, dst))?;
    // SAFETY: the kernel initialised the first `n` bytes of the cursor.
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

macro_rules! whole_stream {
    ($t:ty) => {
        impl tokio::io::AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                tokio_read(&*self, cx, buf)
            }
        }
        impl tokio::io::AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                stream::poll_write(&*self, cx, buf)
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                stream::poll_write_vectored(&*self, cx, bufs)
            }
            fn is_write_vectored(&self) -> bool {
                true
            }
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                stream::poll_shutdown(&*self)
            }
        }
        impl hyper::rt::Read for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: hyper::rt::ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                hyper_read(&*self, cx, buf)
            }
        }
        impl hyper::rt::Write for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                stream::poll_write(&*self, cx, buf)
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                stream::poll_write_vectored(&*self, cx, bufs)
            }
            fn is_write_vectored(&self) -> bool {
                true
            }
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                stream::poll_shutdown(&*self)
            }
        }
    };
}
whole_stream!(TcpStream);
whole_stream!(UnixStream);

macro_rules! read_half {
    ($t:ty) => {
        impl<S: Stream> tokio::io::AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                tokio_read(HalfInner::inner(&*self), cx, buf)
            }
        }
    };
}
read_half!(ReadHalf<'_, S>);
read_half!(OwnedReadHalf<S>);

macro_rules! write_half {
    ($t:ty) => {
        impl<S: Stream> tokio::io::AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                stream::poll_write(HalfInner::inner(&*self), cx, buf)
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                stream::poll_write_vectored(HalfInner::inner(&*self), cx, bufs)
            }
            fn is_write_vectored(&self) -> bool {
                true
            }
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                stream::poll_shutdown(HalfInner::inner(&*self))
            }
        }
    };
}
write_half!(WriteHalf<'_, S>);
write_half!(OwnedWriteHalf<S>);

impl<T: AsFd + Read + Unpin> tokio::io::AsyncRead for Async<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = ready!(futures_io::AsyncRead::poll_read(
            self,
            cx,
            buf.initialize_unfilled()
        ))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsFd + Write + Unpin> tokio::io::AsyncWrite for Async<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(self, cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(self, cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(self, cx)
    }
}

/// hyper's timer on gorust's timer heap (`hyper::rt::Timer`): the sleeps it hands out are
/// `gorust_timer::Sleep`s (`Send + Sync`, as hyper requires).
///
/// # Examples
///
/// ```
/// use hyper::rt::Timer;
/// use std::time::{Duration, Instant};
/// let t = gorust_netpoll::compat::GoTimer;
/// let start = Instant::now();
/// futures::executor::block_on(t.sleep(Duration::from_millis(2)));
/// assert!(start.elapsed() >= Duration::from_millis(2));
/// // `reset` moves the same timer (hyper resets its keep-alive and header timers a lot).
/// let mut s = t.sleep(Duration::from_secs(3600));
/// t.reset(&mut s, Instant::now() + Duration::from_millis(1));
/// futures::executor::block_on(s);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct GoTimer;

/// A gorust sleep as hyper's `Sleep`.
#[derive(Debug)]
struct HyperSleep(gorust_timer::Sleep);

impl std::future::Future for HyperSleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}

impl hyper::rt::Timer for GoTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(gorust_timer::sleep(duration)))
    }
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(gorust_timer::sleep_until(deadline)))
    }

    /// Moves the existing timer (Go's `modtimer`) instead of allocating a new one.
    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(s) => Pin::new(&mut s.get_mut().0).reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
