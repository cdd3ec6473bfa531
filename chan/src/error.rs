//! Channel errors, shaped as std's and crossbeam's: a failed send gives its value back.
//!
//! Go panics on a send to a closed channel and on a second close; gorust returns these values
//! instead, so no value is ever lost and no task dies for a race on shutdown.

use std::error::Error;
use std::fmt;

/// A send failed because the channel is closed or every `Receiver` is gone; the value is
/// given back.
///
/// # Examples
///
/// ```
/// let (tx, rx) = gorust_chan::make::<String>(1);
/// drop(rx);
/// let err = tx.send_blocking("hi".to_string()).unwrap_err();
/// assert_eq!(err.0, "hi");
/// assert_eq!(err.into_inner(), "hi");
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// Gives the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = gorust_chan::SendError(5);
    /// assert_eq!(e.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("send on a closed channel")
    }
}

impl<T> Error for SendError<T> {}

/// Why [`Sender::try_send`](crate::Sender::try_send) failed; the value is given back.
///
/// # Examples
///
/// ```
/// use gorust_chan::TrySendError;
/// let (tx, _rx) = gorust_chan::make::<u8>(0);
/// assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
/// tx.close().unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// No free slot in the ring and no receiver waiting (Go's `select` with `default`).
    Full(T),
    /// The channel is closed, or every `Receiver` is gone.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// Gives the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gorust_chan::TrySendError::Full(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// Whether the send failed only for lack of room.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gorust_chan::TrySendError::Full(3).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gorust_chan::TrySendError::Closed(3).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(e: SendError<T>) -> Self {
        TrySendError::Closed(e.0)
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("sending on a full channel"),
            TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> Error for TrySendError<T> {}

/// Why [`Receiver::try_recv`](crate::Receiver::try_recv) found no value.
///
/// # Examples
///
/// ```
/// use gorust_chan::TryRecvError;
/// let (tx, rx) = gorust_chan::make::<u8>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing buffered and no sender waiting.
    Empty,
    /// Closed and drained: no value will ever come.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Closed => f.write_str("receiving on a closed channel"),
        }
    }
}

impl Error for TryRecvError {}

/// A second [`Sender::close`](crate::Sender::close) (Go panics with "close of closed channel").
///
/// # Examples
///
/// ```
/// let (tx, _rx) = gorust_chan::make::<u8>(0);
/// assert!(tx.close().is_ok());
/// assert_eq!(tx.close(), Err(gorust_chan::CloseError));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct CloseError;

impl fmt::Display for CloseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("close of closed channel")
    }
}

impl Error for CloseError {}

/// [`try_make`](crate::try_make) could not allocate the ring.
///
/// # Examples
///
/// ```
/// let err = gorust_chan::try_make::<u64>(usize::MAX).unwrap_err();
/// assert_eq!(err.cap, usize::MAX);
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct MakeError {
    /// The capacity asked for.
    pub cap: usize,
    /// The size in bytes of one element.
    pub elem_size: usize,
}

impl fmt::Display for MakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "makechan: size out of range: cannot allocate a ring of {} elements of {} bytes",
            self.cap, self.elem_size
        )
    }
}

impl Error for MakeError {}
