//! Core channel semantics: buffered and unbuffered send/receive, close, drop of handles,
//! try_*, blocking variants, Stream, zero-sized and large values, capacity limits.

use futures::StreamExt;
use futures::executor::block_on;
use futures::task::noop_waker_ref;
use gorust_chan::{TryRecvError, TrySendError, make, try_make};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(noop_waker_ref()))
}

#[test]
fn buffered_fifo_and_len() {
    let (tx, rx) = make::<u32>(3);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.len(), 3);
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
    for i in 0..3 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn unbuffered_send_waits_for_receiver() {
    let (tx, rx) = make::<u32>(0);
    let mut send = pin!(tx.send(1));
    assert!(poll_once(send.as_mut()).is_pending());
    assert!(poll_once(send.as_mut()).is_pending());
    assert_eq!(tx.len(), 0);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(poll_once(send.as_mut()), Poll::Ready(Ok(())));
}

#[test]
fn unbuffered_handoff_to_parked_receiver() {
    let (tx, rx) = make::<String>(0);
    let mut recv = pin!(rx.recv());
    assert!(poll_once(recv.as_mut()).is_pending());
    assert_eq!(tx.try_send("x".into()), Ok(()));
    assert_eq!(poll_once(recv.as_mut()), Poll::Ready(Some("x".to_string())));
    assert_eq!(tx.try_send("y".into()), Err(TrySendError::Full("y".into())));
}

#[test]
fn full_ring_with_parked_sender_keeps_fifo() {
    let (tx, rx) = make::<u32>(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut s3 = pin!(tx.send(3));
    assert!(poll_once(s3.as_mut()).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    // The parked sender's value moved into the ring; its send is complete.
    assert_eq!(poll_once(s3.as_mut()), Poll::Ready(Ok(())));
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn close_drains_then_none_and_fails_sends() {
    let (tx, rx) = make::<u32>(2);
    tx.try_send(1).unwrap();
    tx.close().unwrap();
    assert!(tx.close().is_err());
    assert!(rx.is_closed());
    assert_eq!(tx.try_send(5), Err(TrySendError::Closed(5)));
    assert_eq!(block_on(tx.send(6)).unwrap_err().0, 6);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(block_on(rx.recv()), None);
}

#[test]
fn close_wakes_parked_receivers_and_senders() {
    let (tx, rx) = make::<u32>(0);
    let mut r = pin!(rx.recv());
    assert!(poll_once(r.as_mut()).is_pending());
    let tx2 = tx.clone();
    let mut s = pin!(tx2.send(4));
    // The parked receiver took the sender's value at once.
    assert_eq!(poll_once(s.as_mut()), Poll::Ready(Ok(())));
    assert_eq!(poll_once(r.as_mut()), Poll::Ready(Some(4)));
    let mut s = pin!(tx2.send(5));
    assert!(poll_once(s.as_mut()).is_pending());
    tx.close().unwrap();
    assert_eq!(
        poll_once(s.as_mut()),
        Poll::Ready(Err(gorust_chan::SendError(5)))
    );
}

#[test]
fn dropping_senders_closes() {
    let (tx, rx) = make::<u32>(1);
    let tx2 = tx.clone();
    drop(tx);
    assert!(!rx.is_closed());
    tx2.try_send(1).unwrap();
    drop(tx2);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn dropping_receivers_fails_sends_with_value() {
    let (tx, rx) = make::<String>(4);
    let rx2 = rx.clone();
    drop(rx);
    tx.try_send("kept".into()).unwrap();
    let mut s = pin!(tx.send("a".into()));
    assert!(poll_once(s.as_mut()).is_ready()); // buffered: room
    drop(rx2);
    assert_eq!(
        tx.try_send("b".into()),
        Err(TrySendError::Closed("b".to_string()))
    );
    assert_eq!(block_on(tx.send("c".into())).unwrap_err().0, "c");
}

#[test]
fn parked_sender_gets_value_back_when_receivers_go() {
    let (tx, rx) = make::<String>(0);
    let mut s = pin!(tx.send("v".into()));
    assert!(poll_once(s.as_mut()).is_pending());
    drop(rx);
    match poll_once(s.as_mut()) {
        Poll::Ready(Err(e)) => assert_eq!(e.0, "v"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn dropped_recv_after_commit_gives_value_back() {
    for cap in [0usize, 1, 4] {
        let (tx, rx) = make::<u32>(cap);
        {
            let mut r = pin!(rx.recv());
            assert!(poll_once(r.as_mut()).is_pending());
            tx.try_send(7).unwrap(); // direct handoff into the parked recv
        } // dropped before polled again
        assert_eq!(rx.len(), 1, "cap {cap}");
        assert_eq!(rx.try_recv(), Ok(7), "cap {cap}");
    }
}

#[test]
fn dropped_recv_hands_value_to_next_waiter() {
    let (tx, rx) = make::<u32>(0);
    let mut r2 = Box::pin(rx.recv());
    {
        let mut r1 = pin!(rx.recv());
        assert!(poll_once(r1.as_mut()).is_pending());
        assert!(poll_once(r2.as_mut()).is_pending());
        tx.try_send(8).unwrap(); // goes to r1 (FIFO)
    }
    assert_eq!(poll_once(r2.as_mut()), Poll::Ready(Some(8)));
}

#[test]
fn dropped_send_before_commit_is_not_sent() {
    let (tx, rx) = make::<u32>(0);
    {
        let mut s = pin!(tx.send(1));
        assert!(poll_once(s.as_mut()).is_pending());
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn blocking_pingpong_threads() {
    let (tx, rx) = make::<u64>(0);
    let (btx, brx) = make::<u64>(0);
    let t = thread::spawn(move || {
        while let Some(v) = rx.recv_blocking() {
            btx.send_blocking(v + 1).unwrap();
        }
    });
    for i in 0..2000 {
        tx.send_blocking(i).unwrap();
        assert_eq!(brx.recv_blocking(), Some(i + 1));
    }
    drop(tx);
    t.join().unwrap();
}

#[test]
fn mpmc_threads_count_everything() {
    const P: usize = 4;
    const N: usize = 5000;
    for cap in [0usize, 1, 16] {
        let (tx, rx) = make::<usize>(cap);
        let sum = Arc::new(AtomicUsize::new(0));
        let count = Arc::new(AtomicUsize::new(0));
        let mut hs = vec![];
        for p in 0..P {
            let tx = tx.clone();
            hs.push(thread::spawn(move || {
                for i in 0..N {
                    tx.send_blocking(p * N + i).unwrap();
                }
            }));
        }
        for _ in 0..P {
            let rx = rx.clone();
            let (sum, count) = (sum.clone(), count.clone());
            hs.push(thread::spawn(move || {
                while let Some(v) = rx.recv_blocking() {
                    sum.fetch_add(v, Ordering::Relaxed);
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        drop(tx);
        drop(rx);
        for h in hs {
            h.join().unwrap();
        }
        let n = P * N;
        assert_eq!(count.load(Ordering::Relaxed), n, "cap {cap}");
        assert_eq!(sum.load(Ordering::Relaxed), n * (n - 1) / 2, "cap {cap}");
    }
}

#[test]
fn stream_collects_until_closed() {
    let (tx, mut rx) = make::<u32>(0);
    let t = thread::spawn(move || {
        for i in 0..100 {
            tx.send_blocking(i).unwrap();
        }
    });
    let got: Vec<u32> = block_on(rx.by_ref().collect());
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    t.join().unwrap();
}

#[test]
fn stream_pending_value_survives_receiver_drop() {
    let (tx, mut rx) = make::<u32>(0);
    let rx2 = rx.clone();
    let mut cx = Context::from_waker(noop_waker_ref());
    assert!(rx.poll_next_unpin(&mut cx).is_pending());
    tx.try_send(3).unwrap(); // handed to the pending poll_next
    drop(rx);
    assert_eq!(rx2.try_recv(), Ok(3));
}

#[test]
fn zero_sized_values() {
    let (tx, rx) = make::<()>(usize::MAX);
    for _ in 0..1000 {
        tx.try_send(()).unwrap();
    }
    assert_eq!(rx.len(), 1000);
    let (tx0, rx0) = make::<[u8; 0]>(0);
    let t = thread::spawn(move || rx0.recv_blocking());
    tx0.send_blocking([]).unwrap();
    assert_eq!(t.join().unwrap(), Some([]));
    drop(tx);
}

#[test]
fn large_values() {
    let (tx, rx) = make::<[u64; 4096]>(2);
    let t = thread::spawn(move || {
        for i in 0..50u64 {
            tx.send_blocking([i; 4096]).unwrap();
        }
    });
    for i in 0..50u64 {
        let v = rx.recv_blocking().unwrap();
        assert!(v.iter().all(|&x| x == i));
    }
    t.join().unwrap();
}

#[test]
fn huge_capacity_is_an_error_not_ub() {
    let e = try_make::<u64>(usize::MAX).unwrap_err();
    assert_eq!((e.cap, e.elem_size), (usize::MAX, 8));
    assert!(e.to_string().contains("size out of range"));
    assert!(try_make::<u8>(1 << 60).is_err());
    let r = std::panic::catch_unwind(|| make::<u64>(usize::MAX / 4));
    let msg = r.unwrap_err();
    let msg = msg.downcast_ref::<String>().unwrap();
    assert!(msg.contains("makechan: size out of range"), "{msg}");
}

#[test]
fn values_drop_exactly_once() {
    struct D(Arc<AtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = make::<D>(4);
    for _ in 0..4 {
        tx.try_send(D(drops.clone())).unwrap();
    }
    let back = tx.try_send(D(drops.clone())).unwrap_err().into_inner();
    drop(back);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(rx.try_recv().unwrap());
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(rx); // the 3 left in the ring drop now
    assert_eq!(drops.load(Ordering::SeqCst), 5);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 5);
}

#[test]
fn blocking_recv_wakes_on_close() {
    let (tx, rx) = make::<u32>(0);
    let t = thread::spawn(move || rx.recv_blocking());
    thread::sleep(Duration::from_millis(20));
    tx.close().unwrap();
    assert_eq!(t.join().unwrap(), None);
}

#[test]
fn handles_are_send_sync() {
    fn ok<T: Send + Sync>() {}
    ok::<gorust_chan::Sender<String>>();
    ok::<gorust_chan::Receiver<String>>();
    fn send<T: Send>(_: &T) {}
    let (tx, rx) = make::<String>(0);
    send(&tx.send(String::new()));
    send(&rx.recv());
}
