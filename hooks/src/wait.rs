//! Why the running task is about to park (Go's `waitReason`), for goroutine dumps.
//!
//! A leaf future that returns `Pending` because it parked (a channel receive, a mutex, a
//! sleep) calls [`set_wait_reason`] first. The executor reads the value with
//! [`take_wait_reason`] when the poll returns `Pending` and stores it in the task's metadata;
//! it resets the slot before each poll. Outside gorust the slot is written and never read,
//! which costs one thread-local store.

use std::cell::Cell;
use std::fmt;

/// Why a task is parked, in Go's words (`runtime/runtime2.go: waitReasonStrings`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
#[non_exhaustive]
pub enum WaitReason {
    /// No reason recorded: the task's own future returned `Pending`.
    #[default]
    None = 0,
    /// Parked in a channel receive.
    ChanReceive,
    /// Parked in a channel send.
    ChanSend,
    /// Parked in a `select!` with no ready branch.
    Select,
    /// Parked in a `select!` with no branches at all (Go's `select {}`).
    SelectNoCases,
    /// Parked in a sleep or timer.
    Sleep,
    /// Waiting for a socket or file descriptor to become ready.
    IoWait,
    /// Waiting for a `sync::Mutex`.
    MutexLock,
    /// Waiting for a `sync::RwLock` read lock.
    RwLockRLock,
    /// Waiting for a `sync::RwLock` write lock.
    RwLockLock,
    /// Waiting on a `sync::Cond`.
    CondWait,
    /// Waiting on a `sync::WaitGroup`.
    WaitGroupWait,
    /// Waiting for a semaphore.
    SemAcquire,
    /// Waiting for another task to finish (a `JoinHandle`).
    JoinWait,
}

impl WaitReason {
    /// Go's text for this reason, as a goroutine dump prints it.
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_hooks::wait::WaitReason;
    /// assert_eq!(WaitReason::ChanReceive.as_str(), "chan receive");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            WaitReason::None => "",
            WaitReason::ChanReceive => "chan receive",
            WaitReason::ChanSend => "chan send",
            WaitReason::Select => "select",
            WaitReason::SelectNoCases => "select (no cases)",
            WaitReason::Sleep => "sleep",
            WaitReason::IoWait => "IO wait",
            WaitReason::MutexLock => "sync.Mutex.Lock",
            WaitReason::RwLockRLock => "sync.RWMutex.RLock",
            WaitReason::RwLockLock => "sync.RWMutex.Lock",
            WaitReason::CondWait => "sync.Cond.Wait",
            WaitReason::WaitGroupWait => "sync.WaitGroup.Wait",
            WaitReason::SemAcquire => "semacquire",
            WaitReason::JoinWait => "join wait",
        }
    }

    /// Converts the byte stored in task metadata back into a reason (unknown bytes are `None`).
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_hooks::wait::WaitReason;
    /// assert_eq!(WaitReason::from_u8(WaitReason::Sleep as u8), WaitReason::Sleep);
    /// assert_eq!(WaitReason::from_u8(200), WaitReason::None);
    /// ```
    pub const fn from_u8(b: u8) -> WaitReason {
        const ALL: [WaitReason; 14] = [
            WaitReason::None,
            WaitReason::ChanReceive,
            WaitReason::ChanSend,
            WaitReason::Select,
            WaitReason::SelectNoCases,
            WaitReason::Sleep,
            WaitReason::IoWait,
            WaitReason::MutexLock,
            WaitReason::RwLockRLock,
            WaitReason::RwLockLock,
            WaitReason::CondWait,
            WaitReason::WaitGroupWait,
            WaitReason::SemAcquire,
            WaitReason::JoinWait,
        ];
        if (b as usize) < ALL.len() {
            ALL[b as usize]
        } else {
            WaitReason::None
        }
    }
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

thread_local! {
    static REASON: Cell<WaitReason> = const { Cell::new(WaitReason::None) };
}

/// Records why the running task is about to return `Pending`.
///
/// # Examples
///
/// ```
/// use gorust_hooks::wait::{set_wait_reason, take_wait_reason, WaitReason};
/// set_wait_reason(WaitReason::ChanSend);
/// assert_eq!(take_wait_reason(), WaitReason::ChanSend);
/// assert_eq!(take_wait_reason(), WaitReason::None);
/// ```
#[inline]
pub fn set_wait_reason(reason: WaitReason) {
    REASON.with(|r| r.set(reason));
}

/// Takes the recorded reason and clears the slot. Executor only.
///
/// # Examples
///
/// ```
/// use gorust_hooks::wait::{take_wait_reason, WaitReason};
/// assert_eq!(take_wait_reason(), WaitReason::None);
/// ```
#[doc(hidden)]
#[inline]
pub fn take_wait_reason() -> WaitReason {
    REASON.with(|r| r.replace(WaitReason::None))
}
