//! A tiny test-and-test-and-set spin lock for `Pool`'s per-P shards.
//!
//! A shard is touched almost only by the thread that owns its P (or thread id), for a few
//! instructions (take an `Option`, push/pop a `VecDeque`). `std::sync::Mutex` costs two atomic
//! read-modify-writes per critical section (lock and unlock); this costs one (unlock is a plain
//! release store), which is most of a pooled `get` + `put`. Under contention (a stealer, or a
//! preempted owner) it spins briefly, then yields the thread.
//!
//! Invariant: `locked` is true exactly while one [`SpinGuard`] exists; the value is only
//! touched through that guard.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering::*};

/// A spin lock around a `T`.
#[derive(Debug, Default)]
pub(crate) struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands `&mut T` to one guard at a time (acquire on lock, release on unlock),
// so sharing it needs only `T: Send`, as for `std::sync::Mutex`.
unsafe impl<T: Send> Sync for SpinLock<T> {}

/// Proof of holding a [`SpinLock`].
pub(crate) struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

impl<T> SpinLock<T> {
    pub(crate) const fn new(value: T) -> SpinLock<T> {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Takes the lock if it is free right now.
    #[inline]
    pub(crate) fn try_lock(&self) -> Option<SpinGuard<'_, T>> {
        (!self.locked.load(Relaxed) && !self.locked.swap(true, Acquire))
            .then_some(SpinGuard { lock: self })
    }

    /// Takes the lock, spinning (then yielding the thread) while it is held.
    #[inline]
    pub(crate) fn lock(&self) -> SpinGuard<'_, T> {
        if !self.locked.swap(true, Acquire) {
            return SpinGuard { lock: self };
        }
        self.lock_contended()
    }

    #[cold]
    fn lock_contended(&self) -> SpinGuard<'_, T> {
        let mut spins = 0u32;
        loop {
            while self.locked.load(Relaxed) {
                if spins < 64 {
                    std::hint::spin_loop();
                    spins += 1;
                } else {
                    std::thread::yield_now();
                }
            }
            if let Some(g) = self.try_lock() {
                return g;
            }
        }
    }
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while `locked` is held by it (module invariant).
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as `deref`; `&mut self` makes this the only borrow of the guard.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Release);
    }
}
