//! Network benchmarks, gorust (netpoller + G/M/P executor) against tokio (mio + multi-thread
//! runtime), both on 2 workers, on loopback, in one run:
//!
//! - echo throughput: 64 connections x R round trips of 64 bytes (full: R = 10,000), client
//!   and server in the same runtime; wall time per round trip, and p99 round-trip latency;
//! - echo latency: 1 connection, p50 and p99 round trip;
//! - hyper: the same hyper 1.x HTTP/1.1 server (hello world, keep-alive) on gorust (through
//!   `tokio-compat`'s `hyper::rt` impls) and on tokio (through hyper-util's `TokioIo`), loaded
//!   by 32 keep-alive connections of a minimal HTTP client written on each runtime's own TCP
//!   types; wall time per request.
//!
//! `cargo bench -p gorust-benches --bench net` (full size, medians of alternating runs);
//! `cargo test -p gorust-benches --bench net` runs a smoke size once.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use gorust_benches::{full, header, median, ns_per, row, runs, size};

const MSG: usize = 64;
const HTTP_REQ: &[u8] = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

/// What the workloads need from a runtime's networking.
trait Net: 'static {
    type Stream: Send + 'static;
    type Listener: Send + Sync + 'static;
    fn name() -> &'static str;
    fn block_on<F: Future>(f: F) -> F::Output;
    fn spawn<F: Future<Output = T> + Send + 'static, T: Send + 'static>(
        f: F,
    ) -> impl Future<Output = T> + Send;
    fn bind() -> impl Future<Output = Self::Listener>;
    fn addr(l: &Self::Listener) -> SocketAddr;
    fn accept(l: &Self::Listener) -> impl Future<Output = std::io::Result<Self::Stream>> + Send;
    fn connect(a: SocketAddr) -> impl Future<Output = Self::Stream> + Send;
    fn read<'a>(
        s: &'a mut Self::Stream,
        b: &'a mut [u8],
    ) -> impl Future<Output = std::io::Result<usize>> + Send + 'a;
    fn write_all<'a>(
        s: &'a mut Self::Stream,
        b: &'a [u8],
    ) -> impl Future<Output = std::io::Result<()>> + Send + 'a;
    fn serve_hyper(s: Self::Stream) -> impl Future<Output = ()> + Send;
}

async fn hello(
    _req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<bytes::Bytes>>, Infallible> {
    Ok(hyper::Response::new(http_body_util::Full::new(
        bytes::Bytes::from_static(b"Hello, World!"),
    )))
}

struct Gorust;
impl Net for Gorust {
    type Stream = gorust::net::TcpStream;
    type Listener = gorust::net::TcpListener;
    fn name() -> &'static str {
        "gorust"
    }
    fn block_on<F: Future>(f: F) -> F::Output {
        gorust::runtime::Builder::new()
            .procs(2)
            .build()
            .expect("runtime")
            .block_on(f)
    }
    fn spawn<F: Future<Output = T> + Send + 'static, T: Send + 'static>(
        f: F,
    ) -> impl Future<Output = T> + Send {
        let h = gorust::spawn(f);
        async move { h.await.expect("task") }
    }
    async fn bind() -> Self::Listener {
        gorust::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
    }
    fn addr(l: &Self::Listener) -> SocketAddr {
        l.local_addr().unwrap()
    }
    async fn accept(l: &Self::Listener) -> std::io::Result<Self::Stream> {
        let (s, _) = l.accept().await?;
        s.set_nodelay(true)?;
        Ok(s)
    }
    async fn connect(a: SocketAddr) -> Self::Stream {
        let s = gorust::net::TcpStream::connect(a).await.unwrap();
        s.set_nodelay(true).unwrap();
        s
    }
    fn read<'a>(
        s: &'a mut Self::Stream,
        b: &'a mut [u8],
    ) -> impl Future<Output = std::io::Result<usize>> + Send + 'a {
        futures::AsyncReadExt::read(s, b)
    }
    fn write_all<'a>(
        s: &'a mut Self::Stream,
        b: &'a [u8],
    ) -> impl Future<Output = std::io::Result<()>> + Send + 'a {
        futures::AsyncWriteExt::write_all(s, b)
    }
    async fn serve_hyper(s: Self::Stream) {
        let _ = hyper::server::conn::http1::Builder::new()
            .timer(gorust_netpoll::compat::GoTimer)
            .serve_connection(s, hyper::service::service_fn(hello))
            .await;
    }
}

struct Tokio;
impl Net for Tokio {
    type Stream = tokio::net::TcpStream;
    type Listener = tokio::net::TcpListener;
    fn name() -> &'static str {
        "tokio"
    }
    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }
    fn spawn<F: Future<Output = T> + Send + 'static, T: Send + 'static>(
        f: F,
    ) -> impl Future<Output = T> + Send {
        let h = tokio::spawn(f);
        async move { h.await.expect("task") }
    }
    async fn bind() -> Self::Listener {
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
    }
    fn addr(l: &Self::Listener) -> SocketAddr {
        l.local_addr().unwrap()
    }
    async fn accept(l: &Self::Listener) -> std::io::Result<Self::Stream> {
        let (s, _) = l.accept().await?;
        s.set_nodelay(true)?;
        Ok(s)
    }
    async fn connect(a: SocketAddr) -> Self::Stream {
        let s = tokio::net::TcpStream::connect(a).await.unwrap();
        s.set_nodelay(true).unwrap();
        s
    }
    fn read<'a>(
        s: &'a mut Self::Stream,
        b: &'a mut [u8],
    ) -> impl Future<Output = std::io::Result<usize>> + Send + 'a {
        tokio::io::AsyncReadExt::read(s, b)
    }
    fn write_all<'a>(
        s: &'a mut Self::Stream,
        b: &'a [u8],
    ) -> impl Future<Output = std::io::Result<()>> + Send + 'a {
        tokio::io::AsyncWriteExt::write_all(s, b)
    }
    async fn serve_hyper(s: Self::Stream) {
        let _ = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .serve_connection(
                hyper_util::rt::TokioIo::new(s),
                hyper::service::service_fn(hello),
            )
            .await;
    }
}

async fn read_exact<N: Net>(s: &mut N::Stream, mut b: &mut [u8]) -> std::io::Result<()> {
    while !b.is_empty() {
        let n = N::read(s, b).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        b = &mut b[n..];
    }
    Ok(())
}

/// Spawns an accept loop running `per_conn` on every connection.
async fn server<N: Net, F, Fut>(per_conn: F) -> SocketAddr
where
    F: Fn(N::Stream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let l = N::bind().await;
    let addr = N::addr(&l);
    drop(N::spawn(async move {
        while let Ok(s) = N::accept(&l).await {
            drop(N::spawn(per_conn(s)));
        }
    }));
    addr
}

async fn echo_conn<N: Net>(mut s: N::Stream) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = N::read(&mut s, &mut buf).await {
        if n == 0 || N::write_all(&mut s, &buf[..n]).await.is_err() {
            return;
        }
    }
}

/// `conns` clients x `rounds` round trips; returns (wall time, sorted latencies).
fn echo<N: Net>(conns: usize, rounds: usize) -> (Duration, Vec<Duration>) {
    N::block_on(async move {
        let addr = server::<N, _, _>(echo_conn::<N>).await;
        let start = Instant::now();
        let clients: Vec<_> = (0..conns)
            .map(|_| {
                N::spawn(async move {
                    let mut c = N::connect(addr).await;
                    let msg = [7u8; MSG];
                    let mut buf = [0u8; MSG];
                    let mut lat = Vec::with_capacity(rounds);
                    for _ in 0..rounds {
                        let t = Instant::now();
                        N::write_all(&mut c, &msg).await.unwrap();
                        read_exact::<N>(&mut c, &mut buf).await.unwrap();
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        let mut all = Vec::with_capacity(conns * rounds);
        for c in clients {
            all.extend(c.await);
        }
        let wall = start.elapsed();
        all.sort_unstable();
        (wall, all)
    })
}

/// Reads one HTTP/1.1 response with a content-length (hyper's hello world).
async fn read_response<N: Net>(s: &mut N::Stream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.clear();
    let mut chunk = [0u8; 1024];
    loop {
        let n = N::read(s, &mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(h) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..h]).unwrap().to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if buf.len() >= h + 4 + len {
                return Ok(());
            }
        }
    }
}

/// `conns` keep-alive connections x `reqs` requests against the hyper server; wall time.
fn hyper_load<N: Net>(conns: usize, reqs: usize) -> Duration {
    N::block_on(async move {
        let addr = server::<N, _, _>(N::serve_hyper).await;
        let start = Instant::now();
        let clients: Vec<_> = (0..conns)
            .map(|_| {
                N::spawn(async move {
                    let mut c = N::connect(addr).await;
                    let mut buf = Vec::with_capacity(256);
                    for _ in 0..reqs {
                        N::write_all(&mut c, HTTP_REQ).await.unwrap();
                        read_response::<N>(&mut c, &mut buf).await.unwrap();
                    }
                })
            })
            .collect();
        for c in clients {
            c.await;
        }
        start.elapsed()
    })
}

/// Starts a hyper server on `N` in a background thread (it lives until the process exits,
/// idle) and returns its address.
fn hyper_server_thread<N: Net>() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        N::block_on(async move {
            let addr = server::<N, _, _>(N::serve_hyper).await;
            tx.send(addr).unwrap();
            std::future::pending::<()>().await
        })
    });
    rx.recv().unwrap()
}

/// Runs `wrk` (a real load generator, when installed) against `addr`; requests/s.
fn wrk(addr: SocketAddr, secs: u32) -> Option<f64> {
    let out = std::process::Command::new("wrk")
        .args([
            "-t1",
            "-c64",
            &format!("-d{secs}s"),
            &format!("http://{addr}/"),
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    header("net: gorust vs tokio (2 workers each, loopback)");
    let conns = 64;
    let rounds = size(10_000);
    let lat_rounds = size(20_000);
    let http_conns = 32;
    let http_reqs = size(5_000);

    let (mut g_wall, mut t_wall, mut g_p99, mut t_p99) = (vec![], vec![], vec![], vec![]);
    let (mut g_l50, mut g_l99, mut t_l50, mut t_l99) = (vec![], vec![], vec![], vec![]);
    let (mut g_http, mut t_http) = (vec![], vec![]);
    for _ in 0..runs() {
        let (w, l) = echo::<Gorust>(conns, rounds);
        g_wall.push(w);
        g_p99.push(pct(&l, 0.99));
        let (w, l) = echo::<Tokio>(conns, rounds);
        t_wall.push(w);
        t_p99.push(pct(&l, 0.99));
        let (_, l) = echo::<Gorust>(1, lat_rounds);
        g_l50.push(pct(&l, 0.5));
        g_l99.push(pct(&l, 0.99));
        let (_, l) = echo::<Tokio>(1, lat_rounds);
        t_l50.push(pct(&l, 0.5));
        t_l99.push(pct(&l, 0.99));
        g_http.push(hyper_load::<Gorust>(http_conns, http_reqs));
        t_http.push(hyper_load::<Tokio>(http_conns, http_reqs));
    }
    let total = conns * rounds;
    let (gw, tw) = (median(g_wall), median(t_wall));
    row(
        &format!("echo {conns} conns x {rounds} x {MSG} B, per round trip"),
        "ns",
        ns_per(gw, total),
        Tokio::name(),
        ns_per(tw, total),
    );
    row(
        "echo 64 conns, p99 round trip",
        "us",
        us(median(g_p99)),
        Tokio::name(),
        us(median(t_p99)),
    );
    row(
        "echo 1 conn, p50 round trip",
        "us",
        us(median(g_l50)),
        Tokio::name(),
        us(median(t_l50)),
    );
    row(
        "echo 1 conn, p99 round trip",
        "us",
        us(median(g_l99)),
        Tokio::name(),
        us(median(t_l99)),
    );
    let reqs = http_conns * http_reqs;
    let (gh, th) = (median(g_http), median(t_http));
    row(
        &format!("hyper hello, {http_conns} keep-alive conns, per request"),
        "ns",
        ns_per(gh, reqs),
        Tokio::name(),
        ns_per(th, reqs),
    );
    println!();
    println!(
        "echo throughput: gorust {:.0} rt/s, tokio {:.0} rt/s; hyper: gorust {:.0} req/s, tokio {:.0} req/s",
        total as f64 / gw.as_secs_f64(),
        total as f64 / tw.as_secs_f64(),
        reqs as f64 / gh.as_secs_f64(),
        reqs as f64 / th.as_secs_f64()
    );
    // An external load generator against the same hyper server on each runtime.
    if full() {
        let (g, t) = (
            hyper_server_thread::<Gorust>(),
            hyper_server_thread::<Tokio>(),
        );
        let (mut gw, mut tw) = (vec![], vec![]);
        for _ in 0..runs() {
            if let (Some(a), Some(b)) = (wrk(g, 4), wrk(t, 4)) {
                gw.push(a);
                tw.push(b);
            }
        }
        if gw.is_empty() {
            println!(
                "wrk not found: skipped the external load-generator row (apt-get install wrk)"
            );
        } else {
            gw.sort_by(f64::total_cmp);
            tw.sort_by(f64::total_cmp);
            let (gm, tm) = (gw[gw.len() / 2], tw[tw.len() / 2]);
            println!(
                "wrk -t1 -c64 -d4s against hyper hello: gorust {gm:.0} req/s, tokio {tm:.0} req/s (gorust/tokio {:.2}, higher is better)",
                gm / tm
            );
        }
    }
    if !full() {
        println!("(smoke mode: run `cargo bench -p gorust-benches --bench net` for real figures)");
    }
}
