//! Timer workloads shared by `time_tokio.rs` and `time_gorust.rs`: the same code under both
//! executors (gorust-timer's heaps are per-P under gorust and on the fallback thread under
//! tokio).

#![allow(dead_code, unreachable_pub)]

use futures::future::BoxFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use gorust_timer::{Timer, after, interval, sleep, timeout};

pub const MS: Duration = Duration::from_millis(1);

/// How to spawn on the executor under test.
#[derive(Clone, Copy)]
pub struct Rt {
    pub spawn: fn(BoxFuture<'static, ()>) -> BoxFuture<'static, ()>,
}

/// `n` tasks sleep a pseudo-random 1..=20 ms each: none wakes early, none is very late.
pub async fn many_sleeps(rt: Rt, n: usize) -> Duration {
    let worst = Arc::new(std::sync::Mutex::new(Duration::ZERO));
    let mut handles = Vec::new();
    for i in 0..n {
        let worst = worst.clone();
        let d = MS * (1 + (i * 7919 % 20) as u32);
        handles.push((rt.spawn)(Box::pin(async move {
            let start = Instant::now();
            sleep(d).await;
            let took = start.elapsed();
            assert!(took >= d, "woke early: {took:?} < {d:?}");
            let mut w = worst.lock().unwrap();
            *w = (*w).max(took - d);
        })));
    }
    for h in handles {
        h.await;
    }
    let w = *worst.lock().unwrap();
    assert!(w < Duration::from_millis(500), "a sleep was {w:?} late");
    w
}

/// `timeout` of a future that is never ready elapses on time; a ready one returns its value.
pub async fn timeouts() {
    let start = Instant::now();
    let r = timeout(10 * MS, std::future::pending::<()>()).await;
    assert!(r.is_err());
    assert!(start.elapsed() >= 10 * MS);
    assert_eq!(timeout(Duration::MAX, async { 3 }).await, Ok(3));
    assert_eq!(timeout(Duration::ZERO, async { 4 }).await, Ok(4));
}

/// `interval`: first tick immediate, then one period apart.
pub async fn intervals() {
    let mut i = interval(3 * MS);
    let t0 = i.tick().await;
    let t1 = i.tick().await;
    let t2 = i.tick().await;
    assert_eq!((t1 - t0, t2 - t1), (3 * MS, 3 * MS));
    assert!(Instant::now() >= t2);
}

/// Go's `Timer.Stop` from another task while the timer fires: for each round exactly one of
/// "stop returned true" and "the waiting task received the value" happens.
pub async fn stop_races(rt: Rt, rounds: usize) -> (usize, usize) {
    let (mut stopped, mut received) = (0, 0);
    for round in 0..rounds {
        let t = Arc::new(Timer::new(Duration::from_micros(
            300 + (round as u64 % 5) * 100,
        )));
        let (done_tx, done_rx) = gorust_chan::make::<bool>(1);
        let got = Arc::new(AtomicUsize::new(0));
        let stop_said = Arc::new(AtomicUsize::new(0));
        let (t2, got2, said2) = (t.clone(), got.clone(), stop_said.clone());
        let waiter = (rt.spawn)(Box::pin(async move {
            gorust_chan::select! {
                _ = &*t2 => { got2.store(1, SeqCst); }
                _ = done_rx.recv() => {}
            }
        }));
        let stopper = (rt.spawn)(Box::pin(async move {
            sleep(Duration::from_micros(200 + (round as u64 % 7) * 60)).await;
            let s = t.stop();
            said2.store(1 + s as usize, SeqCst);
            let _ = done_tx.send(s).await; // the waiter may be gone already (it received)
        }));
        stopper.await;
        waiter.await;
        let s = stop_said.load(SeqCst) == 2;
        let r = got.load(SeqCst) == 1;
        assert!(s != r, "round {round}: stop={s} received={r}");
        if s {
            stopped += 1;
        } else {
            received += 1;
        }
    }
    (stopped, received)
}

/// `after` as a `select!` branch against a silent channel, then against a ready one.
pub async fn after_in_select() {
    let (tx, rx) = gorust_chan::make::<u8>(1);
    let start = Instant::now();
    let quiet = after(5 * MS);
    let timed_out = gorust_chan::select! {
        _ = rx.recv() => false,
        Some(_) = quiet.recv() => true,
    };
    assert!(timed_out && start.elapsed() >= 5 * MS);
    tx.send(9).await.unwrap();
    let late = after(Duration::from_secs(5));
    let v = gorust_chan::select! {
        Some(v) = rx.recv() => v,
        _ = late.recv() => 0,
    };
    assert_eq!(v, 9);
}

/// `tasks` tasks each sleep 1 ms `each` times in a row (the figure: 10 x 1,000 =
/// 10,000 sleeps); returns (median, p99) lateness.
pub async fn lateness_1ms(rt: Rt, tasks: usize, each: usize) -> (Duration, Duration) {
    let all = Arc::new(std::sync::Mutex::new(Vec::with_capacity(tasks * each)));
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let all = all.clone();
        handles.push((rt.spawn)(Box::pin(async move {
            let mut mine = Vec::with_capacity(each);
            for _ in 0..each {
                let start = Instant::now();
                sleep(MS).await;
                mine.push(start.elapsed().saturating_sub(MS));
            }
            all.lock().unwrap().extend(mine);
        })));
    }
    for h in handles {
        h.await;
    }
    let mut v = std::mem::take(&mut *all.lock().unwrap());
    v.sort();
    (v[v.len() / 2], v[v.len() * 99 / 100])
}

/// `tasks` tasks each run `iters` random timer operations (sleep, timeout that must fire,
/// timeout that must not, Timer stop/reset, interval ticks) across the executor's threads;
/// every task finishes and every outcome is the one the durations dictate.
pub async fn mixed_stress(rt: Rt, tasks: usize, iters: usize) {
    let finished = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for t in 0..tasks {
        let finished = finished.clone();
        handles.push((rt.spawn)(Box::pin(async move {
            let mut x = (t as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for _ in 0..iters {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let short = Duration::from_micros(x % 1_000);
                match x % 5 {
                    0 => sleep(short).await,
                    1 => {
                        // The inner sleep is far longer than the deadline: must time out.
                        let r = timeout(short, sleep(Duration::from_secs(5))).await;
                        assert!(r.is_err());
                    }
                    2 => {
                        // The inner sleep is far shorter than the deadline: must complete.
                        let r = timeout(Duration::from_secs(5), sleep(short)).await;
                        assert!(r.is_ok());
                    }
                    3 => {
                        let timer = Timer::new(Duration::from_secs(5));
                        assert!(timer.reset(short), "armed: reset returns true");
                        (&timer).await;
                        assert!(!timer.stop(), "received: stop returns false");
                    }
                    _ => {
                        let mut i = interval(short.max(Duration::from_micros(50)));
                        i.tick().await;
                        i.tick().await;
                    }
                }
            }
            finished.fetch_add(1, SeqCst);
        })));
    }
    for h in handles {
        h.await;
    }
    assert_eq!(finished.load(SeqCst), tasks);
}
