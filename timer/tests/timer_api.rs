//! The user-facing API on plain threads (the fallback driver): timeout, interval and its
//! missed-tick behaviours, Go's Timer stop/reset semantics, after_func, extreme durations.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::task::{Context, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures::executor::block_on;
use gorust_timer::{
    MissedTickBehavior, Timer, after_func, interval, interval_at, sleep, timeout, timeout_at,
};

const MS: Duration = Duration::from_millis(1);

#[test]
fn timeout_of_a_never_ready_future_elapses() {
    let start = Instant::now();
    let r = block_on(timeout(10 * MS, std::future::pending::<u8>()));
    assert_eq!(r.unwrap_err().to_string(), "deadline has elapsed");
    let took = start.elapsed();
    assert!(took >= 10 * MS && took < 2000 * MS, "{took:?}");
    let e: std::io::Error = r.unwrap_err().into();
    assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
}

#[test]
fn timeout_returns_the_value_when_in_time_and_at_extremes() {
    assert_eq!(block_on(timeout(Duration::ZERO, async { 5 })), Ok(5));
    assert_eq!(block_on(timeout(Duration::MAX, async { 6 })), Ok(6));
    let past = Instant::now() - MS;
    assert!(block_on(timeout_at(past, std::future::pending::<()>())).is_err());
    let r = block_on(timeout(100 * MS, async {
        sleep(2 * MS).await;
        7
    }));
    assert_eq!(r, Ok(7));
}

#[test]
fn extreme_sleeps_do_not_panic() {
    let mut cx = Context::from_waker(Waker::noop());
    let mut max = sleep(Duration::MAX);
    assert!(Pin::new(&mut max).poll(&mut cx).is_pending());
    assert!(!max.is_elapsed());
    Pin::new(&mut max).reset(Instant::now());
    block_on(&mut max);
    block_on(sleep(Duration::ZERO));
    block_on(gorust_timer::sleep_until(
        Instant::now() - Duration::from_secs(1),
    ));
    let t = Timer::new(Duration::MAX);
    assert!(t.stop());
    let mut zero = interval(Duration::ZERO);
    for _ in 0..10 {
        block_on(zero.tick());
    }
}

#[test]
fn interval_ticks_on_schedule_first_immediately() {
    let start = Instant::now();
    let mut i = interval(5 * MS);
    let t0 = block_on(i.tick());
    assert!(t0 - start < 5 * MS);
    let t1 = block_on(i.tick());
    let t2 = block_on(i.tick());
    assert_eq!(t1 - t0, 5 * MS);
    assert_eq!(t2 - t1, 5 * MS);
    assert!(Instant::now() >= t2);
}

fn missed(behavior: MissedTickBehavior) -> Vec<Duration> {
    let start = Instant::now() + 2 * MS;
    let mut i = interval_at(start, 10 * MS);
    i.set_missed_tick_behavior(behavior);
    block_on(i.tick()); // at start
    thread::sleep(35 * MS); // miss three ticks (start+10, +20, +30)
    (0..3).map(|_| block_on(i.tick()) - start).collect()
}

#[test]
fn missed_tick_behaviours_match_tokio() {
    // Burst: the missed ticks back to back, on the original schedule.
    assert_eq!(
        missed(MissedTickBehavior::Burst),
        vec![10 * MS, 20 * MS, 30 * MS]
    );
    // Delay: one tick now (the missed one), then a full period after it fired (more if this
    // loaded machine delivers a tick late again: the schedule only ever moves later).
    let d = missed(MissedTickBehavior::Delay);
    assert!(d[0] >= 10 * MS, "{d:?}"); // exactly 10 ms unless the first tick itself was late
    assert!(d[1] >= 37 * MS && d[2] - d[1] >= 10 * MS, "{d:?}");
    // Skip: one tick now, then the next multiples of the period on the original schedule.
    let s = missed(MissedTickBehavior::Skip);
    assert!(s[0] >= 10 * MS, "{s:?}");
    for t in &s {
        assert_eq!(t.as_nanos() % (10 * MS).as_nanos(), 0, "{s:?}");
    }
    assert!(s[1] >= 40 * MS && s[2] > s[1], "{s:?}");
}

#[test]
fn go_timer_stop_and_reset_semantics() {
    let t = Timer::new(Duration::from_secs(60));
    assert!(t.stop(), "active timer: stop returns true");
    assert!(!t.stop(), "already stopped");
    assert!(!t.reset(MS), "reset of a stopped timer returns false");
    let fired = block_on(&t);
    assert!(fired <= Instant::now());
    assert!(!t.stop(), "value received: stop returns false");

    // Fired but not received: Go 1.23 drains it, stop returns true, no stale value later.
    let t = Timer::new(Duration::ZERO);
    thread::sleep(2 * MS);
    assert!(t.stop());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(
        Pin::new(&mut &t).poll(&mut cx).is_pending(),
        "no stale value after stop"
    );
    // Reset re-arms; the waiter registered above is woken by the reset timer.
    assert!(!t.reset(2 * MS));
    block_on(&t);
    assert!(
        Pin::new(&mut &t).poll(&mut cx).is_pending(),
        "one value per arming"
    );
    assert!(!t.reset(Duration::from_secs(60)), "received: not active");
    assert!(t.reset(MS), "moved earlier while heaped");
    block_on(&t);
}

#[test]
fn stop_from_another_thread_while_firing_is_exactly_once() {
    // Each round: a timer due now-ish, a waiter polling it, a stopper racing the fire.
    // Exactly one of "stop returned true" and "the waiter received" must happen.
    let rounds = 300;
    let (mut stopped, mut received) = (0, 0);
    for round in 0..rounds {
        let t = Arc::new(Timer::new(Duration::from_micros(200 + (round % 7) * 50)));
        let done = Arc::new(AtomicUsize::new(0));
        let (t2, done2) = (t.clone(), done.clone());
        let waiter = thread::spawn(move || {
            let mut cx = Context::from_waker(Waker::noop());
            loop {
                let finished = done2.load(SeqCst) == 1;
                if Pin::new(&mut &*t2).poll(&mut cx).is_ready() {
                    return true;
                }
                if finished {
                    return false;
                }
                thread::yield_now();
            }
        });
        thread::sleep(Duration::from_micros(150 + (round % 11) * 20));
        let stop = t.stop();
        done.store(1, SeqCst);
        let got = waiter.join().unwrap();
        assert!(stop != got, "round {round}: stop={stop} received={got}");
        if stop { stopped += 1 } else { received += 1 }
    }
    eprintln!("stop won {stopped}, fire won {received}");
    assert_eq!(stopped + received, rounds);
}

#[test]
fn after_func_runs_once_and_races_stop_exactly_once() {
    let (tx, rx) = mpsc::channel();
    let h = after_func(2 * MS, move || tx.send(Instant::now()).unwrap());
    let at = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(!h.stop(), "already ran");
    assert!(rx.recv_timeout(20 * MS).is_err(), "ran once");
    assert!(at >= Instant::now() - Duration::from_secs(5));

    let runs = Arc::new(AtomicUsize::new(0));
    let mut stops = 0;
    let rounds = 200;
    let mut handles = Vec::new();
    for round in 0..rounds {
        let r = runs.clone();
        let h = after_func(Duration::from_micros(100 + round % 200), move || {
            r.fetch_add(1, SeqCst);
        });
        thread::sleep(Duration::from_micros(round % 250));
        if h.stop() {
            stops += 1;
        }
        handles.push(h);
    }
    // Every call not stopped runs (give a stalled machine time), and none runs twice.
    let start = Instant::now();
    while runs.load(SeqCst) + stops < rounds as usize && start.elapsed() < Duration::from_secs(5) {
        thread::sleep(MS);
    }
    thread::sleep(5 * MS);
    assert_eq!(runs.load(SeqCst) + stops, rounds as usize);

    // A panicking callback does not take the driver down.
    let _p = after_func(Duration::ZERO, || {
        panic!("callback panic (expected in this test)")
    });
    let (tx, rx) = mpsc::channel();
    let _h = after_func(3 * MS, move || tx.send(()).unwrap());
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
}

#[test]
fn reset_from_another_thread_while_firing_accounts_every_arming() {
    // Every arming of a Go Timer ends exactly once: received by the waiter, or discarded by
    // a reset/stop that returned true. Resets race the heap firing and the waiter receiving.
    let t = Arc::new(Timer::new(Duration::from_micros(50)));
    let done = Arc::new(AtomicUsize::new(0));
    let (t2, done2) = (t.clone(), done.clone());
    let waiter = thread::spawn(move || {
        let mut cx = Context::from_waker(Waker::noop());
        let mut received = 0;
        loop {
            let finished = done2.load(SeqCst) == 1;
            if Pin::new(&mut &*t2).poll(&mut cx).is_ready() {
                received += 1;
            }
            if finished {
                return received;
            }
            thread::yield_now();
        }
    });
    let resets = 2_000;
    let mut discarded = 0;
    for i in 0..resets {
        thread::sleep(Duration::from_micros(20 + (i % 9) * 15));
        if t.reset(Duration::from_micros(40 + (i % 5) * 20)) {
            discarded += 1;
        }
    }
    if t.stop() {
        discarded += 1;
    }
    done.store(1, SeqCst);
    let received = waiter.join().unwrap();
    eprintln!(
        "armings {}: received {received}, discarded {discarded}",
        resets + 1
    );
    assert_eq!(received + discarded, resets as usize + 1);
}

#[test]
fn a_budget_left_on_a_plain_thread_does_not_stall_timers() {
    // A runtime may leave a spent cooperative budget on a thread; off a gorust worker it
    // belongs to nobody and must not make sleeps yield forever under another executor.
    let old = gorust_hooks::coop::set_budget(0);
    block_on(sleep(MS));
    let t = Timer::new(MS);
    block_on(&t);
    assert!(block_on(timeout(MS, std::future::pending::<()>())).is_err());
    gorust_hooks::coop::set_budget(old);
}
