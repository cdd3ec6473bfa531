//! Fairness and liveness: yields, the cooperative budget, runnext ping-pong, sysmon relief,
//! and timers firing while Ps idle.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Runs `f` on a thread and fails (instead of hanging) if it takes longer than `limit`.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(limit)
        .expect("did not finish in time: a task was starved")
}

/// A leaf future that is always ready but spends the coop budget, as a channel with a value
/// always waiting would.
struct AlwaysReady;
impl Future for AlwaysReady {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        gorust_hooks::coop::poll_proceed(cx)
    }
}

#[test]
fn coop_budget_lets_neighbours_run() {
    within(Duration::from_secs(20), || {
        let rt = common::rt(1);
        rt.block_on(async {
            let stop = Arc::new(AtomicBool::new(false));
            let s = stop.clone();
            let spinner = gorust_executor::spawn(async move {
                // The stopper is queued behind this task on the one P; only the budget can
                // make this always-ready loop give way to it.
                let s2 = s.clone();
                gorust_executor::spawn(async move { s2.store(true, Ordering::SeqCst) });
                let mut n = 0u64;
                while !s.load(Ordering::SeqCst) {
                    AlwaysReady.await;
                    n += 1;
                }
                n
            });
            assert!(spinner.await.unwrap() > 0);
        });
    });
}

#[test]
fn yield_loops_share_one_p() {
    within(Duration::from_secs(20), || {
        let rt = common::rt(1);
        let counts: Vec<usize> = rt.block_on(async {
            let hs: Vec<_> = (0..4)
                .map(|_| {
                    gorust_executor::spawn(async {
                        let mut n = 0;
                        for _ in 0..1000 {
                            gorust_executor::yield_now().await;
                            n += 1;
                        }
                        n
                    })
                })
                .collect();
            let mut v = Vec::new();
            for h in hs {
                v.push(h.await.unwrap());
            }
            v
        });
        assert_eq!(counts, vec![1000; 4]);
    });
}

#[test]
fn runnext_ping_pong_does_not_starve_the_ring() {
    within(Duration::from_secs(20), || {
        let rt = common::rt(1);
        rt.block_on(async {
            use futures::{SinkExt, StreamExt};
            let stop = Arc::new(AtomicBool::new(false));
            let (mut a_tx, mut a_rx) = futures::channel::mpsc::channel::<u32>(0);
            let (mut b_tx, mut b_rx) = futures::channel::mpsc::channel::<u32>(0);
            let s = stop.clone();
            let ping = gorust_executor::spawn(async move {
                let mut rounds = 0u64;
                while !s.load(Ordering::SeqCst) {
                    a_tx.send(1).await.unwrap();
                    b_rx.next().await.unwrap();
                    rounds += 1;
                    if rounds == 1 {
                        // A third task queued behind the pair must get to run.
                        let s2 = s.clone();
                        gorust_executor::spawn(async move { s2.store(true, Ordering::SeqCst) });
                    }
                }
                rounds
            });
            let pong = gorust_executor::spawn(async move {
                while let Some(v) = a_rx.next().await {
                    if b_tx.send(v).await.is_err() {
                        break;
                    }
                }
            });
            assert!(ping.await.unwrap() >= 1);
            drop(pong);
        });
    });
}

#[test]
fn sysmon_relieves_a_p_stuck_in_one_poll() {
    within(Duration::from_secs(20), || {
        let rt = common::rt(2);
        rt.block_on(async {
            let ran_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
            let r = ran_at.clone();
            let t0 = Instant::now();
            gorust_executor::spawn(async move {
                // Y lands in this P's runnext; then this task blocks its thread.
                let r2 = r.clone();
                gorust_executor::spawn(async move {
                    *r2.lock().unwrap() = Some(Instant::now());
                });
                std::thread::sleep(Duration::from_millis(300));
            })
            .await
            .unwrap();
            let at = ran_at.lock().unwrap().expect("the queued task ran");
            let waited = at.duration_since(t0);
            assert!(
                waited < Duration::from_millis(200),
                "the task queued behind a blocked thread waited {waited:?}"
            );
        });
    });
}

#[test]
fn timers_fire_while_all_ps_idle() {
    within(Duration::from_secs(20), || {
        let rt = common::rt(2);
        rt.block_on(async {
            let hs: Vec<_> = (0..50u64)
                .map(|i| {
                    gorust_executor::spawn(async move {
                        let d = Duration::from_millis(5 + i % 20);
                        let t0 = Instant::now();
                        gorust_timer::sleep(d).await;
                        t0.elapsed().saturating_sub(d)
                    })
                })
                .collect();
            let mut worst = Duration::ZERO;
            for h in hs {
                worst = worst.max(h.await.unwrap());
            }
            assert!(
                worst < Duration::from_millis(50),
                "latest timer was {worst:?} late"
            );
        });
    });
}

#[test]
fn timer_on_p_whose_m_parks_fires_on_time() {
    within(Duration::from_secs(20), || {
        let rt = common::rt(2);
        let late = rt.block_on(async {
            gorust_executor::spawn(async {
                let t0 = Instant::now();
                gorust_timer::sleep(Duration::from_millis(30)).await;
                t0.elapsed().saturating_sub(Duration::from_millis(30))
            })
            .await
            .unwrap()
        });
        assert!(late < Duration::from_millis(20), "{late:?} late");
    });
}

#[test]
fn main_sleeping_alone_wakes() {
    within(Duration::from_secs(20), || {
        let rt = common::rt(1);
        let t0 = Instant::now();
        rt.block_on(gorust_timer::sleep(Duration::from_millis(20)));
        assert!(t0.elapsed() >= Duration::from_millis(20));
        assert!(t0.elapsed() < Duration::from_millis(500));
    });
}

#[test]
fn work_spreads_over_procs() {
    within(Duration::from_secs(30), || {
        let rt = common::rt(2);
        let threads = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
        let busy = Arc::new(AtomicUsize::new(0));
        let t = threads.clone();
        rt.block_on(async move {
            let hs: Vec<_> = (0..64)
                .map(|_| {
                    let t = t.clone();
                    let busy = busy.clone();
                    gorust_executor::spawn(async move {
                        // CPU work of about a millisecond.
                        let t0 = Instant::now();
                        while t0.elapsed() < Duration::from_millis(1) {
                            busy.fetch_add(1, Ordering::Relaxed);
                        }
                        t.lock().unwrap().insert(std::thread::current().id());
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        assert!(
            threads.lock().unwrap().len() >= 2,
            "64 ms of CPU work ran on one thread only"
        );
    });
}

#[test]
fn yield_in_main_lets_tasks_run() {
    within(Duration::from_secs(20), || {
        let rt = common::rt(1);
        rt.block_on(async {
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            gorust_executor::spawn(async move { f.store(true, Ordering::SeqCst) });
            // Go's Gosched from main: the spawned task gets to run.
            while !flag.load(Ordering::SeqCst) {
                gorust_executor::yield_now().await;
            }
        });
    });
}

#[test]
fn block_on_leaves_no_budget_on_the_thread() {
    let rt = common::rt(1);
    rt.block_on(async {
        // A task on this thread (the only P is main's) spends the budget down.
        gorust_executor::spawn(async {
            for _ in 0..1000 {
                AlwaysReady.await;
            }
        })
        .await
        .unwrap();
    });
    // Back on a plain thread: no budget in force, leaf futures never yield on our account.
    assert_eq!(
        gorust_hooks::coop::budget(),
        gorust_hooks::coop::UNCONSTRAINED
    );
    futures::executor::block_on(async {
        for _ in 0..10_000 {
            AlwaysReady.await;
        }
    });
}
