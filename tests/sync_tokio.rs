//! gorust-sync under tokio (multi-thread, 2 workers): the primitives need only `Waker`s.
//! Workloads in `sync_common`.

mod sync_common;

use futures::FutureExt;
use std::time::Duration;
use sync_common::Rt;

const RT: Rt = Rt {
    spawn: |f| tokio::spawn(f).map(|r| r.unwrap()).boxed(),
    sleep: |d: Duration| tokio::time::sleep(d).boxed(),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutex_hammer_tokio() {
    sync_common::mutex_hammer(RT, 2_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutex_starvation_bounded_tokio() {
    let [sleeper_max, ..] = sync_common::starvation(RT, Duration::from_millis(500)).await;
    assert!(
        sleeper_max < Duration::from_millis(250),
        "sleeper starved: {sleeper_max:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stress_tokio() {
    sync_common::cancel_stress(RT, 8, 300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primitives_tokio() {
    sync_common::primitives(RT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_errgroup_singleflight_tokio() {
    sync_common::context_errgroup_singleflight(RT).await;
}
