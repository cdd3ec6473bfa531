//! Read and write halves of a stream (tokio's `split`/`into_split`, `ReadHalf`/`WriteHalf`,
//! `OwnedReadHalf`/`OwnedWriteHalf`, `reunite`).
//!
//! A stream reads and writes through `&self`, and its two directions park in separate slots
//! of one poll descriptor, so the halves need no lock: a borrowed pair shares `&S`, an owned
//! pair shares an `Arc<S>`.
//!
//! Invariant: dropping an `OwnedWriteHalf` shuts the write side down (FIN) unless it was
//! [`forget`](OwnedWriteHalf::forget)-ed or reunited, as tokio does.

use std::error::Error;
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::net::stream::{self, Stream};

/// Stream types that can be split (TCP and Unix streams).
pub trait SplitStream: Stream {}

/// A borrowed read half.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// let mut a = gorust_netpoll::net::UnixStream::from_std(a)?;
/// let (rd, _wr) = a.split();
/// # drop((rd, b));
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct ReadHalf<'a, S>(&'a S);

/// A borrowed write half.
///
/// # Examples
///
/// ```
/// use futures::AsyncWriteExt;
/// # futures::executor::block_on(async {
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// let mut a = gorust_netpoll::net::UnixStream::from_std(a)?;
/// let (_rd, mut wr) = a.split();
/// wr.write_all(b"x").await?;
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct WriteHalf<'a, S>(&'a S);

/// An owned read half (holds an `Arc` of the stream).
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// let (rd, wr) = gorust_netpoll::net::UnixStream::from_std(a)?.into_split();
/// let _whole = rd.reunite(wr).unwrap();
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct OwnedReadHalf<S>(Arc<S>);

/// An owned write half (holds an `Arc` of the stream); dropping it sends FIN.
///
/// # Examples
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// # futures::executor::block_on(async {
/// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
/// let (_rd, mut wr) = gorust_netpoll::net::UnixStream::from_std(a)?.into_split();
/// wr.write_all(b"bye").await?;
/// drop(wr); // FIN
/// let mut s = String::new();
/// std::io::Read::read_to_string(&mut b, &mut s)?;
/// assert_eq!(s, "bye");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct OwnedWriteHalf<S: Stream> {
    inner: Arc<S>,
    shutdown_on_drop: bool,
}

/// The halves given to `reunite` came from different streams; both are handed back.
pub struct ReuniteError<S: Stream>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

impl<S> fmt::Debug for ReadHalf<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReadHalf")
    }
}
impl<S> fmt::Debug for WriteHalf<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WriteHalf")
    }
}
impl<S> fmt::Debug for OwnedReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnedReadHalf")
    }
}
impl<S: Stream> fmt::Debug for OwnedWriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnedWriteHalf")
    }
}
impl<S: Stream> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}
impl<S: Stream> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same stream")
    }
}
impl<S: Stream> Error for ReuniteError<S> {}

pub(crate) fn split<S: SplitStream>(s: &mut S) -> (ReadHalf<'_, S>, WriteHalf<'_, S>) {
    (ReadHalf(s), WriteHalf(s))
}

pub(crate) fn into_split<S: SplitStream>(s: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let a = Arc::new(s);
    (
        OwnedReadHalf(a.clone()),
        OwnedWriteHalf {
            inner: a,
            shutdown_on_drop: true,
        },
    )
}

impl<S: SplitStream> OwnedReadHalf<S> {
    /// Puts the stream back together.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] (holding both halves) when they come from different streams.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = std::os::unix::net::UnixStream::pair()?;
    /// let (ra, wa) = gorust_netpoll::net::UnixStream::from_std(a)?.into_split();
    /// let (rb, wb) = gorust_netpoll::net::UnixStream::from_std(b)?.into_split();
    /// assert!(ra.reunite(wb).is_err());
    /// # drop((rb, wa));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        if Arc::ptr_eq(&self.0, &other.inner) {
            let mut other = other;
            other.shutdown_on_drop = false;
            drop(other);
            Ok(Arc::try_unwrap(self.0)
                .ok()
                .expect("OwnedReadHalf: only the two halves hold the stream"))
        } else {
            Err(ReuniteError(self, other))
        }
    }
}

impl<S: SplitStream> OwnedWriteHalf<S> {
    /// Drops the half without shutting the write side down.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let (_rd, wr) = gorust_netpoll::net::UnixStream::from_std(a)?.into_split();
    /// wr.forget();
    /// # std::io::Result::Ok(())
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

/// Borrows the whole stream (for `peer_addr`, `local_addr`, `peek`...).
///
/// # Examples
///
/// ```
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// let (rd, wr) = gorust_netpoll::net::UnixStream::from_std(a)?.into_split();
/// let _addr = AsRef::<gorust_netpoll::net::UnixStream>::as_ref(&rd).local_addr()?;
/// let _addr = AsRef::<gorust_netpoll::net::UnixStream>::as_ref(&wr).local_addr()?;
/// # std::io::Result::Ok(())
/// ```
impl<S: SplitStream> AsRef<S> for OwnedReadHalf<S> {
    fn as_ref(&self) -> &S {
        &self.0
    }
}

impl<S: SplitStream> AsRef<S> for OwnedWriteHalf<S> {
    fn as_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: Stream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = stream::shutdown_write(&*self.inner);
        }
    }
}

impl<S: Stream> AsyncRead for ReadHalf<'_, S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        stream::poll_read(self.0, cx, buf)
    }
    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        stream::poll_read_vectored(self.0, cx, bufs)
    }
}

impl<S: Stream> AsyncRead for OwnedReadHalf<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        stream::poll_read(&*self.0, cx, buf)
    }
    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        stream::poll_read_vectored(&*self.0, cx, bufs)
    }
}

macro_rules! write_half {
    ($t:ty) => {
        impl<S: Stream> AsyncWrite for $t {
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
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                stream::poll_shutdown(HalfInner::inner(&*self))
            }
        }
    };
}
write_half!(WriteHalf<'_, S>);
write_half!(OwnedWriteHalf<S>);

/// Accessors the compat module uses to reach the stream behind a half.
pub(crate) trait HalfInner<S> {
    fn inner(&self) -> &S;
}
impl<S> HalfInner<S> for ReadHalf<'_, S> {
    fn inner(&self) -> &S {
        self.0
    }
}
impl<S> HalfInner<S> for WriteHalf<'_, S> {
    fn inner(&self) -> &S {
        self.0
    }
}
impl<S> HalfInner<S> for OwnedReadHalf<S> {
    fn inner(&self) -> &S {
        &self.0
    }
}
impl<S: Stream> HalfInner<S> for OwnedWriteHalf<S> {
    fn inner(&self) -> &S {
        &self.inner
    }
}
