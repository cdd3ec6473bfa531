//! Sudogs and the FIFO wait queues of a channel (Go's `sudog`, `waitq`, `waitq.enqueue`,
//! `waitq.dequeue`, `waitq.dequeueSudoG` in `runtime/chan.go` and `runtime/runtime2.go`).
//!
//! A [`Sudog`] is a waiter record that lives inside the (pinned) future that waits: the
//! `recv`/`send` future itself, or the branch of a `select!`. It holds the links of an
//! intrusive doubly linked list, a pointer to the owner's [`Token`], the case index within
//! that token, the value slot and the `success` flag (true: a value moved; false: woken by
//! close). Nothing is allocated to park.
//!
//! # Invariants
//!
//! - Every field of a queued sudog is read and written only under its channel's lock. An
//!   unqueued sudog belongs to its owner, except that after a peer's `DONE(i)` Release store
//!   the owner reads case `i`'s slot without the lock (the token hands it over).
//! - A sudog is queued on at most one queue; `linked` says whether it is. `prev`, `next`,
//!   `token` and `case` are written by `push_back` and read only while or after it is queued.
//! - The owner unlinks every queued sudog (taking each channel's lock) before the memory of
//!   the sudog can go away: `Drop` of every future that owns sudogs does so.
//! - [`WaitQ::dequeue`] returns only a sudog whose token it won (Go's `selectDone` CAS); it
//!   passes `BUSY` owners by (they stay queued and re-check before parking) and unlinks dead
//!   sudogs (another case of the same select won).

use crate::token::{Claim, Token};
use std::cell::UnsafeCell;
use std::marker::PhantomPinned;
use std::mem::MaybeUninit;
use std::ptr;

/// A field written when the sudog is queued (`prev`, `next`, `token`, `case`): left
/// uninitialized until then, so making a sudog (and moving the future that holds it) costs
/// only the few fields that are always live.
type Lazy<P> = UnsafeCell<MaybeUninit<P>>;

/// Reads a lazy field.
///
/// # Safety
///
/// The field was written (the sudog is or was queued) and the caller may read it (see the
/// module invariants).
#[inline]
unsafe fn get<P: Copy>(f: &Lazy<P>) -> P {
    // SAFETY: initialized and readable per the contract.
    unsafe { (*f.get()).assume_init() }
}

/// Writes a lazy field.
///
/// # Safety
///
/// The caller may write it (see the module invariants).
#[inline]
unsafe fn set<P: Copy>(f: &Lazy<P>, v: P) {
    // SAFETY: writable per the contract.
    unsafe { (*f.get()).write(v) };
}

/// A waiter record; see the module docs.
pub(crate) struct Sudog<T> {
    prev: Lazy<*const Sudog<T>>,
    next: Lazy<*const Sudog<T>>,
    linked: UnsafeCell<bool>,
    token: Lazy<*const Token>,
    case: Lazy<usize>,
    /// The token is shared by several cases (a select, Go's `isSelect`): a peer must win it
    /// with a CAS. A lone operation's token changes only under this channel's lock, so a peer
    /// holding the lock owns it without one.
    shared: Lazy<bool>,
    slot: UnsafeCell<Option<T>>,
    success: UnsafeCell<bool>,
    _pin: PhantomPinned,
}

// SAFETY: a sudog is shared between threads only while queued, and then every access happens
// under the channel lock (module invariants); the value it carries is `T: Send`.
unsafe impl<T: Send> Send for Sudog<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Sudog<T> {}

impl<T> Sudog<T> {
    /// A fresh, unqueued sudog holding `slot` (the value to send, or `None` to receive).
    #[inline(always)]
    pub(crate) fn new(slot: Option<T>) -> Sudog<T> {
        Sudog {
            prev: UnsafeCell::new(MaybeUninit::uninit()),
            next: UnsafeCell::new(MaybeUninit::uninit()),
            linked: UnsafeCell::new(false),
            token: UnsafeCell::new(MaybeUninit::uninit()),
            case: UnsafeCell::new(MaybeUninit::uninit()),
            shared: UnsafeCell::new(MaybeUninit::uninit()),
            slot: UnsafeCell::new(slot),
            success: UnsafeCell::new(false),
            _pin: PhantomPinned,
        }
    }

    /// The value slot.
    ///
    /// # Safety
    ///
    /// Caller holds the channel lock, or owns the unqueued sudog (after `DONE` was observed
    /// with Acquire, or after completing the case itself), and no other reference exists.
    #[allow(clippy::mut_from_ref)]
    #[inline]
    pub(crate) unsafe fn slot(&self) -> &mut Option<T> {
        // SAFETY: exclusive access per the contract.
        unsafe { &mut *self.slot.get() }
    }

    /// The `success` flag (value moved: true; woken by close: false).
    ///
    /// # Safety
    ///
    /// As for [`Sudog::slot`].
    #[inline]
    pub(crate) unsafe fn success(&self) -> bool {
        // SAFETY: per the contract, no one writes concurrently.
        unsafe { *self.success.get() }
    }

    /// Sets the `success` flag.
    ///
    /// # Safety
    ///
    /// As for [`Sudog::slot`].
    #[inline]
    pub(crate) unsafe fn set_success(&self, v: bool) {
        // SAFETY: exclusive access per the contract.
        unsafe { *self.success.get() = v }
    }

    /// Peer side: after winning the claim, ends it and returns the waker to wake.
    ///
    /// # Safety
    ///
    /// The sudog was returned by [`WaitQ::dequeue`] under the lock still held, and the
    /// transfer into/out of its slot is complete.
    #[inline]
    pub(crate) unsafe fn finish(&self, success: bool) -> Option<std::task::Waker> {
        // SAFETY: the caller won the claim and holds the lock (contract).
        unsafe {
            *self.success.get() = success;
            let case = get(&self.case);
            (*get(&self.token)).finish(case)
        }
    }
}

/// A FIFO queue of sudogs (Go's `waitq`).
pub(crate) struct WaitQ<T> {
    head: *const Sudog<T>,
    tail: *const Sudog<T>,
}

impl<T> WaitQ<T> {
    /// An empty queue.
    pub(crate) const fn new() -> WaitQ<T> {
        WaitQ {
            head: ptr::null(),
            tail: ptr::null(),
        }
    }

    /// Queues `s` at the tail for `token`'s case `case` (Go's `enqueue`); `shared` says the
    /// token belongs to a select. No-op if queued.
    ///
    /// # Safety
    ///
    /// Caller holds this queue's channel lock; `s` is pinned and will be unlinked (under the
    /// lock) before it is freed; `token` outlives the time `s` is queued.
    pub(crate) unsafe fn push_back(
        &mut self,
        s: &Sudog<T>,
        token: *const Token,
        case: usize,
        shared: bool,
    ) {
        // SAFETY: under the channel lock (contract) we own every link field of queued sudogs,
        // and `s` is not queued anywhere, so its fields are ours too.
        unsafe {
            if *s.linked.get() {
                return;
            }
            set(&s.token, token);
            set(&s.case, case);
            set(&s.shared, shared);
            set(&s.prev, self.tail);
            set(&s.next, ptr::null());
            *s.linked.get() = true;
            let p = s as *const Sudog<T>;
            if self.tail.is_null() {
                self.head = p;
            } else {
                set(&(*self.tail).next, p);
            }
            self.tail = p;
        }
    }

    /// Unlinks `s` if it is queued here (Go's `dequeueSudoG`).
    ///
    /// # Safety
    ///
    /// Caller holds this queue's channel lock and `s` is either unqueued or queued on this
    /// queue.
    pub(crate) unsafe fn remove(&mut self, s: &Sudog<T>) {
        // SAFETY: under the channel lock we own the link fields of every sudog on this queue.
        unsafe {
            if !*s.linked.get() {
                return;
            }
            let prev = get(&s.prev);
            let next = get(&s.next);
            if prev.is_null() {
                self.head = next;
            } else {
                set(&(*prev).next, next);
            }
            if next.is_null() {
                self.tail = prev;
            } else {
                set(&(*next).prev, prev);
            }
            *s.linked.get() = false;
        }
    }

    /// Takes the first sudog whose token this call wins (Go's `dequeue` with the `selectDone`
    /// CAS). The returned sudog is unlinked and `CLAIMED`: the caller transfers the value,
    /// then calls [`Sudog::finish`] before unlocking.
    ///
    /// # Safety
    ///
    /// Caller holds this queue's channel lock, and uses the returned sudog only until it calls
    /// [`Sudog::finish`] (after which the owner may free it).
    pub(crate) unsafe fn dequeue<'a>(&mut self) -> Option<&'a Sudog<T>> {
        let mut cur = self.head;
        while !cur.is_null() {
            // SAFETY: `cur` is queued here, so it is alive (owners unlink under this lock
            // before freeing) and its fields are ours under the lock.
            let s = unsafe { &*cur };
            // SAFETY: as above.
            let (next, token, case, shared) =
                unsafe { (get(&s.next), &*get(&s.token), get(&s.case), get(&s.shared)) };
            let claim = if shared {
                token.try_claim(case)
            } else {
                // A lone operation parks under this lock and is queued only while WAITING.
                debug_assert!(token.is_waiting());
                Claim::Won
            };
            match claim {
                Claim::Won => {
                    // SAFETY: `s` is queued here and we hold the lock.
                    unsafe { self.remove(s) };
                    return Some(s);
                }
                Claim::Busy => {}
                // SAFETY: as above.
                Claim::Dead => unsafe { self.remove(s) },
            }
            cur = next;
        }
        None
    }
}
