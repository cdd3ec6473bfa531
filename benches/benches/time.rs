//! Timer benchmarks, gorust (per-P four-ary heaps, `gorust::time`) against tokio's timer
//! wheel (`tokio::time`), both on 2 workers, in one run:
//!
//! - create+cancel: 1,000,000 sleeps created and registered (first poll), half of them
//!   cancelled (dropped) before they fire, the rest awaited; the cost per timer of the
//!   create/register/cancel phase, and the wall time of the whole workload;
//! - sleep accuracy: 10,000 sleeps of 1 ms (10 tasks x 1,000 in a row), median and p99
//!   lateness (also for gorust-timer's fallback thread used under tokio);
//! - 1,000,000 concurrent sleeping tasks: wall time until all woke, live bytes per task;
//! - memory per timer: `size_of` of the future, and live heap bytes and allocations per
//!   registered timer (a counting global allocator), 100,000 timers.
//!
//! `cargo bench -p gorust-benches --bench time` (full size, medians of alternating runs);
//! `cargo test -p gorust-benches --bench time` runs a smoke size once.

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use gorust_benches::{full, header, median, ns_per, row, runs, size};

/// Counts live heap bytes and allocations, to measure memory per timer and per task.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to `System` unchanged; the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Relaxed);
        ALLOCS.fetch_add(1, Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        ALLOCS.fetch_add(1, Relaxed);
        // SAFETY: the caller's contract for `realloc` is passed on as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// One timer implementation, so one workload body serves both.
trait Timers: 'static {
    type Sleep: Future<Output = ()> + Send + 'static;
    fn sleep(d: Duration) -> Self::Sleep;
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F);
    fn unconstrained<F: Future + Unpin>(f: F) -> impl Future<Output = F::Output>;
}

struct Gorust;
impl Timers for Gorust {
    type Sleep = gorust::time::Sleep;
    fn sleep(d: Duration) -> Self::Sleep {
        gorust::time::sleep(d)
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(gorust::spawn(f));
    }
    fn unconstrained<F: Future + Unpin>(f: F) -> impl Future<Output = F::Output> {
        Unconstrained(f)
    }
}

struct Tokio;
impl Timers for Tokio {
    type Sleep = tokio::time::Sleep;
    fn sleep(d: Duration) -> Self::Sleep {
        tokio::time::sleep(d)
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(tokio::spawn(f));
    }
    fn unconstrained<F: Future + Unpin>(f: F) -> impl Future<Output = F::Output> {
        tokio::task::unconstrained(f)
    }
}

/// gorust-timer's sleeps on tokio's executor (the fallback driver thread).
struct GorustOnTokio;
impl Timers for GorustOnTokio {
    type Sleep = gorust::time::Sleep;
    fn sleep(d: Duration) -> Self::Sleep {
        gorust::time::sleep(d)
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(tokio::spawn(f));
    }
    fn unconstrained<F: Future + Unpin>(f: F) -> impl Future<Output = F::Output> {
        tokio::task::unconstrained(f)
    }
}

fn gorust_rt() -> gorust::runtime::Runtime {
    gorust::runtime::Builder::new()
        .procs(2)
        .build()
        .expect("gorust runtime")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The base of the long deadlines: 500 ms at full size, 20 ms in a smoke run.
fn base_ms() -> u64 {
    static BASE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *BASE.get_or_init(|| if full() { 500 } else { 20 })
}

/// Polls `make(i)` for `i in 0..n` once each in the current task with the cooperative
/// budget lifted (both runtimes' `Sleep` spends one unit per poll and returns `Pending`
/// without registering once 128 are spent); `keep` stores them.
async fn register<T: Timers, S: Future + ?Sized>(
    n: usize,
    mut make: impl FnMut(usize) -> Pin<Box<S>>,
    mut keep: impl FnMut(usize, Pin<Box<S>>),
) {
    T::unconstrained(std::future::poll_fn(|cx| {
        for j in 0..n {
            let mut s = make(j);
            assert!(s.as_mut().poll(cx).is_pending());
            keep(j, s);
        }
        Poll::Ready(())
    }))
    .await;
}

/// Polls `F` with gorust's cooperative budget lifted (tokio's `task::unconstrained`).
struct Unconstrained<F>(F);

impl<F: Future + Unpin> Future for Unconstrained<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let saved = gorust_hooks::coop::set_budget(gorust_hooks::coop::UNCONSTRAINED);
        let r = Pin::new(&mut self.0).poll(cx);
        gorust_hooks::coop::set_budget(saved);
        r
    }
}

/// Creates and registers `n` sleeps (deadlines spread over base..base+100 ms), drops every
/// other one, then awaits the rest. Returns (create/register/cancel phase, whole workload).
async fn create_cancel<T: Timers>(n: usize) -> (Duration, Duration) {
    let start = Instant::now();
    let mut kept = Vec::with_capacity(n / 2 + 1);
    register::<T, T::Sleep>(
        n,
        |i| {
            let d =
                Duration::from_millis(base_ms()) + Duration::from_micros((i % 1000) as u64 * 100);
            Box::pin(T::sleep(d))
        },
        |i, s| {
            if i % 2 == 0 {
                kept.push(s);
            } // else: cancelled (dropped) before it fires
        },
    )
    .await;
    let phase = start.elapsed();
    for s in kept {
        s.await;
    }
    (phase, start.elapsed())
}

/// `tasks` tasks sleep 1 ms `each` times in a row; returns every lateness.
async fn lateness<T: Timers>(tasks: usize, each: usize) -> Vec<Duration> {
    let all = Arc::new(Mutex::new(Vec::with_capacity(tasks * each)));
    let (tx, rx) = futures::channel::mpsc::unbounded::<()>();
    for _ in 0..tasks {
        let (all, tx) = (all.clone(), tx.clone());
        T::spawn(async move {
            let mut mine = Vec::with_capacity(each);
            for _ in 0..each {
                let t0 = Instant::now();
                T::sleep(Duration::from_millis(1)).await;
                mine.push(t0.elapsed().saturating_sub(Duration::from_millis(1)));
            }
            all.lock().unwrap().extend(mine);
            drop(tx);
        });
    }
    drop(tx);
    futures::StreamExt::for_each(rx, |_| async {}).await;
    let mut v = std::mem::take(&mut *all.lock().unwrap());
    v.sort_unstable();
    v
}

/// `n` tasks each sleep ~2 x base; returns (wall time until all woke, live bytes per task while
/// they all sleep).
async fn concurrent_sleepers<T: Timers>(n: usize) -> (Duration, f64) {
    let base = LIVE.load(Relaxed);
    let start = Instant::now();
    let (tx, rx) = futures::channel::mpsc::unbounded::<()>();
    let registered = Arc::new(AtomicUsize::new(0));
    for i in 0..n {
        let (tx, registered) = (tx.clone(), registered.clone());
        let d = Duration::from_millis(2 * base_ms() + (i % 100) as u64);
        T::spawn(async move {
            let mut s = std::pin::pin!(T::sleep(d));
            // First poll registers the timer; then count it and sleep.
            std::future::poll_fn(|cx| {
                let _ = s.as_mut().poll(cx);
                Poll::Ready(())
            })
            .await;
            registered.fetch_add(1, Relaxed);
            s.await;
            drop(tx);
        });
    }
    drop(tx);
    // Read the memory once every task has registered its timer.
    while registered.load(Relaxed) < n {
        T::sleep(Duration::from_millis(1)).await;
    }
    let per_task = LIVE.load(Relaxed).saturating_sub(base) as f64 / n as f64;
    futures::StreamExt::for_each(rx, |_| async {}).await;
    (start.elapsed(), per_task)
}

/// Live bytes and allocations per registered timer (boxed, as a `Vec` of pinned sleeps).
async fn memory<T: Timers>(n: usize) -> (f64, f64) {
    let (b0, a0) = (LIVE.load(Relaxed), ALLOCS.load(Relaxed));
    let mut v = Vec::with_capacity(n);
    register::<T, T::Sleep>(
        n,
        |_| Box::pin(T::sleep(Duration::from_secs(3600))),
        |_, s| v.push(s),
    )
    .await;
    let bytes = LIVE.load(Relaxed).saturating_sub(b0) as f64 / n as f64;
    let allocs = ALLOCS.load(Relaxed).saturating_sub(a0) as f64 / n as f64;
    drop(v);
    (bytes, allocs)
}

fn pct(v: &[Duration], p: usize) -> Duration {
    v[(v.len() * p / 100).min(v.len() - 1)]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    header("timers: gorust::time (per-P four-ary heaps) vs tokio::time (wheel), 2 workers");
    let g = gorust_rt();
    let t = tokio_rt();

    // create+cancel
    let n = size(1_000_000);
    let (mut gp, mut gw, mut tp, mut tw, mut fp) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..runs() {
        let (p, w) = g.block_on(create_cancel::<Gorust>(n));
        gp.push(p);
        gw.push(w);
        let (p, w) = t.block_on(create_cancel::<Tokio>(n));
        tp.push(p);
        tw.push(w);
        let (p, _) = t.block_on(create_cancel::<GorustOnTokio>(n));
        fp.push(p);
    }
    row(
        &format!("create+register+cancel {n} timers (half cancelled)"),
        "ns/timer",
        ns_per(median(gp), n),
        "tokio",
        ns_per(median(tp.clone()), n),
    );
    row(
        "  gorust-timer on tokio (fallback heap), create+register+cancel",
        "ns/timer",
        ns_per(median(fp), n),
        "tokio",
        ns_per(median(tp.clone()), n),
    );
    row(
        &format!(
            "  whole workload (half awaited, deadlines {}-{} ms)",
            base_ms(),
            base_ms() + 100
        ),
        "ms",
        median(gw).as_secs_f64() * 1e3,
        "tokio",
        median(tw).as_secs_f64() * 1e3,
    );

    // accuracy
    let each = if full() { 1_000 } else { 10 };
    let acc_runs = runs().min(3);
    let (mut gm, mut g99, mut tm, mut t99, mut fm, mut f99) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..acc_runs {
        let v = g.block_on(lateness::<Gorust>(10, each));
        gm.push(pct(&v, 50));
        g99.push(pct(&v, 99));
        let v = t.block_on(lateness::<Tokio>(10, each));
        tm.push(pct(&v, 50));
        t99.push(pct(&v, 99));
        let v = t.block_on(lateness::<GorustOnTokio>(10, each));
        fm.push(pct(&v, 50));
        f99.push(pct(&v, 99));
    }
    let samples = 10 * each;
    row(
        &format!("1 ms sleep lateness, median ({samples} sleeps)"),
        "us",
        us(median(gm)),
        "tokio",
        us(median(tm.clone())),
    );
    row(
        &format!("1 ms sleep lateness, p99 ({samples} sleeps)"),
        "us",
        us(median(g99)),
        "tokio",
        us(median(t99.clone())),
    );
    row(
        "  gorust-timer on tokio (fallback thread), median",
        "us",
        us(median(fm)),
        "tokio",
        us(median(tm)),
    );
    row(
        "  gorust-timer on tokio (fallback thread), p99",
        "us",
        us(median(f99)),
        "tokio",
        us(median(t99)),
    );

    // concurrent sleepers
    let n = size(1_000_000);
    let (mut gw, mut gb, mut tw, mut tb) = (vec![], vec![], vec![], vec![]);
    for _ in 0..runs().min(3) {
        let (w, b) = g.block_on(concurrent_sleepers::<Gorust>(n));
        gw.push(w);
        gb.push(Duration::from_nanos(b as u64));
        let (w, b) = t.block_on(concurrent_sleepers::<Tokio>(n));
        tw.push(w);
        tb.push(Duration::from_nanos(b as u64));
    }
    row(
        &format!(
            "{n} concurrent sleeping tasks (~{} ms), wall",
            2 * base_ms()
        ),
        "ms",
        median(gw).as_secs_f64() * 1e3,
        "tokio",
        median(tw).as_secs_f64() * 1e3,
    );
    row(
        "  live bytes per sleeping task (task + timer)",
        "B",
        median(gb).as_nanos() as f64,
        "tokio",
        median(tb).as_nanos() as f64,
    );

    // memory per timer
    let n = size(100_000);
    let (gbytes, gallocs) = g.block_on(memory::<Gorust>(n));
    let (tbytes, tallocs) = t.block_on(memory::<Tokio>(n));
    row(
        "size_of::<Sleep>()",
        "B",
        std::mem::size_of::<gorust::time::Sleep>() as f64,
        "tokio",
        std::mem::size_of::<tokio::time::Sleep>() as f64,
    );
    row(
        "live heap bytes per registered timer (boxed Sleep + entry + heap slot)",
        "B",
        gbytes,
        "tokio",
        tbytes,
    );
    row(
        "heap allocations per registered timer",
        "allocs",
        gallocs,
        "tokio",
        tallocs,
    );
}
