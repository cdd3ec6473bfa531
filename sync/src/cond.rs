//! `Cond`: Go's `sync.Cond` (`src/sync/cond.go: Wait, Signal, Broadcast`, the runtime's
//! `notifyList`).
//!
//! `wait(guard)` enqueues the waiter *before* unlocking (Go takes its ticket with
//! `notifyListAdd` before `L.Unlock()`), so a `signal` issued right after the unlock is never
//! missed. `signal` wakes the oldest waiter, `broadcast` all of them; both may be called with
//! or without the mutex held. There are no spurious wake-ups: `wait` returns only after a
//! `signal`/`broadcast` chose it (and it re-acquired the mutex).
//!
//! What Go checks at run time is a type error here: `wait` takes the `MutexGuard`, so waiting
//! without the lock cannot be written. Using one `Cond` with two different mutexes panics (as
//! std's `Condvar` does); Go leaves it undefined.
//!
//! Cancellation: a wait dropped after a `signal` chose it passes the signal on to the next
//! waiter, so no signal is lost (tokio's `Notify` does the same). The guard it consumed is
//! gone either way: the mutex is unlocked.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::task::{Context, Poll, Waker};

use gorust_hooks::wait::{WaitReason, set_wait_reason};

use crate::loom::Lock;
use crate::mutex::{Mutex, MutexGuard, MutexLock};
use crate::waitlist::{Key, WaitList};

/// A condition variable over a [`Mutex`] (Go's `sync.Cond`).
///
/// Waiting without holding the lock does not compile (Go panics at run time at best):
///
/// ```compile_fail
/// let (m, c) = (gorust_sync::Mutex::new(()), gorust_sync::Cond::new());
/// let _ = c.wait(&m); // a `&Mutex` is not a `MutexGuard`
/// ```
///
/// # Examples
///
/// ```
/// use gorust_sync::{Cond, Mutex};
/// use std::sync::Arc;
///
/// let pair = Arc::new((Mutex::new(false), Cond::new()));
/// let p2 = pair.clone();
/// std::thread::spawn(move || {
///     *p2.0.lock_blocking() = true;
///     p2.1.signal();
/// });
/// futures::executor::block_on(async {
///     let (m, c) = &*pair;
///     let mut ready = m.lock().await;
///     while !*ready {
///         ready = c.wait(ready).await;
///     }
/// });
/// ```
pub struct Cond {
    list: Lock<WaitList>,
    /// Address of the mutex this cond is used with (0 until the first wait).
    mutex: AtomicUsize,
}

impl fmt::Debug for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cond")
            .field("waiters", &self.list.lock().len())
            .finish()
    }
}

impl Default for Cond {
    fn default() -> Self {
        Cond::new()
    }
}

impl Cond {
    /// Creates a condition variable with no waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = gorust_sync::Cond::new();
    /// c.signal(); // no waiter: nothing happens
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Cond {
        Cond {
            list: Lock::new(WaitList::new()),
            mutex: AtomicUsize::new(0),
        }
    }

    /// Creates a condition variable with no waiters.
    #[cfg(loom)]
    pub fn new() -> Cond {
        Cond {
            list: Lock::new(WaitList::new()),
            mutex: AtomicUsize::new(0),
        }
    }

    /// Atomically unlocks the guard's mutex and waits for a signal; re-locks before returning.
    ///
    /// # Examples
    ///
    /// See [`Cond`].
    ///
    /// # Panics
    ///
    /// If this `Cond` was used with a different mutex before.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future releases the mutex (if it held the guard) and passes on a signal it
    /// had already received.
    pub fn wait<'a, T>(&'a self, guard: MutexGuard<'a, T>) -> CondWait<'a, T> {
        let m = MutexGuard::mutex(&guard) as *const Mutex<T> as usize;
        match self.mutex.compare_exchange(0, m, Relaxed, Relaxed) {
            Ok(_) => {}
            Err(prev) => assert_eq!(prev, m, "sync: Cond used with two different mutexes"),
        }
        CondWait {
            cond: self,
            stage: Stage::Start(guard),
        }
    }

    /// Blocking [`wait`](Cond::wait) for plain threads.
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_sync::{Cond, Mutex};
    /// use std::sync::Arc;
    /// let pair = Arc::new((Mutex::new(0), Cond::new()));
    /// let p = pair.clone();
    /// let t = std::thread::spawn(move || {
    ///     let mut g = p.0.lock_blocking();
    ///     while *g == 0 {
    ///         g = p.1.wait_blocking(g);
    ///     }
    /// });
    /// *pair.0.lock_blocking() = 1;
    /// pair.1.broadcast();
    /// t.join().unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// As [`wait`](Cond::wait).
    pub fn wait_blocking<'a, T>(&'a self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        crate::block::block_on(self.wait(guard))
    }

    /// Wakes the longest-waiting waiter, if any (Go's `Signal`).
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_sync::Cond::new().signal();
    /// ```
    pub fn signal(&self) {
        let w = self.list.lock().notify_front(1);
        if let Some(w) = w {
            w.wake();
        }
    }

    /// Wakes every waiter (Go's `Broadcast`).
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_sync::Cond::new().broadcast();
    /// ```
    pub fn broadcast(&self) {
        let mut wake = Vec::new();
        self.list.lock().notify_all(1, &mut wake);
        wake.into_iter().for_each(Waker::wake);
    }
}

enum Stage<'a, T> {
    Start(MutexGuard<'a, T>),
    Waiting(&'a Mutex<T>, Key),
    Relock(MutexLock<'a, T>),
    Done,
}

/// The future returned by [`Cond::wait`].
///
/// # Cancel safety
///
/// See [`Cond::wait`].
#[must_use = "futures do nothing unless polled"]
pub struct CondWait<'a, T> {
    cond: &'a Cond,
    stage: Stage<'a, T>,
}

impl<T> fmt::Debug for CondWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.stage {
            Stage::Start(_) => "start",
            Stage::Waiting(..) => "waiting",
            Stage::Relock(_) => "relock",
            Stage::Done => "done",
        };
        f.debug_struct("CondWait").field("stage", &s).finish()
    }
}

impl<'a, T> Future for CondWait<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.stage, Stage::Done) {
                Stage::Start(guard) => {
                    let mutex = MutexGuard::mutex(&guard);
                    let key = this.cond.list.lock().push_back(cx.waker(), 0);
                    drop(guard); // L.Unlock() after taking the ticket
                    this.stage = Stage::Waiting(mutex, key);
                    set_wait_reason(WaitReason::CondWait);
                    return Poll::Pending;
                }
                Stage::Waiting(mutex, key) => {
                    let mut q = this.cond.list.lock();
                    if q.token(key).is_none() {
                        q.register(key, cx.waker());
                        drop(q);
                        this.stage = Stage::Waiting(mutex, key);
                        set_wait_reason(WaitReason::CondWait);
                        return Poll::Pending;
                    }
                    q.remove(key);
                    drop(q);
                    this.stage = Stage::Relock(mutex.lock());
                }
                Stage::Relock(mut fut) => match Pin::new(&mut fut).poll(cx) {
                    Poll::Ready(g) => return Poll::Ready(g),
                    Poll::Pending => {
                        this.stage = Stage::Relock(fut);
                        return Poll::Pending;
                    }
                },
                Stage::Done => panic!("`CondWait` polled after completion"),
            }
        }
    }
}

impl<T> Drop for CondWait<'_, T> {
    fn drop(&mut self) {
        if let Stage::Waiting(_, key) = self.stage {
            let notified = self.cond.list.lock().remove(key).is_some();
            if notified {
                self.cond.signal();
            }
        }
    }
}
