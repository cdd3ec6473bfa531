//! `RwLock<T>`: Go's `sync.RWMutex` (`src/sync/rwmutex.go: RLock, RUnlock, Lock, Unlock,
//! TryRLock, TryLock, rUnlockSlow`), writer-preferring.
//!
//! Writers serialise on an inner [`Mutex`]. A writer then announces itself by subtracting
//! `MAX_READERS` from `reader_count`, which makes every *new* reader see a negative count and
//! sleep on `reader_sem`: a pending writer blocks new readers. The writer waits on
//! `writer_sem` until the readers that were already inside (`reader_wait`) leave; the last
//! one wakes it. Unlock adds `MAX_READERS` back and releases exactly the readers that queued
//! meanwhile, then unlocks the inner mutex.
//!
//! Cancellation (absent in Go) goes through the semaphore's bound tokens (`sema.rs`): a read
//! or write future dropped after it was handed its token unlocks what it acquired; one
//! dropped while still queued leaves a debt, and whoever releases the token it was owed
//! settles by unlocking on its behalf. The counters therefore always match Go's.
//!
//! Invariants: `reader_count` = readers holding or queued, minus `MAX_READERS` while a writer
//! is pending or holding; `reader_wait` = readers the pending writer still waits for.
//! Recursive read locking can deadlock against a pending writer, exactly as in Go.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::atomic::{AtomicI32, Ordering::*};
use std::task::{Context, Poll};

use gorust_hooks::wait::WaitReason;

use crate::mutex::{Mutex, RawLock};
use crate::sema::{Released, Sema, SemaAcquire};

/// Go's `rwmutexMaxReaders`.
const MAX_READERS: i32 = 1 << 30;

/// A reader-writer lock with Go's writer preference.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let lock = gorust_sync::RwLock::new(1);
/// {
///     let a = lock.read().await;
///     let b = lock.read().await;
///     assert_eq!(*a + *b, 2);
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 2);
/// # });
/// ```
pub struct RwLock<T> {
    w: Mutex<()>,
    writer_sem: Sema,
    reader_sem: Sema,
    reader_count: AtomicI32,
    reader_wait: AtomicI32,
    data: UnsafeCell<T>,
}

// SAFETY: readers get `&T` concurrently (needs `T: Sync`), a writer gets `&mut T` exclusively
// (needs `T: Send`); the counters and semaphores order every access as Go's RWMutex does.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}
// SAFETY: the lock owns its `T`.
unsafe impl<T: Send> Send for RwLock<T> {}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock")
            .field("reader_count", &self.reader_count.load(Relaxed))
            .finish_non_exhaustive()
    }
}

impl<T> RwLock<T> {
    /// Creates an unlocked lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = gorust_sync::RwLock::new(0u8);
    /// assert_eq!(*l.try_read().unwrap(), 0);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            w: Mutex::new(()),
            writer_sem: Sema::new(),
            reader_sem: Sema::new(),
            reader_count: AtomicI32::new(0),
            reader_wait: AtomicI32::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked lock.
    #[cfg(loom)]
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            w: Mutex::new(()),
            writer_sem: Sema::new(),
            reader_sem: Sema::new(),
            reader_count: AtomicI32::new(0),
            reader_wait: AtomicI32::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Acquires a shared read lock (Go's `RLock`). Waits while a writer holds or waits.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let l = gorust_sync::RwLock::new("x");
    /// assert_eq!(*l.read().await, "x");
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future never leaks a read lock or loses a wake-up; the place in the
    /// queue is lost.
    pub fn read(&self) -> Read<'_, T> {
        Read {
            lock: self,
            acq: None,
        }
    }

    /// Acquires an exclusive write lock (Go's `Lock`).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let l = gorust_sync::RwLock::new(vec![]);
    /// l.write().await.push(1);
    /// assert_eq!(l.read().await.len(), 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As [`read`](RwLock::read): nothing acquired on the way is leaked.
    pub fn write(&self) -> Write<'_, T> {
        Write {
            lock: self,
            stage: WriteStage::Mutex(RawLock::new(self.w.raw())),
        }
    }

    /// [`read`](RwLock::read), blocking the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = gorust_sync::RwLock::new(2);
    /// assert_eq!(*l.read_blocking(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// Never itself; on an executor worker it blocks the worker.
    pub fn read_blocking(&self) -> RwLockReadGuard<'_, T> {
        crate::block::block_on(self.read())
    }

    /// [`write`](RwLock::write), blocking the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = gorust_sync::RwLock::new(2);
    /// *l.write_blocking() = 3;
    /// assert_eq!(*l.read_blocking(), 3);
    /// ```
    ///
    /// # Panics
    ///
    /// Never itself; on an executor worker it blocks the worker.
    pub fn write_blocking(&self) -> RwLockWriteGuard<'_, T> {
        crate::block::block_on(self.write())
    }

    /// Takes a read lock if no writer holds or waits (Go's `TryRLock`).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = gorust_sync::RwLock::new(());
    /// let w = l.try_write().unwrap();
    /// assert!(l.try_read().is_none());
    /// drop(w);
    /// assert!(l.try_read().is_some());
    /// ```
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        let mut c = self.reader_count.load(Relaxed);
        loop {
            if c < 0 {
                return None;
            }
            match self
                .reader_count
                .compare_exchange_weak(c, c + 1, Acquire, Relaxed)
            {
                Ok(_) => return Some(RwLockReadGuard { lock: self }),
                Err(cur) => c = cur,
            }
        }
    }

    /// Takes the write lock if nobody holds the lock in any mode (Go's `TryLock`).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = gorust_sync::RwLock::new(());
    /// let r = l.try_read().unwrap();
    /// assert!(l.try_write().is_none());
    /// drop(r);
    /// assert!(l.try_write().is_some());
    /// ```
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        let raw = self.w.raw();
        if !raw.try_acquire() {
            return None;
        }
        if self
            .reader_count
            .compare_exchange(0, -MAX_READERS, Acquire, Relaxed)
            .is_err()
        {
            raw.release();
            return None;
        }
        Some(RwLockWriteGuard { lock: self })
    }

    /// Returns a mutable reference to the value (no locking with `&mut self`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut l = gorust_sync::RwLock::new(1);
    /// *l.get_mut() += 1;
    /// assert_eq!(l.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gorust_sync::RwLock::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// Go's `RUnlock`.
    fn read_unlock(&self) {
        let r = self.reader_count.fetch_sub(1, Release) - 1;
        if r < 0 {
            self.read_unlock_slow(r);
        }
    }

    #[cold]
    fn read_unlock_slow(&self, r: i32) {
        debug_assert!(
            r + 1 != 0 && r + 1 != -MAX_READERS,
            "sync: RUnlock of unlocked RWMutex"
        );
        // A writer is pending: the last departing reader wakes it.
        if self.reader_wait.fetch_sub(1, AcqRel) - 1 == 0
            && self.writer_sem.release() == Released::Debt
        {
            // The writer gave up while waiting for us: it owns the lock now; unlock for it.
            self.write_unlock();
        }
    }

    /// The second half of Go's `Lock`, after the inner mutex is held: announce, and report
    /// whether we must wait for readers.
    fn announce_writer(&self) -> bool {
        let r = self.reader_count.fetch_sub(MAX_READERS, AcqRel);
        r != 0 && self.reader_wait.fetch_add(r, AcqRel) + r != 0
    }

    /// Go's `Unlock`.
    fn write_unlock(&self) {
        let r = self.reader_count.fetch_add(MAX_READERS, Release) + MAX_READERS;
        debug_assert!(r < MAX_READERS, "sync: Unlock of unlocked RWMutex");
        for _ in 0..r {
            if self.reader_sem.release() == Released::Debt {
                // That reader gave up while queued: it was counted in; count it out.
                self.read_unlock();
            }
        }
        self.w.raw().release();
    }
}

/// The future returned by [`RwLock::read`].
///
/// # Cancel safety
///
/// See [`RwLock::read`].
#[must_use = "futures do nothing unless polled"]
pub struct Read<'a, T> {
    lock: &'a RwLock<T>,
    acq: Option<SemaAcquire<'a>>,
}

impl<T> fmt::Debug for Read<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read")
            .field("queued", &self.acq.is_some())
            .finish()
    }
}

impl<'a, T> Future for Read<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockReadGuard<'a, T>> {
        let this = self.get_mut();
        let lock = this.lock;
        if this.acq.is_none() {
            if crate::coop::proceed(cx).is_pending() {
                return Poll::Pending;
            }
            if lock.reader_count.fetch_add(1, Acquire) + 1 >= 0 {
                return Poll::Ready(RwLockReadGuard { lock });
            }
            // A writer is pending: sleep until its unlock releases us.
            this.acq = Some(lock.reader_sem.acquire(WaitReason::RwLockRLock));
        }
        match Pin::new(this.acq.as_mut().expect("set above")).poll(cx) {
            Poll::Ready(()) => {
                this.acq = None;
                Poll::Ready(RwLockReadGuard { lock })
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for Read<'_, T> {
    fn drop(&mut self) {
        if let Some(mut acq) = self.acq.take()
            && acq.cancel() == Some(true)
        {
            // We were let in after all: leave.
            self.lock.read_unlock();
        }
    }
}

enum WriteStage<'a> {
    Mutex(RawLock<'a>),
    Readers(SemaAcquire<'a>),
    Done,
}

/// The future returned by [`RwLock::write`].
///
/// # Cancel safety
///
/// See [`RwLock::write`].
#[must_use = "futures do nothing unless polled"]
pub struct Write<'a, T> {
    lock: &'a RwLock<T>,
    stage: WriteStage<'a>,
}

impl<T> fmt::Debug for Write<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            WriteStage::Mutex(_) => "mutex",
            WriteStage::Readers(_) => "readers",
            WriteStage::Done => "done",
        };
        f.debug_struct("Write").field("stage", &stage).finish()
    }
}

impl<'a, T> Future for Write<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockWriteGuard<'a, T>> {
        let this = self.get_mut();
        let lock = this.lock;
        loop {
            match &mut this.stage {
                WriteStage::Mutex(raw) => {
                    if raw.poll_acquire(cx).is_pending() {
                        gorust_hooks::wait::set_wait_reason(WaitReason::RwLockLock);
                        return Poll::Pending;
                    }
                    if lock.announce_writer() {
                        this.stage =
                            WriteStage::Readers(lock.writer_sem.acquire(WaitReason::RwLockLock));
                    } else {
                        this.stage = WriteStage::Done;
                        return Poll::Ready(RwLockWriteGuard { lock });
                    }
                }
                WriteStage::Readers(acq) => {
                    if Pin::new(acq).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.stage = WriteStage::Done;
                    return Poll::Ready(RwLockWriteGuard { lock });
                }
                WriteStage::Done => panic!("`Write` polled after completion"),
            }
        }
    }
}

impl<T> Drop for Write<'_, T> {
    fn drop(&mut self) {
        if let WriteStage::Readers(acq) = &mut self.stage
            && acq.cancel() == Some(true)
        {
            // The last reader let us in: we hold the lock; unlock it.
            self.lock.write_unlock();
        }
        // WriteStage::Mutex: RawLock's own drop passes on anything it was handed.
    }
}

/// A shared read lock on an [`RwLock`]; unlocks on drop.
///
/// # Examples
///
/// ```
/// let l = gorust_sync::RwLock::new(5);
/// let g = l.read_blocking();
/// assert_eq!(*g, 5);
/// ```
#[must_use = "if unused the lock unlocks at once"]
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
}

// SAFETY: a read guard only hands out `&T`.
unsafe impl<T: Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: moving a read guard moves a `&T` (needs `T: Sync`); unlocking from another thread is
// fine for this lock (no thread affinity).
unsafe impl<T: Sync> Send for RwLockReadGuard<'_, T> {}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read lock is held: no writer has `&mut T` until every reader leaves.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.read_unlock();
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// An exclusive write lock on an [`RwLock`]; unlocks on drop.
///
/// # Examples
///
/// ```
/// let l = gorust_sync::RwLock::new(5);
/// *l.write_blocking() += 1;
/// assert_eq!(*l.read_blocking(), 6);
/// ```
#[must_use = "if unused the lock unlocks at once"]
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
}

// SAFETY: a write guard hands out `&T`/`&mut T` to its one holder.
unsafe impl<T: Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: moving it moves exclusive access (needs `T: Send`) and shared access (`T: Sync`).
unsafe impl<T: Send + Sync> Send for RwLockWriteGuard<'_, T> {}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the write lock is held: no reader or other writer is inside.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as `deref`, and `&mut self` makes this the only borrow of the guard.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.write_unlock();
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
