//! spawn_blocking: results, panics, concurrency, spawning from inside.

mod common;

use std::time::{Duration, Instant};

#[test]
fn blocking_result_and_panic() {
    let rt = common::rt(1);
    rt.block_on(async {
        assert_eq!(gorust_executor::spawn_blocking(|| 2 + 2).await.unwrap(), 4);
        let e = gorust_executor::spawn_blocking(|| panic!("blocking boom"))
            .await
            .unwrap_err();
        assert!(e.is_panic());
        assert!(e.to_string().contains("blocking boom"));
    });
}

#[test]
fn blocking_does_not_hold_up_tasks() {
    let rt = common::rt(1);
    rt.block_on(async {
        let t0 = Instant::now();
        let slow: Vec<_> = (0..8)
            .map(|_| {
                gorust_executor::spawn_blocking(|| std::thread::sleep(Duration::from_millis(100)))
            })
            .collect();
        // With one P, tasks still run while 8 closures block on other threads.
        let quick = gorust_executor::spawn(async { 1 }).await.unwrap();
        assert_eq!(quick, 1);
        assert!(t0.elapsed() < Duration::from_millis(90));
        for h in slow {
            h.await.unwrap();
        }
        // 8 closures of 100 ms ran in parallel, not one after another.
        assert!(
            t0.elapsed() < Duration::from_millis(700),
            "{:?}",
            t0.elapsed()
        );
    });
}

#[test]
fn spawn_from_blocking_thread() {
    let rt = common::rt(1);
    let v = rt.block_on(async {
        let h = gorust_executor::spawn_blocking(|| gorust_executor::spawn(async { 11 }));
        h.await.unwrap().await.unwrap()
    });
    assert_eq!(v, 11);
}

#[test]
fn blocking_task_sees_its_id() {
    let rt = common::rt(1);
    rt.block_on(async {
        let h = gorust_executor::spawn_blocking(gorust_executor::task::id);
        let id = h.id();
        assert_eq!(h.await.unwrap(), id);
    });
}

#[test]
fn pool_cap_one_runs_in_order() {
    let rt = gorust_executor::runtime::Builder::new()
        .procs(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    rt.block_on(async {
        let hs: Vec<_> = (0..20)
            .map(|i| gorust_executor::spawn_blocking(move || i))
            .collect();
        for (i, h) in hs.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), i);
        }
    });
    assert!(rt.metrics().blocking_threads <= 1);
}

#[test]
fn idle_blocking_threads_exit_after_keep_alive() {
    let rt = gorust_executor::runtime::Builder::new()
        .procs(1)
        .thread_keep_alive(Duration::from_millis(20))
        .build()
        .unwrap();
    rt.block_on(async {
        gorust_executor::spawn_blocking(|| ()).await.unwrap();
    });
    for _ in 0..200 {
        if rt.metrics().blocking_threads == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("an idle blocking thread outlived its keep-alive");
}
