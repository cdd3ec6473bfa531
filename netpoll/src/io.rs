//! `Async<T>`: any file descriptor made asynchronous by registering it with the poller (Go's
//! `internal/poll.FD`: a descriptor in non-blocking mode plus its `pollDesc`).
//!
//! Invariants:
//! - The wrapped fd is in non-blocking mode for as long as it is registered.
//! - `Drop` and [`Async::into_inner`] deregister the fd while it is still open, then release
//!   the inner value (so a stale epoll registration never outlives the fd).

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::poll_desc::Direction;
use crate::source::Source;

/// An I/O object registered with the netpoller: `readable`/`writable` waits and
/// `read_with`/`write_with` loops, plus `futures_io::{AsyncRead, AsyncWrite}` when the inner
/// type reads and writes.
///
/// # Examples
///
/// ```
/// use gorust_netpoll::io::Async;
/// use std::os::unix::net::UnixStream;
/// use futures::{AsyncReadExt, AsyncWriteExt};
///
/// futures::executor::block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     let (mut a, mut b) = (Async::new(a)?, Async::new(b)?);
///     a.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Async<T: AsFd> {
    source: Source,
    io: Option<T>,
}

impl<T: AsFd> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async")
            .field("fd", &self.source_fd())
            .finish_non_exhaustive()
    }
}

impl<T: AsFd> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with this thread's reactor.
    ///
    /// # Errors
    ///
    /// When `fcntl` or the poller registration fails (e.g. the fd is not pollable, like a
    /// regular file: `EPERM`).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let l = gorust_netpoll::io::Async::new(l)?;
    /// assert!(l.get_ref().local_addr()?.port() != 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(io: T) -> io::Result<Async<T>> {
        set_nonblocking(io.as_fd())?;
        Self::new_nonblocking(io)
    }

    /// Registers `io`, which the caller has already put in non-blocking mode.
    ///
    /// # Errors
    ///
    /// When the poller registration fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// l.set_nonblocking(true)?;
    /// let l = gorust_netpoll::io::Async::new_nonblocking(l)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_nonblocking(io: T) -> io::Result<Async<T>> {
        let source = Source::new(io.as_fd().as_raw_fd())?;
        Ok(Async {
            source,
            io: Some(io),
        })
    }

    fn source_fd(&self) -> RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }

    /// The inner I/O object.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = gorust_netpoll::io::Async::new(std::net::TcpListener::bind("127.0.0.1:0")?)?;
    /// let _addr = l.get_ref().local_addr()?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_ref(&self) -> &T {
        self.io.as_ref().expect("Async: inner I/O taken")
    }

    /// The inner I/O object, mutably.
    ///
    /// # Safety
    ///
    /// The caller must not replace or close the file descriptor (e.g. with `mem::swap`):
    /// the registration belongs to the fd that was wrapped.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut l = gorust_netpoll::io::Async::new(std::net::TcpListener::bind("127.0.0.1:0")?)?;
    /// // SAFETY: only reads an option; the fd is not replaced.
    /// let ttl = unsafe { l.get_mut() }.ttl()?;
    /// assert!(ttl > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub unsafe fn get_mut(&mut self) -> &mut T {
        self.io.as_mut().expect("Async: inner I/O taken")
    }

    /// Deregisters the fd and gives the inner object back (still in non-blocking mode).
    ///
    /// # Errors
    ///
    /// None at present; the signature leaves room for a failing deregistration.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = gorust_netpoll::io::Async::new(std::net::TcpListener::bind("127.0.0.1:0")?)?;
    /// let std_listener = l.into_inner()?;
    /// std_listener.set_nonblocking(false)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(mut self) -> io::Result<T> {
        self.source.deregister();
        Ok(self.io.take().expect("Async: inner I/O taken"))
    }

    /// Waits until the fd is readable (or has an error or hang-up to report). May complete
    /// spuriously: follow it with an operation that tolerates `WouldBlock`, or use
    /// [`read_with`](Async::read_with).
    ///
    /// # Errors
    ///
    /// When the source was deregistered or its reactor shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_netpoll::io::Async;
    /// use std::io::Write;
    /// futures::executor::block_on(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     b.write_all(b"x")?;
    ///     a.readable().await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.source.ready(Direction::Read).await.map(drop)
    }

    /// Waits until the fd is writable. May complete spuriously.
    ///
    /// # Errors
    ///
    /// When the source was deregistered or its reactor shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_netpoll::io::Async;
    /// futures::executor::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     Async::new(a)?.writable().await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.source.ready(Direction::Write).await.map(drop)
    }

    /// Polls for readability (one waiting task at a time per direction).
    ///
    /// # Errors
    ///
    /// When the source was deregistered or its reactor shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = gorust_netpoll::io::Async::new(a)?;
    /// let mut cx = Context::from_waker(Waker::noop());
    /// // A fresh source is optimistically ready: the first read tries the syscall.
    /// assert!(a.poll_readable(&mut cx).is_ready());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source
            .poll_ready(Direction::Read, cx)
            .map(|r| r.map(drop))
    }

    /// Polls for writability (one waiting task at a time per direction).
    ///
    /// # Errors
    ///
    /// When the source was deregistered or its reactor shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = gorust_netpoll::io::Async::new(a)?;
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(a.poll_writable(&mut cx).is_ready());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source
            .poll_ready(Direction::Write, cx)
            .map(|r| r.map(drop))
    }

    /// Runs `op` until it stops saying `WouldBlock`, waiting for readability in between.
    ///
    /// # Errors
    ///
    /// Whatever `op` returns other than `WouldBlock`; an error when the source is
    /// deregistered.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe if `op` is (nothing happens between its attempts).
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_netpoll::io::Async;
    /// futures::executor::block_on(async {
    ///     let l = Async::new(std::net::TcpListener::bind("127.0.0.1:0")?)?;
    ///     let addr = l.get_ref().local_addr()?;
    ///     let _c = std::net::TcpStream::connect(addr)?;
    ///     let (_s, peer) = l.read_with(|l| l.accept()).await?;
    ///     assert!(peer.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let io = self.get_ref();
        self.source.io(Direction::Read, || op(io)).await
    }

    /// Runs `op` until it stops saying `WouldBlock`, waiting for writability in between.
    ///
    /// # Errors
    ///
    /// Whatever `op` returns other than `WouldBlock`; an error when the source is
    /// deregistered.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe if `op` is.
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_netpoll::io::Async;
    /// use std::io::Write;
    /// futures::executor::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     let n = a.write_with(|mut s| s.write(b"hi")).await?;
    ///     assert_eq!(n, 2);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let io = self.get_ref();
        self.source.io(Direction::Write, || op(io)).await
    }

    /// Runs `op` once if the fd is marked readable, else returns `WouldBlock` without
    /// parking; a `WouldBlock` from `op` clears the readiness (tokio's `try_io`).
    ///
    /// # Errors
    ///
    /// `WouldBlock` when not ready; whatever `op` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = gorust_netpoll::io::Async::new(a)?;
    /// let err = a.try_read_with(|mut s| s.read(&mut [0; 8])).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_read_with<R>(&self, op: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        self.source.try_io(Direction::Read, || op(self.get_ref()))
    }

    /// Runs `op` once if the fd is marked writable, else returns `WouldBlock`.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when not ready; whatever `op` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = gorust_netpoll::io::Async::new(a)?;
    /// assert_eq!(a.try_write_with(|mut s| s.write(b"x"))?, 1);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_write_with<R>(&self, op: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        self.source.try_io(Direction::Write, || op(self.get_ref()))
    }

    /// The `poll_*` form of `read_with` (parks in the per-direction slot).
    pub(crate) fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.source.poll_io(Direction::Read, cx, || op(io))
    }

    /// The `poll_*` form of `write_with`.
    pub(crate) fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.source.poll_io(Direction::Write, cx, || op(io))
    }

    /// The registration (for the net types).
    pub(crate) fn source(&self) -> &Source {
        &self.source
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        if self.io.is_some() {
            self.source.deregister();
            self.io.take();
        }
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.source_fd()
    }
}

impl<T: AsFd + Read + Unpin> AsyncRead for Async<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let io = this.io.as_mut().expect("Async: inner I/O taken");
        this.source.poll_io(Direction::Read, cx, || io.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let io = this.io.as_mut().expect("Async: inner I/O taken");
        this.source
            .poll_io(Direction::Read, cx, || io.read_vectored(bufs))
    }
}

impl<T: AsFd> AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read(buf))
    }
}

impl<T: AsFd + Write + Unpin> AsyncWrite for Async<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let io = this.io.as_mut().expect("Async: inner I/O taken");
        this.source.poll_io(Direction::Write, cx, || io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let io = this.io.as_mut().expect("Async: inner I/O taken");
        this.source
            .poll_io(Direction::Write, cx, || io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let io = this.io.as_mut().expect("Async: inner I/O taken");
        this.source.poll_io(Direction::Write, cx, || io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl<T: AsFd> AsyncWrite for &Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Sets `O_NONBLOCK` on `fd`.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let fd = fd.as_raw_fd();
    // SAFETY: fcntl on a descriptor borrowed for the duration of the call.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: as above.
        if unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
