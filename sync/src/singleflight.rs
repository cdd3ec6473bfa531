//! `singleflight::Group`: `golang.org/x/sync/singleflight` (`Do, Forget, doCall`): concurrent
//! calls with the same key share one execution and its result.
//!
//! The first caller for a key (the leader) runs its own future inline; later callers
//! (duplicates) park on the call and receive a clone of the result, with `shared = true`.
//! When the call finishes the key is removed, so the next call runs afresh (Go's behaviour: it
//! deduplicates in-flight work, it does not cache).
//!
//! Failure modes, each settled explicitly:
//! - **the leader panics**: as in Go, the panic reaches every caller: the leader re-panics with
//!   the original payload, each duplicate panics with `singleflight: leader panicked: <msg>`.
//!   The key is removed, so the next call starts afresh.
//! - **the leader is cancelled** (its future dropped), which Go cannot have: the oldest
//!   duplicate is promoted and runs *its own* future; the others keep waiting for it. If no
//!   duplicate is waiting the key is removed. A promoted duplicate dropped before it ran passes
//!   the promotion on.
//!
//! Invariants: lock order is group map, then call; a call in the map has a live leader or a
//! promotion in flight; every waiter gets exactly one outcome (value, panic, or promotion).

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::{Future, poll_fn};
use std::hash::Hash;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

use crate::waitlist::{Key, WaitList};

const TOKEN_DONE: u32 = 1;
const TOKEN_PROMOTE: u32 = 2;

enum Outcome<V> {
    Running,
    Done(V),
    Panicked(String),
}

struct CallState<V> {
    outcome: Outcome<V>,
    dups: usize,
    waiters: WaitList,
}

struct Call<V> {
    state: Mutex<CallState<V>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn panic_message(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

/// Deduplicates concurrent calls per key (x/sync's `singleflight.Group`).
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// use std::task::Poll;
/// let g = gorust_sync::singleflight::Group::new();
/// // A leader that is still running when the duplicate arrives (it yields once).
/// let mut yielded = false;
/// let slow = std::future::poll_fn(move |cx| {
///     if yielded {
///         return Poll::Ready(1);
///     }
///     yielded = true;
///     cx.waker().wake_by_ref();
///     Poll::Pending
/// });
/// let (a, b) = futures::join!(g.run("k", slow), g.run("k", async { 2 }));
/// assert_eq!(a, (1, true));
/// assert_eq!(b, (1, true)); // the duplicate got the leader's result
/// # });
/// ```
pub struct Group<K, V> {
    m: Mutex<HashMap<K, Arc<Call<V>>>>,
}

impl<K, V> fmt::Debug for Group<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("in_flight", &lock(&self.m).len())
            .finish()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Default for Group<K, V> {
    fn default() -> Self {
        Group::new()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Group<K, V> {
    /// Creates a group with no calls in flight.
    ///
    /// # Examples
    ///
    /// ```
    /// let g: gorust_sync::singleflight::Group<String, u8> = Default::default();
    /// ```
    pub fn new() -> Group<K, V> {
        Group {
            m: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `fut` unless a call for `key` is already in flight, in which case waits for that
    /// one and returns a clone of its result (Go's `Do`). The `bool` is Go's `shared`: whether
    /// the result was given to more than one caller.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let g = gorust_sync::singleflight::Group::new();
    /// assert_eq!(g.run(1, async { "v" }).await, ("v", false));
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// If the leader's future panics, the leader re-panics and every duplicate panics with
    /// `singleflight: leader panicked: <msg>` (Go propagates the panic to all callers).
    ///
    /// # Cancel safety
    ///
    /// Dropping a duplicate just leaves. Dropping the leader promotes the oldest duplicate,
    /// which then runs its own future; nobody is left waiting for a result that cannot come.
    pub async fn run<F>(&self, key: K, fut: F) -> (V, bool)
    where
        F: Future<Output = V>,
    {
        let (call, mut leader) = {
            let mut m = lock(&self.m);
            match m.get(&key) {
                Some(c) => {
                    lock(&c.state).dups += 1;
                    (c.clone(), false)
                }
                None => {
                    let c = Arc::new(Call {
                        state: Mutex::new(CallState {
                            outcome: Outcome::Running,
                            dups: 0,
                            waiters: WaitList::new(),
                        }),
                    });
                    m.insert(key.clone(), c.clone());
                    (c, true)
                }
            }
        };
        let mut fut = pin!(fut);
        loop {
            if leader {
                let mut guard = Leader {
                    group: self,
                    key: &key,
                    call: &call,
                    finished: false,
                };
                let out =
                    poll_fn(
                        |cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
                            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
                            Ok(Poll::Pending) => Poll::Pending,
                            Err(p) => Poll::Ready(Err(p)),
                        },
                    )
                    .await;
                guard.finished = true;
                return match out {
                    Ok(v) => {
                        let shared = self.finish(&key, &call, Outcome::Done(v.clone()));
                        (v, shared)
                    }
                    Err(p) => {
                        self.finish(&key, &call, Outcome::Panicked(panic_message(&*p)));
                        resume_unwind(p)
                    }
                };
            }
            let mut waiter = Follower {
                group: self,
                key: &key,
                call: &call,
                slot: None,
            };
            match waiter.wait().await {
                Ok(v) => return (v, true),
                Err(Promoted) => {
                    // No longer a duplicate: we run the call now.
                    let mut s = lock(&call.state);
                    s.dups = s.dups.saturating_sub(1);
                    leader = true;
                }
            }
        }
    }

    /// Forgets `key`: later calls run afresh instead of joining the one in flight (Go's
    /// `Forget`). The in-flight call still delivers to those already waiting on it.
    ///
    /// # Examples
    ///
    /// ```
    /// let g: gorust_sync::singleflight::Group<u8, u8> = gorust_sync::singleflight::Group::new();
    /// g.forget(&1);
    /// ```
    pub fn forget(&self, key: &K) {
        lock(&self.m).remove(key);
    }

    /// Removes `call` from the map if it is still the one for `key`.
    fn unmap(&self, key: &K, call: &Arc<Call<V>>) {
        let mut m = lock(&self.m);
        if m.get(key).is_some_and(|c| Arc::ptr_eq(c, call)) {
            m.remove(key);
        }
    }

    /// Go's end of `doCall`: publish the outcome, unmap, wake every duplicate. Returns shared.
    fn finish(&self, key: &K, call: &Arc<Call<V>>, outcome: Outcome<V>) -> bool {
        self.unmap(key, call);
        let mut wake = Vec::new();
        let shared = {
            let mut s = lock(&call.state);
            s.outcome = outcome;
            s.waiters.notify_all(TOKEN_DONE, &mut wake);
            s.dups > 0
        };
        wake.into_iter().for_each(Waker::wake);
        shared
    }

    /// The running leader is gone without an outcome: promote the oldest waiter, or unmap.
    fn orphan(&self, key: &K, call: &Arc<Call<V>>) {
        let m = lock(&self.m);
        let mut s = lock(&call.state);
        if let Some(w) = s.waiters.notify_front(TOKEN_PROMOTE) {
            drop(s);
            drop(m);
            w.wake();
        } else {
            drop(s);
            drop(m);
            self.unmap(key, call);
        }
    }
}

/// Drop guard of the running leader: a drop before `finished` is a cancellation.
struct Leader<'a, K: Eq + Hash + Clone, V: Clone> {
    group: &'a Group<K, V>,
    key: &'a K,
    call: &'a Arc<Call<V>>,
    finished: bool,
}

impl<K: Eq + Hash + Clone, V: Clone> Drop for Leader<'_, K, V> {
    fn drop(&mut self) {
        if !self.finished {
            self.group.orphan(self.key, self.call);
        }
    }
}

struct Promoted;

/// A duplicate parked on a call.
struct Follower<'a, K: Eq + Hash + Clone, V: Clone> {
    group: &'a Group<K, V>,
    key: &'a K,
    call: &'a Arc<Call<V>>,
    slot: Option<Key>,
}

impl<K: Eq + Hash + Clone, V: Clone> Follower<'_, K, V> {
    async fn wait(&mut self) -> Result<V, Promoted> {
        poll_fn(|cx| {
            let mut s = lock(&self.call.state);
            match &s.outcome {
                Outcome::Done(v) => {
                    let v = v.clone();
                    if let Some(k) = self.slot.take() {
                        s.waiters.remove(k);
                    }
                    return Poll::Ready(Ok(v));
                }
                Outcome::Panicked(msg) => {
                    let msg = msg.clone();
                    if let Some(k) = self.slot.take() {
                        s.waiters.remove(k);
                    }
                    drop(s);
                    panic!("singleflight: leader panicked: {msg}");
                }
                Outcome::Running => {}
            }
            match self.slot {
                None => self.slot = Some(s.waiters.push_back(cx.waker(), 0)),
                Some(k) => match s.waiters.token(k) {
                    Some(TOKEN_PROMOTE) => {
                        s.waiters.remove(k);
                        self.slot = None;
                        return Poll::Ready(Err(Promoted));
                    }
                    Some(_) => unreachable!("done token without an outcome"),
                    None => s.waiters.register(k, cx.waker()),
                },
            }
            Poll::Pending
        })
        .await
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Drop for Follower<'_, K, V> {
    fn drop(&mut self) {
        let Some(k) = self.slot.take() else { return };
        let promoted = {
            let mut s = lock(&self.call.state);
            let promoted = s.waiters.remove(k) == Some(TOKEN_PROMOTE);
            s.dups = s.dups.saturating_sub(1);
            promoted
        };
        if promoted {
            // We were to take over but left first: pass it on.
            self.group.orphan(self.key, self.call);
        }
    }
}
