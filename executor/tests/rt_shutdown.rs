//! Dropping a runtime: every future dropped exactly once, no thread left behind.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{DropCounter, rt};

#[test]
fn drop_runtime_with_100k_pending_tasks_drops_each_once() {
    const N: usize = 100_000;
    let drops = DropCounter::default();
    let handles;
    {
        let rt = rt(2);
        let d = drops.clone();
        handles = rt.block_on(async move {
            let mut hs = Vec::with_capacity(N);
            for i in 0..N {
                let g = d.guard();
                hs.push(gorust_executor::spawn(async move {
                    let _g = g;
                    if i % 2 == 0 {
                        // Half park for good (in no queue)...
                        std::future::pending::<()>().await
                    } else {
                        // ...half keep yielding (always queued).
                        loop {
                            gorust_executor::yield_now().await;
                        }
                    }
                }));
            }
            hs
        });
        assert_eq!(drops.count(), 0);
        drop(rt);
    }
    assert_eq!(drops.count(), N, "every future dropped exactly once");
    // Their handles report cancellation.
    let check = rt(1);
    check.block_on(async move {
        for h in handles.into_iter().take(100) {
            assert!(h.await.unwrap_err().is_cancelled());
        }
    });
}

#[test]
fn tasks_spawned_by_drops_during_shutdown_are_dropped_too() {
    struct SpawnOnDrop(DropCounter);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let g = self.0.guard();
            // Runs during shutdown: the spawn must not panic and its future must be dropped.
            drop(gorust_executor::spawn(async move {
                let _g = g;
                std::future::pending::<()>().await
            }));
        }
    }
    let drops = DropCounter::default();
    {
        let rt = rt(2);
        let d = drops.clone();
        rt.block_on(async move {
            for _ in 0..10 {
                let s = SpawnOnDrop(d.clone());
                gorust_executor::spawn(async move {
                    let _s = s;
                    std::future::pending::<()>().await
                });
            }
        });
    }
    assert_eq!(drops.count(), 10);
}

#[test]
fn spawn_after_drop_through_old_handle_is_cancelled() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    drop(rt);
    let drops = DropCounter::default();
    let g = drops.guard();
    let h = handle.spawn(async move {
        let _g = g;
    });
    assert_eq!(drops.count(), 1, "future dropped at once");
    let r = gorust_executor::block_on(h);
    assert!(r.unwrap_err().is_cancelled());
}

#[test]
fn running_blocking_tasks_finish_before_drop_returns() {
    let n = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(std::sync::Barrier::new(5));
    {
        let rt = rt(1);
        for _ in 0..4 {
            let n = n.clone();
            let started = started.clone();
            rt.spawn_blocking(move || {
                started.wait();
                std::thread::sleep(Duration::from_millis(20));
                n.fetch_add(1, Ordering::SeqCst);
            });
        }
        started.wait(); // all four closures are running
    }
    // Running closures cannot be interrupted: drop waited for them.
    assert_eq!(n.load(Ordering::SeqCst), 4);
}

#[test]
fn queued_blocking_tasks_are_cancelled_at_drop() {
    let ran = Arc::new(AtomicUsize::new(0));
    let drops = DropCounter::default();
    let started = Arc::new(std::sync::Barrier::new(2));
    let queued;
    {
        let rt = gorust_executor::runtime::Builder::new()
            .procs(1)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let s = started.clone();
        rt.spawn_blocking(move || {
            s.wait();
            std::thread::sleep(Duration::from_millis(30));
        });
        started.wait(); // the only pool thread is busy
        let g = drops.guard();
        let r = ran.clone();
        queued = rt.spawn_blocking(move || {
            let _g = g;
            r.fetch_add(1, Ordering::SeqCst);
        });
    }
    assert_eq!(
        ran.load(Ordering::SeqCst),
        0,
        "a queued closure never started"
    );
    assert_eq!(drops.count(), 1, "and it was dropped");
    assert!(
        gorust_executor::block_on(queued)
            .unwrap_err()
            .is_cancelled()
    );
}

/// A blocking closure waiting on a channel whose sender a parked task owns: dropping the
/// runtime drops the task (and the sender) before it waits for the blocking thread, so the
/// closure ends and the drop returns instead of hanging.
#[test]
fn drop_does_not_hang_on_a_blocking_closure_waiting_for_a_task() {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = rt(2);
        let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let r2 = received.clone();
        let r3 = received.clone();
        rt.block_on(async move {
            let (tx, rx) = std::sync::mpsc::channel::<u32>();
            drop(gorust_executor::spawn_blocking(move || {
                for _ in rx {
                    r2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }));
            drop(gorust_executor::spawn(async move {
                tx.send(1).unwrap();
                std::future::pending::<()>().await;
                drop(tx);
            }));
            // The closure is inside its loop (it received the task's message) before we return.
            while r3.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                gorust_executor::yield_now().await;
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
        drop(rt);
        done_tx
            .send(received.load(std::sync::atomic::Ordering::SeqCst))
            .unwrap();
    });
    let got = done_rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("Runtime::drop hung joining a blocking thread that waited on a task's sender");
    assert_eq!(got, 1);
}

/// Foreign threads keep spawning through a `Handle` while the runtime is dropped: a spawn that
/// passed the "still open" check just before the drain and pushed just after it must not be
/// stranded. Every future is dropped exactly once and every `JoinHandle` resolves.
#[test]
fn spawns_racing_the_shutdown_drain_are_never_stranded() {
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    let mut rounds = 0;
    while std::time::Instant::now() < deadline || rounds < 20 {
        rounds += 1;
        let rt = rt(2);
        let handle = rt.handle().clone();
        let drops = DropCounter::default();
        let spawned = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let spawners: Vec<_> = (0..2)
            .map(|_| {
                let (handle, drops, spawned, stop, done_tx) = (
                    handle.clone(),
                    drops.clone(),
                    spawned.clone(),
                    stop.clone(),
                    done_tx.clone(),
                );
                std::thread::spawn(move || {
                    let mut joins = Vec::new();
                    while !stop.load(Ordering::SeqCst) {
                        let g = drops.guard();
                        spawned.fetch_add(1, Ordering::SeqCst);
                        joins.push(handle.spawn(async move {
                            let _g = g;
                            std::future::pending::<()>().await;
                        }));
                        std::thread::yield_now();
                    }
                    // Every handle resolves (cancelled), none hangs.
                    futures::executor::block_on(async {
                        for j in joins {
                            assert!(j.await.is_err());
                        }
                    });
                    done_tx.send(()).unwrap();
                })
            })
            .collect();
        std::thread::sleep(Duration::from_micros(300));
        drop(rt);
        stop.store(true, Ordering::SeqCst);
        for _ in 0..spawners.len() {
            done_rx
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| {
                    panic!("round {rounds}: a JoinHandle never resolved: its task was stranded")
                });
        }
        for s in spawners {
            s.join().unwrap();
        }
        assert_eq!(
            drops.count(),
            spawned.load(Ordering::SeqCst),
            "round {rounds}: a future spawned during shutdown was never dropped"
        );
    }
}

/// A `Handle::block_on` on another thread, its main parked, when the runtime is dropped: it
/// is woken and leaves (its `block_on` panics, as documented) instead of sleeping forever, and
/// the drop waits for it to leave before draining the queues it may own.
#[test]
fn block_on_from_another_thread_leaves_when_the_runtime_is_dropped() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (left_tx, left_rx) = std::sync::mpsc::channel();
    let b = std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handle.block_on(async {
                started_tx.send(()).unwrap();
                // Parked with nothing to wake it but the shutdown (no timer, no I/O: the
                // thread sleeps on its own parker, not in the driver).
                std::future::pending::<()>().await;
            })
        }));
        left_tx.send(r.is_err()).unwrap();
    });
    started_rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let t = std::time::Instant::now();
    drop(rt);
    let panicked = left_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("block_on on another thread never left after the runtime was dropped");
    assert!(panicked, "block_on must report the shutdown");
    assert!(t.elapsed() < Duration::from_secs(5));
    b.join().unwrap();
}
