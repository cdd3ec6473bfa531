//! `Map<K, V>`: Go's `sync.Map` in its read/dirty design (`src/sync/map.go` up to Go 1.23:
//! `Load, Store, LoadOrStore, LoadAndDelete, Delete, Swap, CompareAndSwap, CompareAndDelete,
//! Range, missLocked, dirtyLocked`; `entry.load, trySwap, tryExpungeLocked`).
//!
//! - `read`: an immutable snapshot `{m, amended}` loaded lock-free (Go's
//!   `atomic.Pointer[readOnly]`). Keys in it are served without the lock; their values are
//!   updated in place through the shared `Entry`.
//! - `dirty`: under the mutex, every live key (read's plus new ones) when `amended`.
//! - A load that misses `read` while `amended` takes the lock and counts a miss; when misses
//!   reach `len(dirty)` the dirty map is promoted to be the new `read` (cost amortised by the
//!   misses that paid for it).
//! - An entry's slot is `None` (deleted, key may still be in dirty), `Expunged` (deleted and
//!   absent from dirty: a store must re-add it to dirty under the lock) or a value.
//!
//! Go ≥ 1.24 uses a hash-trie; the API and tests are the same, this is the design DESIGN.md
//! names. Best for Go's two cases: write-once-read-many caches, and disjoint key sets per task.
//!
//! Memory reclamation (Go has a GC): the snapshot pointer and every entry's value pointer are
//! `crossbeam-epoch` atomics. A load pins the epoch once (no shared write, no reference
//! count), reads the snapshot and the value, and clones the value out; a replaced snapshot or
//! value is destroyed only after every thread that could have seen it has unpinned. Entries
//! themselves are shared between `read` and `dirty` by `Arc`. The snapshot holds its table
//! inline (one less pointer on every load); marking it amended copies the table, which Go
//! avoids, but that happens together with `dirtyLocked`'s own O(n) copy, so the amortised cost
//! is unchanged.
//!
//! Invariants: an `Expunged` entry is never in `dirty`; when `dirty` is `Some`, every
//! non-expunged entry of `read` is in it; values are cloned out (`V: Clone`), never borrowed
//! across an operation.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::sync::{Arc, Mutex};

use crossbeam_epoch::{self as epoch, Atomic, Guard, Owned, Shared};

enum Slot<V> {
    Expunged,
    Value(V),
}

/// A pointer to an entry's slot: null = deleted, else expunged or a value.
type Cur<'g, V> = Shared<'g, Slot<V>>;

struct Entry<V> {
    p: Atomic<Slot<V>>,
}

type Table<K, V> = HashMap<K, Arc<Entry<V>>>;

struct ReadOnly<K, V> {
    m: Table<K, V>,
    amended: bool,
}

/// Where [`Map::find_locked`] found a key.
enum Found<V> {
    Read(Arc<Entry<V>>),
    Dirty(Arc<Entry<V>>),
    Absent,
}

struct Dirty<K, V> {
    dirty: Option<Table<K, V>>,
    misses: usize,
}

fn value_of<V: Clone>(s: Cur<'_, V>) -> Option<V> {
    // SAFETY: every slot pointer handed around here was loaded under a pinned guard (the
    // lifetime of `Shared`), so it is not destroyed before that guard unpins.
    match unsafe { s.as_ref() } {
        Some(Slot::Value(v)) => Some(v.clone()),
        _ => None,
    }
}

fn is_expunged<V>(s: Cur<'_, V>) -> bool {
    // SAFETY: as in `value_of`.
    matches!(unsafe { s.as_ref() }, Some(Slot::Expunged))
}

fn is_value<V>(s: Cur<'_, V>) -> bool {
    // SAFETY: as in `value_of`.
    matches!(unsafe { s.as_ref() }, Some(Slot::Value(_)))
}

/// A new slot, not yet published.
fn alloc<'g, V>(slot: Slot<V>, g: &'g Guard) -> Cur<'g, V> {
    Owned::new(slot).into_shared(g)
}

/// Frees a slot from [`alloc`] that was never published.
fn free_unpublished<V>(s: Cur<'_, V>) {
    if !s.is_null() {
        // SAFETY: `s` came from `alloc` and no CAS published it, so this is its only owner.
        drop(unsafe { s.into_owned() });
    }
}

impl<V: Clone> Entry<V> {
    fn new(v: V) -> Arc<Entry<V>> {
        Arc::new(Entry {
            p: Atomic::new(Slot::Value(v)),
        })
    }

    /// Go's `entry.load`.
    fn load(&self, g: &Guard) -> Option<V> {
        value_of(self.p.load(Acquire, g))
    }

    /// CAS loop: `f` maps the current slot to the new one, or `None` to stop. Returns the slot
    /// replaced (already scheduled for destruction, valid while `g` lives) or `Err(current)`
    /// when `f` declined. The caller frees a declined allocation.
    fn update<'g>(
        &self,
        g: &'g Guard,
        mut f: impl FnMut(Cur<'g, V>) -> Option<Cur<'g, V>>,
    ) -> Result<Cur<'g, V>, Cur<'g, V>> {
        let mut cur = self.p.load(Acquire, g);
        loop {
            let Some(new) = f(cur) else { return Err(cur) };
            match self.p.compare_exchange(cur, new, AcqRel, Acquire, g) {
                Ok(_) => {
                    if !cur.is_null() {
                        // SAFETY: `cur` is unlinked by the CAS; readers that loaded it are
                        // pinned, and the epoch defers the drop until they all unpin.
                        unsafe { g.defer_destroy(cur) };
                    }
                    return Ok(cur);
                }
                Err(e) => cur = e.current,
            }
        }
    }

    /// Replaces the slot unconditionally (under the lock, entry known not expunged).
    fn swap_locked(&self, new: Cur<'_, V>, g: &Guard) -> Option<V> {
        let old = self.p.swap(new, AcqRel, g);
        let v = value_of(old);
        if !old.is_null() {
            // SAFETY: unlinked by the swap; destruction deferred past current readers.
            unsafe { g.defer_destroy(old) };
        }
        v
    }

    /// Go's `trySwap`: swap unless expunged. `Err` if expunged (the caller keeps `new`).
    fn try_swap(&self, new: Cur<'_, V>, g: &Guard) -> Result<Option<V>, ()> {
        self.update(g, |cur| (!is_expunged(cur)).then_some(new))
            .map(value_of)
            .map_err(|_| ())
    }

    /// Go's `unexpungeLocked`: expunged -> nil; true if it was expunged.
    fn unexpunge_locked(&self, g: &Guard) -> bool {
        self.update(g, |cur| is_expunged(cur).then(Shared::null))
            .is_ok()
    }

    /// Go's `tryExpungeLocked`: nil -> expunged; true if the entry is (now) expunged.
    fn try_expunge_locked(&self, g: &Guard) -> bool {
        let marker = alloc(Slot::Expunged, g);
        match self.update(g, |cur| cur.is_null().then_some(marker)) {
            Ok(_) => true,
            Err(cur) => {
                free_unpublished(marker);
                is_expunged(cur)
            }
        }
    }

    /// Go's `delete`: value -> nil; the old value.
    fn delete(&self, g: &Guard) -> Option<V> {
        self.update(g, |cur| is_value(cur).then(Shared::null))
            .ok()
            .and_then(value_of)
    }
}

impl<V> Drop for Entry<V> {
    fn drop(&mut self) {
        // SAFETY: the last `Arc` is gone: no table holds the entry, and tables reachable by
        // lock-free readers are themselves destroyed only after those readers unpinned.
        unsafe {
            let p = self.p.load(Relaxed, epoch::unprotected());
            if !p.is_null() {
                drop(p.into_owned());
            }
        }
    }
}

/// A concurrent map with lock-free reads of settled keys (Go's `sync.Map`).
///
/// # Examples
///
/// ```
/// let m = gorust_sync::Map::new();
/// m.store("a", 1);
/// assert_eq!(m.load(&"a"), Some(1));
/// assert_eq!(m.load_or_store("a", 2), (1, true));
/// assert_eq!(m.swap("a", 3), Some(1));
/// assert!(m.compare_and_swap(&"a", &3, 4));
/// assert_eq!(m.load_and_delete(&"a"), Some(4));
/// assert_eq!(m.load(&"a"), None);
/// ```
pub struct Map<K, V> {
    read: Atomic<ReadOnly<K, V>>,
    mu: Mutex<Dirty<K, V>>,
}

impl<K, V> Drop for Map<K, V> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no reader is inside; the snapshot is non-null and owned here.
        unsafe { drop(self.read.load(Relaxed, epoch::unprotected()).into_owned()) }
    }
}

impl<K, V> fmt::Debug for Map<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map").finish_non_exhaustive()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Default for Map<K, V> {
    fn default() -> Self {
        Map::new()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Map<K, V> {
    /// Creates an empty map.
    ///
    /// # Examples
    ///
    /// ```
    /// let m: gorust_sync::Map<u32, String> = gorust_sync::Map::new();
    /// assert_eq!(m.load(&1), None);
    /// ```
    pub fn new() -> Map<K, V> {
        Map {
            read: Atomic::new(ReadOnly {
                m: HashMap::new(),
                amended: false,
            }),
            mu: Mutex::new(Dirty {
                dirty: None,
                misses: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Dirty<K, V>> {
        self.mu.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current snapshot, valid while `g` is pinned.
    #[inline]
    fn snapshot<'g>(&self, g: &'g Guard) -> &'g ReadOnly<K, V> {
        // SAFETY: the pointer is never null (set in `new`, replaced only by `publish`), and a
        // replaced snapshot is destroyed only after every guard that could see it unpinned.
        unsafe { self.read.load(Acquire, g).deref() }
    }

    /// Installs a new snapshot (under the lock) and retires the old one.
    fn publish(&self, ro: ReadOnly<K, V>, g: &Guard) {
        let old = self.read.swap(Owned::new(ro), AcqRel, g);
        // SAFETY: unlinked by the swap; readers holding it are pinned, so the drop (and the
        // `Arc<Entry>`s it releases) waits for them.
        unsafe { g.defer_destroy(old) };
    }

    /// Go's `missLocked`.
    fn miss_locked(&self, d: &mut Dirty<K, V>, g: &Guard) {
        d.misses += 1;
        let len = d.dirty.as_ref().map_or(0, HashMap::len);
        if d.misses < len {
            return;
        }
        self.promote_locked(d, g);
    }

    fn promote_locked(&self, d: &mut Dirty<K, V>, g: &Guard) {
        let m = d.dirty.take().unwrap_or_default();
        self.publish(ReadOnly { m, amended: false }, g);
        d.misses = 0;
    }

    /// Go's `dirtyLocked`: copy `read` into a fresh dirty map, expunging deleted entries.
    fn dirty_locked(&self, d: &mut Dirty<K, V>, g: &Guard) {
        if d.dirty.is_some() {
            return;
        }
        let read = self.snapshot(g);
        let mut dirty = HashMap::with_capacity(read.m.len());
        for (k, e) in read.m.iter() {
            if !e.try_expunge_locked(g) {
                dirty.insert(k.clone(), e.clone());
            }
        }
        d.dirty = Some(dirty);
    }

    /// The write paths' common slow step (Go's `Swap`/`LoadOrStore` under `m.mu`): find `key`
    /// in `read` (re-adding an expunged entry to `dirty`) or in `dirty`; if absent, prepare
    /// for a new key (build `dirty`, mark `read` amended).
    fn find_locked(&self, d: &mut Dirty<K, V>, key: &K, g: &Guard) -> Found<V> {
        let read = self.snapshot(g);
        if let Some(e) = read.m.get(key) {
            if e.unexpunge_locked(g) {
                // Expunged: not in dirty; add it back before storing.
                d.dirty
                    .get_or_insert_with(HashMap::new)
                    .insert(key.clone(), e.clone());
            }
            return Found::Read(e.clone());
        }
        if let Some(e) = d.dirty.as_ref().and_then(|m| m.get(key)) {
            return Found::Dirty(e.clone());
        }
        if !read.amended {
            // First new key since the last promotion.
            self.dirty_locked(d, g);
            self.publish(
                ReadOnly {
                    m: read.m.clone(),
                    amended: true,
                },
                g,
            );
        }
        Found::Absent
    }

    /// The entry for `key` in `read`, or under the lock in `dirty` (counting a miss).
    fn entry<Q>(&self, key: &Q, g: &Guard) -> Option<Arc<Entry<V>>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let read = self.snapshot(g);
        if let Some(e) = read.m.get(key) {
            return Some(e.clone());
        }
        if !read.amended {
            return None;
        }
        let mut d = self.lock();
        let read = self.snapshot(g);
        if let Some(e) = read.m.get(key) {
            return Some(e.clone());
        }
        if !read.amended {
            return None;
        }
        let e = d.dirty.as_ref().and_then(|m| m.get(key)).cloned();
        // Go: "Regardless of whether the entry was present, record a miss".
        self.miss_locked(&mut d, g);
        e
    }

    /// The value for `key`, cloned out (Go's `Load`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// m.store(1, "one");
    /// assert_eq!(m.load(&1), Some("one"));
    /// assert_eq!(m.load(&2), None);
    /// ```
    pub fn load<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let g = &epoch::pin();
        let read = self.snapshot(g);
        if let Some(e) = read.m.get(key) {
            return e.load(g);
        }
        if !read.amended {
            return None;
        }
        self.entry(key, g).and_then(|e| e.load(g))
    }

    /// Sets the value for `key` (Go's `Store`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// m.store("k", 1);
    /// m.store("k", 2);
    /// assert_eq!(m.load("k"), Some(2));
    /// ```
    pub fn store(&self, key: K, value: V) {
        self.swap(key, value);
    }

    /// Sets the value for `key` and returns the previous one (Go's `Swap`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// assert_eq!(m.swap(1, 'a'), None);
    /// assert_eq!(m.swap(1, 'b'), Some('a'));
    /// ```
    pub fn swap(&self, key: K, value: V) -> Option<V> {
        let g = &epoch::pin();
        let new = alloc(Slot::Value(value), g);
        if let Some(e) = self.snapshot(g).m.get(&key)
            && let Ok(prev) = e.try_swap(new, g)
        {
            return prev;
        }
        let mut d = self.lock();
        match self.find_locked(&mut d, &key, g) {
            Found::Read(e) | Found::Dirty(e) => e.swap_locked(new, g),
            Found::Absent => {
                let e = Arc::new(Entry { p: Atomic::null() });
                e.p.store(new, Release);
                d.dirty.get_or_insert_with(HashMap::new).insert(key, e);
                None
            }
        }
    }

    /// Returns the existing value for `key` and `true`, or stores `value` and returns it and
    /// `false` (Go's `LoadOrStore`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// assert_eq!(m.load_or_store(1, 10), (10, false));
    /// assert_eq!(m.load_or_store(1, 20), (10, true));
    /// ```
    pub fn load_or_store(&self, key: K, value: V) -> (V, bool) {
        let g = &epoch::pin();
        if let Some(e) = self.snapshot(g).m.get(&key)
            && let Some(r) = Self::try_load_or_store(e, &value, g)
        {
            return r;
        }
        let mut d = self.lock();
        match self.find_locked(&mut d, &key, g) {
            Found::Read(e) => {
                Self::try_load_or_store(&e, &value, g).expect("not expunged under the lock")
            }
            Found::Dirty(e) => {
                let r =
                    Self::try_load_or_store(&e, &value, g).expect("dirty entries are not expunged");
                self.miss_locked(&mut d, g);
                r
            }
            Found::Absent => {
                d.dirty
                    .get_or_insert_with(HashMap::new)
                    .insert(key, Entry::new(value.clone()));
                (value, false)
            }
        }
    }

    /// Go's `tryLoadOrStore`: `None` if the entry is expunged.
    fn try_load_or_store(e: &Entry<V>, value: &V, g: &Guard) -> Option<(V, bool)> {
        let mut stored = None;
        let r = e.update(g, |cur| {
            cur.is_null()
                .then(|| *stored.get_or_insert_with(|| alloc(Slot::Value(value.clone()), g)))
        });
        match r {
            Ok(_) => Some((value.clone(), false)),
            Err(cur) => {
                if let Some(s) = stored {
                    free_unpublished(s);
                }
                // Loaded (a value) or expunged (None).
                value_of(cur).map(|v| (v, true))
            }
        }
    }

    /// Deletes `key`, returning its value if it had one (Go's `LoadAndDelete`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// m.store(1, 1);
    /// assert_eq!(m.load_and_delete(&1), Some(1));
    /// assert_eq!(m.load_and_delete(&1), None);
    /// ```
    pub fn load_and_delete<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let g = &epoch::pin();
        let read = self.snapshot(g);
        let e = match read.m.get(key) {
            Some(e) => Some(e.clone()),
            None if !read.amended => None,
            None => {
                let mut d = self.lock();
                let read = self.snapshot(g);
                match read.m.get(key) {
                    Some(e) => Some(e.clone()),
                    None if !read.amended => None,
                    None => {
                        let e = d.dirty.as_mut().and_then(|m| m.remove(key));
                        self.miss_locked(&mut d, g);
                        e
                    }
                }
            }
        };
        e.and_then(|e| e.delete(g))
    }

    /// Deletes `key` (Go's `Delete`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// m.store(1, ());
    /// m.delete(&1);
    /// assert_eq!(m.load(&1), None);
    /// ```
    pub fn delete<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.load_and_delete(key);
    }

    /// Stores `new` if the value for `key` equals `old` (Go's `CompareAndSwap`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// m.store(1, 5);
    /// assert!(!m.compare_and_swap(&1, &4, 6));
    /// assert!(m.compare_and_swap(&1, &5, 6));
    /// assert!(!m.compare_and_swap(&2, &5, 6)); // absent key
    /// ```
    pub fn compare_and_swap<Q>(&self, key: &Q, old: &V, new: V) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: PartialEq,
    {
        let g = &epoch::pin();
        let Some(e) = self.entry(key, g) else {
            return false;
        };
        let new = alloc(Slot::Value(new), g);
        let r = e.update(g, |cur| {
            (value_of(cur).as_ref() == Some(old)).then_some(new)
        });
        if r.is_err() {
            free_unpublished(new);
        }
        r.is_ok()
    }

    /// Deletes `key` if its value equals `old` (Go's `CompareAndDelete`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// m.store(1, 5);
    /// assert!(!m.compare_and_delete(&1, &4));
    /// assert!(m.compare_and_delete(&1, &5));
    /// assert_eq!(m.load(&1), None);
    /// ```
    pub fn compare_and_delete<Q>(&self, key: &Q, old: &V) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: PartialEq,
    {
        let g = &epoch::pin();
        let Some(e) = self.entry(key, g) else {
            return false;
        };
        e.update(g, |cur| {
            (value_of(cur).as_ref() == Some(old)).then(Shared::null)
        })
        .is_ok()
    }

    /// Calls `f` for each key and value until it returns `false` (Go's `Range`). Not a
    /// snapshot: concurrent stores may or may not be seen, but no key is visited twice.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// for i in 0..5 {
    ///     m.store(i, i * 10);
    /// }
    /// let mut sum = 0;
    /// m.range(|_, v| {
    ///     sum += v;
    ///     true
    /// });
    /// assert_eq!(sum, 100);
    /// ```
    pub fn range(&self, mut f: impl FnMut(&K, &V) -> bool) {
        let g = &epoch::pin();
        if self.snapshot(g).amended {
            // Go: Range is O(N) anyway, so promote now.
            let mut d = self.lock();
            if self.snapshot(g).amended {
                self.promote_locked(&mut d, g);
            }
        }
        // Iterates the snapshot under one pin (it cannot be freed meanwhile); `f` may use the
        // map (pins nest).
        for (k, e) in self.snapshot(g).m.iter() {
            if let Some(v) = e.load(g)
                && !f(k, &v)
            {
                break;
            }
        }
    }

    /// Deletes every entry (Go 1.23's `Clear`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = gorust_sync::Map::new();
    /// m.store(1, 1);
    /// m.clear();
    /// assert_eq!(m.load(&1), None);
    /// ```
    pub fn clear(&self) {
        let mut d = self.lock();
        self.publish(
            ReadOnly {
                m: HashMap::new(),
                amended: false,
            },
            &epoch::pin(),
        );
        d.dirty = None;
        d.misses = 0;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn promotion_after_misses_and_expunge() {
        let m = Map::new();
        for i in 0..8 {
            m.store(i, i);
        }
        let snap = |m: &Map<i32, i32>| {
            let g = &epoch::pin();
            let r = m.snapshot(g);
            (r.amended, r.m.len())
        };
        assert!(snap(&m).0);
        for i in 0..8 {
            assert_eq!(m.load(&i), Some(i));
        }
        // 8 misses >= len(dirty) = 8: promoted.
        assert_eq!(snap(&m), (false, 8));
        m.delete(&3);
        m.store(100, 100); // new key: dirty rebuilt, 3 expunged
        {
            let g = &epoch::pin();
            assert!(is_expunged(
                m.snapshot(g).m.get(&3).unwrap().p.load(Acquire, g)
            ));
        }
        m.store(3, 33); // un-expunge
        assert_eq!(m.load(&3), Some(33));
        let mut n = 0;
        m.range(|_, _| {
            n += 1;
            true
        });
        assert_eq!(n, 9);
    }
}
