//! `Once` and `OnceCell<T>`: Go's `sync.Once` (`src/sync/once.go: Do, doSlow`) and the
//! value-carrying form Go builds with `OnceValue` (`src/sync/oncefunc.go`).
//!
//! Fast path: one `Acquire` load of `done`. Slow path: take the [`Mutex`], re-check, run `f`,
//! set `done` with `Release`. Concurrent callers wait on the mutex until `f` finished, which is
//! why a plain CAS on `done` would be wrong (Go's doc makes the same point).
//!
//! Panics and cancellation (the part Go cannot have):
//! - `f` panics: Go's `Do` "considers it to have returned"; future calls do not run `f`.
//!   [`Once`] does the same (a drop guard sets `done` while unwinding).
//! - the future running `f` in [`Once::call_once_async`] is dropped before `f` finished: `f`
//!   did not complete, so `done` stays false and the next caller runs it (tokio's `OnceCell`
//!   semantics for cancelled initialisers).
//! - [`OnceCell`] cannot store a value a panicking initialiser never produced: it stays empty
//!   and the next caller initialises it.
//!
//! Invariant: `done`/`init` goes false -> true once, with `Release`, after the effect of `f`.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;

use crate::loom::{AtomicBool, Ordering::*};
use crate::mutex::Mutex;

/// Runs an action exactly once (Go's `sync.Once`).
///
/// # Examples
///
/// ```
/// use gorust_sync::Once;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static ONCE: Once = Once::new();
/// static RUNS: AtomicUsize = AtomicUsize::new(0);
/// for _ in 0..3 {
///     ONCE.call_once(|| {
///         RUNS.fetch_add(1, Ordering::Relaxed);
///     });
/// }
/// assert_eq!(RUNS.load(Ordering::Relaxed), 1);
/// ```
pub struct Once {
    done: AtomicBool,
    m: Mutex<()>,
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once")
            .field("done", &self.is_completed())
            .finish()
    }
}

impl Default for Once {
    fn default() -> Self {
        Once::new()
    }
}

/// Sets `done` when dropped by a return or a panic, not by a cancellation (see module docs).
struct SetDone<'a> {
    done: &'a AtomicBool,
    completed: bool,
}

impl Drop for SetDone<'_> {
    fn drop(&mut self) {
        if self.completed || std::thread::panicking() {
            self.done.store(true, Release);
        }
    }
}

impl Once {
    /// Creates a `Once` that has not run.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!gorust_sync::Once::new().is_completed());
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Once {
        Once {
            done: AtomicBool::new(false),
            m: Mutex::new(()),
        }
    }

    /// Creates a `Once` that has not run.
    #[cfg(loom)]
    pub fn new() -> Once {
        Once {
            done: AtomicBool::new(false),
            m: Mutex::new(()),
        }
    }

    /// Whether the action has run (or panicked).
    ///
    /// # Examples
    ///
    /// ```
    /// let o = gorust_sync::Once::new();
    /// o.call_once(|| {});
    /// assert!(o.is_completed());
    /// ```
    #[inline]
    pub fn is_completed(&self) -> bool {
        self.done.load(Acquire)
    }

    /// Runs `f` if no call has run yet; otherwise waits until the first call finished
    /// (Go's `Do`). Blocks the thread while another caller runs `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// let o = gorust_sync::Once::new();
    /// let mut n = 0;
    /// o.call_once(|| n += 1);
    /// o.call_once(|| n += 1);
    /// assert_eq!(n, 1);
    /// ```
    ///
    /// # Panics
    ///
    /// Propagates a panic of `f`; the `Once` then counts as done, as Go's does. Calling
    /// `call_once` on the same `Once` from inside `f` deadlocks (as in Go).
    pub fn call_once(&self, f: impl FnOnce()) {
        if self.done.load(Acquire) {
            return;
        }
        let _g = self.m.lock_blocking();
        if !self.done.load(Relaxed) {
            let mut set = SetDone {
                done: &self.done,
                completed: false,
            };
            f();
            set.completed = true;
        }
    }

    /// Runs the future made by `f` if no call has run yet; otherwise waits (without blocking
    /// the thread) until the first call finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let o = gorust_sync::Once::new();
    /// o.call_once_async(|| async { println!("once") }).await;
    /// o.call_once_async(|| async { unreachable!() }).await;
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// Propagates a panic of `f` or its future; the `Once` then counts as done.
    ///
    /// # Cancel safety
    ///
    /// If the future running `f` is dropped before `f` completes, the `Once` stays not done
    /// and the next caller runs its own `f`.
    pub async fn call_once_async<F, Fut>(&self, f: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ()>,
    {
        if self.done.load(Acquire) {
            return;
        }
        let _g = self.m.lock().await;
        if !self.done.load(Relaxed) {
            let mut set = SetDone {
                done: &self.done,
                completed: false,
            };
            f().await;
            set.completed = true;
        }
    }
}

/// A cell written once, by the first caller of [`get_or_init`](OnceCell::get_or_init)
/// (Go's `sync.OnceValue`, tokio's `OnceCell`).
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let cell = gorust_sync::OnceCell::new();
/// assert_eq!(*cell.get_or_init(|| async { 42 }).await, 42);
/// assert_eq!(*cell.get_or_init(|| async { 0 }).await, 42);
/// assert_eq!(cell.get(), Some(&42));
/// # });
/// ```
pub struct OnceCell<T> {
    init: std::sync::atomic::AtomicBool,
    m: Mutex<()>,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: the value is written once under the mutex, before `init` is set with `Release`, and
// only read (as `&T`) after an `Acquire` load sees `init`; so sharing needs `T: Sync` for the
// readers and `T: Send` because the writing thread may differ from the dropping one.
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}
// SAFETY: the cell owns its `T`.
unsafe impl<T: Send> Send for OnceCell<T> {}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OnceCell").field(&self.get()).finish()
    }
}

impl<T> OnceCell<T> {
    /// Creates an empty cell.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gorust_sync::OnceCell::<u8>::new().get().is_none());
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> OnceCell<T> {
        OnceCell {
            init: std::sync::atomic::AtomicBool::new(false),
            m: Mutex::new(()),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// Creates an empty cell.
    #[cfg(loom)]
    pub fn new() -> OnceCell<T> {
        OnceCell {
            init: std::sync::atomic::AtomicBool::new(false),
            m: Mutex::new(()),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// The value, if set.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = gorust_sync::OnceCell::new();
    /// c.set(1).unwrap();
    /// assert_eq!(c.get(), Some(&1));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.init.load(std::sync::atomic::Ordering::Acquire) {
            // SAFETY: `init` was set with `Release` after the value was written, and is never
            // cleared while `&self` lives.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
    }

    /// # Safety
    /// The caller holds `self.m` and `init` is false.
    unsafe fn write(&self, value: T) -> &T {
        // SAFETY: the caller holds the mutex and `init` is false, so nobody reads or writes the
        // slot concurrently.
        let slot = unsafe { &mut *self.value.get() };
        slot.write(value);
        self.init.store(true, std::sync::atomic::Ordering::Release);
        // SAFETY: written just above.
        unsafe { slot.assume_init_ref() }
    }

    /// Sets the value if the cell is empty; otherwise gives `value` back.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = gorust_sync::OnceCell::new();
    /// assert!(c.set(1).is_ok());
    /// assert_eq!(c.set(2), Err(2));
    /// ```
    ///
    /// # Errors
    ///
    /// `Err(value)` if the cell was already set. Waits (blocking) while an initialiser runs.
    pub fn set(&self, value: T) -> Result<(), T> {
        if self.get().is_some() {
            return Err(value);
        }
        let _g = self.m.lock_blocking();
        if self.get().is_some() {
            return Err(value);
        }
        // SAFETY: we hold the mutex and `init` is false.
        unsafe { self.write(value) };
        Ok(())
    }

    /// Returns the value, running `f` to make it if the cell is empty. Concurrent callers wait
    /// for the one initialiser.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let c = gorust_sync::OnceCell::new();
    /// assert_eq!(c.get_or_init(|| async { "a" }).await, &"a");
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// Propagates a panic of `f`; the cell stays empty and the next caller initialises it.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future mid-initialisation leaves the cell empty for the next caller.
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(f().await) })
            .await
        {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Like [`get_or_init`](OnceCell::get_or_init) with a fallible initialiser.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let c = gorust_sync::OnceCell::<u8>::new();
    /// assert_eq!(c.get_or_try_init(|| async { Err("no") }).await, Err("no"));
    /// assert_eq!(c.get_or_try_init(|| async { Ok::<_, ()>(3) }).await, Ok(&3));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// Returns `f`'s error; the cell stays empty.
    ///
    /// # Cancel safety
    ///
    /// As [`get_or_init`](OnceCell::get_or_init).
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        let _g = self.m.lock().await;
        if let Some(v) = self.get() {
            return Ok(v);
        }
        let value = f().await?;
        // SAFETY: we hold the mutex and `init` is false.
        Ok(unsafe { self.write(value) })
    }

    /// Whether the cell holds a value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!gorust_sync::OnceCell::<()>::new().initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.get().is_some()
    }

    /// Takes the value out, leaving the cell empty (needs `&mut self`: no one else can look).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut c = gorust_sync::OnceCell::new();
    /// c.set(5).unwrap();
    /// assert_eq!(c.take(), Some(5));
    /// assert_eq!(c.take(), None);
    /// ```
    pub fn take(&mut self) -> Option<T> {
        if *self.init.get_mut() {
            *self.init.get_mut() = false;
            // SAFETY: `init` was true, so the slot is initialised; clearing `init` first means
            // it is never read or dropped again.
            Some(unsafe { self.value.get_mut().assume_init_read() })
        } else {
            None
        }
    }

    /// Consumes the cell and returns its value, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = gorust_sync::OnceCell::new();
    /// c.set(String::from("x")).unwrap();
    /// assert_eq!(c.into_inner().as_deref(), Some("x"));
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::Once;
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::thread;

    #[test]
    fn runs_once_and_waiters_see_effect() {
        loom::model(|| {
            let once = Arc::new(Once::new());
            let n = Arc::new(AtomicUsize::new(0));
            let t = {
                let (once, n) = (once.clone(), n.clone());
                thread::spawn(move || {
                    loom::future::block_on(once.call_once_async(|| async {
                        n.fetch_add(1, Ordering::Relaxed);
                    }));
                    assert_eq!(n.load(Ordering::Relaxed), 1);
                })
            };
            once.call_once(|| {
                n.fetch_add(1, Ordering::Relaxed);
            });
            assert_eq!(n.load(Ordering::Relaxed), 1);
            t.join().unwrap();
            assert!(once.is_completed());
        });
    }
}
