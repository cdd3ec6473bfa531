//! The registry of parked tasks: every task that has returned `Pending` at least once and
//! whose future has not been dropped yet, with a `Waker` for it (the part of tokio's
//! `OwnedTasks` / Go's `allgs` that shutdown needs).
//!
//! A parked task sits in no queue; to drop its future when the runtime is dropped, shutdown
//! wakes it through the registry (the wake lands in the global queue, where the shutdown
//! loop drops it). A task that has never parked is always in a queue or being polled, so it
//! needs no entry: spawning costs nothing here, and a task that finishes in its first poll
//! never touches a lock of this file (measured: registering every task at spawn was the
//! largest cost of `spawn_many`).
//!
//! Sharded `Mutex<Slab>`s, shard chosen by task id, keep threads from contending. A key
//! packs the shard in its low bits. Closing (at shutdown) makes every later insert fail.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Waker;

use slab::Slab;

use std::ptr::NonNull;

use crate::task::Id;
use crate::task::meta::TaskMeta;

const SHARD_BITS: u32 = 4;
const SHARDS: usize = 1 << SHARD_BITS;
const SHARD_MASK: usize = SHARDS - 1;

/// The registry's "no key" value: a task that never made it in.
pub(crate) const NO_KEY: usize = usize::MAX;

/// One parked task: its id, a waker (which keeps the task allocation alive), and its
/// metadata (valid while the waker is held).
struct Entry {
    id: Id,
    waker: Waker,
    meta: NonNull<TaskMeta>,
}

// SAFETY: `meta` points into the task allocation kept alive by `waker`; `TaskMeta` is `Sync`
// and is only read through `&`.
unsafe impl Send for Entry {}

struct Shard {
    slab: Slab<Entry>,
    closed: bool,
}

/// What a goroutine dump shows of one parked task.
pub(crate) struct ParkedTask {
    pub(crate) id: Id,
    pub(crate) location: &'static std::panic::Location<'static>,
    pub(crate) wait: gorust_hooks::wait::WaitReason,
}

/// Sharded set of live tasks.
pub(crate) struct Registry {
    shards: Box<[Mutex<Shard>]>,
    live: AtomicUsize,
    /// Mirror of the shards' `closed`, for the lock-free check on every spawn.
    closed: AtomicBool,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Registry {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        slab: Slab::new(),
                        closed: false,
                    })
                })
                .collect(),
            live: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    fn lock(&self, shard: usize) -> std::sync::MutexGuard<'_, Shard> {
        // A poisoned shard only means a panic elsewhere while it was held; the slab is intact.
        self.shards[shard].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a parked task; `None` once the registry is closed.
    pub(crate) fn insert(&self, meta: &TaskMeta, waker: Waker) -> Option<usize> {
        let id = meta.id;
        let shard = (id.as_u64() as usize) & SHARD_MASK;
        let mut s = self.lock(shard);
        if s.closed {
            return None;
        }
        let idx = s.slab.insert(Entry {
            id,
            waker,
            meta: NonNull::from(meta),
        });
        self.live.fetch_add(1, Ordering::Relaxed);
        Some((idx << SHARD_BITS) | shard)
    }

    /// Removes a task whose future was just dropped. Unknown keys are ignored.
    pub(crate) fn remove(&self, key: usize) {
        if key == NO_KEY {
            return;
        }
        let mut s = self.lock(key & SHARD_MASK);
        if s.slab.try_remove(key >> SHARD_BITS).is_some() {
            self.live.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// True once [`Registry::close_and_collect`] ran.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// A snapshot of every parked task, by id (for goroutine dumps).
    pub(crate) fn parked(&self) -> Vec<ParkedTask> {
        let mut out = Vec::new();
        for shard in 0..SHARDS {
            let s = self.lock(shard);
            for (_, e) in s.slab.iter() {
                // SAFETY: the entry's waker keeps the task allocation, and so its metadata,
                // alive while the entry exists, and we hold the shard lock.
                let meta = unsafe { e.meta.as_ref() };
                out.push(ParkedTask {
                    id: e.id,
                    location: meta.location,
                    wait: meta.wait_reason(),
                });
            }
        }
        out.sort_by_key(|t| t.id);
        out
    }

    /// Number of parked tasks.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// Closes the registry (no more inserts) and returns a waker for every parked task.
    pub(crate) fn close_and_collect(&self) -> Vec<Waker> {
        self.closed.store(true, Ordering::Release);
        let mut out = Vec::new();
        for shard in 0..SHARDS {
            let mut s = self.lock(shard);
            s.closed = true;
            out.extend(s.slab.iter().map(|(_, e)| e.waker.clone()));
        }
        out
    }
}
