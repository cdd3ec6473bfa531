//! A monotonic nanosecond clock (Go's `runtime_nanotime`) for wait-time accounting.
//!
//! Invariant: values are nanoseconds since a process-wide origin fixed on first use, so they
//! fit a `u64` for 584 years and can be stored in a waiter's payload.

use std::sync::OnceLock;
use std::time::Instant;

/// Nanoseconds since the process-wide origin.
#[inline]
pub(crate) fn nanotime() -> u64 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    origin.elapsed().as_nanos() as u64
}
