//! accept under EMFILE: with a low RLIMIT_NOFILE, accept fails with EMFILE as an io::Error,
//! and the listener keeps working once descriptors free up. Its own test binary because it
//! lowers the process-wide limit (restored at the end).

use std::io::ErrorKind;

use gorust_netpoll::net::TcpListener;

#[test]
fn accept_under_emfile_recovers() {
    futures::executor::block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        // SAFETY: getrlimit writes into a local struct.
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into a local struct.
        let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) };
        assert_eq!(rc, 0);
        let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
        let low = libc::rlimit {
            rlim_cur: open + 16,
            rlim_max: old.rlim_max,
        };
        // SAFETY: setrlimit reads a local struct.
        let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &low) };
        assert_eq!(rc, 0);

        // Fill the table with client sockets, then accept until EMFILE.
        let mut clients = Vec::new();
        while let Ok(c) = std::net::TcpStream::connect(addr) {
            clients.push(c);
            if clients.len() > 64 {
                break;
            }
        }
        let mut accepted = Vec::new();
        let err = loop {
            match l.accept().await {
                Ok((s, _)) => accepted.push(s),
                Err(e) => break e,
            }
        };
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err:?}");
        assert_ne!(err.kind(), ErrorKind::WouldBlock);
        // Free descriptors: the queued connections are accepted now.
        let waiting = clients.len() - accepted.len();
        accepted.clear();
        clients.truncate(clients.len() - waiting);
        clients.clear();
        let (s, _) = l.accept().await.expect("listener recovers after EMFILE");
        drop(s);

        // SAFETY: restores the limit read above.
        let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) };
        assert_eq!(rc, 0);
    });
}
