//! `TcpSocket`: a TCP socket configured before it connects or listens (tokio's `TcpSocket`;
//! Go's `net.ListenConfig`/`Dialer.Control`).
//!
//! Invariant: the socket is created non-blocking and close-on-exec; it is registered with the
//! netpoller only when it becomes a `TcpStream` or a `TcpListener`.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use socket2::{Domain, Socket, Type};

use crate::net::{TcpListener, TcpStream};

/// A TCP socket not yet connected or listening: set options, `bind`, then `connect` or
/// `listen`.
///
/// # Examples
///
/// ```
/// use gorust_netpoll::net::TcpSocket;
/// futures::executor::block_on(async {
///     let s = TcpSocket::new_v4()?;
///     s.set_reuseaddr(true)?;
///     s.bind("127.0.0.1:0".parse().unwrap())?;
///     let listener = s.listen(128)?;
///     let c = TcpSocket::new_v4()?;
///     c.set_nodelay(true)?;
///     let stream = c.connect(listener.local_addr()?).await?;
///     assert!(stream.nodelay()?);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpSocket {
    inner: Socket,
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("fd", &self.inner.as_raw_fd())
            .finish()
    }
}

impl TcpSocket {
    fn new(domain: Domain) -> io::Result<TcpSocket> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let inner = Socket::new(domain, Type::STREAM.nonblocking(), None)?;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let inner = {
            let s = Socket::new(domain, Type::STREAM, None)?;
            s.set_nonblocking(true)?;
            s
        };
        Ok(TcpSocket { inner })
    }

    /// A new IPv4 TCP socket.
    ///
    /// # Errors
    ///
    /// `EMFILE` and friends.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn new_v4() -> io::Result<TcpSocket> {
        Self::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket.
    ///
    /// # Errors
    ///
    /// `EMFILE`, `EAFNOSUPPORT` without IPv6.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let s = gorust_netpoll::net::TcpSocket::new_v6()?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        Self::new(Domain::IPV6)
    }

    /// Sets `SO_REUSEADDR`.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn set_reuseaddr(&self, reuse: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuse)
    }

    /// Sets `SO_REUSEPORT` (several listeners on one port, the kernel balancing between them).
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = gorust_netpoll::net::TcpSocket::new_v4()?;
    /// s.set_reuseport(true)?;
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    pub fn set_reuseport(&self, reuse: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuse)
    }

    /// Sets `TCP_NODELAY` on the future stream.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Sets `SO_SNDBUF`.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = gorust_netpoll::net::TcpSocket::new_v4()?;
    /// s.set_send_buffer_size(1 << 16)?;
    /// assert!(s.send_buffer_size()? >= 1 << 16);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// Reads `SO_SNDBUF`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket::set_send_buffer_size`].
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(|n| n as u32)
    }

    /// Sets `SO_RCVBUF`.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = gorust_netpoll::net::TcpSocket::new_v4()?;
    /// s.set_recv_buffer_size(1 << 16)?;
    /// assert!(s.recv_buffer_size()? >= 1 << 16);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// Reads `SO_RCVBUF`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket::set_recv_buffer_size`].
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(|n| n as u32)
    }

    /// Binds the socket to a local address.
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `AddrNotAvailable`.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// The local address (after `bind`).
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = gorust_netpoll::net::TcpSocket::new_v4()?;
    /// s.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_ne!(s.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))
    }

    /// Connects, consuming the socket.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused`, `TimedOut`, `NetworkUnreachable`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the socket.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect_socket(self.inner, addr).await
    }

    /// Starts listening, consuming the socket.
    ///
    /// # Errors
    ///
    /// `EADDRINUSE` (when not bound, an ephemeral port is chosen), the registration error.
    ///
    /// # Examples
    ///
    /// See [`TcpSocket`].
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner.listen(backlog.min(i32::MAX as u32) as i32)?;
        TcpListener::from_socket(self.inner)
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}
impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}
