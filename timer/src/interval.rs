//! `interval`: a stream of ticks at a fixed period (tokio's `time::Interval`, Go's
//! `time.Ticker`).
//!
//! Mirrors tokio's `Interval` (the first tick completes at once; a tick more than 5 ms late is
//! "missed" and handled by [`MissedTickBehavior`]) on top of one reusable [`Sleep`] that is
//! reset in place after each tick, so a running interval allocates once.
//!
//! Invariant: `delay.deadline()` is the instant of the next tick to report.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::clock;
use crate::sleep::{Sleep, sleep_until};

/// How late a tick may be before it counts as missed (tokio's threshold).
const MISSED_AFTER: Duration = Duration::from_millis(5);

/// What an [`Interval`] does when ticks were missed because `tick` was not called in time.
///
/// # Examples
///
/// ```
/// use gorust_timer::{interval, MissedTickBehavior};
/// let mut i = interval(std::time::Duration::from_millis(10));
/// i.set_missed_tick_behavior(MissedTickBehavior::Skip);
/// assert_eq!(i.missed_tick_behavior(), MissedTickBehavior::Skip);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up, then keep the original schedule
    /// (tokio's default).
    #[default]
    Burst,
    /// Fire once now, then continue one full period after now (the schedule shifts).
    Delay,
    /// Fire once now, then continue at the next multiple of the period on the original
    /// schedule (Go's `Ticker` drops ticks this way).
    Skip,
}

impl MissedTickBehavior {
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => add(timeout, period),
            MissedTickBehavior::Delay => add(now, period),
            MissedTickBehavior::Skip => {
                let period_ns = period.as_nanos();
                if period_ns == 0 {
                    return now;
                }
                let behind = (now - timeout).as_nanos() % period_ns;
                // behind < period_ns <= u64::MAX nanos for any period a Duration holds in ns.
                let back = Duration::from_nanos(u64::try_from(behind).unwrap_or(u64::MAX));
                add(now, period.saturating_sub(back))
            }
        }
    }
}

fn add(t: Instant, d: Duration) -> Instant {
    t.checked_add(d).unwrap_or_else(|| clock::far_future(t))
}

/// A stream of ticks every `period`, the first one immediately (tokio's `time::interval`).
///
/// A zero period does not panic (tokio's does): every tick is then ready at once, and the
/// cooperative budget keeps a loop over it fair to other tasks.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// futures::executor::block_on(async {
///     let start = Instant::now();
///     let mut every = gorust_timer::interval(Duration::from_millis(2));
///     every.tick().await; // immediate
///     every.tick().await;
///     every.tick().await;
///     assert!(start.elapsed() >= Duration::from_millis(4));
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// A stream of ticks every `period`, the first one at `start` (tokio's `time::interval_at`).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// futures::executor::block_on(async {
///     let start = Instant::now() + Duration::from_millis(1);
///     let mut i = gorust_timer::interval_at(start, Duration::from_secs(1));
///     assert_eq!(i.tick().await, start);
/// });
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    Interval {
        delay: sleep_until(start),
        period,
        missed: MissedTickBehavior::default(),
    }
}

/// Ticks at a fixed period; see [`interval`].
///
/// # Examples
///
/// ```
/// let i: gorust_timer::Interval = gorust_timer::interval(std::time::Duration::from_secs(1));
/// assert_eq!(i.period(), std::time::Duration::from_secs(1));
/// ```
#[derive(Debug)]
pub struct Interval {
    delay: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled instant.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let mut i = gorust_timer::interval(std::time::Duration::from_millis(1));
    ///     let first = i.tick().await;
    ///     let second = i.tick().await;
    ///     assert_eq!(second - first, std::time::Duration::from_millis(1));
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a tick is consumed only when the returned future completes.
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick (for hand-written futures and streams).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// let mut i = gorust_timer::interval(std::time::Duration::from_secs(1));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(i.poll_tick(&mut cx).is_ready()); // the first tick is immediate
    /// assert!(i.poll_tick(&mut cx).is_pending());
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.delay.poll_sleep(cx).is_pending() {
            return Poll::Pending;
        }
        let timeout = self.delay.deadline();
        let now = Instant::now();
        clock::note(now);
        let next = if now > add(timeout, MISSED_AFTER) {
            self.missed.next_timeout(timeout, now, self.period)
        } else {
            add(timeout, self.period)
        };
        Pin::new(&mut self.delay).reset(next);
        Poll::Ready(timeout)
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut i = gorust_timer::interval(std::time::Duration::from_secs(1));
    /// i.reset();
    /// ```
    pub fn reset(&mut self) {
        let next = add(Instant::now(), self.period);
        Pin::new(&mut self.delay).reset(next);
    }

    /// Makes the next tick immediate.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut i = gorust_timer::interval(std::time::Duration::from_secs(60));
    /// futures::executor::block_on(i.tick());
    /// i.reset_immediately();
    /// futures::executor::block_on(i.tick()); // does not wait a minute
    /// ```
    pub fn reset_immediately(&mut self) {
        Pin::new(&mut self.delay).reset(Instant::now());
    }

    /// The missed-tick behaviour in force.
    ///
    /// # Examples
    ///
    /// ```
    /// let i = gorust_timer::interval(std::time::Duration::from_secs(1));
    /// assert_eq!(i.missed_tick_behavior(), gorust_timer::MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Chooses what happens to missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut i = gorust_timer::interval(std::time::Duration::from_secs(1));
    /// i.set_missed_tick_behavior(gorust_timer::MissedTickBehavior::Delay);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }

    /// The period.
    ///
    /// # Examples
    ///
    /// ```
    /// let i = gorust_timer::interval(std::time::Duration::from_millis(5));
    /// assert_eq!(i.period(), std::time::Duration::from_millis(5));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}
