//! The commit token one waiting operation (a `recv`, a `send`, or every case of one
//! `select!`) shares between its sudogs: Go's `g.selectDone` plus `gp.param`.
//!
//! Mirrors `runtime/chan.go: waitq.dequeue` (the `selectDone.CompareAndSwap(0, 1)` a peer must
//! win before it hands over or takes a value) and `runtime/select.go: selectgo` (the owner
//! finds the winning case on wake-up).
//!
//! # State word
//!
//! | value            | name          | meaning                                               |
//! |------------------|---------------|-------------------------------------------------------|
//! | `0`              | `WAITING`     | parked; a peer may claim one case                     |
//! | `1`              | `BUSY`        | the owner is running (polling, re-checking): peers skip its sudogs and leave them queued |
//! | `(i << 2) \| 2`  | `CLAIMED(i)`  | a peer won case `i` and is transferring under that case's channel lock |
//! | `(i << 2) \| 3`  | `DONE(i)`     | case `i` is finished: its sudog is unlinked, its slot and `success` are final |
//!
//! # Invariants
//!
//! - Only the owner moves `BUSY → WAITING`, and only while it holds the lock of every channel
//!   its sudogs are queued on, after it re-checked those channels (no lost wake-up).
//! - Only a peer moves `WAITING → CLAIMED(i)`, under the lock of case `i`'s channel, and the
//!   same peer moves `CLAIMED(i) → DONE(i)` before it releases that lock. Hence whoever holds
//!   case `i`'s channel lock never sees `CLAIMED(i)`.
//! - A lone operation (a plain `recv`/`send`, one channel) changes its token only under its
//!   channel's lock, so a peer holding that lock takes it without the CAS (`WAITING` straight
//!   to `DONE(0)` in [`Token::finish`]), as Go skips `selectDone` when `!sg.isSelect`.
//! - The waker cell belongs to the owner while the state is `BUSY` and to the claiming peer
//!   between `CLAIMED(i)` and `DONE(i)`; the peer takes the waker out before the Release store
//!   of `DONE(i)` and touches nothing of the owner afterwards (the owner may free it).

use crate::loom::{AtomicUsize, Ordering};
use std::cell::UnsafeCell;
use std::task::Waker;

/// Parked: a peer may claim a case.
const WAITING: usize = 0;
/// The owner is running: peers pass its sudogs by.
const BUSY: usize = 1;
/// Tag bits of a claimed case.
const CLAIMED: usize = 2;
/// Tag bits of a finished case.
const DONE: usize = 3;

/// What a peer's claim attempt found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The peer owns the case now: transfer, then call [`Token::finish`].
    Won,
    /// The owner is running: leave the sudog queued and pass it by.
    Busy,
    /// Another case of the same owner already won: the sudog is dead, unlink it.
    Dead,
}

/// How the owner found its token when it came to run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Begin {
    /// The token is `BUSY` and belongs to the owner.
    Running,
    /// Case `i` was committed by a peer (or is being committed: `done == false` means the peer
    /// still holds case `i`'s channel lock; take and release that lock, then it is done).
    Won { case: usize, done: bool },
}

/// A commit token; see the module docs.
pub(crate) struct Token {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker cell is only touched by the token's current holder as the state word
// defines (owner while BUSY, claiming peer between CLAIMED and DONE); hand-overs go through
// the Acquire/Release state word.
unsafe impl Send for Token {}
// SAFETY: as above.
unsafe impl Sync for Token {}

impl Token {
    /// A token in the `BUSY` state (the owner has not parked yet).
    #[inline(always)]
    pub(crate) fn new() -> Token {
        Token {
            state: AtomicUsize::new(BUSY),
            waker: UnsafeCell::new(None),
        }
    }

    /// Peer side: tries to win case `case` (`WAITING → CLAIMED(case)`).
    ///
    /// Called under the lock of the channel the case's sudog is queued on.
    #[inline]
    pub(crate) fn try_claim(&self, case: usize) -> Claim {
        match self.state.compare_exchange(
            WAITING,
            (case << 2) | CLAIMED,
            Ordering::Acquire,
            Ordering::Acquire,
        ) {
            Ok(_) => Claim::Won,
            Err(BUSY) => Claim::Busy,
            Err(_) => Claim::Dead,
        }
    }

    /// Peer side: ends a won claim (`CLAIMED(case) → DONE(case)`) and returns the owner's
    /// waker, to be woken after the channel lock is released.
    ///
    /// # Safety
    ///
    /// The caller won `case` with [`Token::try_claim`], still holds that channel's lock, and has
    /// finished writing the case's sudog. It must not touch the owner after this returns.
    #[inline]
    pub(crate) unsafe fn finish(&self, case: usize) -> Option<Waker> {
        // SAFETY: between CLAIMED and DONE the waker cell belongs to the claiming peer.
        let waker = unsafe { (*self.waker.get()).take() };
        self.state.store((case << 2) | DONE, Ordering::Release);
        waker
    }

    /// Owner side: makes the token `BUSY` so no peer commits it while the owner runs, or
    /// reports the case a peer committed.
    #[inline]
    pub(crate) fn begin(&self) -> Begin {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            match s {
                BUSY => return Begin::Running,
                WAITING => match self.state.compare_exchange_weak(
                    WAITING,
                    BUSY,
                    Ordering::Acquire,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return Begin::Running,
                    Err(now) => s = now,
                },
                _ => {
                    return Begin::Won {
                        case: s >> 2,
                        done: s & 3 == DONE,
                    };
                }
            }
        }
    }

    /// Whether the token is `WAITING` (debug checks).
    #[inline]
    pub(crate) fn is_waiting(&self) -> bool {
        self.state.load(Ordering::Relaxed) == WAITING
    }

    /// Owner side: reads whether case `case` is `DONE` (after taking and releasing its lock).
    #[inline]
    pub(crate) fn is_done(&self, case: usize) -> bool {
        self.state.load(Ordering::Acquire) == (case << 2) | DONE
    }

    /// Owner side: reads the state word as a [`Begin`] without changing it (used on drop when
    /// the caller already holds the only lock involved).
    #[inline]
    pub(crate) fn peek(&self) -> Begin {
        let s = self.state.load(Ordering::Acquire);
        if s == BUSY || s == WAITING {
            Begin::Running
        } else {
            Begin::Won {
                case: s >> 2,
                done: s & 3 == DONE,
            }
        }
    }

    /// Owner side: records that the owner completed case `case` itself while `BUSY`.
    #[inline]
    pub(crate) fn complete(&self, case: usize) {
        self.state.store((case << 2) | DONE, Ordering::Release);
    }

    /// Owner side: back to `BUSY` after a finished case was discarded (a `select!` branch
    /// whose pattern did not match). Every sudog must be unlinked.
    #[inline]
    pub(crate) fn reset(&self) {
        self.state.store(BUSY, Ordering::Relaxed);
    }

    /// Owner side: stores the waker a peer will wake.
    ///
    /// # Safety
    ///
    /// The token must be `BUSY` and belong to the caller (after [`Token::begin`] returned
    /// `Running`), or be `WAITING` while the caller holds the lock of every channel where a
    /// sudog of this token is queued.
    #[inline]
    pub(crate) unsafe fn set_waker(&self, waker: &Waker) {
        // SAFETY: per this function's contract no peer can be inside a claim.
        let slot = unsafe { &mut *self.waker.get() };
        match slot {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Owner side: parks (`BUSY → WAITING`): from now on peers may commit a case.
    ///
    /// Must be called with the lock of every channel where a sudog of this token is queued
    /// held, after re-checking those channels (see the module invariants).
    #[inline]
    pub(crate) fn park(&self) {
        self.state.store(WAITING, Ordering::Release);
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}
