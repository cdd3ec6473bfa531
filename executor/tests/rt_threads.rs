//! No thread left behind: its own test binary, one test, so the process's thread count is
//! exact.

mod common;

use std::time::Duration;

use common::{rt, thread_count};

#[test]
fn no_thread_left_behind() {
    let before = thread_count();
    {
        let rt = rt(2);
        rt.block_on(async {
            let mut hs = Vec::new();
            for _ in 0..1000 {
                hs.push(gorust_executor::spawn(async {
                    gorust_executor::yield_now().await;
                }));
            }
            for h in hs {
                h.await.unwrap();
            }
            gorust_executor::spawn_blocking(|| std::thread::sleep(Duration::from_millis(5)))
                .await
                .unwrap();
        });
        assert!(rt.metrics().threads_started >= 1);
    }
    // This binary runs this one test: every M, sysmon and blocking thread must be gone.
    let after = thread_count();
    assert_eq!(after, before, "threads before {before}, after drop {after}");
}
