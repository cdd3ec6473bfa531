//! gorust channels and `select!` under tokio (multi-thread, 2 workers): channels need only
//! `Waker`s. Workloads in `chan_common`.

mod chan_common;

use chan_common::Rt;
use futures::FutureExt;
use std::time::Duration;

const RT: Rt = Rt {
    spawn: |f| tokio::spawn(f).map(|r| r.unwrap()).boxed(),
    sleep: |d: Duration| tokio::time::sleep(d).boxed(),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_safety_stress_tokio() {
    chan_common::stress_cancel(RT, 4, 4, 10_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendezvous_tokio() {
    chan_common::rendezvous(RT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pingpong_tokio() {
    chan_common::pingpong(RT, 20_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mpmc_tokio() {
    for cap in [0, 1, 1024] {
        chan_common::mpmc(RT, cap, 4, 4, 5_000).await;
    }
}

#[tokio::test]
async fn fairness_tokio() {
    chan_common::fairness(200_000).await;
}
