//! The calling thread's runtime context and the free functions that depend on it:
//! [`spawn`] (Go's `go` statement), [`spawn_blocking`], [`yield_now`] (Go's `Gosched`) and
//! [`crate::task::id`].
//!
//! A thread is inside a runtime when it is one of its Ms (a worker, or the thread inside
//! `block_on`) or when it was entered with a handle (the blocking pool's threads, the thread
//! that drains tasks at shutdown). Spawning on an M that holds a P puts the new task in that
//! P's runnext (Go's `newproc`), so it runs soon and on a warm cache; anywhere else it goes to
//! the global queue and wakes an idle M.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::sched::Shared;
use crate::task::raw::spawn_raw;
use crate::task::{Id, JoinHandle};
use crate::worker;

thread_local! {
    static HANDLE: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
    static BLOCKING_TASK: Cell<Option<Id>> = const { Cell::new(None) };
}

/// Undoes [`enter_handle`] when dropped.
pub(crate) struct HandleGuard(Option<Arc<Shared>>);

impl Drop for HandleGuard {
    fn drop(&mut self) {
        let prev = self.0.take();
        HANDLE.with(|h| *h.borrow_mut() = prev);
    }
}

/// Makes `shared` this thread's runtime for `spawn` until the guard drops.
pub(crate) fn enter_handle(shared: Arc<Shared>) -> HandleGuard {
    HandleGuard(HANDLE.with(|h| h.borrow_mut().replace(shared)))
}

pub(crate) fn set_blocking_task(id: Option<Id>) {
    BLOCKING_TASK.with(|c| c.set(id));
}

pub(crate) fn current_task_id() -> Option<Id> {
    worker::current_task().or_else(|| BLOCKING_TASK.with(|c| c.get()))
}

/// The runtime this thread is in, if any.
pub(crate) fn current_shared() -> Option<Arc<Shared>> {
    worker::with_current(|m| m.map(|m| m.shared.clone()))
        .or_else(|| HANDLE.with(|h| h.borrow().clone()))
}

const OUTSIDE: &str = "gorust::spawn called outside a gorust runtime: call it from inside \
     #[gorust::main], #[gorust::test], Runtime::block_on or a task, or spawn through a handle \
     with Runtime::spawn / Handle::spawn";

/// Spawns `fut` on `shared`: into the current P's runnext when this thread is an M of that
/// runtime holding a P, else onto the global queue.
pub(crate) fn spawn_on<F>(
    shared: &Arc<Shared>,
    fut: F,
    location: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // The P this thread holds in `shared`, if it is one of its Ms.
    let p = worker::with_current(|m| match m {
        Some(m) if ptr::eq(Arc::as_ptr(&m.shared), Arc::as_ptr(shared)) => m.p(),
        _ => None,
    });
    let (task, handle) = spawn_raw(shared, fut, location, false, p);
    if let Some(task) = task {
        match p {
            Some(p) => worker::with_current(|m| {
                m.expect("the M checked above is still current")
                    .push_local(p, task)
            }),
            None => shared.inject(task),
        }
    }
    handle
}

/// Spawns a task: Go's `go f()`. The task starts running concurrently with the caller;
/// awaiting the returned [`JoinHandle`] gives its output, dropping it detaches the task.
///
/// Called from a task or from `block_on` on a gorust runtime, the new task goes to the
/// current P's `runnext` slot, so it usually runs next on this same thread.
///
/// # Panics
///
/// Panics when called outside a gorust runtime (a plain thread, a tokio worker); use
/// [`Runtime::spawn`](crate::runtime::Runtime::spawn) or
/// [`Handle::spawn`](crate::runtime::Handle::spawn) there.
///
/// # Examples
///
/// ```
/// gorust_executor::block_on(async {
///     let h = gorust_executor::spawn(async { "hello from a goroutine" });
///     assert_eq!(h.await.unwrap(), "hello from a goroutine");
/// });
/// ```
#[track_caller]
pub fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = Location::caller();
    // Fast path, on an M: borrow its runtime (no reference-count traffic on the shared
    // runtime for every spawn) and use its P.
    let fut = match worker::with_current(|m| match m {
        Some(m) => Ok(spawn_on_m(m, fut, location)),
        None => Err(fut),
    }) {
        Ok(handle) => return handle,
        Err(fut) => fut,
    };
    let shared = current_shared().unwrap_or_else(|| panic!("{OUTSIDE}"));
    spawn_on(&shared, fut, location)
}

/// Spawns on the runtime of M `m`, into its P's runnext when it holds one.
fn spawn_on_m<F>(
    m: &worker::M,
    fut: F,
    location: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let p = m.p();
    let (task, handle) = spawn_raw(&m.shared, fut, location, false, p);
    if let Some(task) = task {
        match p {
            Some(p) => m.push_local(p, task),
            None => m.shared.inject(task),
        }
    }
    handle
}

/// Runs a blocking closure on the runtime's blocking thread pool and returns a handle to
/// its result, so the Ms stay free for tasks.
///
/// A closure that has started runs to completion (it cannot be interrupted; dropping the
/// runtime waits for it). One still queued when the runtime shuts down, or aborted before it
/// starts, never runs: its handle reports cancellation (tokio's behaviour).
///
/// # Panics
///
/// Panics when called outside a gorust runtime. A panic inside `f` does not propagate: it
/// comes back as a [`JoinError`](crate::task::JoinError) with `is_panic()`.
///
/// # Examples
///
/// ```
/// gorust_executor::block_on(async {
///     let h = gorust_executor::spawn_blocking(|| std::fs::metadata(".").is_ok());
///     assert!(h.await.unwrap());
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let location = Location::caller();
    let shared = current_shared().unwrap_or_else(|| {
        panic!("gorust::spawn_blocking called outside a gorust runtime: call it from inside a runtime, or use Handle::spawn_blocking")
    });
    spawn_blocking_on(&shared, f, location)
}

pub(crate) fn spawn_blocking_on<F, R>(
    shared: &Arc<Shared>,
    f: F,
    location: &'static Location<'static>,
) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let mut f = Some(f);
    let fut = std::future::poll_fn(move |_| {
        let f = f.take().expect("a blocking task is polled once");
        Poll::Ready(f())
    });
    let (task, handle) = spawn_raw(shared, fut, location, true, None);
    if let Some(task) = task {
        shared.blocking.push(task);
    }
    handle
}

/// Yields to the scheduler: the task goes to the back of its P's run queue and other tasks
/// run first (Go's `runtime.Gosched`). Outside gorust it wakes itself and returns once.
///
/// # Examples
///
/// ```
/// gorust_executor::block_on(async {
///     for _ in 0..3 {
///         gorust_executor::yield_now().await;
///     }
/// });
/// ```
pub async fn yield_now() {
    YieldNow(false).await
}

struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        // A wake while running: the scheduler sees `woken_while_running` and puts the task at
        // the tail, never in runnext.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
