//! Workloads shared by `chan_tokio.rs` and `chan_gorust.rs`: the same channel programs run
//! on both executors through a tiny runtime interface (spawn + sleep).
//!
//! The cancel-safety stress is the proof of `gorust_chan`'s `# Cancel safety` section:
//! producers `select!` over sends to several channels against a random sleep and inside an
//! outer timeout (so whole selects are dropped after a peer committed to them), consumers do
//! the same with receives; every value carries a unique id and counts its drops. At the end
//! every id is received at most once, every send that reported `Ok` was received, nothing was
//! received that was not sent, and every value was dropped exactly once.

#![allow(dead_code)]

use futures::future::BoxFuture;
use gorust_chan::{Receiver, Sender, make, select};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a workload needs from an executor.
#[derive(Clone, Copy)]
pub(crate) struct Rt {
    /// Spawns a task; the returned future completes when it did (panics propagate).
    pub(crate) spawn: fn(BoxFuture<'static, ()>) -> BoxFuture<'static, ()>,
    /// Sleeps.
    pub(crate) sleep: fn(Duration) -> BoxFuture<'static, ()>,
}

/// Runs `f`, or gives up after `d` (dropping `f` wherever it is).
pub(crate) async fn timeout<F: std::future::Future>(
    rt: Rt,
    d: Duration,
    f: F,
) -> Option<F::Output> {
    select! {
        v = f => Some(v),
        _ = (rt.sleep)(d) => None,
    }
}

/// Ready on its second poll (it wakes its task at once): wrapped around a select as an
/// outer "timeout", it drops the select right after its first poll parked it, which is when
/// a peer is most likely to have just committed to it.
pub(crate) struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// Runs `f` until `f` or a [`YieldOnce`] completes.
pub(crate) async fn abort_soon<F: std::future::Future>(f: F) -> Option<F::Output> {
    select! {
        v = f => Some(v),
        _ = YieldOnce(false) => None,
    }
}

/// A value that counts its drops.
pub(crate) struct Tracked {
    pub(crate) id: usize,
    drops: Arc<AtomicUsize>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

/// A cheap shared pseudo-random source (splitmix64 over a global counter).
fn rand_u64() -> u64 {
    static STATE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0x9e37_79b9);
    let mut z = STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn micros(max: u64) -> Duration {
    Duration::from_micros(rand_u64() % max)
}

/// The drop-mid-select exactly-once stress (see the module docs).
pub(crate) async fn stress_cancel(rt: Rt, producers: usize, consumers: usize, per_producer: usize) {
    let reinjected_before = gorust_chan::reinjected_values();
    let caps = [0usize, 0, 1, 3];
    let chans: Vec<(Sender<Tracked>, Receiver<Tracked>)> = caps.iter().map(|&c| make(c)).collect();
    let total = producers * per_producer;
    let received: Arc<Vec<AtomicU8>> = Arc::new((0..total).map(|_| AtomicU8::new(0)).collect());
    // 0: not attempted, 1: send Ok, 2: outcome unobserved (select dropped), 3: not sent.
    let outcome: Arc<Vec<AtomicU8>> = Arc::new((0..total).map(|_| AtomicU8::new(0)).collect());
    let created = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));

    let mut tasks = vec![];
    for p in 0..producers {
        let txs: Vec<Sender<Tracked>> = chans.iter().map(|(t, _)| t.clone()).collect();
        let outcome = outcome.clone();
        let (created, drops) = (created.clone(), drops.clone());
        tasks.push((rt.spawn)(Box::pin(async move {
            for i in 0..per_producer {
                let id = p * per_producer + i;
                loop {
                    let mk = || {
                        created.fetch_add(1, Ordering::Relaxed);
                        Tracked {
                            id,
                            drops: drops.clone(),
                        }
                    };
                    let (a, b, c, d) = (mk(), mk(), mk(), mk());
                    let sel = async {
                        select! {
                            r = txs[0].send(a) => r.is_ok(),
                            r = txs[1].send(b) => r.is_ok(),
                            r = txs[2].send(c) => r.is_ok(),
                            r = txs[3].send(d) => r.is_ok(),
                            _ = (rt.sleep)(micros(200)) => false,
                        }
                    };
                    // Every 3rd id: an outer timeout may drop the whole select.
                    if id.is_multiple_of(3) {
                        let r = if id.is_multiple_of(2) {
                            timeout(rt, micros(300), sel).await
                        } else {
                            abort_soon(sel).await
                        };
                        match r {
                            Some(true) => outcome[id].store(1, Ordering::Relaxed),
                            Some(false) => continue,
                            None => outcome[id].store(2, Ordering::Relaxed),
                        }
                    } else if sel.await {
                        outcome[id].store(1, Ordering::Relaxed);
                    } else {
                        continue;
                    }
                    break;
                }
            }
        })));
    }
    let rxs: Vec<Receiver<Tracked>> = chans.iter().map(|(_, r)| r.clone()).collect();
    drop(chans);
    for _ in 0..consumers {
        let rxs = rxs.clone();
        let received = received.clone();
        tasks.push((rt.spawn)(Box::pin(async move {
            let mut open = [true; 4];
            while open.iter().any(|&o| o) {
                let sel = async {
                    select! {
                        v = rxs[0].recv(), if open[0] => (0, v),
                        v = rxs[1].recv(), if open[1] => (1, v),
                        v = rxs[2].recv(), if open[2] => (2, v),
                        v = rxs[3].recv(), if open[3] => (3, v),
                        _ = (rt.sleep)(micros(150)) => (usize::MAX, None),
                    }
                };
                if rand_u64().is_multiple_of(64) {
                    // A slow consumer now and then, so producers park and their selects
                    // time out while parked.
                    (rt.sleep)(micros(300)).await;
                }
                let r = match rand_u64() % 3 {
                    0 => timeout(rt, micros(20), sel).await,
                    1 => abort_soon(sel).await,
                    _ => Some(sel.await),
                };
                match r {
                    Some((i, None)) if i < 4 => open[i] = false,
                    Some((_, Some(v))) => {
                        let prev = received[v.id].fetch_add(1, Ordering::Relaxed);
                        assert_eq!(prev, 0, "id {} received twice", v.id);
                    }
                    _ => {}
                }
            }
        })));
    }
    drop(rxs);
    // The producers' senders close the channels when the producers finish.
    for t in tasks {
        t.await;
    }
    let mut ok = 0;
    let mut unobserved = 0;
    let mut got = 0;
    for id in 0..total {
        let r = received[id].load(Ordering::Relaxed);
        let o = outcome[id].load(Ordering::Relaxed);
        assert!(r <= 1, "id {id} received {r} times");
        match o {
            1 => {
                ok += 1;
                assert_eq!(r, 1, "id {id}: send reported Ok but it was never received");
            }
            2 => unobserved += 1,
            _ => assert_eq!(r, 0, "id {id} received but never sent"),
        }
        got += r as usize;
    }
    assert!(
        got >= ok && got <= ok + unobserved,
        "got {got} ok {ok} unobserved {unobserved}"
    );
    assert_eq!(
        created.load(Ordering::Relaxed),
        drops.load(Ordering::Relaxed),
        "every value dropped exactly once"
    );
    assert!(ok > total / 2, "too few sends completed: {ok} of {total}");
    let reinjected = gorust_chan::reinjected_values() - reinjected_before;
    eprintln!(
        "stress: {total} ids, {ok} sent Ok, {unobserved} unobserved, {got} received, \
         {reinjected} given back by dropped receives"
    );
}

/// An unbuffered send does not complete before a receiver takes the value.
pub(crate) async fn rendezvous(rt: Rt) {
    let (tx, rx) = make::<u32>(0);
    // Nobody receives: the send stays pending.
    assert!(
        timeout(rt, Duration::from_millis(30), tx.send(1))
            .await
            .is_none()
    );
    let start = Instant::now();
    let r = (rt.spawn)(Box::pin(async move {
        (rt.sleep)(Duration::from_millis(50)).await;
        assert_eq!(rx.recv().await, Some(2));
    }));
    tx.send(2).await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(45),
        "{:?}",
        start.elapsed()
    );
    r.await;
}

/// Ping-pong between two tasks over unbuffered channels.
pub(crate) async fn pingpong(rt: Rt, n: u64) {
    let (tx, rx) = make::<u64>(0);
    let (btx, brx) = make::<u64>(0);
    let echo = (rt.spawn)(Box::pin(async move {
        while let Some(v) = rx.recv().await {
            btx.send(v + 1).await.unwrap();
        }
    }));
    for i in 0..n {
        tx.send(i).await.unwrap();
        assert_eq!(brx.recv().await, Some(i + 1));
    }
    drop(tx);
    echo.await;
}

/// Many producers and consumers on one channel; every value counted.
pub(crate) async fn mpmc(rt: Rt, cap: usize, p: usize, c: usize, n: usize) {
    let (tx, rx) = make::<usize>(cap);
    let sum = Arc::new(AtomicUsize::new(0));
    let cnt = Arc::new(AtomicUsize::new(0));
    let mut ts = vec![];
    for k in 0..p {
        let tx = tx.clone();
        ts.push((rt.spawn)(Box::pin(async move {
            for i in 0..n {
                tx.send(k * n + i).await.unwrap();
            }
        })));
    }
    for _ in 0..c {
        let rx = rx.clone();
        let (sum, cnt) = (sum.clone(), cnt.clone());
        ts.push((rt.spawn)(Box::pin(async move {
            while let Some(v) = rx.recv().await {
                sum.fetch_add(v, Ordering::Relaxed);
                cnt.fetch_add(1, Ordering::Relaxed);
            }
        })));
    }
    drop((tx, rx));
    for t in ts {
        t.await;
    }
    let total = p * n;
    assert_eq!(cnt.load(Ordering::Relaxed), total);
    assert_eq!(sum.load(Ordering::Relaxed), total * (total - 1) / 2);
}

/// A select over 4 always-ready channels picks each 25% ± 2% over `n` selects.
pub(crate) async fn fairness(n: usize) {
    let chans: Vec<_> = (0..4).map(|_| make::<u8>(1)).collect();
    for (tx, _) in &chans {
        tx.try_send(0).unwrap();
    }
    let mut cnt = [0usize; 4];
    for _ in 0..n {
        let i = select! {
            _ = chans[0].1.recv() => 0,
            _ = chans[1].1.recv() => 1,
            _ = chans[2].1.recv() => 2,
            _ = chans[3].1.recv() => 3,
        };
        cnt[i] += 1;
        chans[i].0.try_send(0).unwrap();
    }
    for c in cnt {
        let f = c as f64 / n as f64;
        assert!((f - 0.25).abs() <= 0.02, "{cnt:?}");
    }
}
