//! Sleep accuracy on the fallback driver: 10,000 sleeps of 1 ms (10 threads x 1,000 in a
//! row), reported as median and p99 lateness. The bound asserted is loose (shared, noisy
//! 2-core machine); the figures are printed (`--nocapture`) and the bench compares with tokio.

use std::thread;
use std::time::{Duration, Instant};

#[test]
fn ten_thousand_1ms_sleeps_median_and_p99_lateness() {
    const THREADS: usize = 10;
    const EACH: usize = 1_000;
    let d = Duration::from_millis(1);
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            thread::spawn(move || {
                let mut late = Vec::with_capacity(EACH);
                for _ in 0..EACH {
                    let start = Instant::now();
                    futures::executor::block_on(gorust_timer::sleep(d));
                    let took = start.elapsed();
                    assert!(took >= d, "woke early: {took:?}");
                    late.push(took - d);
                }
                late
            })
        })
        .collect();
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort();
    let median = all[all.len() / 2];
    let p99 = all[all.len() * 99 / 100];
    eprintln!(
        "1 ms sleep lateness over {} sleeps: median {:?}, p99 {:?}, max {:?}",
        all.len(),
        median,
        p99,
        all[all.len() - 1]
    );
    assert!(median < Duration::from_millis(5), "median {median:?}");
    assert!(p99 < Duration::from_millis(20), "p99 {p99:?}");
}
