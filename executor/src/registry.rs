//! The live-task registry: every task that has been spawned and whose future has not been
//! dropped yet, with a `Waker` for it (tokio's `OwnedTasks`; Go's `allgs`).
//!
//! It exists for three jobs:
//! - **shutdown**: a parked task sits in no queue; to drop its future when the runtime is
//!   dropped, shutdown wakes it through the registry (the wake lands in the global queue,
//!   where the shutdown loop drops it);
//! - **abort**: `JoinHandle::abort` sets the task's abort bit and wakes it through here;
//! - **metrics**: the number of live tasks.
//!
//! Sharded `Mutex<Slab>`s keep spawns on different threads from contending. A key packs the
//! shard in its low bits. Each entry also stores the task id, so a key reused after a task
//! finished never answers for the old task. Closing (at shutdown) makes every later insert
//! fail, so no spawn can race past the drain.

use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;

use slab::Slab;

use crate::task::Id;

const SHARD_BITS: u32 = 4;
const SHARDS: usize = 1 << SHARD_BITS;
const SHARD_MASK: usize = SHARDS - 1;

/// The registry's "no key" value: a task that never made it in.
pub(crate) const NO_KEY: usize = usize::MAX;

struct Shard {
    slab: Slab<(Id, Waker)>,
    closed: bool,
}

/// Sharded set of live tasks.
pub(crate) struct Registry {
    shards: Box<[Mutex<Shard>]>,
    live: AtomicUsize,
}

thread_local! {
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

fn my_shard() -> usize {
    SHARD.with(|s| {
        let v = s.get();
        if v != usize::MAX {
            return v;
        }
        let v = fastrand::usize(..SHARDS);
        s.set(v);
        v
    })
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
        }
    }

    fn lock(&self, shard: usize) -> std::sync::MutexGuard<'_, Shard> {
        // A poisoned shard only means a panic elsewhere while it was held; the slab is intact.
        self.shards[shard].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a task; `None` once the registry is closed. Spawns on P `p` use that P's shard,
    /// so a P mostly touches its own lock (its tasks also tend to finish on it).
    pub(crate) fn insert(&self, id: Id, waker: Waker, p: Option<usize>) -> Option<usize> {
        let shard = p.map_or_else(my_shard, |p| p & SHARD_MASK);
        let mut s = self.lock(shard);
        if s.closed {
            return None;
        }
        let idx = s.slab.insert((id, waker));
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

    /// A waker for task `id` at `key`, if it is still live.
    pub(crate) fn waker(&self, key: usize, id: Id) -> Option<Waker> {
        if key == NO_KEY {
            return None;
        }
        let s = self.lock(key & SHARD_MASK);
        match s.slab.get(key >> SHARD_BITS) {
            Some((i, w)) if *i == id => Some(w.clone()),
            _ => None,
        }
    }

    /// True while task `id` at `key` is live.
    pub(crate) fn contains(&self, key: usize, id: Id) -> bool {
        self.waker(key, id).is_some()
    }

    /// Number of live tasks.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// Closes the registry (no more inserts) and returns a waker for every live task.
    pub(crate) fn close_and_collect(&self) -> Vec<Waker> {
        let mut out = Vec::new();
        for shard in 0..SHARDS {
            let mut s = self.lock(shard);
            s.closed = true;
            out.extend(s.slab.iter().map(|(_, (_, w))| w.clone()));
        }
        out
    }
}
