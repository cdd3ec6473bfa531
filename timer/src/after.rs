//! `after_func` and `after`: run a function, or send the time on a channel, once a duration
//! has passed (Go's `time.AfterFunc` and `time.After`).
//!
//! Mirrors `time/sleep.go: AfterFunc, goFunc, After, sendTime`. Go runs `f` in a new goroutine; this crate
//! cannot spawn on the executor (it does not depend on it), so `f` runs on the shared fallback
//! timer thread, where every `after_func` timer lives. `f` should therefore be short (send on
//! a channel, cancel a context, spawn a task); long work must be spawned, or it delays the
//! other callbacks and the fallback timers.
//!
//! Invariants: the entry is a `CALLBACK` entry (firing consumes it: `when` becomes `NONE`), so
//! `stop` returns `true` exactly when it prevented a run of `f`. A panic in `f` is caught and
//! does not stop the driver thread (the panic message is printed by the panic hook).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

use crate::clock;
use crate::entry::Entry;

/// The waker of an `after_func` entry: waking it runs `f`.
struct Func {
    f: Mutex<Box<dyn FnMut() + Send>>,
}

impl Wake for Func {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut f = self.f.lock().unwrap_or_else(|e| e.into_inner());
        let _ = catch_unwind(AssertUnwindSafe(|| (*f)()));
    }
}

/// Runs `f` on the timer thread once `d` has passed (Go's `time.AfterFunc`).
///
/// `f` runs on gorust-timer's shared driver thread, not in a task: keep it short and spawn
/// anything long. `Duration::ZERO` runs it promptly; `Duration::MAX` practically never.
/// Dropping the returned handle does not cancel the call (as in Go); call
/// [`AfterFunc::stop`].
///
/// # Examples
///
/// ```
/// use std::sync::mpsc;
/// use std::time::Duration;
/// let (tx, rx) = mpsc::channel();
/// let _h = gorust_timer::after_func(Duration::from_millis(1), move || tx.send(42).unwrap());
/// assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(42));
/// ```
///
/// # Panics
///
/// Panics if the operating system refuses to start the driver thread (first use only). A
/// panic inside `f` is caught; it does not reach the caller or stop other timers.
pub fn after_func<F>(d: Duration, f: F) -> AfterFunc
where
    F: FnMut() + Send + 'static,
{
    let waker = Waker::from(Arc::new(Func {
        f: Mutex::new(Box::new(f)),
    }));
    let when = clock::to_tick(clock::deadline_after(d));
    let entry = crate::fallback::heap_ref().push_new(when, waker.clone(), true);
    AfterFunc { entry, waker }
}

/// The handle of an [`after_func`] call: stop it or run it again later.
///
/// # Examples
///
/// ```
/// let h = gorust_timer::after_func(std::time::Duration::from_secs(60), || unreachable!());
/// assert!(h.stop());
/// ```
pub struct AfterFunc {
    entry: Arc<Entry>,
    waker: Waker,
}

impl std::fmt::Debug for AfterFunc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfterFunc").finish_non_exhaustive()
    }
}

impl AfterFunc {
    /// Cancels the call (Go's `Timer.Stop`): `true` if this prevented `f` from running,
    /// `false` if `f` already started or the call was already stopped. It does not wait for a
    /// running `f` to finish.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = gorust_timer::after_func(std::time::Duration::from_secs(60), || ());
    /// assert!(h.stop());
    /// assert!(!h.stop());
    /// ```
    pub fn stop(&self) -> bool {
        self.entry.stop(true)
    }

    /// Schedules `f` to run after `d` (Go's `Timer.Reset` on an `AfterFunc` timer): returns
    /// `true` if that moved a pending call, `false` if it schedules a new run (`f` had run or
    /// the call was stopped).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    /// let (tx, rx) = mpsc::channel();
    /// let h = gorust_timer::after_func(Duration::from_secs(60), move || tx.send(()).unwrap());
    /// assert!(h.reset(Duration::from_millis(1)));
    /// rx.recv_timeout(Duration::from_secs(5)).unwrap();
    /// assert!(!h.reset(Duration::ZERO)); // runs f a second time
    /// rx.recv_timeout(Duration::from_secs(5)).unwrap();
    /// ```
    pub fn reset(&self, d: Duration) -> bool {
        self.reset_at(clock::deadline_after(d))
    }

    /// Schedules `f` to run at `deadline`; see [`reset`](AfterFunc::reset).
    ///
    /// # Examples
    ///
    /// ```
    /// let h = gorust_timer::after_func(std::time::Duration::from_secs(60), || ());
    /// assert!(h.reset_at(std::time::Instant::now() + std::time::Duration::from_secs(30)));
    /// ```
    pub fn reset_at(&self, deadline: Instant) -> bool {
        self.entry
            .modify(clock::to_tick(deadline), Some(&self.waker), true)
    }
}

impl Drop for AfterFunc {
    /// Detaches: a pending call still runs (Go's semantics); a stopped one frees `f` now.
    fn drop(&mut self) {
        self.entry.release_if_inactive();
    }
}

/// The waker of an `after` entry: waking it sends the current time on the channel.
struct Send1 {
    tx: gorust_chan::Sender<Instant>,
}

impl Wake for Send1 {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Capacity 1 and one send: it cannot be full; a dropped receiver just drops the value.
        let _ = self.tx.try_send(Instant::now());
    }
}

/// A channel that receives the current time once `d` has passed (Go's `time.After`).
///
/// The value is sent by whichever thread runs the timer (a P's scheduler, or the fallback
/// thread); the channel has capacity 1 and is closed after the send, so a second receive
/// returns `None` instead of blocking forever as in Go. Use it as a `select!` branch; for a
/// timer that can be stopped, use [`Timer`](crate::Timer) or [`after_func`]. A `Duration::ZERO`
/// (or any deadline already passed) sends at once; `Duration::MAX` practically never.
///
/// The timer stays in its heap until its deadline even if the receiver is dropped first (as
/// Go's did before 1.23): in a hot `select!` loop with a long timeout, prefer one
/// [`Timer`](crate::Timer) that is reset each round.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// futures::executor::block_on(async {
///     let start = Instant::now();
///     let rx = gorust_timer::after(Duration::from_millis(2));
///     let fired: Instant = rx.recv().await.unwrap();
///     assert!(fired - start >= Duration::from_millis(2));
/// });
/// ```
pub fn after(d: Duration) -> gorust_chan::Receiver<Instant> {
    let (tx, rx) = gorust_chan::make(1);
    let deadline = clock::deadline_after(d);
    let when = clock::to_tick(deadline);
    if when <= clock::now_tick() {
        let _ = tx.try_send(Instant::now());
    } else {
        let waker = Waker::from(Arc::new(Send1 { tx }));
        // No handle keeps the entry: like Go's `After`, it cannot be stopped; it leaves the
        // heap when it fires.
        drop(crate::driver::with_current_heap(|h| {
            h.push_new(when, waker, true)
        }));
    }
    rx
}
