//! Go's `time/sleep_test.go` and `time/tick_test.go`, rewritten for gorust-timer (fresh code,
//! same cases): Sleep, After, AfterFunc, Timer Stop/Reset (Go 1.23 semantics), Ticker,
//! overflowing durations, a panicking AfterFunc, timers reset earlier. Run on plain threads
//! (the fallback driver); `select` is `gorust_chan::select!`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use futures::executor::block_on;
use gorust_timer::{Ticker, Timer, after, after_func, sleep};

const DELTA: Duration = Duration::from_millis(10);

/// Go: TestSleep (without the interrupting goroutine: a future cannot be interrupted).
#[test]
fn sleep_waits_at_least_the_duration() {
    let start = Instant::now();
    block_on(sleep(5 * DELTA));
    assert!(start.elapsed() >= 5 * DELTA);
}

/// Go: TestSleepZeroDeadlock - many zero sleeps never wedge the timer machinery.
#[test]
fn zero_sleeps_never_wedge() {
    block_on(async {
        for _ in 0..1_000 {
            sleep(Duration::ZERO).await;
        }
    });
    block_on(sleep(Duration::from_millis(1)));
}

/// Go: TestAfterFunc - an AfterFunc that schedules the next one, ten times.
#[test]
fn after_func_chain() {
    fn step(left: usize, done: mpsc::Sender<()>) {
        if left == 0 {
            done.send(()).unwrap();
            return;
        }
        let _ = after_func(Duration::ZERO, move || step(left - 1, done.clone()));
    }
    let (tx, rx) = mpsc::channel();
    step(10, tx);
    rx.recv_timeout(Duration::from_secs(5))
        .expect("chain completed");
}

/// Go: TestAfterTick - ten sequential Afters take at least ten deltas.
#[test]
fn after_tick_sequence() {
    let start = Instant::now();
    block_on(async {
        for _ in 0..10 {
            after(DELTA).recv().await.unwrap();
        }
    });
    assert!(start.elapsed() >= 10 * DELTA);
}

/// Go: TestAfterStop - stopped AfterFunc and Timer never fire; a plain After still does.
#[test]
fn after_stop() {
    let fired = Arc::new(AtomicUsize::new(0));
    let f = fired.clone();
    let af = after_func(10 * DELTA, move || {
        f.fetch_add(1, SeqCst);
    });
    let t = Timer::new(5 * DELTA);
    let c = after(20 * DELTA);
    assert!(af.stop());
    assert!(t.stop());
    block_on(c.recv()).unwrap();
    assert_eq!(fired.load(SeqCst), 0, "stopped AfterFunc ran");
    assert!(!af.stop(), "second stop of an AfterFunc returns false");
    assert!(!t.stop(), "second stop of a Timer returns false");
}

/// Go: TestAfterQueuing - Afters fire in the order of their deadlines, not creation. The
/// value each channel receives is the time its timer fired (on the timer thread), so the
/// firing order is checked on those values, not on when the receiving code ran; each
/// deadline is bracketed by clock reads around its `after` call (creation can be slow, as
/// under valgrind, so "slot * 3 deltas after start" is not the deadline).
#[test]
fn after_queuing_orders_by_deadline() {
    let slots = [0u32, 2, 1, 0, 3, 4, 2, 1];
    let chans: Vec<_> = slots
        .iter()
        .map(|&s| {
            let d = DELTA * s * 3;
            let before = Instant::now();
            let rx = after(d);
            (before + d, Instant::now() + d, rx)
        })
        .collect();
    let mut fired: Vec<(Instant, Instant, Instant)> = block_on(async {
        let mut v = Vec::new();
        for (lo, hi, rx) in &chans {
            v.push((rx.recv().await.unwrap(), *lo, *hi));
        }
        v
    });
    fired.sort_by_key(|&(at, _, _)| at);
    for w in fired.windows(2) {
        let ((_, lo_a, _), (_, _, hi_b)) = (w[0], w[1]);
        assert!(lo_a <= hi_b, "fired out of deadline order: {fired:?}");
    }
    for (at, lo, _) in fired {
        assert!(at >= lo, "fired before its deadline");
    }
}

/// Go: TestTimerStopStress - timers stopped right after creation never fire.
#[test]
fn timer_stop_stress() {
    let fired = Arc::new(AtomicUsize::new(0));
    for _ in 0..100 {
        let f = fired.clone();
        let h = after_func(Duration::from_millis(300), move || {
            f.fetch_add(1, SeqCst);
        });
        assert!(h.stop());
    }
    thread::sleep(Duration::from_millis(400));
    assert_eq!(fired.load(SeqCst), 0);
}

/// Go: TestReset - Reset of an active timer returns true and moves it; of an expired one
/// (value received) returns false.
#[test]
fn reset_semantics() {
    let d = 2 * DELTA;
    let t = Timer::new(2 * d);
    thread::sleep(d);
    let reset_at = Instant::now(); // the new deadline is at least reset_at + 3d
    assert!(t.reset(3 * d), "resetting an active timer returns true");
    thread::sleep(2 * d);
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    use std::future::Future;
    if std::pin::Pin::new(&mut &t).poll(&mut cx).is_ready() {
        // Only possible if this thread overslept past the new deadline (a loaded machine).
        assert!(
            Instant::now() >= reset_at + 3 * d,
            "the reset timer fired early"
        );
    } else {
        let fired = block_on(gorust_timer::timeout(Duration::from_secs(5), &t));
        assert!(fired.is_ok(), "the reset timer did not fire");
        assert!(
            Instant::now() >= reset_at + 3 * d,
            "the reset timer fired early"
        );
    }
    assert!(
        !t.reset(Duration::from_millis(50)),
        "resetting a received timer returns false"
    );
}

/// Go 1.23: TestStopResult/drain - a fired but unreceived value is discarded by Stop/Reset,
/// which then report the timer as active; no stale value is received afterwards.
#[test]
fn stop_and_reset_drain_unreceived_values() {
    let t = Timer::new(Duration::ZERO);
    thread::sleep(DELTA);
    let reset_at = Instant::now();
    assert!(t.reset(10 * DELTA), "fired but not received: still active");
    block_on(&t);
    assert!(
        Instant::now() >= reset_at + 10 * DELTA,
        "received the stale value"
    );
    let t = Timer::new(Duration::ZERO);
    thread::sleep(DELTA);
    assert!(t.stop());
    let r = block_on(gorust_timer::timeout(5 * DELTA, &t));
    assert!(r.is_err(), "received a value after Stop");
}

/// Go: TestOverflowSleep - a huge duration never fires; a huge negative one (here: an
/// instant far in the past) fires at once; neither panics.
#[test]
fn overflowing_durations() {
    let r = block_on(gorust_timer::timeout(DELTA, sleep(Duration::MAX)));
    assert!(r.is_err(), "Duration::MAX sleep completed");
    let never = after(Duration::MAX);
    thread::sleep(DELTA);
    assert!(never.try_recv().is_err());
    let long_ago = Instant::now()
        .checked_sub(Duration::from_secs(3600))
        .unwrap_or_else(Instant::now);
    block_on(gorust_timer::sleep_until(long_ago));
    let t = Timer::at(long_ago);
    block_on(&t);
}

/// Go: TestIssue5745 - a panicking AfterFunc does not break later timers.
#[test]
fn panicking_after_func_leaves_timers_working() {
    let _ = after_func(Duration::ZERO, || {
        panic!("after_func panic (expected in this test)")
    });
    thread::sleep(DELTA);
    let (tx, rx) = mpsc::channel();
    let _h = after_func(DELTA, move || tx.send(()).unwrap());
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
    block_on(sleep(DELTA));
}

/// Go: TestZeroTimer - NewTimer(0) fires promptly, many times over.
#[test]
fn zero_timer_fires_promptly() {
    for _ in 0..1_000 {
        let start = Instant::now();
        let t = Timer::new(Duration::ZERO);
        block_on(&t);
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}

/// Go: TestTimerModifiedEarlier - timers created far out and reset earlier all fire on time.
#[test]
fn timers_reset_earlier_fire_on_time() {
    let timers: Vec<_> = (0..100)
        .map(|_| Timer::new(Duration::from_secs(3600)))
        .collect();
    block_on(async {
        // Register them all in the heap, far out.
        for t in &timers {
            let _ = gorust_timer::timeout(Duration::ZERO, t).await;
        }
    });
    let start = Instant::now();
    for (i, t) in timers.iter().enumerate() {
        assert!(t.reset(DELTA + Duration::from_micros(i as u64)));
    }
    block_on(async {
        for t in &timers {
            t.await;
        }
    });
    let took = start.elapsed();
    assert!(took >= DELTA && took < Duration::from_secs(5), "{took:?}");
}

/// Go: TestTicker / TestTickerStopWithDirectInitialization - ticks come a period apart,
/// Stop ends them, Reset changes the period.
#[test]
fn ticker_period_stop_reset() {
    let start = Instant::now();
    let t = Ticker::new(DELTA);
    block_on(async {
        for _ in 0..5 {
            t.c().recv().await.unwrap();
        }
    });
    let took = start.elapsed();
    assert!(took >= 5 * DELTA - Duration::from_millis(1), "{took:?}");
    t.reset(2 * DELTA);
    let start = Instant::now();
    block_on(async {
        let _ = t.c().try_recv(); // a tick of the old period may be waiting
        for _ in 0..3 {
            t.c().recv().await.unwrap();
        }
    });
    assert!(start.elapsed() >= 4 * DELTA);
    t.stop();
    let _ = t.c().try_recv();
    thread::sleep(3 * DELTA);
    assert!(t.c().try_recv().is_err(), "tick after Stop");
}
