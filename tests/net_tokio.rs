//! gorust's net types under a tokio runtime (the fallback reactor drives them), through
//! tokio's own I/O traits (feature `tokio-compat`): tokio-ecosystem code runs unchanged.

#![cfg(feature = "tokio-compat")]

use std::convert::Infallible;

use bytes::Bytes;
use gorust_netpoll::net::{TcpListener, TcpStream, UnixStream};
use http_body_util::{BodyExt, Empty, Full};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_io_util_over_gorust_streams() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (s, _) = l.accept().await.unwrap();
        let (rd, mut wr) = s.into_split();
        let mut lines = BufReader::new(rd).lines();
        let mut n = 0;
        while let Some(line) = lines.next_line().await.unwrap() {
            wr.write_all(format!("{}\n", line.to_uppercase()).as_bytes())
                .await
                .unwrap();
            n += 1;
        }
        n
    });
    let mut c = TcpStream::connect(addr).await.unwrap();
    for i in 0..100 {
        c.write_all(format!("line {i}\n").as_bytes()).await.unwrap();
    }
    AsyncWriteExt::shutdown(&mut c).await.unwrap();
    let mut all = String::new();
    c.read_to_string(&mut all).await.unwrap();
    assert_eq!(all.lines().count(), 100);
    assert_eq!(all.lines().next(), Some("LINE 0"));
    assert_eq!(server.await.unwrap(), 100);
}

#[tokio::test]
async fn tokio_copy_bidirectional_and_unix() {
    let (mut a, mut b) = UnixStream::pair().unwrap();
    let (mut c, mut d) = UnixStream::pair().unwrap();
    // b <-> c proxied; a talks to d through it.
    let proxy = tokio::spawn(async move { tokio::io::copy_bidirectional(&mut b, &mut c).await });
    a.write_all(b"through the proxy").await.unwrap();
    let mut buf = [0; 17];
    d.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"through the proxy");
    AsyncWriteExt::shutdown(&mut a).await.unwrap();
    AsyncWriteExt::shutdown(&mut d).await.unwrap();
    let (ab, ba) = proxy.await.unwrap().unwrap();
    assert_eq!((ab, ba), (17, 0));
}

async fn hello(
    _req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    Ok(hyper::Response::new(Full::new(Bytes::from_static(b"hi"))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_util_tokio_io_wrapper_still_works() {
    // Unchanged tokio-style user code: `TokioIo::new(stream)` over a gorust stream.
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (s, _) = l.accept().await.unwrap();
            tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(
                hyper_util::rt::TokioIo::new(s),
                hyper::service::service_fn(hello),
            ));
        }
    });
    let s = TcpStream::connect(addr).await.unwrap();
    // And the direct hyper::rt impls on the client side.
    let (mut send, conn) = hyper::client::conn::http1::handshake(s).await.unwrap();
    tokio::spawn(conn);
    for _ in 0..10 {
        let req = hyper::Request::get("/")
            .body(Empty::<Bytes>::new())
            .unwrap();
        send.ready().await.unwrap();
        let res = send.send_request(req).await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            &res.into_body().collect().await.unwrap().to_bytes()[..],
            b"hi"
        );
    }
}
