//! gorust-netpoll: the netpoller (Go's `runtime/netpoll.go` on the `polling` crate), the
//! per-source poll descriptor, [`io::Async`] for any file descriptor, and the `net` types with
//! tokio's names.
//!
//! Picture: one [`driver::Reactor`] per runtime owns an epoll instance (through `polling`) and
//! a slab of poll descriptors. Every socket registers once, edge-triggered, readable and
//! writable (Go's `netpollopen`). Operations try the syscall first; on `EWOULDBLOCK` they
//! clear the cached readiness (unless an event raced in) and park the task's waker in the
//! descriptor. The executor's Ms poll the reactor (`findrunnable`; one idle M blocks in it
//! while every P is idle), which sets readiness and wakes the parked tasks. A stream read or
//! write that comes back short forgets readiness at once; sticky hang-up bits keep a FIN that
//! came with the last bytes visible (`poll_desc.rs`). With no gorust runtime on the thread, a fallback reactor
//! driven by its own thread does the same, so everything here runs under tokio or
//! `futures::executor` too.
//!
//! Modules: [`driver`] (the executor seam), [`io`] (`Async<T>`), [`net`] (TCP, UDP, Unix),
//! and with feature `tokio-compat` `compat` (tokio's and hyper's I/O traits, hyper's timer).

#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(feature = "tokio-compat")]
#[path = "compat_io.rs"]
pub mod compat;
pub mod driver;
pub mod io;
mod loom;
pub mod net;
mod poll_desc;
mod source;
mod sys;
