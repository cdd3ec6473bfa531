//! The runtime's own netpoller: sockets made on an M register with it and work on 1 and 2
//! Ps.

mod common;

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

/// A task that holds its P in one long poll (a CPU hog) must not hide the network from the
/// tasks of the other P: a read on that P completes soon after its data arrives, although no
/// M blocks in the poller while a P runs (driver.rs: the timers-only sleep). sysmon polls
/// after 1 ms then (measured ~0.5 ms; 6-9 ms with its plain 10 ms rule).
#[test]
fn io_is_served_while_the_other_p_runs_a_long_poll() {
    let rt = common::rt(2);
    let lag = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = std::thread::spawn(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(100));
            let sent = std::time::Instant::now();
            std::io::Write::write_all(&mut s, b"ping").unwrap();
            std::thread::sleep(std::time::Duration::from_millis(400));
            sent
        });
        let (mut s, _) = listener.accept().await.unwrap();
        let reader = gorust_executor::spawn(async move {
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).await.unwrap();
            std::time::Instant::now()
        });
        // Let the reader park, then hog a P for longer than the whole exchange.
        gorust_timer::sleep(std::time::Duration::from_millis(20)).await;
        let hog = gorust_executor::spawn(async {
            let until = std::time::Instant::now() + std::time::Duration::from_millis(400);
            while std::time::Instant::now() < until {
                std::hint::spin_loop();
            }
        });
        let read_at = reader.await.unwrap();
        hog.await.unwrap();
        let sent = writer.join().unwrap();
        read_at.saturating_duration_since(sent)
    });
    eprintln!("read completed {lag:?} after the write");
    assert!(
        lag < std::time::Duration::from_millis(25),
        "a read waited {lag:?} behind a CPU hog on the other P"
    );
}

/// The driver's watch switches (driver.rs): every P idle -> one M blocks in the poller; a P
/// runs -> the holder watches timers only; every P idle again -> the holder must go back to
/// the network. If a switch were lost, I/O would wait for sysmon's poll (1-10 ms) instead of
/// waking a task at once. A std thread sends a byte every 2 ms to a task; between bytes the
/// runtime goes idle, and every other byte a CPU burst on another task makes one P run while
/// the other waits. The median wake-up lag must stay far under sysmon's period.
#[test]
fn io_wakes_promptly_across_idle_busy_transitions() {
    let rt = common::rt(2);
    let lags = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        const N: usize = 150;
        let (sent_tx, sent_rx) = std::sync::mpsc::channel::<std::time::Instant>();
        let writer = std::thread::spawn(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            s.set_nodelay(true).unwrap();
            for _ in 0..N {
                std::thread::sleep(std::time::Duration::from_millis(2));
                sent_tx.send(std::time::Instant::now()).unwrap();
                std::io::Write::write_all(&mut s, b"x").unwrap();
            }
        });
        let (mut s, _) = listener.accept().await.unwrap();
        let mut lags = Vec::with_capacity(N);
        for i in 0..N {
            if i % 2 == 1 {
                // A burst on another task: a P runs while this one waits on the socket.
                drop(gorust_executor::spawn(async {
                    let until = std::time::Instant::now() + std::time::Duration::from_millis(1);
                    while std::time::Instant::now() < until {
                        std::hint::spin_loop();
                    }
                }));
            }
            let mut b = [0u8; 1];
            s.read_exact(&mut b).await.unwrap();
            let got = std::time::Instant::now();
            let sent = sent_rx.recv().unwrap();
            lags.push(got.saturating_duration_since(sent));
        }
        writer.join().unwrap();
        lags
    });
    let mut sorted = lags.clone();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    eprintln!(
        "wake-up lag: median {median:?}, p90 {:?}",
        sorted[sorted.len() * 9 / 10]
    );
    assert!(
        median < std::time::Duration::from_micros(900),
        "median I/O wake-up lag {median:?}: the network was left unwatched (sysmon's poll)"
    );
}
