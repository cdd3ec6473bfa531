//! gorust-timer under the gorust executor (per-P heaps run by the scheduler): the shared
//! workloads of `time_common`, plus the scheduler-specific cases: a timer created on a P whose
//! M then parks still fires on time, and a CPU-bound P does not delay its timers
//! (golang/go#38860: other Ms run its due timers).

mod time_common;

use futures::FutureExt;
use std::time::{Duration, Instant};
use time_common::{MS, Rt};

const RT: Rt = Rt {
    spawn: |f| gorust::spawn(f).map(|r| r.unwrap()).boxed(),
};

fn run<F: std::future::Future>(procs: usize, f: F) -> F::Output {
    gorust::runtime::Builder::new()
        .procs(procs)
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn many_sleeps_gorust() {
    run(2, time_common::many_sleeps(RT, 2_000));
}

#[test]
fn timeouts_intervals_after_gorust() {
    run(2, async {
        time_common::timeouts().await;
        time_common::intervals().await;
        time_common::after_in_select().await;
    });
}

#[test]
fn stop_races_gorust() {
    let (s, r) = run(2, time_common::stop_races(RT, 200));
    eprintln!("gorust: stop won {s}, fire won {r}");
}

/// The main task sleeps on P0's heap while every M is idle: the parked M must wake for it.
#[test]
fn timer_on_a_p_whose_m_parks_fires_on_time() {
    for procs in [1, 2] {
        run(procs, async {
            for _ in 0..10 {
                let start = Instant::now();
                gorust::time::sleep(5 * MS).await;
                let late = start.elapsed() - 5 * MS;
                assert!(late < 100 * MS, "procs {procs}: late by {late:?}");
            }
        });
    }
}

/// A task spins for 1 s without yielding while a timer on the same P is due after 10 ms:
/// another M runs the busy P's due timers, so the sleeper is not held up by the spinner.
#[test]
fn cpu_bound_p_does_not_delay_its_timers() {
    run(2, async {
        let start = Instant::now();
        let sleeper = gorust::spawn(async move {
            gorust::time::sleep(10 * MS).await;
            start.elapsed()
        });
        gorust::yield_now().await; // let the sleeper register on this P
        let spinner = gorust::spawn(async move {
            while start.elapsed() < Duration::from_millis(1_000) {
                std::hint::spin_loop();
            }
        });
        let woke = sleeper.await.unwrap();
        spinner.await.unwrap();
        assert!(
            woke < Duration::from_millis(600),
            "timer held up by a busy P: {woke:?}"
        );
    });
}

#[test]
fn lateness_1ms_gorust() {
    let (median, p99) = run(2, time_common::lateness_1ms(RT, 10, 1_000));
    eprintln!("gorust, 1 ms sleep lateness: median {median:?}, p99 {p99:?}");
    assert!(median < 5 * MS, "median {median:?}");
}

#[test]
fn mixed_timer_stress_gorust() {
    let start = Instant::now();
    run(2, time_common::mixed_stress(RT, 1_000, 20));
    eprintln!(
        "gorust: 20,000 mixed timer operations in {:?}",
        start.elapsed()
    );
}
