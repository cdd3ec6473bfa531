//! Go's `time.Ticker` and `time.Tick`: a channel that receives the time every period.
//!
//! Mirrors `time/tick.go: NewTicker, Ticker.Stop, Ticker.Reset, Tick` and the periodic branch
//! of `runtime/time.go: timer.unlockAndRun` (`t.when += t.period * (1 + -delta/t.period)`: a
//! slow receiver skips ticks instead of getting a burst). The channel has capacity 1 and a
//! tick that finds it full is dropped, as in Go.
//!
//! A ticker is a `CALLBACK` entry on the fallback heap whose waker sends the time and re-arms
//! the entry for the next period. Invariants:
//! - While armed, the entry holds the waker (`Tick`), which holds the entry: the cycle keeps
//!   a handle-less `tick(d)` alive. It is broken when the ticker stops: `Ticker::drop`/`stop`
//!   take the waker out of the entry, and a `tick(d)` whose receiver is gone does not re-arm.
//! - A re-arm racing a `stop` cannot revive the ticker: `stop` sets `stopped` before stopping
//!   the entry, and the re-arm stops the entry again if it sees `stopped` after re-arming.

use std::ptr;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, OnceLock};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

use gorust_chan::{Receiver, Sender, TrySendError};

use crate::clock::{self, FAR};
use crate::entry::{CALLBACK, Entry};
use crate::timers::Heap;

/// The smallest period: shorter ones (including zero) are raised to it (Go panics instead).
const MIN_PERIOD: Duration = Duration::from_micros(1);

/// The waker of a ticker entry: sends the time, then re-arms for the next period.
struct Tick {
    tx: Sender<Instant>,
    period: AtomicU64,
    next: AtomicU64,
    stopped: AtomicBool,
    entry: OnceLock<Arc<Entry>>,
}

impl Wake for Tick {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let now = Instant::now();
        if let Err(TrySendError::Closed(_)) = self.tx.try_send(now) {
            return; // nobody can receive any more: let the ticker die
        }
        if self.stopped.load(SeqCst) {
            return;
        }
        let Some(entry) = self.entry.get() else {
            return;
        };
        let period = self.period.load(SeqCst).max(1);
        let when = self.next.load(SeqCst);
        let late = clock::to_tick(now).saturating_sub(when);
        let next = when
            .saturating_add(period.saturating_mul(1 + late / period))
            .min(FAR);
        self.next.store(next, SeqCst);
        entry.modify(next, Some(&Waker::from(self.clone())), true);
        if self.stopped.load(SeqCst) {
            entry.stop(false);
        }
    }
}

fn period_ticks(d: Duration) -> u64 {
    u64::try_from(d.max(MIN_PERIOD).as_nanos()).unwrap_or(FAR)
}

/// Starts a ticker; returns its shared state, waker and receiver.
fn start(d: Duration) -> (Arc<Tick>, Waker, Receiver<Instant>) {
    let (tx, rx) = gorust_chan::make(1);
    let period = period_ticks(d);
    let first = clock::to_tick(clock::deadline_after(d.max(MIN_PERIOD)));
    let tick = Arc::new(Tick {
        tx,
        period: AtomicU64::new(period),
        next: AtomicU64::new(first),
        stopped: AtomicBool::new(false),
        entry: OnceLock::new(),
    });
    let waker = Waker::from(tick.clone());
    // The entry must be reachable from the waker before it can fire (a first period shorter
    // than the time to get here would otherwise find no entry to re-arm and stop the ticker):
    // build it outside any heap, publish it, then add it.
    let entry = Arc::new(Entry::new(
        first,
        CALLBACK,
        Some(waker.clone()),
        ptr::null(),
    ));
    let entry = tick.entry.get_or_init(|| entry);
    Heap::maybe_add(crate::fallback::heap_ref(), entry);
    (tick, waker, rx)
}

/// Delivers the time on a channel every period (Go's `time.Ticker`).
///
/// The first tick comes one period after creation (unlike [`interval`](crate::interval),
/// whose first tick is immediate). The channel holds one tick; ticks a slow receiver misses
/// are dropped. A period below 1 µs (zero included) is raised to 1 µs instead of panicking.
/// The ticker runs on gorust-timer's fallback thread; dropping the `Ticker` stops it.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// futures::executor::block_on(async {
///     let start = Instant::now();
///     let t = gorust_timer::Ticker::new(Duration::from_millis(2));
///     let first = t.c().recv().await.unwrap();
///     let second = t.c().recv().await.unwrap();
///     assert!(first - start >= Duration::from_millis(2));
///     assert!(second > first);
///     t.stop();
/// });
/// ```
pub struct Ticker {
    tick: Arc<Tick>,
    waker: Waker,
    rx: Receiver<Instant>,
}

impl std::fmt::Debug for Ticker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticker")
            .field("period_ns", &self.tick.period.load(SeqCst))
            .field("stopped", &self.tick.stopped.load(SeqCst))
            .finish()
    }
}

impl Ticker {
    /// A ticker with period `d` (Go's `time.NewTicker`).
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gorust_timer::Ticker::new(std::time::Duration::from_secs(1));
    /// assert!(t.c().try_recv().is_err()); // nothing yet
    /// ```
    ///
    /// # Panics
    ///
    /// Only if the fallback timer thread cannot be started (first use).
    pub fn new(d: Duration) -> Ticker {
        let (tick, waker, rx) = start(d);
        Ticker { tick, waker, rx }
    }

    /// The channel the ticks arrive on (Go's `t.C`).
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gorust_timer::Ticker::new(std::time::Duration::from_millis(1));
    /// let at = futures::executor::block_on(t.c().recv());
    /// assert!(at.is_some());
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Receiving is cancel safe (a tick is consumed only by a receive that completes).
    pub fn c(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the ticker (Go's `Ticker.Stop`): no tick is sent after it returns. A tick already
    /// in the channel stays there.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gorust_timer::Ticker::new(std::time::Duration::from_millis(1));
    /// t.stop();
    /// std::thread::sleep(std::time::Duration::from_millis(5));
    /// assert!(t.c().try_recv().is_err());
    /// ```
    pub fn stop(&self) {
        self.tick.stopped.store(true, SeqCst);
        if let Some(entry) = self.tick.entry.get() {
            entry.stop(false);
        }
    }

    /// Restarts the ticker with period `d`, the next tick one period from now (Go's
    /// `Ticker.Reset`); also restarts a stopped ticker.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = gorust_timer::Ticker::new(Duration::from_secs(60));
    /// t.reset(Duration::from_millis(1));
    /// assert!(futures::executor::block_on(t.c().recv()).is_some());
    /// ```
    pub fn reset(&self, d: Duration) {
        let next = clock::to_tick(clock::deadline_after(d.max(MIN_PERIOD)));
        self.tick.period.store(period_ticks(d), SeqCst);
        self.tick.next.store(next, SeqCst);
        self.tick.stopped.store(false, SeqCst);
        if let Some(entry) = self.tick.entry.get() {
            entry.modify(next, Some(&self.waker), true);
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A channel that receives the time every `d` (Go's `time.Tick`): a [`Ticker`] without a
/// handle. It stops by itself at the first tick after the receiver is dropped.
///
/// # Examples
///
/// ```
/// futures::executor::block_on(async {
///     let every = gorust_timer::tick(std::time::Duration::from_millis(1));
///     for _ in 0..3 {
///         every.recv().await.unwrap();
///     }
/// });
/// ```
///
/// # Panics
///
/// Only if the fallback timer thread cannot be started (first use).
pub fn tick(d: Duration) -> Receiver<Instant> {
    let (_tick, _waker, rx) = start(d);
    rx
}
