//! `Map<K, V>`: Go's `sync.Map` in its read/dirty design (`src/sync/map.go` up to Go 1.23:
//! `Load, Store, LoadOrStore, LoadAndDelete, Delete, Swap, CompareAndSwap, CompareAndDelete,
//! Range, missLocked, dirtyLocked`; `entry.load, trySwap, tryExpungeLocked`).
//!
//! - `read`: an immutable snapshot `{m, amended}` loaded lock-free (an `ArcSwap`, Go's
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
//! Invariants: an `Expunged` entry is never in `dirty`; when `dirty` is `Some`, every
//! non-expunged entry of `read` is in it; values are cloned out (`V: Clone`), never borrowed
//! across an operation.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use arc_swap::{ArcSwap, ArcSwapOption};

enum Slot<V> {
    Expunged,
    Value(V),
}

/// What an entry's slot holds: `None` = deleted, else expunged or a value.
type Cur<V> = Option<Arc<Slot<V>>>;

struct Entry<V> {
    p: ArcSwapOption<Slot<V>>,
}

type Table<K, V> = HashMap<K, Arc<Entry<V>>>;

struct ReadOnly<K, V> {
    m: Arc<Table<K, V>>,
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

fn value_of<V: Clone>(s: &Option<Arc<Slot<V>>>) -> Option<V> {
    match s.as_deref() {
        Some(Slot::Value(v)) => Some(v.clone()),
        _ => None,
    }
}

fn is_expunged<V>(s: &Option<Arc<Slot<V>>>) -> bool {
    matches!(s.as_deref(), Some(Slot::Expunged))
}

fn same<V>(a: &Option<Arc<Slot<V>>>, b: &Option<Arc<Slot<V>>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

impl<V: Clone> Entry<V> {
    fn new(v: V) -> Arc<Entry<V>> {
        Arc::new(Entry {
            p: ArcSwapOption::new(Some(Arc::new(Slot::Value(v)))),
        })
    }

    /// Go's `entry.load`.
    fn load(&self) -> Option<V> {
        value_of(&self.p.load())
    }

    /// CAS loop: `f` maps the current slot to the new one, or `None` to stop. Returns the slot
    /// replaced, or `Err(current)` when `f` declined.
    fn update(&self, mut f: impl FnMut(&Cur<V>) -> Option<Cur<V>>) -> Result<Cur<V>, Cur<V>> {
        let mut cur = self.p.load_full();
        loop {
            let Some(new) = f(&cur) else { return Err(cur) };
            let prev = self.p.compare_and_swap(&cur, new);
            if same(&prev, &cur) {
                return Ok(cur);
            }
            cur = arc_swap::Guard::into_inner(prev);
        }
    }

    /// Go's `trySwap`: swap unless expunged. `Err` gives the new slot back.
    fn try_swap(&self, new: &Arc<Slot<V>>) -> Result<Option<V>, ()> {
        self.update(|cur| (!is_expunged(cur)).then(|| Some(new.clone())))
            .map(|old| value_of(&old))
            .map_err(|_| ())
    }

    /// Go's `unexpungeLocked`: expunged -> nil; true if it was expunged.
    fn unexpunge_locked(&self) -> bool {
        self.update(|cur| is_expunged(cur).then_some(None)).is_ok()
    }

    /// Go's `tryExpungeLocked`: nil -> expunged; true if the entry is (now) expunged.
    fn try_expunge_locked(&self) -> bool {
        match self.update(|cur| cur.is_none().then(|| Some(Arc::new(Slot::Expunged)))) {
            Ok(_) => true,
            Err(cur) => is_expunged(&cur),
        }
    }

    /// Go's `delete`: value -> nil; the old value.
    fn delete(&self) -> Option<V> {
        self.update(|cur| matches!(cur.as_deref(), Some(Slot::Value(_))).then_some(None))
            .ok()
            .and_then(|old| value_of(&old))
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
    read: ArcSwap<ReadOnly<K, V>>,
    mu: Mutex<Dirty<K, V>>,
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
            read: ArcSwap::from_pointee(ReadOnly {
                m: Arc::new(HashMap::new()),
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

    /// Go's `missLocked`.
    fn miss_locked(&self, d: &mut Dirty<K, V>) {
        d.misses += 1;
        let len = d.dirty.as_ref().map_or(0, HashMap::len);
        if d.misses < len {
            return;
        }
        self.promote_locked(d);
    }

    fn promote_locked(&self, d: &mut Dirty<K, V>) {
        let m = d.dirty.take().unwrap_or_default();
        self.read.store(Arc::new(ReadOnly {
            m: Arc::new(m),
            amended: false,
        }));
        d.misses = 0;
    }

    /// Go's `dirtyLocked`: copy `read` into a fresh dirty map, expunging deleted entries.
    fn dirty_locked(&self, d: &mut Dirty<K, V>) {
        if d.dirty.is_some() {
            return;
        }
        let read = self.read.load();
        let mut dirty = HashMap::with_capacity(read.m.len());
        for (k, e) in read.m.iter() {
            if !e.try_expunge_locked() {
                dirty.insert(k.clone(), e.clone());
            }
        }
        d.dirty = Some(dirty);
    }

    /// The write paths' common slow step (Go's `Swap`/`LoadOrStore` under `m.mu`): find `key`
    /// in `read` (re-adding an expunged entry to `dirty`) or in `dirty`; if absent, prepare
    /// for a new key (build `dirty`, mark `read` amended).
    fn find_locked(&self, d: &mut Dirty<K, V>, key: &K) -> Found<V> {
        let read = self.read.load_full();
        if let Some(e) = read.m.get(key) {
            if e.unexpunge_locked() {
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
            self.dirty_locked(d);
            self.read.store(Arc::new(ReadOnly {
                m: read.m.clone(),
                amended: true,
            }));
        }
        Found::Absent
    }

    /// The entry for `key` in `read`, or under the lock in `dirty` (counting a miss).
    fn entry<Q>(&self, key: &Q) -> Option<Arc<Entry<V>>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let read = self.read.load();
        if let Some(e) = read.m.get(key) {
            return Some(e.clone());
        }
        if !read.amended {
            return None;
        }
        drop(read);
        let mut d = self.lock();
        let read = self.read.load();
        if let Some(e) = read.m.get(key) {
            return Some(e.clone());
        }
        if !read.amended {
            return None;
        }
        let e = d.dirty.as_ref().and_then(|m| m.get(key)).cloned();
        // Go: "Regardless of whether the entry was present, record a miss".
        self.miss_locked(&mut d);
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
        {
            let read = self.read.load();
            if let Some(e) = read.m.get(key) {
                return e.load();
            }
            if !read.amended {
                return None;
            }
        }
        self.entry(key).and_then(|e| e.load())
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
        let new = Arc::new(Slot::Value(value));
        {
            let read = self.read.load();
            if let Some(e) = read.m.get(&key)
                && let Ok(prev) = e.try_swap(&new)
            {
                return prev;
            }
        }
        let mut d = self.lock();
        match self.find_locked(&mut d, &key) {
            Found::Read(e) | Found::Dirty(e) => value_of(&e.p.swap(Some(new))),
            Found::Absent => {
                let e = Arc::new(Entry {
                    p: ArcSwapOption::new(Some(new)),
                });
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
        {
            let read = self.read.load();
            if let Some(e) = read.m.get(&key)
                && let Some(r) = Self::try_load_or_store(e, &value)
            {
                return r;
            }
        }
        let mut d = self.lock();
        match self.find_locked(&mut d, &key) {
            Found::Read(e) => {
                Self::try_load_or_store(&e, &value).expect("not expunged under the lock")
            }
            Found::Dirty(e) => {
                let r =
                    Self::try_load_or_store(&e, &value).expect("dirty entries are not expunged");
                self.miss_locked(&mut d);
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
    fn try_load_or_store(e: &Entry<V>, value: &V) -> Option<(V, bool)> {
        let mut stored = None;
        let r = e.update(|cur| match cur.as_deref() {
            Some(Slot::Expunged) | Some(Slot::Value(_)) => None,
            None => Some(Some(
                stored
                    .get_or_insert_with(|| Arc::new(Slot::Value(value.clone())))
                    .clone(),
            )),
        });
        match r {
            Ok(_) => Some((value.clone(), false)),
            Err(cur) => match cur.as_deref() {
                Some(Slot::Value(v)) => Some((v.clone(), true)),
                _ => None,
            },
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
        let e = {
            let read = self.read.load();
            match read.m.get(key) {
                Some(e) => Some(e.clone()),
                None if !read.amended => None,
                None => {
                    drop(read);
                    let mut d = self.lock();
                    let read = self.read.load();
                    match read.m.get(key) {
                        Some(e) => Some(e.clone()),
                        None if !read.amended => None,
                        None => {
                            let e = d.dirty.as_mut().and_then(|m| m.remove(key));
                            self.miss_locked(&mut d);
                            e
                        }
                    }
                }
            }
        };
        e.and_then(|e| e.delete())
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
        let Some(e) = self.entry(key) else {
            return false;
        };
        let new = Some(Arc::new(Slot::Value(new)));
        e.update(|cur| match cur.as_deref() {
            Some(Slot::Value(v)) if v == old => Some(new.clone()),
            _ => None,
        })
        .is_ok()
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
        let Some(e) = self.entry(key) else {
            return false;
        };
        e.update(|cur| match cur.as_deref() {
            Some(Slot::Value(v)) if v == old => Some(None),
            _ => None,
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
        let mut read = self.read.load_full();
        if read.amended {
            // Go: Range is O(N) anyway, so promote now.
            let mut d = self.lock();
            read = self.read.load_full();
            if read.amended {
                self.promote_locked(&mut d);
                read = self.read.load_full();
            }
        }
        for (k, e) in read.m.iter() {
            if let Some(v) = e.load()
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
        self.read.store(Arc::new(ReadOnly {
            m: Arc::new(HashMap::new()),
            amended: false,
        }));
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
        assert!(m.read.load().amended);
        for i in 0..8 {
            assert_eq!(m.load(&i), Some(i));
        }
        // 8 misses >= len(dirty) = 8: promoted.
        assert!(!m.read.load().amended);
        assert_eq!(m.read.load().m.len(), 8);
        m.delete(&3);
        m.store(100, 100); // new key: dirty rebuilt, 3 expunged
        assert!(is_expunged(&m.read.load().m.get(&3).unwrap().p.load_full()));
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
