//! Sync benchmarks: gorust-sync against tokio::sync, async-lock, futures::lock, dashmap and
//! `RwLock<HashMap>`, every contender on the same executor in one run (first the gorust
//! executor, then tokio's, 2 workers each):
//!
//! - Mutex uncontended: one task, lock/unlock, ns per pair;
//! - Mutex contended: 8 tasks hammer one lock (increment inside), ns per lock/unlock of the
//!   whole run, and, in a separate timed run, the max and p99 wait of a lock;
//! - Mutex starvation: 8 hammering tasks plus one that sleeps 500 µs between attempts: the
//!   sleeper's max wait (starvation mode bounds it; a barging lock need not);
//! - Semaphore: acquire/release uncontended, and 8 tasks on 4 permits;
//! - Map (plain threads, 2 of them, 1024 keys): read-heavy (99% loads) and mixed (50% load,
//!   40% store, 10% delete), ns per op;
//! - Pool: get + put of a 4 KiB buffer against allocating and dropping one.
//!
//! `cargo bench -p gorust-benches --bench sync` (full size, medians of 7 alternating runs;
//! `SYNC_BENCH_ONLY=map` or `=pool` runs one section);
//! `cargo test -p gorust-benches --bench sync` runs a smoke size once.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use gorust_benches::{full, median, ns_per, row, runs, size};

/// One async mutex implementation, so one workload body serves all.
trait Lock: Send + Sync + 'static {
    const NAME: &'static str;
    fn new() -> Self;
    /// Lock, increment the value, unlock.
    fn incr(&self) -> impl Future<Output = ()> + Send + '_;
}

struct G(gorust_sync::Mutex<u64>);
impl Lock for G {
    const NAME: &'static str = "gorust";
    fn new() -> Self {
        G(gorust_sync::Mutex::new(0))
    }
    async fn incr(&self) {
        *self.0.lock().await += 1;
    }
}

struct T(tokio::sync::Mutex<u64>);
impl Lock for T {
    const NAME: &'static str = "tokio";
    fn new() -> Self {
        T(tokio::sync::Mutex::new(0))
    }
    async fn incr(&self) {
        *self.0.lock().await += 1;
    }
}

struct A(async_lock::Mutex<u64>);
impl Lock for A {
    const NAME: &'static str = "async-lock";
    fn new() -> Self {
        A(async_lock::Mutex::new(0))
    }
    async fn incr(&self) {
        *self.0.lock().await += 1;
    }
}

struct F(futures::lock::Mutex<u64>);
impl Lock for F {
    const NAME: &'static str = "futures::lock";
    fn new() -> Self {
        F(futures::lock::Mutex::new(0))
    }
    async fn incr(&self) {
        *self.0.lock().await += 1;
    }
}

#[derive(Clone, Copy)]
enum Exec {
    Gorust,
    Tokio,
}

impl Exec {
    fn spawn(self, f: BoxFuture<'static, ()>) -> BoxFuture<'static, ()> {
        match self {
            Exec::Gorust => gorust::spawn(f).map(|r| r.unwrap()).boxed(),
            Exec::Tokio => tokio::spawn(f).map(|r| r.unwrap()).boxed(),
        }
    }
    fn sleep(self, d: Duration) -> BoxFuture<'static, ()> {
        match self {
            Exec::Gorust => gorust::time::sleep(d).boxed(),
            Exec::Tokio => tokio::time::sleep(d).boxed(),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Exec::Gorust => "gorust rt",
            Exec::Tokio => "tokio rt",
        }
    }
}

const UNCONTENDED: usize = 2_000_000;
const CONTENDED: usize = 800_000;
const TASKS: usize = 8;

async fn uncontended<L: Lock>() -> Duration {
    let l = L::new();
    let n = size(UNCONTENDED);
    let t = Instant::now();
    for _ in 0..n {
        l.incr().await;
    }
    t.elapsed()
}

/// 8 tasks share `n` locks; with `timed`, each records its waits. Returns (elapsed, waits).
async fn contended<L: Lock>(ex: Exec, n: usize, timed: bool) -> (Duration, Vec<Duration>) {
    let l = Arc::new(L::new());
    let per = n / TASKS;
    let t = Instant::now();
    let mut hs = Vec::new();
    let waits = Arc::new(std::sync::Mutex::new(Vec::new()));
    for _ in 0..TASKS {
        let (l, waits) = (l.clone(), waits.clone());
        hs.push(ex.spawn(Box::pin(async move {
            let mut mine = Vec::with_capacity(if timed { per } else { 0 });
            for _ in 0..per {
                if timed {
                    let s = Instant::now();
                    l.incr().await;
                    mine.push(s.elapsed());
                } else {
                    l.incr().await;
                }
            }
            waits.lock().unwrap().extend(mine);
        })));
    }
    for h in hs {
        h.await;
    }
    let d = t.elapsed();
    let w = std::mem::take(&mut *waits.lock().unwrap());
    (d, w)
}

/// The starvation workload: the sleeper's max wait.
async fn sleeper<L: Lock>(ex: Exec, run_for: Duration) -> Duration {
    let l = Arc::new(L::new());
    let stop = Arc::new(AtomicBool::new(false));
    let mut hs = Vec::new();
    for _ in 0..TASKS {
        let (l, stop) = (l.clone(), stop.clone());
        hs.push(ex.spawn(Box::pin(async move {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                l.incr().await;
                i += 1;
                if i.is_multiple_of(256) {
                    yield_once().await;
                }
            }
        })));
    }
    let mut worst = Duration::ZERO;
    let start = Instant::now();
    while start.elapsed() < run_for {
        ex.sleep(Duration::from_micros(500)).await;
        let s = Instant::now();
        l.incr().await;
        worst = worst.max(s.elapsed());
    }
    stop.store(true, Ordering::Relaxed);
    for h in hs {
        h.await;
    }
    worst
}

async fn yield_once() {
    let mut done = false;
    std::future::poll_fn(|cx| {
        if done {
            return std::task::Poll::Ready(());
        }
        done = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort_unstable();
    v.get(((v.len().max(1) - 1) as f64 * p) as usize)
        .copied()
        .unwrap_or_default()
}

struct MutexFigures {
    name: &'static str,
    uncontended: f64,
    contended: f64,
    max_wait: Duration,
    p99_wait: Duration,
    sleeper_max: Duration,
}

fn mutex_figures<L: Lock>(ex: Exec, block: &dyn Fn(BoxFuture<'static, ()>)) -> MutexFigures {
    let (mut un, mut co, mut maxw, mut p99, mut sl) = (vec![], vec![], vec![], vec![], vec![]);
    let n = size(CONTENDED);
    let run_for = if full() {
        Duration::from_millis(300)
    } else {
        Duration::from_millis(20)
    };
    for _ in 0..runs() {
        let cell = Arc::new(std::sync::Mutex::new(None));
        let c = cell.clone();
        block(Box::pin(async move {
            let u = uncontended::<L>().await;
            let (cd, _) = contended::<L>(ex, n, false).await;
            let (_, mut w) = contended::<L>(ex, n, true).await;
            let s = sleeper::<L>(ex, run_for).await;
            *c.lock().unwrap() = Some((u, cd, pct(&mut w, 1.0), pct(&mut w, 0.99), s));
        }));
        let (u, cd, m, p, s) = cell.lock().unwrap().take().unwrap();
        un.push(u);
        co.push(cd);
        maxw.push(m);
        p99.push(p);
        sl.push(s);
    }
    MutexFigures {
        name: L::NAME,
        uncontended: ns_per(median(un), size(UNCONTENDED)),
        contended: ns_per(median(co), n / TASKS * TASKS),
        max_wait: median(maxw),
        p99_wait: median(p99),
        sleeper_max: median(sl),
    }
}

// ---------------------------------------------------------------- semaphore

async fn sem_gorust(ex: Exec, contended: bool, n: usize) -> Duration {
    let s = Arc::new(gorust_sync::Semaphore::new(4));
    let t = Instant::now();
    if !contended {
        for _ in 0..n {
            drop(s.acquire(1).await);
        }
        return t.elapsed();
    }
    let mut hs = Vec::new();
    for _ in 0..TASKS {
        let s = s.clone();
        hs.push(ex.spawn(Box::pin(async move {
            for _ in 0..n / TASKS {
                drop(s.acquire(1).await);
            }
        })));
    }
    for h in hs {
        h.await;
    }
    t.elapsed()
}

async fn sem_tokio(ex: Exec, contended: bool, n: usize) -> Duration {
    let s = Arc::new(tokio::sync::Semaphore::new(4));
    let t = Instant::now();
    if !contended {
        for _ in 0..n {
            drop(s.acquire().await.unwrap());
        }
        return t.elapsed();
    }
    let mut hs = Vec::new();
    for _ in 0..TASKS {
        let s = s.clone();
        hs.push(ex.spawn(Box::pin(async move {
            for _ in 0..n / TASKS {
                drop(s.acquire().await.unwrap());
            }
        })));
    }
    for h in hs {
        h.await;
    }
    t.elapsed()
}

fn table(ex: Exec, block: &dyn Fn(BoxFuture<'static, ()>)) {
    let figs = [
        mutex_figures::<G>(ex, block),
        mutex_figures::<T>(ex, block),
        mutex_figures::<A>(ex, block),
        mutex_figures::<F>(ex, block),
    ];
    let g = &figs[0];
    for p in &figs[1..] {
        row(
            &format!("Mutex uncontended ({})", ex.name()),
            "ns",
            g.uncontended,
            p.name,
            p.uncontended,
        );
        row(
            &format!("Mutex contended, 8 tasks ({})", ex.name()),
            "ns",
            g.contended,
            p.name,
            p.contended,
        );
        row(
            &format!("Mutex contended max wait ({})", ex.name()),
            "µs",
            g.max_wait.as_secs_f64() * 1e6,
            p.name,
            p.max_wait.as_secs_f64() * 1e6,
        );
        row(
            &format!("Mutex contended p99 wait ({})", ex.name()),
            "µs",
            g.p99_wait.as_secs_f64() * 1e6,
            p.name,
            p.p99_wait.as_secs_f64() * 1e6,
        );
        row(
            &format!("Mutex sleeper max wait, 8 hammers ({})", ex.name()),
            "µs",
            g.sleeper_max.as_secs_f64() * 1e6,
            p.name,
            p.sleeper_max.as_secs_f64() * 1e6,
        );
    }
    let n = size(1_000_000);
    for contended in [false, true] {
        let (mut gv, mut tv) = (vec![], vec![]);
        for _ in 0..runs() {
            let cell = Arc::new(std::sync::Mutex::new((Duration::ZERO, Duration::ZERO)));
            let c = cell.clone();
            block(Box::pin(async move {
                let a = sem_gorust(ex, contended, n).await;
                let b = sem_tokio(ex, contended, n).await;
                *c.lock().unwrap() = (a, b);
            }));
            let (a, b) = *cell.lock().unwrap();
            gv.push(a);
            tv.push(b);
        }
        let what = if contended {
            "8 tasks, 4 permits"
        } else {
            "uncontended"
        };
        row(
            &format!("Semaphore acquire+release, {what} ({})", ex.name()),
            "ns",
            ns_per(median(gv), n / TASKS * TASKS),
            "tokio",
            ns_per(median(tv), n / TASKS * TASKS),
        );
    }
}

// ---------------------------------------------------------------- map (plain threads)

trait ConcMap: Send + Sync + 'static {
    const NAME: &'static str;
    fn new() -> Self;
    fn load(&self, k: u64) -> Option<u64>;
    fn store(&self, k: u64, v: u64);
    fn delete(&self, k: u64);
}

impl ConcMap for gorust_sync::Map<u64, u64> {
    const NAME: &'static str = "gorust Map";
    fn new() -> Self {
        gorust_sync::Map::new()
    }
    fn load(&self, k: u64) -> Option<u64> {
        gorust_sync::Map::load(self, &k)
    }
    fn store(&self, k: u64, v: u64) {
        gorust_sync::Map::store(self, k, v)
    }
    fn delete(&self, k: u64) {
        gorust_sync::Map::delete(self, &k)
    }
}

impl ConcMap for dashmap::DashMap<u64, u64> {
    const NAME: &'static str = "dashmap";
    fn new() -> Self {
        dashmap::DashMap::new()
    }
    fn load(&self, k: u64) -> Option<u64> {
        self.get(&k).map(|v| *v)
    }
    fn store(&self, k: u64, v: u64) {
        self.insert(k, v);
    }
    fn delete(&self, k: u64) {
        self.remove(&k);
    }
}

impl ConcMap for std::sync::RwLock<HashMap<u64, u64>> {
    const NAME: &'static str = "RwLock<HashMap>";
    fn new() -> Self {
        std::sync::RwLock::new(HashMap::new())
    }
    fn load(&self, k: u64) -> Option<u64> {
        self.read().unwrap().get(&k).copied()
    }
    fn store(&self, k: u64, v: u64) {
        self.write().unwrap().insert(k, v);
    }
    fn delete(&self, k: u64) {
        self.write().unwrap().remove(&k);
    }
}

const KEYS: u64 = 1024;
const MAP_OPS: usize = 4_000_000;

/// `load_pct`/`store_pct` out of 100 (the rest deletes); 2 threads; ns per op (wall).
fn map_run<M: ConcMap>(load_pct: u64, store_pct: u64) -> f64 {
    let threads = 2;
    let mut v = Vec::new();
    for _ in 0..runs() {
        let m = Arc::new(M::new());
        for k in 0..KEYS {
            m.store(k, k);
        }
        for k in 0..KEYS {
            let _ = m.load(k); // settle (gorust: promote to the read-only map)
        }
        let ops = size(MAP_OPS) / threads;
        let t = Instant::now();
        let hs: Vec<_> = (0..threads as u64)
            .map(|id| {
                let m = m.clone();
                std::thread::spawn(move || {
                    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (id + 1);
                    let mut hit = 0u64;
                    for _ in 0..ops {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let k = x % KEYS;
                        let dice = (x >> 32) % 100;
                        if dice < load_pct {
                            hit = hit.wrapping_add(m.load(k).unwrap_or(0));
                        } else if dice < load_pct + store_pct {
                            m.store(k, x);
                        } else {
                            m.delete(k);
                        }
                    }
                    std::hint::black_box(hit);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        v.push(t.elapsed());
    }
    ns_per(median(v), size(MAP_OPS))
}

fn map_table() {
    for (name, load, store) in [("read-heavy 99% loads", 99, 1), ("mixed 50/40/10", 50, 40)] {
        let g = map_run::<gorust_sync::Map<u64, u64>>(load, store);
        let d = map_run::<dashmap::DashMap<u64, u64>>(load, store);
        let r = map_run::<std::sync::RwLock<HashMap<u64, u64>>>(load, store);
        type D = dashmap::DashMap<u64, u64>;
        type R = std::sync::RwLock<HashMap<u64, u64>>;
        row(
            &format!("Map {name}, 2 threads"),
            "ns",
            g,
            <D as ConcMap>::NAME,
            d,
        );
        row(
            &format!("Map {name}, 2 threads"),
            "ns",
            g,
            <R as ConcMap>::NAME,
            r,
        );
    }
}

// ---------------------------------------------------------------- pool

fn pool_table() {
    let n = size(4_000_000);
    for kib in [4usize, 64] {
        let bytes = kib * 1024;
        let (mut pv, mut av) = (vec![], vec![]);
        for _ in 0..runs() {
            let pool = gorust_sync::Pool::new(move || Vec::<u8>::with_capacity(bytes));
            let t = Instant::now();
            for i in 0..n {
                let mut b = pool.get();
                b.push(i as u8);
                std::hint::black_box(&b);
                b.clear();
                pool.put(b);
            }
            pv.push(t.elapsed());
            let t = Instant::now();
            for i in 0..n {
                let mut b = Vec::<u8>::with_capacity(bytes);
                b.push(i as u8);
                std::hint::black_box(&b);
            }
            av.push(t.elapsed());
        }
        row(
            &format!("Pool get+put of a {kib} KiB buffer, 1 thread"),
            "ns",
            ns_per(median(pv), n),
            "allocate+drop",
            ns_per(median(av), n),
        );
    }
}

fn main() {
    gorust_benches::header("sync: gorust-sync vs tokio::sync, async-lock, futures::lock, dashmap");
    // `SYNC_BENCH_ONLY=map|pool` runs one section (for quick iterations).
    match std::env::var("SYNC_BENCH_ONLY").as_deref() {
        Ok("map") => return map_table(),
        Ok("pool") => return pool_table(),
        Ok("mutex") => {
            let grt = gorust::runtime::Builder::new()
                .procs(2)
                .build()
                .expect("gorust runtime");
            let f = [
                mutex_figures::<G>(Exec::Gorust, &|f| grt.block_on(f)),
                mutex_figures::<F>(Exec::Gorust, &|f| grt.block_on(f)),
                mutex_figures::<A>(Exec::Gorust, &|f| grt.block_on(f)),
            ];
            for x in f {
                println!(
                    "{}: unc {:.1} ns, cont {:.1} ns, max {:?}, p99 {:?}, sleeper {:?}",
                    x.name, x.uncontended, x.contended, x.max_wait, x.p99_wait, x.sleeper_max
                );
            }
            return;
        }
        _ => {}
    }
    let grt = gorust::runtime::Builder::new()
        .procs(2)
        .build()
        .expect("gorust runtime");
    table(Exec::Gorust, &|f| grt.block_on(f));
    drop(grt);
    let trt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    table(Exec::Tokio, &|f| trt.block_on(f));
    drop(trt);
    map_table();
    pool_table();
}
