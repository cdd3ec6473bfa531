//! `context`: Go's `context` package (`src/context/context.go: Background, WithCancel,
//! WithDeadline, WithTimeout, WithValue, propagateCancel, cancelCtx.cancel, removeChild`).
//!
//! A [`Context`] is a cheap-to-clone handle (`Arc`) on a node of a tree. Nodes made by
//! [`with_cancel`], [`with_deadline`] and [`with_timeout`] own a *cancel node*: an error slot,
//! their children, and the `done()` waiters. Cancelling one cancels its whole subtree and
//! never its parent (Go's `propagateCancel`); a value node ([`with_value`]) forwards to the
//! nearest cancel node above it.
//!
//! **Deadlines are lazy**, so the package needs no thread and no executor: a node's effective
//! deadline is the earliest of its own and its ancestors'; [`Context::err`] compares it with
//! the clock, and a [`Done`] future sleeps until it with `gorust_timer::sleep_until` (which
//! works under any executor through the timer's fallback driver). A deadline therefore
//! expires at the same instant for the whole subtree, exactly as Go's timer-driven cancel, and
//! a context nobody looks at costs nothing when its deadline passes.
//!
//! **No leaks.** A parent holds its children weakly; a child removes itself from its parent
//! when its last handle (contexts and [`CancelFunc`]s) is dropped, so a forgotten `cancel` does
//! not leak the child as it would in Go. Dropping a `CancelFunc` does not cancel.
//!
//! Invariants: a cancel node's error is set once and never cleared; its children are taken
//! (and cancelled) at that moment; lock order is parent node, then child node.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::{Duration, Instant};

use crate::waitlist::{Key, WaitList};

/// Why a context is done (Go's `context.Canceled` and `context.DeadlineExceeded`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// A `CancelFunc` was called on this context or an ancestor.
    Canceled,
    /// The context's deadline (or an ancestor's) passed.
    DeadlineExceeded,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Canceled => "context canceled",
            Error::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl std::error::Error for Error {}

struct CancelState {
    err: Option<Error>,
    children: HashMap<u64, Weak<Inner>>,
    waiters: WaitList,
}

struct CancelNode {
    id: u64,
    /// Fast-path copy of `err.is_some()`.
    done: AtomicBool,
    state: Mutex<CancelState>,
}

struct Inner {
    parent: Option<Context>,
    cancel: Option<CancelNode>,
    deadline: Option<Instant>,
    value: Option<(TypeId, Box<dyn Any + Send + Sync>)>,
}

fn lock(m: &Mutex<CancelState>) -> MutexGuard<'_, CancelState> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A cancellation scope carrying an optional deadline and values (Go's `context.Context`).
///
/// Cloning is one reference-count increment.
///
/// # Examples
///
/// ```
/// use gorust_sync::context;
/// let (ctx, cancel) = context::with_cancel(&context::background());
/// let child = context::with_value(&ctx, 42u32);
/// assert_eq!(child.value::<u32>(), Some(&42));
/// cancel.cancel();
/// assert_eq!(child.err(), Some(context::Error::Canceled));
/// ```
#[derive(Clone)]
pub struct Context(Arc<Inner>);

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("err", &self.err())
            .field("deadline", &self.0.deadline)
            .finish()
    }
}

/// The root context: never cancelled, no deadline, no values (Go's `Background`).
///
/// # Examples
///
/// ```
/// let ctx = gorust_sync::context::background();
/// assert_eq!(ctx.err(), None);
/// assert_eq!(ctx.deadline(), None);
/// ```
pub fn background() -> Context {
    static BG: OnceLock<Context> = OnceLock::new();
    BG.get_or_init(|| {
        Context(Arc::new(Inner {
            parent: None,
            cancel: None,
            deadline: None,
            value: None,
        }))
    })
    .clone()
}

/// Same as [`background`]; marks code that has not decided which context to use (Go's `TODO`).
///
/// # Examples
///
/// ```
/// assert_eq!(gorust_sync::context::todo().err(), None);
/// ```
pub fn todo() -> Context {
    background()
}

impl Context {
    /// The nearest node with a cancel scope, self included.
    fn cancel_node(&self) -> Option<&CancelNode> {
        let mut c = self;
        loop {
            if let Some(n) = &c.0.cancel {
                return Some(n);
            }
            c = c.0.parent.as_ref()?;
        }
    }

    /// Why the context is done, or `None` while it is not (Go's `Err`).
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_sync::context;
    /// use std::time::Duration;
    /// let (ctx, _cancel) = context::with_timeout(&context::background(), Duration::ZERO);
    /// assert_eq!(ctx.err(), Some(context::Error::DeadlineExceeded));
    /// ```
    pub fn err(&self) -> Option<Error> {
        if let Some(n) = self.cancel_node()
            && n.done.load(Acquire)
        {
            return lock(&n.state).err;
        }
        match self.0.deadline {
            Some(d) if Instant::now() >= d => Some(Error::DeadlineExceeded),
            _ => None,
        }
    }

    /// The effective deadline: the earliest of this context's and its ancestors' (Go's
    /// `Deadline`).
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_sync::context;
    /// use std::time::{Duration, Instant};
    /// let d = Instant::now() + Duration::from_secs(5);
    /// let (ctx, _c) = context::with_deadline(&context::background(), d);
    /// let (later, _c2) = context::with_deadline(&ctx, d + Duration::from_secs(5));
    /// assert_eq!(later.deadline(), Some(d));
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.0.deadline
    }

    /// The value of type `T` stored by the nearest [`with_value`] above, if any (Go's
    /// `Value`, keyed by type instead of by an `any` key).
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_sync::context;
    /// #[derive(Debug, PartialEq)]
    /// struct RequestId(u64);
    /// let ctx = context::with_value(&context::background(), RequestId(7));
    /// assert_eq!(ctx.value::<RequestId>(), Some(&RequestId(7)));
    /// assert_eq!(ctx.value::<String>(), None);
    /// ```
    pub fn value<T: Any + Send + Sync>(&self) -> Option<&T> {
        let mut c = self;
        loop {
            if let Some((id, v)) = &c.0.value
                && *id == TypeId::of::<T>()
            {
                return v.downcast_ref();
            }
            c = c.0.parent.as_ref()?;
        }
    }

    /// A future that completes when the context is done, with the reason (Go's `Done`
    /// channel, then `Err`). Usable as a `select!` branch.
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_sync::context;
    /// # futures::executor::block_on(async {
    /// let (ctx, cancel) = context::with_cancel(&context::background());
    /// cancel.cancel();
    /// assert_eq!(ctx.done().await, context::Error::Canceled);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it only unregisters its waker.
    pub fn done(&self) -> Done {
        Done {
            ctx: self.clone(),
            key: None,
            sleep: None,
        }
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl CancelNode {
    fn new() -> CancelNode {
        CancelNode {
            id: NEXT_ID.fetch_add(1, Relaxed),
            done: AtomicBool::new(false),
            state: Mutex::new(CancelState {
                err: None,
                children: HashMap::new(),
                waiters: WaitList::new(),
            }),
        }
    }

    /// Go's `cancelCtx.cancel`: set the error once, wake waiters, cancel the subtree.
    fn cancel(&self, err: Error) {
        let (children, wake) = {
            let mut s = lock(&self.state);
            if s.err.is_some() {
                return;
            }
            s.err = Some(err);
            self.done.store(true, Release);
            let mut wake = Vec::new();
            s.waiters.notify_all(1, &mut wake);
            (std::mem::take(&mut s.children), wake)
        };
        wake.into_iter().for_each(Waker::wake);
        for child in children.into_values().filter_map(|w| w.upgrade()) {
            if let Some(n) = &child.cancel {
                n.cancel(err);
            }
        }
    }
}

/// Cancels the context it came with (Go's `CancelFunc`). Calling it again does nothing.
/// Dropping it does not cancel, and does not keep the context alive.
///
/// # Examples
///
/// ```
/// use gorust_sync::context;
/// let (ctx, cancel) = context::with_cancel(&context::background());
/// cancel.cancel();
/// cancel.cancel(); // no-op
/// assert!(ctx.err().is_some());
/// ```
#[derive(Clone)]
pub struct CancelFunc(Weak<Inner>);

impl fmt::Debug for CancelFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CancelFunc")
    }
}

impl CancelFunc {
    /// Cancels the context and all its descendants, and detaches it from its parent.
    ///
    /// # Examples
    ///
    /// See [`CancelFunc`].
    pub fn cancel(&self) {
        let Some(inner) = self.0.upgrade() else {
            return;
        };
        let node = inner
            .cancel
            .as_ref()
            .expect("CancelFunc always has a cancel node");
        // Go: a deadline context cancelled after its deadline reports DeadlineExceeded (its
        // timer would have fired first).
        let err = match inner.deadline {
            Some(d) if Instant::now() >= d => Error::DeadlineExceeded,
            _ => Error::Canceled,
        };
        node.cancel(err);
        inner.detach();
    }
}

impl Inner {
    /// Go's `removeChild`: forget this node in its parent's cancel scope.
    fn detach(&self) {
        let Some(node) = &self.cancel else { return };
        if let Some(pn) = self.parent.as_ref().and_then(Context::cancel_node) {
            lock(&pn.state).children.remove(&node.id);
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.detach();
    }
}

/// A child context with its own cancel scope (Go's `WithCancel`).
///
/// # Examples
///
/// ```
/// use gorust_sync::context;
/// let (parent, cancel_parent) = context::with_cancel(&context::background());
/// let (child, cancel_child) = context::with_cancel(&parent);
/// cancel_child.cancel();
/// assert!(child.err().is_some());
/// assert!(parent.err().is_none(), "cancellation never goes up");
/// cancel_parent.cancel();
/// ```
pub fn with_cancel(parent: &Context) -> (Context, CancelFunc) {
    new_cancel_ctx(parent, None)
}

fn new_cancel_ctx(parent: &Context, own_deadline: Option<Instant>) -> (Context, CancelFunc) {
    let deadline = match (parent.0.deadline, own_deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let child = Context(Arc::new(Inner {
        parent: Some(parent.clone()),
        cancel: Some(CancelNode::new()),
        deadline,
        value: None,
    }));
    // Go's propagateCancel.
    if let Some(pn) = parent.cancel_node() {
        let mut s = lock(&pn.state);
        match s.err {
            Some(err) => {
                drop(s);
                child.0.cancel.as_ref().expect("just built").cancel(err);
            }
            None => {
                let id = child.0.cancel.as_ref().expect("just built").id;
                s.children.insert(id, Arc::downgrade(&child.0));
            }
        }
    }
    let cancel = CancelFunc(Arc::downgrade(&child.0));
    (child, cancel)
}

/// A child context that is done at `deadline` at the latest (Go's `WithDeadline`). If the
/// parent's deadline is earlier, the child simply inherits it.
///
/// # Examples
///
/// ```
/// use gorust_sync::context;
/// use std::time::{Duration, Instant};
/// # futures::executor::block_on(async {
/// let (ctx, _cancel) =
///     context::with_deadline(&context::background(), Instant::now() + Duration::from_millis(5));
/// assert_eq!(ctx.done().await, context::Error::DeadlineExceeded);
/// # });
/// ```
pub fn with_deadline(parent: &Context, deadline: Instant) -> (Context, CancelFunc) {
    if parent.0.deadline.is_some_and(|p| p <= deadline) {
        return with_cancel(parent);
    }
    new_cancel_ctx(parent, Some(deadline))
}

/// [`with_deadline`] at `now + timeout` (Go's `WithTimeout`). A timeout too large to
/// represent means no deadline.
///
/// # Examples
///
/// ```
/// use gorust_sync::context;
/// use std::time::Duration;
/// let (ctx, cancel) = context::with_timeout(&context::background(), Duration::from_secs(60));
/// assert!(ctx.err().is_none());
/// cancel.cancel();
/// assert_eq!(ctx.err(), Some(context::Error::Canceled));
/// ```
pub fn with_timeout(parent: &Context, timeout: Duration) -> (Context, CancelFunc) {
    match Instant::now().checked_add(timeout) {
        Some(d) => with_deadline(parent, d),
        None => with_cancel(parent),
    }
}

/// A child context carrying `value`, found by type with [`Context::value`] (Go's
/// `WithValue`; use a newtype per key, as Go recommends an unexported key type).
///
/// # Examples
///
/// ```
/// use gorust_sync::context;
/// let ctx = context::with_value(&context::background(), "user");
/// assert_eq!(ctx.value::<&str>(), Some(&"user"));
/// ```
pub fn with_value<T: Any + Send + Sync>(parent: &Context, value: T) -> Context {
    Context(Arc::new(Inner {
        parent: Some(parent.clone()),
        cancel: None,
        deadline: parent.0.deadline,
        value: Some((TypeId::of::<T>(), Box::new(value))),
    }))
}

/// The future returned by [`Context::done`]; resolves to the reason the context is done.
///
/// # Cancel safety
///
/// Cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct Done {
    ctx: Context,
    key: Option<Key>,
    sleep: Option<gorust_timer::Sleep>,
}

impl fmt::Debug for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Done").field("ctx", &self.ctx).finish()
    }
}

impl Done {
    fn unregister(&mut self) {
        if let Some(k) = self.key.take()
            && let Some(n) = self.ctx.cancel_node()
        {
            lock(&n.state).waiters.remove(k);
        }
    }
}

impl Future for Done {
    type Output = Error;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Error> {
        let this = self.get_mut();
        if let Some(n) = this.ctx.cancel_node() {
            let mut s = lock(&n.state);
            if let Some(err) = s.err {
                drop(s);
                this.unregister();
                return Poll::Ready(err);
            }
            match this.key {
                None => this.key = Some(s.waiters.push_back(cx.waker(), 0)),
                Some(k) => s.waiters.register(k, cx.waker()),
            }
        }
        if let Some(d) = this.ctx.0.deadline {
            let sleep = this
                .sleep
                .get_or_insert_with(|| gorust_timer::sleep_until(d));
            if Pin::new(sleep).poll(cx).is_ready() {
                this.unregister();
                return Poll::Ready(Error::DeadlineExceeded);
            }
        }
        Poll::Pending
    }
}

impl Drop for Done {
    fn drop(&mut self) {
        self.unregister();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn dropped_child_leaves_parent() {
        let (p, _cp) = with_cancel(&background());
        let n = || lock(&p.cancel_node().unwrap().state).children.len();
        let (c, cancel) = with_cancel(&p);
        let v = with_value(&c, 1u8);
        assert_eq!(n(), 1);
        drop(c);
        assert_eq!(n(), 1, "a value child still holds it");
        drop(v);
        assert_eq!(n(), 0, "last handle gone: detached");
        cancel.cancel(); // the context is gone: no-op
        let (_c, cancel) = with_cancel(&p);
        cancel.cancel();
        assert_eq!(n(), 0, "cancel detaches");
    }
}
