//! The one lock of a channel (Go's `hchan.lock`).
//!
//! A raw lock (no guard type) because a select holds the locks of several channels of
//! different element types at once and releases them in reverse order, as Go's `sellock` /
//! `selunlock` do. Outside loom it is `parking_lot::RawMutex` (one CAS to lock, one to unlock,
//! adaptive spinning, then a futex park); under loom it is a spin lock on a loom atomic so the
//! model checker sees every acquisition.
//!
//! Invariant: every `unlock` pairs with a `lock` on the same thread.

#[cfg(not(loom))]
use parking_lot::lock_api::RawMutex as _;

/// A channel lock; see the module docs.
pub(crate) struct RawLock {
    #[cfg(not(loom))]
    inner: parking_lot::RawMutex,
    #[cfg(loom)]
    inner: crate::loom::AtomicBool,
}

impl RawLock {
    /// A new, unlocked lock.
    pub(crate) fn new() -> RawLock {
        RawLock {
            #[cfg(not(loom))]
            inner: parking_lot::RawMutex::INIT,
            #[cfg(loom)]
            inner: crate::loom::AtomicBool::new(false),
        }
    }

    /// Acquires the lock, waiting if another thread holds it.
    #[inline]
    pub(crate) fn lock(&self) {
        #[cfg(not(loom))]
        self.inner.lock();
        #[cfg(loom)]
        while self
            .inner
            .compare_exchange(
                false,
                true,
                crate::loom::Ordering::Acquire,
                crate::loom::Ordering::Relaxed,
            )
            .is_err()
        {
            crate::loom::spin_hint();
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
        self.inner.store(false, crate::loom::Ordering::Release);
    }

    /// The lock's address: the order in which a select takes several locks (Go's `sortkey`).
    #[inline]
    pub(crate) fn addr(&self) -> usize {
        self as *const RawLock as usize
    }
}
