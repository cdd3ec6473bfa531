//! spawn, go-style placement, Handle, spawn from outside, errors of the builder.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::rt;
use gorust_executor::runtime::{Builder, Handle};

#[test]
fn spawn_and_await_from_block_on() {
    let rt = rt(2);
    let v = rt.block_on(async { gorust_executor::spawn(async { 21 * 2 }).await.unwrap() });
    assert_eq!(v, 42);
}

#[test]
fn nested_spawns_all_complete() {
    let rt = rt(2);
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    rt.block_on(async move {
        let mut hs = Vec::new();
        for _ in 0..100 {
            let n = n2.clone();
            hs.push(gorust_executor::spawn(async move {
                let mut inner = Vec::new();
                for _ in 0..10 {
                    let n = n.clone();
                    inner.push(gorust_executor::spawn(async move {
                        n.fetch_add(1, Ordering::SeqCst);
                    }));
                }
                for h in inner {
                    h.await.unwrap();
                }
            }));
        }
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(n.load(Ordering::SeqCst), 1000);
}

#[test]
fn spawn_from_plain_thread_via_handle() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let hs: Vec<_> = (0..8)
        .map(|i| {
            let handle = handle.clone();
            std::thread::spawn(move || handle.spawn(async move { i * 10 }))
        })
        .map(|t| t.join().unwrap())
        .collect();
    let sum: i32 = rt.block_on(async {
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(sum, (0..8).map(|i| i * 10).sum());
}

#[test]
fn runtime_spawn_without_block_on_runs_on_workers() {
    let rt = rt(2);
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..100 {
        let tx = tx.clone();
        rt.spawn(async move { tx.send(i).unwrap() });
    }
    drop(tx);
    let mut got: Vec<i32> = rx.iter().collect();
    got.sort();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn spawn_outside_runtime_panics_with_advice() {
    let err = std::panic::catch_unwind(|| {
        drop(gorust_executor::spawn(async {}));
    })
    .unwrap_err();
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(msg.contains("outside a gorust runtime"), "{msg}");
    assert!(
        msg.contains("block_on"),
        "the message says what to do: {msg}"
    );
}

#[test]
fn spawn_blocking_outside_runtime_panics() {
    assert!(std::panic::catch_unwind(|| gorust_executor::spawn_blocking(|| ())).is_err());
}

#[test]
fn procs_zero_and_huge_are_errors() {
    let e = Builder::new().procs(0).build().unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("at least 1"));
    let e = Builder::new().procs(usize::MAX).build().unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        Builder::new()
            .procs(gorust_executor::runtime::MAX_PROCS)
            .build()
            .is_ok()
    );
}

#[test]
fn handle_current_inside_and_outside() {
    assert!(Handle::try_current().is_none());
    let rt = rt(1);
    rt.block_on(async {
        let h = Handle::current();
        assert_eq!(h.spawn(async { 5 }).await.unwrap(), 5);
        let inner = gorust_executor::spawn(async { Handle::try_current().is_some() });
        assert!(inner.await.unwrap());
    });
    assert!(std::panic::catch_unwind(Handle::current).is_err());
}

#[test]
fn task_ids_unique_and_visible_inside() {
    let rt = rt(2);
    rt.block_on(async {
        assert!(
            gorust_executor::task::try_id().is_none(),
            "main is not a task"
        );
        let hs: Vec<_> = (0..50)
            .map(|_| gorust_executor::spawn(async { gorust_executor::task::id() }))
            .collect();
        let mut ids = std::collections::HashSet::new();
        for h in hs {
            let want = h.id();
            let got = h.await.unwrap();
            assert_eq!(want, got);
            assert!(ids.insert(got));
        }
    });
}

#[test]
fn go_placement_spawn_from_main_runs_on_main_thread_with_one_proc() {
    // With one P held by block_on, a spawned task can only run on the block_on thread: main
    // runs on a P (Go's M0/P0), and its spawns land in that P's queue.
    let rt = rt(1);
    let main_thread = std::thread::current().id();
    let ran_on = rt.block_on(async {
        gorust_executor::spawn(async { std::thread::current().id() })
            .await
            .unwrap()
    });
    assert_eq!(ran_on, main_thread);
}

#[test]
fn nested_block_on_panics() {
    let rt = rt(1);
    let r = rt.block_on(async {
        gorust_executor::spawn(async {
            let inner = common::rt(1);
            inner.block_on(async {})
        })
        .await
    });
    let err = r.unwrap_err();
    assert!(err.is_panic(), "nesting block_on inside a task is refused");
}

#[test]
fn block_on_non_send_future() {
    let rt = rt(2);
    let rc = std::rc::Rc::new(5);
    let v = rt.block_on(async move {
        gorust_executor::yield_now().await;
        *rc + 1
    });
    assert_eq!(v, 6);
}

#[test]
fn default_runtime_block_on() {
    let v = gorust_executor::block_on(async {
        let mut set = gorust_executor::task::JoinSet::new();
        for i in 0..10 {
            set.spawn(async move { i });
        }
        set.join_all().await.into_iter().sum::<i32>()
    });
    assert_eq!(v, 45);
}

#[test]
fn panic_in_block_on_future_propagates() {
    let rt = rt(1);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { panic!("main panicked") })
    }));
    assert!(r.is_err());
    // The runtime still works afterwards.
    assert_eq!(rt.block_on(async { 1 }), 1);
}

/// A panic in main must not take main's P with it: with one P, a later `block_on` whose main
/// waits for a spawned task would find no P to run that task and hang.
#[test]
fn panic_in_main_gives_its_p_back() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = rt(1);
        for _ in 0..3 {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rt.block_on(async {
                    // Main holds the P when it panics.
                    gorust_executor::yield_now().await;
                    panic!("main panicked")
                })
            }));
            assert!(r.is_err());
        }
        let v = rt.block_on(async {
            let h = gorust_executor::spawn(async {
                gorust_executor::yield_now().await;
                7
            });
            h.await.unwrap()
        });
        tx.send(v).unwrap();
    });
    let v = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("block_on after a panicking main hung: main's P was lost");
    assert_eq!(v, 7);
}

/// A future whose `Drop` panics: after completing, when aborted while parked, and when the
/// runtime is dropped with it parked. None of these may abort the process or kill a worker.
#[test]
fn a_panicking_drop_of_a_task_future_is_contained() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                panic!("drop of the task's future panicked");
            }
        }
    }
    let rt = rt(2);
    rt.block_on(async {
        // Completes, then its future's Drop panics: the handle reports a panic.
        let h = gorust_executor::spawn(async {
            let _g = PanicOnDrop;
            gorust_executor::yield_now().await;
            5
        });
        let err = h.await.expect_err("a panicking drop is the task's panic");
        assert!(err.is_panic(), "{err:?}");
        // Aborted while parked: cancelled, the panic swallowed.
        let h = gorust_executor::spawn(async {
            let _g = PanicOnDrop;
            std::future::pending::<()>().await;
        });
        gorust_executor::yield_now().await;
        h.abort();
        assert!(h.await.expect_err("aborted").is_cancelled());
        // The workers still run tasks.
        assert_eq!(gorust_executor::spawn(async { 9 }).await.unwrap(), 9);
    });
    // Dropped at shutdown while parked.
    rt.block_on(async {
        drop(gorust_executor::spawn(async {
            let _g = PanicOnDrop;
            std::future::pending::<()>().await;
        }));
        gorust_executor::yield_now().await;
    });
    drop(rt);
}
