//! `Mutex<T>`: Go's `sync.Mutex` (`internal/sync/mutex.go: Lock, lockSlow, Unlock,
//! unlockSlow`) with both of its modes, for async tasks and plain threads.
//!
//! **Normal mode.** Waiters queue FIFO, but a woken waiter does not own the lock: it competes
//! with newcomers, which have the advantage of already running, and often loses. A newcomer
//! spins briefly (at most [`ACTIVE_SPIN`] rounds of [`ACTIVE_SPIN_CNT`] pauses, only on a
//! multi-core machine with more than one P) while the holder runs, setting `WOKEN` so the
//! unlocker does not wake a sleeper it would only beat. A woken waiter that loses re-queues at
//! the *front* (LIFO), keeping its place.
//!
//! **Starvation mode.** A waiter that has waited more than 1 ms (measured from its first
//! enqueue) sets `STARVING` when it re-queues. From then on unlock hands ownership straight to
//! the queue head (`LOCKED` stays set, no one can barge) and newcomers neither spin nor grab
//! the lock: they queue at the tail. The mode ends when the served waiter was the last one or
//! had waited less than 1 ms, which stops two tasks from going lock-step forever.
//!
//! **gorust's departure from Go, and why.** Go changes the waiter count lock-free and then
//! parks on a runtime semaphore, which has a window between the two; a goroutine cannot be
//! cancelled inside that window. A Rust future can be dropped anywhere, so here every change
//! of the waiter count happens together with the matching push/pop of the waiter list under
//! the list lock, and unlock binds its wake-up token to one specific waiter. The lock-free fast
//! paths (lock `0 -> LOCKED`, unlock `LOCKED -> 0`, spinning, barging, and unlock with nobody
//! to wake) are Go's; only the slow paths take the list lock, where Go takes its `semaRoot`
//! lock too.
//!
//! **Cooperation.** A fresh lock attempt spends one unit of the running task's cooperative
//! budget (`crate::coop`), so on a gorust worker a task that keeps winning the lock still
//! yields every 128 acquisitions and its neighbours (maybe the waiter it would starve) get to
//! run. Elsewhere this costs one thread-local read.
//!
//! **Cancellation.** A lock future dropped while queued leaves the queue and the count; one
//! dropped after a normal-mode wake gives `WOKEN` back and wakes the next waiter if the lock is
//! free; one dropped after a handoff owns the lock and unlocks it (to the next waiter). No
//! wake-up or ownership is ever lost.
//!
//! Misuse Go can only catch at run time cannot be written here: unlock happens only by
//! dropping the [`MutexGuard`], so "unlock of unlocked mutex" is impossible by construction.

pub mod state;

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use gorust_hooks::wait::{WaitReason, set_wait_reason};

use crate::clock::nanotime;
use crate::loom::{AtomicU32, Lock, Ordering::*, UnsafeCell};
use crate::waitlist::{Key, WaitList};
use state::*;

/// An async mutual-exclusion lock with Go's normal and starvation modes.
///
/// See the [module docs](crate::mutex) for the algorithm. `lock().await` from tasks,
/// [`lock_blocking`](Mutex::lock_blocking) from plain threads; both queue in one FIFO.
///
/// There is no `unlock` to misuse: the lock is released by dropping the [`MutexGuard`], so
/// Go's "unlock of unlocked mutex" cannot be written:
///
/// ```compile_fail
/// let m = gorust_sync::Mutex::new(0);
/// m.unlock();
/// ```
///
/// # Examples
///
/// ```
/// use gorust_sync::Mutex;
/// use std::sync::Arc;
///
/// let m = Arc::new(Mutex::new(0));
/// let handles: Vec<_> = (0..4)
///     .map(|_| {
///         let m = m.clone();
///         std::thread::spawn(move || *m.lock_blocking() += 1)
///     })
///     .collect();
/// for h in handles {
///     h.join().unwrap();
/// }
/// futures::executor::block_on(async { assert_eq!(*m.lock().await, 4) });
/// ```
pub struct Mutex<T> {
    state: AtomicU32,
    waiters: Lock<WaitList>,
    /// Loom only: 0 = every wait counts as starving, `u64::MAX` = never (no clock in loom).
    #[cfg(loom)]
    threshold: u64,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands `&mut T` to one holder at a time (the `LOCKED` bit, acquired with
// `Acquire` and released with `Release`), so sharing it across threads needs only `T: Send`,
// exactly as `std::sync::Mutex`.
unsafe impl<T: Send> Sync for Mutex<T> {}
// SAFETY: the mutex owns its `T`; moving it moves the `T`.
unsafe impl<T: Send> Send for Mutex<T> {}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Mutex::new(5);
    /// assert_eq!(*m.try_lock().unwrap(), 5);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            state: AtomicU32::new(0),
            waiters: Lock::new(WaitList::new()),
            data: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked mutex holding `value`.
    #[cfg(loom)]
    pub fn new(value: T) -> Mutex<T> {
        Mutex::with_loom_threshold(value, STARVATION_THRESHOLD_NS)
    }

    /// Loom only: a mutex whose starvation test is fixed (0 = always, MAX = never).
    #[cfg(loom)]
    pub(crate) fn with_loom_threshold(value: T, threshold: u64) -> Mutex<T> {
        Mutex {
            state: AtomicU32::new(0),
            waiters: Lock::new(WaitList::new()),
            threshold,
            data: UnsafeCell::new(value),
        }
    }

    /// Acquires the lock, waiting without blocking the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let m = gorust_sync::Mutex::new(vec![1]);
    /// m.lock().await.push(2);
    /// assert_eq!(*m.lock().await, [1, 2]);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue; a lock or wake-up that was already
    /// handed to it is passed on, never lost. Re-calling `lock` queues at the tail again.
    pub fn lock(&self) -> MutexLock<'_, T> {
        MutexLock {
            mutex: self,
            raw: RawLock::new(self.raw()),
        }
    }

    /// Acquires the lock, blocking the current thread (for code outside any executor).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Mutex::new(1);
    /// *m.lock_blocking() += 1;
    /// assert_eq!(*m.lock_blocking(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// Never panics itself, but calling it on an executor's worker thread blocks that worker
    /// until the lock is free (possibly forever if the holder is a task on that worker).
    pub fn lock_blocking(&self) -> MutexGuard<'_, T> {
        crate::block::block_on(self.lock())
    }

    /// Acquires the lock if it is free right now (Go's `TryLock`); never waits.
    ///
    /// Fails in starvation mode even if the lock happens to be between owners, as Go's does.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Mutex::new(());
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// drop(g);
    /// assert!(m.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.raw().try_acquire().then(|| MutexGuard { mutex: self })
    }

    /// Returns a mutable reference to the value; no locking needed with `&mut self`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = gorust_sync::Mutex::new(1);
    /// *m.get_mut() = 3;
    /// assert_eq!(m.into_inner(), 3);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard exists.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Consumes the mutex and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gorust_sync::Mutex::new(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    #[inline]
    pub(crate) fn raw(&self) -> Raw<'_> {
        Raw {
            state: &self.state,
            waiters: &self.waiters,
            #[cfg(loom)]
            threshold: self.threshold,
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Relaxed);
        f.debug_struct("Mutex")
            .field("locked", &(s & LOCKED != 0))
            .field("starving", &(s & STARVING != 0))
            .field("waiters", &waiters(s))
            .finish_non_exhaustive()
    }
}

/// The lock-free state word plus waiter list, without the data: what `RwLock` reuses for its
/// writer lock and `Cond` for re-locking.
#[derive(Clone, Copy)]
pub(crate) struct Raw<'a> {
    state: &'a AtomicU32,
    waiters: &'a Lock<WaitList>,
    #[cfg(loom)]
    threshold: u64,
}

impl<'a> Raw<'a> {
    /// Whether a wait that began at `start` (nanotime) has passed the starvation threshold.
    #[inline]
    fn starved(&self, start: u64) -> bool {
        #[cfg(loom)]
        {
            let _ = start;
            self.threshold == 0
        }
        #[cfg(not(loom))]
        {
            nanotime().saturating_sub(start) > STARVATION_THRESHOLD_NS
        }
    }

    /// Go's `TryLock`.
    pub(crate) fn try_acquire(&self) -> bool {
        let old = self.state.load(Relaxed);
        if old & (LOCKED | STARVING) != 0 {
            return false;
        }
        self.state
            .compare_exchange(old, old | LOCKED, Acquire, Relaxed)
            .is_ok()
    }

    /// Go's `Unlock`: release, then wake or hand off if there is someone to serve.
    pub(crate) fn release(&self) {
        if self
            .state
            .compare_exchange(LOCKED, 0, Release, Relaxed)
            .is_ok()
        {
            return;
        }
        self.release_slow();
    }

    #[cold]
    fn release_slow(&self) {
        let mut old = self.state.load(Relaxed);
        loop {
            debug_assert!(old & LOCKED != 0, "sync: unlock of unlocked mutex");
            if old & STARVING != 0 {
                return self.handoff();
            }
            match self
                .state
                .compare_exchange_weak(old, old - LOCKED, Release, Relaxed)
            {
                Ok(_) => break,
                Err(cur) => old = cur,
            }
        }
        // Go's unlockSlow in normal mode: wake one waiter unless nobody waits, or someone is
        // already awake, or the lock was grabbed again (its holder will wake on unlock).
        let new = old - LOCKED;
        if waiters(new) == 0 || new & (LOCKED | WOKEN | STARVING) != 0 {
            return;
        }
        let mut q = self.waiters.lock();
        let waker = self.wake_one_locked(&mut q);
        drop(q);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// With the list locked: if the lock is free, nobody is awake and someone waits, move one
    /// waiter from the count to `WOKEN` and wake it.
    fn wake_one_locked(&self, q: &mut WaitList) -> Option<std::task::Waker> {
        let mut old = self.state.load(Relaxed);
        loop {
            if waiters(old) == 0 || old & (LOCKED | WOKEN | STARVING) != 0 {
                return None;
            }
            let new = (old - WAITER) | WOKEN;
            match self.state.compare_exchange_weak(old, new, Relaxed, Relaxed) {
                Ok(_) => break,
                Err(cur) => old = cur,
            }
        }
        q.notify_front(TOKEN_WOKEN)
    }

    /// Starvation-mode unlock: ownership goes straight to the queue head, `LOCKED` kept set.
    fn handoff(&self) {
        let mut q = self.waiters.lock();
        let mut old = self.state.load(Relaxed);
        while old & STARVING == 0 {
            // The last waiter was cancelled between the caller's look and our lock, which
            // ended starvation mode: release as in normal mode, still under the list lock.
            match self
                .state
                .compare_exchange_weak(old, old - LOCKED, Release, Relaxed)
            {
                Ok(_) => {
                    let waker = self.wake_one_locked(&mut q);
                    drop(q);
                    if let Some(w) = waker {
                        w.wake();
                    }
                    return;
                }
                Err(cur) => old = cur,
            }
        }
        // STARVING is stable now: only cancellations clear it, and they take the list lock.
        let head = q.front().expect("sync: starving mutex has no waiters");
        let long = self.starved(q.val(head));
        loop {
            debug_assert!(old & (LOCKED | STARVING) == LOCKED | STARVING && waiters(old) > 0);
            let mut new = old - WAITER;
            if !long || waiters(old) == 1 {
                // Go: exit starvation mode when the served waiter is the last one or waited
                // under the threshold, or two tasks can go lock-step forever.
                new &= !STARVING;
            }
            match self.state.compare_exchange_weak(old, new, Release, Relaxed) {
                Ok(_) => break,
                Err(cur) => old = cur,
            }
        }
        let waker = q.notify(head, TOKEN_HANDOFF);
        drop(q);
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// The acquire state machine of Go's `lockSlow`, shared by [`MutexLock`] and `RwLock`.
pub(crate) struct RawLock<'a> {
    raw: Raw<'a>,
    key: Option<Key>,
    /// Nanotime of the first enqueue (Go's `waitStartTime`), 0 before it.
    wait_start: u64,
    starving: bool,
    awoke: bool,
    done: bool,
}

impl<'a> RawLock<'a> {
    pub(crate) fn new(raw: Raw<'a>) -> RawLock<'a> {
        RawLock {
            raw,
            key: None,
            wait_start: 0,
            starving: false,
            awoke: false,
            done: false,
        }
    }

    /// Polls for the lock; `Ready` means the caller now owns it.
    pub(crate) fn poll_acquire(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        debug_assert!(!self.done, "RawLock polled after completion");
        let raw = self.raw;
        if self.key.is_none() && !self.awoke && crate::coop::proceed(cx).is_pending() {
            // Out of budget: yield before touching the lock (nothing held, nothing queued).
            return Poll::Pending;
        }
        if let Some(key) = self.key {
            let mut q = raw.waiters.lock();
            match q.token(key) {
                None => {
                    q.register(key, cx.waker());
                    drop(q);
                    set_wait_reason(WaitReason::MutexLock);
                    return Poll::Pending;
                }
                Some(token) => {
                    q.remove(key);
                    drop(q);
                    self.key = None;
                    if token == TOKEN_HANDOFF {
                        self.done = true;
                        return Poll::Ready(());
                    }
                    self.awoke = true;
                    self.starving = self.starving || raw.starved(self.wait_start);
                }
            }
        } else if !self.awoke
            && raw
                .state
                .compare_exchange(0, LOCKED, Acquire, Relaxed)
                .is_ok()
        {
            self.done = true;
            return Poll::Ready(());
        }
        self.lock_slow(cx)
    }

    fn lock_slow(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let raw = self.raw;
        let mut iter = 0;
        let mut old = raw.state.load(Relaxed);
        loop {
            // Spin while the holder runs, in normal mode only.
            if old & (LOCKED | STARVING) == LOCKED && can_spin(iter) {
                if !self.awoke
                    && old & WOKEN == 0
                    && waiters(old) != 0
                    && raw
                        .state
                        .compare_exchange_weak(old, old | WOKEN, Relaxed, Relaxed)
                        .is_ok()
                {
                    self.awoke = true;
                }
                // Go's procyield(30), but leave as soon as the holder lets go: a PAUSE costs
                // up to ~25 ns on current x86 (measured on this machine's AMD EPYC), so a
                // blind round of 30 outlasts a short critical section many times over.
                for _ in 0..ACTIVE_SPIN_CNT {
                    crate::loom::spin_loop();
                    if raw.state.load(Relaxed) & LOCKED == 0 {
                        break;
                    }
                }
                iter += 1;
                old = raw.state.load(Relaxed);
                continue;
            }
            if old & (LOCKED | STARVING) == 0 {
                // Free and in normal mode: barge.
                let mut new = old | LOCKED;
                if self.awoke {
                    debug_assert!(old & WOKEN != 0, "sync: inconsistent mutex state");
                    new &= !WOKEN;
                }
                match raw.state.compare_exchange_weak(old, new, Acquire, Relaxed) {
                    Ok(_) => {
                        self.done = true;
                        return Poll::Ready(());
                    }
                    Err(cur) => {
                        old = cur;
                        continue;
                    }
                }
            }
            // Held (or starving): count ourselves in and queue, atomically under the list lock.
            let mut q = raw.waiters.lock();
            old = raw.state.load(Relaxed);
            loop {
                if old & (LOCKED | STARVING) == 0 {
                    break;
                }
                let mut new = old + WAITER;
                if self.starving && old & LOCKED != 0 {
                    new |= STARVING;
                }
                if self.awoke {
                    debug_assert!(old & WOKEN != 0, "sync: inconsistent mutex state");
                    new &= !WOKEN;
                }
                match raw.state.compare_exchange_weak(old, new, Relaxed, Relaxed) {
                    Ok(_) => {
                        let lifo = self.wait_start != 0;
                        if !lifo {
                            self.wait_start = nanotime().max(1);
                        }
                        self.key = Some(if lifo {
                            q.push_front(cx.waker(), self.wait_start)
                        } else {
                            q.push_back(cx.waker(), self.wait_start)
                        });
                        self.awoke = false;
                        drop(q);
                        set_wait_reason(WaitReason::MutexLock);
                        return Poll::Pending;
                    }
                    Err(cur) => old = cur,
                }
            }
            drop(q);
        }
    }
}

impl Drop for RawLock<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let raw = self.raw;
        let mut q = raw.waiters.lock();
        match q.remove(key) {
            None => {
                // Still queued: leave the count with our slot.
                let mut old = raw.state.load(Relaxed);
                loop {
                    let mut new = old - WAITER;
                    if waiters(new) == 0 {
                        new &= !STARVING;
                    }
                    match raw.state.compare_exchange_weak(old, new, Relaxed, Relaxed) {
                        Ok(_) => break,
                        Err(cur) => old = cur,
                    }
                }
            }
            Some(TOKEN_WOKEN) => {
                // We own WOKEN: give it back, then wake the next waiter if the lock is free.
                raw.state.fetch_and(!WOKEN, Relaxed);
                let waker = raw.wake_one_locked(&mut q);
                drop(q);
                if let Some(w) = waker {
                    w.wake();
                }
            }
            Some(_) => {
                // Handed the lock: pass it on.
                drop(q);
                raw.release();
            }
        }
    }
}

/// Go's `sync_runtime_canSpin`: few rounds, several CPUs, and more than one P.
#[inline]
fn can_spin(iter: u32) -> bool {
    if cfg!(loom) || iter >= ACTIVE_SPIN {
        return false;
    }
    static NCPU: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let ncpu = *NCPU.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    ncpu > 1 && gorust_hooks::proc::procs().is_none_or(|p| p > 1)
}

/// The future returned by [`Mutex::lock`].
///
/// # Cancel safety
///
/// See [`Mutex::lock`]: dropping it never loses a wake-up or the lock.
#[must_use = "futures do nothing unless polled"]
pub struct MutexLock<'a, T> {
    mutex: &'a Mutex<T>,
    raw: RawLock<'a>,
}

impl<T> fmt::Debug for MutexLock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexLock")
            .field("queued", &self.raw.key.is_some())
            .finish()
    }
}

impl<'a, T> Future for MutexLock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = self.get_mut();
        match this.raw.poll_acquire(cx) {
            Poll::Ready(()) => Poll::Ready(MutexGuard { mutex: this.mutex }),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Proof of holding a [`Mutex`]; dereferences to the data and unlocks on drop.
///
/// # Examples
///
/// ```
/// let m = gorust_sync::Mutex::new(String::new());
/// let mut g = m.lock_blocking();
/// g.push_str("go");
/// drop(g); // unlock
/// assert_eq!(*m.lock_blocking(), "go");
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
}

// SAFETY: a guard gives `&T` to whoever holds it; sharing the guard shares `&T`.
unsafe impl<T: Sync> Sync for MutexGuard<'_, T> {}

impl<'a, T> MutexGuard<'a, T> {
    /// The mutex this guard locks (used by `Cond` to re-lock the same one).
    pub(crate) fn mutex(guard: &MutexGuard<'a, T>) -> &'a Mutex<T> {
        guard.mutex
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves we hold the lock, so no `&mut T` exists elsewhere.
        self.mutex.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves exclusive ownership of the lock, and `&mut self` exclusive
        // use of the guard.
        self.mutex.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.raw().release();
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(all(test, loom))]
mod loom_tests;
