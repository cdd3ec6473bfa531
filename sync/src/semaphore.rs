//! `Semaphore`: `golang.org/x/sync/semaphore.Weighted` (`Acquire, TryAcquire, Release,
//! notifyWaiters`), a weighted counting semaphore with strict FIFO service.
//!
//! `cur` counts held units out of `size`. A request is granted at once only when it fits *and
//! no one is queued*; otherwise it queues with its weight. Release (and a cancelled waiter that
//! was at the head) serves waiters from the head while the head fits, and stops at the first
//! that does not: a large request is never starved by a stream of small ones (x/sync's
//! comment: "don't make other Acquire calls block on one that's doomed to fail" is why the
//! head is not skipped).
//!
//! A request larger than `size` can never be served. As in Go it waits forever (combine it
//! with `context`'s `done()` in a `select!`), and it does not block the queue.
//!
//! Invariants (under the lock): `cur <= size`; waiters are served in queue order; a waiter is
//! notified only after its units were added to `cur`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use gorust_hooks::wait::{WaitReason, set_wait_reason};

use crate::loom::Lock;
use crate::waitlist::{Key, WaitList};

#[derive(Debug)]
struct State {
    cur: u64,
    list: WaitList,
}

/// A weighted semaphore of `size` units with FIFO service (x/sync's `semaphore.Weighted`).
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let sem = gorust_sync::Semaphore::new(3);
/// let a = sem.acquire(2).await;
/// assert!(sem.try_acquire(2).is_none());
/// let b = sem.try_acquire(1).unwrap();
/// drop((a, b));
/// assert!(sem.try_acquire(3).is_some());
/// # });
/// ```
pub struct Semaphore {
    size: u64,
    state: Lock<State>,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("Semaphore")
            .field("size", &self.size)
            .field("held", &s.cur)
            .field("waiters", &s.list.len())
            .finish()
    }
}

impl Semaphore {
    /// Creates a semaphore with `size` units, all free.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = gorust_sync::Semaphore::new(1);
    /// assert_eq!(sem.size(), 1);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(size: u64) -> Semaphore {
        Semaphore {
            size,
            state: Lock::new(State {
                cur: 0,
                list: WaitList::new(),
            }),
        }
    }

    /// Creates a semaphore with `size` units, all free.
    #[cfg(loom)]
    pub fn new(size: u64) -> Semaphore {
        Semaphore {
            size,
            state: Lock::new(State {
                cur: 0,
                list: WaitList::new(),
            }),
        }
    }

    /// The total number of units.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gorust_sync::Semaphore::new(4).size(), 4);
    /// ```
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Acquires `n` units, waiting in FIFO order. The returned permit releases them on drop
    /// (or call [`SemaphorePermit::forget`] and [`Semaphore::release`] later, Go-style).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = gorust_sync::Semaphore::new(2);
    /// let p = sem.acquire(2).await;
    /// assert_eq!(p.units(), 2);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place; units granted to it in the meantime are
    /// returned and passed on to the next waiters.
    pub fn acquire(&self, n: u64) -> Acquire<'_> {
        Acquire {
            sem: self,
            n,
            key: None,
        }
    }

    /// Acquires `n` units, blocking the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = gorust_sync::Semaphore::new(1);
    /// let _p = sem.acquire_blocking(1);
    /// ```
    ///
    /// # Panics
    ///
    /// Never itself; waits forever if `n > size` (as Go's `Acquire` without a deadline).
    pub fn acquire_blocking(&self, n: u64) -> SemaphorePermit<'_> {
        crate::block::block_on(self.acquire(n))
    }

    /// Acquires `n` units if they are free and nobody is queued; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = gorust_sync::Semaphore::new(1);
    /// let p = sem.try_acquire(1);
    /// assert!(p.is_some());
    /// assert!(sem.try_acquire(1).is_none());
    /// ```
    pub fn try_acquire(&self, n: u64) -> Option<SemaphorePermit<'_>> {
        let mut s = self.state.lock();
        if self.size - s.cur >= n && s.list.is_empty() {
            s.cur += n;
            Some(SemaphorePermit { sem: self, n })
        } else {
            None
        }
    }

    /// Returns `n` units (Go's `Release`), serving queued waiters that now fit.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = gorust_sync::Semaphore::new(1);
    /// sem.try_acquire(1).unwrap().forget();
    /// sem.release(1);
    /// assert!(sem.try_acquire(1).is_some());
    /// ```
    ///
    /// # Panics
    ///
    /// "semaphore: released more than held" if more units are released than are held.
    pub fn release(&self, n: u64) {
        let mut s = self.state.lock();
        if s.cur < n {
            drop(s);
            panic!("semaphore: released more than held");
        }
        s.cur -= n;
        let mut wake = Vec::new();
        self.notify_waiters(&mut s, &mut wake);
        drop(s);
        wake.into_iter().for_each(Waker::wake);
    }

    /// x/sync's `notifyWaiters`: grant from the head while the head fits.
    fn notify_waiters(&self, s: &mut State, wake: &mut Vec<Waker>) {
        while let Some(head) = s.list.front() {
            let n = s.list.val(head);
            if self.size - s.cur < n {
                break;
            }
            s.cur += n;
            wake.extend(s.list.notify(head, 1));
        }
    }
}

/// The future returned by [`Semaphore::acquire`].
///
/// # Cancel safety
///
/// See [`Semaphore::acquire`].
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    n: u64,
    key: Option<Key>,
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("n", &self.n)
            .field("queued", &self.key.is_some())
            .finish()
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = self.get_mut();
        let sem = this.sem;
        if this.key.is_none() && crate::coop::proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let mut s = sem.state.lock();
        match this.key {
            None => {
                if sem.size - s.cur >= this.n && s.list.is_empty() {
                    s.cur += this.n;
                    return Poll::Ready(SemaphorePermit { sem, n: this.n });
                }
                if this.n > sem.size {
                    // Doomed (Go waits on ctx.Done only): never queue, never wake.
                    drop(s);
                    set_wait_reason(WaitReason::SemAcquire);
                    return Poll::Pending;
                }
                this.key = Some(s.list.push_back(cx.waker(), this.n));
            }
            Some(key) => {
                if s.list.token(key).is_some() {
                    s.list.remove(key);
                    this.key = None;
                    return Poll::Ready(SemaphorePermit { sem, n: this.n });
                }
                s.list.register(key, cx.waker());
            }
        }
        drop(s);
        set_wait_reason(WaitReason::SemAcquire);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut s = self.sem.state.lock();
        let was_front = s.list.front() == Some(key);
        let granted = s.list.remove(key).is_some();
        let mut wake = Vec::new();
        if granted {
            // Acquired after we were cancelled: pretend we didn't (x/sync does the same).
            s.cur -= self.n;
            self.sem.notify_waiters(&mut s, &mut wake);
        } else if was_front && self.sem.size > s.cur {
            // The head left: the next ones may fit now.
            self.sem.notify_waiters(&mut s, &mut wake);
        }
        drop(s);
        wake.into_iter().for_each(Waker::wake);
    }
}

/// `n` units of a [`Semaphore`], returned on drop.
///
/// # Examples
///
/// ```
/// let sem = gorust_sync::Semaphore::new(2);
/// {
///     let _p = sem.try_acquire(2).unwrap();
///     assert!(sem.try_acquire(1).is_none());
/// }
/// assert!(sem.try_acquire(1).is_some());
/// ```
#[must_use = "dropping a permit releases its units at once"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    n: u64,
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("units", &self.n)
            .finish()
    }
}

impl SemaphorePermit<'_> {
    /// The number of units held.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = gorust_sync::Semaphore::new(5);
    /// assert_eq!(sem.try_acquire(3).unwrap().units(), 3);
    /// ```
    pub fn units(&self) -> u64 {
        self.n
    }

    /// Keeps the units held without a permit (release them with [`Semaphore::release`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = gorust_sync::Semaphore::new(1);
    /// sem.try_acquire(1).unwrap().forget();
    /// assert!(sem.try_acquire(1).is_none());
    /// sem.release(1);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sem.release(self.n);
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::Semaphore;
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicU64, Ordering};
    use loom::thread;

    #[test]
    fn bounded_and_fifo_weights() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(2));
            let inside = Arc::new(AtomicU64::new(0));
            let hs: Vec<_> = [1u64, 2]
                .into_iter()
                .map(|w| {
                    let (sem, inside) = (sem.clone(), inside.clone());
                    thread::spawn(move || {
                        let p = loom::future::block_on(sem.acquire(w));
                        let now = inside.fetch_add(w, Ordering::SeqCst) + w;
                        assert!(now <= 2);
                        inside.fetch_sub(w, Ordering::SeqCst);
                        drop(p);
                    })
                })
                .collect();
            let p = loom::future::block_on(sem.acquire(1));
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(now <= 2);
            inside.fetch_sub(1, Ordering::SeqCst);
            drop(p);
            for h in hs {
                h.join().unwrap();
            }
            assert!(sem.try_acquire(2).is_some());
        });
    }
}
