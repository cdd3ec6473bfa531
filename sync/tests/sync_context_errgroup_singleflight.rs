//! context (Go's `context_test.go`: TestWithCancel, TestParentFinishesChild,
//! TestChildFinishesFirst, TestDeadline, TestTimeout, TestValues), errgroup (x/sync
//! `errgroup_test.go`: TestZeroGroup, TestWithContext, TestGoLimit) and singleflight
//! (`singleflight_test.go`: TestDo, TestDoDupSuppress, TestPanicDo, plus leader cancellation).

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as Cx, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures::executor::block_on;
use gorust_sync::context::{self, Error};
use gorust_sync::errgroup;
use gorust_sync::singleflight;

#[test]
fn go_with_cancel_parent_finishes_children() {
    let (c1, cancel) = context::with_cancel(&context::background());
    let (c2, _k2) = context::with_cancel(&c1);
    let c3 = context::with_value(&c2, 1u8);
    let (c4, _k4) = context::with_timeout(&c3, Duration::from_secs(3600));
    for c in [&c1, &c2, &c3, &c4] {
        assert_eq!(c.err(), None);
    }
    let mut cx = Cx::from_waker(Waker::noop());
    let mut d4 = pin!(c4.done());
    assert!(d4.as_mut().poll(&mut cx).is_pending());
    cancel.cancel();
    for c in [&c1, &c2, &c3, &c4] {
        assert_eq!(c.err(), Some(Error::Canceled));
    }
    assert_eq!(d4.as_mut().poll(&mut cx), Poll::Ready(Error::Canceled));
    // A child made after the parent was cancelled is born cancelled.
    let (late, _k) = context::with_cancel(&c1);
    assert_eq!(late.err(), Some(Error::Canceled));
}

#[test]
fn go_child_finishes_first_never_up() {
    let (parent, cp) = context::with_cancel(&context::background());
    let (child, cc) = context::with_cancel(&parent);
    cc.cancel();
    assert_eq!(child.err(), Some(Error::Canceled));
    assert_eq!(parent.err(), None);
    cp.cancel();
    assert_eq!(parent.err(), Some(Error::Canceled));
}

#[test]
fn go_deadline_and_timeout() {
    let start = Instant::now();
    let (ctx, _c) = context::with_timeout(&context::background(), Duration::from_millis(20));
    assert_eq!(block_on(ctx.done()), Error::DeadlineExceeded);
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(ctx.err(), Some(Error::DeadlineExceeded));
    // A child's deadline cannot be later than its parent's; the parent's expiry reaches it.
    let (p, _cp) = context::with_timeout(&context::background(), Duration::from_millis(10));
    let (c, _cc) = context::with_timeout(&p, Duration::from_secs(60));
    assert_eq!(c.deadline(), p.deadline());
    assert_eq!(
        block_on(context::with_value(&c, ()).done()),
        Error::DeadlineExceeded
    );
    // Cancel before the deadline reports Canceled; after it, DeadlineExceeded (Go).
    let (a, ca) = context::with_timeout(&context::background(), Duration::from_secs(60));
    ca.cancel();
    assert_eq!(a.err(), Some(Error::Canceled));
    let (b, cb) = context::with_timeout(&context::background(), Duration::ZERO);
    cb.cancel();
    assert_eq!(b.err(), Some(Error::DeadlineExceeded));
    // Extremes: Duration::MAX means no deadline, a past instant is already expired.
    let (m, _cm) = context::with_timeout(&context::background(), Duration::MAX);
    assert_eq!((m.err(), m.deadline()), (None, None));
    assert_eq!(
        format!("{}", Error::DeadlineExceeded),
        "context deadline exceeded"
    );
}

#[test]
fn go_values_shadow_by_type() {
    #[derive(Debug, PartialEq)]
    struct K1(u32);
    #[derive(Debug, PartialEq)]
    struct K2(&'static str);
    let c1 = context::with_value(&context::background(), K1(1));
    let c2 = context::with_value(&c1, K2("two"));
    let c3 = context::with_value(&c2, K1(3));
    let (c4, _k) = context::with_cancel(&c3);
    assert_eq!(c4.value::<K1>(), Some(&K1(3)));
    assert_eq!(c4.value::<K2>(), Some(&K2("two")));
    assert_eq!(c1.value::<K2>(), None);
}

#[test]
fn done_from_another_thread_and_many_children_no_leak() {
    let (ctx, cancel) = context::with_cancel(&context::background());
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let ctx = ctx.clone();
            thread::spawn(move || block_on(ctx.done()))
        })
        .collect();
    thread::sleep(Duration::from_millis(10));
    cancel.cancel();
    for w in waiters {
        assert_eq!(w.join().unwrap(), Error::Canceled);
    }
    // Children created and dropped without cancel are not cancelled by their parent later
    // (they are gone); a live one still is. (Detach itself: the unit test in context/.)
    let (p, cp) = context::with_cancel(&context::background());
    for _ in 0..10_000 {
        let (c, _cancel) = context::with_cancel(&p);
        drop(c);
    }
    let (live, _k) = context::with_cancel(&p);
    cp.cancel();
    assert_eq!(live.err(), Some(Error::Canceled));
}

#[test]
fn errgroup_zero_group_and_first_error() {
    let mut g = errgroup::Group::<&str>::new();
    for i in 0..5 {
        g.spawn(async move { if i == 3 { Err("err3") } else { Ok(()) } });
    }
    assert_eq!(block_on(g.wait()), Err("err3"));
    let mut g = errgroup::Group::<()>::new();
    assert_eq!(block_on(g.wait()), Ok(()));
}

#[test]
fn errgroup_with_context_cancels_siblings_and_keeps_first_error() {
    let (mut g, ctx) = errgroup::Group::with_context(&context::background());
    let seen = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        let (ctx, seen) = (ctx.clone(), seen.clone());
        g.spawn(async move {
            ctx.done().await;
            seen.fetch_add(1, Ordering::SeqCst);
            Err("late")
        });
    }
    g.spawn(async { Err("first") });
    assert_eq!(block_on(g.wait()), Err("first"));
    assert_eq!(seen.load(Ordering::SeqCst), 3);
    assert_eq!(ctx.err(), Some(Error::Canceled));
}

#[test]
fn errgroup_limit_bounds_concurrency_and_borrows() {
    let active = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let mut g = errgroup::Group::<()>::new();
    g.set_limit(Some(2));
    for _ in 0..6 {
        let (active, peak) = (&active, &peak);
        g.spawn(async move {
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let (c, _k) = context::with_timeout(&context::background(), Duration::from_millis(2));
            c.done().await;
            active.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        });
    }
    assert!(g.try_spawn(async { Ok(()) }).is_err(), "TryGo at the limit");
    assert_eq!(block_on(g.wait()), Ok(()));
    assert_eq!(peak.load(Ordering::SeqCst), 2);
}

#[test]
fn singleflight_dup_suppress() {
    let g = Arc::new(singleflight::Group::<&str, usize>::new());
    let calls = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let rx = Arc::new(std::sync::Mutex::new(rx));
    let n = 10;
    let hs: Vec<_> = (0..n)
        .map(|_| {
            let (g, calls, rx) = (g.clone(), calls.clone(), rx.clone());
            thread::spawn(move || {
                block_on(g.run("key", async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    // Hold the call open until the test says so.
                    let _ = rx.lock().unwrap().recv();
                    42
                }))
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(100));
    for _ in 0..n {
        let _ = tx.send(());
    }
    let outs: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(outs.iter().all(|o| o.0 == 42));
    // Go's criterion: more than 0 and fewer than n executions (late starters may run anew).
    let c = calls.load(Ordering::SeqCst);
    assert!(
        c > 0 && c < n,
        "number of calls = {c}; want over 0 and less than {n}"
    );
    assert!(
        outs.iter().filter(|o| o.1).count() >= 2,
        "results were shared"
    );
    // Done calls are forgotten: the next run executes again.
    assert_eq!(block_on(g.run("key", async { 7 })), (7, false));
}

#[test]
fn singleflight_leader_panic_reaches_duplicates() {
    let g = singleflight::Group::<u8, u8>::new();
    let mut cx = Cx::from_waker(Waker::noop());
    let mut leader = Box::pin(g.run(1, std::future::pending::<u8>()));
    assert!(leader.as_mut().poll(&mut cx).is_pending());
    let mut dup = Box::pin(g.run(1, async { 0 }));
    assert!(dup.as_mut().poll(&mut cx).is_pending());
    drop(leader); // cancelled: the duplicate is promoted and runs its own future
    assert_eq!(dup.as_mut().poll(&mut cx), Poll::Ready((0, false)));
    // A real panic: the leader re-panics, a waiting duplicate panics too.
    let g = Arc::new(singleflight::Group::<u8, u8>::new());
    let g2 = g.clone();
    let started = Arc::new(std::sync::Barrier::new(2));
    let s2 = started.clone();
    let leader = thread::spawn(move || {
        catch_unwind(AssertUnwindSafe(|| {
            block_on(g2.run(9, async move {
                s2.wait();
                thread::sleep(Duration::from_millis(50));
                panic!("leader boom")
            }))
        }))
        .is_err()
    });
    started.wait();
    let dup = catch_unwind(AssertUnwindSafe(|| block_on(g.run(9, async { 1 }))));
    assert!(leader.join().unwrap(), "leader must re-panic");
    let msg = dup.expect_err("duplicate must panic");
    let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("leader panicked: leader boom"), "{msg}");
    assert_eq!(
        block_on(g.run(9, async { 2 })),
        (2, false),
        "key forgotten after the panic"
    );
}
