//! `after(d)`: Go's `time.After` channel, alone and as a `select!` branch.

use std::time::{Duration, Instant};

use futures::executor::block_on;
use gorust_timer::after;

const MS: Duration = Duration::from_millis(1);

#[test]
fn after_sends_once_then_closes() {
    block_on(async {
        let start = Instant::now();
        let rx = after(3 * MS);
        let at = rx.recv().await.expect("one value");
        assert!(at - start >= 3 * MS);
        assert!(start.elapsed() >= 3 * MS);
        assert_eq!(rx.recv().await, None, "closed after its one send");
        // Zero and past deadlines are ready at once; MAX never fires.
        assert!(after(Duration::ZERO).try_recv().is_ok());
        let never = after(Duration::MAX);
        assert!(never.try_recv().is_err());
    });
}

#[test]
fn select_with_after_times_out_a_silent_channel() {
    block_on(async {
        let (_tx, rx) = gorust_chan::make::<u32>(0);
        let start = Instant::now();
        let timeout = after(5 * MS);
        let got = gorust_chan::select! {
            v = rx.recv() => Err(v),
            Some(t) = timeout.recv() => Ok(t),
        };
        let t = got.expect("the timer branch wins");
        assert!(t - start >= 5 * MS);
        assert!(start.elapsed() >= 5 * MS);
    });
}

#[test]
fn select_prefers_a_ready_channel_and_the_orphan_timer_is_harmless() {
    block_on(async {
        let (tx, rx) = gorust_chan::make::<u32>(1);
        for i in 0..100 {
            tx.try_send(i).unwrap();
            let timer = after(2 * MS);
            let got = gorust_chan::select! {
                biased;
                v = rx.recv() => v,
                _ = timer.recv() => None,
            };
            assert_eq!(got, Some(i));
        }
        // The 100 abandoned timers fire into dropped receivers without trouble.
        std::thread::sleep(10 * MS);
        let rx2 = after(MS);
        assert!(rx2.recv().await.is_some());
    });
}

#[test]
fn select_loop_with_after_heartbeat() {
    // A Go idiom: a worker loop that gives up after a quiet period.
    block_on(async {
        let (tx, rx) = gorust_chan::make::<u32>(4);
        let producer = std::thread::spawn(move || {
            for i in 0..5 {
                std::thread::sleep(MS);
                tx.send_blocking(i).unwrap();
            }
            std::thread::sleep(600 * MS); // then goes quiet, keeping the channel open
            drop(tx);
        });
        let mut got = Vec::new();
        loop {
            let quiet = after(300 * MS);
            gorust_chan::select! {
                Some(v) = rx.recv() => got.push(v),
                _ = quiet.recv() => break,
            }
        }
        assert_eq!(got, vec![0, 1, 2, 3, 4]);
        producer.join().unwrap();
    });
}

#[test]
fn ticker_ticks_stops_and_resets() {
    block_on(async {
        let start = Instant::now();
        let t = gorust_timer::Ticker::new(2 * MS);
        let mut last = start;
        for _ in 0..5 {
            let at = t.c().recv().await.unwrap();
            assert!(at > last);
            last = at;
        }
        assert!(start.elapsed() >= 10 * MS);
        t.stop();
        let _ = t.c().try_recv(); // a tick sent before stop may sit in the channel
        std::thread::sleep(10 * MS);
        assert!(t.c().try_recv().is_err(), "no tick after stop");
        t.reset(MS);
        assert!(t.c().recv().await.is_some(), "reset restarts it");
        // A slow receiver skips ticks: after 10 periods without receiving, one value waits
        // (a second may land between the two reads on a stalled machine), not ten.
        t.reset(5 * MS);
        std::thread::sleep(50 * MS);
        let drained = std::iter::from_fn(|| t.c().try_recv().ok()).count();
        assert!((1..=2).contains(&drained), "{drained} ticks queued");
        // Zero period does not panic (raised to 1 us).
        let z = gorust_timer::Ticker::new(Duration::ZERO);
        assert!(z.c().recv().await.is_some());
    });
}

#[test]
fn tick_without_handle_stops_when_the_receiver_is_dropped() {
    block_on(async {
        let rx = gorust_timer::tick(MS);
        for _ in 0..3 {
            rx.recv().await.unwrap();
        }
        drop(rx); // the ticker notices at its next tick and does not re-arm
        std::thread::sleep(5 * MS);
    });
}

#[test]
fn tickers_whose_first_tick_is_immediate_keep_ticking() {
    // A 1 us ticker fires while it is still being built: it must re-arm all the same
    // (regression: the first tick found no entry to re-arm and the ticker went silent).
    block_on(async {
        for _ in 0..50 {
            let t = gorust_timer::Ticker::new(Duration::ZERO);
            for _ in 0..3 {
                let got = gorust_timer::timeout(Duration::from_secs(5), t.c().recv()).await;
                assert!(matches!(got, Ok(Some(_))), "ticker went silent");
            }
            let rx = gorust_timer::tick(Duration::ZERO);
            for _ in 0..3 {
                let got = gorust_timer::timeout(Duration::from_secs(5), rx.recv()).await;
                assert!(matches!(got, Ok(Some(_))), "tick() went silent or closed");
            }
        }
    });
}
