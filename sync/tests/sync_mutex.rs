//! Mutex tests: Go's `mutex_test.go` (TestMutex hammer, TestMutexFairness), tokio's
//! `sync_mutex.rs` cancellation cases, and gorust's starvation-mode checks. Plain threads and
//! hand-polled futures only (tokio runs live in the root `tests/sync_tokio.rs`).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use gorust_sync::Mutex;

#[test]
fn hammer_threads_blocking_and_async() {
    let m = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..8)
        .map(|i| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..2_000 {
                    if i % 2 == 0 {
                        *m.lock_blocking() += 1;
                    } else {
                        futures::executor::block_on(async { *m.lock().await += 1 });
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*m.lock_blocking(), 16_000);
}

#[test]
fn try_lock_and_guard_unlocks() {
    let m = Mutex::new(());
    let g = m.try_lock().unwrap();
    assert!(m.try_lock().is_none());
    drop(g);
    assert!(m.try_lock().is_some());
}

/// tokio's `aborted_future_1/2`: a lock future dropped while queued, or after it was woken,
/// must not leak the lock or a wake-up.
#[test]
fn dropped_waiters_do_not_leak() {
    let m = Mutex::new(0);
    let held = m.try_lock().unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    {
        let mut a = pin!(m.lock());
        assert!(a.as_mut().poll(&mut cx).is_pending());
        let mut b = pin!(m.lock());
        assert!(b.as_mut().poll(&mut cx).is_pending());
        drop(held); // wakes `a` (normal mode)
        // both dropped here: `a` holds the WOKEN token and must pass it on
    }
    assert!(m.try_lock().is_some(), "lock leaked by a dropped waiter");
    assert_eq!(
        format!("{m:?}"),
        "Mutex { locked: false, starving: false, waiters: 0, .. }"
    );
}

#[test]
fn dropped_after_handoff_passes_lock_on() {
    // Force starvation mode: a waiter that waited > 1 ms and lost re-queues as starving.
    let m = Arc::new(Mutex::new(0));
    let held = m.try_lock().unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    let mut a = Box::pin(m.lock());
    assert!(a.as_mut().poll(&mut cx).is_pending());
    thread::sleep(Duration::from_millis(3));
    drop(held); // wakes a
    let barger = m.try_lock().unwrap(); // barges ahead of the woken a
    assert!(a.as_mut().poll(&mut cx).is_pending()); // a re-queues, starving
    assert!(format!("{m:?}").contains("starving: true"));
    let mut b = Box::pin(m.lock());
    assert!(b.as_mut().poll(&mut cx).is_pending()); // newcomer queues behind a
    drop(barger); // hand off to a
    drop(a); // a owned the lock: it must go to b
    match b.as_mut().poll(&mut cx) {
        Poll::Ready(mut g) => *g += 1,
        Poll::Pending => panic!("handoff lost when its receiver was dropped"),
    }
    assert!(m.try_lock().is_some());
}

/// Go's TestMutexFairness: one goroutine holds the lock in a tight loop; another must still
/// get it 10 times within 10 s (starvation mode makes that quick).
#[test]
fn go_mutex_fairness() {
    let m = Arc::new(Mutex::new(()));
    let stop = Arc::new(AtomicBool::new(false));
    let hog = {
        let (m, stop) = (m.clone(), stop.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let _g = m.lock_blocking();
                let t = Instant::now();
                while t.elapsed() < Duration::from_micros(100) {
                    std::hint::spin_loop();
                }
            }
        })
    };
    let start = Instant::now();
    for _ in 0..10 {
        thread::sleep(Duration::from_micros(100));
        let _g = m.lock_blocking();
    }
    stop.store(true, Ordering::Relaxed);
    hog.join().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "can't acquire Mutex in 10 seconds"
    );
}

/// Many threads hammer the lock while one sleeps between attempts: its worst wait stays
/// bounded thanks to starvation mode (the bench reports the figures; this asserts loosely).
#[test]
fn sleeper_wait_is_bounded() {
    let m = Arc::new(Mutex::new(0u64));
    let stop = Arc::new(AtomicBool::new(false));
    let hammers: Vec<_> = (0..4)
        .map(|_| {
            let (m, stop) = (m.clone(), stop.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let mut g = m.lock_blocking();
                    for _ in 0..50 {
                        *g = g.wrapping_add(1);
                    }
                }
            })
        })
        .collect();
    let mut worst = Duration::ZERO;
    for _ in 0..100 {
        thread::sleep(Duration::from_micros(200));
        let t = Instant::now();
        drop(m.lock_blocking());
        worst = worst.max(t.elapsed());
    }
    stop.store(true, Ordering::Relaxed);
    for h in hammers {
        h.join().unwrap();
    }
    assert!(
        worst < Duration::from_millis(500),
        "sleeper starved: worst wait {worst:?}"
    );
}

/// Compile-time auto-trait checks: guards and futures can cross threads like tokio's.
#[test]
fn send_sync() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<Mutex<u8>>();
    sync::<Mutex<u8>>();
    send::<gorust_sync::MutexGuard<'static, u8>>();
    sync::<gorust_sync::MutexGuard<'static, u8>>();
    send::<gorust_sync::MutexLock<'static, u8>>();
    fn both<T: Send + Sync>() {}
    both::<gorust_sync::RwLock<u8>>();
    both::<gorust_sync::RwLockReadGuard<'static, u8>>();
    send::<gorust_sync::Read<'static, u8>>();
    send::<gorust_sync::Write<'static, u8>>();
    both::<gorust_sync::WaitGroup>();
    send::<gorust_sync::Wait<'static>>();
    both::<gorust_sync::Once>();
    both::<gorust_sync::OnceCell<u8>>();
    both::<gorust_sync::Cond>();
    send::<gorust_sync::CondWait<'static, u8>>();
    both::<gorust_sync::Semaphore>();
    send::<gorust_sync::Acquire<'static>>();
    both::<gorust_sync::Map<u8, String>>();
    both::<gorust_sync::Pool<Vec<u8>>>();
    both::<gorust_sync::context::Context>();
    both::<gorust_sync::context::CancelFunc>();
    both::<gorust_sync::context::Done>();
    send::<gorust_sync::errgroup::Group<'static, ()>>();
    both::<gorust_sync::singleflight::Group<u8, u8>>();
}
