//! The byte-stream core shared by `TcpStream`, `UnixStream` and their split halves (Go's
//! `internal/poll.FD.Read`/`Write`: try the syscall, on `EAGAIN` wait on the pollDesc, retry).
//!
//! Reads and writes go through `&self`, so a stream's read half and write half can be used
//! from two tasks at once: they park in different directions of one poll descriptor.
//!
//! Invariants: a zero-length read or write returns `Ok(0)` at once and never parks (a
//! zero-length `recv` on a Unix stream would otherwise wait for data: std's `Read` contract
//! says an empty buffer reads 0); every write uses `MSG_NOSIGNAL` (see `sock.rs`).

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::RawFd;
use std::task::{Context, Poll};

use crate::net::sock;
use crate::poll_desc::Direction;
use crate::source::Source;

/// A byte-stream socket of this crate (`TcpStream`, `UnixStream`): what the split halves are
/// generic over. Sealed.
pub trait Stream: Send + Sync + 'static + private::Sealed {}

pub(crate) mod private {
    use super::*;

    /// Seals [`super::Stream`] and carries what the shared read/write code needs.
    pub trait Sealed {
        fn __source(&self) -> &Source;
        fn __fd(&self) -> RawFd;
        fn __shutdown(&self, how: std::net::Shutdown) -> io::Result<()>;
    }
}
#[allow(unused_imports)]
use private::Sealed;

/// Reads into possibly uninitialised memory.
#[inline]
#[cfg_attr(not(feature = "tokio-compat"), allow(dead_code))]
pub(crate) fn poll_read_uninit<S: Stream + ?Sized>(
    s: &S,
    cx: &mut Context<'_>,
    buf: &mut [MaybeUninit<u8>],
) -> Poll<io::Result<usize>> {
    if buf.is_empty() {
        return Poll::Ready(Ok(0));
    }
    let fd = s.__fd();
    let len = buf.len();
    s.__source()
        .poll_stream_io(Direction::Read, len, cx, || sock::recv(fd, buf, 0))
}

/// Reads into initialised memory.
#[inline]
pub(crate) fn poll_read<S: Stream + ?Sized>(
    s: &S,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    if buf.is_empty() {
        return Poll::Ready(Ok(0));
    }
    let fd = s.__fd();
    let len = buf.len();
    s.__source()
        .poll_stream_io(Direction::Read, len, cx, || sock::recv_init(fd, buf, 0))
}

/// Scatter read.
#[inline]
pub(crate) fn poll_read_vectored<S: Stream + ?Sized>(
    s: &S,
    cx: &mut Context<'_>,
    bufs: &mut [IoSliceMut<'_>],
) -> Poll<io::Result<usize>> {
    if bufs.iter().all(|b| b.is_empty()) {
        return Poll::Ready(Ok(0));
    }
    let fd = s.__fd();
    let len = bufs.iter().map(|b| b.len()).sum();
    s.__source()
        .poll_stream_io(Direction::Read, len, cx, || sock::readv(fd, bufs))
}

/// Writes (MSG_NOSIGNAL).
#[inline]
pub(crate) fn poll_write<S: Stream + ?Sized>(
    s: &S,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    if buf.is_empty() {
        return Poll::Ready(Ok(0));
    }
    let fd = s.__fd();
    let len = buf.len();
    s.__source()
        .poll_stream_io(Direction::Write, len, cx, || sock::send(fd, buf))
}

/// Gather write (MSG_NOSIGNAL).
#[inline]
pub(crate) fn poll_write_vectored<S: Stream + ?Sized>(
    s: &S,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    if bufs.iter().all(|b| b.is_empty()) {
        return Poll::Ready(Ok(0));
    }
    let fd = s.__fd();
    let len = bufs.iter().map(|b| b.len()).sum();
    s.__source()
        .poll_stream_io(Direction::Write, len, cx, || sock::sendv(fd, bufs))
}

/// Shuts the write side down (FIN).
pub(crate) fn shutdown_write<S: Stream + ?Sized>(s: &S) -> io::Result<()> {
    match s.__shutdown(std::net::Shutdown::Write) {
        // Already shut down or the peer is gone: closing is done either way.
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        r => r,
    }
}

/// futures' `poll_close`, tokio's `poll_shutdown`: shut the write side down.
#[inline]
pub(crate) fn poll_shutdown<S: Stream + ?Sized>(s: &S) -> Poll<io::Result<()>> {
    Poll::Ready(shutdown_write(s))
}

/// Waits for a non-blocking `connect` to finish (Go's `fd.connect`): writability, then
/// `SO_ERROR`, then `getpeername` (`ENOTCONN` means a spurious wake-up: clear and re-park).
pub(crate) async fn finish_connect(
    src: &Source,
    take_error: impl Fn() -> io::Result<Option<io::Error>>,
    peer_ok: impl Fn() -> io::Result<()>,
) -> io::Result<()> {
    loop {
        let ev = src.ready(Direction::Write).await?;
        if let Some(e) = take_error()? {
            return Err(e);
        }
        match peer_ok() {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => src.clear(ev),
            Err(e) => return Err(e),
        }
    }
}

/// Implements `futures_io::{AsyncRead, AsyncWrite}` for a stream type and its shared
/// reference.
macro_rules! futures_io_impls {
    ($t:ty) => {
        impl futures_io::AsyncRead for $t {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::stream::poll_read(&*self, cx, buf)
            }
            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::stream::poll_read_vectored(&*self, cx, bufs)
            }
        }
        impl futures_io::AsyncRead for &$t {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::stream::poll_read(&**self, cx, buf)
            }
        }
        impl futures_io::AsyncWrite for $t {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::stream::poll_write(&*self, cx, buf)
            }
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::stream::poll_write_vectored(&*self, cx, bufs)
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                $crate::net::stream::poll_shutdown(&*self)
            }
        }
        impl futures_io::AsyncWrite for &$t {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::stream::poll_write(&**self, cx, buf)
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                $crate::net::stream::poll_shutdown(&**self)
            }
        }
    };
}
pub(crate) use futures_io_impls;

/// The inherent methods every stream type shares (`readable`, `try_read`, `peek`...).
macro_rules! stream_inherent {
    ($t:ty, $example_setup:literal) => {
        impl $t {
            /// Waits until the stream may be readable (may complete spuriously; pair it with
            /// `try_read`).
            ///
            /// # Errors
            ///
            /// When the stream's registration is gone (its reactor shut down).
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $example_setup]
            /// b.write_all(b"hi").await?;
            /// a.readable().await?;
            /// let mut buf = [0; 8];
            /// assert_eq!(a.try_read(&mut buf)?, 2);
            /// # Ok::<(), std::io::Error>(()) }).unwrap();
            /// ```
            pub async fn readable(&self) -> std::io::Result<()> {
                use $crate::net::stream::private::Sealed as _;
                self.__source()
                    .ready($crate::poll_desc::Direction::Read)
                    .await
                    .map(drop)
            }

            /// Waits until the stream may be writable (may complete spuriously).
            ///
            /// # Errors
            ///
            /// When the stream's registration is gone.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $example_setup]
            /// a.writable().await?;
            /// assert_eq!(a.try_write(b"x")?, 1);
            /// # let _ = &mut b;
            /// # Ok::<(), std::io::Error>(()) }).unwrap();
            /// ```
            pub async fn writable(&self) -> std::io::Result<()> {
                use $crate::net::stream::private::Sealed as _;
                self.__source()
                    .ready($crate::poll_desc::Direction::Write)
                    .await
                    .map(drop)
            }

            /// Polls for read readiness (tokio's `poll_read_ready`; one task per direction).
            ///
            /// # Errors
            ///
            /// When the stream's registration is gone.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $example_setup]
            /// let ready = futures::future::poll_fn(|cx| a.poll_read_ready(cx)).await;
            /// assert!(ready.is_ok());
            /// # let _ = &mut b;
            /// # Ok::<(), std::io::Error>(()) }).unwrap();
            /// ```
            pub fn poll_read_ready(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                use $crate::net::stream::private::Sealed as _;
                self.__source()
                    .poll_ready($crate::poll_desc::Direction::Read, cx)
                    .map(|r| r.map(drop))
            }

            /// Polls for write readiness (tokio's `poll_write_ready`; one task per direction).
            ///
            /// # Errors
            ///
            /// When the stream's registration is gone.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $example_setup]
            /// futures::future::poll_fn(|cx| a.poll_write_ready(cx)).await?;
            /// # let _ = &mut b;
            /// # Ok::<(), std::io::Error>(()) }).unwrap();
            /// ```
            pub fn poll_write_ready(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                use $crate::net::stream::private::Sealed as _;
                self.__source()
                    .poll_ready($crate::poll_desc::Direction::Write, cx)
                    .map(|r| r.map(drop))
            }

            /// Reads without waiting: `WouldBlock` when no data is there (tokio's `try_read`).
            /// `Ok(0)` means the peer closed its write side (or `buf` is empty).
            ///
            /// # Errors
            ///
            /// `WouldBlock`, or the socket's error (`ECONNRESET`...).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $example_setup]
            /// let mut buf = [0; 8];
            /// assert_eq!(a.try_read(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
            /// # let _ = &mut b;
            /// # Ok::<(), std::io::Error>(()) }).unwrap();
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                use $crate::net::stream::private::Sealed as _;
                let fd = self.__fd();
                self.__source()
                    .try_io($crate::poll_desc::Direction::Read, || {
                        $crate::net::sock::recv_init(fd, buf, 0)
                    })
            }

            /// Writes without waiting: `WouldBlock` when the send buffer is full.
            ///
            /// # Errors
            ///
            /// `WouldBlock`, `EPIPE`/`ECONNRESET` when the peer is gone.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $example_setup]
            /// assert_eq!(a.try_write(b"abc")?, 3);
            /// # let _ = &mut b;
            /// # Ok::<(), std::io::Error>(()) }).unwrap();
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                use $crate::net::stream::private::Sealed as _;
                let fd = self.__fd();
                self.__source()
                    .try_io($crate::poll_desc::Direction::Write, || {
                        $crate::net::sock::send(fd, buf)
                    })
            }

            /// Receives data without removing it from the queue, waiting until some arrives.
            ///
            /// # Errors
            ///
            /// The socket's error.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $example_setup]
            /// b.write_all(b"xy").await?;
            /// let mut buf = [0; 2];
            /// let n = a.peek(&mut buf).await?;
            /// assert_eq!(&buf[..n], &b"xy"[..n]);
            /// # Ok::<(), std::io::Error>(()) }).unwrap();
            /// ```
            pub async fn peek(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                use $crate::net::stream::private::Sealed as _;
                let fd = self.__fd();
                self.__source()
                    .io($crate::poll_desc::Direction::Read, || {
                        $crate::net::sock::recv_init(fd, buf, libc::MSG_PEEK)
                    })
                    .await
            }

            /// Shuts the write side down (sends FIN): the peer reads end-of-stream, this side
            /// can still read. The same as tokio's `AsyncWriteExt::shutdown`.
            ///
            /// # Errors
            ///
            /// The socket's error (`ENOTCONN` is treated as already done).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $example_setup]
            /// a.shutdown().await?;
            /// let mut buf = [0; 1];
            /// assert_eq!(futures::AsyncReadExt::read(&mut b, &mut buf).await?, 0);
            /// # Ok::<(), std::io::Error>(()) }).unwrap();
            /// ```
            pub async fn shutdown(&self) -> std::io::Result<()> {
                $crate::net::stream::shutdown_write(self)
            }
        }
    };
}
pub(crate) use stream_inherent;
