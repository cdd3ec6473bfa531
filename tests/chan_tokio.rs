//! gorust channels and `select!` under tokio (multi-thread, 2 workers): channels need only
//! `Waker`s. Workloads in `chan_common`.

mod chan_common;

use chan_common::Rt;
use futures::FutureExt;
use std::time::Duration;

const RT: Rt = Rt {
    spawn: |f| tokio::spawn(f).map(|r| r.unwrap()).boxed(),
    sleep: |d: Duration| tokio::time::sleep(d).boxed(),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_safety_stress_tokio() {
    chan_common::stress_cancel(RT, 4, 4, 10_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendezvous_tokio() {
    chan_common::rendezvous(RT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pingpong_tokio() {
    chan_common::pingpong(RT, 20_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mpmc_tokio() {
    for cap in [0, 1, 1024] {
        chan_common::mpmc(RT, cap, 4, 4, 5_000).await;
    }
}

#[tokio::test]
async fn fairness_tokio() {
    chan_common::fairness(200_000).await;
}

/// gorust's `recv()` and `send()` futures raced and dropped by tokio's own `select!` and
/// `tokio::time::timeout` (not gorust's select): every value still arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_by_tokio_select_and_timeout() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
    const N: usize = 20_000;
    let (tx, rx) = gorust_chan::make::<usize>(0);
    let seen: Arc<Vec<AtomicU8>> = Arc::new((0..N).map(|_| AtomicU8::new(0)).collect());
    let got = Arc::new(AtomicUsize::new(0));
    let producer = tokio::spawn(async move {
        let mut sent = vec![];
        for i in 0..N {
            // A send dropped by tokio's timeout before a receiver committed did not happen;
            // one a receiver committed to is delivered. Either way, never twice.
            let r = tokio::time::timeout(Duration::from_micros(50), tx.send(i)).await;
            if let Ok(r) = r {
                r.unwrap();
                sent.push(i);
            }
        }
        sent
    });
    let mut consumers = vec![];
    for _ in 0..2 {
        let (rx, seen, got) = (rx.clone(), seen.clone(), got.clone());
        consumers.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    v = rx.recv() => match v {
                        Some(v) => {
                            assert_eq!(seen[v].fetch_add(1, Ordering::Relaxed), 0, "{v} twice");
                            got.fetch_add(1, Ordering::Relaxed);
                        }
                        None => break,
                    },
                    _ = tokio::task::yield_now() => {}
                }
            }
        }));
    }
    drop(rx);
    let sent = producer.await.unwrap();
    for c in consumers {
        c.await.unwrap();
    }
    for i in sent.iter() {
        assert_eq!(seen[*i].load(Ordering::Relaxed), 1, "sent {i} lost");
    }
    let got = got.load(Ordering::Relaxed);
    assert!(got >= sent.len(), "got {got}, sent Ok {}", sent.len());
}
