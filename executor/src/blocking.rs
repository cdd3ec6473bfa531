//! The `spawn_blocking` pool: a bounded set of threads that grows on demand and shrinks when
//! idle (tokio's blocking pool; Go's equivalent is an M stuck in a syscall, whose P is handed
//! off).
//!
//! A blocking task is an ordinary async-task task whose future runs the closure in a single
//! poll, so it shares `JoinHandle`, `abort` (effective before it starts) and the live-task
//! registry with every other task. Its schedule function sends it here instead of to a P.
//!
//! Threads: at most `max` (default 512); a thread idle for `keep_alive` (default 10 s) exits.
//! A new thread starts when the queue holds more tasks than there are idle threads.
//! Shutdown lets running closures finish (they cannot be interrupted), joins every thread and
//! leaves queued tasks for the runtime's drain, which drops them (their handles report
//! cancellation).

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use crate::task::Runnable;

struct State {
    queue: VecDeque<Runnable>,
    idle: usize,
    threads: usize,
    shutdown: bool,
    handles: Vec<thread::JoinHandle<()>>,
}

/// The blocking pool of one runtime.
pub(crate) struct BlockingPool {
    state: Mutex<State>,
    cv: Condvar,
    max: usize,
    keep_alive: Duration,
}

impl BlockingPool {
    pub(crate) fn new(max: usize, keep_alive: Duration) -> Self {
        BlockingPool {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                idle: 0,
                threads: 0,
                shutdown: false,
                handles: Vec::new(),
            }),
            cv: Condvar::new(),
            max: max.max(1),
            keep_alive,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a blocking task and makes sure a thread will run it.
    pub(crate) fn push(&self, task: Runnable) {
        let shared = task.metadata().shared.clone();
        let mut s = self.lock();
        s.queue.push_back(task);
        if s.shutdown {
            // The shutdown drain drops it; if the drain has begun (and may have looked
            // already), drop it here (see `Shared::drop_if_drained`).
            drop(s);
            if shared.registry.is_closed() {
                for t in self.drain() {
                    drop(t);
                }
            }
            return;
        }
        if s.queue.len() <= s.idle {
            drop(s);
            self.cv.notify_one();
            return;
        }
        if s.threads >= self.max {
            return; // a busy thread will take it when it finishes
        }
        s.threads += 1;
        let name = format!("{}-blocking", shared.config.thread_name);
        let spawned = thread::Builder::new()
            .name(name)
            .spawn(move || blocking_main(shared));
        match spawned {
            Ok(h) => {
                s.handles.retain(|h| !h.is_finished());
                s.handles.push(h);
            }
            // Out of threads: the task waits for a running thread to free up.
            Err(_) => s.threads -= 1,
        }
    }

    /// Waits for the next task; `None` when the thread should exit.
    fn next(&self) -> Option<Runnable> {
        let mut s = self.lock();
        loop {
            if let Some(t) = s.queue.pop_front() {
                return Some(t);
            }
            if s.shutdown {
                s.threads -= 1;
                return None;
            }
            s.idle += 1;
            let (g, timeout) = self
                .cv
                .wait_timeout(s, self.keep_alive)
                .unwrap_or_else(|e| e.into_inner());
            s = g;
            s.idle -= 1;
            if timeout.timed_out() && s.queue.is_empty() && !s.shutdown {
                s.threads -= 1;
                return None;
            }
        }
    }

    /// Stops accepting work and wakes idle threads; returns the threads for [`join`]. The
    /// closures running now run on: the caller drops the task futures first (a closure may be
    /// waiting on something a task owns, a channel sender, say), then joins.
    ///
    /// [`join`]: BlockingPool::join
    pub(crate) fn begin_shutdown(&self) -> Vec<thread::JoinHandle<()>> {
        let handles = {
            let mut s = self.lock();
            s.shutdown = true;
            std::mem::take(&mut s.handles)
        };
        self.cv.notify_all();
        handles
    }

    /// Waits for the threads [`begin_shutdown`](BlockingPool::begin_shutdown) returned.
    pub(crate) fn join(handles: Vec<thread::JoinHandle<()>>) {
        let me = thread::current().id();
        for h in handles {
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
    }

    /// Removes the queued (never started) tasks.
    pub(crate) fn drain(&self) -> Vec<Runnable> {
        self.lock().queue.drain(..).collect()
    }

    /// Number of pool threads alive.
    pub(crate) fn threads(&self) -> usize {
        self.lock().threads
    }
}

fn blocking_main(shared: std::sync::Arc<crate::sched::Shared>) {
    let _ctx = crate::context::enter_handle(shared.clone());
    while let Some(task) = shared.blocking.next() {
        let id = task.metadata().id;
        crate::context::set_blocking_task(Some(id));
        // The task body catches the closure's panic; this guards the thread against anything
        // else unwinding out of `run`.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| task.run()));
        crate::context::set_blocking_task(None);
    }
}
