//! Go's channel test programs (`test/chan/*.go`, `src/runtime/chan_test.go`), written afresh
//! against gorust's channels and `select!`, run on the gorust executor with 2 Ps.
//!
//! One `mod` per Go file. Go's nil channel becomes a disabled branch (`, if false`), a send
//! on a closed channel returns `Err` instead of panicking, and loop counts are reduced where
//! Go's would make a debug build slow (noted at each). `perm.go` (directional channel types)
//! is the `compile_fail` doc tests on `gorust_chan`'s crate docs. `select2.go` (memory per
//! select) is `golang_select2.rs`, which needs its own counting allocator.

use futures::FutureExt;
use gorust_chan::{Receiver, Sender, make, select};
use std::future::Future;
use std::time::Duration;

fn run<F: Future>(f: F) -> F::Output {
    gorust::runtime::Builder::new()
        .procs(2)
        .build()
        .expect("runtime")
        .block_on(f)
}

async fn sleep_ms(ms: u64) {
    gorust::time::sleep(Duration::from_millis(ms)).await
}

/// Whether `f` is still blocked after 50 ms (Go's `testBlock` waits 100 ms).
async fn blocks<F: Future>(f: F) -> bool {
    select! {
        _ = f => false,
        _ = sleep_ms(50) => true,
    }
}

/// test/chan/doubleselect.go: "two cases of a select can both end up running".
mod doubleselect {
    use super::*;

    // Go runs 100,000 iterations.
    const ITERATIONS: u32 = 20_000;

    async fn sender(n: u32, c1: Sender<u32>, c2: Sender<u32>, c3: Sender<u32>, c4: Sender<u32>) {
        for i in 0..n {
            select! {
                r = c1.send(i) => r.unwrap(),
                r = c2.send(i) => r.unwrap(),
                r = c3.send(i) => r.unwrap(),
                r = c4.send(i) => r.unwrap(),
            }
        }
    }

    async fn mux(out: Sender<u32>, input: Receiver<u32>, done: Sender<bool>) {
        while let Some(v) = input.recv().await {
            out.send(v).await.unwrap();
        }
        done.send(true).await.unwrap();
    }

    async fn recver(input: Receiver<u32>) {
        let mut seen = std::collections::HashSet::new();
        while let Some(v) = input.recv().await {
            assert!(seen.insert(v), "got duplicate value: {v}");
        }
        assert_eq!(seen.len(), ITERATIONS as usize);
    }

    #[test]
    fn doubleselect() {
        run(async {
            let (c1t, c1r) = make(0);
            let (c2t, c2r) = make(0);
            let (c3t, c3r) = make(0);
            let (c4t, c4r) = make(0);
            let (donet, doner) = make(0);
            let (cmuxt, cmuxr) = make(0);
            gorust::spawn(sender(ITERATIONS, c1t, c2t, c3t, c4t));
            for r in [c1r, c2r, c3r, c4r] {
                gorust::spawn(mux(cmuxt.clone(), r, donet.clone()));
            }
            drop(cmuxt);
            let rec = gorust::spawn(recver(cmuxr));
            for _ in 0..4 {
                assert_eq!(doner.recv().await, Some(true));
            }
            rec.await.unwrap();
        });
    }
}

/// test/chan/fifo.go: a buffered channel is FIFO; a daisy chain reads in sequence.
mod fifo {
    use super::*;

    const N: i32 = 10;

    #[test]
    fn asynch_fifo() {
        run(async {
            let (tx, rx) = make(N as usize);
            for i in 0..N {
                tx.send(i).await.unwrap();
            }
            for i in 0..N {
                assert_eq!(rx.recv().await, Some(i));
            }
        });
    }

    async fn chain(ch: Receiver<i32>, val: i32, input: Receiver<i32>, out: Sender<i32>) {
        input.recv().await;
        assert_eq!(ch.recv().await, Some(val));
        out.send(1).await.unwrap();
    }

    #[test]
    fn synch_fifo() {
        run(async {
            let (cht, chr) = make(0);
            let (start, mut input) = make(0);
            for i in 0..N {
                let (out_t, out_r) = make(0);
                gorust::spawn(chain(chr.clone(), i, input, out_t));
                input = out_r;
            }
            start.send(0).await.unwrap();
            for i in 0..N {
                cht.send(i).await.unwrap();
            }
            assert_eq!(input.recv().await, Some(1));
        });
    }
}

/// test/chan/goroutines.go: 10,000 tasks threaded by unbuffered channels.
mod goroutines {
    use super::*;

    async fn f(left: Sender<i32>, right: Receiver<i32>) {
        let v = right.recv().await.unwrap();
        left.send(v).await.unwrap();
    }

    #[test]
    fn goroutines() {
        run(async {
            let n = 10_000;
            let (leftmost_t, leftmost_r) = make(0);
            let mut left = leftmost_t;
            for _ in 0..n {
                let (rt, rr) = make(0);
                gorust::spawn(f(left, rr));
                left = rt;
            }
            gorust::spawn(async move { left.send(1).await.unwrap() });
            assert_eq!(leftmost_r.recv().await, Some(1));
        });
    }
}

/// test/chan/nonblock.go: `select` with `default` on sends and receives, unbuffered and
/// buffered, for several element types, with sleep-and-retry loops.
mod nonblock {
    use super::*;

    // Go: up to 10,000 tries of ~10 µs.
    const MAX_TRIES: u32 = 10_000;

    async fn pause() {
        gorust::yield_now().await;
        gorust::time::sleep(Duration::from_micros(10)).await;
    }

    async fn one_type<T>(a: T, b: T)
    where
        T: Clone + PartialEq + std::fmt::Debug + Send + 'static,
    {
        for buffer in 0..2 {
            let (tx, rx) = make::<T>(buffer);
            let (synct, syncr) = make::<bool>(0);
            // Nothing there: both defaults run.
            select! {
                _ = rx.recv() => panic!("blocked receiver"),
                default => {}
            }
            if buffer == 0 {
                select! {
                    _ = tx.send(a.clone()) => panic!("blocked sender"),
                    default => {}
                }
            }

            // A receiver task: send without blocking until it takes the value.
            let (rx2, s2, a2) = (rx.clone(), synct.clone(), a.clone());
            gorust::spawn(async move {
                assert_eq!(rx2.recv().await, Some(a2));
                s2.send(true).await.unwrap();
            });
            let mut tries = 0;
            loop {
                select! {
                    r = tx.send(a.clone()) => { r.unwrap(); break; }
                    default => {
                        tries += 1;
                        assert!(tries <= MAX_TRIES, "receiver buffer={buffer}");
                        pause().await;
                    }
                }
            }
            syncr.recv().await;

            // A sender task: receive without blocking until it arrives.
            let (tx2, s2, b2) = (tx.clone(), synct.clone(), b.clone());
            gorust::spawn(async move {
                tx2.send(b2).await.unwrap();
                s2.send(true).await.unwrap();
            });
            if buffer > 0 {
                syncr.recv().await;
            }
            let mut tries = 0;
            let got = loop {
                select! {
                    v = rx.recv() => break v,
                    default => {
                        tries += 1;
                        assert!(tries <= MAX_TRIES, "sender buffer={buffer}");
                        pause().await;
                    }
                }
            };
            assert_eq!(got, Some(b.clone()), "sender value");
            if buffer == 0 {
                syncr.recv().await;
            }
        }
    }

    #[test]
    fn nonblock() {
        run(async {
            one_type::<i32>(123, 234).await;
            one_type::<i64>(123456, 234567).await;
            one_type::<u8>(12, 23).await;
            one_type::<u16>(1234, 2345).await;
            one_type::<String>("hello".into(), "hello again".into()).await;
            one_type::<[u64; 64]>([7; 64], [9; 64]).await;
        });
    }
}

/// test/chan/select.go: every send expression is evaluated each time, nil cases included;
/// the select sends to whichever is ready, then `default`.
mod select_go {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn select() {
        run(async {
            let counter = Cell::new(0u32);
            let shift = Cell::new(0u32);
            let get_value = || {
                counter.set(counter.get() + 1);
                1u32 << shift.get()
            };
            let (at, ar) = make::<u32>(1);
            let (bt, br) = make::<u32>(1);
            let (nil_t, _nil_r) = make::<u32>(0);
            // Send(a, b)
            let send = |a: &Sender<u32>, b: &Sender<u32>, mut a_on: bool, mut b_on: bool| {
                let (a, b) = (a.clone(), b.clone());
                let (get_value, shift) = (&get_value, &shift);
                async move {
                    let mut i = 0;
                    loop {
                        let more = select! {
                            _ = a.send(get_value()), if a_on => { i += 1; a_on = false; true }
                            _ = b.send(get_value()), if b_on => { i += 1; b_on = false; true }
                            default => false,
                        };
                        if !more {
                            break;
                        }
                        shift.set(shift.get() + 1);
                    }
                    i
                }
            };
            assert_eq!(send(&at, &bt, true, true).await, 2);
            let (av, bv) = (ar.recv().await.unwrap(), br.recv().await.unwrap());
            assert_eq!(av | bv, 3);
            assert_eq!(send(&at, &nil_t, true, false).await, 1);
            assert_eq!(counter.get(), 10);
        });
    }
}

/// test/chan/select3.go: which operations block (`testBlock(always/never, f)`).
mod select3 {
    use super::*;

    #[test]
    fn select3() {
        run(async {
            // A nil channel (a disabled branch) blocks, for send and receive.
            let (t, r) = make::<i32>(0);
            assert!(
                blocks(async {
                    select! { _ = t.send(7), if false => {} }
                })
                .await
            );
            assert!(
                blocks(async {
                    select! { _ = r.recv(), if false => {} }
                })
                .await
            );
            // Buffered channel with room: never blocks.
            assert!(
                !blocks(async {
                    let (t, _r) = make::<i32>(1);
                    t.send(1).await.unwrap();
                })
                .await
            );
            assert!(
                !blocks(async {
                    let (t, r) = make::<i32>(1);
                    t.send(1).await.unwrap();
                    r.recv().await;
                })
                .await
            );
            // Unbuffered with nobody on the other side: always blocks.
            assert!(blocks(async { t.send(7).await.unwrap() }).await);
            assert!(blocks(async { r.recv().await }).await);
            // Closed: receive never blocks (zero value and !ok), send fails (Go panics).
            let (ct, cr) = make::<i32>(0);
            ct.close().unwrap();
            assert!(!blocks(async { assert_eq!(cr.recv().await, None) }).await);
            assert!(ct.send(1).await.is_err());
            // Empty select and only nil cases: always block.
            assert!(
                blocks(async {
                    select! {}
                })
                .await
            );
            assert!(
                blocks(async {
                    select! {
                        _ = t.send(7), if false => {}
                        _ = r.recv(), if false => {}
                    }
                })
                .await
            );
            // A select with default never blocks, with or without other cases.
            assert!(
                !blocks(async {
                    select! { default => {} }
                })
                .await
            );
            assert!(
                !blocks(async {
                    select! {
                        _ = r.recv() => unreachable!(),
                        default => {}
                    }
                })
                .await
            );
            assert!(
                !blocks(async {
                    select! {
                        _ = r.recv(), if false => unreachable!(),
                        default => {}
                    }
                })
                .await
            );
            // Closed channel in a select: never blocks.
            assert!(
                !blocks(async {
                    select! {
                        v = cr.recv() => assert_eq!(v, None),
                    }
                })
                .await
            );
            // "select should not get confused if it sees itself".
            assert!(
                blocks(async {
                    select! {
                        _ = t.send(1) => {}
                        _ = r.recv() => {}
                    }
                })
                .await
            );
        });
    }
}

/// test/chan/select4.go: a select proceeds when one value is ready.
mod select4 {
    use super::*;

    #[test]
    fn select4() {
        run(async {
            let (ct, cr) = make::<i32>(1);
            let (_c1t, c1r) = make::<i32>(0);
            ct.send(42).await.unwrap();
            select! {
                _ = c1r.recv() => panic!("BUG: c1 was never sent to"),
                v = cr.recv() => assert_eq!(v, Some(42)),
            }
        });
    }
}

/// test/chan/select5.go checks evaluation order (a generator enumerates case shapes); the
/// rule kept here: preconditions first, then every branch expression once, in source order,
/// disabled branches included, before anything is polled.
mod select5 {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn evaluation_order() {
        run(async {
            let order = RefCell::new(Vec::new());
            let (t, r) = make::<i32>(1);
            t.send(1).await.unwrap();
            let note = |tag: &'static str| order.borrow_mut().push(tag);
            let v = select! {
                v = { note("f0"); r.recv() }, if { note("c0"); true } => v,
                _ = { note("f1"); t.send({ note("v1"); 5 }) }, if { note("c1"); false } => None,
                _ = { note("f2"); std::future::pending::<()>() } => None,
            };
            assert_eq!(v, Some(1));
            assert_eq!(*order.borrow(), ["c0", "c1", "f0", "f1", "v1", "f2"]);
            assert_eq!(r.try_recv(), Err(gorust_chan::TryRecvError::Empty));
        });
    }
}

/// test/chan/select6.go (issue 2075): a select must not corrupt the queues of the cases it
/// did not take when it is the last waiter among several.
mod select6 {
    use super::*;

    #[test]
    fn select6() {
        run(async {
            let (c1t, c1r) = make::<bool>(0);
            let (c2t, c2r) = make::<bool>(0);
            let (c3t, c3r) = make::<bool>(0);
            let r = c1r.clone();
            gorust::spawn(async move {
                r.recv().await;
            });
            let r = c1r.clone();
            gorust::spawn(async move {
                select! {
                    _ = r.recv() => panic!("dummy"),
                    _ = c2r.recv() => c3t.send(true).await.unwrap(),
                }
                r.recv().await;
            });
            gorust::spawn(async move { c2t.send(true).await.unwrap() });
            c3r.recv().await;
            c1t.send(true).await.unwrap();
            c1t.send(true).await.unwrap();
        });
    }
}

/// test/chan/select7.go: plain receive / 1-case select / 2-case select against plain send /
/// 1-case select / 2-case select.
mod select7 {
    use super::*;
    use futures::future::BoxFuture;

    fn recv1(c: Receiver<i32>) -> BoxFuture<'static, ()> {
        async move {
            c.recv().await;
        }
        .boxed()
    }
    fn recv2(c: Receiver<i32>) -> BoxFuture<'static, ()> {
        async move {
            select! { _ = c.recv() => {} }
        }
        .boxed()
    }
    fn recv3(c: Receiver<i32>) -> BoxFuture<'static, ()> {
        async move {
            let (_c2t, c2r) = make::<i32>(0);
            select! {
                _ = c.recv() => {}
                _ = c2r.recv() => {}
            }
        }
        .boxed()
    }

    async fn send1(recv: fn(Receiver<i32>) -> BoxFuture<'static, ()>) {
        let (t, r) = make(0);
        let h = gorust::spawn(recv(r));
        gorust::yield_now().await;
        t.send(1).await.unwrap();
        h.await.unwrap();
    }
    async fn send2(recv: fn(Receiver<i32>) -> BoxFuture<'static, ()>) {
        let (t, r) = make(0);
        let h = gorust::spawn(recv(r));
        gorust::yield_now().await;
        select! { r = t.send(1) => r.unwrap() }
        h.await.unwrap();
    }
    async fn send3(recv: fn(Receiver<i32>) -> BoxFuture<'static, ()>) {
        let (t, r) = make(0);
        let h = gorust::spawn(recv(r));
        gorust::yield_now().await;
        let (c2t, _c2r) = make::<i32>(0);
        select! {
            r = t.send(1) => r.unwrap(),
            _ = c2t.send(1) => panic!("nobody receives on c2"),
        }
        h.await.unwrap();
    }

    #[test]
    fn select7() {
        run(async {
            for recv in [recv1, recv2, recv3] {
                send1(recv).await;
                send2(recv).await;
                send3(recv).await;
            }
        });
    }
}

/// test/chan/sieve1.go: the concurrent prime sieve. Tasks end when the next stage goes away
/// (their send fails), so dropping the consumer tears the pipeline down.
mod sieve1 {
    use super::*;

    async fn generate(ch: Sender<u32>) {
        let mut i = 2;
        while ch.send(i).await.is_ok() {
            i += 1;
        }
    }

    async fn filter(input: Receiver<u32>, out: Sender<u32>, prime: u32) {
        while let Some(i) = input.recv().await {
            if i % prime != 0 && out.send(i).await.is_err() {
                return;
            }
        }
    }

    async fn sieve(primes: Sender<u32>) {
        let (t, mut ch) = make(0);
        gorust::spawn(generate(t));
        loop {
            let Some(prime) = ch.recv().await else { return };
            if primes.send(prime).await.is_err() {
                return;
            }
            let (t1, ch1) = make(0);
            gorust::spawn(filter(ch, t1, prime));
            ch = ch1;
        }
    }

    #[test]
    fn sieve1() {
        run(async {
            let (pt, pr) = make(0);
            gorust::spawn(sieve(pt));
            let a = [
                2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79,
                83, 89, 97,
            ];
            for want in a {
                assert_eq!(pr.recv().await, Some(want));
            }
        });
    }
}

/// test/chan/zerosize.go: channels of zero-sized values, buffered and not.
mod zerosize {
    use super::*;

    #[test]
    fn zerosize() {
        run(async {
            let _ = make::<[u8; 0]>(0);
            let _ = make::<[u8; 0]>(1);
            let _ = make::<()>(0);
            let (t, r) = make::<()>(1);
            t.send(()).await.unwrap();
            assert_eq!(r.recv().await, Some(()));
            let (t, r) = make::<[u8; 0]>(0);
            gorust::spawn(async move { t.send([]).await.unwrap() });
            assert_eq!(r.recv().await, Some([]));
        });
    }
}

/// src/runtime/chan_test.go.
mod chan_test {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// TestChan. Go walks every cap below 200; here 0..=16 and a few larger ones.
    #[test]
    fn test_chan() {
        run(async {
            for cap in (0..=16).chain([50, 199]) {
                // Receive from an empty channel blocks; a non-blocking receive does not.
                {
                    let (t, r) = make::<i32>(cap);
                    let recv1 = Arc::new(AtomicBool::new(false));
                    let (r1, f1) = (r.clone(), recv1.clone());
                    gorust::spawn(async move {
                        r1.recv().await;
                        f1.store(true, Ordering::SeqCst);
                    });
                    sleep_ms(1).await;
                    assert!(
                        !recv1.load(Ordering::SeqCst),
                        "chan[{cap}]: receive from empty chan"
                    );
                    select! {
                        _ = r.recv() => panic!("chan[{cap}]: receive from empty chan"),
                        default => {}
                    }
                    t.send(0).await.unwrap();
                }
                // Send to a full channel blocks; a non-blocking send does not.
                {
                    let (t, r) = make::<i32>(cap);
                    for i in 0..cap as i32 {
                        t.send(i).await.unwrap();
                    }
                    let sent = Arc::new(AtomicBool::new(false));
                    let (t1, s1) = (t.clone(), sent.clone());
                    gorust::spawn(async move {
                        let _ = t1.send(0).await;
                        s1.store(true, Ordering::SeqCst);
                    });
                    sleep_ms(1).await;
                    assert!(
                        !sent.load(Ordering::SeqCst),
                        "chan[{cap}]: send to full chan"
                    );
                    select! {
                        _ = t.send(0) => panic!("chan[{cap}]: send to full chan"),
                        default => {}
                    }
                    r.recv().await;
                }
                // A closed channel gives its values, then zero/!ok.
                {
                    let (t, r) = make::<i32>(cap);
                    for i in 0..cap as i32 {
                        t.send(i).await.unwrap();
                    }
                    t.close().unwrap();
                    for i in 0..cap as i32 {
                        assert_eq!(r.recv().await, Some(i));
                    }
                    assert_eq!(r.recv().await, None);
                    assert_eq!(r.recv().await, None);
                }
                // Close unblocks a receiver.
                {
                    let (t, r) = make::<i32>(cap);
                    let (dt, dr) = make::<bool>(0);
                    gorust::spawn(async move {
                        let v = r.recv().await;
                        dt.send(v.is_none()).await.unwrap();
                    });
                    sleep_ms(1).await;
                    t.close().unwrap();
                    assert_eq!(dr.recv().await, Some(true));
                }
                // 100 values arrive in FIFO order.
                {
                    let (t, r) = make::<i32>(cap);
                    gorust::spawn(async move {
                        for i in 0..100 {
                            t.send(i).await.unwrap();
                        }
                    });
                    for i in 0..100 {
                        assert_eq!(r.recv().await, Some(i));
                    }
                }
                // 4 senders x 1000 values: each received exactly P times.
                {
                    const P: usize = 4;
                    const L: i32 = 1000;
                    let (t, r) = make::<i32>(cap);
                    for _ in 0..P {
                        let t = t.clone();
                        gorust::spawn(async move {
                            for i in 0..L {
                                t.send(i).await.unwrap();
                            }
                        });
                    }
                    let (dt, dr) = make::<HashMap<i32, usize>>(0);
                    for _ in 0..P {
                        let (r, dt) = (r.clone(), dt.clone());
                        gorust::spawn(async move {
                            let mut m = HashMap::new();
                            for _ in 0..L {
                                *m.entry(r.recv().await.unwrap()).or_insert(0) += 1;
                            }
                            dt.send(m).await.unwrap();
                        });
                    }
                    let mut recv = HashMap::new();
                    for _ in 0..P {
                        for (k, v) in dr.recv().await.unwrap() {
                            *recv.entry(k).or_insert(0) += v;
                        }
                    }
                    assert_eq!(recv.len(), L as usize);
                    assert!(recv.values().all(|&v| v == P));
                }
                // len / cap.
                {
                    let (t, r) = make::<i32>(cap);
                    assert_eq!((r.len(), r.cap()), (0, cap));
                    for i in 0..cap as i32 {
                        t.send(i).await.unwrap();
                    }
                    assert_eq!((t.len(), t.cap()), (cap, cap));
                }
            }
        });
    }

    /// TestNonblockRecvRace (Go: 10,000 iterations).
    #[test]
    fn nonblock_recv_race() {
        run(async {
            for _ in 0..2000 {
                let (t, r) = make::<i32>(1);
                t.send(1).await.unwrap();
                let r2 = r.clone();
                let h = gorust::spawn(async move {
                    select! {
                        _ = r2.recv() => {}
                        default => panic!("chan is not ready"),
                    }
                });
                t.close().unwrap();
                r.recv().await;
                h.await.unwrap();
            }
        });
    }

    /// TestNonblockSelectRace: a select acts on the channels' state at one moment, not over
    /// a smeared time window (Go: 100,000 iterations).
    #[test]
    fn nonblock_select_race() {
        run(async {
            let (donet, doner) = make::<bool>(1);
            for _ in 0..5000 {
                let (c1t, c1r) = make::<i32>(1);
                let (c2t, c2r) = make::<i32>(1);
                c1t.send(1).await.unwrap();
                let (a, b, d) = (c1r.clone(), c2r.clone(), donet.clone());
                gorust::spawn(async move {
                    let ok = select! {
                        _ = a.recv() => true,
                        _ = b.recv() => true,
                        default => false,
                    };
                    d.send(ok).await.unwrap();
                });
                c2t.send(1).await.unwrap();
                select! {
                    _ = c1r.recv() => {}
                    default => {}
                }
                assert_eq!(doner.recv().await, Some(true), "no chan is ready");
            }
        });
    }

    /// TestNonblockSelectRace2: the same with a closed channel.
    #[test]
    fn nonblock_select_race2() {
        run(async {
            let (donet, doner) = make::<bool>(1);
            for _ in 0..5000 {
                let (c1t, c1r) = make::<i32>(1);
                let (c2t, c2r) = make::<i32>(0);
                c1t.send(1).await.unwrap();
                let (a, b, d) = (c1r.clone(), c2r.clone(), donet.clone());
                gorust::spawn(async move {
                    let ok = select! {
                        _ = a.recv() => true,
                        _ = b.recv() => true,
                        default => false,
                    };
                    d.send(ok).await.unwrap();
                });
                c2t.close().unwrap();
                select! {
                    _ = c1r.recv() => {}
                    default => {}
                }
                assert_eq!(doner.recv().await, Some(true), "no chan is ready");
            }
        });
    }

    /// TestSelfSelect: send and receive of one channel in one select never pair up.
    #[test]
    fn self_select() {
        run(async {
            for cap in [0usize, 10] {
                let (t, r) = make::<usize>(cap);
                let mut hs = vec![];
                for p in 0..2usize {
                    let (t, r) = (t.clone(), r.clone());
                    hs.push(gorust::spawn(async move {
                        for i in 0..1000 {
                            if p == 0 || i % 2 == 0 {
                                select! {
                                    _ = t.send(p) => {}
                                    Some(v) = r.recv() => {
                                        assert!(!(cap == 0 && v == p), "self receive");
                                    }
                                }
                            } else {
                                select! {
                                    Some(v) = r.recv() => {
                                        assert!(!(cap == 0 && v == p), "self receive");
                                    }
                                    _ = t.send(p) => {}
                                }
                            }
                        }
                    }));
                }
                for h in hs {
                    h.await.unwrap();
                }
            }
        });
    }

    /// TestSelectStress: 4 channels (caps 0, 0, 2, 3), per-channel senders and receivers and
    /// one select-sender and one select-receiver over all four (Go: N = 100,000).
    #[test]
    fn select_stress() {
        run(async {
            const N: usize = 5000;
            let chans: Vec<_> = [0, 0, 2, 3].iter().map(|&c| make::<i32>(c)).collect();
            let mut hs = vec![];
            for (t, r) in &chans {
                let t = t.clone();
                hs.push(gorust::spawn(async move {
                    for _ in 0..N {
                        t.send(0).await.unwrap();
                    }
                }));
                let r = r.clone();
                hs.push(gorust::spawn(async move {
                    for _ in 0..N {
                        r.recv().await.unwrap();
                    }
                }));
            }
            let ts: Vec<_> = chans.iter().map(|(t, _)| t.clone()).collect();
            hs.push(gorust::spawn(async move {
                let mut n = [0usize; 4];
                for _ in 0..4 * N {
                    select! {
                        _ = ts[3].send(0), if n[3] < N => n[3] += 1,
                        _ = ts[2].send(0), if n[2] < N => n[2] += 1,
                        _ = ts[0].send(0), if n[0] < N => n[0] += 1,
                        _ = ts[1].send(0), if n[1] < N => n[1] += 1,
                    }
                }
            }));
            let rs: Vec<_> = chans.iter().map(|(_, r)| r.clone()).collect();
            hs.push(gorust::spawn(async move {
                let mut n = [0usize; 4];
                for _ in 0..4 * N {
                    select! {
                        _ = rs[0].recv(), if n[0] < N => n[0] += 1,
                        _ = rs[3].recv(), if n[3] < N => n[3] += 1,
                        _ = rs[1].recv(), if n[1] < N => n[1] += 1,
                        _ = rs[2].recv(), if n[2] < N => n[2] += 1,
                    }
                }
            }));
            for h in hs {
                h.await.unwrap();
            }
        });
    }

    /// TestSelectFairness: two always-ready channels among four cases; within 10 sigma.
    #[test]
    fn select_fairness() {
        run(async {
            const TRIALS: usize = 10_000;
            let (c1t, c1r) = make::<u8>(TRIALS + 1);
            let (c2t, c2r) = make::<u8>(TRIALS + 1);
            for _ in 0..TRIALS + 1 {
                c1t.send(1).await.unwrap();
                c2t.send(2).await.unwrap();
            }
            let (_c3t, c3r) = make::<u8>(0);
            let (_c4t, c4r) = make::<u8>(0);
            let (outt, outr) = make::<u8>(0);
            let (donet, doner) = make::<u8>(0);
            let h = gorust::spawn(async move {
                loop {
                    let b = select! {
                        Some(b) = c3r.recv() => b,
                        Some(b) = c4r.recv() => b,
                        Some(b) = c1r.recv() => b,
                        Some(b) = c2r.recv() => b,
                    };
                    select! {
                        _ = outt.send(b) => {}
                        _ = doner.recv() => return,
                    }
                }
            });
            let (mut cnt1, mut cnt2) = (0usize, 0usize);
            for _ in 0..TRIALS {
                match outr.recv().await {
                    Some(1) => cnt1 += 1,
                    Some(2) => cnt2 += 1,
                    b => panic!("unexpected value {b:?} on channel"),
                }
            }
            let mean = TRIALS as f64 * 0.5;
            let stddev = (TRIALS as f64 * 0.25).sqrt();
            assert!(
                (cnt1 as f64 - mean).abs() <= 10.0 * stddev,
                "unfair select: in {TRIALS} trials, results were {cnt1}, {cnt2}"
            );
            donet.close().unwrap();
            h.await.unwrap();
        });
    }

    /// TestPseudoRandomSend: a select over two sends to one channel picks at random.
    #[test]
    fn pseudo_random_send() {
        run(async {
            let n = 100;
            for cap in [0usize, n] {
                let (t, r) = make::<usize>(cap);
                let h = gorust::spawn(async move {
                    let mut l = vec![];
                    for _ in 0..n {
                        gorust::yield_now().await;
                        l.push(r.recv().await.unwrap());
                    }
                    l
                });
                for _ in 0..n {
                    select! {
                        _ = t.send(1) => {}
                        _ = t.send(0) => {}
                    }
                }
                let l = h.await.unwrap();
                let n1: usize = l.iter().sum();
                let n0 = n - n1;
                assert!(
                    n0 > n / 10 && n1 > n / 10,
                    "want pseudorandom, got {n0} zeros and {n1} ones (chan cap {cap})"
                );
            }
        });
    }

    /// TestMultiConsumer: 23 workers ranging over one channel (Go: 271,828 iterations).
    #[test]
    fn multi_consumer() {
        run(async {
            const NWORK: usize = 23;
            const NITER: usize = 50_000;
            let pn = [2usize, 3, 7, 11, 13, 17, 19, 23, 27, 31];
            let (qt, qr) = make::<usize>(NWORK * 3);
            let (rt, rr) = make::<usize>(NWORK * 3);
            for w in 0..NWORK {
                let (qr, rt) = (qr.clone(), rt.clone());
                gorust::spawn(async move {
                    while let Some(v) = qr.recv().await {
                        // Mess with the FIFO-ish nature of the range.
                        if pn[w % pn.len()] == v {
                            gorust::yield_now().await;
                        }
                        rt.send(v).await.unwrap();
                    }
                });
            }
            drop((qr, rt));
            let feeder = gorust::spawn(async move {
                let mut expect = 0;
                for i in 0..NITER {
                    let v = pn[i % pn.len()];
                    expect += v;
                    qt.send(v).await.unwrap();
                }
                expect
            });
            let (mut n, mut s) = (0, 0);
            while let Some(v) = rr.recv().await {
                n += 1;
                s += v;
            }
            let expect = feeder.await.unwrap();
            assert_eq!((n, s), (NITER, expect));
        });
    }

    /// TestSelectDuplicateChannel: one select queued twice on one channel must not corrupt
    /// that channel's receive queue when another case wakes it.
    #[test]
    fn select_duplicate_channel() {
        run(async {
            let (ct, cr) = make::<i32>(0);
            let (dt, dr) = make::<i32>(0);
            let (et, er) = make::<i32>(0);
            let c2 = cr.clone();
            gorust::spawn(async move {
                select! {
                    _ = c2.recv() => {}
                    _ = c2.recv() => {}
                    _ = dr.recv() => {}
                }
                et.send(9).await.unwrap();
            });
            sleep_ms(1).await; // A queues on c first
            let c3 = cr.clone();
            let b = gorust::spawn(async move { c3.recv().await });
            sleep_ms(1).await; // B queues on c next
            dt.send(7).await.unwrap(); // wakes A, which leaves c's queue
            assert_eq!(er.recv().await, Some(9));
            ct.send(8).await.unwrap(); // wakes B
            assert_eq!(b.await.unwrap(), Some(8));
        });
    }
}
