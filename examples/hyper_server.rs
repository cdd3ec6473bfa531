//! A hyper 1.x HTTP/1.1 server and client on gorust, with no tokio runtime started: hyper's
//! `rt` traits come from gorust (`tokio-compat`: `hyper::rt::{Read, Write}` on
//! `gorust::net::TcpStream`, `GoTimer` on gorust's timer heap, and an executor that is one line
//! over `gorust::spawn`).
//!
//! By default it serves on 127.0.0.1 (a free port), runs a built-in keep-alive load client
//! (hyper's own client, 32 connections) for about two seconds, prints requests/s, and exits.
//! With `--serve [ADDR]` it serves until killed, for an external load generator:
//!
//! ```text
//! cargo run --release --features tokio-compat --example hyper_server
//! cargo run --release --features tokio-compat --example hyper_server -- --serve 127.0.0.1:8080
//! wrk -t2 -c64 -d10s http://127.0.0.1:8080/
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::{Request, Response};

/// hyper's executor trait over `gorust::spawn` (what `gorust::compat` provides).
#[derive(Clone, Copy, Debug)]
struct GoExecutor;

impl<F> hyper::rt::Executor<F> for GoExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        drop(gorust::spawn(fut));
    }
}

async fn hello(_req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

async fn serve(listener: gorust::net::TcpListener) {
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                // EMFILE and friends: report, back off a little, keep serving.
                eprintln!("accept: {e}");
                gorust::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        gorust::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(gorust_netpoll::compat::GoTimer)
                .serve_connection(stream, hyper::service::service_fn(hello))
                .await;
        });
    }
}

/// One keep-alive client connection sending GETs until `stop`; counts responses.
async fn client(
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let stream = gorust::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(stream).await?;
    hyper::rt::Executor::execute(&GoExecutor, async move {
        let _ = conn.await;
    });
    while !stop.load(Ordering::Relaxed) {
        let req = Request::get(format!("http://{addr}/")).body(Empty::<Bytes>::new())?;
        sender.ready().await?;
        let res = sender.send_request(req).await?;
        assert_eq!(res.status(), 200);
        let body = res.into_body().collect().await?.to_bytes();
        assert_eq!(&body[..], b"Hello, World!");
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

#[gorust::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        let addr = args.get(1).map_or("127.0.0.1:8080", String::as_str);
        let listener = gorust::net::TcpListener::bind(addr).await?;
        println!(
            "hyper on gorust serving http://{}/ (Ctrl-C to stop)",
            listener.local_addr()?
        );
        serve(listener).await;
        return Ok(());
    }

    let listener = gorust::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    gorust::spawn(serve(listener));
    println!("hyper on gorust serving http://{addr}/");

    let conns = 32;
    let secs = 2;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let clients: Vec<_> = (0..conns)
        .map(|_| gorust::spawn(client(addr, stop.clone(), done.clone())))
        .collect();
    gorust::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await
            .expect("client task panicked")
            .map_err(std::io::Error::other)?;
    }
    let n = done.load(Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "hyper client -> hyper server, {conns} keep-alive connections, {elapsed:.1} s: {n} requests, {:.0} requests/s",
        n as f64 / elapsed
    );
    Ok(())
}
