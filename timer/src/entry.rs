//! One timer (Go's `runtime.timer`): its deadline, its waker and the heap it lives in, behind a
//! one-word spin lock whose other bits mirror the state for lock-free peeks (Go's `t.astate`).
//!
//! Mirrors `runtime/time.go: timer, timer.lock/unlock, timer.stop, timer.modify,
//! timer.needsAdd, timer.maybeAdd`.
//!
//! # The state word
//!
//! | bit | name       | meaning                                                                 |
//! |-----|------------|-------------------------------------------------------------------------|
//! | 0   | `LOCKED`   | the entry lock is held; `fields` may be touched only by the holder      |
//! | 1   | `HEAPED`   | a slot of `fields.ts`'s heap refers to this entry (`ts` is `Some`)      |
//! | 2   | `MODIFIED` | `fields.when` changed and the heap slot's key is stale (early or late)  |
//! | 3   | `ZOMBIE`   | stopped while heaped; the slot is removed lazily (counted in `zombies`) |
//! | 4   | `FIRED`    | the deadline passed and the waker was taken; a `Sleep` is complete      |
//! | 5   | `CALLBACK` | fixed at creation: firing consumes the timer (`after_func`, `after`)    |
//!
//! Invariants (all changed only while `LOCKED` is held):
//! - `HEAPED` and `FIRED` are never both set; `ZOMBIE` and `MODIFIED` imply `HEAPED`.
//! - `fields.when == NONE` means inactive (stopped, or a consumed `Timer`/callback); a heaped
//!   entry with `when == NONE` is a zombie.
//! - Lock order: a heap's lock before an entry's lock, never the reverse (Go's `ts.mu` before
//!   `t.mu`). Code holding an entry lock touches its heap only through atomics.
//! - `fields.ts` is a plain pointer (no reference count: two atomic operations saved per
//!   timer). It is non-null exactly while `HEAPED` is set, and is dereferenced only by a
//!   holder of the entry lock that sees `HEAPED`. That is sound because a heap is freed only
//!   after `Heap::take_all` (run by `Timers::drop`) has cleared `HEAPED` on every entry it
//!   holds, under each entry's lock, and marked itself dead so nothing is added afterwards.
//! - Wakers are woken and dropped only after every lock is released (a waker may re-enter).
//! - No `Weak<Entry>` is ever made, so an `Arc<Entry>` whose strong count is 1 is the only
//!   way to reach the entry: its holder may use it without the lock ([`Entry::is_exclusive`],
//!   [`Entry::reinit`]); that is how dead entries are retired and reused without atomics.
//! - A `MODIFIED` bit is published to the state word *before* `min_when_modified` is lowered,
//!   so `Heap::adjust`, which clears `min_when_modified` and then scans the state words, can
//!   never miss a modification (Go's comment in `timers.adjust`).

use std::sync::Arc;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::task::{Context, Poll, Waker};

use crate::clock::{self, NONE};
use crate::loom::{AtomicU32, UnsafeCell, fence, spin_hint};
use crate::timers::{COMPACT_MIN, Heap};

/// The entry lock is held.
pub(crate) const LOCKED: u32 = 1 << 0;
/// A slot of `fields.ts`'s heap refers to this entry.
pub(crate) const HEAPED: u32 = 1 << 1;
/// The deadline changed; the heap key is stale.
pub(crate) const MODIFIED: u32 = 1 << 2;
/// Stopped while heaped; removed lazily.
pub(crate) const ZOMBIE: u32 = 1 << 3;
/// The deadline passed and the waker was taken.
pub(crate) const FIRED: u32 = 1 << 4;
/// Firing consumes the timer (`when` becomes `NONE` instead of setting `FIRED`).
pub(crate) const CALLBACK: u32 = 1 << 5;

/// The fields the entry lock protects.
pub(crate) struct Fields {
    /// The deadline in ticks, or `NONE` when inactive.
    pub(crate) when: u64,
    /// Who to wake when the deadline passes.
    pub(crate) waker: Option<Waker>,
    /// The heap this entry is in: non-null exactly when `HEAPED` (see the module invariants).
    pub(crate) ts: *const Heap,
}

/// One timer, shared by its handle (`Sleep`, `Timer`, ...) and at most one heap slot.
pub(crate) struct Entry {
    state: AtomicU32,
    fields: UnsafeCell<Fields>,
}

// SAFETY: `fields` is only accessed through `Locked`, which exists only while the `LOCKED` bit
// is held by this thread (an exclusive spin lock with acquire/release ordering), so the
// contents (a `Waker`, an integer, a pointer to a `Heap`, which is `Sync` and outlives the
// pointer per the module invariants) are never shared unsynchronized.
unsafe impl Send for Entry {}
// SAFETY: see `Send`: every `&Entry` access to `fields` goes through the lock.
unsafe impl Sync for Entry {}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("state", &self.state.load(Acquire))
            .finish()
    }
}

/// The held entry lock: `bits` is the working copy of the state word, stored back on drop.
pub(crate) struct Locked<'a> {
    entry: &'a Entry,
    /// The state bits (without `LOCKED`); written back when the guard drops.
    pub(crate) bits: u32,
}

impl Locked<'_> {
    /// The protected fields.
    #[inline]
    pub(crate) fn fields(&mut self) -> &mut Fields {
        // SAFETY: this guard holds the LOCKED bit, so no other thread touches `fields` until it
        // drops; the returned borrow is tied to `&mut self`, so it cannot outlive the guard.
        self.entry.fields.with_mut(|p| unsafe { &mut *p })
    }

    /// The heap this entry is in, if `HEAPED`.
    #[inline]
    pub(crate) fn heap(&mut self) -> Option<&Heap> {
        if self.bits & HEAPED == 0 {
            return None;
        }
        let ts = self.fields().ts;
        debug_assert!(!ts.is_null());
        // SAFETY: we hold the entry lock and HEAPED is set, so `ts` points to the live heap
        // holding this entry: a heap is freed only after `take_all` cleared HEAPED on all its
        // entries under their locks (module invariants). The borrow ends with the guard's.
        Some(unsafe { &*ts })
    }

    /// Makes the current `bits` visible to lock-free readers while keeping the lock.
    #[inline]
    pub(crate) fn publish(&self) {
        self.entry.state.store(self.bits | LOCKED, SeqCst);
    }
}

impl Drop for Locked<'_> {
    #[inline]
    fn drop(&mut self) {
        self.entry.state.store(self.bits & !LOCKED, Release);
    }
}

impl Entry {
    /// A new entry with the given deadline, state bits, waker and heap.
    pub(crate) fn new(when: u64, bits: u32, waker: Option<Waker>, ts: *const Heap) -> Self {
        Entry {
            state: AtomicU32::new(bits & !LOCKED),
            fields: UnsafeCell::new(Fields { when, waker, ts }),
        }
    }

    /// Whether `this` is the only reference to its entry (see the module invariants). After
    /// `true`, the caller may retire or [`reinit`](Entry::reinit) it without taking its lock.
    #[inline]
    pub(crate) fn is_exclusive(this: &Arc<Entry>) -> bool {
        if Arc::strong_count(this) == 1 {
            // Pairs with the release decrement of the last other owner, so everything it did
            // to the entry happens-before our use of it (as `Arc::drop` does).
            fence(Acquire);
            true
        } else {
            false
        }
    }

    /// Re-initializes an entry nobody else can reach, for reuse as a new timer.
    ///
    /// # Safety
    ///
    /// `this` must be the only reference to the entry: [`is_exclusive`](Entry::is_exclusive)
    /// returned `true` and no clone was made since.
    #[inline]
    pub(crate) unsafe fn reinit(
        this: &Arc<Entry>,
        when: u64,
        bits: u32,
        waker: Option<Waker>,
        ts: *const Heap,
    ) {
        this.state.store(bits & !LOCKED, Relaxed);
        this.fields.with_mut(|f| {
            // SAFETY: the caller guarantees no other reference exists, so no other thread can
            // touch `fields` (module invariants); the old contents are dropped here.
            unsafe { *f = Fields { when, waker, ts } }
        });
    }

    /// The state bits as last published (a hint unless the caller holds the lock).
    #[inline]
    pub(crate) fn peek(&self) -> u32 {
        self.state.load(Acquire)
    }

    /// Takes the entry lock (spinning, then yielding: critical sections are a few stores).
    #[inline]
    pub(crate) fn lock(&self) -> Locked<'_> {
        let mut round = 0;
        loop {
            let s = self.state.load(Acquire);
            if s & LOCKED == 0
                && self
                    .state
                    .compare_exchange_weak(s, s | LOCKED, Acquire, Acquire)
                    .is_ok()
            {
                return Locked {
                    entry: self,
                    bits: s,
                };
            }
            spin_hint(round);
            round = round.saturating_add(1);
        }
    }

    /// Polls for the deadline (the body of `Sleep::poll` and `Timer::poll`).
    ///
    /// Returns `Ready(when)` once fired; with `consume`, a fired timer is consumed (Go's receive
    /// from `t.C`: later polls wait for a reset). An armed entry that is not in any heap (never
    /// polled, or reset after firing) is added to the current thread's heap here (Go 1.23's
    /// lazy timers); one whose deadline already passed fires inline without touching a heap.
    pub(crate) fn poll(self: &Arc<Self>, cx: &mut Context<'_>, consume: bool) -> Poll<u64> {
        if !consume && self.peek() & FIRED != 0 {
            return Poll::Ready(0);
        }
        let mut g = self.lock();
        let when = g.fields().when;
        if g.bits & FIRED != 0 {
            if consume {
                g.bits &= !FIRED;
                g.fields().when = NONE;
            }
            return Poll::Ready(when);
        }
        let needs_add = g.bits & HEAPED == 0 && when != NONE;
        if needs_add && when <= clock::now_tick() {
            if consume {
                g.fields().when = NONE;
            } else {
                g.bits |= FIRED;
            }
            let old = g.fields().waker.take();
            drop(g);
            drop(old);
            return Poll::Ready(when);
        }
        let old = store_waker(&mut g, cx.waker());
        drop(g);
        drop(old);
        if needs_add {
            Heap::maybe_add(&crate::driver::current_heap(), self);
        }
        Poll::Pending
    }

    /// Stops the timer (Go's `timer.stop`): returns whether it was active (armed, or fired and
    /// not yet consumed). A heaped entry becomes a zombie, removed lazily.
    ///
    /// `keep_waker` keeps the registered waker so a later `reset` from another task can wake
    /// the waiter (a `Timer`); a dropped handle passes `false` to free it now.
    pub(crate) fn stop(&self, keep_waker: bool) -> bool {
        let mut g = self.lock();
        let pending = g.fields().when != NONE;
        g.fields().when = NONE;
        g.bits &= !FIRED;
        let old = if keep_waker {
            None
        } else {
            g.fields().waker.take()
        };
        let mut compact = None;
        if g.bits & (HEAPED | ZOMBIE) == HEAPED {
            g.bits |= ZOMBIE;
            let ts = g.heap().expect("heaped");
            let zombies = ts.add_zombie();
            if zombies >= COMPACT_MIN && zombies > ts.len() / 4 {
                compact = ts.strong();
            }
        }
        drop(g);
        drop(old);
        if let Some(ts) = compact {
            ts.try_compact();
        }
        pending
    }

    /// Re-arms the timer for `when` (Go's `timer.modify`): returns whether it was active.
    ///
    /// A heaped entry keeps its slot and is marked modified (its key is fixed lazily by the
    /// heap's owner, even if that is another P); the heap's wake time is lowered and its driver
    /// woken when the new deadline is its earliest. An entry in no heap is added to the current
    /// thread's heap (the fallback heap for a callback) now when `add_now` is set or a waiter
    /// is registered, else on its next poll.
    pub(crate) fn modify(
        self: &Arc<Self>,
        when: u64,
        waker: Option<&Waker>,
        add_now: bool,
    ) -> bool {
        let mut g = self.lock();
        let pending = g.fields().when != NONE;
        g.fields().when = when;
        g.bits &= !FIRED;
        let old = match waker {
            Some(w) => store_waker(&mut g, w),
            None => None,
        };
        let mut wake = None;
        let mut add = false;
        if g.bits & HEAPED != 0 {
            g.bits |= MODIFIED;
            let unzombie = g.bits & ZOMBIE != 0;
            g.bits &= !ZOMBIE;
            g.publish();
            let ts = g.heap().expect("heaped");
            if unzombie {
                ts.sub_zombie();
            }
            let before = ts.wake_time();
            ts.lower_min_when_modified(when);
            if when < before {
                wake = Some(ts.wake_driver());
            }
        } else {
            add = add_now || g.fields().waker.is_some();
        }
        let callback = g.bits & CALLBACK != 0;
        drop(g);
        drop(old);
        if add {
            // Callbacks (`after_func`) always live on the fallback driver, which runs them.
            let heap = if callback {
                crate::fallback::heap()
            } else {
                crate::driver::current_heap()
            };
            Heap::maybe_add(&heap, self);
        }
        if let Some(driver) = wake {
            crate::timers::notify(&*driver, when);
        }
        pending
    }
}

impl Entry {
    /// Drops the registered waker if the timer is inactive (it can then never be woken); used
    /// when the last handle of a callback timer goes away, so its function is not dropped
    /// later under a heap lock.
    pub(crate) fn release_if_inactive(&self) {
        let mut g = self.lock();
        let old = if g.fields().when == NONE {
            g.fields().waker.take()
        } else {
            None
        };
        drop(g);
        drop(old);
    }
}

/// How many dead entries a thread keeps for reuse.
const LOCAL_POOL_MAX: usize = 64;

thread_local! {
    /// Entries whose last handle was dropped on this thread after they left their heap (a
    /// `Sleep` that completed): the next timer registered on this thread reuses one, so a
    /// `loop { sleep(d).await }` does not allocate.
    static LOCAL_POOL: std::cell::RefCell<Vec<Arc<Entry>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Keeps `entry` for reuse on this thread if nobody else holds it (else just drops it).
#[inline]
pub(crate) fn recycle_local(entry: Arc<Entry>) {
    if Arc::strong_count(&entry) == 1 {
        let _ = LOCAL_POOL.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut()
                && p.len() < LOCAL_POOL_MAX
            {
                p.push(entry);
            }
        });
    }
}

/// A recycled allocation from this thread's pool, re-initialized as a new timer, if one is
/// free.
#[inline]
pub(crate) fn reuse_local(
    when: u64,
    bits: u32,
    waker: &mut Option<Waker>,
    ts: *const Heap,
) -> Option<Arc<Entry>> {
    let old = LOCAL_POOL
        .try_with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop()))
        .ok()
        .flatten()?;
    if !Entry::is_exclusive(&old) {
        return None;
    }
    // SAFETY: `is_exclusive` just proved `old` is the only reference, and it is not cloned.
    unsafe { Entry::reinit(&old, when, bits, waker.take(), ts) };
    Some(old)
}

/// Stores `waker` unless the registered one already wakes the same task; returns the old one
/// (to be dropped after the lock is released).
#[inline]
fn store_waker(g: &mut Locked<'_>, waker: &Waker) -> Option<Waker> {
    let slot = &mut g.fields().waker;
    match slot {
        Some(w) if w.will_wake(waker) => None,
        _ => slot.replace(waker.clone()),
    }
}
