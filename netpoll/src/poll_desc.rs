//! The per-source poll descriptor (Go's `pollDesc`, `runtime/netpoll.go`): cached readiness and
//! the wakers of the tasks waiting on one file descriptor.
//!
//! Go keeps two binary semaphores per descriptor (`rg`/`wg`: nil, `pdReady`, `pdWait` or a
//! parked G) and tries the syscall first; `netpollblock` consumes `pdReady` or parks. gorust keeps
//! the same facts in one packed word plus a small waiter table, tokio-style:
//!
//! | bits    | meaning                                                            |
//! |---------|--------------------------------------------------------------------|
//! | 0       | `READABLE`: the last event said the fd can be read                 |
//! | 1       | `WRITABLE`: the last event said the fd can be written              |
//! | 2       | `CLOSED`: the source was deregistered or its reactor shut down     |
//! | 3       | `READ_HUP`: the peer closed its side, or the fd hung up or errored |
//! | 4       | `WRITE_HUP`: the fd hung up or errored                             |
//! | 5..     | `tick`: bumped by every event delivered to this descriptor         |
//!
//! The two `HUP` bits are sticky: a hang-up is a final state, so the poller reports it once,
//! and an operation that was told "ready" by a hang-up always finds it (a `recv` that returns
//! 0, a `send` that fails), never `EWOULDBLOCK`. They let a stream forget readiness after a
//! *short* transfer (tokio's rule: a `recv` that filled less than the buffer drained the socket)
//! without the `EWOULDBLOCK` syscall, and without losing a FIN that came in the same edge as the
//! last bytes: that edge set `READ_HUP`, which the short-transfer clear leaves alone.
//!
//! Invariants:
//! - Readiness bits are set only by the poller ([`PollDesc::set_readiness`]) and by
//!   registration (a new source starts readable and writable, so the first operation tries the
//!   syscall at once, as Go does). They are cleared only by [`PollDesc::clear_readiness`] after
//!   the syscall said `EWOULDBLOCK`, and only if the tick has not moved since the caller saw the
//!   bit: an event that raced with the failing syscall is never lost (the edge-triggered
//!   re-arm rule: with `EPOLLET` there is no second event for the same edge).
//! - A waker is stored under the `waiters` lock and the state is re-read under that lock; the
//!   poller sets the state before it takes the lock. Either the waiter sees the new readiness
//!   or the poller sees the waker: no lost wakeup.
//! - Every stored waker is counted once in the reactor's waiter count (Go's
//!   `netpollWaiters`), and uncounted exactly when it is taken (woken) or removed.

use std::io;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use crate::loom::{AtomicUsize, Mutex};
use std::task::{Context, Poll, Waker};

use slab::Slab;

/// The fd can be read (or has an error or hang-up to report).
pub(crate) const READABLE: usize = 1 << 0;
/// The fd can be written (or has an error or hang-up to report).
pub(crate) const WRITABLE: usize = 1 << 1;
/// The source was deregistered, or its reactor shut down: every wait fails.
pub(crate) const CLOSED: usize = 1 << 2;
/// Sticky: the read side is finished (peer's FIN, hang-up or error: `EPOLLRDHUP`, `EPOLLHUP`,
/// `EPOLLERR`); a read reports it instead of waiting.
pub(crate) const READ_HUP: usize = 1 << 3;
/// Sticky: the fd hung up or errored (`EPOLLHUP`, `EPOLLERR`); a write reports it.
pub(crate) const WRITE_HUP: usize = 1 << 4;
/// The shift of the tick counter inside the state word.
const TICK_SHIFT: u32 = 5;
/// One tick.
const TICK_ONE: usize = 1 << TICK_SHIFT;

/// Which half of a descriptor a task waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Waiting to read (or accept, or receive).
    Read,
    /// Waiting to write (or connect, or send).
    Write,
}

impl Direction {
    /// The readiness bit for this direction.
    #[inline]
    pub(crate) fn bit(self) -> usize {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }

    /// The sticky hang-up bit that also makes this direction ready.
    #[inline]
    pub(crate) fn hup_bit(self) -> usize {
        match self {
            Direction::Read => READ_HUP,
            Direction::Write => WRITE_HUP,
        }
    }
}

/// A readiness observation: the direction's bit was set at `tick`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    /// The tick the state word had when the bit was seen.
    pub(crate) tick: usize,
    /// The direction that was ready.
    pub(crate) dir: Direction,
}

/// The wakers of one direction: one slot for `poll_*` callers (one task per direction, as the
/// `AsyncRead`/`AsyncWrite` contract implies) plus keyed slots for futures that may be many
/// (several tasks awaiting `recv_from` on one shared `UdpSocket`).
#[derive(Debug, Default)]
struct DirWaiters {
    slot: Option<Waker>,
    keyed: Slab<Option<Waker>>,
}

/// Both directions' wakers.
#[derive(Debug, Default)]
struct Waiters {
    read: DirWaiters,
    write: DirWaiters,
}

impl Waiters {
    fn dir(&mut self, dir: Direction) -> &mut DirWaiters {
        match dir {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

/// Where a waiting task keeps its waker (see [`DirWaiters`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitSlot {
    /// The per-direction slot used by `poll_*` methods.
    Poll,
    /// A keyed slot owned by one future; `None` until the future first parks.
    Keyed(Option<usize>),
}

/// One registered source: readiness word and waiters.
#[derive(Debug)]
pub(crate) struct PollDesc {
    /// The packed state word (bit table in the module doc).
    state: AtomicUsize,
    /// The parked tasks' wakers.
    waiters: Mutex<Waiters>,
    /// The key given to the OS poller: slab index and generation.
    pub(crate) key: usize,
}

impl PollDesc {
    /// A fresh descriptor: optimistically readable and writable, so the first operation tries
    /// the syscall at once (Go tries the syscall before it ever parks).
    pub(crate) fn new(key: usize) -> PollDesc {
        PollDesc {
            state: AtomicUsize::new(READABLE | WRITABLE),
            waiters: Mutex::new(Waiters::default()),
            key,
        }
    }

    fn lock(&self) -> impl std::ops::DerefMut<Target = Waiters> + '_ {
        // A panic while holding this lock cannot leave the waiter table inconsistent (every
        // critical section is a few field writes), so poisoning is ignored.
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks readiness for `dir`; when not ready, stores `cx`'s waker in `slot` and re-checks.
    ///
    /// `waiters` is the reactor's waiter count, bumped when a new waker is stored.
    pub(crate) fn poll_ready(
        &self,
        dir: Direction,
        slot: &mut WaitSlot,
        cx: &mut Context<'_>,
        waiters: &AtomicUsize,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(r) = self.check(dir, self.state.load(Ordering::Acquire)) {
            return Poll::Ready(r);
        }
        let mut w = self.lock();
        let d = w.dir(dir);
        let entry = match slot {
            WaitSlot::Poll => &mut d.slot,
            WaitSlot::Keyed(Some(k)) => match d.keyed.get_mut(*k) {
                Some(e) => e,
                None => {
                    // The key was cleared by a deregistration; start afresh.
                    let k2 = d.keyed.insert(None);
                    *slot = WaitSlot::Keyed(Some(k2));
                    &mut d.keyed[k2]
                }
            },
            WaitSlot::Keyed(None) => {
                let k = d.keyed.insert(None);
                *slot = WaitSlot::Keyed(Some(k));
                &mut d.keyed[k]
            }
        };
        match entry {
            Some(old) if old.will_wake(cx.waker()) => {}
            Some(old) => old.clone_from(cx.waker()),
            None => {
                *entry = Some(cx.waker().clone());
                waiters.fetch_add(1, Ordering::SeqCst);
            }
        }
        // Re-check under the lock: the poller sets the state before it takes this lock.
        let state = self.state.load(Ordering::Acquire);
        if let Some(r) = self.check(dir, state) {
            if entry.take().is_some() {
                waiters.fetch_sub(1, Ordering::SeqCst);
            }
            return Poll::Ready(r);
        }
        Poll::Pending
    }

    /// Removes a keyed slot (a future dropped or finished). Uncounts its waker if present.
    pub(crate) fn remove_slot(&self, dir: Direction, slot: WaitSlot, waiters: &AtomicUsize) {
        if let WaitSlot::Keyed(Some(k)) = slot {
            let mut w = self.lock();
            let d = w.dir(dir);
            if d.keyed.contains(k) && d.keyed.remove(k).is_some() {
                waiters.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    #[inline]
    fn check(&self, dir: Direction, state: usize) -> Option<io::Result<ReadyEvent>> {
        if state & CLOSED != 0 {
            Some(Err(closed_error()))
        } else if state & (dir.bit() | dir.hup_bit()) != 0 {
            Some(Ok(ReadyEvent {
                tick: state >> TICK_SHIFT,
                dir,
            }))
        } else {
            None
        }
    }

    /// True when `dir` is currently marked ready (or closed).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_ready(&self, dir: Direction) -> bool {
        self.state.load(Ordering::Acquire) & (dir.bit() | dir.hup_bit() | CLOSED) != 0
    }

    /// The syscall said `EWOULDBLOCK`: clears `ev.dir`'s readiness, hang-up included (the
    /// kernel just said there is nothing to report), if no event arrived since `ev` was
    /// observed.
    pub(crate) fn clear_readiness(&self, ev: ReadyEvent) {
        self.clear(ev, ev.dir.bit());
    }

    /// A stream transfer came back short (the socket's buffer is drained, or full): clears
    /// `ev.dir`'s readiness but keeps a sticky hang-up, if no event arrived since `ev`.
    pub(crate) fn clear_after_short_transfer(&self, ev: ReadyEvent) {
        self.clear(ev, ev.dir.bit());
    }

    fn clear(&self, ev: ReadyEvent, bits: usize) {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if cur >> TICK_SHIFT != ev.tick & (usize::MAX >> TICK_SHIFT) {
                return; // a newer event: the fd may be ready again
            }
            let new = cur & !bits;
            match self
                .state
                .compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Called by the poller: sets `ready` bits, bumps the tick, and moves the wakers of the
    /// directions that became ready into `out`. Returns how many wakers were moved.
    pub(crate) fn set_readiness(
        &self,
        ready: usize,
        out: &mut Vec<Waker>,
        waiters: &AtomicUsize,
    ) -> usize {
        self.state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                Some((s | ready).wrapping_add(TICK_ONE))
            })
            .ok();
        let mut w = self.lock();
        let mut n = 0;
        if ready & (READABLE | READ_HUP) != 0 {
            n += drain(&mut w.read, out);
        }
        if ready & (WRITABLE | WRITE_HUP) != 0 {
            n += drain(&mut w.write, out);
        }
        drop(w);
        if n > 0 {
            waiters.fetch_sub(n, Ordering::SeqCst);
        }
        n
    }

    /// Marks the descriptor closed and moves every waker into `out` (deregistration or
    /// reactor shutdown: Go's `netpollunblock` with `errNetClosing`).
    pub(crate) fn close(&self, out: &mut Vec<Waker>, waiters: &AtomicUsize) -> usize {
        self.state.fetch_or(CLOSED, Ordering::AcqRel);
        let mut w = self.lock();
        let n = drain(&mut w.read, out) + drain(&mut w.write, out);
        drop(w);
        if n > 0 {
            waiters.fetch_sub(n, Ordering::SeqCst);
        }
        n
    }
}

/// Moves every waker of one direction into `out` (keyed slots stay allocated so their owners
/// can re-park with the same key).
fn drain(d: &mut DirWaiters, out: &mut Vec<Waker>) -> usize {
    let mut n = 0;
    if let Some(w) = d.slot.take() {
        out.push(w);
        n += 1;
    }
    for (_, e) in d.keyed.iter_mut() {
        if let Some(w) = e.take() {
            out.push(w);
            n += 1;
        }
    }
    n
}

/// The error a wait gets when its source is gone (Go's `ErrNetClosing`).
pub(crate) fn closed_error() -> io::Error {
    io::Error::other("use of closed network connection: the I/O source was deregistered")
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn stale_clear_does_not_lose_an_event() {
        let pd = PollDesc::new(0);
        let n = AtomicUsize::new(0);
        let c = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(c.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slot = WaitSlot::Poll;
        let ev = match pd.poll_ready(Direction::Read, &mut slot, &mut cx, &n) {
            Poll::Ready(Ok(ev)) => ev,
            other => panic!("fresh descriptor not ready: {other:?}"),
        };
        // An event arrives between the failing syscall and the clear.
        let mut out = Vec::new();
        pd.set_readiness(READABLE, &mut out, &n);
        pd.clear_readiness(ev);
        assert!(pd.is_ready(Direction::Read), "event lost by a stale clear");
        // A clear with the current tick does clear.
        let ev2 = match pd.poll_ready(Direction::Read, &mut slot, &mut cx, &n) {
            Poll::Ready(Ok(ev)) => ev,
            other => panic!("{other:?}"),
        };
        pd.clear_readiness(ev2);
        assert!(!pd.is_ready(Direction::Read));
        assert!(
            pd.poll_ready(Direction::Read, &mut slot, &mut cx, &n)
                .is_pending()
        );
        assert_eq!(n.load(Ordering::SeqCst), 1);
        assert_eq!(pd.set_readiness(READABLE, &mut out, &n), 1);
        assert_eq!(n.load(Ordering::SeqCst), 0);
        out.drain(..).for_each(Waker::wake);
        assert_eq!(c.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn close_wakes_every_waiter_with_an_error() {
        let pd = PollDesc::new(0);
        let n = AtomicUsize::new(0);
        let c = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(c.clone());
        let mut cx = Context::from_waker(&waker);
        for dir in [Direction::Read, Direction::Write] {
            let ev = match pd.poll_ready(dir, &mut WaitSlot::Poll, &mut cx, &n) {
                Poll::Ready(Ok(ev)) => ev,
                other => panic!("{other:?}"),
            };
            pd.clear_readiness(ev);
        }
        let mut k1 = WaitSlot::Keyed(None);
        let mut k2 = WaitSlot::Keyed(None);
        assert!(
            pd.poll_ready(Direction::Read, &mut k1, &mut cx, &n)
                .is_pending()
        );
        assert!(
            pd.poll_ready(Direction::Read, &mut k2, &mut cx, &n)
                .is_pending()
        );
        assert!(
            pd.poll_ready(Direction::Write, &mut WaitSlot::Poll, &mut cx, &n)
                .is_pending()
        );
        assert_eq!(n.load(Ordering::SeqCst), 3);
        let mut out = Vec::new();
        assert_eq!(pd.close(&mut out, &n), 3);
        assert_eq!(n.load(Ordering::SeqCst), 0);
        out.drain(..).for_each(Waker::wake);
        assert_eq!(c.0.load(Ordering::SeqCst), 3);
        match pd.poll_ready(Direction::Read, &mut k1, &mut cx, &n) {
            Poll::Ready(Err(e)) => assert!(e.to_string().contains("closed")),
            other => panic!("{other:?}"),
        }
        pd.remove_slot(Direction::Read, k1, &n);
        pd.remove_slot(Direction::Read, k2, &n);
        assert_eq!(n.load(Ordering::SeqCst), 0);
    }
}

/// Loom models of the two protocols above: a waker stored while the poller sets readiness is
/// never lost, and a stale clear never erases a newer event.
#[cfg(all(test, loom))]
mod loom_models {
    use super::*;
    use loom::sync::Arc;
    use loom::sync::atomic::AtomicBool;
    use std::task::Wake;

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    fn not_ready(pd: &PollDesc, n: &AtomicUsize) {
        let mut cx = Context::from_waker(Waker::noop());
        if let Poll::Ready(Ok(ev)) = pd.poll_ready(Direction::Read, &mut WaitSlot::Poll, &mut cx, n)
        {
            pd.clear_readiness(ev);
        }
    }

    #[test]
    fn park_racing_an_event_is_never_lost() {
        loom::model(|| {
            let pd = Arc::new(PollDesc::new(0));
            let n = Arc::new(AtomicUsize::new(0));
            not_ready(&pd, &n);
            let (pd2, n2) = (pd.clone(), n.clone());
            let poller = loom::thread::spawn(move || {
                let mut out = Vec::new();
                pd2.set_readiness(READABLE, &mut out, &n2);
                out.into_iter().for_each(Waker::wake);
            });
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let mut cx = Context::from_waker(&waker);
            let r = pd.poll_ready(Direction::Read, &mut WaitSlot::Poll, &mut cx, &n);
            poller.join().unwrap();
            match r {
                Poll::Ready(r) => assert!(r.is_ok()),
                Poll::Pending => assert!(flag.0.load(Ordering::SeqCst), "lost wakeup"),
            }
            assert_eq!(n.load(Ordering::SeqCst), 0, "waiter count balanced");
        });
    }

    #[test]
    fn stale_clear_never_erases_a_newer_event() {
        loom::model(|| {
            let pd = Arc::new(PollDesc::new(0));
            let n = Arc::new(AtomicUsize::new(0));
            let mut cx = Context::from_waker(Waker::noop());
            let ev = match pd.poll_ready(Direction::Read, &mut WaitSlot::Poll, &mut cx, &n) {
                Poll::Ready(Ok(ev)) => ev,
                _ => panic!("fresh descriptor is ready"),
            };
            let (pd2, n2) = (pd.clone(), n.clone());
            let poller = loom::thread::spawn(move || {
                pd2.set_readiness(READABLE, &mut Vec::new(), &n2);
            });
            // The syscall said EWOULDBLOCK: clear with the tick seen before it.
            pd.clear_readiness(ev);
            poller.join().unwrap();
            let state = pd.state.load(Ordering::SeqCst);
            assert_ne!(
                state & READABLE,
                0,
                "an event that raced the clear was erased"
            );
        });
    }

    #[test]
    fn close_racing_a_park_wakes_with_an_error() {
        loom::model(|| {
            let pd = Arc::new(PollDesc::new(0));
            let n = Arc::new(AtomicUsize::new(0));
            not_ready(&pd, &n);
            let (pd2, n2) = (pd.clone(), n.clone());
            let closer = loom::thread::spawn(move || {
                let mut out = Vec::new();
                pd2.close(&mut out, &n2);
                out.into_iter().for_each(Waker::wake);
            });
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let mut cx = Context::from_waker(&waker);
            let mut slot = WaitSlot::Keyed(None);
            let r = pd.poll_ready(Direction::Read, &mut slot, &mut cx, &n);
            closer.join().unwrap();
            match r {
                Poll::Ready(r) => assert!(r.is_err()),
                Poll::Pending => {
                    assert!(
                        flag.0.load(Ordering::SeqCst),
                        "close did not wake the waiter"
                    );
                    let again = pd.poll_ready(Direction::Read, &mut slot, &mut cx, &n);
                    assert!(matches!(again, Poll::Ready(Err(_))));
                }
            }
            pd.remove_slot(Direction::Read, slot, &n);
            assert_eq!(n.load(Ordering::SeqCst), 0);
        });
    }
}
