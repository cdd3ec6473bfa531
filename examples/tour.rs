//! A short tour of gorust, self-terminating: goroutines, channels, select, timers.
//!
//! Run it with `cargo run --release --example tour`. It prints what it did and how long each
//! part took on this machine.

use std::time::{Duration, Instant};

use gorust::chan;

/// Go's concurrent prime sieve (test/chan/sieve1.go): a chain of goroutines, one per prime,
/// each filtering the numbers it receives on an unbuffered channel.
async fn sieve(primes: usize) -> Vec<u64> {
    let (tx, mut rx) = chan::make::<u64>(0);
    gorust::go!(async move {
        for i in 2.. {
            if tx.send(i).await.is_err() {
                return;
            }
        }
    });
    let mut found = Vec::with_capacity(primes);
    for _ in 0..primes {
        let prime = rx.recv().await.expect("the generator never stops");
        found.push(prime);
        let (next_tx, next_rx) = chan::make::<u64>(0);
        let input = rx;
        gorust::go!(async move {
            while let Some(n) = input.recv().await {
                if n % prime != 0 && next_tx.send(n).await.is_err() {
                    return;
                }
            }
        });
        rx = next_rx;
    }
    found
}

#[gorust::main]
async fn main() {
    println!(
        "gorust tour: {} Ps (GOMAXPROCS; set GORUST_MAXPROCS to change)",
        gorust::runtime::Handle::current().metrics().procs
    );

    // 1. A hundred thousand goroutines, each sending one value on a buffered channel.
    let t0 = Instant::now();
    let n = 100_000u64;
    let (tx, rx) = chan::make::<u64>(1024);
    for i in 0..n {
        let tx = tx.clone();
        gorust::go!(async move { tx.send(i).await.unwrap() });
    }
    drop(tx);
    let mut sum = 0;
    while let Some(v) = rx.recv().await {
        sum += v;
    }
    assert_eq!(sum, n * (n - 1) / 2);
    println!(
        "1. {n} goroutines sent their ids over a channel: sum {sum} in {:?}",
        t0.elapsed()
    );

    // 2. Unbuffered ping-pong between main and a goroutine: each send is a rendezvous.
    let t0 = Instant::now();
    let rounds = 100_000;
    let (ping_tx, ping_rx) = chan::make::<u32>(0);
    let (pong_tx, pong_rx) = chan::make::<u32>(0);
    gorust::go!(async move {
        while let Some(v) = ping_rx.recv().await {
            pong_tx.send(v + 1).await.unwrap();
        }
    });
    for i in 0..rounds {
        ping_tx.send(i).await.unwrap();
        assert_eq!(pong_rx.recv().await, Some(i + 1));
    }
    let per = t0.elapsed() / rounds;
    println!("2. {rounds} unbuffered round trips main <-> goroutine: {per:?} each");

    // 3. The prime sieve: a pipeline of goroutines.
    let t0 = Instant::now();
    let primes = sieve(100).await;
    println!(
        "3. prime sieve with 100 chained goroutines: ..., {:?} in {:?}",
        &primes[95..],
        t0.elapsed()
    );

    // 4. select! with a timeout, Go's `case <-time.After(d)`.
    let (slow_tx, slow_rx) = chan::make::<&str>(0);
    gorust::go!(async move {
        gorust::time::sleep(Duration::from_millis(50)).await;
        let _ = slow_tx.send("late reply").await;
    });
    let t0 = Instant::now();
    let outcome = gorust::select! {
        v = slow_rx.recv() => format!("got {v:?}"),
        _ = gorust::time::sleep(Duration::from_millis(10)) => "timed out after 10 ms".to_string(),
    };
    println!("4. select with a timeout: {outcome} ({:?})", t0.elapsed());

    // 5. Fair select: four always-ready channels are picked evenly.
    let chans: Vec<_> = (0..4).map(|_| chan::make::<u8>(1)).collect();
    let mut picks = [0u32; 4];
    for _ in 0..40_000 {
        for (tx, _) in &chans {
            let _ = tx.try_send(1);
        }
        let i = gorust::select! {
            _ = chans[0].1.recv() => 0,
            _ = chans[1].1.recv() => 1,
            _ = chans[2].1.recv() => 2,
            _ = chans[3].1.recv() => 3,
        };
        picks[i] += 1;
    }
    println!("5. 40000 selects over 4 ready channels picked each: {picks:?}");

    let m = gorust::runtime::Handle::current().metrics();
    println!(
        "runtime: {} tasks spawned, {} steals, {} M threads started, {} alive now",
        m.spawned_tasks, m.steals, m.threads_started, m.alive_tasks
    );
}
