//! gorust-timer under tokio (its timers live on the shared fallback thread there): the same
//! workloads as `time_gorust.rs`, on tokio's multi-thread and current-thread runtimes.

mod time_common;

use futures::FutureExt;
use time_common::{MS, Rt};

const RT: Rt = Rt {
    spawn: |f| tokio::spawn(f).map(|r| r.unwrap()).boxed(),
};

fn multi() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn many_sleeps_tokio() {
    multi().block_on(time_common::many_sleeps(RT, 2_000));
}

#[test]
fn timeouts_and_intervals_tokio_current_thread() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap(); // no enable_time: gorust-timer does not need tokio's driver
    rt.block_on(async {
        time_common::timeouts().await;
        time_common::intervals().await;
        time_common::after_in_select().await;
    });
}

#[test]
fn stop_races_tokio() {
    let (s, r) = multi().block_on(time_common::stop_races(RT, 200));
    eprintln!("tokio: stop won {s}, fire won {r}");
}

#[test]
fn lateness_1ms_tokio() {
    let (median, p99) = multi().block_on(time_common::lateness_1ms(RT, 10, 1_000));
    eprintln!("gorust-timer under tokio, 1 ms sleep lateness: median {median:?}, p99 {p99:?}");
    assert!(median < 5 * MS, "median {median:?}");
}

#[test]
fn mixed_timer_stress_tokio() {
    multi().block_on(time_common::mixed_stress(RT, 1_000, 20));
}
