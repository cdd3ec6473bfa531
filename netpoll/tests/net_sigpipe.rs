//! Writes to a closed peer return EPIPE even with SIGPIPE at its default (deadly) disposition:
//! every write uses MSG_NOSIGNAL. Its own binary because it changes the signal disposition.

use futures::AsyncWriteExt;
use gorust_netpoll::net::{TcpListener, TcpStream, UnixStream};

#[test]
fn no_sigpipe_death() {
    // SAFETY: restores the default disposition (the Rust runtime had set SIG_IGN).
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    futures::executor::block_on(async {
        let (mut a, b) = UnixStream::pair().unwrap();
        drop(b);
        let err = a.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
        let (mut a, b) = UnixStream::pair().unwrap();
        drop(b);
        let bufs = [std::io::IoSlice::new(b"a"), std::io::IoSlice::new(b"b")];
        let err = a.write_vectored(&bufs).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);

        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        drop(l.accept().await.unwrap());
        c.shutdown().await.unwrap();
        let err = c.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    });
}
