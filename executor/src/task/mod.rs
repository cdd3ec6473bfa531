//! The task layer: what a G is (an `async_task::Runnable` plus `TaskMeta`), how it is
//! created (`raw::spawn_raw`), and the user-facing handles ([`JoinHandle`], [`JoinSet`]).
//!
//! - `meta`: the metadata in every task header: id, spawn location, state bits, wait reason.
//! - `body`: the future async-task polls: the user's future wrapped so a panic becomes a
//!   [`JoinError`], an abort or runtime shutdown completes it as cancelled, and its entry in
//!   the live-task registry goes away exactly when the user's future is dropped.
//! - `join`: [`JoinHandle`] (detaches on drop), [`JoinError`], [`AbortHandle`].
//! - `join_set`: [`JoinSet`].

pub(crate) mod body;
pub(crate) mod join;
pub(crate) mod join_set;
pub(crate) mod meta;
pub(crate) mod raw;

pub use join::{AbortHandle, JoinError, JoinHandle};
pub use join_set::JoinSet;
pub use meta::Id;

/// The runnable half of a task, as the scheduler queues it.
pub(crate) type Runnable = async_task::Runnable<meta::TaskMeta>;

/// The id of the task that is running on this thread (Go's goroutine id).
///
/// # Panics
///
/// Panics outside a task (plain code, `block_on`'s own future); see [`try_id`].
///
/// # Examples
///
/// ```
/// gorust_executor::block_on(async {
///     let h = gorust_executor::spawn(async { gorust_executor::task::id() });
///     let id = h.id();
///     assert_eq!(h.await.unwrap(), id);
/// });
/// ```
pub fn id() -> Id {
    try_id().expect("gorust::task::id called outside a task")
}

/// The id of the running task, or `None` outside a task.
///
/// # Examples
///
/// ```
/// assert!(gorust_executor::task::try_id().is_none());
/// ```
pub fn try_id() -> Option<Id> {
    crate::context::current_task_id()
}

pub use crate::context::{spawn, spawn_blocking, yield_now};
