//! The four-ary min-heap of timer slots, keyed by deadline.
//!
//! Mirrors `runtime/time.go: timers.siftUp, timers.siftDown, timers.initHeap, timers.deleteMin`
//! (`timerHeapN = 4`). A four-ary heap is half as deep as a binary one and its four children
//! share a cache line, which is why Go chose it.
//!
//! Invariant (the heap property): for every `i > 0`, `heap[(i - 1) / 4].when <= heap[i].when`.
//! The `when` stored in a slot is the heap's key; the timer's own deadline may differ while
//! the timer is marked modified (`timers.rs` fixes the key lazily, as Go does).

/// How many children a node has (Go's `timerHeapN`).
pub(crate) const ARITY: usize = 4;

/// One heap slot: the key and the item (Go's `timerWhen`).
#[derive(Debug)]
pub(crate) struct Slot<E> {
    /// The key the heap is ordered by (may be stale-early or stale-late for a modified timer).
    pub(crate) when: u64,
    /// The timer this slot refers to.
    pub(crate) item: E,
}

/// Moves `heap[i]` up until its parent is not later (Go's `siftUp`).
pub(crate) fn sift_up<E>(heap: &mut [Slot<E>], mut i: usize) {
    let when = heap[i].when;
    while i > 0 {
        let parent = (i - 1) / ARITY;
        if when >= heap[parent].when {
            break;
        }
        heap.swap(i, parent);
        i = parent;
    }
}

/// Moves `heap[i]` down until no child is earlier (Go's `siftDown`).
pub(crate) fn sift_down<E>(heap: &mut [Slot<E>], mut i: usize) {
    let n = heap.len();
    if i >= n {
        return;
    }
    let when = heap[i].when;
    loop {
        let first = i * ARITY + 1;
        if first >= n {
            break;
        }
        let end = (first + ARITY).min(n);
        let mut min = first;
        let mut min_when = heap[first].when;
        for (c, slot) in heap.iter().enumerate().take(end).skip(first + 1) {
            if slot.when < min_when {
                min = c;
                min_when = slot.when;
            }
        }
        if min_when >= when {
            break;
        }
        heap.swap(i, min);
        i = min;
    }
}

/// Restores the heap property over the whole slice in O(n) (Go's `initHeap`).
pub(crate) fn init<E>(heap: &mut [Slot<E>]) {
    let n = heap.len();
    if n < 2 {
        return;
    }
    for i in (0..=(n - 2) / ARITY).rev() {
        sift_down(heap, i);
    }
}

/// Pushes a slot and restores the heap property.
pub(crate) fn push<E>(heap: &mut Vec<Slot<E>>, slot: Slot<E>) {
    heap.push(slot);
    let last = heap.len() - 1;
    sift_up(heap, last);
}

/// Removes and returns the earliest slot (Go's `deleteMin`).
pub(crate) fn pop_min<E>(heap: &mut Vec<Slot<E>>) -> Option<Slot<E>> {
    if heap.is_empty() {
        return None;
    }
    let slot = heap.swap_remove(0);
    sift_down(heap, 0);
    Some(slot)
}

/// Removes the slot at `i` (used when compacting), restoring the heap property.
#[cfg(all(test, not(loom)))]
pub(crate) fn remove_at<E>(heap: &mut Vec<Slot<E>>, i: usize) -> Slot<E> {
    let slot = heap.swap_remove(i);
    if i < heap.len() {
        sift_down(heap, i);
        sift_up(heap, i);
    }
    slot
}

/// Checks the heap property (tests and debug assertions).
#[cfg(all(test, not(loom)))]
pub(crate) fn is_heap<E>(heap: &[Slot<E>]) -> bool {
    (1..heap.len()).all(|i| heap[(i - 1) / ARITY].when <= heap[i].when)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[derive(Debug, Clone)]
    enum Op {
        Push(u64),
        Pop,
        Remove(usize),
        Rekey(usize, u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..1000).prop_map(Op::Push),
            2 => Just(Op::Pop),
            1 => any::<usize>().prop_map(Op::Remove),
            1 => (any::<usize>(), 0u64..1000).prop_map(|(i, w)| Op::Rekey(i, w)),
        ]
    }

    proptest! {
        /// The four-ary heap pops keys in the same order as std's BinaryHeap, through pushes,
        /// pops, removals from the middle and in-place re-keying (what `adjust` does).
        #[test]
        fn matches_binary_heap(ops in proptest::collection::vec(op(), 0..400)) {
            let mut heap: Vec<Slot<u32>> = Vec::new();
            // The reference: every live (when, id), ordered by BinaryHeap.
            let mut reference: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
            let mut id = 0u32;
            let without = |reference: BinaryHeap<Reverse<(u64, u32)>>, item: u32, rekey: Option<u64>| {
                let mut v = reference.into_vec();
                let pos = v.iter().position(|Reverse((_, it))| *it == item).expect("item in reference");
                match rekey {
                    Some(w) => v[pos].0.0 = w,
                    None => { v.swap_remove(pos); }
                }
                BinaryHeap::from(v)
            };
            for op in ops {
                match op {
                    Op::Push(w) => {
                        push(&mut heap, Slot { when: w, item: id });
                        reference.push(Reverse((w, id)));
                        id += 1;
                    }
                    Op::Pop => {
                        let want = reference.peek().map(|Reverse((w, _))| *w);
                        let got = pop_min(&mut heap);
                        prop_assert_eq!(got.as_ref().map(|s| s.when), want);
                        if let Some(s) = got {
                            reference = without(reference, s.item, None);
                        }
                    }
                    Op::Remove(i) if !heap.is_empty() => {
                        let at = i % heap.len();
                        let gone = remove_at(&mut heap, at);
                        reference = without(reference, gone.item, None);
                    }
                    Op::Rekey(i, w) if !heap.is_empty() => {
                        let i = i % heap.len();
                        heap[i].when = w;
                        let item = heap[i].item;
                        init(&mut heap);
                        reference = without(reference, item, Some(w));
                    }
                    _ => {}
                }
                prop_assert!(is_heap(&heap));
                prop_assert_eq!(heap.len(), reference.len());
            }
            let mut drained = Vec::new();
            while let Some(s) = pop_min(&mut heap) {
                drained.push(s.when);
            }
            let want: Vec<u64> = reference.into_sorted_vec().into_iter().rev().map(|Reverse((w, _))| w).collect();
            prop_assert_eq!(drained, want);
        }
    }
}
