//! `timeout` and `timeout_at`: run a future with a deadline (tokio's `time::timeout`, Go's
//! `select { case v := <-work: ...; case <-time.After(d): ... }`).
//!
//! Mirrors tokio's `Timeout::poll` order: the inner future is polled first, so a value that is
//! ready at the deadline is still returned; if the inner future spent the last of the
//! cooperative budget, the deadline is checked with the budget lifted (otherwise a future that
//! always exhausts the budget could never time out).
//!
//! Invariant: the deadline timer is a lazily registered [`Sleep`]: a timeout whose future
//! completes on its first poll never touches a timer heap.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use gorust_hooks::coop;

use crate::clock;
use crate::sleep::{Sleep, sleep_until};

/// Errors returned by [`timeout`] and [`timeout_at`].
pub mod error {
    use std::fmt;

    /// The deadline elapsed before the future completed (tokio's `time::error::Elapsed`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let r = futures::executor::block_on(gorust_timer::timeout(
    ///     Duration::from_millis(1),
    ///     std::future::pending::<()>(),
    /// ));
    /// let e: gorust_timer::error::Elapsed = r.unwrap_err();
    /// assert_eq!(e.to_string(), "deadline has elapsed");
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Elapsed(pub(crate) ());

    impl fmt::Display for Elapsed {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("deadline has elapsed")
        }
    }

    impl std::error::Error for Elapsed {}

    impl From<Elapsed> for std::io::Error {
        fn from(e: Elapsed) -> std::io::Error {
            std::io::Error::new(std::io::ErrorKind::TimedOut, e)
        }
    }
}

use error::Elapsed;

/// Runs `future` for at most `duration` (tokio's `time::timeout`).
///
/// `Duration::ZERO` still polls the future once; `Duration::MAX` never times out in practice.
///
/// # Errors
///
/// Returns [`Elapsed`] if the deadline passes before the future completes; the future is then
/// dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// futures::executor::block_on(async {
///     assert_eq!(gorust_timer::timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
///     let slow = gorust_timer::sleep(Duration::from_secs(60));
///     assert!(gorust_timer::timeout(Duration::from_millis(1), slow).await.is_err());
/// });
/// ```
///
/// # Cancel safety
///
/// As cancel safe as `future` itself: dropping the `Timeout` drops `future`.
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout::new(future, Sleep::new(clock::deadline_after(duration)))
}

/// Runs `future` until `deadline` at most (tokio's `time::timeout_at`).
///
/// # Errors
///
/// Returns [`Elapsed`] if the deadline passes before the future completes.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// futures::executor::block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(1);
///     let r = gorust_timer::timeout_at(deadline, std::future::pending::<()>()).await;
///     assert!(r.is_err());
/// });
/// ```
///
/// # Cancel safety
///
/// As cancel safe as `future` itself.
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout::new(future, sleep_until(deadline))
}

pin_project_lite::pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let t: gorust_timer::Timeout<_> = gorust_timer::timeout(Duration::from_secs(1), async { 1 });
    /// assert_eq!(futures::executor::block_on(t.into_inner()), 1);
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<F> {
        #[pin]
        value: F,
        delay: Sleep,
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.delay.deadline())
            .finish_non_exhaustive()
    }
}

impl<F> Timeout<F> {
    fn new(value: F, delay: Sleep) -> Self {
        Timeout { value, delay }
    }

    /// The inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gorust_timer::timeout(std::time::Duration::from_secs(1), std::future::ready(3));
    /// let _inner: &std::future::Ready<i32> = t.get_ref();
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.value
    }

    /// The inner future, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut t = gorust_timer::timeout(std::time::Duration::from_secs(1), std::future::ready(3));
    /// let _inner: &mut std::future::Ready<i32> = t.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.value
    }

    /// Gives the inner future back, dropping the deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gorust_timer::timeout(std::time::Duration::from_secs(1), std::future::ready(3));
    /// assert_eq!(futures::executor::block_on(t.into_inner()), 3);
    /// ```
    pub fn into_inner(self) -> F {
        self.value
    }

    /// The deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(gorust_timer::timeout_at(at, async {}).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.delay.deadline()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.project();
        let had_budget = !crate::sleep::budget_spent();
        if let Poll::Ready(v) = me.value.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        let spent_by_inner = had_budget && crate::sleep::budget_spent();
        let delay = if spent_by_inner {
            let saved = coop::set_budget(coop::UNCONSTRAINED);
            let r = me.delay.poll_sleep(cx);
            coop::set_budget(saved);
            r
        } else {
            me.delay.poll_sleep(cx)
        };
        match delay {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}
