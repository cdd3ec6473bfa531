//! `errgroup::Group`: `golang.org/x/sync/errgroup` (`WithContext, Go, TryGo, SetLimit, Wait`):
//! run a set of fallible tasks, keep the first error, and cancel the group's context on it.
//!
//! **How members run (the executor-agnostic choice).** Go starts a goroutine per `Go`. To work
//! under any executor without a spawner, a `Group` owns its members and polls them itself, as
//! a `FuturesUnordered` set, while [`Group::wait`] is awaited: members run concurrently with
//! each other (interleaved on the task that awaits `wait`), and borrowing from the caller's
//! stack is allowed (`'a`). To run members in parallel on several threads, spawn the work on
//! your executor and add its join handle as the member, e.g.
//! `g.spawn(async move { tokio::spawn(work).await.unwrap() })`.
//!
//! **Limit** ([`Group::set_limit`]): at most `n` members are polled at a time; further ones
//! wait in FIFO order and start as running ones finish (Go blocks `Go` instead; here `spawn`
//! never blocks). [`Group::try_spawn`] refuses when the limit is reached, as Go's `TryGo`.
//!
//! Invariants: the first `Err` is kept and later ones dropped; the context is cancelled at the
//! first error and again when `wait` returns (Go cancels on `Wait` too); `wait` returns only
//! when every member finished.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use futures_util::stream::{FuturesUnordered, Stream};

use crate::context::{self, CancelFunc, Context};

type Member<'a, E> = Pin<Box<dyn Future<Output = Result<(), E>> + Send + 'a>>;

/// A group of fallible tasks sharing a context (x/sync's `errgroup.Group`).
///
/// # Examples
///
/// ```
/// use gorust_sync::errgroup::Group;
/// # futures::executor::block_on(async {
/// let (mut g, ctx) = Group::with_context(&gorust_sync::context::background());
/// g.spawn(async { Ok(()) });
/// g.spawn(async { Err("boom") });
/// let c = ctx.clone();
/// g.spawn(async move {
///     c.done().await; // cancelled by the first error
///     Ok(())
/// });
/// assert_eq!(g.wait().await, Err("boom"));
/// assert!(ctx.err().is_some());
/// # });
/// ```
pub struct Group<'a, E> {
    ctx: Context,
    cancel: CancelFunc,
    running: FuturesUnordered<Member<'a, E>>,
    queued: VecDeque<Member<'a, E>>,
    limit: Option<usize>,
    err: Option<E>,
}

impl<E> fmt::Debug for Group<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("running", &self.running.len())
            .field("queued", &self.queued.len())
            .field("limit", &self.limit)
            .finish()
    }
}

impl<'a, E: Send + 'a> Default for Group<'a, E> {
    fn default() -> Self {
        Group::new()
    }
}

impl<'a, E: Send + 'a> Group<'a, E> {
    /// A group whose context derives from `background()` (Go's zero `Group`).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let mut g = gorust_sync::errgroup::Group::<()>::new();
    /// g.spawn(async { Ok(()) });
    /// assert_eq!(g.wait().await, Ok(()));
    /// # });
    /// ```
    pub fn new() -> Group<'a, E> {
        Group::with_context(&context::background()).0
    }

    /// A group and the context it cancels on the first error (Go's `WithContext`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (g, ctx) = gorust_sync::errgroup::Group::<()>::with_context(&gorust_sync::context::background());
    /// assert!(ctx.err().is_none());
    /// ```
    pub fn with_context(parent: &Context) -> (Group<'a, E>, Context) {
        let (ctx, cancel) = context::with_cancel(parent);
        let g = Group {
            ctx: ctx.clone(),
            cancel,
            running: FuturesUnordered::new(),
            queued: VecDeque::new(),
            limit: None,
            err: None,
        };
        (g, ctx)
    }

    /// The group's context.
    ///
    /// # Examples
    ///
    /// ```
    /// let g = gorust_sync::errgroup::Group::<()>::new();
    /// assert!(g.context().err().is_none());
    /// ```
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Limits how many members run at once (Go's `SetLimit`); `None` removes the limit.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut g = gorust_sync::errgroup::Group::<()>::new();
    /// g.set_limit(Some(2));
    /// ```
    ///
    /// # Panics
    ///
    /// If `Some(0)`: no member could ever run.
    pub fn set_limit(&mut self, limit: Option<usize>) {
        assert!(limit != Some(0), "errgroup: limit must be at least 1");
        self.limit = limit;
    }

    fn full(&self) -> bool {
        self.limit.is_some_and(|l| self.running.len() >= l)
    }

    /// Adds a member (Go's `Go`). It starts running when [`wait`](Group::wait) is awaited,
    /// at once if under the limit, else when a running member finishes.
    ///
    /// # Examples
    ///
    /// See [`Group`].
    pub fn spawn<F>(&mut self, fut: F)
    where
        F: Future<Output = Result<(), E>> + Send + 'a,
    {
        let m: Member<'a, E> = Box::pin(fut);
        if self.full() || !self.queued.is_empty() {
            self.queued.push_back(m);
        } else {
            self.running.push(m);
        }
    }

    /// Adds a member only if the limit allows it to run now (Go's `TryGo`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut g = gorust_sync::errgroup::Group::<()>::new();
    /// g.set_limit(Some(1));
    /// assert!(g.try_spawn(async { Ok(()) }).is_ok());
    /// assert!(g.try_spawn(async { Ok(()) }).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// Gives the future back if the group is at its limit.
    pub fn try_spawn<F>(&mut self, fut: F) -> Result<(), F>
    where
        F: Future<Output = Result<(), E>> + Send + 'a,
    {
        if self.full() || !self.queued.is_empty() {
            return Err(fut);
        }
        self.running.push(Box::pin(fut));
        Ok(())
    }

    /// Runs every member to completion and returns the first error (Go's `Wait`). The
    /// group's context is cancelled at the first error and when `wait` returns.
    ///
    /// # Examples
    ///
    /// See [`Group`].
    ///
    /// # Errors
    ///
    /// The first error any member returned.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future pauses the members (they live in the group); awaiting `wait`
    /// again resumes them. Dropping the group drops the members.
    pub async fn wait(&mut self) -> Result<(), E> {
        poll_fn(|cx| {
            loop {
                while !self.full() {
                    match self.queued.pop_front() {
                        Some(m) => self.running.push(m),
                        None => break,
                    }
                }
                match Pin::new(&mut self.running).poll_next(cx) {
                    Poll::Ready(Some(Ok(()))) => {}
                    Poll::Ready(Some(Err(e))) => {
                        if self.err.is_none() {
                            self.err = Some(e);
                            self.cancel.cancel();
                        }
                    }
                    Poll::Ready(None) if self.queued.is_empty() => return Poll::Ready(()),
                    Poll::Ready(None) => {}
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await;
        self.cancel.cancel();
        match self.err.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
