//! The runtime's own netpoller: sockets made on an M register with it, an idle M blocks in
//! it, and an idle runtime burns no CPU.

mod common;

use std::time::{Duration, Instant};

use futures::io::{AsyncReadExt, AsyncWriteExt};
use gorust_netpoll::net::{TcpListener, TcpStream};

#[test]
fn tcp_echo_on_the_runtime_poller() {
    for procs in [1, 2] {
        let rt = common::rt(procs);
        let total = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = gorust_executor::spawn(async move {
                let mut conns = Vec::new();
                for _ in 0..8 {
                    let (mut s, _) = listener.accept().await.unwrap();
                    conns.push(gorust_executor::spawn(async move {
                        let mut buf = [0u8; 64];
                        loop {
                            let n = s.read(&mut buf).await.unwrap();
                            if n == 0 {
                                return;
                            }
                            s.write_all(&buf[..n]).await.unwrap();
                        }
                    }));
                }
                for c in conns {
                    c.await.unwrap();
                }
            });
            let mut clients = Vec::new();
            for c in 0..8u8 {
                clients.push(gorust_executor::spawn(async move {
                    let mut s = TcpStream::connect(addr).await.unwrap();
                    let mut n = 0;
                    for i in 0..200u8 {
                        let msg = [c, i, 42];
                        s.write_all(&msg).await.unwrap();
                        let mut back = [0u8; 3];
                        s.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, msg);
                        n += 1;
                    }
                    n
                }));
            }
            let mut total = 0;
            for c in clients {
                total += c.await.unwrap();
            }
            server.await.unwrap();
            total
        });
        assert_eq!(total, 8 * 200, "procs = {procs}");
    }
}

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
        // Other tests of this binary may run meanwhile; this one alone must stay near zero.
        assert!(
            used < Duration::from_millis(50),
            "idle runtime used {used:?} CPU in {wall:?}"
        );
    });
}
