//! gorust-chan: Go channels (`make(chan T, cap)`) with sudog wait queues, and a fair,
//! cancel-safe [`select!`].
//!
//! Mirrors `runtime/chan.go` (`hchan`, `chansend`, `chanrecv`, `closechan`) and
//! `runtime/select.go` (`selectgo`). Channels need only [`Waker`](std::task::Waker)s: they run
//! under gorust, tokio, `futures::executor` or plain threads (`send_blocking` /
//! `recv_blocking`). Under gorust they also spend the cooperative budget
//! (`gorust_hooks::coop`, on gorust workers only) and record wait reasons for goroutine
//! dumps.
//!
//! ```
//! # futures::executor::block_on(async {
//! let (tx, rx) = gorust_chan::make::<u64>(0); // unbuffered: a rendezvous
//! let t = std::thread::spawn(move || {
//!     for i in 0..3 { tx.send_blocking(i).unwrap(); }
//! });
//! let mut sum = 0;
//! while let Some(v) = rx.recv().await { sum += v; }
//! assert_eq!(sum, 3);
//! t.join().unwrap();
//! # });
//! ```
//!
//! # Inside
//!
//! | file | what | Go |
//! |---|---|---|
//! | `hchan.rs` | the channel: one lock, a ring of `cap`, `recvq`/`sendq` | `hchan`, `chansend`, `chanrecv`, `closechan` |
//! | `waitq.rs` | intrusive FIFO of sudogs living in the waiting futures | `sudog`, `waitq` |
//! | `token.rs` | the commit token a peer must win (`WAITING/BUSY/CLAIMED/DONE`) | `selectDone` |
//! | `case.rs` | one receive or send as a select case | `selectgo` passes 1–3 per case |
//! | `op.rs` | a plain `recv`/`send`: a one-case select with the fast path | `chanrecv1`, `chansend1` |
//! | `order.rs` | a fresh random poll order per select, drawn lazily | `pollorder` |
//! | `select.rs`, `select_macro.rs` | `select!` | `selectgo` |
//!
//! A send finding a parked receiver copies the value straight into that receiver's sudog and
//! wakes it (under gorust, into the waker's `runnext`); a receive from a full ring with a
//! parked sender takes the head and moves that sender's value to the tail. Waiters on one
//! channel are served FIFO.
//!
//! # Cancel safety
//!
//! No value is ever lost or delivered twice, whatever future is dropped when:
//!
//! - a `recv()` or `select!` dropped before a peer committed to it took nothing;
//! - a `recv()` or `select!` receive branch dropped *after* a peer committed a value to it
//!   (the value sits in its sudog, the future was not polled again) gives the value back: to
//!   the next waiting receiver, or to the head of the ring (which may then hold one value over
//!   `cap`, even on an unbuffered channel);
//! - a `send(v)` dropped before a receiver committed to it did not send (the value drops with
//!   the future); once committed, the send is done and counts as delivered exactly once. The
//!   dropped future cannot report which happened, so a caller that re-sends after a foreign
//!   timeout or `tokio::select!` dropped its send may deliver the value twice; a send branch
//!   of gorust's `select!` that did not win never sent, so re-sending after it is safe;
//! - a `select!` completes at most one channel branch: peers must win its commit token
//!   before they hand over or take a value, and while the select polls its non-channel
//!   branches the token is busy and peers pass it by.
//!
//! The one visible difference from Go: an unbuffered send can complete before the receiver
//! returns, if that receiver is then dropped; the value then waits at the head of the
//! channel for the next receiver.

//! # Directional handles (Go's `test/chan/perm.go`)
//!
//! A [`Sender`] is a `chan<- T` and a [`Receiver`] a `<-chan T`: the wrong direction does
//! not compile.
//!
//! ```compile_fail
//! let (tx, _rx) = gorust_chan::make::<u8>(1);
//! let _ = tx.recv(); // a send-only channel cannot receive
//! ```
//!
//! ```compile_fail
//! let (_tx, rx) = gorust_chan::make::<u8>(1);
//! let _ = rx.send(1); // a receive-only channel cannot send
//! ```
//!
//! ```compile_fail
//! let (_tx, rx) = gorust_chan::make::<u8>(1);
//! rx.close(); // only the sending side closes
//! ```
//!
//! ```compile_fail
//! let (tx, _rx) = gorust_chan::make::<u8>(1);
//! let _: gorust_chan::Receiver<u8> = tx; // no conversion between directions
//! ```

#![warn(clippy::undocumented_unsafe_blocks)]

mod blocking;
mod case;
mod coop;
mod error;
mod future;
mod hchan;
mod lock;
mod loom;
mod op;
mod order;
mod receiver;
mod select;
mod select_macro;
mod sender;
mod token;
mod waitq;

#[cfg(all(test, loom))]
mod loom_models;
#[cfg(all(test, not(loom)))]
mod tests;

pub use error::{CloseError, MakeError, SendError, TryRecvError, TrySendError};
pub use future::{RecvFuture, SendFuture};
pub use receiver::Receiver;
pub use sender::Sender;

use std::sync::Arc;

/// Makes a channel with room for `cap` values (Go's `make(chan T, cap)`); `cap == 0` is a
/// rendezvous: a send completes only once a receiver has the value.
///
/// # Panics
///
/// If the ring of `cap` values cannot be allocated (Go's "makechan: size out of range");
/// [`try_make`] reports that as an error instead. Zero-sized `T` never allocates.
///
/// # Examples
///
/// ```
/// let (tx, rx) = gorust_chan::make::<String>(8);
/// tx.try_send("x".into()).unwrap();
/// assert_eq!(rx.try_recv().unwrap(), "x");
/// assert_eq!((tx.cap(), rx.len()), (8, 0));
/// ```
pub fn make<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    match try_make(cap) {
        Ok(pair) => pair,
        Err(e) => panic!("{e}"),
    }
}

/// Like [`make`], but reports a ring that cannot be allocated instead of panicking.
///
/// # Errors
///
/// [`MakeError`] when `cap` values of `T` overflow the address space or the allocator
/// refuses them.
///
/// # Examples
///
/// ```
/// assert!(gorust_chan::try_make::<u8>(16).is_ok());
/// assert!(gorust_chan::try_make::<[u8; 1024]>(usize::MAX / 2).is_err());
/// assert!(gorust_chan::try_make::<()>(usize::MAX).is_ok());
/// ```
pub fn try_make<T>(cap: usize) -> Result<(Sender<T>, Receiver<T>), MakeError> {
    let chan = hchan::Chan::new(cap).map_err(|_| MakeError {
        cap,
        elem_size: std::mem::size_of::<T>(),
    })?;
    let chan = Arc::new(chan);
    Ok((Sender { chan: chan.clone() }, Receiver::from_chan(chan)))
}

/// How many values that a peer had committed to a receive were given back to their channel
/// because the receiving future (a `recv()`, a `select!`) was dropped before it was polled
/// again, counted process-wide. A statistic for tests and diagnostics.
///
/// # Examples
///
/// ```
/// let before = gorust_chan::reinjected_values();
/// let (tx, rx) = gorust_chan::make::<u8>(0);
/// {
///     let mut r = std::pin::pin!(rx.recv());
///     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
///     assert!(r.as_mut().poll(&mut cx).is_pending());
///     tx.try_send(1).unwrap(); // handed to the parked receive, which is then dropped
/// }
/// assert!(gorust_chan::reinjected_values() > before);
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub fn reinjected_values() -> usize {
    hchan::REINJECTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Items `select!` expands to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::case::{RecvCase, SendCase};
    pub use crate::select::{
        Borrowed, BranchDyn, Branches, CaseOps, CaseRef, ChanBranch, ChanKind, ChanTag, Cons,
        DEFAULT, ELSE, FutBranch, FutKind, FutTag, MAX_BRANCHES, Nil, Select, SelectCase,
        TakeOutput,
    };
}
