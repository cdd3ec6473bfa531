//! The executor seam (`driver`): a simulated P (a thread that enters a `Timers` and runs it in
//! a loop), the wake hook, heap placement, and the fallback driver.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use gorust_timer::driver::{self, Timers, WakeDriver};

/// Records every `timer_earlier` call.
#[derive(Default)]
struct Recorder(Mutex<Vec<Instant>>);
impl WakeDriver for Recorder {
    fn timer_earlier(&self, deadline: Instant) {
        self.0.lock().unwrap().push(deadline);
    }
}

/// Counts wakes.
#[derive(Default)]
struct Count(AtomicUsize);
impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(waker))
}

#[test]
fn sleep_registers_in_entered_heap_and_fires_from_run() {
    let rec = Arc::new(Recorder::default());
    let timers = Arc::new(Timers::new(rec.clone()));
    driver::enter(timers.clone());
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());

    let mut late = gorust_timer::sleep(Duration::from_secs(2));
    let mut early = gorust_timer::sleep(Duration::from_millis(10));
    assert!(
        timers.is_empty(),
        "a Sleep registers on first poll, not on creation"
    );
    assert!(poll(&mut late, &waker).is_pending());
    assert!(poll(&mut early, &waker).is_pending());
    assert_eq!(timers.len(), 2);
    // Both were the heap's earliest when added, so the driver was poked twice, in order.
    let pokes = rec.0.lock().unwrap().clone();
    assert_eq!(pokes, vec![late.deadline(), early.deadline()]);
    assert_eq!(timers.next_deadline(), Some(early.deadline()));

    assert_eq!(timers.run(Instant::now()), 0);
    thread::sleep(early.deadline().saturating_duration_since(Instant::now()));
    assert_eq!(timers.run(Instant::now()), 1);
    assert_eq!(count.0.load(SeqCst), 1);
    assert!(poll(&mut early, &waker).is_ready());
    assert!(poll(&mut late, &waker).is_pending());
    assert_eq!(timers.next_deadline(), Some(late.deadline()));
    drop(late); // lazily deleted
    assert_eq!(timers.len(), 1);
    assert_eq!(timers.run(Instant::now() + Duration::from_secs(3)), 0);
    assert!(timers.is_empty());
    assert_eq!(timers.next_deadline(), None);
    driver::exit();
}

#[test]
fn dropped_unpolled_and_past_sleeps_cost_nothing() {
    let timers = Arc::new(Timers::new(Arc::new(Recorder::default())));
    driver::enter(timers.clone());
    let waker = Waker::noop();
    drop(gorust_timer::sleep(Duration::from_secs(5)));
    let mut past = gorust_timer::sleep_until(Instant::now() - Duration::from_millis(1));
    assert!(poll(&mut past, waker).is_ready());
    let mut zero = gorust_timer::sleep(Duration::ZERO);
    assert!(poll(&mut zero, waker).is_ready());
    let mut max = gorust_timer::sleep(Duration::MAX);
    assert!(poll(&mut max, waker).is_pending());
    assert_eq!(
        timers.len(),
        1,
        "only the Duration::MAX sleep is in the heap"
    );
    drop(max);
    driver::exit();
}

#[test]
fn timer_stays_in_its_heap_when_the_thread_moves_on() {
    let a = Arc::new(Timers::new(Arc::new(Recorder::default())));
    let b = Arc::new(Timers::new(Arc::new(Recorder::default())));
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());
    driver::enter(a.clone());
    let mut s = gorust_timer::sleep(Duration::from_millis(5));
    assert!(poll(&mut s, &waker).is_pending());
    driver::enter(b.clone()); // the M now runs another P
    assert!(poll(&mut s, &waker).is_pending());
    assert_eq!((a.len(), b.len()), (1, 0));
    // Another thread (a stealing M) runs P a's timers.
    let a2 = a.clone();
    thread::spawn(move || {
        while a2.run(Instant::now()) == 0 {
            thread::sleep(Duration::from_millis(1));
        }
    })
    .join()
    .unwrap();
    assert_eq!(count.0.load(SeqCst), 1);
    assert!(poll(&mut s, &waker).is_ready());
    driver::exit();
}

#[test]
fn dropped_heap_hands_live_timers_to_the_fallback_driver() {
    let timers = Arc::new(Timers::new(Arc::new(Recorder::default())));
    driver::enter(timers.clone());
    let mut s = gorust_timer::sleep(Duration::from_millis(5));
    assert!(poll(&mut s, Waker::noop()).is_pending());
    driver::exit();
    drop(timers); // the P goes away before its timer fires
    let start = Instant::now();
    futures::executor::block_on(s);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn fallback_driver_on_plain_threads() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            thread::spawn(move || {
                let d = Duration::from_millis(3 + i);
                let start = Instant::now();
                futures::executor::block_on(gorust_timer::sleep(d));
                let took = start.elapsed();
                assert!(took >= d, "woke early: {took:?} < {d:?}");
                assert!(took < d + Duration::from_millis(500), "woke late: {took:?}");
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// The executor's idle-M contract, simulated: an M parks until the earliest deadline of its
/// P (forever when none) and is unparked by `timer_earlier`. A timer created on that P while
/// the M sleeps towards a far deadline still fires on time.
#[test]
fn parked_m_is_woken_by_an_earlier_timer_and_fires_it_on_time() {
    use std::sync::atomic::AtomicBool;
    struct Unpark(Mutex<Option<thread::Thread>>);
    impl WakeDriver for Unpark {
        fn timer_earlier(&self, _: Instant) {
            if let Some(t) = self.0.lock().unwrap().as_ref() {
                t.unpark();
            }
        }
    }
    let wake = Arc::new(Unpark(Mutex::new(None)));
    let p = Arc::new(Timers::new(wake.clone()));
    let quit = Arc::new(AtomicBool::new(false));
    let parks = Arc::new(AtomicUsize::new(0));
    let m = {
        let (p, quit, parks, wake) = (p.clone(), quit.clone(), parks.clone(), wake.clone());
        thread::spawn(move || {
            *wake.0.lock().unwrap() = Some(thread::current());
            while !quit.load(SeqCst) {
                p.run(Instant::now());
                parks.fetch_add(1, SeqCst);
                match p.next_deadline() {
                    Some(d) => thread::park_timeout(d.saturating_duration_since(Instant::now())),
                    None => thread::park(),
                }
            }
        })
    };
    while wake.0.lock().unwrap().is_none() {
        thread::yield_now();
    }
    driver::enter(p.clone());
    let mut far = gorust_timer::sleep(Duration::from_secs(60));
    assert!(poll(&mut far, Waker::noop()).is_pending());
    thread::sleep(Duration::from_millis(20)); // the M is now parked until `far`
    let parks_before = parks.load(SeqCst);
    for _ in 0..5 {
        let start = Instant::now();
        futures::executor::block_on(gorust_timer::sleep(Duration::from_millis(5)));
        let late = start.elapsed().saturating_sub(Duration::from_millis(5));
        assert!(late < Duration::from_millis(100), "late by {late:?}");
    }
    assert!(parks.load(SeqCst) > parks_before, "the M was woken");
    drop(far);
    driver::exit();
    quit.store(true, SeqCst);
    m.thread().unpark();
    m.join().unwrap();
}

/// A waker that panics does not cost the other due timers their wake-up, and does not stop
/// the fallback driver thread.
#[test]
fn panicking_waker_does_not_lose_other_wakes() {
    struct Bomb;
    impl Wake for Bomb {
        fn wake(self: Arc<Self>) {
            panic!("waker panic (expected in this test)");
        }
    }
    let timers = Arc::new(Timers::new(Arc::new(Recorder::default())));
    driver::enter(timers.clone());
    let count = Arc::new(Count::default());
    let ok = Waker::from(count.clone());
    let bomb = Waker::from(Arc::new(Bomb));
    let at = Instant::now() + Duration::from_secs(3600);
    let mut sleeps: Vec<_> = (0..10).map(|_| gorust_timer::sleep_until(at)).collect();
    for (i, s) in sleeps.iter_mut().enumerate() {
        let w = if i == 3 { &bomb } else { &ok };
        assert!(poll(s, w).is_pending());
    }
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| timers.run(at)));
    assert!(r.is_err(), "the panic reaches the caller");
    assert_eq!(count.0.load(SeqCst), 9, "every other timer was woken");
    driver::exit();

    // On the fallback thread: a bomb, then a normal sleep still completes.
    let mut s = gorust_timer::sleep(Duration::from_millis(1));
    assert!(poll(&mut s, &bomb).is_pending());
    thread::sleep(Duration::from_millis(5));
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        futures::executor::block_on(gorust_timer::sleep(Duration::from_millis(2)));
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(5))
        .expect("the fallback driver survived the panicking waker");
    drop(s);
}
