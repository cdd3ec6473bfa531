//! Go's runtime semaphore (`runtime/sema.go: semacquire1, semrelease1`), the sleeping half of
//! `RwLock` and `WaitGroup`.
//!
//! A count of stored tokens plus a FIFO of waiters. Release binds its token to the oldest
//! waiter (Go's `s.ticket`), or stores it when nobody waits; acquire takes a stored token
//! lock-free (`cansemacquire`) or queues.
//!
//! Cancellation, which Go never has: a waiter dropped after it was handed a token gets it back
//! as `true` from [`Sema::abandon`] and must act as the owner; a waiter dropped while still
//! queued leaves a *debt*: the next token released is swallowed ([`Released::Debt`]) instead
//! of reaching another waiter, and the caller settles it (an abandoned reader unlocks, an
//! abandoned writer unlocks). So every token a primitive releases is consumed by exactly the
//! party it was meant for, as in Go.
//!
//! Invariants: `count > 0` implies the list is empty or a release is in progress under the
//! lock; the count only grows under the lock.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use gorust_hooks::wait::{WaitReason, set_wait_reason};

use crate::loom::{AtomicU32, Lock, Ordering::*};
use crate::waitlist::{Key, WaitList};

#[derive(Debug, Default)]
struct Queue {
    list: WaitList,
    debt: u32,
}

/// A counting semaphore with bound tokens (see the module docs).
#[derive(Debug)]
pub(crate) struct Sema {
    count: AtomicU32,
    q: Lock<Queue>,
}

/// What a [`Sema::release`] did with its token.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum Released {
    /// Given to a waiter or stored.
    Delivered,
    /// Swallowed by an abandoned waiter's debt: the caller completes on its behalf.
    Debt,
}

impl Sema {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Sema {
        Sema {
            count: AtomicU32::new(0),
            q: Lock::new(Queue {
                list: WaitList::new(),
                debt: 0,
            }),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Sema {
        Sema {
            count: AtomicU32::new(0),
            q: Lock::new(Queue::default()),
        }
    }

    /// Go's `cansemacquire`.
    #[inline]
    fn try_take(&self) -> bool {
        let mut v = self.count.load(Relaxed);
        while v > 0 {
            match self.count.compare_exchange_weak(v, v - 1, Acquire, Relaxed) {
                Ok(_) => return true,
                Err(cur) => v = cur,
            }
        }
        false
    }

    /// Waits for a token.
    pub(crate) fn acquire(&self, reason: WaitReason) -> SemaAcquire<'_> {
        SemaAcquire {
            sema: self,
            key: None,
            reason,
        }
    }

    /// Releases one token (Go's `semrelease`, no handoff yield).
    pub(crate) fn release(&self) -> Released {
        let mut q = self.q.lock();
        if q.debt > 0 {
            q.debt -= 1;
            return Released::Debt;
        }
        match q.list.notify_front(1) {
            Some(waker) => {
                drop(q);
                waker.wake();
            }
            None => {
                if q.list.is_empty() {
                    self.count.fetch_add(1, Release);
                }
            }
        }
        Released::Delivered
    }

    /// Removes a waiter; `true` if it had already been handed a token (now the caller's).
    fn abandon(&self, key: Key) -> bool {
        let mut q = self.q.lock();
        match q.list.remove(key) {
            Some(_) => true,
            None => {
                q.debt += 1;
                false
            }
        }
    }
}

/// The future of [`Sema::acquire`]; `Ready` once it owns a token.
///
/// Dropped while queued it leaves a debt; dropped after being handed a token it reports
/// through [`SemaAcquire::cancel`] so the owner can settle.
#[derive(Debug)]
pub(crate) struct SemaAcquire<'a> {
    sema: &'a Sema,
    key: Option<Key>,
    reason: WaitReason,
}

impl SemaAcquire<'_> {
    /// Gives up. Returns `true` if a token had already been handed over (the caller owns it
    /// now), `false` if a debt was left (a later release is swallowed, returning
    /// [`Released::Debt`]) or nothing was queued yet.
    pub(crate) fn cancel(&mut self) -> Option<bool> {
        self.key.take().map(|k| self.sema.abandon(k))
    }
}

impl Future for SemaAcquire<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let sema = this.sema;
        match this.key {
            None => {
                if sema.try_take() {
                    return Poll::Ready(());
                }
                let mut q = sema.q.lock();
                if sema.try_take() {
                    return Poll::Ready(());
                }
                this.key = Some(q.list.push_back(cx.waker(), 0));
            }
            Some(key) => {
                let mut q = sema.q.lock();
                if q.list.token(key).is_some() {
                    q.list.remove(key);
                    this.key = None;
                    // The releaser's unlock of `q` published its writes to us.
                    return Poll::Ready(());
                }
                q.list.register(key, cx.waker());
            }
        }
        set_wait_reason(this.reason);
        Poll::Pending
    }
}

impl Drop for SemaAcquire<'_> {
    fn drop(&mut self) {
        debug_assert!(self.key.is_none(), "SemaAcquire dropped without cancel()");
    }
}
