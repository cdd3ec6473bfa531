//! The one lock of a channel (Go's `hchan.lock`).
//!
//! A raw lock (no guard type) because a select holds the locks of several channels of
//! different element types at once and releases them in reverse order, as Go's `sellock` /
//! `selunlock` do.
//!
//! Outside loom it is a test-and-test-and-set spin lock: one CAS to lock, one plain Release
//! store to unlock (no read-modify-write, which is what makes it faster than a parking mutex
//! on the hot path), exponential spinning while the holder is running, then
//! `thread::yield_now` so a preempted holder gets the CPU back. A critical section is a few
//! queue and ring operations, never a wait, a waker call or a `T::drop` (see `hchan.rs`),
//! so nobody ever parks on it. Go's `lock(&c.lock)` spins the same way before it sleeps.
//!
//! Under loom it is a `loom::sync::Mutex` whose guard is parked inside the lock while held,
//! so the model checker sees every acquisition and blocks (rather than spins) the waiters.
//!
//! Invariant: every `unlock` pairs with a `lock` on the same thread.

/// Spin rounds (each twice as long as the last) before yielding the thread.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 6;

/// A channel lock; see the module docs.
pub(crate) struct RawLock {
    #[cfg(not(loom))]
    locked: std::sync::atomic::AtomicBool,
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
            locked: std::sync::atomic::AtomicBool::new(false),
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
        if !self.try_lock() {
            self.lock_contended();
        }
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
        self.locked
            .store(false, std::sync::atomic::Ordering::Release);
        #[cfg(loom)]
        // SAFETY: the caller holds the mutex, so the guard cell is ours.
        drop(unsafe { (*self.guard.get()).take() });
    }

    #[cfg(not(loom))]
    #[inline]
    fn try_lock(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// The slow path: spin on a plain load (no cache-line ping-pong), then yield.
    #[cfg(not(loom))]
    #[cold]
    #[inline(never)]
    fn lock_contended(&self) {
        use std::sync::atomic::Ordering;
        let mut round = 0;
        loop {
            if round < SPIN_ROUNDS {
                for _ in 0..(1u32 << round) {
                    std::hint::spin_loop();
                }
                round += 1;
            } else {
                std::thread::yield_now();
            }
            if !self.locked.load(Ordering::Relaxed) && self.try_lock() {
                return;
            }
        }
    }

    /// The lock's address: the order in which a select takes several locks (Go's `sortkey`).
    #[inline]
    pub(crate) fn addr(&self) -> usize {
        self as *const RawLock as usize
    }
}
