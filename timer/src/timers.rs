//! One P's timer heap (Go's `timers`): a four-ary min-heap of entries behind the P's own lock,
//! with lock-free summaries (`len`, `zombies`, `min_when_heap`, `min_when_modified`) so the
//! scheduler can ask "is anything due?" without locking.
//!
//! Mirrors `runtime/time.go: timers, timers.addHeap, timers.cleanHead, timers.adjust,
//! timers.wakeTime, timers.check, timers.run, timer.updateHeap, timer.unlockAndRun,
//! timers.take, updateMinWhenHeap, updateMinWhenModified`.
//!
//! Invariants:
//! - Lock order: `slots` before any entry lock (see `entry.rs`).
//! - `wake_time() = min(min_when_heap, min_when_modified)` is never later than the earliest
//!   live deadline in the heap (stale-early is allowed, stale-late is not). `min_when_heap` is
//!   `slots[0].when` after every locked section; `min_when_modified` is a lower bound on the
//!   deadline of every `MODIFIED` entry; `adjust` folds it into `min_when_heap` *before*
//!   clearing it.
//! - `zombies()` = `added - revived - removed` counts entries with `ZOMBIE` set (`added` and
//!   `revived` move under the entry lock, `removed` under the heap lock); `len` mirrors
//!   `slots.len()`. When zombies exceed a quarter of the heap it is compacted (on add, on the
//!   stop that crosses the line if the lock is free, and after running timers).
//! - No waker is woken and no `WakeDriver` is called with `slots` locked.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::ptr;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::{Arc, Weak};
use std::task::Waker;

use crate::clock::{self, NONE};
use crate::driver::WakeDriver;
use crate::entry::{CALLBACK, Entry, FIRED, HEAPED, Locked, MODIFIED, ZOMBIE};
use crate::heap::{self, Slot};
use crate::loom::{AtomicU32, AtomicU64, Mutex};

/// Below this many zombies a heap is not compacted eagerly (the head cleanup handles them).
pub(crate) const COMPACT_MIN: u32 = 64;

/// How many dead entries a heap keeps for reuse (their allocation is recycled by `push_new`).
const POOL_MAX: usize = 256;

/// Wakers collected under the lock and woken after it is released, per batch (tokio uses 32).
const WAKE_BATCH: usize = 32;

/// What the heap lock protects: the heap and a small pool of dead entries to reuse.
pub(crate) struct Slots {
    v: Vec<Slot<Arc<Entry>>>,
    pool: Vec<Arc<Entry>>,
    /// Set by `take_all`: the heap is going away and accepts no more entries.
    dead: bool,
}

impl std::ops::Deref for Slots {
    type Target = Vec<Slot<Arc<Entry>>>;
    fn deref(&self) -> &Self::Target {
        &self.v
    }
}

impl std::ops::DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.v
    }
}

impl Slots {
    /// Keeps a removed entry for reuse if nobody else holds it (its handle was dropped).
    #[inline]
    fn recycle(&mut self, entry: Arc<Entry>) {
        if self.pool.len() < POOL_MAX && Arc::strong_count(&entry) == 1 {
            self.pool.push(entry);
        }
    }

    /// Removes the earliest slot, recycling its entry.
    #[inline]
    fn pop_min(&mut self) {
        if let Some(slot) = heap::pop_min(&mut self.v) {
            self.recycle(slot.item);
        }
    }

    /// A new entry, reusing a pooled allocation (this thread's, then this heap's) when one
    /// is free.
    #[inline]
    fn new_entry(&mut self, when: u64, bits: u32, waker: Waker, ts: *const Heap) -> Arc<Entry> {
        let mut waker = Some(waker);
        if let Some(e) = crate::entry::reuse_local(when, bits, &mut waker, ts) {
            return e;
        }
        while let Some(old) = self.pool.pop() {
            if Entry::is_exclusive(&old) {
                // SAFETY: `is_exclusive` just proved `old` is the only reference.
                unsafe { Entry::reinit(&old, when, bits, waker.take(), ts) };
                return old;
            }
        }
        Arc::new(Entry::new(when, bits, waker, ts))
    }
}

/// The heap proper; shared (`Arc`) by its `Timers` handle and by every entry it holds.
pub(crate) struct Heap {
    slots: Mutex<Slots>,
    len: AtomicU32,
    /// Zombies counted in (by `stop`); the live count is `added - revived - removed`.
    zombies_added: AtomicU32,
    /// Zombies reset back to life (by `modify`).
    zombies_revived: AtomicU32,
    /// Zombies taken out of the heap; written only under the heap lock (no read-modify-write).
    zombies_removed: AtomicU32,
    min_when_heap: AtomicU64,
    min_when_modified: AtomicU64,
    wake: Arc<dyn WakeDriver>,
    /// This heap's own `Arc`, for the rare paths that must keep it alive past an entry lock.
    me: Weak<Heap>,
}

impl std::fmt::Debug for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heap")
            .field("len", &self.len.load(SeqCst))
            .field("zombies", &self.zombies())
            .field("wake_time", &self.wake_time())
            .finish()
    }
}

/// How many slots ahead `adjust` prefetches entries.
const PREFETCH_AHEAD: usize = 32;

/// Hints the CPU to load the cache line at `p` (a no-op off x86_64).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults and reads nothing observable, so any
    // address is allowed (here a live entry's).
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Tells `driver` that a heap's earliest deadline is now `when` (Go's `wakeNetPoller`).
pub(crate) fn notify(driver: &dyn WakeDriver, when: u64) {
    if let Some(t) = clock::from_tick(when) {
        driver.timer_earlier(t);
    }
}

/// What the head of the heap needs (Go's `updateHeap` and `run` decisions).
enum Head {
    /// The head is a zombie: pop it.
    Delete,
    /// The head was modified: re-key it and sift down.
    Rekey(u64),
    /// The head is not due yet.
    NotYet,
    /// The head fired: pop it and wake this waker.
    Fire(Option<Waker>),
}

impl Heap {
    /// An empty heap that pokes `wake` when its earliest deadline moves earlier.
    pub(crate) fn new(wake: Arc<dyn WakeDriver>) -> Arc<Self> {
        Arc::new_cyclic(|me| Heap {
            me: me.clone(),
            slots: Mutex::new(Slots {
                v: Vec::new(),
                pool: Vec::new(),
                dead: false,
            }),
            len: AtomicU32::new(0),
            zombies_added: AtomicU32::new(0),
            zombies_revived: AtomicU32::new(0),
            zombies_removed: AtomicU32::new(0),
            min_when_heap: AtomicU64::new(NONE),
            min_when_modified: AtomicU64::new(NONE),
            wake,
        })
    }

    /// A counted reference to this heap (`None` once it is being dropped).
    pub(crate) fn strong(&self) -> Option<Arc<Heap>> {
        self.me.upgrade()
    }

    /// The driver this heap pokes (cloned, to call it after the entry lock is released).
    pub(crate) fn wake_driver(&self) -> Arc<dyn WakeDriver> {
        self.wake.clone()
    }

    fn lock(&self) -> crate::loom::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The earliest deadline that may be due, or `NONE` (Go's `wakeTime`); never late.
    #[inline]
    pub(crate) fn wake_time(&self) -> u64 {
        let modified = self.min_when_modified.load(SeqCst);
        let heap = self.min_when_heap.load(SeqCst);
        heap.min(modified)
    }

    /// Entries in the heap, zombies included.
    #[inline]
    pub(crate) fn len(&self) -> u32 {
        self.len.load(Relaxed)
    }

    /// Counts one more zombie; returns the new count. Called under the entry lock.
    #[inline]
    pub(crate) fn add_zombie(&self) -> u32 {
        self.zombies_added.fetch_add(1, SeqCst);
        self.zombies()
    }

    /// Counts one zombie less (a stopped timer was reset). Called under the entry lock.
    #[inline]
    pub(crate) fn sub_zombie(&self) {
        self.zombies_revived.fetch_add(1, SeqCst);
    }

    /// How many zombies the heap holds. Reads `removed` and `revived` before `added`: every
    /// zombie counted in those was added before, so the difference never underflows.
    pub(crate) fn zombies(&self) -> u32 {
        let removed = self.zombies_removed.load(SeqCst);
        let revived = self.zombies_revived.load(SeqCst);
        let added = self.zombies_added.load(SeqCst);
        added.wrapping_sub(revived).wrapping_sub(removed)
    }

    /// Counts `n` zombies taken out of the heap. The heap lock must be held (plain store).
    fn note_removed(&self, n: u32) {
        let removed = self.zombies_removed.load(Relaxed);
        self.zombies_removed.store(removed.wrapping_add(n), SeqCst);
    }

    /// Lowers `min_when_modified` to `when` (Go's `updateMinWhenModified`).
    pub(crate) fn lower_min_when_modified(&self, when: u64) {
        let mut cur = self.min_when_modified.load(SeqCst);
        while when < cur {
            match self
                .min_when_modified
                .compare_exchange_weak(cur, when, SeqCst, SeqCst)
            {
                Ok(_) => return,
                Err(now) => cur = now,
            }
        }
    }

    /// Tells the driver that this heap's earliest deadline is now `when` (Go's `wakeNetPoller`).
    pub(crate) fn notify_earlier(&self, when: u64) {
        notify(&*self.wake, when);
    }

    fn publish(&self, slots: &[Slot<Arc<Entry>>]) {
        let min = slots.first().map_or(NONE, |s| s.when);
        // Only the owner of the lock stores it, so an unchanged value needs no (fenced) store.
        if self.min_when_heap.load(Relaxed) != min {
            self.min_when_heap.store(min, SeqCst);
        }
        self.len.store(slots.len() as u32, Relaxed);
    }

    /// Creates an entry already in this heap (the first poll of a `Sleep`, `after_func`, ...).
    ///
    /// The entry is not shared yet, so it is built with `HEAPED` set and needs no entry lock.
    pub(crate) fn push_new(
        self: &Arc<Self>,
        when: u64,
        waker: Waker,
        callback: bool,
    ) -> Arc<Entry> {
        let bits = HEAPED | if callback { CALLBACK } else { 0 };
        let (before, entry) = {
            let mut slots = self.lock();
            if slots.dead {
                drop(slots);
                return crate::fallback::heap_ref().push_new(when, waker, callback);
            }
            let before = self.tidy(&mut slots);
            let entry = slots.new_entry(when, bits, waker, Arc::as_ptr(self));
            self.push_locked(&mut slots, when, entry.clone());
            (before, entry)
        };
        if when < before {
            self.notify_earlier(when);
        }
        entry
    }

    /// Adds an armed entry that is in no heap (Go's `maybeAdd`); a no-op if that changed.
    pub(crate) fn maybe_add(self: &Arc<Self>, entry: &Arc<Entry>) {
        let mut when = NONE;
        let before;
        {
            let mut slots = self.lock();
            if slots.dead {
                drop(slots);
                return Heap::maybe_add(crate::fallback::heap_ref(), entry);
            }
            before = self.tidy(&mut slots);
            let mut g = entry.lock();
            let w = g.fields().when;
            if g.bits & (HEAPED | FIRED) == 0 && w != NONE {
                g.bits |= HEAPED;
                g.fields().ts = Arc::as_ptr(self);
                when = w;
                drop(g);
                self.push_locked(&mut slots, when, entry.clone());
            }
        }
        if when != NONE && when < before {
            self.notify_earlier(when);
        }
    }

    /// Before an insertion: cleans the head, compacts if due; returns the wake time so far.
    fn tidy(&self, slots: &mut Slots) -> u64 {
        self.clean_head(slots);
        self.compact_if_needed(slots);
        self.wake_time()
    }

    /// Pushes `entry` (already marked `HEAPED` with `ts` = this heap) and publishes the min.
    fn push_locked(&self, slots: &mut Slots, when: u64, entry: Arc<Entry>) {
        heap::push(slots, Slot { when, item: entry });
        self.publish(slots);
    }

    /// Takes a zombie out of this heap's books (its slot is removed by the caller).
    fn unlink_zombie(&self, mut g: Locked<'_>) {
        g.bits &= !(HEAPED | ZOMBIE | MODIFIED);
        g.fields().ts = ptr::null();
        self.note_removed(1);
    }

    /// Removes zombies from the tail and fixes a zombie or modified head (Go's `cleanHead`).
    fn clean_head(&self, slots: &mut Slots) {
        loop {
            let Some(tail) = slots.last() else { return };
            if tail.item.peek() & ZOMBIE != 0 {
                if Entry::is_exclusive(&tail.item) {
                    // Its handle is gone: nobody else can reach it, no lock needed.
                    self.note_removed(1);
                    if let Some(slot) = slots.pop() {
                        slots.recycle(slot.item);
                    }
                    continue;
                }
                let g = tail.item.lock();
                if g.bits & ZOMBIE != 0 {
                    self.unlink_zombie(g);
                    if let Some(slot) = slots.pop() {
                        slots.recycle(slot.item);
                    }
                    continue;
                }
            }
            if slots[0].item.peek() & (MODIFIED | ZOMBIE) == 0 {
                return;
            }
            match self.head(slots, None) {
                Head::Delete => slots.pop_min(),
                Head::Rekey(when) => {
                    slots[0].when = when;
                    heap::sift_down(slots, 0);
                }
                Head::NotYet | Head::Fire(_) => return,
            }
        }
    }

    /// Decides what the head needs, updating its state under its lock (Go's `updateHeap`,
    /// plus `run`'s due check and `unlockAndRun`'s state change when `now` is given).
    fn head(&self, slots: &[Slot<Arc<Entry>>], now: Option<u64>) -> Head {
        let mut g = slots[0].item.lock();
        if g.bits & ZOMBIE != 0 {
            self.unlink_zombie(g);
            return Head::Delete;
        }
        if g.bits & MODIFIED != 0 {
            g.bits &= !MODIFIED;
            return Head::Rekey(g.fields().when);
        }
        let when = g.fields().when;
        match now {
            Some(now) if when <= now => {
                g.bits &= !HEAPED;
                if g.bits & CALLBACK != 0 {
                    g.fields().when = NONE;
                } else {
                    g.bits |= FIRED;
                }
                g.fields().ts = ptr::null();
                let waker = g.fields().waker.take();
                drop(g);
                Head::Fire(waker)
            }
            _ => Head::NotYet,
        }
    }

    /// Drops zombies and re-keys modified entries, then re-heapifies (Go's `adjust`). Runs
    /// only when a modified entry may be due (`min_when_modified <= now`) or when `force`d.
    fn adjust(&self, slots: &mut Slots, now: u64, force: bool) {
        let first = self.min_when_modified.load(SeqCst);
        if !force && (first == NONE || first > now) {
            return;
        }
        // Fold the modified bound into min_when_heap before clearing it, so wake_time never
        // goes late while the scan runs; a modify racing with the scan either sees the cleared
        // bound and lowers it again, or published its MODIFIED bit before we look.
        self.min_when_heap.store(self.wake_time(), SeqCst);
        self.min_when_modified.store(NONE, SeqCst);
        let mut changed = false;
        let mut i = 0;
        while i < slots.len() {
            // The scan reads one entry per slot, each a likely cache miss: fetch ahead.
            if let Some(ahead) = slots.get(i + PREFETCH_AHEAD) {
                prefetch(Arc::as_ptr(&ahead.item));
            }
            let peek = slots[i].item.peek();
            if peek & (MODIFIED | ZOMBIE) == 0 {
                i += 1;
                continue;
            }
            if peek & ZOMBIE != 0 && Entry::is_exclusive(&slots[i].item) {
                // A zombie whose handle is gone: nobody else can reach it, no lock needed.
                self.note_removed(1);
                let slot = slots.swap_remove(i);
                slots.recycle(slot.item);
                changed = true;
                continue;
            }
            let mut g = slots[i].item.lock();
            if g.bits & ZOMBIE != 0 {
                self.unlink_zombie(g);
                let slot = slots.swap_remove(i);
                slots.recycle(slot.item);
                changed = true;
                continue;
            }
            if g.bits & MODIFIED != 0 {
                g.bits &= !MODIFIED;
                let when = g.fields().when;
                drop(g);
                slots[i].when = when;
                changed = true;
            }
            i += 1;
        }
        if changed {
            heap::init(slots);
        }
        self.publish(slots);
    }

    /// Compacts when zombies exceed a quarter of the heap (Go's forced `adjust` in `check`).
    fn compact_if_needed(&self, slots: &mut Slots) {
        let zombies = self.zombies();
        if zombies >= COMPACT_MIN && zombies as usize > slots.len() / 4 {
            self.adjust(slots, 0, true);
        }
    }

    /// Compacts if the heap lock is free (called by the stop that made zombies cross 1/4).
    pub(crate) fn try_compact(&self) {
        if let Ok(mut slots) = self.slots.try_lock() {
            self.compact_if_needed(&mut slots);
        }
    }

    /// Runs every timer due at `now` (Go's `check` + `run`); returns how many fired.
    ///
    /// # Panics
    ///
    /// Re-raises the first panic of a waker, after every due timer has been woken.
    pub(crate) fn run(&self, now: u64) -> usize {
        if self.wake_time() > now {
            return 0;
        }
        let mut fired = 0;
        let mut panicked = None;
        loop {
            let mut batch: [Option<Waker>; WAKE_BATCH] = [const { None }; WAKE_BATCH];
            let mut n = 0;
            let mut full = false;
            {
                let mut slots = self.lock();
                self.adjust(&mut slots, now, false);
                while !slots.is_empty() {
                    match self.head(&slots, Some(now)) {
                        Head::Delete => slots.pop_min(),
                        Head::Rekey(when) => {
                            slots[0].when = when;
                            heap::sift_down(&mut slots, 0);
                        }
                        Head::NotYet => break,
                        Head::Fire(waker) => {
                            slots.pop_min();
                            fired += 1;
                            if let Some(w) = waker {
                                batch[n] = Some(w);
                                n += 1;
                                if n == WAKE_BATCH {
                                    full = true;
                                    break;
                                }
                            }
                        }
                    }
                }
                if !full {
                    self.compact_if_needed(&mut slots);
                }
                self.publish(&slots);
            }
            for w in batch.iter_mut().take(n) {
                if let Some(w) = w.take() {
                    // A panicking waker must not cost the other timers their wake-up: wake
                    // them all, then pass the first panic on to the caller.
                    if let Err(p) = catch_unwind(AssertUnwindSafe(|| w.wake())) {
                        panicked.get_or_insert(p);
                    }
                }
            }
            if !full {
                if let Some(p) = panicked {
                    resume_unwind(p);
                }
                return fired;
            }
        }
    }

    /// Empties the heap, returning the entries that are still armed (Go's `timers.take`, used
    /// when a P's heap is dropped: its live timers move to another heap).
    pub(crate) fn take_all(&self) -> Vec<Arc<Entry>> {
        let mut g = self.lock();
        g.dead = true;
        g.pool.clear();
        let slots = std::mem::take(&mut g.v);
        let mut live = Vec::new();
        for slot in slots {
            let mut e = slot.item.lock();
            if e.bits & ZOMBIE != 0 {
                self.unlink_zombie(e);
                continue;
            }
            e.bits &= !(HEAPED | MODIFIED);
            e.fields().ts = ptr::null();
            let armed = e.fields().when != NONE;
            drop(e);
            if armed {
                live.push(slot.item);
            }
        }
        drop(g);
        self.publish(&[]);
        self.min_when_modified.store(NONE, SeqCst);
        live
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::{Count, Nobody};
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    /// A heap that was emptied for destruction accepts no entry: late additions go to the
    /// fallback heap (whose thread fires them), so no entry points into a freed heap.
    #[test]
    fn dead_heap_diverts_to_fallback() {
        let heap = Heap::new(Arc::new(Nobody));
        assert!(heap.take_all().is_empty());
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let when = clock::to_tick(Instant::now() + Duration::from_millis(2));
        let entry = heap.push_new(when, Waker::from(count.clone()), false);
        assert_eq!(heap.len(), 0, "nothing entered the dead heap");
        let late = Arc::new(Entry::new(
            when,
            0,
            Some(Waker::from(count.clone())),
            ptr::null(),
        ));
        Heap::maybe_add(&heap, &late);
        assert_eq!(heap.len(), 0);
        drop(heap);
        let start = Instant::now();
        while count.0.load(SeqCst) < 2 {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "fallback did not fire"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        drop((entry, late));
    }

    /// Entries of cancelled timers are recycled: their allocation is reused by the next one.
    #[test]
    fn cancelled_entries_are_recycled() {
        let heap = Heap::new(Arc::new(Nobody));
        let when = clock::to_tick(Instant::now() + Duration::from_secs(3600));
        let a = heap.push_new(when, Waker::noop().clone(), false);
        let addr = Arc::as_ptr(&a);
        a.stop(false);
        drop(a); // a zombie at the tail, referenced by the heap only
        let b = heap.push_new(when + 1, Waker::noop().clone(), false);
        assert_eq!(Arc::as_ptr(&b), addr, "the zombie's allocation was reused");
        assert_eq!(heap.len(), 1);
        b.stop(false);
        drop(b);
        assert_eq!(heap.run(NONE - 1), 0);
        assert_eq!(heap.len(), 0);
    }
}
