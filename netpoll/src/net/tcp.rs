//! TCP: `TcpListener` and `TcpStream` (Go's `net/tcpsock.go` on `internal/poll.FD`; tokio's
//! `net::tcp` names and shapes).
//!
//! Sockets are created non-blocking and close-on-exec, registered once with the netpoller.
//! `accept` uses `accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)` (one syscall, as Go's `accept`);
//! `connect` is Go's `fd.connect`: start a non-blocking connect, wait for writability, then
//! read `SO_ERROR` and confirm with `getpeername` (a spurious wake-up re-parks).
//!
//! Invariant: every error (`ECONNREFUSED`, `EMFILE`, `EADDRINUSE`, `ECONNRESET`, `EPIPE`)
//! comes back as an `io::Error`; nothing here panics on a socket error.

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{Domain, SockRef, Socket, Type};

use crate::io::Async;
use crate::net::addr::{ToSocketAddrs, each_addr};
use crate::net::split::{self, SplitStream};
use crate::net::stream::{self, Stream, futures_io_impls, stream_inherent};
use crate::poll_desc::Direction;
use crate::source::Source;

/// The listen backlog (tokio uses 1024; Go reads somaxconn).
const BACKLOG: i32 = 1024;

/// A TCP socket server, listening for connections.
///
/// # Examples
///
/// ```
/// use gorust_netpoll::net::{TcpListener, TcpStream};
/// use futures::{AsyncReadExt, AsyncWriteExt};
///
/// futures::executor::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let client = std::thread::spawn(move || -> std::io::Result<()> {
///         futures::executor::block_on(async {
///             let mut s = TcpStream::connect(addr).await?;
///             s.write_all(b"hello").await
///         })
///     });
///     let (mut conn, _peer) = listener.accept().await?;
///     let mut buf = String::new();
///     conn.read_to_string(&mut buf).await?;
///     assert_eq!(buf, "hello");
///     client.join().unwrap()
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("addr", &self.local_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

impl TcpListener {
    /// Binds a listener to `addr` (`SO_REUSEADDR` set, as tokio and Go do), trying each
    /// resolved address in turn.
    ///
    /// # Errors
    ///
    /// `AddrInUse` when the port is taken, `AddrNotAvailable`, `PermissionDenied`, a resolution
    /// error; the last address's error when all fail.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let a = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let taken = a.local_addr()?;
    ///     let err = gorust_netpoll::net::TcpListener::bind(taken).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(&addr, |a| async move { Self::bind_addr(a) }).await
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let sock = Socket::new(Domain::for_address(addr), stream_type(), None)?;
        sock.set_reuse_address(true)?;
        sock.bind(&addr.into())?;
        sock.listen(BACKLOG)?;
        Self::from_socket(sock)
    }

    /// Registers a listening non-blocking socket.
    pub(crate) fn from_socket(sock: Socket) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::new_nonblocking(std::net::TcpListener::from(sock))?,
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
    /// let std_l = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let l = gorust_netpoll::net::TcpListener::from_std(std_l)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::new(listener)?,
        })
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
    /// futures::executor::block_on(async {
    ///     let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let std_l = l.into_std()?;
    ///     std_l.set_nonblocking(false)
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner()
    }

    /// Accepts a new connection, waiting for one.
    ///
    /// # Errors
    ///
    /// `EMFILE`/`ENFILE` when out of descriptors (the pending connection stays queued, and a
    /// later `accept` takes it once descriptors free up), `ECONNABORTED`, or an error when the
    /// reactor shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is taken only in the step that returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let _c = std::net::TcpStream::connect(l.local_addr()?)?;
    ///     let (_s, peer) = l.accept().await?;
    ///     assert!(peer.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (s, a) = self
            .io
            .source()
            .io(Direction::Read, || self.accept_raw())
            .await?;
        Ok((TcpStream::from_nonblocking(s)?, a))
    }

    /// Polls for a new connection (tokio's `poll_accept`; one polling task at a time).
    ///
    /// # Errors
    ///
    /// As [`accept`](TcpListener::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let _c = std::net::TcpStream::connect(l.local_addr()?)?;
    ///     let (_s, _peer) = futures::future::poll_fn(|cx| l.poll_accept(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self
            .io
            .source()
            .poll_io(Direction::Read, cx, || self.accept_raw())
        {
            Poll::Ready(Ok((s, a))) => Poll::Ready(TcpStream::from_nonblocking(s).map(|s| (s, a))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn accept_raw(&self) -> io::Result<(std::net::TcpStream, SocketAddr)> {
        let (s, a) = crate::net::sock::accept_nonblocking(SockRef::from(self.io.get_ref()))?;
        let a = a
            .as_socket()
            .ok_or_else(|| io::Error::other("accept returned a non-IP address"))?;
        Ok((std::net::TcpStream::from(s), a))
    }

    /// The local address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert_ne!(l.local_addr()?.port(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     l.set_ttl(42)?;
    ///     assert_eq!(l.ttl()?, 42);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert!(l.ttl()? > 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}
impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

/// A TCP connection: `futures_io::{AsyncRead, AsyncWrite}` (and tokio's with `tokio-compat`),
/// readable from one task while another writes (see [`split`](TcpStream::split) and
/// [`into_split`](TcpStream::into_split)).
///
/// # Examples
///
/// ```
/// use gorust_netpoll::net::{TcpListener, TcpStream};
/// use futures::{AsyncReadExt, AsyncWriteExt};
///
/// futures::executor::block_on(async {
///     let l = TcpListener::bind("127.0.0.1:0").await?;
///     let mut c = TcpStream::connect(l.local_addr()?).await?;
///     let (mut s, _) = l.accept().await?;
///     c.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     s.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpStream {
    io: Async<std::net::TcpStream>,
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

fn stream_type() -> Type {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        Type::STREAM.nonblocking()
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        Type::STREAM
    }
}

impl TcpStream {
    /// Opens a connection to `addr`, trying each resolved address in turn.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` when nothing listens, `TimedOut`, `NetworkUnreachable`, a
    /// resolution error; the last address's error when all fail.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the half-open socket.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     // Find a port nobody listens on.
    ///     let free = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    ///     let err = gorust_netpoll::net::TcpStream::connect(free).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        each_addr(&addr, Self::connect_addr).await
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let sock = Socket::new(Domain::for_address(addr), stream_type(), None)?;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        sock.set_nonblocking(true)?;
        Self::connect_socket(sock, addr).await
    }

    /// Connects a non-blocking socket (Go's `fd.connect`).
    pub(crate) async fn connect_socket(sock: Socket, addr: SocketAddr) -> io::Result<TcpStream> {
        match sock.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let stream = TcpStream::from_nonblocking(std::net::TcpStream::from(sock))?;
        let io = stream.io.get_ref();
        stream::finish_connect(
            stream.io.source(),
            || io.take_error(),
            || io.peer_addr().map(drop),
        )
        .await?;
        Ok(stream)
    }

    fn from_nonblocking(s: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Async::new_nonblocking(s)?,
        })
    }

    /// Wraps a connected std stream (it is put in non-blocking mode).
    ///
    /// # Errors
    ///
    /// When `fcntl` or the registration fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let s = std::net::TcpStream::connect(l.local_addr()?)?;
    /// let s = gorust_netpoll::net::TcpStream::from_std(s)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Async::new(stream)?,
        })
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
    /// let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let s = gorust_netpoll::net::TcpStream::from_std(std::net::TcpStream::connect(l.local_addr()?)?)?;
    /// let s = s.into_std()?;
    /// s.set_nonblocking(false)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.io.into_inner()
    }

    /// The local address of this end.
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// assert!(s.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` once the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// assert_eq!(s.peer_addr()?, l.local_addr()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm; Go sets it by default, tokio does not).
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_nodelay(true)?;
    /// assert!(s.nodelay()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// assert!(!s.nodelay()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `SO_LINGER` (`Some(Duration::ZERO)` makes `drop` send a reset).
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_linger(Some(std::time::Duration::ZERO))?;
    /// assert_eq!(s.linger()?, Some(std::time::Duration::ZERO));
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(dur)
    }

    /// Reads `SO_LINGER`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// assert_eq!(s.linger()?, None);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// s.set_ttl(7)?;
    /// assert_eq!(s.ttl()?, 7);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// assert!(s.ttl()? > 0);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Borrows the stream as a read half and a write half usable from two tasks at once
    /// (no allocation).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::{AsyncReadExt, AsyncWriteExt};
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let mut s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// # let (mut peer, _) = l.accept().await?;
    /// let (mut rd, mut wr) = s.split();
    /// wr.write_all(b"x").await?;
    /// # peer.write_all(b"y").await?;
    /// let mut b = [0; 1];
    /// rd.read_exact(&mut b).await?;
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into owned halves (an `Arc` inside) that can move to different
    /// tasks; [`OwnedReadHalf::reunite`] puts them back together. Dropping the write half
    /// shuts the write side down, as tokio's does.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let s = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;
    /// let (rd, wr) = s.into_split();
    /// let s = rd.reunite(wr).expect("same stream");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::into_split(self)
    }
}

// The shared stream methods (readable, try_read, peek, shutdown...), with a doc-test setup.
stream_inherent!(
    TcpStream,
    "use futures::AsyncWriteExt;\n# futures::executor::block_on(async {\nlet l = gorust_netpoll::net::TcpListener::bind(\"127.0.0.1:0\").await?;\nlet a = gorust_netpoll::net::TcpStream::connect(l.local_addr()?).await?;\nlet (mut b, _) = l.accept().await?;"
);

use crate::net::stream::private as private_sealed;

impl Stream for TcpStream {}
impl private_sealed::Sealed for TcpStream {
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

impl SplitStream for TcpStream {}

futures_io_impls!(TcpStream);

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}
impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

/// A borrowed read half of a [`TcpStream`] (from [`TcpStream::split`]).
pub type ReadHalf<'a> = split::ReadHalf<'a, TcpStream>;
/// A borrowed write half of a [`TcpStream`] (from [`TcpStream::split`]).
pub type WriteHalf<'a> = split::WriteHalf<'a, TcpStream>;
/// An owned read half of a [`TcpStream`] (from [`TcpStream::into_split`]).
pub type OwnedReadHalf = split::OwnedReadHalf<TcpStream>;
/// An owned write half of a [`TcpStream`] (from [`TcpStream::into_split`]).
pub type OwnedWriteHalf = split::OwnedWriteHalf<TcpStream>;
/// The error of [`OwnedReadHalf::reunite`] with halves of different streams.
pub type ReuniteError = split::ReuniteError<TcpStream>;
