//! A plain `recv().await` / `send(v).await`: a one-case select with Go's fast path
//! (`runtime/chan.go: chansend, chanrecv` with `block == true`).
//!
//! First poll: spend one unit of the cooperative budget, lock, try the case (direct handoff,
//! ring, close), otherwise queue the sudog, store the waker and park (`WAITING`) before
//! unlocking. Later polls only read the token: `DONE` means a peer finished the case (a value
//! is in the slot, or `success == false` for close) and the result is taken without the lock.
//!
//! # Invariants
//!
//! - The token's state changes only under the one channel lock (peers claim under it, the
//!   owner parks under it), so the owner, holding the lock, sees it stable.
//! - The owner never reads the waker cell while `WAITING` without the lock; it remembers the
//!   identity of the last waker it stored in `waker_id` instead.
//! - `Drop` leaves nothing behind: a queued sudog is unlinked; a receive a peer finished but
//!   the owner never took is given back to the channel ([`ChanCase::abandon_done`]).

use crate::case::{CaseOutput, ChanCase};
use crate::token::{Begin, Token};
use gorust_hooks::wait::{WaitReason, set_wait_reason};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Not polled yet, or reset for reuse.
const INIT: u8 = 0;
/// Queued and parked.
const WAITING: u8 = 1;
/// Finished and the result taken.
const DONE: u8 = 2;

/// One channel operation driven to completion; see the module docs.
pub(crate) struct Op<C: ChanCase> {
    pub(crate) case: C,
    token: Token,
    state: u8,
    waker_id: (*const (), *const ()),
    _pin: PhantomPinned,
}

// SAFETY: `waker_id` is only compared, never dereferenced; the rest is `Send` when `C` is.
unsafe impl<C: ChanCase + Send> Send for Op<C> {}
// SAFETY: `&Op` exposes nothing mutable; as above.
unsafe impl<C: ChanCase + Sync> Sync for Op<C> {}

/// The identity `Waker::will_wake` compares.
#[inline]
fn waker_id(w: &Waker) -> (*const (), *const ()) {
    (w.data(), w.vtable() as *const _ as *const ())
}

impl<C: ChanCase + CaseOutput> Op<C> {
    /// Wraps a fresh case.
    #[inline(always)]
    pub(crate) fn new(case: C) -> Op<C> {
        Op {
            case,
            token: Token::new(),
            state: INIT,
            waker_id: (std::ptr::null(), std::ptr::null()),
            _pin: PhantomPinned,
        }
    }

    /// Gives up the op for its case, which a `select!` drives with its own token.
    ///
    /// # Panics
    ///
    /// If the op was polled already.
    #[inline(always)]
    pub(crate) fn into_case(self) -> C {
        assert_eq!(
            self.state, INIT,
            "a polled channel future cannot join a select"
        );
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again; an unpolled op owns nothing but its
        // case (its token holds no waker, its `Drop` would do nothing).
        unsafe { std::ptr::read(&this.case) }
    }

    /// Makes a finished op usable again (the case must be reset by the caller).
    pub(crate) fn rearm(self: Pin<&mut Self>) {
        // SAFETY: only plain fields change; nothing is moved out of the pinned op.
        let this = unsafe { self.get_unchecked_mut() };
        debug_assert_eq!(this.state, DONE);
        this.state = INIT;
        this.token.reset();
    }

    /// Drives the operation; `reason` is what a goroutine dump shows while it waits.
    pub(crate) fn poll_op(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        reason: WaitReason,
    ) -> Poll<C::Output> {
        // SAFETY: we never move `case` or `token` (the queued sudog and the token it points
        // at stay where they are); only plain fields are written.
        let this = unsafe { self.get_unchecked_mut() };
        match this.state {
            INIT => {
                if crate::coop::proceed(cx).is_pending() {
                    return Poll::Pending;
                }
                let lock = this.case.raw_lock();
                lock.lock();
                // SAFETY: lock held; our token is BUSY so no peer touches our sudog.
                if let Some(w) = unsafe { this.case.try_now() } {
                    // SAFETY: we hold the lock we took above.
                    unsafe { lock.unlock() };
                    crate::hchan::wake(w);
                    return Poll::Ready(this.take());
                }
                // SAFETY: lock held; the token is BUSY and ours; `this` is pinned and its
                // `Drop` unlinks the sudog under this lock.
                unsafe {
                    this.token.set_waker(cx.waker());
                    this.case.enqueue(&this.token, 0, false);
                }
                this.waker_id = waker_id(cx.waker());
                this.token.park();
                // SAFETY: we hold the lock we took above.
                unsafe { lock.unlock() };
                this.state = WAITING;
                set_wait_reason(reason);
                Poll::Pending
            }
            WAITING => {
                match this.token.peek() {
                    Begin::Won { done: true, .. } => return Poll::Ready(this.take()),
                    Begin::Won { done: false, .. } => {
                        // A peer is inside the transfer; its lock hold ends with DONE.
                        let lock = this.case.raw_lock();
                        lock.lock();
                        // SAFETY: we hold the lock we just took.
                        unsafe { lock.unlock() };
                        return Poll::Ready(this.take());
                    }
                    Begin::Running => {}
                }
                if this.waker_id != waker_id(cx.waker()) {
                    let lock = this.case.raw_lock();
                    lock.lock();
                    if let Begin::Won { .. } = this.token.peek() {
                        // SAFETY: we hold the lock we just took.
                        unsafe { lock.unlock() };
                        return Poll::Ready(this.take());
                    }
                    // SAFETY: WAITING with the only channel lock held: no peer is claiming.
                    unsafe { this.token.set_waker(cx.waker()) };
                    this.waker_id = waker_id(cx.waker());
                    // SAFETY: we hold the lock we just took.
                    unsafe { lock.unlock() };
                }
                set_wait_reason(reason);
                Poll::Pending
            }
            _ => panic!("channel operation polled after completion"),
        }
    }

    /// Takes the finished result and marks the op done.
    fn take(&mut self) -> C::Output {
        self.state = DONE;
        // SAFETY: the case finished (completed by us under the lock, or DONE observed with
        // Acquire / after taking the lock) and its sudog is unlinked.
        unsafe { self.case.output() }
    }
}

impl<C> Drop for Op<C>
where
    C: ChanCase,
{
    fn drop(&mut self) {
        if self.state != WAITING {
            return;
        }
        let lock = self.case.raw_lock();
        lock.lock();
        let won = matches!(self.token.peek(), Begin::Won { .. });
        if !won {
            // SAFETY: lock held; still WAITING, so no peer can claim while we unlink.
            unsafe { self.case.unlink() };
        }
        // SAFETY: we hold the lock we just took.
        unsafe { lock.unlock() };
        if won {
            // SAFETY: DONE (a peer finishes under the lock we just held) and we hold no lock.
            unsafe { self.case.abandon_done() };
        }
    }
}
