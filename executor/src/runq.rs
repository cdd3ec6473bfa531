//! A P's local run queue: the `runnext` slot plus a 256-slot lock-free ring.
//!
//! Mirrors Go's `runtime/proc.go: runqput, runqputslow, runqget, runqgrab, runqsteal`.
//!
//! ```text
//!            owner pushes here (tail)             stealers and the owner CAS here (head)
//!                      v                                      v
//!   slots: [ .. | t-1 | t | free ... free | h | h+1 | .. ]   (indices mod RUNQ_CAP)
//!   runnext: one task that runs before the ring; owner sets it, anyone may CAS it to null
//! ```
//!
//! - Single producer: only the owning M (the thread holding the P) writes `tail` and the slots
//!   past it. Many consumers: the owner and stealers take from `head` with a CAS.
//! - Slots are `AtomicPtr`s holding the raw pointer of an [`Item`] (an `async_task::Runnable`).
//!   A stealer reads the slots of `[h, h+n)` *before* its CAS on `head`, exactly as Go does;
//!   the reads are atomic, so a slot the owner overwrites concurrently is a stale value, never
//!   a torn one, and such a stealer's CAS fails because the owner can only reuse a slot once
//!   `head` has moved past it. A successful CAS transfers ownership of the items it covers.
//! - Overflow: when the ring is full the owner moves the **oldest** half plus the new task to
//!   the global queue in one batch (`runqputslow`). Oldest, as Go does: those tasks have
//!   waited longest here, and on the global queue any idle P can take them at once; global
//!   batches come back into an *empty* ring, so a task pulled from the global queue is never
//!   pushed back out before it runs (the problem tokio's newest-half choice solves).
//! - `runnext` holds the task that a running task just readied (a channel handoff or a
//!   spawn): it runs next and inherits the time slice. Stealers take it only on their last
//!   pass, after a short back-off, because its owner is usually about to run it.
//!
//! Invariants: `tail - head <= RUNQ_CAP` (wrapping arithmetic on `u32`); only the owner calls
//! `push*`, `pop`, `steal_into` (as the thief, into its own ring) and `is_empty`/`len` are
//! callable from anywhere.

use std::marker::PhantomData;
use std::ptr::{self, NonNull};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

use crate::loom::{AtomicPtr, AtomicU32};

/// Slots in the ring: Go's and tokio's 256 (4 under loom, to widen the explored state space).
pub(crate) const RUNQ_CAP: usize = if cfg!(loom) { 4 } else { 256 };
const MASK: u32 = RUNQ_CAP as u32 - 1;

/// A value the ring can hold: it converts to and from one non-null pointer.
pub(crate) trait Item: Sized {
    /// Gives up ownership as a raw pointer.
    fn into_ptr(self) -> NonNull<()>;
    /// Takes back ownership of a pointer made by [`Item::into_ptr`].
    ///
    /// # Safety
    /// `ptr` came from `into_ptr` of the same type and is owned by nobody else now.
    unsafe fn from_ptr(ptr: NonNull<()>) -> Self;
}

impl<M> Item for async_task::Runnable<M> {
    fn into_ptr(self) -> NonNull<()> {
        self.into_raw()
    }
    unsafe fn from_ptr(ptr: NonNull<()>) -> Self {
        // SAFETY: the caller guarantees `ptr` came from `Runnable::into_raw` of this type and
        // that it now owns it.
        unsafe { async_task::Runnable::from_raw(ptr) }
    }
}

/// One P's run queue: runnext plus the ring.
pub(crate) struct RunQueue<T: Item> {
    head: AtomicU32,
    tail: AtomicU32,
    slots: Box<[AtomicPtr<()>]>,
    runnext: AtomicPtr<()>,
    _items: PhantomData<T>,
}

// SAFETY: the queue only moves owned `T`s between threads; every transfer of a slot's item
// happens through a successful CAS on `head` or `runnext` (or the owner's own pop), so each
// item is taken by exactly one thread. `T: Send` is all that requires.
unsafe impl<T: Item + Send> Send for RunQueue<T> {}
// SAFETY: as above; shared access is through atomics only.
unsafe impl<T: Item + Send> Sync for RunQueue<T> {}

/// What a push did, so the scheduler knows whether there is new stealable work.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "an overflow batch must go to the global queue, or its tasks are cancelled"]
pub(crate) enum Pushed<T> {
    /// The task went to runnext and nothing was displaced: no new work for other Ms.
    Runnext,
    /// The ring gained a task (a tail push, or the old runnext kicked to the tail).
    Ring,
    /// The ring was full: these tasks (oldest half plus the new one) must go to the global
    /// queue in one batch.
    Overflow(Vec<T>),
}

impl<T: Item> RunQueue<T> {
    /// Creates an empty queue.
    pub(crate) fn new() -> Self {
        RunQueue {
            head: AtomicU32::new(0),
            tail: AtomicU32::new(0),
            slots: (0..RUNQ_CAP)
                .map(|_| AtomicPtr::new(ptr::null_mut()))
                .collect(),
            runnext: AtomicPtr::new(ptr::null_mut()),
            _items: PhantomData,
        }
    }

    /// Owner: puts `item` in runnext (kicking the old one to the tail) when `next`, else at the
    /// tail. Go's `runqput(pp, gp, next)`.
    pub(crate) fn push(&self, item: T, next: bool) -> Pushed<T> {
        if !next {
            return self.push_back(item);
        }
        let new = item.into_ptr().as_ptr();
        // Only the owner stores non-null here; stealers only CAS to null, so a swap is exact.
        let old = self.runnext.swap(new, AcqRel);
        match NonNull::new(old) {
            None => Pushed::Runnext,
            // SAFETY: a non-null runnext value came from `into_ptr` and the swap made us its
            // only owner.
            Some(old) => self.push_back(unsafe { T::from_ptr(old) }),
        }
    }

    /// Owner: puts `item` at the tail, or overflows half the ring. Go's `runqput(.., false)`.
    pub(crate) fn push_back(&self, mut item: T) -> Pushed<T> {
        loop {
            let h = self.head.load(Acquire);
            let t = self.tail.load(Relaxed); // only the owner writes tail
            if t.wrapping_sub(h) < RUNQ_CAP as u32 {
                self.slots[(t & MASK) as usize].store(item.into_ptr().as_ptr(), Relaxed);
                self.tail.store(t.wrapping_add(1), Release);
                return Pushed::Ring;
            }
            match self.overflow(item, h, t) {
                Ok(batch) => return Pushed::Overflow(batch),
                // A stealer moved head: there is room again; retry the fast path.
                Err(back) => item = back,
            }
        }
    }

    /// Go's `runqputslow`: claims the oldest half of a full ring with one CAS and returns it
    /// with `item` appended, or gives `item` back if a stealer got in first.
    fn overflow(&self, item: T, h: u32, t: u32) -> Result<Vec<T>, T> {
        let n = t.wrapping_sub(h) / 2;
        debug_assert_eq!(
            n as usize,
            RUNQ_CAP / 2,
            "overflow of a ring that is not full"
        );
        let mut ptrs = Vec::with_capacity(n as usize);
        for i in 0..n {
            ptrs.push(self.slots[(h.wrapping_add(i) & MASK) as usize].load(Relaxed));
        }
        if self
            .head
            .compare_exchange(h, h.wrapping_add(n), AcqRel, Relaxed)
            .is_err()
        {
            return Err(item);
        }
        let mut batch: Vec<T> = ptrs
            .into_iter()
            // SAFETY: the CAS above moved head past these slots, which makes this thread the
            // sole owner of the items read from them (see the module doc).
            .map(|p| unsafe { T::from_ptr(NonNull::new_unchecked(p)) })
            .collect();
        batch.push(item);
        Ok(batch)
    }

    /// Owner: takes runnext if set, else the head of the ring. The flag is Go's
    /// `inheritTime`: true when the task came from runnext and shares the current time slice.
    pub(crate) fn pop(&self) -> Option<(T, bool)> {
        if !self.runnext.load(Relaxed).is_null() {
            let p = self.runnext.swap(ptr::null_mut(), AcqRel);
            if let Some(p) = NonNull::new(p) {
                // SAFETY: the swap took the pointer out of runnext; we own it.
                return Some((unsafe { T::from_ptr(p) }, true));
            }
        }
        self.pop_ring().map(|t| (t, false))
    }

    /// Owner: takes the head of the ring only (not runnext).
    pub(crate) fn pop_ring(&self) -> Option<T> {
        loop {
            let h = self.head.load(Acquire);
            let t = self.tail.load(Relaxed);
            if h == t {
                return None;
            }
            let p = self.slots[(h & MASK) as usize].load(Relaxed);
            if self
                .head
                .compare_exchange(h, h.wrapping_add(1), AcqRel, Relaxed)
                .is_ok()
            {
                // SAFETY: the CAS claimed slot `h`; the owner wrote it before publishing tail.
                return Some(unsafe { T::from_ptr(NonNull::new_unchecked(p)) });
            }
        }
    }

    /// Owner: moves runnext (if any) to the tail of the ring. Used when runnext has had its
    /// share of consecutive polls, so the ring is not starved.
    pub(crate) fn demote_runnext(&self) -> Option<Pushed<T>> {
        let p = NonNull::new(self.runnext.swap(ptr::null_mut(), AcqRel))?;
        // SAFETY: the swap made us the owner of the pointer.
        Some(self.push_back(unsafe { T::from_ptr(p) }))
    }

    /// Thief (the owner of `dst`): steals half of `self`'s ring into `dst` and returns one of
    /// the stolen tasks to run. With `steal_runnext` (the last steal pass), an empty ring lets
    /// it take `self`'s runnext, after `backoff()` gives the victim a chance to run it first.
    /// Go's `runqsteal` + `runqgrab`.
    pub(crate) fn steal_into(
        &self,
        dst: &RunQueue<T>,
        steal_runnext: bool,
        backoff: impl FnOnce(),
    ) -> Option<T> {
        let dt = dst.tail.load(Relaxed); // we own dst
        // `grab` writes up to half a ring past our tail unchecked: there must be room.
        debug_assert!(
            dst.len() <= RUNQ_CAP / 2,
            "steal_into a thief ring with no room for half a victim's ring"
        );
        let n = self.grab(dst, dt, steal_runnext, backoff)?;
        // The last stolen item is returned to run; the rest are published in dst.
        let last = dt.wrapping_add(n - 1);
        let p = dst.slots[(last & MASK) as usize].load(Relaxed);
        if n > 1 {
            dst.tail.store(last, Release);
        }
        // SAFETY: `grab` transferred ownership of the items it copied into dst's private
        // slots `[dt, dt+n)`; the last one was not published, so only we hold it.
        Some(unsafe { T::from_ptr(NonNull::new_unchecked(p)) })
    }

    /// Copies half of the ring into `dst`'s slots from `dt` on (not yet published) and claims
    /// them with a CAS on `head`; returns how many. Go's `runqgrab`.
    fn grab(
        &self,
        dst: &RunQueue<T>,
        dt: u32,
        steal_runnext: bool,
        backoff: impl FnOnce(),
    ) -> Option<u32> {
        let mut backoff = Some(backoff);
        loop {
            let h = self.head.load(Acquire);
            let t = self.tail.load(Acquire);
            let mut n = t.wrapping_sub(h);
            n -= n / 2;
            if n == 0 {
                if !steal_runnext || self.runnext.load(Relaxed).is_null() {
                    return None;
                }
                if let Some(b) = backoff.take() {
                    // The victim is usually about to run its runnext; give it the chance.
                    b();
                    continue;
                }
                let p = self.runnext.load(Acquire);
                if p.is_null() {
                    return None;
                }
                if self
                    .runnext
                    .compare_exchange(p, ptr::null_mut(), AcqRel, Relaxed)
                    .is_err()
                {
                    continue;
                }
                dst.slots[(dt & MASK) as usize].store(p, Relaxed);
                return Some(1);
            }
            if n > (RUNQ_CAP / 2) as u32 {
                // h and t were read at different moments and are inconsistent: retry.
                continue;
            }
            for i in 0..n {
                let p = self.slots[(h.wrapping_add(i) & MASK) as usize].load(Relaxed);
                dst.slots[(dt.wrapping_add(i) & MASK) as usize].store(p, Relaxed);
            }
            if self
                .head
                .compare_exchange(h, h.wrapping_add(n), AcqRel, Relaxed)
                .is_ok()
            {
                return Some(n);
            }
        }
    }

    /// Owner: fills an empty ring from a batch (a global-queue grab). Tasks that do not fit
    /// are handed back. Go's `runqputbatch`.
    pub(crate) fn push_batch(&self, batch: impl Iterator<Item = T>) -> Vec<T> {
        let h = self.head.load(Acquire);
        let mut t = self.tail.load(Relaxed);
        let mut rest = Vec::new();
        for item in batch {
            if t.wrapping_sub(h) < RUNQ_CAP as u32 {
                self.slots[(t & MASK) as usize].store(item.into_ptr().as_ptr(), Relaxed);
                t = t.wrapping_add(1);
            } else {
                rest.push(item);
            }
        }
        self.tail.store(t, Release);
        rest
    }

    /// Number of tasks in the ring plus runnext (a snapshot, callable from anywhere).
    pub(crate) fn len(&self) -> usize {
        let h = self.head.load(Acquire);
        let t = self.tail.load(Acquire);
        let ring = (t.wrapping_sub(h) as usize).min(RUNQ_CAP);
        ring + usize::from(!self.runnext.load(Acquire).is_null())
    }

    /// True when neither the ring nor runnext holds a task (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Item> Drop for RunQueue<T> {
    fn drop(&mut self) {
        // Whatever is left is owned by the queue: drop it (cancels those tasks).
        while let Some((item, _)) = self.pop() {
            drop(item);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A test item: a boxed number.
    #[derive(Debug, PartialEq, Eq)]
    struct B(Box<u32>);
    impl Item for B {
        fn into_ptr(self) -> NonNull<()> {
            NonNull::from(Box::leak(self.0)).cast()
        }
        unsafe fn from_ptr(ptr: NonNull<()>) -> Self {
            // SAFETY: made by `into_ptr` from a leaked Box<u32>.
            B(unsafe { Box::from_raw(ptr.cast::<u32>().as_ptr()) })
        }
    }

    #[test]
    fn fifo_ring_and_runnext_first() {
        let q = RunQueue::new();
        for i in 0..10 {
            assert_eq!(q.push(B(Box::new(i)), false), Pushed::Ring);
        }
        assert_eq!(q.push(B(Box::new(99)), true), Pushed::Runnext);
        let (b, inherit) = q.pop().unwrap();
        assert_eq!((*b.0, inherit), (99, true));
        for i in 0..10 {
            let (b, inherit) = q.pop().unwrap();
            assert_eq!((*b.0, inherit), (i, false));
        }
        assert!(q.pop().is_none());
    }

    #[test]
    fn runnext_kick_goes_to_tail() {
        let q = RunQueue::new();
        assert_eq!(q.push(B(Box::new(1)), true), Pushed::Runnext);
        assert_eq!(q.push(B(Box::new(2)), true), Pushed::Ring);
        assert_eq!(q.len(), 2);
        assert_eq!(*q.pop().unwrap().0.0, 2);
        assert_eq!(*q.pop().unwrap().0.0, 1);
    }

    #[test]
    fn overflow_moves_oldest_half_plus_new() {
        let q = RunQueue::new();
        for i in 0..RUNQ_CAP as u32 {
            assert_eq!(q.push_back(B(Box::new(i))), Pushed::Ring);
        }
        match q.push_back(B(Box::new(1000))) {
            Pushed::Overflow(batch) => {
                let got: Vec<u32> = batch.iter().map(|b| *b.0).collect();
                let mut want: Vec<u32> = (0..RUNQ_CAP as u32 / 2).collect();
                want.push(1000);
                assert_eq!(got, want);
            }
            other => panic!("expected overflow, got {:?}", matches!(other, Pushed::Ring)),
        }
        assert_eq!(q.len(), RUNQ_CAP / 2);
        assert_eq!(*q.pop().unwrap().0.0, RUNQ_CAP as u32 / 2);
    }

    #[test]
    fn steal_takes_half_and_runnext_only_when_asked() {
        let victim = RunQueue::new();
        let thief = RunQueue::new();
        for i in 0..9 {
            assert_eq!(victim.push_back(B(Box::new(i))), Pushed::Ring);
        }
        let got = victim.steal_into(&thief, false, || {}).unwrap();
        // ceil(9/2) = 5 stolen: 0..5, the last (4) returned, 0..4 published in the thief.
        assert_eq!(*got.0, 4);
        assert_eq!(thief.len(), 4);
        assert_eq!(victim.len(), 4);
        assert_eq!(*thief.pop().unwrap().0.0, 0);

        let v2 = RunQueue::new();
        assert_eq!(v2.push(B(Box::new(7)), true), Pushed::Runnext);
        assert!(v2.steal_into(&thief, false, || {}).is_none());
        let mut backed_off = false;
        let got = v2.steal_into(&thief, true, || backed_off = true).unwrap();
        assert!(backed_off);
        assert_eq!(*got.0, 7);
        assert!(v2.is_empty());
    }

    #[test]
    fn wraparound_many_times() {
        let q = RunQueue::new();
        let mut next = 0u32;
        let mut want = 0u32;
        for round in 0..2000u32 {
            for _ in 0..(round % 5 + 1) {
                assert_eq!(q.push_back(B(Box::new(next))), Pushed::Ring);
                next += 1;
            }
            for _ in 0..(round % 7 + 1) {
                if let Some((b, _)) = q.pop() {
                    assert_eq!(*b.0, want);
                    want += 1;
                }
            }
        }
        while let Some((b, _)) = q.pop() {
            assert_eq!(*b.0, want);
            want += 1;
        }
        assert_eq!(want, next);
    }

    #[test]
    fn concurrent_steal_exactly_once() {
        use std::collections::HashSet;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        const N: u32 = 200_000;
        let q = Arc::new(RunQueue::<B>::new());
        let done = Arc::new(AtomicBool::new(false));
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                let done = done.clone();
                std::thread::spawn(move || {
                    let mine = RunQueue::<B>::new();
                    let mut seen = Vec::new();
                    loop {
                        let finished = done.load(Ordering::Acquire);
                        if let Some(b) = q.steal_into(&mine, true, || {}) {
                            seen.push(*b.0);
                            while let Some((b, _)) = mine.pop() {
                                seen.push(*b.0);
                            }
                        } else if finished {
                            return seen;
                        }
                    }
                })
            })
            .collect();
        let mut seen = Vec::new();
        let mut overflowed = Vec::new();
        for i in 0..N {
            if let Pushed::Overflow(batch) = q.push(B(Box::new(i)), i % 3 == 0) {
                overflowed.extend(batch.into_iter().map(|b| *b.0));
            }
            if i % 5 == 0
                && let Some((b, _)) = q.pop()
            {
                seen.push(*b.0);
            }
        }
        done.store(true, Ordering::Release);
        while let Some((b, _)) = q.pop() {
            seen.push(*b.0);
        }
        for t in thieves {
            seen.extend(t.join().unwrap());
        }
        seen.extend(overflowed);
        let set: HashSet<u32> = seen.iter().copied().collect();
        assert_eq!(seen.len(), N as usize, "an item was lost or taken twice");
        assert_eq!(set.len(), N as usize);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    //! loom models of the ring: push/pop/steal/overflow interleavings, exactly-once delivery.
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    #[derive(Debug, PartialEq, Eq)]
    struct B(Box<u32>);
    impl Item for B {
        fn into_ptr(self) -> NonNull<()> {
            NonNull::from(Box::leak(self.0)).cast()
        }
        unsafe fn from_ptr(ptr: NonNull<()>) -> Self {
            // SAFETY: made by `into_ptr` from a leaked Box<u32>.
            B(unsafe { Box::from_raw(ptr.cast::<u32>().as_ptr()) })
        }
    }

    fn collect(q: &RunQueue<B>, out: &mut Vec<u32>) {
        while let Some((b, _)) = q.pop() {
            out.push(*b.0);
        }
    }

    /// The owner pushes past capacity (overflow) and pops while a thief steals, runnext
    /// included: every item is seen exactly once.
    #[test]
    fn loom_push_pop_steal_overflow() {
        loom::model(|| {
            let q = Arc::new(RunQueue::<B>::new());
            let thief = {
                let q = q.clone();
                thread::spawn(move || {
                    let mine = RunQueue::<B>::new();
                    let mut seen = Vec::new();
                    for _ in 0..2 {
                        if let Some(b) = q.steal_into(&mine, true, || {}) {
                            seen.push(*b.0);
                        }
                        collect(&mine, &mut seen);
                    }
                    seen
                })
            };
            let mut seen = Vec::new();
            let n = RUNQ_CAP as u32 + 2;
            for i in 0..n {
                if let Pushed::Overflow(batch) = q.push(B(Box::new(i)), i == 0) {
                    seen.extend(batch.into_iter().map(|b| *b.0));
                }
            }
            if let Some((b, _)) = q.pop() {
                seen.push(*b.0);
            }
            seen.extend(thief.join().unwrap());
            collect(&q, &mut seen);
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
        });
    }

    /// Two thieves race each other and the owner's pops.
    #[test]
    fn loom_two_thieves() {
        loom::model(|| {
            let q = Arc::new(RunQueue::<B>::new());
            for i in 0..3 {
                assert_eq!(q.push_back(B(Box::new(i))), Pushed::Ring);
            }
            let thieves: Vec<_> = (0..2)
                .map(|_| {
                    let q = q.clone();
                    thread::spawn(move || {
                        let mine = RunQueue::<B>::new();
                        let mut seen = Vec::new();
                        if let Some(b) = q.steal_into(&mine, false, || {}) {
                            seen.push(*b.0);
                        }
                        collect(&mine, &mut seen);
                        seen
                    })
                })
                .collect();
            let mut seen = Vec::new();
            if let Some((b, _)) = q.pop() {
                seen.push(*b.0);
            }
            for t in thieves {
                seen.extend(t.join().unwrap());
            }
            collect(&q, &mut seen);
            seen.sort_unstable();
            assert_eq!(seen, vec![0, 1, 2]);
        });
    }
}
