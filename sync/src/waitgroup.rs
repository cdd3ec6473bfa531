//! `WaitGroup`: Go's `sync.WaitGroup` (`src/sync/waitgroup.go: Add, Done, Wait`).
//!
//! State word (Go's pre-1.25 layout, one `u64`):
//!
//! ```text
//!  63                              32 31                               0
//! +----------------------------------+----------------------------------+
//! |     counter (i32, tasks left)    |    waiters (u32, parked Waits)   |
//! +----------------------------------+----------------------------------+
//! ```
//!
//! `add` moves the counter lock-free; the one that brings it to zero with waiters present
//! resets the word to 0 and releases one semaphore token per waiter. `wait` returns at once on
//! a zero counter, else counts itself in with a CAS and sleeps on the semaphore.
//!
//! Invariants: the counter never goes below zero (that panics, as in Go, with Go's message);
//! when the counter reaches zero the waiter count is exactly the number of tokens released. A
//! `wait` future dropped while parked leaves a debt on the semaphore so its token is swallowed
//! and can never let a later `wait` through early.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use gorust_hooks::wait::WaitReason;

use crate::loom::{AtomicU64, Ordering::*};
use crate::sema::{Sema, SemaAcquire};

/// Waits for a collection of tasks to finish (Go's `sync.WaitGroup`).
///
/// # Examples
///
/// ```
/// use gorust_sync::WaitGroup;
/// use std::sync::Arc;
///
/// let wg = Arc::new(WaitGroup::new());
/// for _ in 0..3 {
///     wg.add(1);
///     let wg = wg.clone();
///     std::thread::spawn(move || wg.done());
/// }
/// wg.wait_blocking();
/// ```
pub struct WaitGroup {
    state: AtomicU64,
    sema: Sema,
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Relaxed);
        f.debug_struct("WaitGroup")
            .field("counter", &((s >> 32) as i32))
            .field("waiters", &(s as u32))
            .finish()
    }
}

impl Default for WaitGroup {
    fn default() -> Self {
        WaitGroup::new()
    }
}

impl WaitGroup {
    /// Creates a wait group with a zero counter.
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_sync::WaitGroup::new().wait_blocking(); // zero: returns at once
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> WaitGroup {
        WaitGroup {
            state: AtomicU64::new(0),
            sema: Sema::new(),
        }
    }

    /// Creates a wait group with a zero counter.
    #[cfg(loom)]
    pub fn new() -> WaitGroup {
        WaitGroup {
            state: AtomicU64::new(0),
            sema: Sema::new(),
        }
    }

    /// Adds `delta` (which may be negative) to the counter; at zero, every waiter is released.
    ///
    /// As in Go, calls with a positive delta that start from zero must happen before `wait`.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = gorust_sync::WaitGroup::new();
    /// wg.add(2);
    /// wg.add(-2);
    /// wg.wait_blocking();
    /// ```
    ///
    /// # Panics
    ///
    /// "sync: negative WaitGroup counter" if the counter would go below zero, and Go's misuse
    /// panics when `add` races with the release of waiters.
    pub fn add(&self, delta: i32) {
        let state = self
            .state
            .fetch_add((delta as i64 as u64) << 32, AcqRel)
            .wrapping_add((delta as i64 as u64) << 32);
        let v = (state >> 32) as i32;
        let w = state as u32;
        if v < 0 {
            panic!("sync: negative WaitGroup counter");
        }
        if w != 0 && delta > 0 && v == delta {
            panic!("sync: WaitGroup misuse: Add called concurrently with Wait");
        }
        if v > 0 || w == 0 {
            return;
        }
        // Counter is zero and there are waiters: nobody may change the state now (Go's
        // argument: adds must not race with a Wait that can return, waits see counter 0).
        if self.state.load(Relaxed) != state {
            panic!("sync: WaitGroup misuse: Add called concurrently with Wait");
        }
        self.state.store(0, Relaxed);
        for _ in 0..w {
            self.sema.release();
        }
    }

    /// Decrements the counter by one (Go's `Done`).
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = gorust_sync::WaitGroup::new();
    /// wg.add(1);
    /// wg.done();
    /// wg.wait_blocking();
    /// ```
    ///
    /// # Panics
    ///
    /// "sync: negative WaitGroup counter" when called more often than `add` counted.
    pub fn done(&self) {
        self.add(-1);
    }

    /// Waits until the counter is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let wg = gorust_sync::WaitGroup::new();
    /// wg.add(1);
    /// let (a, b) = futures::join!(wg.wait(), async { wg.done() });
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes is harmless: its wake-up is absorbed and no
    /// other waiter is affected.
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            wg: self,
            acq: None,
        }
    }

    /// Blocks the current thread until the counter is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_sync::WaitGroup::new().wait_blocking();
    /// ```
    ///
    /// # Panics
    ///
    /// Never itself; on an executor worker it blocks the worker.
    pub fn wait_blocking(&self) {
        crate::block::block_on(self.wait())
    }
}

/// The future returned by [`WaitGroup::wait`].
///
/// # Cancel safety
///
/// Cancel safe (see [`WaitGroup::wait`]).
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'a> {
    wg: &'a WaitGroup,
    acq: Option<SemaAcquire<'a>>,
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("parked", &self.acq.is_some())
            .finish()
    }
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.acq.is_none() {
            let mut s = this.wg.state.load(Acquire);
            loop {
                if s >> 32 == 0 {
                    return Poll::Ready(());
                }
                match this
                    .wg
                    .state
                    .compare_exchange_weak(s, s + 1, Acquire, Acquire)
                {
                    Ok(_) => break,
                    Err(cur) => s = cur,
                }
            }
            this.acq = Some(this.wg.sema.acquire(WaitReason::WaitGroupWait));
        }
        let acq = this.acq.as_mut().expect("set above");
        match Pin::new(acq).poll(cx) {
            Poll::Ready(()) => {
                this.acq = None;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(acq) = self.acq.as_mut() {
            // A handed-over token is simply consumed; a queued waiter leaves a debt.
            acq.cancel();
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::WaitGroup;
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::thread;

    #[test]
    fn wait_sees_all_done() {
        loom::model(|| {
            let wg = Arc::new(WaitGroup::new());
            let n = Arc::new(AtomicUsize::new(0));
            wg.add(2);
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let (wg, n) = (wg.clone(), n.clone());
                    thread::spawn(move || {
                        n.fetch_add(1, Ordering::Relaxed);
                        wg.done();
                    })
                })
                .collect();
            loom::future::block_on(wg.wait());
            assert_eq!(n.load(Ordering::Relaxed), 2);
            for h in hs {
                h.join().unwrap();
            }
        });
    }

    #[test]
    fn two_waiters() {
        loom::model(|| {
            let wg = Arc::new(WaitGroup::new());
            wg.add(1);
            let w2 = wg.clone();
            let t = thread::spawn(move || loom::future::block_on(w2.wait()));
            let d = wg.clone();
            let t2 = thread::spawn(move || d.done());
            loom::future::block_on(wg.wait());
            t.join().unwrap();
            t2.join().unwrap();
            assert_eq!(wg.state.load(Ordering::Relaxed), 0);
        });
    }
}
