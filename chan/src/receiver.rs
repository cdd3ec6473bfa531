//! The receiving half of a channel (`<-chan T`): `recv`, `try_recv`, `recv_blocking`, and
//! `futures::Stream`.
//!
//! Mirrors `runtime/chan.go: chanrecv` (through [`RecvFuture`]) and `selectnbrecv`
//! (`try_recv`).
//!
//! Invariants: `Chan::receivers` counts the live `Receiver`s; the one that brings it to zero
//! fails every waiting and future send (values given back) and drops what the ring holds,
//! since no one can receive it any more. The `Stream` state (a boxed one-case op) is dropped
//! before the count goes down, so a value it had been handed goes back to the channel first.

use crate::case::RecvCase;
use crate::error::TryRecvError;
use crate::future::RecvFuture;
use crate::hchan::{Chan, Recvd, wake};
use crate::loom::Ordering;
use crate::op::Op;
use futures_core::{FusedStream, Stream};
use gorust_hooks::wait::WaitReason;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The receiving half of a channel made by [`make`](crate::make). Clone it for more
/// consumers; each value goes to exactly one of them.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = gorust_chan::make::<u8>(4);
/// for i in 0..3 { tx.send(i).await.unwrap(); }
/// drop(tx);
/// let mut got = vec![];
/// while let Some(v) = rx.recv().await { got.push(v); }
/// assert_eq!(got, [0, 1, 2]);
/// # });
/// ```
pub struct Receiver<T> {
    /// The in-flight `Stream::poll_next` receive; declared first so it drops first.
    next: Option<Pin<Box<Op<RecvCase<T>>>>>,
    /// `poll_next` returned `None` (for `FusedStream`).
    terminated: bool,
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// Receives the next value, waiting for one (Go's `v, ok := <-c`): `Some(v)`, or `None`
    /// once the channel is closed and every buffered value was received.
    ///
    /// Takes `&self`, so one `Receiver` can serve a loop and a `select!` at once.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: see [`RecvFuture`].
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gorust_chan::make::<u8>(1);
    /// tx.send(3).await.unwrap();
    /// tx.close().unwrap();
    /// assert_eq!(rx.recv().await, Some(3));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    #[inline]
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture {
            op: Op::new(RecvCase::new(&self.chan)),
            _handle: PhantomData,
        }
    }

    /// Receives a value only if that needs no waiting (Go's `select { case v := <-c:
    /// default: }`).
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] when it would have to wait, [`TryRecvError::Closed`] when the
    /// channel is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use gorust_chan::TryRecvError;
    /// let (tx, rx) = gorust_chan::make::<u8>(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut g = self.chan.locked();
        let cap = self.chan.cap();
        match g.recv_now(cap) {
            Recvd::Value(v, w) => {
                drop(g);
                wake(w);
                Ok(v)
            }
            Recvd::Closed => Err(TryRecvError::Closed),
            Recvd::Empty => Err(TryRecvError::Empty),
        }
    }

    /// Receives from a plain thread, parking the thread until a value or the close comes.
    ///
    /// Do not call it from inside an async task: it blocks the worker thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gorust_chan::make::<u8>(0);
    /// std::thread::spawn(move || tx.send_blocking(4).unwrap());
    /// assert_eq!(rx.recv_blocking(), Some(4));
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    pub fn recv_blocking(&self) -> Option<T> {
        crate::blocking::block_on(self.recv())
    }

    /// Whether the channel is closed (it may still hold values to receive).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gorust_chan::make::<u8>(0);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// The number of values in the ring (Go's `len(c)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gorust_chan::make::<u8>(4);
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.locked().buf.len()
    }

    /// Whether the ring holds no value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = gorust_chan::make::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ring size given to [`make`](crate::make) (Go's `cap(c)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = gorust_chan::make::<u8>(0);
    /// assert_eq!(rx.cap(), 0);
    /// ```
    pub fn cap(&self) -> usize {
        self.chan.cap()
    }

    /// Whether `self` and `other` receive from the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = gorust_chan::make::<u8>(0);
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

/// Yields every value until the channel is closed and drained.
///
/// # Cancel safety
///
/// Dropping the `Receiver` (or stopping to poll) loses nothing: a value handed to a pending
/// `poll_next` goes back to the channel when the `Receiver` drops.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// # futures::executor::block_on(async {
/// let (tx, mut rx) = gorust_chan::make::<u8>(3);
/// for i in 0..3 { tx.send(i).await.unwrap(); }
/// drop(tx);
/// assert_eq!(rx.by_ref().collect::<Vec<_>>().await, [0, 1, 2]);
/// # });
/// ```
impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let chan = &this.chan;
        let op = this
            .next
            .get_or_insert_with(|| Box::pin(Op::new(RecvCase::new(chan))));
        match op.as_mut().poll_op(cx, WaitReason::ChanReceive) {
            Poll::Ready(v) => {
                // SAFETY: the op finished, so its sudog is unlinked and ours.
                unsafe { op.case.reset() };
                op.as_mut().rearm();
                this.terminated = v.is_none();
                Poll::Ready(v)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Terminated once `poll_next` returned `None` (the channel is closed and drained), so
/// `futures::select!` can use `rx.next()` directly.
///
/// # Examples
///
/// ```
/// use futures::stream::{FusedStream, StreamExt};
/// # futures::executor::block_on(async {
/// let (tx, mut rx) = gorust_chan::make::<u8>(1);
/// drop(tx);
/// assert!(!rx.is_terminated());
/// assert_eq!(rx.next().await, None);
/// assert!(rx.is_terminated());
/// # });
/// ```
impl<T> FusedStream for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            next: None,
            terminated: false,
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        drop(self.next.take());
        if self.chan.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.receivers_gone();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("cap", &self.chan.cap())
            .field("closed", &self.chan.is_closed())
            .finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Builds the receiving handle of a fresh channel (the count starts at one).
    pub(crate) fn from_chan(chan: Arc<Chan<T>>) -> Receiver<T> {
        Receiver {
            next: None,
            terminated: false,
            chan,
        }
    }
}
