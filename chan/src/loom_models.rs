//! loom models of the channel protocol on small channels (cap 0 and 1): handoff, FIFO,
//! close, select atomicity, and the drop-after-commit paths. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p gorust-chan --lib --release`.

use crate::{TryRecvError, make, select};
use loom::future::block_on;
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

/// cap 0: a blocking send meets a blocking receive; the value arrives once.
#[test]
fn rendezvous_handoff() {
    loom::model(|| {
        let (tx, rx) = make::<u32>(0);
        let t = thread::spawn(move || block_on(tx.send(7)).unwrap());
        assert_eq!(block_on(rx.recv()), Some(7));
        t.join().unwrap();
    });
}

/// cap 1: two values keep their order past a parked sender.
#[test]
fn buffered_fifo() {
    loom::model(|| {
        let (tx, rx) = make::<u32>(1);
        let t = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert_eq!(block_on(rx.recv()), None);
        t.join().unwrap();
    });
}

/// close racing a parked receive and a send: the value is either received or given back.
#[test]
fn close_races_send_and_recv() {
    loom::model(|| {
        let (tx, rx) = make::<u32>(0);
        let tx2 = tx.clone();
        let r = thread::spawn(move || block_on(rx.recv()));
        let s = thread::spawn(move || tx2.try_send(5).is_ok());
        tx.close().unwrap();
        let sent = s.join().unwrap();
        let got = r.join().unwrap();
        assert_eq!(sent, got == Some(5));
    });
}

/// A select over two receives gets at most one of two racing non-blocking sends.
#[test]
fn select_commits_once() {
    loom::model(|| {
        let (tx1, rx1) = make::<u32>(0);
        let (tx2, rx2) = make::<u32>(0);
        let a = thread::spawn(move || {
            block_on(async {
                select! {
                    v = rx1.recv() => v,
                    v = rx2.recv() => v,
                }
            })
        });
        let (c1, c2) = (tx1.clone(), tx2.clone());
        let b = thread::spawn(move || c1.try_send(1).is_ok() as u32);
        let c = thread::spawn(move || c2.try_send(2).is_ok() as u32);
        let sent = b.join().unwrap() + c.join().unwrap();
        tx1.close().unwrap();
        tx2.close().unwrap();
        let got = a.join().unwrap();
        assert!(sent <= 1, "two cases of one select completed");
        assert_eq!(sent == 1, got.is_some());
    });
}

/// A select with a send and a receive on one unbuffered channel never pairs with itself.
#[test]
fn select_self_pair() {
    loom::model(|| {
        let (tx, rx) = make::<u32>(0);
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let a = thread::spawn(move || {
            let mut f = pin!(async {
                select! {
                    r = tx2.send(1) => r.is_ok() as u32,
                    v = rx2.recv() => 10 + v.unwrap_or(0),
                }
            });
            poll_once(f.as_mut())
        });
        let _ = a.join().unwrap();
        // Whatever the select did, it did not hand its own send to its own receive.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
    });
}

/// A parked receive dropped while a sender commits: the value is given back, never lost.
#[test]
fn recv_dropped_after_commit_gives_back() {
    loom::model(|| {
        let (tx, rx) = make::<u32>(0);
        let rx2 = rx.clone();
        let a = thread::spawn(move || {
            let mut f = pin!(rx2.recv());
            match poll_once(f.as_mut()) {
                Poll::Ready(v) => v,
                Poll::Pending => None, // dropped here, possibly after a commit
            }
        });
        let sent = tx.try_send(3).is_ok();
        let got_by_a = a.join().unwrap();
        let left = rx.try_recv().ok();
        assert!(got_by_a.is_none() || left.is_none());
        assert_eq!(sent, got_by_a.or(left) == Some(3));
    });
}

/// A parked select (cap 1 and cap 0 cases) dropped while senders commit: nothing lost,
/// nothing twice.
#[test]
fn select_dropped_after_commit_gives_back() {
    loom::model(|| {
        let (tx0, rx0) = make::<u32>(0);
        let (tx1, rx1) = make::<u32>(1);
        let (r0, r1) = (rx0.clone(), rx1.clone());
        let a = thread::spawn(move || {
            let mut f = pin!(async {
                select! {
                    v = r0.recv() => v,
                    v = r1.recv() => v,
                }
            });
            match poll_once(f.as_mut()) {
                Poll::Ready(v) => v,
                Poll::Pending => None,
            }
        });
        let sent0 = tx0.try_send(10).is_ok();
        let got_by_a = a.join().unwrap();
        let left0 = rx0.try_recv().ok();
        assert_eq!(sent0, got_by_a == Some(10) || left0 == Some(10));
        assert!(!(got_by_a == Some(10) && left0 == Some(10)));
        drop(tx1);
        let _ = rx1;
    });
}

/// A parked send dropped while a receiver takes it: delivered once or not at all.
#[test]
fn send_dropped_races_receiver() {
    loom::model(|| {
        let (tx, rx) = make::<u32>(0);
        let rx2 = rx.clone();
        let a = thread::spawn(move || {
            let mut f = pin!(tx.send(4));
            poll_once(f.as_mut()).is_ready()
        });
        let got = rx2.try_recv().ok();
        let completed = a.join().unwrap();
        if completed {
            assert_eq!(got, Some(4));
        }
        assert_eq!(rx.try_recv().ok(), None);
    });
}

/// A select with a receive and an always-ready future: a racing non-blocking send succeeds
/// only if the receive branch is what the select returned (the BUSY window).
#[test]
fn busy_window_with_foreign_future() {
    loom::model(|| {
        let (tx, rx) = make::<u32>(0);
        let a = thread::spawn(move || {
            let mut f = pin!(async {
                select! {
                    v = rx.recv() => v,
                    _ = std::future::ready(()) => None,
                }
            });
            match poll_once(f.as_mut()) {
                Poll::Ready(v) => v,
                Poll::Pending => panic!("an always-ready branch cannot leave the select pending"),
            }
        });
        let sent = tx.try_send(9).is_ok();
        let got = a.join().unwrap();
        assert_eq!(sent, got == Some(9));
    });
}

/// Closing one of two channels wakes a parked select with that case's `None`.
#[test]
fn close_wakes_parked_select() {
    loom::model(|| {
        let (tx1, rx1) = make::<u32>(0);
        let (_tx2, rx2) = make::<u32>(1);
        let a = thread::spawn(move || {
            block_on(async {
                select! {
                    v = rx1.recv() => (1, v),
                    v = rx2.recv() => (2, v),
                }
            })
        });
        tx1.close().unwrap();
        assert_eq!(a.join().unwrap(), (1, None));
    });
}
