//! Creating a task: allocate it with async-task, register it as live, hand back both halves.
//!
//! Mirrors Go's `runtime/proc.go: newproc1` (allocate a G, give it an id and its creator's
//! pc). Placement (runnext, ring, global queue) is the scheduler's business and happens when
//! the caller schedules the returned [`Runnable`].

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use async_task::{Builder, ScheduleInfo, WithInfo};

use super::Runnable;
use super::body::Body;
use super::join::JoinHandle;
use super::meta::TaskMeta;
use crate::sched::Shared;

/// Allocates a task for `fut` on runtime `shared`; `p` is the P the caller holds, if it is an
/// M of `shared` (its id cache is used). Returns the runnable to schedule, or
/// `None` when the runtime is shutting down (the handle then reports the task cancelled).
pub(crate) fn spawn_raw<F>(
    shared: &Arc<Shared>,
    fut: F,
    location: &'static Location<'static>,
    blocking: bool,
    p: Option<usize>,
) -> (Option<Runnable>, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let meta = TaskMeta::new(shared.next_task_id(p), location, shared.clone(), blocking);
    // SAFETY: (1) the future `Body<F>` is `Send` because `F: Send` and it otherwise only holds
    // `&TaskMeta` (`TaskMeta: Sync`); (2) the only thing it borrows is the task's own metadata,
    // which async-task keeps alive until after the future is dropped; (3) the schedule function
    // is a plain `fn`, so `Send + Sync + 'static`; (4) the output is `Send` (`F::Output: Send`).
    let (runnable, task) = unsafe {
        Builder::new()
            .metadata(meta)
            .spawn_unchecked(|meta| Body::new(fut, meta), WithInfo(schedule))
    };
    if shared.registry.is_closed() {
        // The runtime is shutting down: dropping the runnable cancels the task and drops
        // the future now; the handle reports `JoinError::Cancelled`.
        let waker = runnable.waker();
        drop(runnable);
        return (None, JoinHandle::new(task, waker));
    }
    let waker = runnable.waker();
    (Some(runnable), JoinHandle::new(task, waker))
}

/// async-task's schedule function for every gorust task: called on each wake.
fn schedule(runnable: Runnable, info: ScheduleInfo) {
    if runnable.metadata().is_blocking() {
        let shared = runnable.metadata().shared.clone();
        shared.blocking.push(runnable);
        return;
    }
    if let Err(runnable) = crate::worker::schedule_local(runnable, info) {
        // Woken from outside any M of its runtime: global queue and wake an idle M.
        let shared = runnable.metadata().shared.clone();
        shared.inject(runnable);
    }
}
