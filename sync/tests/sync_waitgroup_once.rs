//! WaitGroup and Once/OnceCell: Go's `waitgroup_test.go` (TestWaitGroup, TestWaitGroupMisuse)
//! and `once_test.go` (TestOnce, TestOncePanic), plus cancellation.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Waker};
use std::thread;

use gorust_sync::{Once, OnceCell, WaitGroup};

/// Go's TestWaitGroup: two groups, N workers; wg2 is released only after all of wg1 arrived.
#[test]
fn go_wait_group() {
    for _ in 0..20 {
        let wg1 = Arc::new(WaitGroup::new());
        let wg2 = Arc::new(WaitGroup::new());
        let n = 8;
        wg1.add(n);
        wg2.add(n);
        let exited = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let (wg1, wg2, exited) = (wg1.clone(), wg2.clone(), exited.clone());
                thread::spawn(move || {
                    wg1.done();
                    wg2.wait_blocking();
                    exited.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        wg1.wait_blocking();
        assert_eq!(
            exited.load(Ordering::SeqCst),
            0,
            "WaitGroup released group too soon"
        );
        for _ in 0..n {
            wg2.done();
        }
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(exited.load(Ordering::SeqCst), n as usize);
    }
}

#[test]
#[should_panic(expected = "sync: negative WaitGroup counter")]
fn go_wait_group_misuse_negative() {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    wg.done();
}

#[test]
fn dropped_wait_does_not_leak_a_token() {
    let wg = WaitGroup::new();
    wg.add(1);
    let mut cx = Context::from_waker(Waker::noop());
    {
        let mut w = pin!(wg.wait());
        assert!(w.as_mut().poll(&mut cx).is_pending());
    } // dropped while parked
    wg.done();
    // Reuse: a new cycle must block until its own done().
    wg.add(1);
    let mut w = pin!(wg.wait());
    assert!(
        w.as_mut().poll(&mut cx).is_pending(),
        "stale token let a later wait through"
    );
    wg.done();
    assert!(w.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn go_once() {
    let once = Arc::new(Once::new());
    let n = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..8)
        .map(|i| {
            let (once, n) = (once.clone(), n.clone());
            thread::spawn(move || {
                let f = || {
                    thread::sleep(std::time::Duration::from_millis(5));
                    n.fetch_add(1, Ordering::SeqCst);
                };
                if i % 2 == 0 {
                    once.call_once(f);
                } else {
                    futures::executor::block_on(once.call_once_async(|| async { f() }));
                }
                // Every caller returns only after f finished.
                assert_eq!(n.load(Ordering::SeqCst), 1);
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
}

/// Go's TestOncePanic: a panicking f counts as done; later calls do not run f.
#[test]
fn go_once_panic() {
    let once = Once::new();
    let r = catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("failed"))));
    assert!(r.is_err());
    assert!(once.is_completed());
    once.call_once(|| panic!("Once.Do called twice"));
}

#[test]
fn once_async_cancelled_initialiser_lets_next_run() {
    let once = Once::new();
    let mut cx = Context::from_waker(Waker::noop());
    {
        let mut f = pin!(once.call_once_async(std::future::pending::<()>));
        assert!(f.as_mut().poll(&mut cx).is_pending());
    }
    assert!(!once.is_completed());
    let mut ran = false;
    once.call_once(|| ran = true);
    assert!(ran);
}

#[test]
fn once_cell_panic_leaves_empty_and_concurrent_init_once() {
    let cell = OnceCell::<u32>::new();
    let r = catch_unwind(AssertUnwindSafe(|| {
        futures::executor::block_on(cell.get_or_init(|| async { panic!("init") }))
    }));
    assert!(r.is_err());
    assert!(cell.get().is_none());
    let cell = Arc::new(OnceCell::new());
    let inits = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..6)
        .map(|i| {
            let (cell, inits) = (cell.clone(), inits.clone());
            thread::spawn(move || {
                let v = futures::executor::block_on(cell.get_or_init(|| async {
                    inits.fetch_add(1, Ordering::SeqCst);
                    i
                }));
                *v
            })
        })
        .collect();
    let vals: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(vals.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(inits.load(Ordering::SeqCst), 1);
}

#[test]
fn once_cell_drops_value_once() {
    struct D(Arc<AtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    {
        let c = OnceCell::new();
        assert!(c.set(D(drops.clone())).is_ok());
        let back = c.set(D(drops.clone())).unwrap_err();
        drop(back);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}
