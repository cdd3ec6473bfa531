//! The channel object (Go's `hchan`) and the operations that run under its lock:
//! `runtime/chan.go: makechan, chansend, chanrecv, send, recv, closechan`.
//!
//! One [`RawLock`] guards a ring of `cap` slots (a `VecDeque` reserved up front, as
//! `makechan` allocates `buf`), the FIFO `recvq` and `sendq` of sudogs, and the closed flags.
//!
//! # Invariants (Go's, adjusted for cancellation)
//!
//! - A claimable (`WAITING`) receiver is queued only while the ring is empty, and a claimable
//!   sender only while the ring is full (`len >= cap`). Owners that are `BUSY` may sit on a
//!   queue against this rule: they re-check under the lock before they park.
//! - `len <= cap`, except that a receive committed to a future that was then dropped puts its
//!   value back at the head (see [`Inner::reinject`]); the ring may then hold `cap + k`
//!   values for the `k` such receives, and receivers always drain the ring first. On `cap ==
//!   0` this is the only way the ring is ever non-empty.
//! - Wakers are never called under the lock: every operation returns the wakers to wake and
//!   the caller wakes them after unlocking (Go readies goroutines after `unlock(&c.lock)`).
//! - Values are never dropped under the lock either (a `T::drop` may touch the channel).

use crate::lock::RawLock;
use crate::loom::{AtomicBool, AtomicUsize, Ordering};
use crate::waitq::WaitQ;
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::task::Waker;

/// The shared channel; see the module docs.
pub(crate) struct Chan<T> {
    lock: RawLock,
    inner: UnsafeCell<Inner<T>>,
    cap: usize,
    /// Mirror of `Inner::closed`, written under the lock, read without it.
    closed: AtomicBool,
    /// Live `Sender` handles; the last one to go closes the channel.
    pub(crate) senders: AtomicUsize,
    /// Live `Receiver` handles; the last one to go makes sends fail.
    pub(crate) receivers: AtomicUsize,
}

// SAFETY: `inner` is only touched under `lock`; the values it holds are `T: Send`.
unsafe impl<T: Send> Send for Chan<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Chan<T> {}

/// The state under the lock.
pub(crate) struct Inner<T> {
    pub(crate) buf: VecDeque<T>,
    pub(crate) recvq: WaitQ<T>,
    pub(crate) sendq: WaitQ<T>,
    pub(crate) closed: bool,
    /// Every `Receiver` is gone: sends fail and give their value back.
    pub(crate) rx_gone: bool,
}

/// Outcome of a receive attempt under the lock.
pub(crate) enum Recvd<T> {
    /// Got a value; wake the sender whose value moved, if any.
    Value(T, Option<Waker>),
    /// Closed and drained.
    Closed,
    /// Nothing to take.
    Empty,
}

/// Outcome of a send attempt under the lock.
pub(crate) enum Sent<T> {
    /// Delivered (to a receiver or the ring); wake that receiver, if any.
    Done(Option<Waker>),
    /// Closed, or no receiver is left: the value comes back.
    Closed(T),
    /// No room and no receiver waiting: the value comes back.
    Full(T),
}

/// Why a channel could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooBig;

impl<T> Chan<T> {
    /// `makechan`: reserves the whole ring now, or reports that it cannot be allocated.
    pub(crate) fn new(cap: usize) -> Result<Chan<T>, TooBig> {
        let mut buf = VecDeque::new();
        buf.try_reserve_exact(cap).map_err(|_| TooBig)?;
        Ok(Chan {
            lock: RawLock::new(),
            inner: UnsafeCell::new(Inner {
                buf,
                recvq: WaitQ::new(),
                sendq: WaitQ::new(),
                closed: false,
                rx_gone: false,
            }),
            cap,
            closed: AtomicBool::new(false),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
        })
    }

    /// The ring size given to `make`.
    #[inline]
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// The channel lock.
    #[inline]
    pub(crate) fn raw_lock(&self) -> &RawLock {
        &self.lock
    }

    /// Takes the lock; the guard gives the state and unlocks on drop.
    #[inline]
    pub(crate) fn locked(&self) -> Locked<'_, T> {
        self.lock.lock();
        Locked { chan: self }
    }

    /// The state under the lock.
    ///
    /// # Safety
    ///
    /// The caller holds the lock and no other reference to the state is live.
    #[allow(clippy::mut_from_ref)]
    #[inline]
    pub(crate) unsafe fn inner(&self) -> &mut Inner<T> {
        // SAFETY: exclusive under the lock (contract).
        unsafe { &mut *self.inner.get() }
    }

    /// Whether `close` ran (explicitly or by the last sender leaving).
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// `closechan`: marks the channel closed and wakes every waiter. Returns false if it was
    /// closed already.
    pub(crate) fn close(&self) -> bool {
        let mut g = self.locked();
        if g.closed {
            return false;
        }
        g.closed = true;
        self.closed.store(true, Ordering::Release);
        let wakers = g.fail_all_waiters();
        drop(g);
        wakers.into_iter().for_each(Waker::wake);
        true
    }

    /// The last receiver left: fail parked and future sends, drop what the ring holds.
    pub(crate) fn receivers_gone(&self) {
        let mut g = self.locked();
        g.rx_gone = true;
        let drained = std::mem::take(&mut g.buf);
        let wakers = g.fail_all_waiters();
        drop(g);
        wakers.into_iter().for_each(Waker::wake);
        drop(drained);
    }

    /// Puts back a value that a dropped receive had been given (see [`Inner::reinject`]).
    pub(crate) fn reinject(&self, v: T) {
        REINJECTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut g = self.locked();
        let w = g.reinject(v);
        drop(g);
        wake(w);
    }
}

/// How many committed receives were given back by a dropped future, process-wide (a test
/// statistic: the cancel-safety stress checks that it exercised this path).
pub(crate) static REINJECTED: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// Wakes `w` if there is one.
#[inline]
pub(crate) fn wake(w: Option<Waker>) {
    if let Some(w) = w {
        w.wake();
    }
}

impl<T> Inner<T> {
    /// The receive step of `chanrecv` / `selectgo` pass 1: the ring's head (refilled from a
    /// parked sender, Go's `recv` on a full buffer), else a parked sender's value directly,
    /// else closed, else nothing.
    pub(crate) fn recv_now(&mut self, cap: usize) -> Recvd<T> {
        if let Some(v) = self.buf.pop_front() {
            let mut w = None;
            if self.buf.len() < cap {
                // SAFETY: we hold the lock (this is a method of the locked state).
                if let Some(s) = unsafe { self.sendq.dequeue() } {
                    // SAFETY: `s` is claimed by us under the lock.
                    unsafe {
                        if let Some(sv) = s.slot().take() {
                            self.buf.push_back(sv);
                        }
                        w = s.finish(true);
                    }
                }
            }
            return Recvd::Value(v, w);
        }
        // SAFETY: we hold the lock.
        if let Some(s) = unsafe { self.sendq.dequeue() } {
            // SAFETY: `s` is claimed by us under the lock; a queued sender always has a value.
            unsafe {
                let v = s.slot().take().expect("queued sender without a value");
                let w = s.finish(true);
                return Recvd::Value(v, w);
            }
        }
        if self.closed {
            Recvd::Closed
        } else {
            Recvd::Empty
        }
    }

    /// The send step of `chansend` / `selectgo` pass 1: fail on closed, else hand straight to
    /// a parked receiver (Go's `send` into its sudog), else the ring, else full.
    pub(crate) fn send_now(&mut self, cap: usize, v: T) -> Sent<T> {
        if self.closed || self.rx_gone {
            return Sent::Closed(v);
        }
        // SAFETY: we hold the lock.
        if let Some(r) = unsafe { self.recvq.dequeue() } {
            // SAFETY: `r` is claimed by us under the lock.
            unsafe {
                *r.slot() = Some(v);
                return Sent::Done(r.finish(true));
            }
        }
        if self.buf.len() < cap {
            self.buf.push_back(v);
            return Sent::Done(None);
        }
        Sent::Full(v)
    }

    /// `closechan`'s loop: completes every claimable waiter with `success = false` (senders
    /// keep their value in their slot, so it goes back to the caller).
    fn fail_all_waiters(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::new();
        for q in [&mut self.recvq, &mut self.sendq] {
            // SAFETY: we hold the lock; each dequeued sudog is claimed by us.
            while let Some(s) = unsafe { q.dequeue() } {
                // SAFETY: as above.
                if let Some(w) = unsafe { s.finish(false) } {
                    wakers.push(w);
                }
            }
        }
        wakers
    }

    /// Puts back the value of a receive that was committed and then dropped: straight to the
    /// next claimable receiver if the ring is empty, else at the head of the ring (which may
    /// then exceed `cap` by one). Returns the receiver to wake.
    pub(crate) fn reinject(&mut self, v: T) -> Option<Waker> {
        if self.buf.is_empty() {
            // SAFETY: we hold the lock.
            if let Some(r) = unsafe { self.recvq.dequeue() } {
                // SAFETY: `r` is claimed by us under the lock.
                unsafe {
                    *r.slot() = Some(v);
                    return r.finish(true);
                }
            }
        }
        self.buf.push_front(v);
        None
    }
}

/// The lock held, with the state; unlocks on drop.
pub(crate) struct Locked<'a, T> {
    chan: &'a Chan<T>,
}

impl<T> std::ops::Deref for Locked<'_, T> {
    type Target = Inner<T>;
    fn deref(&self) -> &Inner<T> {
        // SAFETY: the guard holds the lock; `&self` prevents a live `&mut` from this guard.
        unsafe { &*self.chan.inner.get() }
    }
}

impl<T> std::ops::DerefMut for Locked<'_, T> {
    fn deref_mut(&mut self) -> &mut Inner<T> {
        // SAFETY: the guard holds the lock and `&mut self` makes this the only reference.
        unsafe { &mut *self.chan.inner.get() }
    }
}

impl<T> Drop for Locked<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard took the lock in `Chan::locked`.
        unsafe { self.chan.lock.unlock() }
    }
}
