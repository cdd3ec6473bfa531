//! The reactor seam: waiters are counted, shutdown wakes waiters with an error, an idle
//! reactor costs ~0% CPU, and a dedicated reactor driven by hand delivers readiness.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use gorust_netpoll::driver::{self, Reactor};
use gorust_netpoll::net::UnixStream;

fn cpu_time() -> Duration {
    // SAFETY: getrusage writes into a zeroed local struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_SELF is always valid.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0);
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
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
fn dedicated_reactor_driven_by_hand() {
    let _serial = serial();
    let reactor = Reactor::new().unwrap();
    driver::enter(reactor.clone());
    let (mut a, mut b) = UnixStream::pair().unwrap();
    driver::exit();
    assert_eq!(reactor.sources(), 2);
    let stop = Arc::new(AtomicBool::new(false));
    let (r2, s2) = (reactor.clone(), stop.clone());
    // The "idle M": blocks in the poller until notified.
    let poller = std::thread::spawn(move || {
        let mut woken = 0;
        while !s2.load(Ordering::SeqCst) {
            woken += r2.poll(None).unwrap();
        }
        woken
    });
    let reader = std::thread::spawn(move || {
        futures::executor::block_on(async {
            let mut buf = [0; 3];
            a.read_exact(&mut buf).await.unwrap();
            buf
        })
    });
    std::thread::sleep(Duration::from_millis(50));
    assert!(reactor.has_waiters(), "the reader parked");
    futures::executor::block_on(b.write_all(b"abc")).unwrap();
    assert_eq!(&reader.join().unwrap(), b"abc");
    assert!(!reactor.has_waiters());
    stop.store(true, Ordering::SeqCst);
    reactor.notify().unwrap();
    assert!(poller.join().unwrap() >= 1);
    drop(b);
    assert_eq!(reactor.sources(), 0, "deregistered on drop");
}

#[test]
fn shutdown_wakes_waiters_with_an_error() {
    let _serial = serial();
    let reactor = Reactor::new().unwrap();
    driver::enter(reactor.clone());
    let (mut a, _b) = UnixStream::pair().unwrap();
    driver::exit();
    let reader = std::thread::spawn(move || {
        futures::executor::block_on(async {
            let mut buf = [0; 3];
            a.read(&mut buf).await
        })
    });
    let t = Instant::now();
    while !reactor.has_waiters() {
        assert!(t.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(reactor.shutdown(), 1);
    let err = reader.join().unwrap().unwrap_err();
    assert!(err.to_string().contains("closed"), "{err}");
    // New registrations fail cleanly.
    driver::enter(reactor.clone());
    assert!(UnixStream::pair().is_err());
    driver::exit();
}

#[test]
fn idle_reactor_uses_no_cpu() {
    let _serial = serial();
    // Sources registered with the fallback reactor, one task parked on a read.
    let (mut a, _b) = UnixStream::pair().unwrap();
    let _reader = std::thread::spawn(move || {
        futures::executor::block_on(async {
            let mut buf = [0; 1];
            let _ = a.read(&mut buf).await;
        })
    });
    std::thread::sleep(Duration::from_millis(100));
    let before = cpu_time();
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_time() - before;
    assert!(
        used < Duration::from_millis(50),
        "idle process used {used:?} of CPU in 1 s"
    );
}

#[test]
fn early_notify_is_not_lost() {
    let _serial = serial();
    let reactor = Reactor::new().unwrap();
    reactor.notify().unwrap();
    reactor.notify().unwrap(); // coalesced
    let t = Instant::now();
    reactor.poll(None).unwrap();
    assert!(t.elapsed() < Duration::from_secs(1));
    let t = Instant::now();
    reactor.poll(Some(Duration::from_millis(20))).unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(19),
        "second notify was not coalesced"
    );
}
