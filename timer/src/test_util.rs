//! Helpers shared by the crate's unit tests and loom models: a driver nobody listens to and
//! a waker that counts its wakes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Wake;
use std::time::Instant;

use crate::driver::WakeDriver;

/// A `WakeDriver` that ignores every poke.
pub(crate) struct Nobody;

impl WakeDriver for Nobody {
    fn timer_earlier(&self, _: Instant) {}
}

/// A waker that counts how often it was woken.
pub(crate) struct Count(pub(crate) AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}
