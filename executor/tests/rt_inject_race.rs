//! Tasks injected from plain threads while the Ms keep waking from timers in the driver and
//! giving their P back: every task must complete, none may come back cancelled. (A runnable
//! taken from the global queue while releasing a P was once dropped on this path.)

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[test]
fn injected_tasks_race_driver_sleepers() {
    let rt = common::rt(2);
    let done = Arc::new(AtomicUsize::new(0));
    let handle = rt.handle().clone();
    let deadline = Instant::now() + Duration::from_millis(1500);
    let injectors: Vec<_> = (0..2)
        .map(|k| {
            let handle = handle.clone();
            let done = done.clone();
            std::thread::spawn(move || {
                let mut hs = Vec::new();
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let done = done.clone();
                    hs.push(handle.spawn(async move {
                        // Short sleeps keep one M cycling through the driver.
                        gorust_timer::sleep(Duration::from_micros(20 + (i * 37 + k) % 200)).await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }));
                    i += 1;
                    if i.is_multiple_of(64) {
                        std::thread::sleep(Duration::from_micros(100));
                    }
                }
                hs
            })
        })
        .collect();
    let handles: Vec<_> = injectors
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let n = handles.len();
    let cancelled = rt.block_on(async move {
        let mut cancelled = 0;
        for h in handles {
            if let Err(e) = h.await {
                assert!(e.is_cancelled(), "{e}");
                cancelled += 1;
            }
        }
        cancelled
    });
    assert_eq!(
        cancelled, 0,
        "{cancelled} of {n} tasks were cancelled by the scheduler"
    );
    assert_eq!(done.load(Ordering::SeqCst), n);
}
