//! The shared fallback driver: one lazily started thread that owns a timer heap and sleeps
//! until its earliest deadline. Timers created where no P's heap is entered (a tokio worker, a
//! plain thread, a gorust M without a P) and every `after_func` callback live here.
//!
//! Mirrors what Go does when no P runs timers: an idle M blocks in `netpoll(delay)` until the
//! earliest timer (`proc.go: findRunnable`, `pollUntil`), here with a thread park, which sleeps
//! to the nanosecond deadline (no 1 ms rounding as in `netpoll`'s epoll timeout).
//!
//! Invariants (a Dekker handshake, all `SeqCst`):
//! - The driver stores the tick it will sleep until in `sleeping_until`, then re-reads the
//!   heap's wake time before parking; an adder publishes its deadline in the heap, then reads
//!   `sleeping_until` and unparks the driver if its deadline is earlier. One of the two always
//!   sees the other, so a new earlier timer is never slept through.
//! - `sleeping_until` is 0 while the driver is awake (adders need not unpark it) and the thread
//!   handle is set before the first non-zero store.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, OnceLock};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use crate::clock::{self, NONE};
use crate::driver::WakeDriver;
use crate::timers::Heap;

/// The fallback thread's wake-up hook.
struct ThreadWake {
    thread: OnceLock<Thread>,
    sleeping_until: AtomicU64,
}

impl WakeDriver for ThreadWake {
    fn timer_earlier(&self, deadline: Instant) {
        if clock::to_tick(deadline) < self.sleeping_until.load(SeqCst)
            && let Some(t) = self.thread.get()
        {
            t.unpark();
        }
    }
}

static FALLBACK: OnceLock<Arc<Heap>> = OnceLock::new();

/// The fallback heap, starting its thread on first use.
///
/// # Panics
///
/// Panics if the operating system refuses to start the driver thread.
pub(crate) fn heap() -> Arc<Heap> {
    heap_ref().clone()
}

/// The fallback heap by reference (no reference-count traffic); see [`heap`].
#[inline]
pub(crate) fn heap_ref() -> &'static Arc<Heap> {
    FALLBACK.get_or_init(start)
}

fn start() -> Arc<Heap> {
    let wake = Arc::new(ThreadWake {
        thread: OnceLock::new(),
        sleeping_until: AtomicU64::new(0),
    });
    let heap = Heap::new(wake.clone());
    let driven = heap.clone();
    thread::Builder::new()
        .name("gorust-timer".into())
        .spawn(move || drive(&driven, &wake))
        .expect("gorust-timer: cannot start the fallback timer thread");
    heap
}

fn drive(heap: &Heap, wake: &ThreadWake) {
    let _ = wake.thread.set(thread::current());
    loop {
        wake.sleeping_until.store(0, SeqCst);
        // A panicking waker (printed by the panic hook) must not stop the shared driver.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            heap.run(clock::now_tick());
        }));
        let next = heap.wake_time();
        wake.sleeping_until.store(next, SeqCst);
        if heap.wake_time() < next {
            continue;
        }
        if next == NONE {
            thread::park();
        } else {
            let now = clock::now_tick();
            if next > now {
                thread::park_timeout(Duration::from_nanos(next - now));
            }
        }
    }
}
