//! One channel operation as a select case: a sudog plus the channel it waits on, with the
//! steps `runtime/select.go: selectgo` runs per case (pass 1 try, pass 2 enqueue, pass 3
//! dequeue) and the cancellation step Go never needs (give a committed value back).
//!
//! [`RecvCase`] and [`SendCase`] are the two shapes; a plain `recv().await` is a one-case
//! select over one of them (see `op.rs`), and `select!` drives several through the
//! type-erased [`ChanCase`] trait.
//!
//! Invariants: `try_now`, `enqueue` and `unlink` run with the channel lock held; the result of
//! a finished case (slot, `success`) is read by the owner only after it completed the case
//! itself or observed `DONE` (Acquire).

use crate::error::SendError;
use crate::hchan::{Chan, Recvd, Sent};
use crate::lock::RawLock;
use crate::token::Token;
use crate::waitq::Sudog;
use std::ptr::NonNull;
use std::task::Waker;

/// A channel operation seen by a select: the per-case steps of `selectgo`.
pub(crate) trait ChanCase {
    /// The lock of the case's channel (also its sort key).
    fn raw_lock(&self) -> &RawLock;

    /// Pass 1: completes the case now if it can, without queueing. `Some(w)` when it
    /// completed (the slot and `success` are final), with the peer to wake after unlocking.
    ///
    /// # Safety
    ///
    /// The channel lock is held; the case's sudog is not claimed by a peer (the owner's token
    /// is `BUSY`).
    unsafe fn try_now(&self) -> Option<Option<Waker>>;

    /// Pass 2: queues the sudog for `token`'s case `case` (no-op if queued); `shared` when
    /// the token belongs to a select.
    ///
    /// # Safety
    ///
    /// The channel lock is held; the case is pinned and unlinks itself before it is freed; a
    /// token that is not `shared` changes state only under this channel's lock.
    unsafe fn enqueue(&self, token: *const Token, case: usize, shared: bool);

    /// Pass 3: unlinks the sudog if it is queued.
    ///
    /// # Safety
    ///
    /// The channel lock is held.
    unsafe fn unlink(&self);

    /// The owner goes away with this case `DONE` and its result not taken: give a received
    /// value back to the channel (a finished send stays delivered). Takes the lock itself.
    ///
    /// # Safety
    ///
    /// The owner observed `DONE` for this case (or completed it) and holds no channel lock.
    unsafe fn abandon_done(&self);
}

/// How a finished case turns into the value the user sees.
pub(crate) trait CaseOutput {
    /// `Option<T>` for a receive, `Result<(), SendError<T>>` for a send.
    type Output;

    /// Takes the result.
    ///
    /// # Safety
    ///
    /// The case is finished and its sudog unlinked, observed as in [`ChanCase::abandon_done`].
    unsafe fn output(&self) -> Self::Output;
}

/// A receive case (`v, ok := <-c`).
#[doc(hidden)]
pub struct RecvCase<T> {
    chan: NonNull<Chan<T>>,
    node: Sudog<T>,
}

/// A send case (`c <- v`); the value waits in the sudog's slot.
#[doc(hidden)]
pub struct SendCase<T> {
    chan: NonNull<Chan<T>>,
    node: Sudog<T>,
}

// SAFETY: the channel pointer is to a `Chan<T>: Sync` kept alive by the owning handle borrow;
// the sudog is `Send + Sync` for `T: Send`.
unsafe impl<T: Send> Send for RecvCase<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for RecvCase<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for SendCase<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for SendCase<T> {}

impl<T> std::fmt::Debug for RecvCase<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecvCase")
    }
}

impl<T> std::fmt::Debug for SendCase<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SendCase")
    }
}

impl<T> RecvCase<T> {
    /// A receive on `chan`, which must outlive the case.
    #[inline(always)]
    pub(crate) fn new(chan: &Chan<T>) -> RecvCase<T> {
        RecvCase {
            chan: NonNull::from(chan),
            node: Sudog::new(None),
        }
    }

    #[inline]
    fn chan(&self) -> &Chan<T> {
        // SAFETY: the handle that made this case keeps the channel alive (see `new`).
        unsafe { self.chan.as_ref() }
    }

    /// Makes a finished, taken case ready for another receive.
    ///
    /// # Safety
    ///
    /// The sudog is not queued.
    pub(crate) unsafe fn reset(&self) {
        // SAFETY: unqueued, so ours (contract).
        unsafe {
            *self.node.slot() = None;
            self.node.set_success(false);
        }
    }
}

impl<T> SendCase<T> {
    /// A send of `v` on `chan`, which must outlive the case.
    #[inline(always)]
    pub(crate) fn new(chan: &Chan<T>, v: T) -> SendCase<T> {
        SendCase {
            chan: NonNull::from(chan),
            node: Sudog::new(Some(v)),
        }
    }

    #[inline]
    fn chan(&self) -> &Chan<T> {
        // SAFETY: the handle that made this case keeps the channel alive (see `new`).
        unsafe { self.chan.as_ref() }
    }
}

impl<T> ChanCase for RecvCase<T> {
    #[inline]
    fn raw_lock(&self) -> &RawLock {
        self.chan().raw_lock()
    }

    #[inline]
    unsafe fn try_now(&self) -> Option<Option<Waker>> {
        let chan = self.chan();
        // SAFETY: the lock is held (contract); our sudog is not claimable while we run.
        unsafe {
            match chan.inner().recv_now(chan.cap()) {
                Recvd::Value(v, w) => {
                    *self.node.slot() = Some(v);
                    self.node.set_success(true);
                    Some(w)
                }
                Recvd::Closed => {
                    self.node.set_success(false);
                    Some(None)
                }
                Recvd::Empty => None,
            }
        }
    }

    #[inline]
    unsafe fn enqueue(&self, token: *const Token, case: usize, shared: bool) {
        // SAFETY: the lock is held and the case is pinned (contract).
        unsafe {
            self.chan()
                .inner()
                .recvq
                .push_back(&self.node, token, case, shared)
        }
    }

    #[inline]
    unsafe fn unlink(&self) {
        // SAFETY: the lock is held (contract); a receive sudog only ever sits on `recvq`.
        unsafe { self.chan().inner().recvq.remove(&self.node) }
    }

    unsafe fn abandon_done(&self) {
        // SAFETY: the case is finished and ours (contract).
        let v = unsafe {
            if !self.node.success() {
                return;
            }
            self.node.slot().take()
        };
        if let Some(v) = v {
            self.chan().reinject(v);
        }
    }
}

impl<T> CaseOutput for RecvCase<T> {
    type Output = Option<T>;

    #[inline]
    unsafe fn output(&self) -> Option<T> {
        // SAFETY: finished and ours (contract).
        unsafe { self.node.slot().take() }
    }
}

impl<T> ChanCase for SendCase<T> {
    #[inline]
    fn raw_lock(&self) -> &RawLock {
        self.chan().raw_lock()
    }

    #[inline]
    unsafe fn try_now(&self) -> Option<Option<Waker>> {
        let chan = self.chan();
        // SAFETY: the lock is held (contract); our sudog is not claimable while we run.
        unsafe {
            let Some(v) = self.node.slot().take() else {
                // Already finished (the value left earlier): nothing more to send.
                return Some(None);
            };
            match chan.inner().send_now(chan.cap(), v) {
                Sent::Done(w) => {
                    self.node.set_success(true);
                    Some(w)
                }
                Sent::Closed(v) => {
                    *self.node.slot() = Some(v);
                    self.node.set_success(false);
                    Some(None)
                }
                Sent::Full(v) => {
                    *self.node.slot() = Some(v);
                    None
                }
            }
        }
    }

    #[inline]
    unsafe fn enqueue(&self, token: *const Token, case: usize, shared: bool) {
        // SAFETY: the lock is held and the case is pinned (contract).
        unsafe {
            self.chan()
                .inner()
                .sendq
                .push_back(&self.node, token, case, shared)
        }
    }

    #[inline]
    unsafe fn unlink(&self) {
        // SAFETY: the lock is held (contract); a send sudog only ever sits on `sendq`.
        unsafe { self.chan().inner().sendq.remove(&self.node) }
    }

    unsafe fn abandon_done(&self) {
        // A committed send was delivered exactly once; a failed one keeps its value in the
        // slot, which drops with the case.
    }
}

impl<T> CaseOutput for SendCase<T> {
    type Output = Result<(), SendError<T>>;

    #[inline]
    unsafe fn output(&self) -> Result<(), SendError<T>> {
        // SAFETY: finished and ours (contract).
        unsafe {
            if self.node.success() {
                Ok(())
            } else {
                Err(SendError(
                    self.node
                        .slot()
                        .take()
                        .expect("failed send without its value"),
                ))
            }
        }
    }
}
