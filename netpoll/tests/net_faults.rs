//! Bad input and faults: every one comes back as an `io::Error`, nothing panics, and the
//! reactor keeps serving other connections. Runs on `futures::executor` with the fallback
//! reactor (no gorust runtime needed).

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use futures::executor::block_on;
use futures::future::join_all;
use futures::{AsyncReadExt, AsyncWriteExt};
use gorust_netpoll::net::{TcpListener, TcpStream, UdpSocket, UnixStream};

/// An echo round trip on a fresh connection: proves the reactor still serves.
async fn echo_once(l: &TcpListener) {
    let addr = l.local_addr().unwrap();
    let client = async {
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"still alive").await.unwrap();
        let mut buf = [0; 11];
        c.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still alive");
    };
    let server = async {
        let (mut s, _) = l.accept().await.unwrap();
        let mut buf = [0; 11];
        s.read_exact(&mut buf).await.unwrap();
        s.write_all(&buf).await.unwrap();
    };
    futures::join!(client, server);
}

#[test]
fn connection_refused_is_an_error() {
    block_on(async {
        let free = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let err = TcpStream::connect(free).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        echo_once(&l).await;
    });
}

#[test]
fn binding_a_used_port_is_addr_in_use() {
    block_on(async {
        let a = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = TcpListener::bind(a.local_addr().unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        let u = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let err = UdpSocket::bind(u.local_addr().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        echo_once(&a).await;
    });
}

#[test]
fn peer_reset_mid_write_is_an_error() {
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        // SO_LINGER 0 + close = RST.
        s.set_linger(Some(Duration::ZERO)).unwrap();
        drop(s);
        let chunk = vec![7u8; 64 * 1024];
        let start = Instant::now();
        let err = loop {
            match c.write_all(&chunk).await {
                Ok(()) => assert!(start.elapsed() < Duration::from_secs(10), "never failed"),
                Err(e) => break e,
            }
        };
        assert!(
            matches!(
                err.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
            ),
            "{err:?}"
        );
        // Reading after the reset is an error or EOF, never a hang or panic.
        let mut buf = [0; 8];
        match c.read(&mut buf).await {
            Ok(0) | Err(_) => {}
            Ok(n) => panic!("read {n} bytes from a reset connection"),
        }
        echo_once(&l).await;
    });
}

#[test]
fn half_close_delivers_eof_and_keeps_the_other_direction() {
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (mut s, _) = l.accept().await.unwrap();
        c.write_all(b"request").await.unwrap();
        c.shutdown().await.unwrap();
        // A second shutdown is not an error.
        c.shutdown().await.unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"request");
        s.write_all(b"response").await.unwrap();
        s.close().await.unwrap();
        let mut back = Vec::new();
        c.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, b"response");
        // Writing after our own shutdown is EPIPE, not a panic.
        let err = c.write_all(b"late").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn zero_length_read_and_write_return_at_once() {
    block_on(async {
        let (mut a, _b) = UnixStream::pair().unwrap();
        let t = Instant::now();
        assert_eq!(a.read(&mut []).await.unwrap(), 0);
        assert_eq!(a.write(&[]).await.unwrap(), 0);
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let _s = l.accept().await.unwrap();
        assert_eq!(c.read(&mut []).await.unwrap(), 0);
        assert!(t.elapsed() < Duration::from_secs(2));
    });
}

#[test]
fn write_to_closed_peer_is_broken_pipe() {
    block_on(async {
        let (mut a, b) = UnixStream::pair().unwrap();
        drop(b);
        let err = a.write_all(b"into the void").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        drop(l.accept().await.unwrap());
        let start = Instant::now();
        let err = loop {
            match c.write_all(b"x").await {
                Ok(()) => {
                    assert!(start.elapsed() < Duration::from_secs(10));
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => break e,
            }
        };
        assert!(
            matches!(
                err.kind(),
                ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
            ),
            "{err:?}"
        );
    });
}

#[test]
fn many_tasks_wait_on_one_udp_socket() {
    block_on(async {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = server.local_addr().unwrap();
        let receivers = (0..8).map(|_| async {
            let mut buf = [0; 8];
            let (n, _) = server.recv_from(&mut buf).await.unwrap();
            assert_eq!(n, 1);
            buf[0] as usize
        });
        let sender = async {
            let c = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            // Let every receiver park first.
            futures::future::ready(()).await;
            for i in 0..8u8 {
                c.send_to(&[i], to).await.unwrap();
            }
        };
        let (mut got, ()) = futures::join!(join_all(receivers), sender);
        got.sort();
        assert_eq!(
            got,
            (0..8).collect::<Vec<_>>(),
            "each datagram delivered once"
        );
    });
}

#[test]
fn concurrent_connections_on_one_thread() {
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        const N: usize = 50;
        let server = async {
            let mut conns = Vec::new();
            for _ in 0..N {
                conns.push(l.accept().await.unwrap().0);
            }
            join_all(conns.into_iter().map(|mut s| async move {
                let mut buf = [0; 64];
                for _ in 0..20 {
                    s.read_exact(&mut buf).await.unwrap();
                    s.write_all(&buf).await.unwrap();
                }
            }))
            .await;
        };
        let clients = join_all((0..N).map(|i| async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            c.set_nodelay(true).unwrap();
            let msg = [i as u8; 64];
            let mut buf = [0; 64];
            for _ in 0..20 {
                c.write_all(&msg).await.unwrap();
                c.read_exact(&mut buf).await.unwrap();
                assert_eq!(buf, msg);
            }
        }));
        futures::join!(server, clients);
    });
}

#[test]
fn std_blocking_peer_interoperates() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = [0; 5];
        s.read_exact(&mut buf).unwrap();
        s.write_all(&buf).unwrap();
    });
    block_on(async {
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"hello").await.unwrap();
        let mut buf = [0; 5];
        c.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello");
    });
    t.join().unwrap();
}

#[test]
fn large_transfer_both_ways_exercises_write_readiness() {
    // 8 MiB each way at once through split halves: the send buffers fill, writes park on
    // EAGAIN and are woken by the peer's reads. Every byte is counted and checked.
    const LEN: usize = 8 << 20;
    fn byte(i: usize) -> u8 {
        (i * 31 % 251) as u8
    }
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        let side = |st: TcpStream| async move {
            let (mut rd, mut wr) = st.into_split();
            let send = async move {
                let data: Vec<u8> = (0..LEN).map(byte).collect();
                for chunk in data.chunks(100_000) {
                    wr.write_all(chunk).await.unwrap();
                }
                wr.close().await.unwrap();
            };
            let recv = async move {
                let mut got = 0usize;
                let mut buf = vec![0u8; 65536];
                loop {
                    let n = rd.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    for (k, b) in buf[..n].iter().enumerate() {
                        assert_eq!(*b, byte(got + k), "corrupt byte at {}", got + k);
                    }
                    got += n;
                }
                got
            };
            futures::join!(send, recv).1
        };
        let (a, b) = futures::join!(side(c), side(s));
        assert_eq!((a, b), (LEN, LEN));
    });
}

/// The last bytes and the peer's FIN arrive in one edge, and the poller has already reported
/// it when the reader reads: the short read forgets readiness (no `EWOULDBLOCK` syscall), and
/// the next read must still see the FIN (the sticky hang-up bit) instead of parking forever.
/// Also with the FIN alone (a read into a big buffer after an exact one), over many rounds.
#[test]
fn short_read_then_fin_in_the_same_edge_is_eof_not_a_hang() {
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        for round in 0..200 {
            let mut peer = std::net::TcpStream::connect(addr).unwrap();
            let (mut s, _) = l.accept().await.unwrap();
            let msg = [round as u8; 5];
            peer.write_all(&msg).unwrap();
            if round % 2 == 0 {
                peer.shutdown(std::net::Shutdown::Write).unwrap();
            } else {
                drop(peer);
            }
            // Let the fallback poller reap the edge (data + FIN) before we read.
            s.readable().await.unwrap();
            std::thread::sleep(Duration::from_millis(1));
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &msg[..n], "round {round}");
            let mut got = n;
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let read = futures::future::select(
                    Box::pin(s.read(&mut buf)),
                    Box::pin(futures_timer_free_sleep(deadline)),
                );
                match read.await {
                    futures::future::Either::Left((Ok(0), _)) => break,
                    futures::future::Either::Left((Ok(k), _)) => got += k,
                    futures::future::Either::Left((Err(e), _)) => {
                        assert_eq!(e.kind(), ErrorKind::ConnectionReset, "round {round}");
                        break;
                    }
                    futures::future::Either::Right(_) => {
                        panic!("round {round}: read after a short read hung despite the FIN")
                    }
                }
            }
            assert_eq!(got, 5, "round {round}");
        }
        echo_once(&l).await;
    });
}

/// A sleep without a runtime: a helper thread wakes the future at `deadline`.
async fn futures_timer_free_sleep(deadline: Instant) {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    std::thread::spawn(move || {
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        let _ = tx.send(());
    });
    let _ = rx.await;
}
