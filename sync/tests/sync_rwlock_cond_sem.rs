//! RwLock (Go's `rwmutex_test.go`: TestParallelReaders, TestRWMutex hammer, writer
//! preference), Cond (`cond_test.go`: TestCondSignal, TestCondBroadcast) and the weighted
//! Semaphore (x/sync `semaphore_test.go`: TestWeighted, TestLargeAcquireDoesntStarve).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use gorust_sync::{Cond, Mutex, RwLock, Semaphore, WaitGroup};

/// Go's TestParallelReaders: n readers all hold the read lock at once.
#[test]
fn go_parallel_readers() {
    let l = Arc::new(RwLock::new(()));
    let inside = Arc::new(WaitGroup::new());
    let release = Arc::new(WaitGroup::new());
    let n = 4;
    inside.add(n);
    release.add(1);
    let hs: Vec<_> = (0..n)
        .map(|_| {
            let (l, inside, release) = (l.clone(), inside.clone(), release.clone());
            thread::spawn(move || {
                let _r = l.read_blocking();
                inside.done();
                release.wait_blocking();
            })
        })
        .collect();
    inside.wait_blocking(); // all n inside at once
    release.done();
    for h in hs {
        h.join().unwrap();
    }
}

/// Go's TestRWMutex hammer: readers see no writer, writers see nobody.
#[test]
fn go_rwmutex_hammer() {
    let l = Arc::new(RwLock::new(()));
    let activity = Arc::new(AtomicI32::new(0));
    let hs: Vec<_> = (0..6)
        .map(|i| {
            let (l, activity) = (l.clone(), activity.clone());
            thread::spawn(move || {
                for _ in 0..1_000 {
                    if i % 3 == 0 {
                        let _w = l.write_blocking();
                        let n = activity.fetch_add(10_000, Ordering::SeqCst);
                        assert_eq!(n, 0, "wlock({n}) != 0");
                        activity.fetch_sub(10_000, Ordering::SeqCst);
                    } else {
                        let _r = futures::executor::block_on(l.read());
                        let n = activity.fetch_add(1, Ordering::SeqCst);
                        assert!((0..10_000).contains(&n), "rlock({n})");
                        activity.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
}

#[test]
fn pending_writer_blocks_new_readers_and_cancel_is_clean() {
    let l = RwLock::new(0);
    let mut cx = Context::from_waker(Waker::noop());
    let r1 = l.try_read().unwrap();
    let mut w = Box::pin(l.write());
    assert!(w.as_mut().poll(&mut cx).is_pending());
    assert!(
        l.try_read().is_none(),
        "a pending writer must block new readers"
    );
    let mut r2 = Box::pin(l.read());
    assert!(r2.as_mut().poll(&mut cx).is_pending());
    drop(r1); // last reader: hands the lock to the writer
    let mut g = match w.as_mut().poll(&mut cx) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("writer not woken by the last reader"),
    };
    *g += 1;
    drop(g); // releases r2
    assert!(matches!(r2.as_mut().poll(&mut cx), Poll::Ready(ref g) if **g == 1));
    drop(r2);
    // Cancel a writer waiting for readers, and a reader waiting for a writer.
    let r = l.try_read().unwrap();
    let mut w = Box::pin(l.write());
    assert!(w.as_mut().poll(&mut cx).is_pending());
    let mut r3 = Box::pin(l.read());
    assert!(r3.as_mut().poll(&mut cx).is_pending());
    drop(r3); // queued reader leaves a debt
    drop(w); // queued writer leaves a debt
    drop(r); // settles: the abandoned writer's lock is released, the reader's too
    assert!(l.try_write().is_some(), "cancelled waiters leaked the lock");
    assert!(l.try_read().is_some());
}

/// Go's TestCondSignal and TestCondBroadcast on threads and tasks.
#[test]
fn go_cond_signal_and_broadcast() {
    let pair = Arc::new((Mutex::new(0usize), Cond::new()));
    let running = Arc::new(AtomicUsize::new(0));
    let n = 4;
    let hs: Vec<_> = (0..n)
        .map(|i| {
            let (pair, running) = (pair.clone(), running.clone());
            thread::spawn(move || {
                let (m, c) = &*pair;
                let mut g = m.lock_blocking();
                running.fetch_add(1, Ordering::SeqCst);
                let seen = *g;
                while *g == seen {
                    g = if i % 2 == 0 {
                        c.wait_blocking(g)
                    } else {
                        futures::executor::block_on(c.wait(g))
                    };
                }
                *g += 0;
            })
        })
        .collect();
    while running.load(Ordering::SeqCst) < n {
        thread::yield_now();
    }
    let (m, c) = &*pair;
    // All waiters are parked once they released the mutex; bump and broadcast.
    *m.lock_blocking() += 1;
    c.broadcast();
    for h in hs {
        h.join().unwrap();
    }
    // Signal wakes exactly one waiter.
    let woke = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let (pair, woke) = (pair.clone(), woke.clone());
            thread::spawn(move || {
                let (m, c) = &*pair;
                let g = m.lock_blocking();
                let _g = c.wait_blocking(g);
                woke.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    let until = |f: &dyn Fn() -> bool| {
        let t = std::time::Instant::now();
        while !f() {
            assert!(t.elapsed() < Duration::from_secs(10), "timed out");
            thread::sleep(Duration::from_millis(1));
        }
    };
    until(&|| format!("{c:?}") == "Cond { waiters: 2 }");
    c.signal();
    until(&|| woke.load(Ordering::SeqCst) == 1);
    thread::sleep(Duration::from_millis(30));
    assert_eq!(
        woke.load(Ordering::SeqCst),
        1,
        "signal must wake exactly one"
    );
    c.signal();
    for h in hs {
        h.join().unwrap();
    }
}

#[test]
fn cond_cancelled_signalled_waiter_passes_signal_on() {
    let m = Mutex::new(());
    let c = Cond::new();
    let mut cx = Context::from_waker(Waker::noop());
    let mut a = Box::pin(c.wait(m.lock_blocking()));
    assert!(a.as_mut().poll(&mut cx).is_pending());
    let mut b = Box::pin(c.wait(m.lock_blocking()));
    assert!(b.as_mut().poll(&mut cx).is_pending());
    c.signal(); // chooses a
    drop(a); // a passes it to b
    assert!(b.as_mut().poll(&mut cx).is_ready());
}

#[test]
#[should_panic(expected = "two different mutexes")]
fn cond_with_two_mutexes_panics() {
    let (m1, m2, c) = (Mutex::new(()), Mutex::new(()), Cond::new());
    let mut cx = Context::from_waker(Waker::noop());
    let mut a = pin!(c.wait(m1.lock_blocking()));
    let _ = a.as_mut().poll(&mut cx);
    let _b = c.wait(m2.lock_blocking());
}

/// x/sync TestWeighted: random weights never exceed the size.
#[test]
fn weighted_hammer() {
    let sem = Arc::new(Semaphore::new(10));
    let held = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (1..=6u64)
        .map(|w| {
            let (sem, held) = (sem.clone(), held.clone());
            thread::spawn(move || {
                for _ in 0..500 {
                    let p = sem.acquire_blocking(w);
                    let now = held.fetch_add(w as usize, Ordering::SeqCst) + w as usize;
                    assert!(now <= 10, "held {now} > size");
                    held.fetch_sub(w as usize, Ordering::SeqCst);
                    drop(p);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert!(sem.try_acquire(10).is_some());
}

/// x/sync TestLargeAcquireDoesntStarve: a queued large request blocks later small ones.
#[test]
fn large_acquire_does_not_starve() {
    let sem = Semaphore::new(2);
    let mut cx = Context::from_waker(Waker::noop());
    let one = sem.try_acquire(1).unwrap();
    let mut big = Box::pin(sem.acquire(2));
    assert!(big.as_mut().poll(&mut cx).is_pending());
    assert!(
        sem.try_acquire(1).is_none(),
        "a small request jumped a queued large one"
    );
    let mut small = Box::pin(sem.acquire(1));
    assert!(small.as_mut().poll(&mut cx).is_pending());
    drop(one);
    let big_p = match big.as_mut().poll(&mut cx) {
        Poll::Ready(p) => p,
        Poll::Pending => panic!("large request starved"),
    };
    assert!(small.as_mut().poll(&mut cx).is_pending());
    drop(big_p);
    assert!(small.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn semaphore_cancel_returns_units_and_doomed_request() {
    let sem = Semaphore::new(3);
    let mut cx = Context::from_waker(Waker::noop());
    let p = sem.try_acquire(3).unwrap();
    let mut a = Box::pin(sem.acquire(2));
    assert!(a.as_mut().poll(&mut cx).is_pending());
    let mut b = Box::pin(sem.acquire(1));
    assert!(b.as_mut().poll(&mut cx).is_pending());
    drop(p); // grants a (2) and b (1)
    drop(a); // a was granted after "cancel": its units go back
    assert!(matches!(b.as_mut().poll(&mut cx), Poll::Ready(_)));
    assert!(sem.try_acquire(2).is_some());
    let mut doomed = Box::pin(sem.acquire(4));
    assert!(doomed.as_mut().poll(&mut cx).is_pending());
    assert!(
        sem.try_acquire(3).is_some(),
        "a doomed request must not block the queue"
    );
}

#[test]
#[should_panic(expected = "released more than held")]
fn semaphore_over_release_panics() {
    Semaphore::new(1).release(1);
}
