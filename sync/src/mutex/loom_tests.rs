//! Loom models of the Mutex in both modes, including a lock future dropped while queued.

use super::Mutex;
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

fn hammer(threshold: u64, threads: usize) {
    loom::model(move || {
        let m = Arc::new(Mutex::with_loom_threshold(0usize, threshold));
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    let mut g = loom::future::block_on(m.lock());
                    *g += 1;
                })
            })
            .collect();
        *loom::future::block_on(m.lock()) += 1;
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(*m.try_lock().expect("free at the end"), threads + 1);
        assert_eq!(m.state.load(loom::sync::atomic::Ordering::Relaxed), 0);
    });
}

#[test]
fn normal_mode_two() {
    hammer(u64::MAX, 1);
}

#[test]
fn starvation_mode_two() {
    hammer(0, 1);
}

#[test]
fn starvation_mode_three() {
    hammer(0, 2);
}

#[test]
fn normal_mode_three() {
    hammer(u64::MAX, 2);
}

/// A waiter that gives up after one poll must not take a wake-up or the lock with it.
#[test]
fn cancelled_waiter_passes_on() {
    for (threshold, polls) in [(0, 1), (u64::MAX, 1), (0, 2)] {
        loom::model(move || {
            let m = Arc::new(Mutex::with_loom_threshold(0usize, threshold));
            let m2 = m.clone();
            let t = thread::spawn(move || {
                let mut fut = pin!(m2.lock());
                let mut cx = Context::from_waker(Waker::noop());
                for _ in 0..polls {
                    if let Poll::Ready(mut g) = fut.as_mut().poll(&mut cx) {
                        *g += 1;
                        return;
                    }
                    thread::yield_now();
                }
                // dropped here: queued, woken, or handed the lock
            });
            let m3 = m.clone();
            let t2 = thread::spawn(move || *loom::future::block_on(m3.lock()) += 1);
            *loom::future::block_on(m.lock()) += 1;
            t.join().unwrap();
            t2.join().unwrap();
            let g = m.try_lock().expect("free at the end");
            assert!(*g >= 2);
            drop(g);
            assert_eq!(m.state.load(loom::sync::atomic::Ordering::Relaxed), 0);
        });
    }
}

/// Starvation-mode unlock racing the cancellation of the only waiter: the unlocker saw
/// STARVING, the waiter leaves (ending the mode) before the unlocker takes the list lock.
#[test]
fn starving_unlock_races_last_waiter_cancel() {
    loom::model(|| {
        let m: &'static Mutex<usize> = Box::leak(Box::new(Mutex::with_loom_threshold(0, 0)));
        let mut cx = Context::from_waker(Waker::noop());
        let g = m.try_lock().unwrap();
        let mut a = Box::pin(m.lock());
        assert!(a.as_mut().poll(&mut cx).is_pending()); // queued
        drop(g); // wakes `a` (normal mode)
        let barger = m.try_lock().expect("the woken waiter has not run yet");
        assert!(a.as_mut().poll(&mut cx).is_pending()); // re-queued, starving
        assert!(format!("{m:?}").contains("starving: true"));
        let t = thread::spawn(move || drop(barger));
        drop(a);
        t.join().unwrap();
        let g = m.try_lock().expect("free at the end");
        drop(g);
        assert_eq!(m.state.load(loom::sync::atomic::Ordering::Relaxed), 0);
    });
}
