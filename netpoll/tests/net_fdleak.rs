//! 10,000 connections opened and closed in a loop leak no file descriptor (counted in
//! /proc/self/fd before and after). Its own test binary so no other test opens fds meanwhile.

use futures::{AsyncReadExt, AsyncWriteExt};
use gorust_netpoll::net::{TcpListener, TcpStream};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn ten_thousand_connections_leak_nothing() {
    futures::executor::block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        // Warm up: the fallback reactor's thread and fds exist before we count.
        drop(TcpStream::connect(addr).await.unwrap());
        drop(l.accept().await.unwrap());
        let before = open_fds();
        for i in 0..10_000u32 {
            let mut c = TcpStream::connect(addr).await.unwrap();
            let (mut s, _) = l.accept().await.unwrap();
            if i % 100 == 0 {
                c.write_all(b"x").await.unwrap();
                let mut b = [0; 1];
                s.read_exact(&mut b).await.unwrap();
            }
        }
        let after = open_fds();
        assert_eq!(before, after, "fd leak: {before} before, {after} after");
        let reactor = gorust_netpoll::driver::current().unwrap();
        assert_eq!(reactor.sources(), 1, "only the listener stays registered");
    });
}
