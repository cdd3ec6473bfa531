//! A registered source: the handle every I/O type holds on its poll descriptor (Go's
//! `internal/poll.pollDesc` on the `net` side: `prepareRead`, `waitRead`, `waitWrite`, and
//! `fd.Read`'s "try the syscall, on EAGAIN park, retry" loop).
//!
//! Invariants:
//! - The owner of the fd calls [`Source::deregister`] before it closes the fd (so the fd is
//!   deleted from the poller while it is still open: epoll would otherwise keep a closed fd's
//!   registration alive through a `dup`).
//! - An operation clears readiness only with the [`ReadyEvent`] it observed before the syscall
//!   that said `EWOULDBLOCK` (see `poll_desc.rs`).
//! - Every `Pending` returned here has stored the task's waker and recorded
//!   `WaitReason::IoWait`; every ready-path spends one unit of the cooperative budget.

use std::future::Future;
use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use gorust_hooks::coop;
use gorust_hooks::wait::{WaitReason, set_wait_reason};

use crate::driver::{self, Reactor};
use crate::poll_desc::{Direction, PollDesc, ReadyEvent, WaitSlot};

/// A file descriptor registered with a reactor.
///
/// `pub` only so the sealed `Stream` trait may name it; it is unreachable from outside.
#[derive(Debug)]
#[allow(unreachable_pub)]
pub struct Source {
    reactor: Arc<Reactor>,
    pd: Arc<PollDesc>,
    fd: RawFd,
}

impl Source {
    /// Registers `fd` with this thread's reactor (the entered one, or the fallback).
    pub(crate) fn new(fd: RawFd) -> io::Result<Source> {
        let reactor = driver::current()?;
        let pd = reactor.register(fd)?;
        Ok(Source { reactor, pd, fd })
    }

    /// Deletes the fd from the poller and wakes waiters with an error. Call with the fd open.
    pub(crate) fn deregister(&self) {
        // SAFETY: the owner guarantees the fd is still open (module invariant).
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        let _ = self.reactor.deregister(fd, &self.pd);
    }

    /// Readiness for `dir`, parking in the per-direction `poll_*` slot.
    #[inline]
    pub(crate) fn poll_ready(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        let r = self
            .pd
            .poll_ready(dir, &mut WaitSlot::Poll, cx, self.reactor.waiter_count());
        if r.is_pending() {
            set_wait_reason(WaitReason::IoWait);
        }
        r
    }

    /// Forgets readiness observed in `ev` (the syscall said `EWOULDBLOCK`).
    #[inline]
    pub(crate) fn clear(&self, ev: ReadyEvent) {
        self.pd.clear_readiness(ev);
    }

    /// Runs `f` once `dir` is ready, re-parking on `EWOULDBLOCK` (the `poll_*` path).
    #[inline]
    pub(crate) fn poll_io<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_inner(dir, cx, f, |_| false)
    }

    /// [`poll_io`](Source::poll_io) for a byte stream moving `len` bytes: a transfer that
    /// comes back short (`0 < n < len`) drained the receive buffer or filled the send buffer,
    /// so readiness is forgotten at once and the next operation parks without the syscall
    /// that would say `EWOULDBLOCK` (tokio's rule). Only where the poller reports exact
    /// hang-ups: a FIN that came with the last bytes stays visible (see poll_desc.rs).
    #[inline]
    pub(crate) fn poll_stream_io(
        &self,
        dir: Direction,
        len: usize,
        cx: &mut Context<'_>,
        f: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let exact = self.reactor.reports_hangups();
        self.poll_io_inner(dir, cx, f, |&n| exact && n > 0 && n < len)
    }

    #[inline]
    fn poll_io_inner<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut f: impl FnMut() -> io::Result<R>,
        short: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        ready!(coop::poll_proceed(cx));
        loop {
            let ev = ready!(self.poll_ready(dir, cx))?;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear(ev),
                Ok(r) if short(&r) => {
                    self.pd.clear_after_short_transfer(ev);
                    return Poll::Ready(Ok(r));
                }
                r => return Poll::Ready(r),
            }
        }
    }

    /// Runs `f` once if `dir` is marked ready; `EWOULDBLOCK` when it is not (tokio's
    /// `try_io`).
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        // A keyed slot never stores the no-op waker when ready; when not ready remove it.
        let mut slot = WaitSlot::Keyed(None);
        let r = self
            .pd
            .poll_ready(dir, &mut slot, &mut cx, self.reactor.waiter_count());
        self.pd.remove_slot(dir, slot, self.reactor.waiter_count());
        match r {
            Poll::Ready(Ok(ev)) => match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.clear(ev);
                    Err(e)
                }
                r => r,
            },
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    /// A future that resolves when `dir` is ready; many may wait at once.
    pub(crate) fn ready(&self, dir: Direction) -> Readiness<'_> {
        Readiness {
            src: self,
            dir,
            slot: WaitSlot::Keyed(None),
        }
    }

    /// Runs `f` until it does not say `EWOULDBLOCK`, waiting for `dir` in between (the async
    /// path used by `accept`, `recv_from`, `read_with`...).
    pub(crate) async fn io<R>(
        &self,
        dir: Direction,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let ev = self.ready(dir).await?;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear(ev),
                r => return r,
            }
        }
    }
}

/// Waits until a direction of a source is ready (keyed waiter slot, removed on drop).
#[derive(Debug)]
pub(crate) struct Readiness<'a> {
    src: &'a Source,
    dir: Direction,
    slot: WaitSlot,
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let r = this.src.pd.poll_ready(
            this.dir,
            &mut this.slot,
            cx,
            this.src.reactor.waiter_count(),
        );
        if r.is_pending() {
            set_wait_reason(WaitReason::IoWait);
        }
        r
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if let WaitSlot::Keyed(Some(_)) = self.slot {
            self.src
                .pd
                .remove_slot(self.dir, self.slot, self.src.reactor.waiter_count());
        }
    }
}
