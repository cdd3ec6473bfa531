//! The futures `Receiver::recv` and `Sender::send` return: thin, lifetime-carrying wrappers
//! around a one-case [`Op`](crate::op::Op) (`runtime/chan.go: chanrecv1, chansend1`).
//!
//! Invariant: each future borrows its handle, so the channel outlives the sudog inside it.

use crate::case::{RecvCase, SendCase};
use crate::error::SendError;
use crate::op::Op;
use crate::{Receiver, Sender};
use gorust_hooks::wait::WaitReason;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The future of [`Receiver::recv`]: resolves to `Some(value)`, or `None` once the channel is
/// closed and drained.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = gorust_chan::make::<u32>(1);
/// tx.send(7).await.unwrap();
/// let fut: gorust_chan::RecvFuture<'_, u32> = rx.recv();
/// assert_eq!(fut.await, Some(7));
/// # });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it before it completes takes nothing from the channel. If a sender
/// had already handed it a value (direct handoff), the drop puts that value back at the head
/// of the channel (or straight into the next waiting receiver), so no value is lost.
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<'a, T> {
    pub(crate) op: Op<RecvCase<T>>,
    pub(crate) _handle: PhantomData<&'a Receiver<T>>,
}

/// The future of [`Sender::send`]: resolves to `Ok(())` once the value is delivered (in the
/// ring, or taken by a receiver when the channel is unbuffered), or `Err(SendError(v))` when
/// the channel is closed or has no receivers.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = gorust_chan::make::<u32>(1);
/// let fut: gorust_chan::SendFuture<'_, u32> = tx.send(7);
/// fut.await.unwrap();
/// assert_eq!(rx.recv().await, Some(7));
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping it before a receiver committed to it leaves the channel as if the send never
/// happened, and the value drops with the future. Once a receiver has committed to the value
/// the send is done: it counts as delivered, exactly once, even if this future is dropped
/// before it is polled again. So the channel never delivers a value twice, but a dropped send
/// was either delivered or not sent, and the caller cannot tell which: sending the value
/// again after a foreign timeout or `tokio::select!` dropped the send may deliver it twice.
/// Inside gorust's [`select!`](crate::select!) a send branch that did not win never sent, so
/// retrying after a lost `select!` is always safe.
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T> {
    pub(crate) op: Op<SendCase<T>>,
    pub(crate) _handle: PhantomData<&'a Sender<T>>,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Option<T>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // SAFETY: structural pinning of `op`; nothing else is moved.
        let op = unsafe { self.map_unchecked_mut(|s| &mut s.op) };
        op.poll_op(cx, WaitReason::ChanReceive)
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of `op`; nothing else is moved.
        let op = unsafe { self.map_unchecked_mut(|s| &mut s.op) };
        op.poll_op(cx, WaitReason::ChanSend)
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture").finish_non_exhaustive()
    }
}
