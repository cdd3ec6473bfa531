//! A P handed back when block_on returns keeps its timers firing (found by review: with one P,
//! a task's sleep armed on P0 never fired after main returned).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[test]
fn timers_of_a_p_given_back_by_block_on_still_fire() {
    let rt = gorust_executor::runtime::Builder::new()
        .procs(1)
        .build()
        .unwrap();
    let fired = Arc::new(AtomicBool::new(false));
    let f = fired.clone();
    rt.block_on(async move {
        gorust_executor::spawn(async move {
            gorust_timer::sleep(Duration::from_millis(20)).await;
            f.store(true, Ordering::SeqCst);
        });
        // The task runs on M0's P and arms its timer there; then main returns.
        gorust_executor::yield_now().await;
    });
    let t0 = Instant::now();
    while !fired.load(Ordering::SeqCst) && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(fired.load(Ordering::SeqCst), "the timer never fired");
}
