//! loom models of the timer protocol (`RUSTFLAGS="--cfg loom" cargo test -p gorust-timer --lib`).
//!
//! - stop racing the heap firing the same timer: exactly one of "stop returned true" and
//!   "the waker was woken" happens (Go's `timer.stop` vs `timers.run` under `t.mu`).
//! - reset-earlier racing `run`/`adjust` on the owner: the heap's wake time is never late, so
//!   the modified timer is not slept through (Go's `minWhenModified` ordering in `adjust`).
//! - reset racing stop on a heaped timer: the zombie count matches the zombie bits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Waker;

use crate::test_util::{Count, Nobody};
use crate::timers::Heap;

/// Runs `f` on a loom thread. Every side of a race runs on a spawned thread: with loom 0.7 a
/// race between the model's main thread and one spawned thread was explored only once.
fn spawn<T: 'static>(f: impl FnOnce() -> T + 'static) -> loom::thread::JoinHandle<T> {
    loom::thread::spawn(f)
}

fn setup() -> (Arc<Heap>, Arc<Count>, Waker) {
    let heap = Heap::new(Arc::new(Nobody));
    let count = Arc::new(Count(AtomicUsize::new(0)));
    let waker = Waker::from(count.clone());
    (heap, count, waker)
}

/// Counts the executions a model explored, to show it explored more than one.
fn explore(name: &str, f: impl Fn() + Sync + Send + 'static) {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    RUNS.store(0, SeqCst);
    loom::model(move || {
        RUNS.fetch_add(1, SeqCst);
        f()
    });
    let runs = RUNS.load(SeqCst);
    eprintln!("{name}: {runs} executions");
    assert!(runs > 1, "{name}: the model explored a single interleaving");
}

#[test]
fn stop_vs_fire_exactly_once() {
    explore("stop_vs_fire", || {
        let (heap, count, waker) = setup();
        // A callback entry (after_func): firing consumes it, so stop's answer says who won.
        let entry = heap.push_new(10, waker, true);
        let h2 = heap.clone();
        let runner = spawn(move || h2.run(20));
        let stopper = spawn(move || entry.stop(false));
        let fired = runner.join().unwrap();
        let stopped = stopper.join().unwrap();
        let woke = count.0.load(SeqCst);
        assert_eq!(woke, fired);
        assert!(stopped != (woke == 1), "stopped={stopped} woke={woke}");
        heap.run(1000);
        assert_eq!(heap.len(), 0);
        assert_eq!(heap.zombies(), 0);
    });
}

#[test]
fn reset_earlier_is_never_slept_through() {
    explore("reset_earlier", || {
        let (heap, count, waker) = setup();
        // `other` was moved earlier (to 15), so run(20) adjusts the heap while we reset.
        let other = heap.push_new(50, Waker::noop().clone(), false);
        other.modify(15, None, false);
        let entry = heap.push_new(100, waker, false);
        let h2 = heap.clone();
        let runner = spawn(move || h2.run(20));
        let resetter = spawn(move || {
            entry.modify(10, None, false);
        });
        runner.join().unwrap();
        resetter.join().unwrap();
        // Whatever the interleaving, the heap must now report something due by tick 10...
        if count.0.load(SeqCst) == 0 {
            assert!(
                heap.wake_time() <= 10,
                "wake time late: {}",
                heap.wake_time()
            );
        }
        // ...and running it then fires the reset timer.
        heap.run(20);
        assert_eq!(count.0.load(SeqCst), 1);
    });
}

#[test]
fn reset_vs_stop_keeps_zombie_count() {
    explore("reset_vs_stop", || {
        let (heap, count, waker) = setup();
        let entry = heap.push_new(100, waker, false);
        let e2 = entry.clone();
        let stopper = spawn(move || e2.stop(true));
        let resetter = spawn(move || {
            entry.modify(30, None, false);
        });
        assert!(stopper.join().unwrap(), "the timer was armed either way");
        resetter.join().unwrap();
        // Either order: stop last leaves a zombie; modify last leaves it armed at 30.
        let fired = heap.run(1000);
        assert_eq!(fired, count.0.load(SeqCst));
        assert_eq!(heap.len(), 0);
        assert_eq!(heap.zombies(), 0);
        assert_eq!(heap.wake_time(), crate::clock::NONE);
    });
}

#[test]
fn wake_time_never_late_while_adjust_runs() {
    explore("wake_time_during_adjust", || {
        let (heap, count, waker) = setup();
        let _other = heap.push_new(50, Waker::noop().clone(), false);
        let entry = heap.push_new(100, waker, false);
        entry.modify(10, None, false); // modified earlier: its heap key (100) is stale-late
        let h2 = heap.clone();
        let runner = spawn(move || h2.run(20));
        // An idle M computing its park timeout while the owner adjusts and runs the heap.
        let h3 = heap.clone();
        let reader = spawn(move || {
            let seen = h3.wake_time();
            (seen, entry.peek() & crate::entry::FIRED != 0)
        });
        runner.join().unwrap();
        let (seen, fired) = reader.join().unwrap();
        assert!(
            fired || seen <= 10,
            "wake time {seen} later than the pending deadline 10"
        );
        assert_eq!(count.0.load(SeqCst), 1);
    });
}

#[test]
fn retire_and_reuse_without_the_lock() {
    explore("retire_and_reuse", || {
        let (heap, count, waker) = setup();
        let e = heap.push_new(100, waker.clone(), false);
        let h2 = heap.clone();
        // The handle goes away on one thread...
        let dropper = spawn(move || {
            assert!(e.stop(false));
            drop(e);
        });
        // ...while another registers a timer, which may retire the zombie and reuse it.
        let pusher = spawn(move || h2.push_new(200, waker, false));
        dropper.join().unwrap();
        let fresh = pusher.join().unwrap();
        assert_eq!(heap.run(150), 0, "the stopped timer never fires");
        assert_eq!(heap.run(250), 1, "the new one does, even in a reused entry");
        assert_eq!(count.0.load(SeqCst), 1);
        drop(fresh);
        heap.run(1000);
        assert_eq!((heap.len(), heap.zombies()), (0, 0));
    });
}
