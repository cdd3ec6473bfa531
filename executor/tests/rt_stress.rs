//! Stress: a million tasks spawned from many tasks, all complete, counted.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn one_million_tasks_from_many_spawners() {
    const SPAWNERS: usize = 100;
    const PER: usize = 10_000;
    let rt = common::rt(2);
    let done = Arc::new(AtomicUsize::new(0));
    let drops = common::DropCounter::default();
    let d = done.clone();
    let dr = drops.clone();
    rt.block_on(async move {
        let mut spawners = Vec::new();
        for _ in 0..SPAWNERS {
            let d = d.clone();
            let dr = dr.clone();
            spawners.push(gorust_executor::spawn(async move {
                let mut hs = Vec::with_capacity(PER);
                for _ in 0..PER {
                    let d = d.clone();
                    let g = dr.guard();
                    hs.push(gorust_executor::spawn(async move {
                        let _g = g;
                        d.fetch_add(1, Ordering::Relaxed);
                    }));
                }
                for h in hs {
                    h.await.unwrap();
                }
            }));
        }
        for s in spawners {
            s.await.unwrap();
        }
    });
    assert_eq!(done.load(Ordering::SeqCst), SPAWNERS * PER);
    assert_eq!(drops.count(), SPAWNERS * PER);
    assert_eq!(rt.metrics().alive_tasks, 0);
}

#[test]
fn chained_spawn_deep() {
    fn chain(n: usize, done: std::sync::mpsc::Sender<()>) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            gorust_executor::spawn(async move { chain(n - 1, done) });
        }
    }
    let rt = common::rt(2);
    let (tx, rx) = std::sync::mpsc::channel();
    rt.block_on(async move { chain(100_000, tx) });
    rx.recv().unwrap();
}

#[test]
fn cross_thread_wakes_count_exactly() {
    // Many tasks wake each other through futures' oneshot channels across Ps.
    let rt = common::rt(2);
    let total: usize = rt.block_on(async {
        let mut hs = Vec::new();
        for _ in 0..200 {
            hs.push(gorust_executor::spawn(async {
                let mut n = 0;
                for _ in 0..100 {
                    let (tx, rx) = futures::channel::oneshot::channel();
                    gorust_executor::spawn(async move { tx.send(1usize).unwrap() });
                    n += rx.await.unwrap();
                }
                n
            }));
        }
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(total, 200 * 100);
}
