//! Task metadata: the fields every G carries in its async-task header.
//!
//! ```text
//! TaskMeta
//!   id        Id (u64, never reused)          Go's goid
//!   location  &'static Location               where `spawn` was called (Go's gopc)
//!   shared    Arc<Shared>                     the runtime the task belongs to
//!   state     AtomicU8 (bits below)
//!   wait      AtomicU8 (a gorust_hooks::wait::WaitReason)
//! ```
//!
//! The state bits:
//!
//! | bit | name       | set by                      | meaning                                       |
//! |-----|------------|-----------------------------|-----------------------------------------------|
//! | 0   | `ABORTED`  | `JoinHandle::abort`         | complete as cancelled at the next poll        |
//! | 1   | `BLOCKING` | `spawn_blocking`, at birth  | scheduled on the blocking pool, not on a P    |
//! | 2   | `FINISHED` | the task body, when dropped | the user's future is gone (done or cancelled) |

use std::fmt;
use std::num::NonZeroU64;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::sched::Shared;

/// The task should complete as cancelled the next time it is polled.
pub(crate) const ABORTED: u8 = 1 << 0;
/// The task runs on the blocking pool (`spawn_blocking`), not on a P.
pub(crate) const BLOCKING: u8 = 1 << 1;
/// The user's future has been dropped (after completion or cancellation).
pub(crate) const FINISHED: u8 = 1 << 2;

/// A task's unique id (Go's goroutine id). Ids are never reused within a process.
///
/// # Examples
///
/// ```
/// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
/// let h = rt.spawn(async { gorust_executor::task::id() });
/// let id = h.id();
/// assert_eq!(rt.block_on(h).unwrap(), id);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub(crate) NonZeroU64);

impl Id {
    /// The id as a number (Go prints goroutine ids this way).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
    /// let h = rt.spawn(async {});
    /// assert!(h.id().as_u64() > 0);
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The metadata stored in every task's header.
pub(crate) struct TaskMeta {
    pub(crate) id: Id,
    pub(crate) location: &'static Location<'static>,
    pub(crate) shared: Arc<Shared>,
    state: AtomicU8,
    wait: AtomicU8,
}

impl TaskMeta {
    pub(crate) fn new(
        id: Id,
        location: &'static Location<'static>,
        shared: Arc<Shared>,
        blocking: bool,
    ) -> Self {
        TaskMeta {
            id,
            location,
            shared,
            state: AtomicU8::new(if blocking { BLOCKING } else { 0 }),
            wait: AtomicU8::new(0),
        }
    }

    pub(crate) fn is_blocking(&self) -> bool {
        self.state.load(Ordering::Relaxed) & BLOCKING != 0
    }

    pub(crate) fn is_aborted(&self) -> bool {
        self.state.load(Ordering::Acquire) & ABORTED != 0
    }

    pub(crate) fn set_aborted(&self) {
        self.state.fetch_or(ABORTED, Ordering::AcqRel);
    }

    pub(crate) fn set_finished(&self) {
        self.state.fetch_or(FINISHED, Ordering::Release);
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.state.load(Ordering::Acquire) & FINISHED != 0
    }

    pub(crate) fn set_wait_reason(&self, r: gorust_hooks::wait::WaitReason) {
        self.wait.store(r as u8, Ordering::Relaxed);
    }

    pub(crate) fn wait_reason(&self) -> gorust_hooks::wait::WaitReason {
        gorust_hooks::wait::WaitReason::from_u8(self.wait.load(Ordering::Relaxed))
    }
}

impl fmt::Debug for TaskMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskMeta")
            .field("id", &self.id)
            .field("location", &self.location)
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish()
    }
}
