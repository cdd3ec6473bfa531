//! The loom switch: std's atomics and locks in normal builds, loom's under `--cfg loom`.
//!
//! Only the primitives that have loom models (the waiter list, Mutex, the runtime semaphore,
//! WaitGroup, Once, Semaphore) import from here; everything else uses std directly, because a
//! loom type used outside `loom::model` panics.
//!
//! Invariant: [`Lock`] never reports poisoning. A panic while a waiter list is locked cannot
//! leave it half-updated (every update is a few field stores after all fallible work), so the
//! guard is taken back from a poisoned lock.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

#[cfg(loom)]
use loom::sync::{Mutex as Inner, MutexGuard as InnerGuard};
#[cfg(not(loom))]
use std::sync::{Mutex as Inner, MutexGuard as InnerGuard};

/// A short internal lock around waiter lists (std's futex mutex; loom's under loom).
#[derive(Debug)]
pub(crate) struct Lock<T>(Inner<T>);

/// The guard of a [`Lock`].
pub(crate) type LockGuard<'a, T> = InnerGuard<'a, T>;

impl<T> Lock<T> {
    /// Creates an unlocked lock.
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Lock<T> {
        Lock(Inner::new(value))
    }

    /// Creates an unlocked lock.
    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Lock<T> {
        Lock(Inner::new(value))
    }

    /// Locks, ignoring poisoning (see the module invariant).
    #[inline]
    pub(crate) fn lock(&self) -> LockGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `UnsafeCell` with loom's closure API, so code reads the same in both builds.
#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `UnsafeCell` with loom's closure API, so code reads the same in both builds.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    /// Wraps a value.
    pub(crate) const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a shared raw pointer to the value.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a mutable raw pointer to the value.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }

    /// Unwraps the value.
    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

/// One pause of a spin-wait (`procyield` in Go). Under loom, a scheduling point.
#[inline]
pub(crate) fn spin_loop() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::hint::spin_loop();
}
