//! Workloads shared by `sync_tokio.rs` and `sync_gorust.rs`: the same gorust-sync programs on
//! both executors through a tiny runtime interface (spawn + sleep).
//!
//! The starvation workload is the proof: 8 tasks hammer one Mutex while a 9th sleeps
//! between attempts; every task's lock waits are recorded, the max and p99 printed, and the
//! sleeper's worst wait asserted loosely (starvation mode bounds it where a barging lock does
//! not). The cancel stress drops lock/acquire futures mid-wait and checks nothing leaks.

#![allow(dead_code)]

use futures::future::BoxFuture;
use gorust_chan::select;
use gorust_sync::context::{self, Error};
use gorust_sync::{Cond, Mutex, RwLock, Semaphore, WaitGroup, errgroup, singleflight};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a workload needs from an executor.
#[derive(Clone, Copy)]
pub(crate) struct Rt {
    /// Spawns a task; the returned future completes when it did (panics propagate).
    pub(crate) spawn: fn(BoxFuture<'static, ()>) -> BoxFuture<'static, ()>,
    /// Sleeps.
    pub(crate) sleep: fn(Duration) -> BoxFuture<'static, ()>,
}

/// Yields once (wakes itself), so tasks interleave inside critical sections.
pub(crate) async fn yield_now() {
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

/// 8 tasks x `iters` increments, yielding while holding the lock half of the time.
pub(crate) async fn mutex_hammer(rt: Rt, iters: usize) {
    let m = Arc::new(Mutex::new(0usize));
    let mut hs = Vec::new();
    for t in 0..8 {
        let m = m.clone();
        hs.push((rt.spawn)(Box::pin(async move {
            for i in 0..iters {
                let mut g = m.lock().await;
                let v = *g;
                if (t + i) % 2 == 0 {
                    yield_now().await;
                }
                *g = v + 1;
            }
        })));
    }
    for h in hs {
        h.await;
    }
    assert_eq!(*m.lock().await, 8 * iters);
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// The starvation workload (see the module docs). Returns (sleeper max, sleeper p99,
/// hammers' max, hammers' p99).
pub(crate) async fn starvation(rt: Rt, run_for: Duration) -> [Duration; 4] {
    let m = Arc::new(Mutex::new(0u64));
    let stop = Arc::new(AtomicBool::new(false));
    let waits = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut hs = Vec::new();
    for _ in 0..8 {
        let (m, stop, waits) = (m.clone(), stop.clone(), waits.clone());
        hs.push((rt.spawn)(Box::pin(async move {
            let mut mine = Vec::new();
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let mut g = m.lock().await;
                mine.push(t.elapsed());
                *g += 1;
                let spin = Instant::now();
                while spin.elapsed() < Duration::from_micros(2) {
                    std::hint::spin_loop();
                }
                drop(g);
                n += 1;
                if n.is_multiple_of(64) {
                    yield_now().await; // stay a good citizen of the executor
                }
            }
            waits.lock().unwrap().extend(mine);
        })));
    }
    let mut sleeper = Vec::new();
    let start = Instant::now();
    while start.elapsed() < run_for {
        (rt.sleep)(Duration::from_micros(500)).await;
        let t = Instant::now();
        let g = m.lock().await;
        sleeper.push(t.elapsed());
        drop(g);
    }
    stop.store(true, Ordering::Relaxed);
    for h in hs {
        h.await;
    }
    let mut hammer = std::mem::take(&mut *waits.lock().unwrap());
    let r = [
        percentile(&mut sleeper, 1.0),
        percentile(&mut sleeper, 0.99),
        percentile(&mut hammer, 1.0),
        percentile(&mut hammer, 0.99),
    ];
    println!(
        "mutex starvation: sleeper max {:?} p99 {:?} ({} locks); hammers max {:?} p99 {:?} ({} locks)",
        r[0],
        r[1],
        sleeper.len(),
        r[2],
        r[3],
        hammer.len()
    );
    r
}

/// Lock and acquire futures dropped mid-wait (inside a timeout) leak nothing.
pub(crate) async fn cancel_stress(rt: Rt, tasks: usize, iters: usize) {
    let m = Arc::new(Mutex::new(0usize));
    let sem = Arc::new(Semaphore::new(3));
    let rw = Arc::new(RwLock::new(0usize));
    let done = Arc::new(AtomicUsize::new(0));
    let mut hs = Vec::new();
    for t in 0..tasks {
        let (m, sem, rw, done) = (m.clone(), sem.clone(), rw.clone(), done.clone());
        hs.push((rt.spawn)(Box::pin(async move {
            for i in 0..iters {
                let d = Duration::from_micros(((t * 7 + i * 13) % 50) as u64);
                select! {
                    mut g = m.lock() => { *g += 1; yield_now().await; done.fetch_add(1, Ordering::Relaxed); },
                    _ = (rt.sleep)(d) => {},
                }
                select! {
                    p = sem.acquire(1 + (i % 3) as u64) => { yield_now().await; drop(p); },
                    _ = (rt.sleep)(d) => {},
                }
                if i % 4 == 0 {
                    select! {
                        mut g = rw.write() => { *g += 1; yield_now().await; },
                        _ = (rt.sleep)(d) => {},
                    }
                } else {
                    select! {
                        g = rw.read() => { let _ = *g; yield_now().await; },
                        _ = (rt.sleep)(d) => {},
                    }
                }
            }
        })));
    }
    for h in hs {
        h.await;
    }
    assert_eq!(
        *m.try_lock().expect("mutex leaked by a dropped waiter"),
        done.load(Ordering::Relaxed)
    );
    assert!(sem.try_acquire(3).is_some(), "semaphore units leaked");
    assert!(rw.try_write().is_some(), "rwlock leaked");
}

/// WaitGroup across tasks, RwLock writer/readers, Cond handoff, Semaphore bound.
pub(crate) async fn primitives(rt: Rt) {
    let wg = Arc::new(WaitGroup::new());
    let n = Arc::new(AtomicUsize::new(0));
    wg.add(16);
    for _ in 0..16 {
        let (wg, n) = (wg.clone(), n.clone());
        drop((rt.spawn)(Box::pin(async move {
            n.fetch_add(1, Ordering::SeqCst);
            wg.done();
        })));
    }
    wg.wait().await;
    assert_eq!(n.load(Ordering::SeqCst), 16);

    // Cond: a producer/consumer ping-pong through a Mutex<Option<usize>>.
    let pair = Arc::new((Mutex::new(None::<usize>), Cond::new()));
    let consumer = {
        let pair = pair.clone();
        (rt.spawn)(Box::pin(async move {
            let (m, c) = &*pair;
            let mut sum = 0;
            for _ in 0..100 {
                let mut g = m.lock().await;
                while g.is_none() {
                    g = c.wait(g).await;
                }
                sum += g.take().unwrap();
                c.broadcast();
            }
            assert_eq!(sum, (0..100).sum::<usize>());
        }))
    };
    let (m, c) = &*pair;
    for i in 0..100 {
        let mut g = m.lock().await;
        while g.is_some() {
            g = c.wait(g).await;
        }
        *g = Some(i);
        c.broadcast();
    }
    consumer.await;

    // Semaphore bound across tasks.
    let sem = Arc::new(Semaphore::new(4));
    let inside = Arc::new(AtomicUsize::new(0));
    let mut hs = Vec::new();
    for w in 1..=4u64 {
        let (sem, inside) = (sem.clone(), inside.clone());
        hs.push((rt.spawn)(Box::pin(async move {
            for _ in 0..200 {
                let p = sem.acquire(w).await;
                assert!(inside.fetch_add(w as usize, Ordering::SeqCst) + w as usize <= 4);
                yield_now().await;
                inside.fetch_sub(w as usize, Ordering::SeqCst);
                drop(p);
            }
        })));
    }
    for h in hs {
        h.await;
    }
}

/// context cancellation crossing tasks and a `select!`; errgroup with spawned members;
/// singleflight across tasks.
pub(crate) async fn context_errgroup_singleflight(rt: Rt) {
    let (ctx, cancel) = context::with_cancel(&context::background());
    let mut hs = Vec::new();
    for _ in 0..4 {
        let (ctx, _) = context::with_timeout(&ctx, Duration::from_secs(30));
        hs.push((rt.spawn)(Box::pin(async move {
            let r = select! {
                e = ctx.done() => Some(e),
                _ = (rt.sleep)(Duration::from_secs(20)) => None,
            };
            assert_eq!(r, Some(Error::Canceled));
        })));
    }
    (rt.sleep)(Duration::from_millis(5)).await;
    cancel.cancel();
    for h in hs {
        h.await;
    }
    let (ctx, _c) = context::with_timeout(&context::background(), Duration::from_millis(10));
    let t = Instant::now();
    assert_eq!(ctx.done().await, Error::DeadlineExceeded);
    assert!(t.elapsed() >= Duration::from_millis(10));

    // errgroup: members are spawned tasks joined through the group.
    let (mut g, gctx) = errgroup::Group::with_context(&context::background());
    let cancelled = Arc::new(AtomicUsize::new(0));
    for i in 0..6 {
        let (gctx, cancelled) = (gctx.clone(), cancelled.clone());
        let (tx, rx) = gorust_chan::make::<Result<(), String>>(1);
        drop((rt.spawn)(Box::pin(async move {
            let r = if i == 2 {
                Err("member 2 failed".to_string())
            } else {
                gctx.done().await;
                cancelled.fetch_add(1, Ordering::SeqCst);
                Ok(())
            };
            let _ = tx.send(r).await;
        })));
        g.spawn(async move { rx.recv().await.unwrap_or(Ok(())) });
    }
    assert_eq!(g.wait().await, Err("member 2 failed".to_string()));
    assert_eq!(cancelled.load(Ordering::SeqCst), 5);

    // singleflight: 8 tasks, one execution while the leader is in flight.
    let sf = Arc::new(singleflight::Group::<u8, u64>::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let mut hs = Vec::new();
    for _ in 0..8 {
        let (sf, runs) = (sf.clone(), runs.clone());
        hs.push((rt.spawn)(Box::pin(async move {
            let (v, _) = sf
                .run(1, async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    (rt.sleep)(Duration::from_millis(50)).await;
                    99
                })
                .await;
            assert_eq!(v, 99);
        })));
    }
    for h in hs {
        h.await;
    }
    let r = runs.load(Ordering::SeqCst);
    assert!(
        (1..8).contains(&r),
        "singleflight ran {r} times for 8 overlapping calls"
    );
}
