//! The Mutex state word, bit for bit Go's `sync.Mutex.state` (`internal/sync/mutex.go`).
//!
//! ```text
//!  31                                   3   2   1   0
//! +--------------------------------------+---+---+---+
//! |          waiters (29 bits)           | S | W | L |
//! +--------------------------------------+---+---+---+
//!   L = LOCKED    W = WOKEN    S = STARVING
//! ```
//!
//! Invariants (gorust keeps them under the waiter-list lock, see `mutex/mod.rs`):
//! - `waiters == list.len()`: every change of the count happens together with the matching
//!   push or pop, under the list lock.
//! - `STARVING` implies `LOCKED` and `waiters > 0` (ownership is handed off with `LOCKED` kept
//!   set; the mode is left when the last waiter is served or the served waiter waited < 1 ms).
//! - `WOKEN` is owned by exactly one party: a spinner that set it, or the waiter an unlock
//!   woke. While it is set, unlock wakes nobody else.

/// The mutex is held (Go's `mutexLocked`).
pub const LOCKED: u32 = 1;
/// A waiter is awake and about to compete, so unlock need not wake another (`mutexWoken`).
pub const WOKEN: u32 = 1 << 1;
/// Starvation mode: unlock hands ownership to the queue head (`mutexStarving`).
pub const STARVING: u32 = 1 << 2;
/// Shift of the waiter count (`mutexWaiterShift`).
pub const WAITER_SHIFT: u32 = 3;
/// One waiter in the count.
pub const WAITER: u32 = 1 << WAITER_SHIFT;

/// A waiter kept waiting longer than this switches the lock to starvation mode
/// (`starvationThresholdNs = 1e6`).
pub const STARVATION_THRESHOLD_NS: u64 = 1_000_000;

/// Spin at most this many rounds before parking (`active_spin = 4`).
pub const ACTIVE_SPIN: u32 = 4;
/// Pause instructions per spin round (`active_spin_cnt = 30`).
pub const ACTIVE_SPIN_CNT: u32 = 30;

/// Waiter-list token: woken by a normal-mode unlock; must compete again.
pub const TOKEN_WOKEN: u32 = 1;
/// Waiter-list token: handed ownership directly (starvation mode).
pub const TOKEN_HANDOFF: u32 = 2;

/// The waiter count of a state word.
///
/// # Examples
///
/// ```
/// use gorust_sync::mutex::state::{LOCKED, WAITER, waiters};
/// assert_eq!(waiters(LOCKED | 3 * WAITER), 3);
/// ```
#[inline]
pub const fn waiters(state: u32) -> u32 {
    state >> WAITER_SHIFT
}
