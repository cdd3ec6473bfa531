//! One echo workload on one runtime, for profiling the netpoller hand-off under `perf`:
//!
//! ```text
//! cargo build --release -p gorust-benches --example netlab
//! perf stat -e context-switches,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_pwait2 \
//!     target/release/examples/netlab gorust 64 5000
//! target/release/examples/netlab tokio 1 20000
//! ```
//!
//! Prints round trips per second and the latency percentiles (p50, p99, p99.9, max).
//! `netlab serve-gorust ADDR` / `netlab serve-tokio ADDR` serve the benches' hyper hello world
//! until killed, for `wrk` and `perf record -p`.
//! `PROCS=n` sets gorust's P count (default 2, as tokio's 2 workers).

use std::net::SocketAddr;
use std::time::Instant;

const MSG: usize = 64;

macro_rules! workload {
    ($spawn:path, $listener:ty, $stream:ty, $read:path, $write_all:path, $conns:expr, $rounds:expr) => {{
        let l = <$listener>::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = l.local_addr().unwrap();
        $spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                s.set_nodelay(true).unwrap();
                $spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = $read(&mut s, &mut buf).await {
                        if n == 0 || $write_all(&mut s, &buf[..n]).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        let start = Instant::now();
        let hs: Vec<_> = (0..$conns)
            .map(|_| {
                $spawn(async move {
                    let mut c = <$stream>::connect(addr).await.unwrap();
                    c.set_nodelay(true).unwrap();
                    let msg = [7u8; MSG];
                    let mut lat = Vec::with_capacity($rounds);
                    for _ in 0..$rounds {
                        let t = Instant::now();
                        $write_all(&mut c, &msg).await.unwrap();
                        let mut got = 0;
                        let mut buf = [0u8; MSG];
                        while got < MSG {
                            let n = $read(&mut c, &mut buf[got..]).await.unwrap();
                            assert!(n > 0, "eof");
                            got += n;
                        }
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in hs {
            all.extend(h.await.unwrap());
        }
        (start.elapsed(), all)
    }};
}

async fn hello(
    _req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<bytes::Bytes>>, std::convert::Infallible> {
    Ok(hyper::Response::new(http_body_util::Full::new(
        bytes::Bytes::from_static(b"Hello, World!"),
    )))
}

fn serve(rt: &str, addr: &str) {
    let addr: SocketAddr = addr.parse().expect("ADDR");
    match rt {
        "serve-gorust" => gorust::runtime::Builder::new()
            .procs(2)
            .build()
            .unwrap()
            .block_on(async move {
                let l = gorust::net::TcpListener::bind(addr).await.unwrap();
                while let Ok((s, _)) = l.accept().await {
                    gorust::spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .timer(gorust_netpoll::compat::GoTimer)
                            .serve_connection(s, hyper::service::service_fn(hello))
                            .await;
                    });
                }
            }),
        _ => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let l = tokio::net::TcpListener::bind(addr).await.unwrap();
                while let Ok((s, _)) = l.accept().await {
                    tokio::spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .timer(hyper_util::rt::TokioTimer::new())
                            .serve_connection(
                                hyper_util::rt::TokioIo::new(s),
                                hyper::service::service_fn(hello),
                            )
                            .await;
                    });
                }
            }),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rt = args.next().unwrap_or_else(|| "gorust".into());
    if rt.starts_with("serve-") {
        return serve(
            &rt,
            &args.next().unwrap_or_else(|| "127.0.0.1:18080".into()),
        );
    }
    let conns: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let (wall, mut lat) = match rt.as_str() {
        "gorust" => gorust::runtime::Builder::new()
            .procs(
                std::env::var("PROCS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(2),
            )
            .build()
            .unwrap()
            .block_on(async {
                workload!(
                    gorust::spawn,
                    gorust::net::TcpListener,
                    gorust::net::TcpStream,
                    futures::AsyncReadExt::read,
                    futures::AsyncWriteExt::write_all,
                    conns,
                    rounds
                )
            }),
        "tokio" => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                workload!(
                    tokio::spawn,
                    tokio::net::TcpListener,
                    tokio::net::TcpStream,
                    tokio::io::AsyncReadExt::read,
                    tokio::io::AsyncWriteExt::write_all,
                    conns,
                    rounds
                )
            }),
        other => panic!("unknown runtime {other}: gorust or tokio"),
    };
    lat.sort_unstable();
    let p = |q: f64| lat[((lat.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    let n = lat.len();
    println!(
        "{rt} {conns}x{rounds}: {:.0} rt/s, p10 {:.0} p50 {:.1} us, p90 {:.0} p95 {:.0} p99 {:.1} us, p99.9 {:.1} us, max {:.1} us",
        n as f64 / wall.as_secs_f64(),
        p(0.1),
        p(0.5),
        p(0.9),
        p(0.95),
        p(0.99),
        p(0.999),
        p(1.0)
    );
}
