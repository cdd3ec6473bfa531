//! The future given to `block_on`, run as Go runs its main goroutine: on an M that holds a
//! P (M0 on P0), so its spawns land in a local ring and its channel handoffs go through
//! runnext, with no cross-thread wake on the hot path.
//!
//! main is not a task: it is polled in place by the thread that called `block_on` (so it need
//! not be `Send` or `'static`). Its waker sets `woken`; the M0 schedule loop checks the flag
//! before every task, which makes a wake of main behave like a runnext placement when it
//! comes from a task running on M0. A wake from another thread also unparks M0: with the
//! thread's park token when M0 sleeps in `thread::park`, or by breaking the driver when M0 is
//! the driver sleeper (`in_driver`).
//!
//! Ordering: M0 stores `in_driver = true` and then reads `woken` before it blocks; a waker
//! stores `woken = true` and then reads `in_driver` (both `SeqCst`), so at least one of them
//! sees the other and the wake is not lost.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use crate::sched::Shared;

/// Wake state of main, shared with its `Waker`s.
pub(crate) struct MainWake {
    woken: AtomicBool,
    in_driver: AtomicBool,
    thread: Thread,
    shared: Arc<Shared>,
}

impl MainWake {
    pub(crate) fn is_woken(&self) -> bool {
        self.woken.load(SeqCst)
    }

    pub(crate) fn set_in_driver(&self, v: bool) {
        self.in_driver.store(v, SeqCst);
    }

    /// The thread main runs on.
    pub(crate) fn thread_id(&self) -> thread::ThreadId {
        self.thread.id()
    }
}

impl Wake for MainWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.woken.load(Relaxed) || self.woken.swap(true, SeqCst) {
            return;
        }
        if self.in_driver.load(SeqCst) {
            self.shared.driver.unpark();
        }
        if thread::current().id() != self.thread.id() {
            self.thread.unpark();
        }
    }
}

/// main's future plus its wake state.
pub(crate) struct MainTask<'a, T> {
    fut: Pin<&'a mut dyn Future<Output = T>>,
    state: Arc<MainWake>,
    waker: Waker,
}

impl<'a, T> MainTask<'a, T> {
    pub(crate) fn new(fut: Pin<&'a mut dyn Future<Output = T>>, shared: Arc<Shared>) -> Self {
        let state = Arc::new(MainWake {
            woken: AtomicBool::new(true), // poll once at the start
            in_driver: AtomicBool::new(false),
            thread: thread::current(),
            shared,
        });
        let waker = Waker::from(state.clone());
        MainTask { fut, state, waker }
    }

    /// Consumes a pending wake.
    pub(crate) fn take_woken(&self) -> bool {
        self.state.woken.load(Relaxed) && self.state.woken.swap(false, SeqCst)
    }

    pub(crate) fn is_woken(&self) -> bool {
        self.state.is_woken()
    }

    pub(crate) fn waker_state(&self) -> Arc<MainWake> {
        self.state.clone()
    }

    /// Blocks the thread until main's waker fires (spurious returns are re-checked).
    pub(crate) fn park_until_woken(&self) {
        while !self.state.is_woken() {
            thread::park();
        }
    }

    pub(crate) fn poll(&mut self) -> Poll<T> {
        let mut cx = Context::from_waker(&self.waker);
        crate::worker::poll_in_place(self.fut.as_mut(), &mut cx)
    }
}
