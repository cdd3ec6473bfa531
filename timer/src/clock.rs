//! The timer clock: deadlines as `u64` nanoseconds ("ticks") since a process-wide base instant,
//! as Go's runtime keeps `when` as an `int64` of `nanotime()`.
//!
//! Mirrors `runtime/time.go: when` (the `int64` deadline) and `time.go: when(d)`, which clamps a
//! deadline that would overflow to the largest representable time.
//!
//! Invariants:
//! - [`to_tick`] is monotone: `a <= b` implies `to_tick(a) <= to_tick(b)`. Instants before the
//!   base map to tick 0 (always due); instants past ~584 years map to [`FAR`].
//! - [`NONE`] (`u64::MAX`) never is a real deadline: it marks "no deadline" (a stopped timer, an
//!   empty heap). Real deadlines are at most [`FAR`] = `u64::MAX - 1`.
//! - [`seen_tick`] is never later than the real now (it is a now read earlier on this thread).
//! - [`deadline_after`] never panics and never overflows: `Duration::MAX` gives an instant about
//!   30 years ahead (tokio's `Instant::far_future`), which a timer treats as "never" in practice.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// "No deadline": a stopped timer or an empty heap.
pub(crate) const NONE: u64 = u64::MAX;

/// The largest real deadline (about 584 years after the base).
pub(crate) const FAR: u64 = u64::MAX - 1;

/// How far ahead `Duration::MAX` and other overflowing deadlines land (tokio's choice: 30 years).
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

static BASE: OnceLock<Instant> = OnceLock::new();

/// The process-wide base instant (tick 0), fixed at first use.
#[inline]
pub(crate) fn base() -> Instant {
    *BASE.get_or_init(Instant::now)
}

/// Converts an instant to ticks since the base, saturating (see the module invariants).
#[inline]
pub(crate) fn to_tick(t: Instant) -> u64 {
    let nanos = t.saturating_duration_since(base()).as_nanos();
    if nanos >= u128::from(FAR) {
        FAR
    } else {
        nanos as u64
    }
}

/// Converts ticks back to an instant; `None` for [`NONE`] (or an instant the platform cannot hold).
#[inline]
pub(crate) fn from_tick(tick: u64) -> Option<Instant> {
    if tick == NONE {
        return None;
    }
    base().checked_add(Duration::from_nanos(tick))
}

/// The current time in ticks.
#[inline]
pub(crate) fn now_tick() -> u64 {
    to_tick(Instant::now())
}

thread_local! {
    /// The latest time this thread read for a deadline: a free, stale-early "now".
    static SEEN: Cell<u64> = const { Cell::new(0) };
}

/// A recent time read on this thread (never later than the real now). A deadline at or before
/// it has certainly passed; one after it may have passed too (the caller then lets the heap
/// decide), which saves a clock read on the hot registration path.
#[inline]
pub(crate) fn seen_tick() -> u64 {
    SEEN.try_with(Cell::get).unwrap_or(0)
}

/// Records `now` (a time just read from the clock) as this thread's latest seen time.
#[inline]
pub(crate) fn note(now: Instant) {
    let _ = SEEN.try_with(|c| c.set(to_tick(now)));
}

/// Reads the clock and records it as this thread's latest seen time.
#[inline]
pub(crate) fn note_now() {
    note(Instant::now());
}

/// `now + d`, or about 30 years from now when that overflows (never panics).
#[inline]
pub(crate) fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    note(now);
    match now.checked_add(d) {
        Some(t) => t,
        None => far_future(now),
    }
}

/// An instant about 30 years after `now` (or `now` itself on a platform that cannot hold it).
#[inline]
pub(crate) fn far_future(now: Instant) -> Instant {
    now.checked_add(FAR_FUTURE).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_monotone_and_saturating() {
        let b = base();
        assert_eq!(to_tick(b), 0);
        if let Some(before) = b.checked_sub(Duration::from_secs(1)) {
            assert_eq!(to_tick(before), 0);
        }
        let later = b + Duration::from_millis(5);
        assert_eq!(to_tick(later), 5_000_000);
        assert_eq!(from_tick(5_000_000), Some(later));
        assert_eq!(from_tick(NONE), None);
        let far = deadline_after(Duration::MAX);
        assert!(far > Instant::now() + Duration::from_secs(86_400 * 365 * 29));
        assert!(to_tick(far) < FAR);
    }
}
