//! Networking types with tokio's names (`net::{TcpListener, TcpStream, TcpSocket, UdpSocket,
//! UnixListener, UnixStream, UnixDatagram, lookup_host, ToSocketAddrs}`), built on the
//! netpoller (Go's `net` package over `internal/poll`).
//!
//! Every stream implements `futures_io::{AsyncRead, AsyncWrite}` (and, with the
//! `tokio-compat` feature, tokio's traits and hyper's `rt::{Read, Write}`).

mod addr;
pub(crate) mod sock;
pub(crate) mod split;
pub(crate) mod stream;
pub mod tcp;
mod tcp_socket;
mod udp;
pub mod unix;

pub use addr::{ToSocketAddrs, lookup_host};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, SplitStream, WriteHalf};
pub use stream::Stream;
pub use tcp::{TcpListener, TcpStream};
pub use tcp_socket::TcpSocket;
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};
