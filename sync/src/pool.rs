//! `Pool<T>`: Go's `sync.Pool` (`src/sync/pool.go: Get, Put, getSlow, pin, poolCleanup`), a
//! cache of reusable objects with a per-P fast path, stealing, and a victim cache.
//!
//! Layout: one shard per P, each `{private, shared, victim}` behind its own cache-padded lock
//! (Go's `poolLocal`, padded to 128 bytes). The shard is the current P's when running on a
//! gorust worker ([`gorust_hooks::proc::current`]) and a per-thread one elsewhere, so the lock
//! is almost never contended.
//!
//! - `put`: into `private` if empty, else push on the `shared` head.
//! - `get`: own `private`, own `shared` head (LIFO, warm in cache), steal from the *tail* of the
//!   other shards' `shared` (FIFO, oldest), then the victim caches, then `new()`.
//!
//! **Trigger that replaces Go's GC.** Go drops pooled objects at garbage collection: each GC
//! moves every pool's primary cache to the victim cache and drops the old victims, so an
//! unused object survives at most two GCs. gorust has no collector, so a *sweep* does the
//! same thing: [`Pool::clear`] runs one sweep explicitly, and `put` runs one automatically when
//! [`SWEEP_INTERVAL`] has passed since the previous sweep (checked every
//! [`SWEEP_CHECK_PUTS`] puts per shard, so the fast path reads no clock). An object that is
//! not reused is therefore dropped after one to two sweep intervals of `put` traffic, and an
//! idle pool keeps at most what it held when it went idle, until the next `put` or `clear`.
//!
//! Differences from Go, deliberate: a per-shard spin lock (`spin.rs`: one atomic swap to lock,
//! a plain store to unlock) instead of the lock-free `poolDequeue`; the shard is per P, so the
//! lock is uncontended except while being stolen from. Steals use `try_lock` and skip a busy
//! shard, which Go's lock-free steal never needs to.
//!
//! Invariant: every object put is either returned by exactly one `get`, or dropped by a sweep
//! or by the pool's drop.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use std::time::Duration;

use crate::clock::nanotime;
use crate::spin::SpinLock;

/// Time between automatic sweeps (Go: between GCs; see the module docs).
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// A shard checks the clock once per this many puts.
pub const SWEEP_CHECK_PUTS: u32 = 1024;

#[repr(align(128))]
struct Shard<T> {
    local: SpinLock<Local<T>>,
}

struct Local<T> {
    private: Option<T>,
    shared: VecDeque<T>,
    victim: Vec<T>,
    puts: u32,
}

type NewFn<T> = Box<dyn Fn() -> T + Send + Sync>;

/// A cache of reusable objects (Go's `sync.Pool`).
///
/// # Examples
///
/// ```
/// let pool = gorust_sync::Pool::new(|| Vec::<u8>::with_capacity(1024));
/// let mut buf = pool.get();
/// buf.extend_from_slice(b"hello");
/// buf.clear();
/// pool.put(buf);
/// assert!(pool.get().capacity() >= 1024);
/// ```
pub struct Pool<T> {
    new: NewFn<T>,
    shards: Box<[Shard<T>]>,
    /// Objects currently in victim caches (a hint to skip scanning, Go's `victimSize`).
    victims: AtomicUsize,
    last_sweep: AtomicU64,
}

impl<T> fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &SpinLock<T>) -> crate::spin::SpinGuard<'_, T> {
    m.lock()
}

/// This thread's shard index: the P when on a gorust worker, else a per-thread number.
fn shard_index(n: usize) -> usize {
    if let Some(p) = gorust_hooks::proc::current() {
        return p % n;
    }
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static ID: usize = NEXT.fetch_add(1, Relaxed);
    }
    ID.with(|id| *id % n)
}

impl<T> Pool<T> {
    /// Creates an empty pool that makes new objects with `new` (Go's `Pool.New`).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = gorust_sync::Pool::new(String::new);
    /// assert_eq!(pool.get(), "");
    /// ```
    pub fn new(new: impl Fn() -> T + Send + Sync + 'static) -> Pool<T> {
        let n = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .max(2);
        let shards = (0..n)
            .map(|_| Shard {
                local: SpinLock::new(Local {
                    private: None,
                    shared: VecDeque::new(),
                    victim: Vec::new(),
                    puts: 0,
                }),
            })
            .collect();
        Pool {
            new: Box::new(new),
            shards,
            victims: AtomicUsize::new(0),
            last_sweep: AtomicU64::new(nanotime()),
        }
    }

    /// Takes an object from the pool, or makes one with `new` (Go's `Get`).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = gorust_sync::Pool::new(|| 0u32);
    /// pool.put(7);
    /// assert_eq!(pool.get(), 7);
    /// assert_eq!(pool.get(), 0);
    /// ```
    pub fn get(&self) -> T {
        let n = self.shards.len();
        let me = shard_index(n);
        {
            let mut l = lock(&self.shards[me].local);
            if let Some(x) = l.private.take().or_else(|| l.shared.pop_back()) {
                return x;
            }
        }
        self.get_slow(me).unwrap_or_else(|| (self.new)())
    }

    /// Go's `getSlow`: steal from the others' tails, then try the victim caches.
    #[cold]
    fn get_slow(&self, me: usize) -> Option<T> {
        let n = self.shards.len();
        for i in 1..n {
            let s = &self.shards[(me + i) % n];
            if let Some(mut l) = s.local.try_lock()
                && let Some(x) = l.shared.pop_front().or_else(|| l.private.take())
            {
                return Some(x);
            }
        }
        if self.victims.load(Relaxed) == 0 {
            return None;
        }
        for i in 0..n {
            let s = &self.shards[(me + i) % n];
            if let Some(mut l) = s.local.try_lock()
                && let Some(x) = l.victim.pop()
            {
                self.victims.fetch_sub(1, Relaxed);
                return Some(x);
            }
        }
        None
    }

    /// Returns an object to the pool for reuse (Go's `Put`).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = gorust_sync::Pool::new(Vec::<u8>::new);
    /// pool.put(Vec::with_capacity(64));
    /// assert_eq!(pool.get().capacity(), 64);
    /// ```
    pub fn put(&self, x: T) {
        let me = shard_index(self.shards.len());
        let check = {
            let mut l = lock(&self.shards[me].local);
            if l.private.is_none() {
                l.private = Some(x);
            } else {
                l.shared.push_back(x);
            }
            l.puts = l.puts.wrapping_add(1);
            l.puts.is_multiple_of(SWEEP_CHECK_PUTS)
        };
        if check {
            self.maybe_sweep();
        }
    }

    fn maybe_sweep(&self) {
        let now = nanotime();
        let last = self.last_sweep.load(Relaxed);
        if now.saturating_sub(last) >= SWEEP_INTERVAL.as_nanos() as u64
            && self
                .last_sweep
                .compare_exchange(last, now, Relaxed, Relaxed)
                .is_ok()
        {
            self.clear();
        }
    }

    /// Runs one sweep, what Go's `poolCleanup` does at each GC: drops the victim caches and
    /// moves every cached object to them. Two sweeps drop everything not taken meanwhile.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = gorust_sync::Pool::new(|| 0);
    /// pool.put(1);
    /// pool.clear();
    /// assert_eq!(pool.get(), 1); // from the victim cache
    /// pool.put(2);
    /// pool.clear();
    /// pool.clear();
    /// assert_eq!(pool.get(), 0); // gone after two sweeps
    /// ```
    pub fn clear(&self) {
        for s in self.shards.iter() {
            let (old, added) = {
                let mut l = lock(&s.local);
                let old = std::mem::take(&mut l.victim);
                let Local {
                    private,
                    shared,
                    victim,
                    ..
                } = &mut *l;
                victim.extend(private.take());
                victim.extend(shared.drain(..));
                (old, victim.len())
            };
            self.victims.fetch_add(added, Relaxed);
            self.victims.fetch_sub(old.len(), Relaxed);
            drop(old); // outside the shard lock: destructors may be slow
        }
    }
}
