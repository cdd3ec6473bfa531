//! The one lock of a channel (Go's `hchan.lock`).
//!
//! A raw lock (no guard type) because a select holds the locks of several channels of
//! different element types at once and releases them in reverse order, as Go's `sellock` /
//! `selunlock` do. Outside loom it is `parking_lot::RawMutex` (one CAS to lock, one to unlock,
//! adaptive spinning, then a futex park). Under loom it is a `loom::sync::Mutex` whose guard
//! is parked inside the lock while held, so the model checker sees every acquisition and
//! blocks (rather than spins) the waiters.
//!
//! Invariant: every `unlock` pairs with a `lock` on the same thread.

#[cfg(not(loom))]
use parking_lot::lock_api::RawMutex as _;

/// A channel lock; see the module docs.
pub(crate) struct RawLock {
    #[cfg(not(loom))]
    inner: parking_lot::RawMutex,
    #[cfg(loom)]
    inner: loom::sync::Mutex<()>,
    /// The held guard (only touched by the thread holding `inner`).
    #[cfg(loom)]
    guard: std::cell::UnsafeCell<Option<loom::sync::MutexGuard<'static, ()>>>,
}

// SAFETY: the guard cell is only touched by the thread that holds the mutex.
#[cfg(loom)]
unsafe impl Send for RawLock {}
// SAFETY: as above.
#[cfg(loom)]
unsafe impl Sync for RawLock {}

impl RawLock {
    /// A new, unlocked lock.
    pub(crate) fn new() -> RawLock {
        RawLock {
            #[cfg(not(loom))]
            inner: parking_lot::RawMutex::INIT,
            #[cfg(loom)]
            inner: loom::sync::Mutex::new(()),
            #[cfg(loom)]
            guard: std::cell::UnsafeCell::new(None),
        }
    }

    /// Acquires the lock, waiting if another thread holds it.
    #[inline]
    pub(crate) fn lock(&self) {
        #[cfg(not(loom))]
        self.inner.lock();
        #[cfg(loom)]
        {
            let g = self.inner.lock().unwrap();
            // SAFETY: the guard borrows `self.inner`, which lives as long as `self`, and the
            // guard is dropped in `unlock` before `self` can go away (a lock is never
            // dropped while held). We hold the mutex, so the cell is ours.
            unsafe {
                *self.guard.get() = Some(std::mem::transmute::<
                    loom::sync::MutexGuard<'_, ()>,
                    loom::sync::MutexGuard<'static, ()>,
                >(g))
            };
        }
    }

    /// Releases the lock.
    ///
    /// # Safety
    ///
    /// The calling thread must hold the lock (a `lock` call not yet paired with an `unlock`).
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        #[cfg(not(loom))]
        // SAFETY: the caller holds the lock (this function's contract).
        unsafe {
            self.inner.unlock()
        };
        #[cfg(loom)]
        // SAFETY: the caller holds the mutex, so the guard cell is ours.
        drop(unsafe { (*self.guard.get()).take() });
    }

    /// The lock's address: the order in which a select takes several locks (Go's `sortkey`).
    #[inline]
    pub(crate) fn addr(&self) -> usize {
        self as *const RawLock as usize
    }
}
