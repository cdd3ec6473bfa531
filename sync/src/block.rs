//! Blocking a plain thread on one of this crate's futures: the `*_blocking` methods (Go's
//! `Lock`, `Wait`, `Acquire` called from a goroutine that has no executor around it).
//!
//! The thread parks with `std::thread::park` and the waker unparks it. Under loom the model's
//! own `block_on` is used instead.
//!
//! Invariant: only ever called from outside an async context; calling it on an executor
//! worker blocks that worker (documented on every `*_blocking` method).

use std::future::Future;

#[cfg(not(loom))]
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

#[cfg(loom)]
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    loom::future::block_on(fut)
}
