//! JoinHandle (await, detach, abort, is_finished), JoinError, JoinSet, AbortHandle.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{DropCounter, rt};
use gorust_executor::task::JoinSet;

#[test]
fn dropping_handle_detaches() {
    let rt = rt(2);
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    rt.block_on(async move {
        let h = gorust_executor::spawn(async move {
            for _ in 0..10 {
                gorust_executor::yield_now().await;
            }
            d.store(true, Ordering::SeqCst);
        });
        drop(h);
    });
    for _ in 0..1000 {
        if done.load(Ordering::SeqCst) {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("a detached task did not run to completion");
}

#[test]
fn abort_pending_task_drops_future_once() {
    let rt = rt(2);
    let drops = DropCounter::default();
    let g = drops.guard();
    let err = rt.block_on(async move {
        let h = gorust_executor::spawn(async move {
            let _g = g;
            std::future::pending::<()>().await
        });
        gorust_executor::yield_now().await;
        h.abort();
        h.await.unwrap_err()
    });
    assert!(err.is_cancelled());
    assert!(!err.is_panic());
    assert_eq!(drops.count(), 1);
    assert!(err.to_string().contains("cancelled"));
}

#[test]
fn abort_before_first_poll_and_after_finish() {
    let rt = rt(1);
    rt.block_on(async {
        let polled = Arc::new(AtomicBool::new(false));
        let p = polled.clone();
        let h = gorust_executor::spawn(async move { p.store(true, Ordering::SeqCst) });
        h.abort();
        assert!(h.await.unwrap_err().is_cancelled());
        assert!(!polled.load(Ordering::SeqCst), "aborted before it ever ran");

        let h = gorust_executor::spawn(async { 7 });
        while !h.is_finished() {
            gorust_executor::yield_now().await;
        }
        h.abort(); // too late: the result is kept
        assert_eq!(h.await.unwrap(), 7);
    });
}

#[test]
fn panic_becomes_join_error_and_worker_survives() {
    let rt = rt(1);
    rt.block_on(async {
        for i in 0..20 {
            let err = gorust_executor::spawn(async move {
                if i >= 0 {
                    panic!("task {i} failed");
                }
            })
            .await
            .unwrap_err();
            assert!(err.is_panic());
            let msg = format!("{err}");
            assert!(msg.contains(&format!("task {i} failed")), "{msg}");
            let payload = err.into_panic();
            assert_eq!(
                payload.downcast_ref::<String>().unwrap(),
                &format!("task {i} failed")
            );
        }
        // Still schedules fine after many panics.
        assert_eq!(gorust_executor::spawn(async { 1 }).await.unwrap(), 1);
    });
}

#[test]
fn panic_payload_non_string_and_try_into_panic() {
    let rt = rt(1);
    let err = rt.block_on(async {
        gorust_executor::spawn(async { std::panic::panic_any(17u32) })
            .await
            .unwrap_err()
    });
    assert!(format!("{err:?}").contains("non-string"));
    let p = err.try_into_panic().unwrap();
    assert_eq!(*p.downcast::<u32>().unwrap(), 17);
}

#[test]
#[should_panic(expected = "cancellation, not a panic")]
fn into_panic_on_cancelled_panics() {
    let rt = rt(1);
    let err = rt.block_on(async {
        let h = gorust_executor::spawn(std::future::pending::<()>());
        h.abort();
        h.await.unwrap_err()
    });
    let _ = err.into_panic();
}

#[test]
fn join_set_completion_order_and_abort_all() {
    let rt = rt(2);
    rt.block_on(async {
        let mut set = JoinSet::new();
        assert!(set.join_next().await.is_none());
        for i in 0..100u64 {
            set.spawn(async move { i });
        }
        assert_eq!(set.len(), 100);
        let mut sum = 0;
        while let Some(r) = set.join_next().await {
            sum += r.unwrap();
        }
        assert_eq!(sum, 4950);
        assert!(set.is_empty());

        let drops = DropCounter::default();
        let mut set = JoinSet::new();
        for _ in 0..10 {
            let g = drops.guard();
            set.spawn(async move {
                let _g = g;
                std::future::pending::<()>().await
            });
        }
        set.abort_all();
        let mut cancelled = 0;
        while let Some(r) = set.join_next().await {
            assert!(r.unwrap_err().is_cancelled());
            cancelled += 1;
        }
        assert_eq!(cancelled, 10);
        assert_eq!(drops.count(), 10);
    });
}

#[test]
fn join_set_drop_aborts_everything() {
    let rt = rt(2);
    let drops = DropCounter::default();
    let d = drops.clone();
    rt.block_on(async move {
        let mut set = JoinSet::new();
        for _ in 0..50 {
            let g = d.guard();
            set.spawn(async move {
                let _g = g;
                std::future::pending::<()>().await
            });
        }
        drop(set);
        for _ in 0..100 {
            gorust_executor::yield_now().await;
        }
    });
    for _ in 0..1000 {
        if drops.count() == 50 {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("dropping a JoinSet left {} tasks alive", 50 - drops.count());
}

#[test]
fn abort_handle_outlives_join_handle() {
    let rt = rt(1);
    rt.block_on(async {
        let drops = DropCounter::default();
        let g = drops.guard();
        let h = gorust_executor::spawn(async move {
            let _g = g;
            std::future::pending::<()>().await
        });
        let a = h.abort_handle();
        assert_eq!(a.id(), h.id());
        drop(h); // detached
        assert!(!a.is_finished());
        a.abort();
        for _ in 0..10 {
            gorust_executor::yield_now().await;
        }
        assert!(a.is_finished());
        assert_eq!(drops.count(), 1);
        a.abort(); // no effect, no crash
    });
}

#[test]
fn abort_from_another_thread_wakes_the_task() {
    let rt = rt(2);
    let n = Arc::new(AtomicUsize::new(0));
    let h = {
        let n = n.clone();
        rt.spawn(async move {
            n.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<()>().await
        })
    };
    while n.load(Ordering::SeqCst) == 0 {
        std::thread::yield_now();
    }
    let a = h.abort_handle();
    std::thread::spawn(move || a.abort()).join().unwrap();
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
}
