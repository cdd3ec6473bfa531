//! A randomized stress of the whole scheduler: tasks that spawn, yield, sleep, ping each
//! other across Ps, abort each other and panic, on 1 to 4 Ps, with every completion, every
//! drop and every message counted. A lost wakeup shows up as a hang (caught by the time
//! limit), a double poll or drop as a wrong count.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::DropCounter;
use futures::StreamExt;

fn run_chaos(procs: usize, seed: u64) {
    let rt = common::rt(procs);
    let drops = DropCounter::default();
    let done = Arc::new(AtomicUsize::new(0));
    let messages = Arc::new(AtomicUsize::new(0));
    const WORKERS: usize = 200;
    let (d, dn, msgs) = (drops.clone(), done.clone(), messages.clone());
    let (completed, panicked, cancelled) = rt.block_on(async move {
        let mut rng = fastrand::Rng::with_seed(seed);
        let (tx, mut rx) = futures::channel::mpsc::unbounded::<usize>();
        let consumer = {
            let msgs = msgs.clone();
            gorust_executor::spawn(async move {
                while let Some(_v) = rx.next().await {
                    msgs.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        let mut handles = Vec::new();
        let mut kinds = Vec::new();
        for i in 0..WORKERS {
            let g = d.guard();
            let tx = tx.clone();
            let dn = dn.clone();
            let kind = rng.u8(..6);
            kinds.push(kind);
            let n = rng.usize(1..20);
            handles.push(gorust_executor::spawn(async move {
                let _g = g;
                match kind {
                    0 => {
                        for _ in 0..n {
                            gorust_executor::yield_now().await;
                        }
                    }
                    1 => {
                        for k in 0..n {
                            tx.unbounded_send(i * 100 + k).unwrap();
                        }
                    }
                    2 => {
                        gorust_timer::sleep(Duration::from_micros(50 * n as u64)).await;
                    }
                    3 => {
                        let mut inner = Vec::new();
                        for _ in 0..n {
                            inner.push(gorust_executor::spawn(async {
                                gorust_executor::yield_now().await;
                            }));
                        }
                        for h in inner {
                            h.await.unwrap();
                        }
                    }
                    4 => {
                        // Parks until aborted.
                        std::future::pending::<()>().await;
                    }
                    _ => {
                        if n.is_multiple_of(2) {
                            panic!("chaos panic {i}");
                        }
                        let (otx, orx) = futures::channel::oneshot::channel();
                        gorust_executor::spawn(async move { otx.send(n).unwrap() });
                        assert_eq!(orx.await.unwrap(), n);
                    }
                }
                dn.fetch_add(1, Ordering::Relaxed);
            }));
        }
        drop(tx);
        // Abort every parked one, and every third of the rest (running, queued or done).
        for (i, h) in handles.iter().enumerate() {
            if kinds[i] == 4 || i % 3 == 0 {
                h.abort();
            }
        }
        let (mut ok, mut panics, mut cancels) = (0, 0, 0);
        for h in handles {
            match h.await {
                Ok(()) => ok += 1,
                Err(e) if e.is_panic() => panics += 1,
                Err(e) if e.is_cancelled() => cancels += 1,
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        consumer.await.unwrap();
        (ok, panics, cancels)
    });
    assert_eq!(completed + panicked + cancelled, WORKERS);
    assert_eq!(
        done.load(Ordering::SeqCst),
        completed,
        "completions counted once"
    );
    assert_eq!(drops.count(), WORKERS, "every future dropped exactly once");
    assert_eq!(rt.metrics().alive_tasks, 0);
    let _ = messages.load(Ordering::SeqCst);
}

#[test]
fn chaos_many_seeds_and_procs() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Keep panic output short: these panics are expected.
        std::panic::set_hook(Box::new(|_| {}));
        for seed in 0..200u64 {
            for procs in [1, 2, 3, 4, 8] {
                let t0 = std::time::Instant::now();
                run_chaos(procs, seed);
                if std::env::var("CHAOS_VERBOSE").is_ok() {
                    eprintln!("seed {seed} procs {procs}: {:?}", t0.elapsed());
                }
            }
        }
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("a chaos run hung: lost wakeup or deadlock");
}
