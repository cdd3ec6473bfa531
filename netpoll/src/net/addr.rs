//! Address resolution for `bind`/`connect`/`send_to` (tokio's `net::ToSocketAddrs` and
//! `lookup_host`; Go's `net.Resolver` with the cgo resolver's thread hand-off).
//!
//! Literal addresses resolve at once. A host name is resolved by `getaddrinfo`, which blocks,
//! so it runs on a short-lived helper thread and the task waits for the answer (Go hands cgo
//! lookups to a thread the same way); the runtime's Ms never block in DNS.
//!
//! Invariant: the helper thread's result is delivered exactly once; a dropped lookup future
//! leaves the thread to finish and discard it.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// Something that names one or more socket addresses: a `SocketAddr`, `(ip, port)`,
/// `"host:port"`, `("host", port)`, or a slice of addresses (tokio's trait of the same name).
///
/// # Examples
///
/// ```
/// futures::executor::block_on(async {
///     let l = gorust_netpoll::net::TcpListener::bind("127.0.0.1:0").await?;
///     let l2 = gorust_netpoll::net::TcpListener::bind(("127.0.0.1", 0)).await?;
///     assert_ne!(l.local_addr()?, l2.local_addr()?);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use super::*;

    /// How an address argument resolves.
    #[derive(Debug)]
    pub enum Resolved {
        /// Known now.
        Ready(io::Result<Vec<SocketAddr>>),
        /// Needs `getaddrinfo` on `"host:port"`.
        Lookup(String),
    }

    /// The resolution step behind [`super::ToSocketAddrs`].
    pub trait ToSocketAddrsPriv {
        #[doc(hidden)]
        fn to_resolved(&self) -> Resolved;
    }
}
use sealed::{Resolved, ToSocketAddrsPriv};

macro_rules! ready_impl {
    ($($t:ty),*) => {$(
        impl ToSocketAddrs for $t {}
        impl ToSocketAddrsPriv for $t {
            fn to_resolved(&self) -> Resolved {
                Resolved::Ready(std::net::ToSocketAddrs::to_socket_addrs(self).map(Iterator::collect))
            }
        }
    )*};
}
ready_impl!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for &[SocketAddr] {}
impl ToSocketAddrsPriv for &[SocketAddr] {
    fn to_resolved(&self) -> Resolved {
        Resolved::Ready(Ok(self.to_vec()))
    }
}

impl<const N: usize> ToSocketAddrs for [SocketAddr; N] {}
impl<const N: usize> ToSocketAddrsPriv for [SocketAddr; N] {
    fn to_resolved(&self) -> Resolved {
        Resolved::Ready(Ok(self.to_vec()))
    }
}

fn resolve_str(s: &str) -> Resolved {
    match s.parse::<SocketAddr>() {
        Ok(a) => Resolved::Ready(Ok(vec![a])),
        Err(_) => Resolved::Lookup(s.to_owned()),
    }
}

fn resolve_host_port(host: &str, port: u16) -> Resolved {
    match host.parse::<IpAddr>() {
        Ok(ip) => Resolved::Ready(Ok(vec![SocketAddr::new(ip, port)])),
        Err(_) if host.contains(':') => Resolved::Lookup(format!("[{host}]:{port}")),
        Err(_) => Resolved::Lookup(format!("{host}:{port}")),
    }
}

impl ToSocketAddrs for str {}
impl ToSocketAddrsPriv for str {
    fn to_resolved(&self) -> Resolved {
        resolve_str(self)
    }
}
impl ToSocketAddrs for &str {}
impl ToSocketAddrsPriv for &str {
    fn to_resolved(&self) -> Resolved {
        resolve_str(self)
    }
}
impl ToSocketAddrs for String {}
impl ToSocketAddrsPriv for String {
    fn to_resolved(&self) -> Resolved {
        resolve_str(self)
    }
}
impl ToSocketAddrs for &String {}
impl ToSocketAddrsPriv for &String {
    fn to_resolved(&self) -> Resolved {
        resolve_str(self)
    }
}
impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrsPriv for (&str, u16) {
    fn to_resolved(&self) -> Resolved {
        resolve_host_port(self.0, self.1)
    }
}
impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrsPriv for (String, u16) {
    fn to_resolved(&self) -> Resolved {
        resolve_host_port(&self.0, self.1)
    }
}
/// The answer slot shared with the helper thread.
#[derive(Debug, Default)]
struct Slot {
    result: Option<io::Result<Vec<SocketAddr>>>,
    waker: Option<Waker>,
}

/// Waits for a helper thread's `getaddrinfo`.
#[derive(Debug)]
struct Lookup(Arc<Mutex<Slot>>);

impl Future for Lookup {
    type Output = io::Result<Vec<SocketAddr>>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match s.result.take() {
            Some(r) => Poll::Ready(r),
            None => {
                s.waker = Some(cx.waker().clone());
                gorust_hooks::wait::set_wait_reason(gorust_hooks::wait::WaitReason::IoWait);
                Poll::Pending
            }
        }
    }
}

/// Resolves `addr` to its socket addresses.
pub(crate) async fn resolve<A: ToSocketAddrs + ?Sized>(addr: &A) -> io::Result<Vec<SocketAddr>> {
    match addr.to_resolved() {
        Resolved::Ready(r) => r,
        Resolved::Lookup(host) => {
            let slot = Arc::new(Mutex::new(Slot::default()));
            let s2 = slot.clone();
            std::thread::Builder::new()
                .name("gorust-dns".into())
                .spawn(move || {
                    let r = std::net::ToSocketAddrs::to_socket_addrs(host.as_str())
                        .map(Iterator::collect);
                    let mut s = s2.lock().unwrap_or_else(PoisonError::into_inner);
                    s.result = Some(r);
                    if let Some(w) = s.waker.take() {
                        drop(s);
                        w.wake();
                    }
                })?;
            Lookup(slot).await
        }
    }
}

/// Resolves `host` ("name:port" or `(name, port)`) to its socket addresses without blocking
/// the runtime (tokio's `lookup_host`).
///
/// # Errors
///
/// When the name does not resolve.
///
/// # Cancel safety
///
/// Cancel safe (the lookup finishes on its helper thread and is discarded).
///
/// # Examples
///
/// ```
/// futures::executor::block_on(async {
///     let addrs: Vec<_> = gorust_netpoll::net::lookup_host("localhost:80").await?.collect();
///     assert!(addrs.iter().all(|a| a.port() == 80 && a.ip().is_loopback()));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn lookup_host<A: ToSocketAddrs>(
    host: A,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(resolve(&host).await?.into_iter())
}

/// Tries `f` on each resolved address, returning the first success or the last error.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: &A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs + ?Sized,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let addrs = resolve(addr).await?;
    let mut last = None;
    for a in addrs {
        match f(a).await {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}
