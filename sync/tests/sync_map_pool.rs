//! Map against a reference model (Go's `map_test.go` TestMapMatchesRWMutex idea, plus a
//! concurrent no-lost-update stress) and Pool (Go's `pool_test.go`: TestPool, TestPoolNew,
//! TestPoolGC via sweeps, TestPoolStress).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use gorust_sync::{Map, Pool};

/// A tiny deterministic generator so failures replay.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn matches_reference_model_sequentially() {
    let m = Map::new();
    let mut r: HashMap<u64, u64> = HashMap::new();
    let mut rng = Rng(0x9E3779B97F4A7C15);
    for _ in 0..50_000 {
        let k = rng.next() % 64;
        let v = rng.next() % 1000;
        match rng.next() % 8 {
            0 => assert_eq!(m.load(&k), r.get(&k).copied()),
            1 => {
                m.store(k, v);
                r.insert(k, v);
            }
            2 => assert_eq!(m.swap(k, v), r.insert(k, v)),
            3 => {
                let want = match r.get(&k) {
                    Some(&old) => (old, true),
                    None => {
                        r.insert(k, v);
                        (v, false)
                    }
                };
                assert_eq!(m.load_or_store(k, v), want);
            }
            4 => assert_eq!(m.load_and_delete(&k), r.remove(&k)),
            5 => {
                let old = if rng.next().is_multiple_of(2) {
                    r.get(&k).copied().unwrap_or(7)
                } else {
                    rng.next() % 1000
                };
                let want = r.get(&k) == Some(&old);
                assert_eq!(m.compare_and_swap(&k, &old, v), want);
                if want {
                    r.insert(k, v);
                }
            }
            6 => {
                let cur = r.get(&k).copied();
                let got = m.compare_and_delete(&k, &cur.unwrap_or(u64::MAX));
                assert_eq!(got, cur.is_some());
                if got {
                    r.remove(&k);
                }
            }
            _ => {
                let mut seen = HashMap::new();
                m.range(|k, v| {
                    assert!(seen.insert(*k, *v).is_none(), "range visited a key twice");
                    true
                });
                assert_eq!(seen, r);
            }
        }
    }
}

#[test]
fn compare_and_swap_semantics() {
    let m = Map::new();
    assert!(!m.compare_and_swap(&1, &0, 1), "absent key");
    m.store(1, 5);
    assert!(!m.compare_and_swap(&1, &4, 6));
    assert!(m.compare_and_swap(&1, &5, 6));
    assert_eq!(m.load(&1), Some(6));
}

/// Concurrent increments through CAS loops on shared keys plus disjoint stores: no update is
/// lost, every disjoint key ends with its last value.
#[test]
fn concurrent_no_lost_update() {
    let m = Arc::new(Map::new());
    let threads = 4u64;
    let per = 2_000u64;
    for k in 0..8u64 {
        m.store(k, 0u64);
    }
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let m = m.clone();
            thread::spawn(move || {
                let mut rng = Rng(t + 1);
                for i in 0..per {
                    let k = rng.next() % 8;
                    loop {
                        let cur = m.load(&k).unwrap();
                        if m.compare_and_swap(&k, &cur, cur + 1) {
                            break;
                        }
                    }
                    let own = 1000 + t * 100_000 + (i % 50);
                    m.store(own, i);
                    if i % 7 == 0 {
                        m.delete(&(1000 + t * 100_000 + ((i + 1) % 50)));
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let total: u64 = (0..8u64).map(|k| m.load(&k).unwrap()).sum();
    assert_eq!(total, threads * per, "lost updates");
    let mut n = 0;
    m.range(|_, _| {
        n += 1;
        true
    });
    assert!(n >= 8);
}

#[test]
fn go_pool_put_get_and_sweeps() {
    let p = Pool::new(|| 0usize);
    p.put(1);
    p.put(2);
    let a = p.get();
    let b = p.get();
    assert_eq!(a + b, 3);
    assert_eq!(p.get(), 0, "empty pool uses New");
    // TestPoolGC analogue: two sweeps drop everything not taken.
    let drops = Arc::new(AtomicUsize::new(0));
    struct D(Arc<AtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let p = Pool::new({
        let drops = drops.clone();
        move || D(drops.clone())
    });
    for _ in 0..10 {
        p.put(D(drops.clone()));
    }
    p.clear();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "first sweep only moves to the victim cache"
    );
    p.clear();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        10,
        "second sweep drops the victims"
    );
}

#[test]
fn pool_stress_every_object_accounted() {
    let made = Arc::new(AtomicUsize::new(0));
    let p = Arc::new(Pool::new({
        let made = made.clone();
        move || {
            made.fetch_add(1, Ordering::SeqCst);
            Vec::<u8>::with_capacity(16)
        }
    }));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let p = p.clone();
            thread::spawn(move || {
                for _ in 0..10_000 {
                    let mut v = p.get();
                    v.push(1);
                    v.clear();
                    p.put(v);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert!(
        made.load(Ordering::SeqCst) <= 40,
        "pool barely reused: {} made",
        made.load(Ordering::SeqCst)
    );
}

/// Every value stored is dropped exactly once: overwritten and deleted values after the epoch
/// lets them go, the rest when the map is dropped.
#[test]
fn map_values_dropped_exactly_once() {
    struct D(Arc<AtomicUsize>);
    impl Clone for D {
        fn clone(&self) -> Self {
            self.0.fetch_add(1 << 32, Ordering::SeqCst); // count clones separately
            D(self.0.clone())
        }
    }
    impl PartialEq for D {
        fn eq(&self, _: &D) -> bool {
            true
        }
    }
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let c = Arc::new(AtomicUsize::new(0));
    let made = {
        let m = Map::new();
        let mut made = 0;
        for round in 0..50u64 {
            for k in 0..20u64 {
                m.store(k, D(c.clone()));
                made += 1;
                if (k + round) % 3 == 0 {
                    m.delete(&k);
                }
            }
            for k in 0..20u64 {
                drop(m.load(&k));
            }
        }
        made
    };
    // Deferred destructions run as threads pin; push them through (other tests running in
    // parallel may hold the epoch back for a while).
    let split = |v: usize| (v & 0xFFFF_FFFF, v >> 32);
    let start = std::time::Instant::now();
    loop {
        let (drops, clones) = split(c.load(Ordering::SeqCst));
        assert!(drops <= made + clones, "a value was dropped twice");
        if drops == made + clones || start.elapsed() > std::time::Duration::from_secs(10) {
            break;
        }
        crossbeam_epoch::pin().flush();
        thread::sleep(std::time::Duration::from_millis(1));
    }
    let (drops, clones) = split(c.load(Ordering::SeqCst));
    assert_eq!(
        drops,
        made + clones,
        "every stored value and every clone dropped once"
    );
}
