//! `select!` semantics: readiness, default, else, preconditions, patterns, biased, send
//! branches, self-pairing, atomicity with foreign futures, fairness, drop mid-select.

use futures::executor::block_on;
use futures::task::noop_waker_ref;
use gorust_chan::{TryRecvError, make, select};
use std::future::{Future, pending, ready};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::thread;

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(noop_waker_ref()))
}

#[test]
fn picks_the_ready_channel() {
    block_on(async {
        let (_tx1, rx1) = make::<u32>(1);
        let (tx2, rx2) = make::<u32>(1);
        tx2.send(2).await.unwrap();
        let v = select! {
            v = rx1.recv() => v.map(|x| x + 100),
            v = rx2.recv() => v,
        };
        assert_eq!(v, Some(2));
    });
}

#[test]
fn default_runs_when_nothing_ready() {
    block_on(async {
        let (tx, rx) = make::<u32>(0);
        let mut hit = 0;
        select! {
            _ = rx.recv() => unreachable!(),
            _ = tx.send(1) => unreachable!(),
            default => hit += 1,
        }
        assert_eq!(hit, 1);
        // Only default.
        let r = select! { default => 5 };
        assert_eq!(r, 5);
    });
}

#[test]
fn preconditions_and_else() {
    block_on(async {
        let (tx, rx) = make::<u32>(1);
        tx.send(1).await.unwrap();
        let r = select! {
            v = rx.recv(), if false => v,
            else => Some(99),
        };
        assert_eq!(r, Some(99));
        assert_eq!(rx.try_recv(), Ok(1)); // the disabled branch took nothing
    });
}

#[test]
fn refused_pattern_disables_branch() {
    block_on(async {
        let (tx, rx) = make::<u32>(1);
        drop(tx);
        let (tx2, rx2) = make::<u32>(1);
        tx2.send(4).await.unwrap();
        let r = select! {
            Some(v) = rx.recv() => v,
            Some(v) = rx2.recv() => v + 10,
        };
        assert_eq!(r, 14);
        let r = select! {
            Some(v) = rx.recv() => v,
            else => 0,
        };
        assert_eq!(r, 0);
    });
}

#[test]
fn mut_and_ref_patterns_and_expression_bodies() {
    block_on(async {
        let (tx, rx) = make::<String>(1);
        tx.send("a".into()).await.unwrap();
        let s = select! {
            Some(mut s) = rx.recv() => { s.push('b'); s }
            _ = pending::<()>() => unreachable!(),
        };
        assert_eq!(s, "ab");
        tx.send("c".into()).await.unwrap();
        let n = select! { Some(ref s) = rx.recv() => s.len(), };
        assert_eq!(n, 1);
    });
}

#[test]
fn send_branch_and_loser_takes_nothing() {
    block_on(async {
        let (tx, rx) = make::<u32>(1);
        let (tx2, rx2) = make::<u32>(1);
        tx2.send(1).await.unwrap();
        // Both ready: exactly one happens.
        let mut sent = 0;
        let mut got = 0;
        for _ in 0..200 {
            select! {
                r = tx.send(7) => { r.unwrap(); sent += 1; assert_eq!(rx.try_recv(), Ok(7)); }
                Some(v) = rx2.recv() => { got += 1; tx2.send(v).await.unwrap(); }
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
        assert!(sent > 50 && got > 50, "sent {sent} got {got}");
    });
}

#[test]
fn biased_takes_first_ready() {
    block_on(async {
        let (tx1, rx1) = make::<u32>(8);
        let (tx2, rx2) = make::<u32>(8);
        for i in 0..8 {
            tx1.send(i).await.unwrap();
            tx2.send(i).await.unwrap();
        }
        for _ in 0..8 {
            let w = select! { biased; _ = rx1.recv() => 1, _ = rx2.recv() => 2 };
            assert_eq!(w, 1);
        }
        let w = select! { biased; _ = rx1.recv() => 1, _ = rx2.recv() => 2 };
        assert_eq!(w, 2);
    });
}

#[test]
fn future_branches_and_into_future() {
    block_on(async {
        let (_tx, rx) = make::<u32>(0);
        let v = select! {
            _ = rx.recv() => 0,
            v = ready(3) => v,
        };
        assert_eq!(v, 3);
        let v = select! {
            v = async { 4 } => v,
            _ = pending::<()>() => 0,
        };
        assert_eq!(v, 4);
    });
}

#[test]
fn body_control_flow_reaches_enclosing_loop() {
    block_on(async {
        let (tx, rx) = make::<u32>(4);
        for i in 0..4 {
            tx.send(i).await.unwrap();
        }
        drop(tx);
        let mut seen = vec![];
        loop {
            select! {
                v = rx.recv() => match v {
                    Some(1) => continue,
                    Some(v) => seen.push(v),
                    None => break,
                },
            }
        }
        assert_eq!(seen, [0, 2, 3]);
    });
}

#[test]
fn handles_usable_in_body() {
    block_on(async {
        let (tx, rx) = make::<u32>(1);
        tx.send(1).await.unwrap();
        select! {
            v = rx.recv() => {
                assert_eq!(v, Some(1));
                drop(rx); // the select's borrow is gone
            }
        }
    });
}

#[test]
fn self_select_never_pairs_with_itself() {
    let (tx, rx) = make::<u32>(0);
    let mut f = pin!(async {
        select! {
            _ = tx.send(1) => 1,
            _ = rx.recv() => 2,
        }
    });
    for _ in 0..10 {
        assert!(poll_once(f.as_mut()).is_pending());
    }
    // A second party completes one side.
    let (tx2, rx2) = (tx.clone(), rx.clone());
    assert!(rx2.try_recv().is_ok() || tx2.try_send(5).is_ok());
    assert!(poll_once(f.as_mut()).is_ready());
}

#[test]
fn duplicate_channel_cases() {
    block_on(async {
        let (tx, rx) = make::<u32>(0);
        let t = thread::spawn(move || {
            for i in 0..100 {
                tx.send_blocking(i).unwrap();
            }
        });
        let mut n = 0;
        while n < 100 {
            select! {
                Some(v) = rx.recv() => { assert_eq!(v, n); n += 1; }
                Some(v) = rx.recv() => { assert_eq!(v, n); n += 1; }
            }
        }
        t.join().unwrap();
    });
}

#[test]
fn dropped_select_gives_committed_value_back() {
    let (tx, rx) = make::<u32>(0);
    let (_tx2, rx2) = make::<u32>(0);
    {
        let mut f = pin!(async {
            select! {
                v = rx.recv() => v,
                v = rx2.recv() => v,
            }
        });
        assert!(poll_once(f.as_mut()).is_pending());
        tx.try_send(11).unwrap(); // committed to the select
    }
    assert_eq!(rx.try_recv(), Ok(11));
}

#[test]
fn committed_send_counts_as_delivered() {
    let (tx, rx) = make::<u32>(0);
    let (_tx2, rx2) = make::<u32>(0);
    {
        let mut f = pin!(async {
            select! {
                r = tx.send(21) => r.is_ok(),
                _ = rx2.recv() => false,
            }
        });
        assert!(poll_once(f.as_mut()).is_pending());
        assert_eq!(rx.try_recv(), Ok(21));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn empty_select_and_all_disabled_wait_forever() {
    let mut f = pin!(async {
        select! {}
    });
    assert!(poll_once(f.as_mut()).is_pending());
    let (_tx, rx) = make::<u32>(1);
    let mut g = pin!(async {
        select! { _ = rx.recv(), if false => () }
    });
    assert!(poll_once(g.as_mut()).is_pending());
}

#[test]
fn close_wakes_select() {
    let (tx, rx) = make::<u32>(0);
    let (_tx2, rx2) = make::<u32>(0);
    let mut f = pin!(async {
        select! {
            v = rx.recv() => v,
            v = rx2.recv() => v,
        }
    });
    assert!(poll_once(f.as_mut()).is_pending());
    tx.close().unwrap();
    assert_eq!(poll_once(f.as_mut()), Poll::Ready(None));
}

/// Go's TestSelectFairness in spirit, smaller here (the 1,000,000 run is a root test).
#[test]
fn fairness_over_four_ready_channels() {
    block_on(async {
        let chans: Vec<_> = (0..4).map(|_| make::<u8>(1)).collect();
        for (tx, _) in &chans {
            tx.try_send(0).unwrap();
        }
        let mut cnt = [0usize; 4];
        let n = 40_000;
        for _ in 0..n {
            let i = select! {
                _ = chans[0].1.recv() => 0,
                _ = chans[1].1.recv() => 1,
                _ = chans[2].1.recv() => 2,
                _ = chans[3].1.recv() => 3,
            };
            cnt[i] += 1;
            chans[i].0.try_send(0).unwrap();
        }
        for c in cnt {
            let f = c as f64 / n as f64;
            assert!((f - 0.25).abs() < 0.02, "{cnt:?}");
        }
    });
}

/// doubleselect.go: a sender selects over 4 unbuffered channels while 4 muxes forward to one
/// receiver; no value may come out twice.
#[test]
fn doubleselect_threads() {
    const N: u32 = 20_000;
    let chans: Vec<_> = (0..4).map(|_| make::<u32>(0)).collect();
    let (out_tx, out_rx) = make::<u32>(0);
    let txs: Vec<_> = chans.iter().map(|(t, _)| t.clone()).collect();
    let sender = thread::spawn(move || {
        block_on(async {
            for i in 0..N {
                select! {
                    r = txs[0].send(i) => r.unwrap(),
                    r = txs[1].send(i) => r.unwrap(),
                    r = txs[2].send(i) => r.unwrap(),
                    r = txs[3].send(i) => r.unwrap(),
                }
            }
        })
    });
    let mut muxes = vec![];
    for (_, rx) in chans {
        let out = out_tx.clone();
        muxes.push(thread::spawn(move || {
            while let Some(v) = rx.recv_blocking() {
                out.send_blocking(v).unwrap();
            }
        }));
    }
    drop(out_tx);
    let mut seen = vec![false; N as usize];
    for _ in 0..N {
        let v = out_rx.recv_blocking().unwrap() as usize;
        assert!(!seen[v], "value {v} delivered twice");
        seen[v] = true;
    }
    sender.join().unwrap();
    for m in muxes {
        m.join().unwrap();
    }
    assert_eq!(out_rx.recv_blocking(), None);
}

/// A select mixing a channel receive with an always-ready future must never complete both.
#[test]
fn busy_window_never_completes_both() {
    let (tx, rx) = make::<u32>(0);
    let taken = Arc::new(AtomicUsize::new(0));
    let t = thread::spawn(move || {
        let mut sent = 0;
        for i in 0..5000 {
            if tx.send_blocking(i).is_ok() {
                sent += 1;
            }
        }
        sent
    });
    let got = block_on(async {
        let mut got = 0;
        loop {
            let r = select! {
                v = rx.recv() => v,
                _ = ready(()) => { taken.fetch_add(1, Ordering::Relaxed); continue }
            };
            match r {
                Some(_) => got += 1,
                None => break,
            }
            if got == 5000 {
                break;
            }
        }
        got
    });
    assert_eq!(t.join().unwrap(), 5000);
    assert_eq!(got, 5000);
}
