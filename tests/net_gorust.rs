//! gorust's net types on the gorust runtime (the executor's netpoller is the idle driver):
//! many concurrent echo connections across Ps, a read with a timeout, hyper server and client
//! with gorust's `hyper::rt` impls, and an idle runtime with parked I/O using ~0% CPU.

use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use gorust::net::{TcpListener, TcpStream, UdpSocket};

fn run<F: std::future::Future>(procs: usize, f: F) -> F::Output {
    gorust::runtime::Builder::new()
        .procs(procs)
        .build()
        .expect("runtime")
        .block_on(f)
}

/// The idle-CPU test reads the whole process's CPU time, so the tests of this binary run one
/// at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn echo_many_connections_gorust() {
    let _serial = serial();
    run(2, async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        gorust::spawn(async move {
            loop {
                let (mut s, _) = l.accept().await.unwrap();
                gorust::spawn(async move {
                    let mut buf = [0; 1024];
                    loop {
                        let n = s.read(&mut buf).await.unwrap();
                        if n == 0 {
                            return;
                        }
                        s.write_all(&buf[..n]).await.unwrap();
                    }
                });
            }
        });
        let clients: Vec<_> = (0..100)
            .map(|i| {
                gorust::spawn(async move {
                    let mut c = TcpStream::connect(addr).await.unwrap();
                    c.set_nodelay(true).unwrap();
                    let msg = [i as u8; 64];
                    let mut buf = [0; 64];
                    for _ in 0..50 {
                        c.write_all(&msg).await.unwrap();
                        c.read_exact(&mut buf).await.unwrap();
                        assert_eq!(buf, msg);
                    }
                    50
                })
            })
            .collect();
        let mut total = 0;
        for c in clients {
            total += c.await.unwrap();
        }
        assert_eq!(total, 100 * 50, "every round trip counted");
    });
}

#[test]
fn read_with_timeout_gorust() {
    let _serial = serial();
    run(2, async {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut buf = [0; 8];
        let t = Instant::now();
        let r = gorust::time::timeout(Duration::from_millis(30), s.recv_from(&mut buf)).await;
        assert!(r.is_err(), "nothing was sent");
        assert!(t.elapsed() >= Duration::from_millis(30));
        // The dropped recv left no waiter behind: a later datagram is received normally.
        s.send_to(b"x", s.local_addr().unwrap()).await.unwrap();
        let (n, _) = s.recv_from(&mut buf).await.unwrap();
        assert_eq!(n, 1);
    });
}

#[test]
fn idle_runtime_with_parked_io_uses_no_cpu_gorust() {
    let _serial = serial();
    fn cpu() -> Duration {
        // SAFETY: getrusage fills a zeroed local struct.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
        assert_eq!(rc, 0);
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        tv(ru.ru_utime) + tv(ru.ru_stime)
    }
    run(2, async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let c = TcpStream::connect(addr).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        // Tasks parked on I/O: an accept and a read.
        gorust::spawn(async move {
            let _ = l.accept().await;
        });
        gorust::spawn(async move {
            let mut s = s;
            let _ = s.read(&mut [0; 8]).await;
        });
        gorust::time::sleep(Duration::from_millis(100)).await;
        let before = cpu();
        gorust::time::sleep(Duration::from_secs(1)).await;
        let used = cpu() - before;
        drop(c);
        assert!(
            used < Duration::from_millis(100),
            "idle runtime used {used:?} CPU in 1 s"
        );
    });
}

#[cfg(feature = "tokio-compat")]
#[test]
fn hyper_server_and_client_on_gorust() {
    let _serial = serial();
    use bytes::Bytes;
    use http_body_util::{BodyExt, Empty, Full};
    use std::convert::Infallible;

    async fn hello(
        req: hyper::Request<hyper::body::Incoming>,
    ) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
        let body = format!("hello {}", req.uri().path());
        Ok(hyper::Response::new(Full::new(Bytes::from(body))))
    }
    run(2, async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        gorust::spawn(async move {
            loop {
                let (s, _) = l.accept().await.unwrap();
                gorust::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .timer(gorust_netpoll::compat::GoTimer)
                        .serve_connection(s, hyper::service::service_fn(hello)),
                );
            }
        });
        let clients: Vec<_> = (0..8)
            .map(|i| {
                gorust::spawn(async move {
                    let s = TcpStream::connect(addr).await.unwrap();
                    let (mut send, conn) = hyper::client::conn::http1::handshake(s).await.unwrap();
                    gorust::spawn(conn);
                    for j in 0..20 {
                        let req = hyper::Request::get(format!("/{i}/{j}"))
                            .body(Empty::<Bytes>::new())
                            .unwrap();
                        send.ready().await.unwrap();
                        let res = send.send_request(req).await.unwrap();
                        assert_eq!(res.status(), 200);
                        let body = res.into_body().collect().await.unwrap().to_bytes();
                        assert_eq!(body, format!("hello /{i}/{j}"));
                    }
                    20
                })
            })
            .collect();
        let mut n = 0;
        for c in clients {
            n += c.await.unwrap();
        }
        assert_eq!(n, 160);
    });
}
