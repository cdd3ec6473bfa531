//! gorust channels and `select!` under the gorust executor (2 Ps), same workloads as
//! `chan_tokio.rs` (in `chan_common`), plus the 1,000,000-select fairness check.

mod chan_common;

use chan_common::Rt;
use futures::FutureExt;
use std::time::Duration;

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
fn cancel_safety_stress_gorust() {
    run(chan_common::stress_cancel(RT, 4, 4, 10_000));
}

#[test]
fn rendezvous_gorust() {
    run(chan_common::rendezvous(RT));
}

#[test]
fn pingpong_gorust() {
    run(chan_common::pingpong(RT, 20_000));
}

#[test]
fn mpmc_gorust() {
    run(async {
        for cap in [0, 1, 1024] {
            chan_common::mpmc(RT, cap, 4, 4, 5_000).await;
        }
    });
}

/// The fairness figure: 4 always-ready channels, 1,000,000 selects, 25% ± 2% each.
#[test]
fn fairness_one_million_gorust() {
    run(chan_common::fairness(1_000_000));
}

/// Channels driven by another executor on a thread where a gorust runtime ran before must not
/// stall on a cooperative budget the runtime left behind.
#[test]
fn channels_after_block_on_on_the_same_thread() {
    for _ in 0..3 {
        run(chan_common::pingpong(RT, 1_000));
        futures::executor::block_on(async {
            let (tx, rx) = gorust_chan::make::<u32>(4);
            for i in 0..1_000 {
                tx.send(i).await.unwrap();
                assert_eq!(rx.recv().await, Some(i));
            }
        });
    }
}
