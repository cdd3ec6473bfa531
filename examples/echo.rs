//! A TCP echo server plus a built-in load client, on gorust: 64 connections x N round trips
//! of 64 bytes on loopback, then a 1-connection latency run. Prints round trips per second
//! and p50/p99 latency, and exits by itself in a few seconds.
//!
//! ```text
//! cargo run --release --example echo                # default: 64 conns x 2,000 round trips
//! cargo run --release --example echo -- 64 10000    # conns, round trips per connection
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use gorust::net::{TcpListener, TcpStream};

const MSG: usize = 64;

async fn serve(listener: TcpListener) {
    loop {
        let Ok((mut s, _)) = listener.accept().await else {
            continue; // EMFILE and friends: keep serving
        };
        gorust::spawn(async move {
            let _ = s.set_nodelay(true);
            let mut buf = [0u8; 4096];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if s.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

/// One client connection: `rounds` round trips, returns each round trip's latency.
async fn client(addr: SocketAddr, rounds: usize) -> std::io::Result<Vec<Duration>> {
    let mut c = TcpStream::connect(addr).await?;
    c.set_nodelay(true)?;
    let msg = [7u8; MSG];
    let mut buf = [0u8; MSG];
    let mut lat = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        c.write_all(&msg).await?;
        c.read_exact(&mut buf).await?;
        lat.push(t.elapsed());
    }
    Ok(lat)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

async fn load(
    addr: SocketAddr,
    conns: usize,
    rounds: usize,
) -> std::io::Result<(f64, Duration, Duration)> {
    let start = Instant::now();
    let handles: Vec<_> = (0..conns)
        .map(|_| gorust::spawn(client(addr, rounds)))
        .collect();
    let mut all = Vec::with_capacity(conns * rounds);
    for h in handles {
        all.extend(h.await.expect("client task panicked")?);
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    Ok((
        all.len() as f64 / secs,
        percentile(&all, 0.50),
        percentile(&all, 0.99),
    ))
}

#[gorust::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let conns: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    gorust::spawn(serve(listener));
    println!("gorust echo server on {addr}");

    let (rps, p50, p99) = load(addr, conns, rounds).await?;
    println!(
        "{conns} connections x {rounds} round trips of {MSG} B: {rps:.0} round trips/s, p50 {:.1} us, p99 {:.1} us",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    let (_, p50, p99) = load(addr, 1, rounds.min(5_000)).await?;
    println!(
        "1 connection: p50 {:.1} us, p99 {:.1} us",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    Ok(())
}
