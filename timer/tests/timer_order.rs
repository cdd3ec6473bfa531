//! Firing order of one P's heap: 100,000 random timers fire in deadline order, and a property
//! test of the real heap (add / drop / reset / run) against a reference ordered set.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};

use gorust_timer::driver::{self, Timers, WakeDriver};
use gorust_timer::{Sleep, sleep_until};
use proptest::prelude::*;

struct Nobody;
impl WakeDriver for Nobody {
    fn timer_earlier(&self, _: Instant) {}
}

/// A waker that appends its id to a shared log when woken.
struct Log {
    id: usize,
    log: Arc<Mutex<Vec<usize>>>,
}
impl Wake for Log {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
    }
}

fn poll(s: &mut Sleep, w: &Waker) -> bool {
    Pin::new(s).poll_inner(w)
}

trait PollInner {
    fn poll_inner(self, w: &Waker) -> bool;
}
impl PollInner for Pin<&mut Sleep> {
    fn poll_inner(self, w: &Waker) -> bool {
        std::future::Future::poll(self, &mut Context::from_waker(w)).is_ready()
    }
}

#[test]
fn hundred_thousand_random_timers_fire_in_deadline_order() {
    const N: usize = 100_000;
    let timers = Arc::new(Timers::new(Arc::new(Nobody)));
    driver::enter(timers.clone());
    // Far enough ahead that no deadline passes while we register them.
    let base = Instant::now() + Duration::from_secs(3600);
    let log = Arc::new(Mutex::new(Vec::with_capacity(N)));
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut sleeps = Vec::with_capacity(N);
    for id in 0..N {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let at = base + Duration::from_nanos(rng % 1_000_000_000);
        let mut s = sleep_until(at);
        let w = Waker::from(Arc::new(Log {
            id,
            log: log.clone(),
        }));
        assert!(!poll(&mut s, &w));
        sleeps.push(s);
    }
    assert_eq!(timers.len(), N);
    // Run in steps, as a scheduler would, with virtual time.
    let mut now = base;
    while now <= base + Duration::from_millis(1001) {
        timers.run(now);
        now += Duration::from_micros(997);
    }
    let log = log.lock().unwrap();
    assert_eq!(log.len(), N, "every timer fired exactly once");
    let mut seen = vec![false; N];
    for pair in log.windows(2) {
        assert!(
            sleeps[pair[0]].deadline() <= sleeps[pair[1]].deadline(),
            "fired out of order"
        );
    }
    for &id in log.iter() {
        assert!(!std::mem::replace(&mut seen[id], true), "fired twice");
    }
    assert!(timers.is_empty());
    driver::exit();
}

#[derive(Debug, Clone)]
enum Op {
    Add(u64),
    Drop(usize),
    Reset(usize, u64),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0u64..10_000).prop_map(Op::Add),
        2 => any::<usize>().prop_map(Op::Drop),
        3 => (any::<usize>(), 0u64..10_000).prop_map(|(i, w)| Op::Reset(i, w)),
        2 => (0u64..2_000).prop_map(Op::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The real heap, driven through sleeps (add on first poll, drop = lazy delete, reset =
    /// modified earlier/later), fires exactly the timers a reference ordered map says are due,
    /// in deadline order, at every step; compaction and head cleaning never lose one.
    #[test]
    fn heap_matches_reference(ops in proptest::collection::vec(op(), 1..300)) {
        let timers = Arc::new(Timers::new(Arc::new(Nobody)));
        driver::enter(timers.clone());
        let base = Instant::now() + Duration::from_secs(3600);
        let log = Arc::new(Mutex::new(Vec::new()));
        // Slot i: the sleep, its waker; unique deadlines: when * 1024 + i (ns).
        let mut sleeps: Vec<Option<(Sleep, Waker)>> = Vec::new();
        let mut live: BTreeMap<u64, usize> = BTreeMap::new(); // deadline ns -> id
        let mut armed: Vec<Option<u64>> = Vec::new(); // id -> deadline while armed
        let mut now_ns = 0u64;
        for op in ops {
            match op {
                Op::Add(w) => {
                    let id = sleeps.len();
                    let at = now_ns + 1 + w * 1024 + id as u64 % 1024;
                    let mut s = sleep_until(base + Duration::from_nanos(at));
                    let wk = Waker::from(Arc::new(Log { id, log: log.clone() }));
                    prop_assert!(!poll(&mut s, &wk));
                    sleeps.push(Some((s, wk)));
                    live.insert(at, id);
                    armed.push(Some(at));
                }
                Op::Drop(i) if !sleeps.is_empty() => {
                    let id = i % sleeps.len();
                    if sleeps[id].take().is_some() && let Some(at) = armed[id].take() {
                        live.remove(&at);
                    }
                }
                Op::Reset(i, w) if !sleeps.is_empty() => {
                    let id = i % sleeps.len();
                    if let Some((s, wk)) = sleeps[id].as_mut() {
                        let at = now_ns + 1 + w * 1024 + id as u64 % 1024;
                        if live.contains_key(&at) { continue; }
                        Pin::new(&mut *s).reset(base + Duration::from_nanos(at));
                        prop_assert!(!poll(s, wk)); // re-registers if it had fired
                        if let Some(old) = armed[id].replace(at) { live.remove(&old); }
                        live.insert(at, id);
                    }
                }
                Op::Advance(dt) => {
                    now_ns += dt * 1024;
                    let due: Vec<(u64, usize)> = live.range(..=now_ns).map(|(k, v)| (*k, *v)).collect();
                    timers.run(base + Duration::from_nanos(now_ns));
                    let fired: Vec<usize> = std::mem::take(&mut *log.lock().unwrap());
                    let want: Vec<usize> = due.iter().map(|&(_, id)| id).collect();
                    prop_assert_eq!(&fired, &want);
                    for (at, id) in due { live.remove(&at); armed[id] = None; }
                    if let Some((&first, _)) = live.iter().next() {
                        let next = timers.next_deadline().expect("live timers");
                        prop_assert!(next <= base + Duration::from_nanos(first), "next_deadline late");
                    }
                }
                _ => {}
            }
        }
        drop(sleeps);
        timers.run(base + Duration::from_secs(3600));
        prop_assert!(timers.is_empty());
        driver::exit();
    }
}

#[test]
fn compaction_bounds_zombies() {
    let timers = Arc::new(Timers::new(Arc::new(Nobody)));
    driver::enter(timers.clone());
    let count = Arc::new(AtomicUsize::new(0));
    struct C(Arc<AtomicUsize>);
    impl Wake for C {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let w = Waker::from(Arc::new(C(count.clone())));
    let far = Instant::now() + Duration::from_secs(3600);
    let mut keep = Vec::new();
    for i in 0..10_000u64 {
        let mut s = sleep_until(far + Duration::from_nanos(i));
        assert!(!poll(&mut s, &w));
        if i % 10 == 0 {
            keep.push(s);
        } // else dropped: a zombie
        assert!(
            timers.len() <= keep.len() * 2 + 200,
            "zombies not compacted: len {} live {}",
            timers.len(),
            keep.len()
        );
    }
    assert_eq!(timers.run(far + Duration::from_secs(1)), 1_000);
    assert_eq!(count.load(SeqCst), 1_000);
    driver::exit();
}
