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

/// A thread that ran a gorust runtime's `block_on` can afterwards drive gorust-sync futures
/// with any other executor: the runtime must leave no cooperative budget (or P) behind on it.
/// (The executor once left e.g. 72 units on the main thread, which stalled any leaf future
/// that spends budget under the next executor on that thread.)
#[test]
fn budget_restored_after_block_on() {
    let rt = gorust::runtime::Builder::new()
        .procs(2)
        .build()
        .expect("runtime");
    for _ in 0..3 {
        rt.block_on(async {
            let m = std::sync::Arc::new(gorust_sync::Mutex::new(0));
            let hs: Vec<_> = (0..4)
                .map(|_| {
                    let m = m.clone();
                    gorust::spawn(async move {
                        for _ in 0..1_000 {
                            *m.lock().await += 1;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
    }
    drop(rt);
    assert_eq!(
        gorust_hooks::coop::budget(),
        gorust_hooks::coop::UNCONSTRAINED,
        "block_on left a cooperative budget on its thread"
    );
    assert_eq!(
        gorust_hooks::proc::current(),
        None,
        "block_on left a P on its thread"
    );
    let m = gorust_sync::Mutex::new(0);
    futures::executor::block_on(async {
        for _ in 0..1_000 {
            *m.lock().await += 1;
        }
    });
}
