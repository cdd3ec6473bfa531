//! [`JoinHandle`], [`JoinError`] and [`AbortHandle`]: awaiting, detaching and cancelling a task.
//!
//! A `JoinHandle` owns async-task's `Task` half. Dropping it **detaches** the task (it keeps
//! running, as a goroutine does and as tokio's handle does), unlike a raw `async_task::Task`,
//! which cancels on drop. `abort()` sets the task's `ABORTED` bit and wakes it; the next poll
//! completes it as cancelled and drops the user's future.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use async_task::FallibleTask;

use super::meta::{Id, TaskMeta};

/// An owned permission to await a spawned task's result. Dropping it detaches the task.
///
/// Awaiting gives `Ok(value)` when the task returned, or a [`JoinError`] when it panicked or
/// was cancelled ([`JoinHandle::abort`], or its runtime was dropped).
///
/// # Examples
///
/// ```
/// let rt = gorust_executor::runtime::Builder::new().procs(2).build().unwrap();
/// let v = rt.block_on(async {
///     let h = gorust_executor::spawn(async { 6 * 7 });
///     h.await.unwrap()
/// });
/// assert_eq!(v, 42);
/// ```
///
/// # Cancel safety
///
/// Dropping the `JoinHandle` future (for example in a losing `select!` branch) detaches the
/// task; its result is dropped when it finishes. Nothing is lost that was not yours yet.
pub struct JoinHandle<T> {
    task: Option<FallibleTask<Result<T, JoinError>, TaskMeta>>,
    meta: NonNull<TaskMeta>,
    /// The task's own waker: how `abort` gets a parked task polled (and cancelled).
    waker: Waker,
    id: Id,
}

// SAFETY: `meta` points into the task header that `task` keeps alive; `TaskMeta` is `Sync`,
// and the task's output `T` is only moved out through `poll` (needs `&mut`), so `T: Send`
// suffices for both.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: as above; `&JoinHandle` only reads `TaskMeta` (atomics) and the id.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(crate) fn new(
        task: async_task::Task<Result<T, JoinError>, TaskMeta>,
        waker: Waker,
    ) -> Self {
        let meta = NonNull::from(task.metadata());
        let id = task.metadata().id;
        JoinHandle {
            task: Some(task.fallible()),
            meta,
            waker,
            id,
        }
    }

    fn meta(&self) -> &TaskMeta {
        // SAFETY: the task allocation (and so its metadata) lives while `self.task` holds a
        // reference to it, which it does for the whole life of `self`.
        unsafe { self.meta.as_ref() }
    }

    /// Cancels the task. If it has not finished, it completes as cancelled at its next poll
    /// (it is woken now) and awaiting this handle gives [`JoinError::is_cancelled`]. A task
    /// that already finished keeps its result. A running poll is not interrupted: the abort
    /// takes effect when that poll returns.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
    /// rt.block_on(async {
    ///     let h = gorust_executor::spawn(std::future::pending::<()>());
    ///     h.abort();
    ///     assert!(h.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        self.meta().set_aborted();
        self.waker.wake_by_ref();
    }

    /// Reports whether the task has finished (returned, panicked or been cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
    /// let h = rt.spawn(async { 1 });
    /// let h2 = rt.block_on(async move { h.await.unwrap(); gorust_executor::spawn(async {}) });
    /// let _ = h2.is_finished(); // may or may not have run yet
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(|t| t.is_finished())
    }

    /// The id of the task.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
    /// let a = rt.spawn(async {});
    /// let b = rt.spawn(async {});
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }

    /// A handle that can abort the task but not await it; it may outlive this handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
    /// rt.block_on(async {
    ///     let h = gorust_executor::spawn(std::future::pending::<()>());
    ///     let a = h.abort_handle();
    ///     a.abort();
    ///     assert!(h.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            waker: self.waker.clone(),
            meta: self.meta,
            id: self.id,
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if gorust_hooks::coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let id = self.id;
        let task = self
            .task
            .as_mut()
            .expect("JoinHandle polled after it returned its result");
        match Pin::new(task).poll(cx) {
            Poll::Ready(out) => {
                // Keep the task (and so the metadata `meta` points to) until drop.
                Poll::Ready(out.unwrap_or_else(|| Err(JoinError::cancelled(id))))
            }
            Poll::Pending => {
                gorust_hooks::wait::set_wait_reason(gorust_hooks::wait::WaitReason::JoinWait);
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Aborts a task without owning its result (tokio's `AbortHandle`).
///
/// # Examples
///
/// ```
/// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
/// rt.block_on(async {
///     let h = gorust_executor::spawn(std::future::pending::<()>());
///     let abort = h.abort_handle();
///     assert!(!abort.is_finished());
///     abort.abort();
///     assert!(h.await.unwrap_err().is_cancelled());
/// });
/// ```
pub struct AbortHandle {
    /// Keeps the task allocation (and so `meta`) alive, and gets the task polled.
    waker: Waker,
    meta: NonNull<TaskMeta>,
    id: Id,
}

// SAFETY: `meta` is only dereferenced while `waker` (a counted reference to the task, which
// keeps its allocation alive) is held; `TaskMeta` is `Sync` and `Waker` is `Send + Sync`.
unsafe impl Send for AbortHandle {}
// SAFETY: as above.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// Cancels the task (see [`JoinHandle::abort`]). No effect once it has finished.
    ///
    /// # Examples
    ///
    /// See [`AbortHandle`].
    pub fn abort(&self) {
        // SAFETY: the held waker keeps the task allocation, and so its metadata, alive.
        unsafe { self.meta.as_ref() }.set_aborted();
        self.waker.wake_by_ref();
    }

    /// Reports whether the task has finished.
    ///
    /// # Examples
    ///
    /// See [`AbortHandle`].
    pub fn is_finished(&self) -> bool {
        // SAFETY: the held waker keeps the task allocation alive.
        unsafe { self.meta.as_ref() }.is_finished()
    }

    /// The id of the task.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
    /// let h = rt.spawn(async {});
    /// assert_eq!(h.abort_handle().id(), h.id());
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle").field("id", &self.id).finish()
    }
}

/// Why a task did not return a value: it panicked, or it was cancelled.
///
/// # Examples
///
/// ```
/// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
/// let err = rt.block_on(async {
///     gorust_executor::spawn(async { panic!("boom") }).await.unwrap_err()
/// });
/// assert!(err.is_panic());
/// assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// ```
pub struct JoinError {
    id: Id,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> Self {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> Self {
        JoinError {
            id,
            repr: Repr::Panic(Mutex::new(payload)),
        }
    }

    /// True when the task was cancelled (aborted, or its runtime shut down).
    ///
    /// # Examples
    ///
    /// See [`JoinHandle::abort`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// True when the task panicked.
    ///
    /// # Examples
    ///
    /// See [`JoinError`].
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload.
    ///
    /// # Panics
    ///
    /// Panics if the error is not a panic ([`JoinError::is_panic`] is false).
    ///
    /// # Examples
    ///
    /// See [`JoinError`].
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError::into_panic` called on a cancellation, not a panic")
    }

    /// The panic payload, or the error back when it is a cancellation.
    ///
    /// # Errors
    ///
    /// Returns `Err(self)` when the task was cancelled rather than panicking.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
    /// let err = rt.block_on(async {
    ///     let h = gorust_executor::spawn(std::future::pending::<()>());
    ///     h.abort();
    ///     h.await.unwrap_err()
    /// });
    /// assert!(err.try_into_panic().is_err());
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(p) => Ok(p.into_inner().unwrap_or_else(|e| e.into_inner())),
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
    /// let h = rt.spawn(async { panic!("x") });
    /// let id = h.id();
    /// assert_eq!(rt.block_on(h).unwrap_err().id(), id);
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }
}

fn panic_message(p: &(dyn Any + Send)) -> &str {
    if let Some(s) = p.downcast_ref::<&str>() {
        s
    } else if let Some(s) = p.downcast_ref::<String>() {
        s
    } else {
        "<non-string panic payload>"
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task {} was cancelled", self.id),
            Repr::Panic(p) => {
                let p = p.lock().unwrap_or_else(|e| e.into_inner());
                write!(f, "task {} panicked: {}", self.id, panic_message(&**p))
            }
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({})", self.id),
            Repr::Panic(p) => {
                let p = p.lock().unwrap_or_else(|e| e.into_inner());
                write!(
                    f,
                    "JoinError::Panic({}, {:?})",
                    self.id,
                    panic_message(&**p)
                )
            }
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> Self {
        std::io::Error::other(e.to_string())
    }
}
