//! [`JoinSet`]: a collection of spawned tasks, awaited in completion order.

use std::fmt;
use std::future::Future;
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::join::{AbortHandle, JoinError, JoinHandle};

/// A set of tasks spawned on the current runtime, whose results come back in the order they
/// finish (tokio's `JoinSet`). Dropping the set aborts every task still in it.
///
/// # Examples
///
/// ```
/// use gorust_executor::task::JoinSet;
///
/// gorust_executor::block_on(async {
///     let mut set = JoinSet::new();
///     for i in 0..5u32 {
///         set.spawn(async move { i * i });
///     }
///     let mut total = 0;
///     while let Some(r) = set.join_next().await {
///         total += r.unwrap();
///     }
///     assert_eq!(total, 0 + 1 + 4 + 9 + 16);
/// });
/// ```
pub struct JoinSet<T> {
    tasks: FuturesUnordered<JoinHandle<T>>,
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// let set = gorust_executor::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> Self {
        JoinSet {
            tasks: FuturesUnordered::new(),
        }
    }

    /// Number of tasks in the set (finished ones not yet joined included).
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_executor::block_on(async {
    ///     let mut set = gorust_executor::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert_eq!(set.len(), 1);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True when the set holds no task.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gorust_executor::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Aborts every task in the set; they stay in it until joined (as cancelled, unless they
    /// had already finished).
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_executor::block_on(async {
    ///     let mut set = gorust_executor::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for h in self.tasks.iter() {
            h.abort();
        }
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `fut` on the current runtime and adds it to the set.
    ///
    /// # Panics
    ///
    /// Panics outside a gorust runtime, as [`crate::spawn`] does.
    ///
    /// # Examples
    ///
    /// See [`JoinSet`].
    #[track_caller]
    pub fn spawn<F>(&mut self, fut: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let h = crate::context::spawn(fut);
        let abort = h.abort_handle();
        self.tasks.push(h);
        abort
    }

    /// Waits for the next task to finish and returns its result; `None` when the set is
    /// empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the future is dropped before it completes, no result is lost; the
    /// finished task stays in the set for the next call.
    ///
    /// # Examples
    ///
    /// See [`JoinSet`].
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Polls for the next finished task (the building block of [`JoinSet::join_next`]).
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_executor::block_on(async {
    ///     let mut set = gorust_executor::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     let r = std::future::poll_fn(|cx| set.poll_join_next(cx)).await;
    ///     assert_eq!(r.unwrap().unwrap(), 1);
    /// });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.tasks.poll_next_unpin(cx)
    }

    /// Aborts every task and waits until all have finished.
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_executor::block_on(async {
    ///     let mut set = gorust_executor::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.tasks.next().await.is_some() {}
    }

    /// Waits for every task and collects their outputs, in completion order.
    ///
    /// # Panics
    ///
    /// Resumes the panic of any task that panicked (as tokio's `join_all`).
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_executor::block_on(async {
    ///     let mut set = gorust_executor::task::JoinSet::new();
    ///     set.spawn(async { 2 });
    ///     set.spawn(async { 2 });
    ///     assert_eq!(set.join_all().await.iter().sum::<i32>(), 4);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(r) = self.join_next().await {
            match r {
                Ok(v) => out.push(v),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => {}
            }
        }
        out
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}
