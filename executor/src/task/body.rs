//! The future async-task polls for every gorust task: the user's future plus the runtime's
//! rules around it.
//!
//! On each poll, in order:
//! 1. if the task was aborted or its runtime is shutting down, complete with
//!    [`JoinError::Cancelled`](super::JoinError) without polling the user's future (which is
//!    then dropped by async-task, exactly once);
//! 2. poll the user's future inside `catch_unwind`, so a panic becomes a `JoinError` carrying
//!    the payload and never unwinds into the worker thread.
//!
//! The first time the user's future returns `Pending`, the body registers the task (with a
//! clone of its waker) in the runtime's registry of parked tasks, which shutdown uses to reach
//! tasks that sit in no queue. A task that finishes in its first poll never touches the
//! registry. The body drops the user's future itself as soon as it completes, panics or is
//! cancelled, inside `catch_unwind` (a panicking `Drop` becomes the task's panic, or is
//! swallowed at cancellation; under async-task's own drop it would abort the process). When
//! the body is dropped it marks the task finished and leaves the registry. async-task drops
//! the body before it frees the header, so the borrowed [`TaskMeta`] outlives the body.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::join::JoinError;
use super::meta::TaskMeta;

pin_project_lite::pin_project! {
    /// The wrapper around a user's future.
    pub(crate) struct Body<'a, F> {
        // `None` once dropped: the body drops the user's future itself, inside
        // `catch_unwind`, as soon as it completes or is cancelled (async-task would drop it
        // under an abort-on-panic guard: a panicking `Drop` would abort the process).
        #[pin]
        fut: Option<F>,
        meta: &'a TaskMeta,
        // Slot in the registry of parked tasks, once the task has parked.
        key: usize,
    }

    impl<F> PinnedDrop for Body<'_, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            // The future goes first, so the task reads as finished only once it is gone. A
            // panic in its Drop here (cancelled at shutdown, say) is swallowed: nobody is left
            // to receive it.
            let _ = drop_future(this.fut);
            let meta = *this.meta;
            meta.set_finished();
            meta.shared.registry.remove(*this.key);
            meta.shared.task_finished();
        }
    }
}

/// Drops the user's future in place, catching a panic from its `Drop`.
fn drop_future<F>(fut: Pin<&mut Option<F>>) -> std::thread::Result<()> {
    let mut fut = fut;
    catch_unwind(AssertUnwindSafe(|| fut.set(None)))
}

impl<'a, F> Body<'a, F> {
    pub(crate) fn new(fut: F, meta: &'a TaskMeta) -> Self {
        Body {
            fut: Some(fut),
            meta,
            key: crate::registry::NO_KEY,
        }
    }
}

impl<F: Future> Future for Body<'_, F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let meta = *this.meta;
        let mut slot = this.fut;
        if meta.is_aborted() || meta.shared.is_shutdown() {
            let _ = drop_future(slot.as_mut());
            return Poll::Ready(Err(JoinError::cancelled(meta.id)));
        }
        let Some(fut) = slot.as_mut().as_pin_mut() else {
            // async-task never polls a completed task; stay pending rather than panic.
            return Poll::Pending;
        };
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Ready(v)) => match drop_future(slot) {
                Ok(()) => Poll::Ready(Ok(v)),
                // The output is there but the future's Drop panicked: report the panic, as a
                // panic anywhere in the task does (tokio does the same).
                Err(payload) => Poll::Ready(Err(JoinError::panic(meta.id, payload))),
            },
            Ok(Poll::Pending) => {
                meta.set_wait_reason(gorust_hooks::wait::take_wait_reason());
                if *this.key == crate::registry::NO_KEY {
                    match meta.shared.registry.insert(meta, cx.waker().clone()) {
                        Some(key) => *this.key = key,
                        // The runtime is shutting down: get rescheduled, so the shutdown
                        // drain finds this task in a queue and drops it.
                        None => cx.waker().wake_by_ref(),
                    }
                }
                Poll::Pending
            }
            Err(payload) => {
                let _ = drop_future(slot);
                Poll::Ready(Err(JoinError::panic(meta.id, payload)))
            }
        }
    }
}
