//! test/chan/select2.go: selects must not cost memory. Go checks that 100,000 selects grow
//! the heap by less than 110 kB; gorust's sudogs live inside the select future, so here the
//! second round of 100,000 two-case selects (against a sender task) may not allocate per
//! select at all: a counting global allocator bounds the allocations of the whole round.

use gorust_chan::{Receiver, Sender, make, select};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const N: usize = 100_000;

async fn sender(c: Sender<i32>, n: usize) {
    for _ in 0..n {
        c.send(1).await.unwrap();
    }
}

async fn receiver(c: &Receiver<i32>, dummy: &Receiver<i32>, n: usize) {
    for _ in 0..n {
        select! {
            _ = c.recv() => {}
            _ = dummy.recv() => panic!("dummy"),
        }
    }
}

#[test]
fn select2_no_allocation_per_select() {
    let rt = gorust::runtime::Builder::new()
        .procs(2)
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (ct, cr) = make::<i32>(0);
        let (_dt, dr) = make::<i32>(0);
        // Warm up.
        let h = gorust::spawn(sender(ct.clone(), N));
        receiver(&cr, &dr, N).await;
        h.await.unwrap();
        // The second round must not allocate per select.
        let before = ALLOCS.load(Ordering::Relaxed);
        let h = gorust::spawn(sender(ct.clone(), N));
        receiver(&cr, &dr, N).await;
        h.await.unwrap();
        let allocs = ALLOCS.load(Ordering::Relaxed) - before;
        assert!(
            allocs < N / 100,
            "{allocs} allocations for {N} selects (and {N} sends)"
        );
    });
}
