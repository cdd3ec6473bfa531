//! The runtime's poller (Go's `runtime/netpoll.go`: `netpollinit`, `netpollopen`,
//! `netpollclose`, `netpoll(delay)`, `netpollBreak`, `netpollAnyWaiters`) and the seam the
//! executor drives.
//!
//! One [`Reactor`] per runtime. The executor calls [`enter`] on each M (and on the `block_on`
//! thread) so sources created there register with its reactor; it polls without blocking in
//! `findrunnable` when [`Reactor::has_waiters`], and while every P is idle one idle M blocks
//! in [`Reactor::poll`] with the earliest timer deadline as timeout (while some P runs it
//! sleeps in [`Reactor::wait_notify`] instead); new work or an earlier timer breaks it out
//! with [`Reactor::notify`]. Where no reactor is entered (a tokio worker, a plain thread), sources
//! register with a shared fallback reactor driven by its own lazily started thread, so every
//! type in this crate works on any executor.
//!
//! Invariants:
//! - Only one thread is inside the OS wait at a time (the `gate` lock, Go's `sched.lastpoll`
//!   swap): a concurrent caller gets `Ok(0)` at once, except a blocking caller behind a
//!   non-blocking holder, which waits its turn (microseconds).
//! - An event's key is `generation << INDEX_BITS | slab index`; an event whose generation does
//!   not match the descriptor now in that slot (a stale event for a reused slot) wakes nobody.
//! - `notify` is coalesced (`notify_pending`, Go's `netpollWakeSig`). A non-blocking poll
//!   never consumes it, so a notify that arrives before the blocking poll is not lost: the
//!   blocking poll sees the flag and returns at once.

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::Waker;
use std::time::Duration;

use slab::Slab;

use crate::loom::AtomicUsize;
use crate::poll_desc::{PollDesc, READ_HUP, READABLE, WRITABLE, WRITE_HUP};
use crate::sys::{EventBuf, OsPoller, RawEvent, WAKE_KEY};

/// Bits of a poller key that hold the slab index.
#[cfg(target_pointer_width = "64")]
const INDEX_BITS: u32 = 32;
#[cfg(not(target_pointer_width = "64"))]
const INDEX_BITS: u32 = 20;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// Generations wrap below the WAKE_KEY range.
const GEN_MASK: usize = (usize::MAX >> INDEX_BITS) >> 1;

/// What the thread inside `poll` owns.
struct PollScratch {
    events: EventBuf,
    ready: Vec<(Arc<PollDesc>, usize)>,
    wakers: Vec<Waker>,
}

/// The runtime's poller (Go's netpoll): one per runtime. `Send + Sync`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gorust_netpoll::driver::Reactor;
///
/// let reactor = Reactor::new()?;
/// // Nothing is registered, nobody waits: a non-blocking poll wakes nobody.
/// assert!(!reactor.has_waiters());
/// assert_eq!(reactor.poll(Some(Duration::ZERO))?, 0);
/// // A notify breaks the next blocking poll out at once.
/// reactor.notify()?;
/// assert_eq!(reactor.poll(None)?, 0);
/// # std::io::Result::Ok(())
/// ```
pub struct Reactor {
    os: OsPoller,
    /// Registered sources, indexed by the low bits of their key.
    sources: Mutex<Slab<Arc<PollDesc>>>,
    /// The next generation to stamp on a registration.
    next_gen: std::sync::atomic::AtomicUsize,
    /// Wakers currently stored in any descriptor (Go's `netpollWaiters`).
    waiters: AtomicUsize,
    /// A notify not yet consumed by a blocking poll (Go's `netpollWakeSig`).
    notify_pending: AtomicBool,
    /// The right to wait, and the buffers that go with it.
    gate: Mutex<PollScratch>,
    /// The gate's holder is a blocking poll (it may sit in the OS wait for long).
    blocked_in_os: AtomicBool,
    /// Set by `shutdown`: new registrations fail.
    shut: AtomicBool,
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("waiters", &self.waiters.load(Ordering::Relaxed))
            .field(
                "notify_pending",
                &self.notify_pending.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

impl Reactor {
    /// Creates a poller (an epoll instance and a wake-up eventfd on Linux).
    ///
    /// # Errors
    ///
    /// Whatever the OS says when it cannot create them (`EMFILE`, `ENOMEM`).
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = gorust_netpoll::driver::Reactor::new()?;
    /// assert!(!reactor.has_waiters());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new() -> io::Result<Arc<Reactor>> {
        Ok(Arc::new(Reactor {
            os: OsPoller::new()?,
            sources: Mutex::new(Slab::new()),
            next_gen: std::sync::atomic::AtomicUsize::new(1),
            waiters: AtomicUsize::new(0),
            notify_pending: AtomicBool::new(false),
            gate: Mutex::new(PollScratch {
                events: EventBuf::new(),
                ready: Vec::with_capacity(crate::sys::BATCH),
                wakers: Vec::with_capacity(crate::sys::BATCH),
            }),
            shut: AtomicBool::new(false),
            blocked_in_os: AtomicBool::new(false),
        }))
    }

    /// Waits at most `timeout` (None = until notified or an event) for I/O readiness, wakes
    /// the wakers of every ready source, and returns how many wakers it woke.
    /// `Some(Duration::ZERO)` polls without blocking.
    ///
    /// Only one thread is inside `poll` at a time: a second concurrent caller gets `Ok(0)` at
    /// once, unless it asked to block and the first is a non-blocking poll: then it waits for
    /// that one to return (microseconds) and takes its turn. Wakers are woken after the poller
    /// is free again. Timeouts keep
    /// nanosecond precision on Linux (no rounding up to 1 ms).
    ///
    /// # Errors
    ///
    /// An error from the OS wait other than `EINTR` (which returns `Ok(0)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let reactor = gorust_netpoll::driver::Reactor::new()?;
    /// let t = Instant::now();
    /// assert_eq!(reactor.poll(Some(Duration::from_micros(300)))?, 0);
    /// assert!(t.elapsed() >= Duration::from_micros(300));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll(&self, timeout: Option<Duration>) -> io::Result<usize> {
        self.poll_inner(timeout, None)
    }

    /// Like [`poll`](Reactor::poll), but instead of waking the ready tasks it appends their
    /// wakers to `out` in event order, so the executor can inject them as one batch (Go's
    /// `netpoll` returns a `gList` for `injectglist`: FIFO, spread over idle Ps) rather than
    /// having each wake land in the polling P's `runnext`. Returns how many it appended.
    ///
    /// # Errors
    ///
    /// As [`poll`](Reactor::poll).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let reactor = gorust_netpoll::driver::Reactor::new()?;
    /// let mut ready = Vec::new();
    /// assert_eq!(reactor.poll_into(Some(Duration::ZERO), &mut ready)?, 0);
    /// ready.into_iter().for_each(std::task::Waker::wake);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_into(&self, timeout: Option<Duration>, out: &mut Vec<Waker>) -> io::Result<usize> {
        self.poll_inner(timeout, Some(out))
    }

    fn poll_inner(
        &self,
        timeout: Option<Duration>,
        out: Option<&mut Vec<Waker>>,
    ) -> io::Result<usize> {
        let blocking = timeout != Some(Duration::ZERO);
        // A non-blocking poll skips when another thread is polling: that thread is delivering
        // the events. A blocking poll waits its turn instead. In the executor the holder is then
        // a non-blocking poll (a few microseconds), since only one M ever blocks; returning at
        // once would make the one blocking M spin on the gate (seen: millions of empty polls a
        // second while busy Ms polled, starving those Ms of a core).
        let mut scratch_guard = match self.gate.try_lock() {
            Ok(g) => g,
            // Only a blocking caller waits, and only behind a non-blocking holder: behind a
            // holder that is itself blocked in the OS (the fallback reactor's thread, say) it
            // would wait past its own timeout, so it returns at once as before.
            Err(std::sync::TryLockError::WouldBlock)
                if blocking && !self.blocked_in_os.load(Ordering::SeqCst) =>
            {
                self.gate.lock().unwrap_or_else(PoisonError::into_inner)
            }
            Err(std::sync::TryLockError::WouldBlock) => return Ok(0),
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        };
        let scratch = &mut *scratch_guard;
        self.blocked_in_os.store(blocking, Ordering::SeqCst);
        let mut timeout = timeout;
        if blocking && self.notify_pending.swap(false, Ordering::AcqRel) {
            // A notify arrived before we got here: do not sleep (it is not lost).
            timeout = Some(Duration::ZERO);
        }
        let mut saw_wake = false;
        let waited = {
            let sources = &self.sources;
            let ready = &mut scratch.ready;
            let mut guard = None;
            self.os.wait(&mut scratch.events, timeout, |ev: RawEvent| {
                if ev.key == WAKE_KEY {
                    saw_wake = true;
                    return;
                }
                let slab = guard
                    .get_or_insert_with(|| sources.lock().unwrap_or_else(PoisonError::into_inner));
                if let Some(pd) = lookup(slab, ev.key) {
                    let bits = if ev.readable { READABLE } else { 0 }
                        | if ev.writable { WRITABLE } else { 0 }
                        | if ev.read_hup { READ_HUP } else { 0 }
                        | if ev.write_hup { WRITE_HUP } else { 0 };
                    if bits != 0 {
                        ready.push((pd.clone(), bits));
                    }
                }
            })
        };
        self.blocked_in_os.store(false, Ordering::SeqCst);
        waited?;
        if blocking {
            // Consume the notification that woke us (or raced with our return).
            self.notify_pending.swap(false, Ordering::AcqRel);
            if saw_wake {
                self.os.drain_wake();
            }
        }
        let mut woken = 0;
        match out {
            Some(out) => {
                for (pd, bits) in scratch.ready.drain(..) {
                    woken += pd.set_readiness(bits, out, &self.waiters);
                }
            }
            None => {
                // Wake after giving the gate back: a woken task may poll this reactor itself.
                let mut wakers = std::mem::take(&mut scratch.wakers);
                for (pd, bits) in scratch.ready.drain(..) {
                    woken += pd.set_readiness(bits, &mut wakers, &self.waiters);
                }
                drop(scratch_guard);
                wakers.drain(..).for_each(Waker::wake);
                // Keep the buffer for the next poll if the gate is free.
                if let Ok(mut g) = self.gate.try_lock() {
                    g.wakers = wakers;
                }
            }
        }
        Ok(woken)
    }

    /// Sleeps until a [`notify`](Reactor::notify) or until `timeout` passes (`None`: until
    /// notified), without polling any source: I/O readiness does not end this wait. The
    /// executor's idle M sleeps here for its timers while other Ms run and poll the network
    /// themselves, so socket wake-ups never land on a thread that has nothing to run them
    /// with. Consumes a pending notify, like a blocking [`poll`](Reactor::poll).
    ///
    /// # Errors
    ///
    /// An error from the OS wait other than `EINTR` (which returns early with `Ok`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let reactor = gorust_netpoll::driver::Reactor::new()?;
    /// let t = Instant::now();
    /// reactor.wait_notify(Some(Duration::from_millis(2)))?;
    /// assert!(t.elapsed() >= Duration::from_millis(2));
    /// reactor.notify()?;
    /// reactor.wait_notify(None)?; // returns at once: the notify was kept
    /// # std::io::Result::Ok(())
    /// ```
    pub fn wait_notify(&self, timeout: Option<Duration>) -> io::Result<()> {
        if self.notify_pending.swap(false, Ordering::AcqRel) {
            self.os.drain_wake();
            return Ok(());
        }
        let woken = self.os.wait_wake(timeout)?;
        // Consume the notification that woke us (or raced with our return), as `poll` does.
        self.notify_pending.swap(false, Ordering::AcqRel);
        if woken {
            self.os.drain_wake();
        }
        Ok(())
    }

    /// Breaks a blocked [`poll`](Reactor::poll) or [`wait_notify`](Reactor::wait_notify) out
    /// (Go's `netpollBreak`). Coalesced; a notify that arrives before the wait is not lost: the
    /// next blocking wait returns at once.
    ///
    /// # Errors
    ///
    /// An error writing the wake-up fd (practically never).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let reactor = gorust_netpoll::driver::Reactor::new()?;
    /// let r2 = reactor.clone();
    /// let t = std::thread::spawn(move || r2.poll(None));
    /// std::thread::sleep(Duration::from_millis(20));
    /// reactor.notify()?;
    /// assert_eq!(t.join().unwrap()?, 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn notify(&self) -> io::Result<()> {
        if !self.notify_pending.swap(true, Ordering::AcqRel) {
            self.os.wake()?;
        }
        Ok(())
    }

    /// True when some task waits on I/O (Go's `netpollAnyWaiters`): the executor polls only
    /// then.
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = gorust_netpoll::driver::Reactor::new()?;
    /// assert!(!reactor.has_waiters());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn has_waiters(&self) -> bool {
        self.waiters.load(Ordering::SeqCst) != 0
    }

    /// How many sources are registered (diagnostics; the goroutine dump and tests use it).
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = gorust_netpoll::driver::Reactor::new()?;
    /// assert_eq!(reactor.sources(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn sources(&self) -> usize {
        self.sources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Shuts the reactor down (the runtime is being dropped): every registered source is
    /// closed and its waiters woken; their operations fail with an error, and new
    /// registrations fail. Returns how many wakers it woke.
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = gorust_netpoll::driver::Reactor::new()?;
    /// assert_eq!(reactor.shutdown(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self) -> usize {
        self.shut.store(true, Ordering::SeqCst);
        let pds: Vec<Arc<PollDesc>> = self
            .sources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(_, pd)| pd.clone())
            .collect();
        let mut wakers = Vec::new();
        let mut n = 0;
        for pd in pds {
            n += pd.close(&mut wakers, &self.waiters);
        }
        wakers.into_iter().for_each(Waker::wake);
        n
    }

    /// Registers `fd` (edge-triggered, readable and writable, once: Go's `netpollopen`).
    pub(crate) fn register(&self, fd: RawFd) -> io::Result<Arc<PollDesc>> {
        if self.shut.load(Ordering::SeqCst) {
            return Err(io::Error::other(
                "the gorust runtime's reactor has shut down",
            ));
        }
        let gen_ = self.next_gen.fetch_add(1, Ordering::Relaxed) & GEN_MASK;
        let gen_ = if gen_ == 0 { 1 } else { gen_ };
        let pd = {
            let mut slab = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
            let entry = slab.vacant_entry();
            let idx = entry.key();
            if idx > INDEX_MASK {
                return Err(io::Error::other("too many registered I/O sources"));
            }
            let pd = Arc::new(PollDesc::new(gen_ << INDEX_BITS | idx));
            entry.insert(pd.clone());
            pd
        };
        // SAFETY: the caller keeps `fd` open until `deregister` has deleted it from the
        // poller (every owner deregisters in Drop before closing the fd).
        let added = unsafe { self.os.add(fd, pd.key) };
        if let Err(e) = added {
            self.remove(&pd);
            return Err(e);
        }
        Ok(pd)
    }

    /// Deletes `fd` from the poller, frees the slot, and wakes the descriptor's waiters with an
    /// error (Go's `netpollclose` + `netpollunblock` on close).
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>, pd: &Arc<PollDesc>) -> io::Result<()> {
        let res = self.os.poller.delete(fd);
        self.remove(pd);
        let mut wakers = Vec::new();
        pd.close(&mut wakers, &self.waiters);
        wakers.into_iter().for_each(Waker::wake);
        res
    }

    fn remove(&self, pd: &Arc<PollDesc>) {
        let mut slab = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        let idx = pd.key & INDEX_MASK;
        if slab.get(idx).is_some_and(|p| Arc::ptr_eq(p, pd)) {
            slab.remove(idx);
        }
    }

    /// Whether a stream may forget readiness after a short transfer (the poller reports exact
    /// hang-ups, so a FIN that came with the last bytes is kept: see poll_desc.rs).
    pub(crate) fn reports_hangups(&self) -> bool {
        self.os.reports_hangups()
    }

    /// The waiter counter descriptors update.
    pub(crate) fn waiter_count(&self) -> &AtomicUsize {
        &self.waiters
    }
}

/// The descriptor an event's key names, if it is still the one registered in that slot (a
/// stale key for a reused slot has a different generation and finds nothing).
fn lookup(slab: &Slab<Arc<PollDesc>>, key: usize) -> Option<&Arc<PollDesc>> {
    slab.get(key & INDEX_MASK).filter(|pd| pd.key == key)
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Reactor>>> = const { RefCell::new(None) };
}

/// Makes `reactor` the one new sources register with on this thread (the executor calls this
/// on each M and on the `block_on` thread); [`exit`] undoes it.
///
/// # Examples
///
/// ```
/// use gorust_netpoll::driver;
/// let reactor = driver::Reactor::new()?;
/// driver::enter(reactor.clone());
/// let l = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let a = gorust_netpoll::io::Async::new(l)?; // registers with `reactor`
/// assert_eq!(reactor.sources(), 1);
/// drop(a);
/// assert_eq!(reactor.sources(), 0);
/// driver::exit();
/// # std::io::Result::Ok(())
/// ```
pub fn enter(reactor: Arc<Reactor>) {
    CURRENT.with(|c| *c.borrow_mut() = Some(reactor));
}

/// Undoes [`enter`]: sources created on this thread go to the fallback reactor again.
///
/// # Examples
///
/// ```
/// gorust_netpoll::driver::exit(); // harmless when nothing was entered
/// ```
pub fn exit() {
    CURRENT.with(|c| *c.borrow_mut() = None);
}

/// The reactor new sources on this thread register with: the entered one, else the fallback.
///
/// # Errors
///
/// When the fallback reactor cannot be created (the process is out of file descriptors).
///
/// # Examples
///
/// ```
/// let r = gorust_netpoll::driver::current()?;
/// let again = gorust_netpoll::driver::current()?;
/// assert!(std::sync::Arc::ptr_eq(&r, &again)); // the shared fallback
/// # std::io::Result::Ok(())
/// ```
pub fn current() -> io::Result<Arc<Reactor>> {
    if let Some(r) = CURRENT.with(|c| c.borrow().clone()) {
        return Ok(r);
    }
    fallback()
}

static FALLBACK: OnceLock<Arc<Reactor>> = OnceLock::new();
static FALLBACK_INIT: Mutex<()> = Mutex::new(());

/// The shared fallback reactor, with its driver thread started on first use (async-io's
/// "async-io" thread, but blocking in the poller rather than backing off).
fn fallback() -> io::Result<Arc<Reactor>> {
    if let Some(r) = FALLBACK.get() {
        return Ok(r.clone());
    }
    let _g = FALLBACK_INIT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(r) = FALLBACK.get() {
        return Ok(r.clone());
    }
    let r = Reactor::new()?;
    let driver = r.clone();
    std::thread::Builder::new()
        .name("gorust-netpoll".into())
        .spawn(move || {
            loop {
                if let Err(e) = driver.poll(None) {
                    // Never spin on a persistent error.
                    eprintln!("gorust-netpoll: fallback poller error: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        })?;
    let _ = FALLBACK.set(r.clone());
    Ok(r)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn early_notify_survives_a_nonblocking_poll() {
        let r = Reactor::new().unwrap();
        r.notify().unwrap();
        // A non-blocking poll sees the eventfd edge but must not consume the notify.
        assert_eq!(r.poll(Some(Duration::ZERO)).unwrap(), 0);
        let t = Instant::now();
        r.poll(Some(Duration::from_secs(5))).unwrap();
        assert!(t.elapsed() < Duration::from_secs(1), "notify was lost");
        // Consumed now: the next poll sleeps its timeout.
        let t = Instant::now();
        r.poll(Some(Duration::from_millis(30))).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(29));
    }

    #[test]
    fn extreme_timeouts_are_accepted() {
        let r = Reactor::new().unwrap();
        let r2 = r.clone();
        let t = std::thread::spawn(move || r2.poll(Some(Duration::MAX)));
        std::thread::sleep(Duration::from_millis(20));
        r.notify().unwrap();
        assert_eq!(
            t.join().unwrap().unwrap(),
            0,
            "Duration::MAX is 'forever', not EINVAL"
        );
        assert_eq!(r.poll(Some(Duration::from_nanos(1))).unwrap(), 0);
    }

    #[test]
    fn concurrent_nonblocking_poll_returns_at_once() {
        let r = Reactor::new().unwrap();
        let r2 = r.clone();
        let t = std::thread::spawn(move || r2.poll(None));
        std::thread::sleep(Duration::from_millis(30));
        let start = Instant::now();
        assert_eq!(r.poll(Some(Duration::ZERO)).unwrap(), 0);
        assert!(start.elapsed() < Duration::from_millis(20));
        r.notify().unwrap();
        t.join().unwrap().unwrap();
    }

    #[test]
    fn blocking_poll_waits_behind_a_nonblocking_holder_only() {
        let r = Reactor::new().unwrap();
        // A non-blocking poll holds the gate (simulated): a blocking poll waits for it, then
        // sleeps its own timeout, instead of returning at once (the executor's one blocking M
        // spun on the gate that way).
        let held = r.gate.lock().unwrap();
        let r2 = r.clone();
        let t = std::thread::spawn(move || {
            let start = Instant::now();
            r2.poll(Some(Duration::from_millis(30))).unwrap();
            start.elapsed()
        });
        std::thread::sleep(Duration::from_millis(20));
        drop(held);
        let took = t.join().unwrap();
        assert!(took >= Duration::from_millis(45), "returned after {took:?}");
        // Behind a holder blocked in the OS wait, a blocking poll returns at once.
        let r3 = r.clone();
        let first = std::thread::spawn(move || r3.poll(None));
        std::thread::sleep(Duration::from_millis(30));
        let start = Instant::now();
        assert_eq!(r.poll(Some(Duration::from_secs(5))).unwrap(), 0);
        assert!(start.elapsed() < Duration::from_secs(1));
        r.notify().unwrap();
        first.join().unwrap().unwrap();
    }

    #[test]
    fn wait_notify_ignores_io_and_ends_on_notify() {
        use std::io::Write;
        let r = Reactor::new().unwrap();
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        let pd = r.register(std::os::fd::AsRawFd::as_raw_fd(&b)).unwrap();
        a.write_all(b"x").unwrap();
        // Readiness is pending in the poller, but a timers-only wait does not see it.
        let t = Instant::now();
        r.wait_notify(Some(Duration::from_millis(30))).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(29), "woken by I/O");
        // A notify ends it at once, from another thread or from before the wait.
        let r2 = r.clone();
        let n = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            r2.notify().unwrap();
        });
        let t = Instant::now();
        r.wait_notify(Some(Duration::from_secs(5))).unwrap();
        assert!(t.elapsed() < Duration::from_secs(1), "notify lost");
        n.join().unwrap();
        // Consumed: the next wait sleeps its timeout; the I/O event is still there for a poll.
        let t = Instant::now();
        r.wait_notify(Some(Duration::from_millis(10))).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(9));
        let mut ready = Vec::new();
        r.poll_into(Some(Duration::ZERO), &mut ready).unwrap();
        assert!(pd.is_ready(crate::poll_desc::Direction::Read));
        r.deregister(std::os::fd::AsFd::as_fd(&b), &pd).unwrap();
    }

    #[test]
    fn sub_millisecond_timeout_is_not_rounded_up() {
        let r = Reactor::new().unwrap();
        let mut lat = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            r.poll(Some(Duration::from_micros(100))).unwrap();
            lat.push(t.elapsed());
        }
        lat.sort();
        let median = lat[lat.len() / 2];
        assert!(median >= Duration::from_micros(100));
        assert!(
            median < Duration::from_micros(900),
            "median {median:?}: rounded to 1 ms?"
        );
    }

    #[test]
    fn stale_event_for_a_reused_slot_wakes_nobody() {
        let r = Reactor::new().unwrap();
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let pd1 = r.register(std::os::fd::AsRawFd::as_raw_fd(&a)).unwrap();
        let old_key = pd1.key;
        r.deregister(std::os::fd::AsFd::as_fd(&a), &pd1).unwrap();
        let pd2 = r.register(std::os::fd::AsRawFd::as_raw_fd(&a)).unwrap();
        assert_eq!(old_key & INDEX_MASK, pd2.key & INDEX_MASK, "slot reused");
        assert_ne!(old_key, pd2.key, "generation differs");
        {
            let slab = r.sources.lock().unwrap();
            assert!(
                lookup(&slab, old_key).is_none(),
                "a stale event finds no descriptor"
            );
            assert!(lookup(&slab, pd2.key).is_some_and(|pd| Arc::ptr_eq(pd, &pd2)));
        }
        r.deregister(std::os::fd::AsFd::as_fd(&a), &pd2).unwrap();
    }
}
