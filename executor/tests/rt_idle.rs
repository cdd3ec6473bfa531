//! An idle runtime burns no CPU: one M blocks in the poller (every P is idle) until the
//! earliest timer, the others park. Its own test binary, one test, so the process CPU time is this test's alone.

mod common;

use std::time::{Duration, Instant};

use gorust_netpoll::net::TcpListener;

fn cpu_time() -> Duration {
    // utime + stime of this process, in clock ticks (100 per second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

#[test]
fn idle_runtime_waiting_on_io_and_timers_uses_no_cpu() {
    let rt = common::rt(2);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        // A task parked in accept (I/O waiter) and one in a long sleep (timer).
        let _accept = gorust_executor::spawn(async move {
            let _ = listener.accept().await;
        });
        let _sleep = gorust_executor::spawn(gorust_timer::sleep(Duration::from_secs(3600)));
        gorust_timer::sleep(Duration::from_millis(50)).await;
        let (c0, t0) = (cpu_time(), Instant::now());
        gorust_timer::sleep(Duration::from_secs(1)).await;
        let (used, wall) = (cpu_time() - c0, t0.elapsed());
        // One blocked poller M, parked Ms, and sysmon at its 10 ms backoff: near zero.
        assert!(
            used < Duration::from_millis(50),
            "idle runtime used {used:?} CPU in {wall:?}"
        );
    });
}
