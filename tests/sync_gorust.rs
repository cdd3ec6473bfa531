//! gorust-sync under the gorust executor (2 Ps), the same workloads as `sync_tokio.rs` (in
//! `sync_common`).

mod sync_common;

use futures::FutureExt;
use std::time::Duration;
use sync_common::Rt;

const RT: Rt = Rt {
    spawn: |f| gorust::spawn(f).map(|r| r.unwrap()).boxed(),
    sleep: |d: Duration| gorust::time::sleep(d).boxed(),
};

fn run<F: std::future::Future>(f: F) -> F::Output {
    gorust::runtime::Builder::new()
        .procs(2)
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn mutex_hammer_gorust() {
    run(sync_common::mutex_hammer(RT, 2_000));
}

#[test]
fn mutex_starvation_bounded_gorust() {
    let [sleeper_max, ..] = run(sync_common::starvation(RT, Duration::from_millis(500)));
    assert!(
        sleeper_max < Duration::from_millis(250),
        "sleeper starved: {sleeper_max:?}"
    );
}

#[test]
fn cancel_stress_gorust() {
    run(sync_common::cancel_stress(RT, 8, 300));
}

#[test]
fn primitives_gorust() {
    run(sync_common::primitives(RT));
}

#[test]
fn context_errgroup_singleflight_gorust() {
    run(sync_common::context_errgroup_singleflight(RT));
}
