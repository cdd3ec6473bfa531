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
//! registry. When the body is dropped (after completion or on cancellation) it marks the task
//! finished and leaves the registry. async-task drops the future before it frees the header,
//! so the borrowed [`TaskMeta`] outlives the body.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::join::JoinError;
use super::meta::TaskMeta;

pin_project_lite::pin_project! {
    /// The wrapper around a user's future.
    pub(crate) struct Body<'a, F> {
        #[pin]
        fut: F,
        meta: &'a TaskMeta,
        // Slot in the registry of parked tasks, once the task has parked.
        key: usize,
    }

    impl<F> PinnedDrop for Body<'_, F> {
        fn drop(this: Pin<&mut Self>) {
            let meta = this.meta;
            meta.set_finished();
            meta.shared.registry.remove(this.key);
            meta.shared.task_finished();
        }
    }
}

impl<'a, F> Body<'a, F> {
    pub(crate) fn new(fut: F, meta: &'a TaskMeta) -> Self {
        Body {
            fut,
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
        if meta.is_aborted() || meta.shared.is_shutdown() {
            return Poll::Ready(Err(JoinError::cancelled(meta.id)));
        }
        let fut = this.fut;
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
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
            Err(payload) => Poll::Ready(Err(JoinError::panic(meta.id, payload))),
        }
    }
}
