//! Unix domain sockets: `UnixListener`, `UnixStream`, `UnixDatagram` (Go's
//! `net/unixsock.go`; tokio's `net::unix` names).
//!
//! Invariant: as for TCP, every socket is non-blocking and close-on-exec, registered once, and
//! every error is an `io::Error`. A listener does not unlink its path on drop (neither does
//! tokio or std); Go's `UnixListener` does, which is documented on [`UnixListener::bind`].

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use socket2::{Domain, SockAddr, SockRef, Socket, Type};

use crate::io::Async;
use crate::net::split::{self, SplitStream};
use crate::net::stream::{self, Stream, futures_io_impls, private, stream_inherent};
use crate::poll_desc::Direction;
use crate::source::Source;

fn sock_type(t: Type) -> Type {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        t.nonblocking()
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        t
    }
}

/// A Unix domain socket server.
///
/// # Examples
///
/// ```
/// use gorust_netpoll::net::{UnixListener, UnixStream};
/// futures::executor::block_on(async {
///     let dir = std::env::temp_dir().join(format!("gorust-doc-{}", std::process::id()));
///     std::fs::create_dir_all(&dir)?;
///     let path = dir.join("l.sock");
///     let _ = std::fs::remove_file(&path);
///     let l = UnixListener::bind(&path)?;
///     let _c = UnixStream::connect(&path).await?;
///     let (_s, _addr) = l.accept().await?;
///     std::fs::remove_file(&path)
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixListener {
    io: Async<std::os::unix::net::UnixListener>,
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

impl UnixListener {
    /// Binds a listener to `path` (synchronous, as tokio's). The socket file is not removed
    /// on drop.
    ///
    /// # Errors
    ///
    /// `AddrInUse` when the path exists, path errors, `EMFILE`.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("gorust-doc-bind-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let l = gorust_netpoll::net::UnixListener::bind(&path)?;
    /// assert!(gorust_netpoll::net::UnixListener::bind(&path).is_err());
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let sock = Socket::new(Domain::UNIX, sock_type(Type::STREAM), None)?;
        sock.bind(&SockAddr::unix(path)?)?;
        sock.listen(1024)?;
        Ok(UnixListener {
            io: Async::new(std::os::unix::net::UnixListener::from(
                std::os::fd::OwnedFd::from(sock),
            ))?,
        })
    }

    /// Wraps a std listener (it is put in non-blocking mode).
    ///
    /// # Errors
    ///
    /// When `fcntl` or the registration fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("gorust-doc-fs-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let l = gorust_netpoll::net::UnixListener::from_std(std::os::unix::net::UnixListener::bind(&path)?)?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(l: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener { io: Async::new(l)? })
    }

    /// Deregisters and returns the std listener (still non-blocking).
    ///
    /// # Errors
    ///
    /// Reserved for a failing deregistration.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("gorust-doc-is-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let l = gorust_netpoll::net::UnixListener::bind(&path)?;
    /// let _std = l.into_std()?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        self.io.into_inner()
    }

    /// Accepts a connection, waiting for one.
    ///
    /// # Errors
    ///
    /// `EMFILE`/`ENFILE`, `ECONNABORTED`, or an error when the reactor shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// See [`UnixListener`].
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (s, a) = self
            .io
            .source()
            .io(Direction::Read, || self.accept_raw())
            .await?;
        Ok((UnixStream::from_nonblocking(s)?, a))
    }

    /// Polls for a connection (tokio's `poll_accept`; one polling task at a time).
    ///
    /// # Errors
    ///
    /// As [`accept`](UnixListener::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("gorust-doc-pa-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let l = gorust_netpoll::net::UnixListener::bind(&path)?;
    /// let _c = std::os::unix::net::UnixStream::connect(&path)?;
    /// futures::executor::block_on(futures::future::poll_fn(|cx| l.poll_accept(cx)))?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        match self
            .io
            .source()
            .poll_io(Direction::Read, cx, || self.accept_raw())
        {
            Poll::Ready(Ok((s, a))) => Poll::Ready(UnixStream::from_nonblocking(s).map(|s| (s, a))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn accept_raw(&self) -> io::Result<(std::os::unix::net::UnixStream, SocketAddr)> {
        let (s, _) = crate::net::sock::accept_nonblocking(SockRef::from(self.io.get_ref()))?;
        let s = std::os::unix::net::UnixStream::from(std::os::fd::OwnedFd::from(s));
        let a = s.peer_addr()?;
        Ok((s, a))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("gorust-doc-la-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let l = gorust_netpoll::net::UnixListener::bind(&path)?;
    /// assert_eq!(l.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}
impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

/// A Unix domain stream connection.
///
/// # Examples
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let (mut a, mut b) = gorust_netpoll::net::UnixStream::pair()?;
///     a.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixStream {
    io: Async<std::os::unix::net::UnixStream>,
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound` when no socket is there, `ConnectionRefused` when nobody listens,
    /// `WouldBlock` when the listener's backlog is full.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the socket.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let err = gorust_netpoll::net::UnixStream::connect("/nonexistent/gorust.sock").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let sock = Socket::new(Domain::UNIX, sock_type(Type::STREAM), None)?;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        sock.set_nonblocking(true)?;
        match sock.connect(&SockAddr::unix(path)?) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let s = UnixStream::from_nonblocking(std::os::unix::net::UnixStream::from(
            std::os::fd::OwnedFd::from(sock),
        ))?;
        let io = s.io.get_ref();
        stream::finish_connect(
            s.io.source(),
            || io.take_error(),
            || io.peer_addr().map(drop),
        )
        .await?;
        Ok(s)
    }

    /// A connected pair of unnamed sockets.
    ///
    /// # Errors
    ///
    /// `EMFILE` and friends.
    ///
    /// # Examples
    ///
    /// See [`UnixStream`].
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    fn from_nonblocking(s: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Async::new_nonblocking(s)?,
        })
    }

    /// Wraps a std stream (it is put in non-blocking mode).
    ///
    /// # Errors
    ///
    /// When `fcntl` or the registration fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = gorust_netpoll::net::UnixStream::from_std(a)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(s: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream { io: Async::new(s)? })
    }

    /// Deregisters and returns the std stream (still non-blocking).
    ///
    /// # Errors
    ///
    /// Reserved for a failing deregistration.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = gorust_netpoll::net::UnixStream::pair()?;
    /// let _std = a.into_std()?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        self.io.into_inner()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = gorust_netpoll::net::UnixStream::pair()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// The `getpeername` error.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = gorust_netpoll::net::UnixStream::pair()?;
    /// assert!(a.peer_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Borrows the stream as a read half and a write half.
    ///
    /// # Examples
    ///
    /// See [`crate::net::unix::ReadHalf`].
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into owned halves; dropping the write half sends FIN.
    ///
    /// # Examples
    ///
    /// See [`crate::net::unix::OwnedWriteHalf`].
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::into_split(self)
    }
}

stream_inherent!(
    UnixStream,
    "use futures::AsyncWriteExt;\n# futures::executor::block_on(async {\nlet (a, mut b) = gorust_netpoll::net::UnixStream::pair()?;"
);

impl Stream for UnixStream {}
impl private::Sealed for UnixStream {
    fn __source(&self) -> &Source {
        self.io.source()
    }
    fn __fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
    fn __shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}
impl SplitStream for UnixStream {}
futures_io_impls!(UnixStream);

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}
impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

/// A borrowed read half of a [`UnixStream`].
pub type ReadHalf<'a> = split::ReadHalf<'a, UnixStream>;
/// A borrowed write half of a [`UnixStream`].
pub type WriteHalf<'a> = split::WriteHalf<'a, UnixStream>;
/// An owned read half of a [`UnixStream`].
pub type OwnedReadHalf = split::OwnedReadHalf<UnixStream>;
/// An owned write half of a [`UnixStream`].
pub type OwnedWriteHalf = split::OwnedWriteHalf<UnixStream>;
/// The error of reuniting halves of different [`UnixStream`]s.
pub type ReuniteError = split::ReuniteError<UnixStream>;

/// A Unix domain datagram socket.
///
/// # Examples
///
/// ```
/// futures::executor::block_on(async {
///     let (a, b) = gorust_netpoll::net::UnixDatagram::pair()?;
///     a.send(b"dgram").await?;
///     let mut buf = [0; 16];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"dgram");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixDatagram {
    io: Async<std::os::unix::net::UnixDatagram>,
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("fd", &self.io.as_raw_fd())
            .finish()
    }
}

impl UnixDatagram {
    /// Binds a datagram socket to `path`.
    ///
    /// # Errors
    ///
    /// `AddrInUse` when the path exists, path errors.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("gorust-doc-dg-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let d = gorust_netpoll::net::UnixDatagram::bind(&path)?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        Self::from_std(std::os::unix::net::UnixDatagram::bind(path)?)
    }

    /// An unbound datagram socket.
    ///
    /// # Errors
    ///
    /// `EMFILE` and friends.
    ///
    /// # Examples
    ///
    /// ```
    /// let d = gorust_netpoll::net::UnixDatagram::unbound()?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        Self::from_std(std::os::unix::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of unnamed datagram sockets.
    ///
    /// # Errors
    ///
    /// `EMFILE` and friends.
    ///
    /// # Examples
    ///
    /// See [`UnixDatagram`].
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
        Ok((Self::from_std(a)?, Self::from_std(b)?))
    }

    /// Wraps a std datagram socket (it is put in non-blocking mode).
    ///
    /// # Errors
    ///
    /// When `fcntl` or the registration fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let d = gorust_netpoll::net::UnixDatagram::from_std(std::os::unix::net::UnixDatagram::unbound()?)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(d: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram { io: Async::new(d)? })
    }

    /// Connects the socket to `path` (sets the default destination).
    ///
    /// # Errors
    ///
    /// `NotFound`, `ConnectionRefused`.
    ///
    /// # Examples
    ///
    /// ```
    /// let d = gorust_netpoll::net::UnixDatagram::unbound()?;
    /// assert!(d.connect("/nonexistent/gorust.sock").is_err());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `ENOTCONN`, `ECONNREFUSED` when the peer is gone, `EMSGSIZE`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the datagram is either sent whole or not at all.
    ///
    /// # Examples
    ///
    /// See [`UnixDatagram`].
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|d| d.send(buf)).await
    }

    /// Receives a datagram from the connected peer.
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
    /// See [`UnixDatagram`].
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|d| d.recv(buf)).await
    }

    /// Sends a datagram to `path`.
    ///
    /// # Errors
    ///
    /// `NotFound`, `ECONNREFUSED`, `EMSGSIZE`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("gorust-doc-st-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = gorust_netpoll::net::UnixDatagram::bind(&path)?;
    ///     let client = gorust_netpoll::net::UnixDatagram::unbound()?;
    ///     client.send_to(b"x", &path).await?;
    ///     let mut buf = [0; 4];
    ///     let (n, _from) = server.recv_from(&mut buf).await?;
    ///     assert_eq!(n, 1);
    ///     std::fs::remove_file(&path)
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.write_with(|d| d.send_to(buf, path)).await
    }

    /// Receives a datagram and the sender's address.
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
    /// See [`UnixDatagram::send_to`].
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|d| d.recv_from(buf)).await
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    ///
    /// # Examples
    ///
    /// ```
    /// let d = gorust_netpoll::net::UnixDatagram::unbound()?;
    /// assert!(d.local_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` when not connected.
    ///
    /// # Examples
    ///
    /// ```
    /// let d = gorust_netpoll::net::UnixDatagram::unbound()?;
    /// assert!(d.peer_addr().is_err());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read, write or both halves.
    ///
    /// # Errors
    ///
    /// The `shutdown` error.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = gorust_netpoll::net::UnixDatagram::pair()?;
    /// a.shutdown(std::net::Shutdown::Both)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}
impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}
