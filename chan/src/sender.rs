//! The sending half of a channel (`chan<- T`): `send`, `try_send`, `send_blocking`, `close`.
//!
//! Mirrors `runtime/chan.go: chansend` (through [`SendFuture`]), `selectnbsend`
//! (`try_send`) and `closechan` (`close`, and the drop of the last `Sender`).
//!
//! Invariant: `Chan::senders` counts the live `Sender`s; the one that brings it to zero closes
//! the channel, so receivers drain the ring and then see `None`.

use crate::case::SendCase;
use crate::error::{CloseError, SendError, TrySendError};
use crate::future::SendFuture;
use crate::hchan::{Chan, Sent, wake};
use crate::loom::Ordering;
use crate::op::Op;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// The sending half of a channel made by [`make`](crate::make). Clone it for more producers.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = gorust_chan::make::<&str>(2);
/// let tx2 = tx.clone();
/// tx.send("a").await.unwrap();
/// tx2.send("b").await.unwrap();
/// assert_eq!(rx.recv().await, Some("a"));
/// assert_eq!(rx.recv().await, Some("b"));
/// # });
/// ```
pub struct Sender<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `v`, waiting for room in the ring, or, on an unbuffered channel, until a
    /// receiver has taken it (Go's `c <- v`).
    ///
    /// Takes `&self`, so one `Sender` can feed a loop and a `select!` at once.
    ///
    /// # Errors
    ///
    /// `Err(SendError(v))` gives the value back if the channel is closed (Go would panic) or
    /// every `Receiver` is gone, including when that happens while the send waits.
    ///
    /// # Cancel safety
    ///
    /// See [`SendFuture`]: a dropped send was either delivered exactly once or not at all.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gorust_chan::make::<u8>(1);
    /// assert!(tx.send(1).await.is_ok());
    /// drop(rx);
    /// assert_eq!(tx.send(2).await.unwrap_err().0, 2);
    /// # });
    /// ```
    #[inline]
    pub fn send(&self, v: T) -> SendFuture<'_, T> {
        SendFuture {
            op: Op::new(SendCase::new(&self.chan, v)),
            _handle: PhantomData,
        }
    }

    /// Sends `v` only if that needs no waiting: a receiver is parked or the ring has room
    /// (Go's `select { case c <- v: default: }`).
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] when it would have to wait, [`TrySendError::Closed`] when the
    /// channel is closed or has no receivers; both give the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_chan::TrySendError;
    /// let (tx, rx) = gorust_chan::make::<u8>(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_send(&self, v: T) -> Result<(), TrySendError<T>> {
        let mut g = self.chan.locked();
        let cap = self.chan.cap();
        match g.send_now(cap, v) {
            Sent::Done(w) => {
                drop(g);
                wake(w);
                Ok(())
            }
            Sent::Closed(v) => Err(TrySendError::Closed(v)),
            Sent::Full(v) => Err(TrySendError::Full(v)),
        }
    }

    /// Sends `v` from a plain thread, parking the thread until the send completes.
    ///
    /// Do not call it from inside an async task: it blocks the worker thread.
    ///
    /// # Errors
    ///
    /// As [`send`](Sender::send).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gorust_chan::make::<u8>(0);
    /// let t = std::thread::spawn(move || rx.recv_blocking());
    /// tx.send_blocking(9).unwrap();
    /// assert_eq!(t.join().unwrap(), Some(9));
    /// ```
    pub fn send_blocking(&self, v: T) -> Result<(), SendError<T>> {
        crate::blocking::block_on(self.send(v))
    }

    /// Closes the channel (Go's `close(c)`): receivers get the buffered values, then `None`;
    /// waiting and future sends fail with their value given back.
    ///
    /// # Errors
    ///
    /// [`CloseError`] if the channel was already closed (Go panics instead).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gorust_chan::make::<u8>(1);
    /// tx.try_send(1).unwrap();
    /// tx.close().unwrap();
    /// assert!(tx.close().is_err());
    /// assert_eq!(rx.recv_blocking(), Some(1));
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    pub fn close(&self) -> Result<(), CloseError> {
        if self.chan.close() {
            Ok(())
        } else {
            Err(CloseError)
        }
    }

    /// Whether the channel is closed (by `close` or by every `Sender` going away).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = gorust_chan::make::<u8>(0);
    /// assert!(!tx.is_closed());
    /// tx.close().unwrap();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// The number of values in the ring (Go's `len(c)`; always 0 for an unbuffered channel
    /// unless a cancelled receive gave a value back).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = gorust_chan::make::<u8>(4);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.locked().buf.len()
    }

    /// Whether the ring holds no value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = gorust_chan::make::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ring size given to [`make`](crate::make) (Go's `cap(c)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = gorust_chan::make::<u8>(4);
    /// assert_eq!(tx.cap(), 4);
    /// ```
    pub fn cap(&self) -> usize {
        self.chan.cap()
    }

    /// Whether `self` and `other` send on the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = gorust_chan::make::<u8>(0);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.chan.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.close();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("cap", &self.chan.cap())
            .field("closed", &self.chan.is_closed())
            .finish_non_exhaustive()
    }
}
