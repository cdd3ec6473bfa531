//! Helpers shared by the runtime tests: drop counters and thread counting.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts how many times values it made were dropped.
#[derive(Clone, Default, Debug)]
pub struct DropCounter(pub Arc<AtomicUsize>);

/// A value whose drop is counted.
#[derive(Debug)]
pub struct Guard(Arc<AtomicUsize>);

impl DropCounter {
    /// A new guard counted by this counter.
    pub fn guard(&self) -> Guard {
        Guard(self.0.clone())
    }
    /// How many guards were dropped.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Threads of this process right now (Linux: entries of /proc/self/task).
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A runtime with `procs` Ps.
pub fn rt(procs: usize) -> gorust_executor::runtime::Runtime {
    gorust_executor::runtime::Builder::new()
        .procs(procs)
        .build()
        .unwrap()
}
