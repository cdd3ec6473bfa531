//! The machinery behind [`select!`](crate::select!): Go's `runtime/select.go: selectgo`
//! (pass 1 try in a random poll order, pass 2 enqueue under every lock, wake-up, pass 3
//! dequeue), extended with branches that are arbitrary futures and with cancellation.
//!
//! # The protocol
//!
//! All channel cases of one select share one [`Token`] (Go's `selectDone`). A poll:
//!
//! 1. takes the token (`WAITING → BUSY`); if a peer committed case `i` meanwhile, that case
//!    is the result (pass 3 unlinks the others);
//! 2. walks the enabled branches in a fresh random order (Go's `pollorder`; `biased;` keeps
//!    source order): a channel case is tried under its own channel's lock, a future branch is
//!    polled. The first that completes wins. Peers pass `BUSY` sudogs by, so nothing can be
//!    committed to this select while a future branch runs, and a select never pairs with
//!    itself (a send and a receive on one channel);
//! 3. if nothing was ready, locks every channel of the select in address order (Go's
//!    `sellock`), tries every channel case once more (the linearization point of "nothing was
//!    ready" for `default`), then queues every case's sudog, stores the waker and parks
//!    (`BUSY → WAITING`) before unlocking, so a peer that passed it by while `BUSY` is seen
//!    here (no lost wake-up).
//!
//! # Invariants
//!
//! - At most one case finishes per select: a case finishes only while the select is `BUSY`
//!   (by itself) or by the peer that won the token; every other case of it is left untouched.
//! - `queued` has a bit for every case whose sudog may be queued; every bit is cleared (under
//!   that channel's lock) before the select returns `Ready` or is dropped.
//! - Disabled branches (precondition false, or pattern refused) have no queued sudog.
//! - On drop after a peer committed a receive the select never took, the value goes back to
//!   its channel ([`ChanCase::abandon_done`]): nothing is lost, nothing delivered twice.

use crate::case::{CaseOutput, ChanCase, RecvCase, SendCase};
use crate::future::{RecvFuture, SendFuture};
use crate::hchan::wake;
use crate::order::Order;
use crate::token::{Begin, Token};
use gorust_hooks::wait::{WaitReason, set_wait_reason};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The most branches one `select!` may have (one bit each in a `u64`).
pub const MAX_BRANCHES: usize = 64;
/// [`Select::poll_select`]'s answer when the `default` branch runs.
pub const DEFAULT: usize = usize::MAX;
/// [`Select::poll_select`]'s answer when the `else` branch runs (every branch disabled).
pub const ELSE: usize = usize::MAX - 1;

/// A channel case seen through a branch, type-erased.
pub struct CaseRef<'a>(pub(crate) &'a dyn ChanCase);

impl fmt::Debug for CaseRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CaseRef")
    }
}

/// A future the select knows to be a channel operation (`recv()` / `send(v)`): the select
/// takes its case out and drives it with its own commit token.
pub trait SelectCase {
    /// What the branch's pattern sees.
    type Output;
    /// The case, still borrowing the channel handle.
    type Case: CaseOps<Output = Self::Output>;
    /// Takes the case out of the (unpolled) future.
    fn into_case(self) -> Self::Case;
}

/// The operations a select needs from a case.
pub trait CaseOps {
    /// What the branch's pattern sees.
    type Output;
    /// The case, type-erased.
    fn case_ref(&self) -> CaseRef<'_>;
    /// Takes the result of the finished case.
    ///
    /// # Safety
    ///
    /// The case finished and its sudog is unlinked (see `ChanCase::abandon_done`).
    unsafe fn take_case_output(&self) -> Self::Output;
}

/// A case taken out of its future, still borrowing the handle for `'a`.
pub struct Borrowed<'a, C> {
    case: C,
    _handle: std::marker::PhantomData<&'a ()>,
}

impl<C> fmt::Debug for Borrowed<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Borrowed")
    }
}

impl<T> CaseOps for Borrowed<'_, RecvCase<T>> {
    type Output = Option<T>;
    #[inline]
    fn case_ref(&self) -> CaseRef<'_> {
        CaseRef(&self.case)
    }
    #[inline]
    unsafe fn take_case_output(&self) -> Option<T> {
        // SAFETY: forwarded contract.
        unsafe { self.case.output() }
    }
}

impl<T> CaseOps for Borrowed<'_, SendCase<T>> {
    type Output = Result<(), crate::SendError<T>>;
    #[inline]
    fn case_ref(&self) -> CaseRef<'_> {
        CaseRef(&self.case)
    }
    #[inline]
    unsafe fn take_case_output(&self) -> Self::Output {
        // SAFETY: forwarded contract.
        unsafe { self.case.output() }
    }
}

impl<'a, T> SelectCase for RecvFuture<'a, T> {
    type Output = Option<T>;
    type Case = Borrowed<'a, RecvCase<T>>;
    #[inline]
    fn into_case(self) -> Self::Case {
        Borrowed {
            case: self.op.into_case(),
            _handle: std::marker::PhantomData,
        }
    }
}

impl<'a, T> SelectCase for SendFuture<'a, T> {
    type Output = Result<(), crate::SendError<T>>;
    type Case = Borrowed<'a, SendCase<T>>;
    #[inline]
    fn into_case(self) -> Self::Case {
        Borrowed {
            case: self.op.into_case(),
            _handle: std::marker::PhantomData,
        }
    }
}

/// One branch of a select, type-erased (its output stays inside until
/// [`Branches::take_outputs`]).
pub trait BranchDyn {
    /// The channel case, if this branch is one.
    fn chan_case(&self) -> Option<CaseRef<'_>>;
    /// One step of the walk: polls a future branch, or tries a channel case under its own
    /// channel lock. `Ready((matched, waker))` when it completed: `matched` says whether its
    /// pattern kept the output, `waker` is a peer to wake (a channel handoff).
    ///
    /// # Safety
    ///
    /// For a channel case: the select's token is `BUSY`, and the caller holds no lock.
    unsafe fn poll_branch(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<(bool, Option<std::task::Waker>)>;
    /// Takes a finished channel case's result and checks the pattern (true: kept).
    ///
    /// # Safety
    ///
    /// As [`CaseOps::take_case_output`].
    unsafe fn take_case(self: Pin<&mut Self>) -> bool;
}

/// A channel branch: the `recv()`/`send(v)` future, its pattern check, its output.
pub struct ChanBranch<C: CaseOps, P> {
    fut: C,
    check: P,
    out: Option<C::Output>,
}

/// A branch over any other future.
pub struct FutBranch<F: Future, P> {
    fut: F,
    check: P,
    out: Option<F::Output>,
    done: bool,
}

impl<C: CaseOps, P> fmt::Debug for ChanBranch<C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChanBranch").finish_non_exhaustive()
    }
}

impl<F: Future, P> fmt::Debug for FutBranch<F, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FutBranch")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<C, P> BranchDyn for ChanBranch<C, P>
where
    C: CaseOps,
    P: FnMut(C::Output) -> (bool, C::Output),
{
    #[inline]
    fn chan_case(&self) -> Option<CaseRef<'_>> {
        Some(self.fut.case_ref())
    }
    #[inline]
    unsafe fn poll_branch(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<(bool, Option<std::task::Waker>)> {
        let CaseRef(c) = self.fut.case_ref();
        let lock = c.raw_lock();
        lock.lock();
        // SAFETY: the lock is held and the token is BUSY (contract).
        let r = unsafe { c.try_now() };
        // SAFETY: we hold the lock we just took.
        unsafe { lock.unlock() };
        match r {
            None => Poll::Pending,
            // SAFETY: we completed the case ourselves just now.
            Some(w) => Poll::Ready((unsafe { self.as_mut().take_case() }, w)),
        }
    }
    #[inline]
    unsafe fn take_case(self: Pin<&mut Self>) -> bool {
        // SAFETY: `fut` is never moved (we only call `&self` methods on it); `check` and `out`
        // are not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: forwarded contract.
        let o = unsafe { this.fut.take_case_output() };
        let (ok, o) = (this.check)(o);
        if ok {
            this.out = Some(o);
        }
        ok
    }
}

impl<F, P> BranchDyn for FutBranch<F, P>
where
    F: Future,
    P: FnMut(F::Output) -> (bool, F::Output),
{
    #[inline]
    fn chan_case(&self) -> Option<CaseRef<'_>> {
        None
    }
    unsafe fn poll_branch(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<(bool, Option<std::task::Waker>)> {
        // SAFETY: `fut` is structurally pinned and never moved; the other fields are not.
        let this = unsafe { self.get_unchecked_mut() };
        if this.done {
            return Poll::Pending;
        }
        // SAFETY: as above.
        let fut = unsafe { Pin::new_unchecked(&mut this.fut) };
        match fut.poll(cx) {
            Poll::Ready(o) => {
                this.done = true;
                let (ok, o) = (this.check)(o);
                if ok {
                    this.out = Some(o);
                }
                Poll::Ready((ok, None))
            }
            Poll::Pending => Poll::Pending,
        }
    }
    unsafe fn take_case(self: Pin<&mut Self>) -> bool {
        unreachable!("a future branch has no channel case")
    }
}

/// A branch's output, taken after the select finished.
pub trait TakeOutput {
    /// Whether the branch is a channel case.
    const IS_CHAN: bool;
    /// The output type.
    type Output;
    /// Takes it (`None` for every branch but the winner).
    fn take_output(self: Pin<&mut Self>) -> Option<Self::Output>;
}

impl<C: CaseOps, P> TakeOutput for ChanBranch<C, P> {
    const IS_CHAN: bool = true;
    type Output = C::Output;
    fn take_output(self: Pin<&mut Self>) -> Option<C::Output> {
        // SAFETY: `out` is not structurally pinned.
        unsafe { self.get_unchecked_mut().out.take() }
    }
}

impl<F: Future, P> TakeOutput for FutBranch<F, P> {
    const IS_CHAN: bool = false;
    type Output = F::Output;
    fn take_output(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: `out` is not structurally pinned.
        unsafe { self.get_unchecked_mut().out.take() }
    }
}

/// The end of the branch list.
#[derive(Debug)]
pub struct Nil;

/// A branch list cell: `Cons(branch, rest)`; outputs come back as the same shape.
#[derive(Debug)]
pub struct Cons<H, T>(pub H, pub T);

/// A list of branches the select can index.
pub trait Branches {
    /// How many branches.
    const LEN: usize;
    /// A bit for every branch that is a channel case.
    const CHANS: u64;
    /// `Cons<Option<Output0>, Cons<Option<Output1>, ... Nil>>`.
    type Outputs;
    /// Branch `i`.
    fn branch(self: Pin<&mut Self>, i: usize) -> Pin<&mut dyn BranchDyn>;
    /// Branch `i`, shared.
    fn branch_ref(&self, i: usize) -> &dyn BranchDyn;
    /// Every branch's output.
    fn take_outputs(self: Pin<&mut Self>) -> Self::Outputs;
}

impl Branches for Nil {
    const LEN: usize = 0;
    const CHANS: u64 = 0;
    type Outputs = Nil;
    fn branch(self: Pin<&mut Self>, _i: usize) -> Pin<&mut dyn BranchDyn> {
        unreachable!("select branch index out of range")
    }
    fn branch_ref(&self, _i: usize) -> &dyn BranchDyn {
        unreachable!("select branch index out of range")
    }
    fn take_outputs(self: Pin<&mut Self>) -> Nil {
        Nil
    }
}

impl<H, T> Branches for Cons<H, T>
where
    H: BranchDyn + TakeOutput,
    T: Branches,
{
    const LEN: usize = 1 + T::LEN;
    const CHANS: u64 = H::IS_CHAN as u64 | (T::CHANS << 1);
    type Outputs = Cons<Option<H::Output>, T::Outputs>;
    #[inline]
    fn branch(self: Pin<&mut Self>, i: usize) -> Pin<&mut dyn BranchDyn> {
        // SAFETY: both fields are structurally pinned; neither is moved.
        let this = unsafe { self.get_unchecked_mut() };
        if i == 0 {
            // SAFETY: as above.
            unsafe { Pin::new_unchecked(&mut this.0) }
        } else {
            // SAFETY: as above.
            unsafe { Pin::new_unchecked(&mut this.1) }.branch(i - 1)
        }
    }
    #[inline]
    fn branch_ref(&self, i: usize) -> &dyn BranchDyn {
        if i == 0 {
            &self.0
        } else {
            self.1.branch_ref(i - 1)
        }
    }
    fn take_outputs(self: Pin<&mut Self>) -> Self::Outputs {
        // SAFETY: both fields are structurally pinned; neither is moved.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let h = unsafe { Pin::new_unchecked(&mut this.0) }.take_output();
        // SAFETY: as above.
        let t = unsafe { Pin::new_unchecked(&mut this.1) }.take_outputs();
        Cons(h, t)
    }
}

/// Picks the `select!` wrapper for a channel future (autoref specialization: this impl is
/// found first for `RecvFuture` / `SendFuture`).
pub trait ChanKind {
    /// The tag that wraps a channel case.
    fn __gorust_select_kind(&self) -> ChanTag {
        ChanTag
    }
}
impl<T> ChanKind for RecvFuture<'_, T> {}
impl<T> ChanKind for SendFuture<'_, T> {}

/// Picks the `select!` wrapper for any other future.
pub trait FutKind {
    /// The tag that wraps a future.
    fn __gorust_select_kind(&self) -> FutTag {
        FutTag
    }
}
impl<F> FutKind for &F {}

/// Wraps channel cases.
#[derive(Debug)]
pub struct ChanTag;
/// Wraps futures.
#[derive(Debug)]
pub struct FutTag;

impl ChanTag {
    /// The branch for channel case `c` with pattern check `check`.
    #[inline(always)]
    pub fn wrap<C, P>(self, c: C, check: P) -> ChanBranch<C::Case, P>
    where
        C: SelectCase,
        P: FnMut(C::Output) -> (bool, C::Output),
    {
        ChanBranch {
            fut: c.into_case(),
            check,
            out: None,
        }
    }
}

impl FutTag {
    /// The branch for future `f` with pattern check `check`.
    #[inline(always)]
    pub fn wrap<F, P>(self, f: F, check: P) -> FutBranch<F::IntoFuture, P>
    where
        F: IntoFuture,
        P: FnMut(F::Output) -> (bool, F::Output),
    {
        FutBranch {
            fut: f.into_future(),
            check,
            out: None,
            done: false,
        }
    }
}

/// Flag: `biased;` (source order instead of a random one).
const BIASED: u8 = 1;
/// Flag: a `default` branch exists (never park).
const HAS_DEFAULT: u8 = 2;
/// Flag: an `else` branch exists (runs when every branch is disabled).
const HAS_ELSE: u8 = 4;
/// Flag: the select returned `Ready`.
const FINISHED: u8 = 8;

/// The select future's state; `select!` builds one, polls it with [`Select::poll_select`],
/// then takes the outputs.
pub struct Select<B: Branches> {
    token: Token,
    branches: B,
    enabled: u64,
    chans: u64,
    queued: u64,
    flags: u8,
    _pin: PhantomPinned,
}

impl<B: Branches> fmt::Debug for Select<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("enabled", &self.enabled)
            .field("queued", &self.queued)
            .finish_non_exhaustive()
    }
}

impl<B: Branches> Select<B> {
    /// A select over `branches`, of which those with a bit in `enabled` take part.
    ///
    /// # Panics
    ///
    /// If there are more than [`MAX_BRANCHES`] branches.
    #[inline(always)]
    pub fn new(
        branches: B,
        enabled: u64,
        biased: bool,
        has_default: bool,
        has_else: bool,
    ) -> Select<B> {
        assert!(
            B::LEN <= MAX_BRANCHES,
            "select! supports at most {MAX_BRANCHES} branches"
        );
        let all = if B::LEN == 64 {
            u64::MAX
        } else {
            (1u64 << B::LEN) - 1
        };
        let flags = (biased as u8 * BIASED)
            | (has_default as u8 * HAS_DEFAULT)
            | (has_else as u8 * HAS_ELSE);
        Select {
            token: Token::new(),
            branches,
            enabled: enabled & all,
            chans: B::CHANS,
            queued: 0,
            flags,
            _pin: PhantomPinned,
        }
    }

    /// Takes every branch's output (only the winner's is `Some`).
    pub fn take_outputs(self: Pin<&mut Self>) -> B::Outputs {
        // SAFETY: `branches` is structurally pinned and not moved.
        unsafe { self.map_unchecked_mut(|s| &mut s.branches) }.take_outputs()
    }

    /// Runs the select; `Ready(i)` names the winning branch, or [`DEFAULT`] / [`ELSE`].
    pub fn poll_select(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        // SAFETY: `token` and `branches` stay in place (sudogs point at them); only plain
        // fields are written.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(this.flags & FINISHED == 0, "select polled after completion");
        if this.enabled & this.chans != 0 && crate::coop::proceed(cx).is_pending() {
            return Poll::Pending;
        }
        'restart: loop {
            if let Begin::Won { case, done } = this.token.begin() {
                if !done {
                    this.wait_done(case);
                }
                this.unlink_all();
                // SAFETY: DONE(case) observed; its sudog was unlinked by the peer.
                if unsafe { this.branches_mut().branch(case).take_case() } {
                    return this.finish(case);
                }
                this.disable(case);
                continue 'restart;
            }
            if this.enabled == 0 {
                return this.none_enabled();
            }
            let mut order = Order::new(this.enabled, B::LEN, this.flags & BIASED != 0);

            // Walk: each channel case under its own lock, each future polled, in order.
            while let Some(i) = order.next() {
                if this.enabled & (1 << i) == 0 {
                    continue;
                }
                let b = this.branches_mut().branch(i);
                // SAFETY: our token is BUSY and we hold no lock.
                let step = unsafe { b.poll_branch(cx) };
                if let Poll::Ready((ok, w)) = step {
                    this.token.complete(i);
                    wake(w);
                    this.unlink_all();
                    if ok {
                        return this.finish(i);
                    }
                    this.disable(i);
                    continue 'restart;
                }
            }
            if this.enabled == 0 {
                return this.none_enabled();
            }
            if this.enabled & this.chans == 0 {
                if this.flags & HAS_DEFAULT != 0 {
                    return this.finish(DEFAULT);
                }
                set_wait_reason(WaitReason::Select);
                return Poll::Pending;
            }

            // Lock every channel, re-check, then park or take `default`.
            let mut locks = [(0usize, 0u8); MAX_BRANCHES];
            let nl = this.lock_all(&mut locks);
            let mut won = None;
            let order = order.all();
            for &i in order {
                let i = i as usize;
                if this.enabled & this.chans & (1 << i) == 0 {
                    continue;
                }
                let CaseRef(c) = this.case(i);
                // SAFETY: every lock held; our token is BUSY.
                if let Some(w) = unsafe { c.try_now() } {
                    won = Some((i, w));
                    break;
                }
            }
            match won {
                Some((i, w)) => {
                    this.token.complete(i);
                    this.unlink_all_locked();
                    this.unlock_all(&locks[..nl]);
                    wake(w);
                    // SAFETY: we completed case `i` ourselves.
                    if unsafe { this.branches_mut().branch(i).take_case() } {
                        return this.finish(i);
                    }
                    this.disable(i);
                    continue 'restart;
                }
                None if this.flags & HAS_DEFAULT != 0 => {
                    this.unlink_all_locked();
                    this.unlock_all(&locks[..nl]);
                    return this.finish(DEFAULT);
                }
                None => {
                    // SAFETY: the token is BUSY and ours.
                    unsafe { this.token.set_waker(cx.waker()) };
                    let token: *const Token = &this.token;
                    // Queue in poll order, so that two cases on one channel are served in
                    // a random order too (Go's lockorder starts from pollorder).
                    for &i in order {
                        let i = i as usize;
                        if this.enabled & this.chans & (1 << i) != 0 {
                            let CaseRef(c) = this.case(i);
                            // SAFETY: lock held; `this` is pinned and unlinks on drop.
                            unsafe { c.enqueue(token, i, true) };
                        }
                    }
                    this.queued = this.enabled & this.chans;
                    this.token.park();
                    this.unlock_all(&locks[..nl]);
                    set_wait_reason(WaitReason::Select);
                    return Poll::Pending;
                }
            }
        }
    }

    fn branches_mut(&mut self) -> Pin<&mut B> {
        // SAFETY: `self` is pinned (only reached through `poll_select` / `drop`).
        unsafe { Pin::new_unchecked(&mut self.branches) }
    }

    fn case(&self, i: usize) -> CaseRef<'_> {
        self.branches
            .branch_ref(i)
            .chan_case()
            .expect("branch is a channel case")
    }

    /// Locks every enabled channel case's channel once, in address order (Go's `sellock`).
    fn lock_all(&self, locks: &mut [(usize, u8); MAX_BRANCHES]) -> usize {
        let mut n = 0;
        for i in 0..B::LEN {
            if self.enabled & self.chans & (1 << i) != 0 {
                let addr = self.case(i).0.raw_lock().addr();
                // Insertion sort by address, skipping duplicates (a channel twice).
                let mut k = n;
                while k > 0 && locks[k - 1].0 > addr {
                    k -= 1;
                }
                if k > 0 && locks[k - 1].0 == addr {
                    continue;
                }
                locks.copy_within(k..n, k + 1);
                locks[k] = (addr, i as u8);
                n += 1;
            }
        }
        for &(_, i) in &locks[..n] {
            self.case(i as usize).0.raw_lock().lock();
        }
        n
    }

    /// Releases what [`Select::lock_all`] took, in reverse (Go's `selunlock`).
    fn unlock_all(&self, locks: &[(usize, u8)]) {
        for &(_, i) in locks.iter().rev() {
            // SAFETY: `lock_all` took this lock on this thread.
            unsafe { self.case(i as usize).0.raw_lock().unlock() };
        }
    }

    /// Pass 3 with no lock held: unlinks every queued sudog, one channel lock at a time.
    #[inline]
    fn unlink_all(&mut self) {
        if self.queued != 0 {
            self.unlink_queued();
        }
    }

    #[cold]
    fn unlink_queued(&mut self) {
        let mut q = self.queued;
        while q != 0 {
            let i = q.trailing_zeros() as usize;
            q &= q - 1;
            let CaseRef(c) = self.case(i);
            c.raw_lock().lock();
            // SAFETY: we hold this case's channel lock.
            unsafe {
                c.unlink();
                c.raw_lock().unlock();
            }
        }
        self.queued = 0;
    }

    /// Pass 3 with every lock held (after `lock_all`).
    fn unlink_all_locked(&mut self) {
        let mut q = self.queued;
        while q != 0 {
            let i = q.trailing_zeros() as usize;
            q &= q - 1;
            // SAFETY: `lock_all` holds every enabled case's lock, and only enabled cases are
            // ever queued.
            unsafe { self.case(i).0.unlink() };
        }
        self.queued = 0;
    }

    /// A peer holds case `i`'s lock while it finishes the transfer: wait for it.
    fn wait_done(&self, i: usize) {
        let CaseRef(c) = self.case(i);
        while !self.token.is_done(i) {
            c.raw_lock().lock();
            // SAFETY: we hold the lock we just took.
            unsafe { c.raw_lock().unlock() };
        }
    }

    /// A branch whose pattern refused its output: drop it from this select and start over.
    fn disable(&mut self, i: usize) {
        self.enabled &= !(1 << i);
        self.token.reset();
    }

    fn none_enabled(&mut self) -> Poll<usize> {
        if self.flags & HAS_ELSE != 0 {
            self.finish(ELSE)
        } else if self.flags & HAS_DEFAULT != 0 {
            self.finish(DEFAULT)
        } else {
            // Go's `select {}` with every case nil: block forever.
            set_wait_reason(WaitReason::SelectNoCases);
            Poll::Pending
        }
    }

    fn finish(&mut self, i: usize) -> Poll<usize> {
        self.flags |= FINISHED;
        Poll::Ready(i)
    }
}

impl<B: Branches> Drop for Select<B> {
    fn drop(&mut self) {
        if self.queued == 0 {
            return;
        }
        match self.token.begin() {
            Begin::Running => {}
            Begin::Won { case, done } => {
                if !done {
                    self.wait_done(case);
                }
                let CaseRef(c) = self.case(case);
                // SAFETY: DONE(case) observed; we hold no lock.
                unsafe { c.abandon_done() };
            }
        }
        self.unlink_all();
    }
}
