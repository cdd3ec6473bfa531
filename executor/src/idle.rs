//! Spinning-M accounting: who must wake whom so that no runnable task is left behind while a
//! P sits idle (Go's `nmspinning`, `npidle`, `needspinning` and the "delicate dance" of
//! `runtime/proc.go: wakep, resetspinning, findRunnable`).
//!
//! The two sides of the protocol:
//!
//! - **Submitter** (a spawn or wake that put stealable work somewhere): publish the work,
//!   full fence, then [`Idle::claim_spinner`]: if some P is idle and no M is spinning, take
//!   the single spinning token (CAS 0 → 1) and start an M. One wake per submit at most; a
//!   spinning M that finds work passes the token on ([`Idle::stop_spinning`] then wake again),
//!   so wake-ups chain instead of stampeding.
//! - **Spinner going idle**: put its P on the idle list, then [`Idle::stop_spinning`]
//!   (decrement, full fence), then re-check every queue. If the fence is ordered before the
//!   submitter's, the re-check sees the work; otherwise the submitter sees the spinner gone and
//!   an idle P, and wakes an M. Either way the work is not stranded. The loom model
//!   `loom_submit_vs_spinner_going_idle` checks exactly this.
//!
//! Spinners are capped at half the busy Ps (`2 * nmspinning < procs - npidle`), Go's rule.

use std::sync::atomic::Ordering::{Relaxed, SeqCst};

use crate::loom::{AtomicBool, AtomicUsize, fence};

/// The counters shared by all Ms of a runtime.
pub(crate) struct Idle {
    procs: usize,
    /// Ms looking for work (Go's `sched.nmspinning`).
    nmspinning: AtomicUsize,
    /// Ps on the idle list (Go's `sched.npidle`); changed under the scheduler lock.
    npidle: AtomicUsize,
    /// A spinner was wanted but no P was idle: the next M to drop its P spins instead
    /// (Go's `sched.needspinning`).
    needspinning: AtomicBool,
}

impl Idle {
    pub(crate) fn new(procs: usize) -> Self {
        Idle {
            procs,
            nmspinning: AtomicUsize::new(0),
            npidle: AtomicUsize::new(0),
            needspinning: AtomicBool::new(false),
        }
    }

    /// A racy look (no fence) at whether a wake could be wanted: some P idle and no M
    /// spinning. For work pushed onto the submitter's *own* queue, where a wrong `false` costs
    /// parallelism, never the work: the submitter runs its queue itself.
    #[inline]
    pub(crate) fn may_want_spinner(&self) -> bool {
        self.npidle.load(Relaxed) != 0 && self.nmspinning.load(Relaxed) == 0
    }

    /// Submitter: after publishing work, takes the spinning token if an M should be woken.
    /// On `true` the caller must find an idle P and start a spinning M, or give the token
    /// back with [`Idle::stop_spinning`].
    pub(crate) fn claim_spinner(&self) -> bool {
        // StoreLoad: the work we published must be visible before we read the counters, or a
        // spinner going idle and this submitter could each miss the other.
        fence(SeqCst);
        if self.npidle.load(Relaxed) == 0 || self.nmspinning.load(Relaxed) != 0 {
            return false;
        }
        self.nmspinning
            .compare_exchange(0, 1, SeqCst, Relaxed)
            .is_ok()
    }

    /// An M may start spinning if fewer than half the busy Ps have a spinner.
    pub(crate) fn may_spin(&self) -> bool {
        let busy = self.procs - self.npidle.load(Relaxed).min(self.procs);
        2 * self.nmspinning.load(Relaxed) < busy
    }

    /// An M starts spinning.
    pub(crate) fn start_spinning(&self) {
        self.nmspinning.fetch_add(1, SeqCst);
    }

    /// An M stops spinning (found work, or going idle). Returns true when it was the last
    /// spinner. Includes the full fence that orders the caller's re-check after it.
    pub(crate) fn stop_spinning(&self) -> bool {
        let prev = self.nmspinning.fetch_sub(1, SeqCst);
        debug_assert!(prev > 0, "nmspinning underflow");
        fence(SeqCst);
        prev == 1
    }

    /// Number of spinning Ms.
    pub(crate) fn spinning(&self) -> usize {
        self.nmspinning.load(Relaxed)
    }

    /// Number of idle Ps.
    pub(crate) fn idle_ps(&self) -> usize {
        self.npidle.load(Relaxed)
    }

    /// Whether every P is idle, read after a full fence: for a decision that follows a
    /// store another thread must see (the driver's holder publishing what it watches).
    pub(crate) fn all_ps_idle(&self) -> bool {
        fence(SeqCst);
        self.npidle.load(SeqCst) == self.procs
    }

    /// A P went onto the idle list (caller holds the scheduler lock).
    pub(crate) fn p_idled(&self) {
        self.npidle.fetch_add(1, SeqCst);
    }

    /// A P came off the idle list (caller holds the scheduler lock).
    pub(crate) fn p_taken(&self) {
        self.npidle.fetch_sub(1, SeqCst);
    }

    /// Records that a spinner was wanted while no P was idle.
    pub(crate) fn set_need_spinning(&self) {
        self.needspinning.store(true, SeqCst);
    }

    /// Takes the "a spinner was wanted" flag.
    pub(crate) fn take_need_spinning(&self) -> bool {
        self.needspinning.load(Relaxed) && self.needspinning.swap(false, SeqCst)
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::sync::atomic::AtomicBool;
    use loom::thread;

    /// A submitter publishes work on a running P while the only other M, spinning, gives up
    /// its P and goes idle. Either the spinner's re-check sees the work, or the submitter
    /// claims the spinning token to wake an M: never neither.
    #[test]
    fn loom_submit_vs_spinner_going_idle() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            let work = Arc::new(AtomicBool::new(false));
            // The spinner holds P1 and is spinning.
            idle.start_spinning();

            let submitter = {
                let (idle, work) = (idle.clone(), work.clone());
                thread::spawn(move || {
                    work.store(true, Relaxed);
                    idle.claim_spinner()
                })
            };
            // Spinner: found nothing; drop P1, stop spinning, re-check.
            idle.p_idled();
            idle.stop_spinning();
            let saw_work = work.load(Relaxed);
            let woke = submitter.join().unwrap();
            assert!(
                saw_work || woke,
                "lost wakeup: work published, nobody will run it"
            );
        });
    }

    /// Two submitters race for the single spinning token: at most one wins.
    #[test]
    fn loom_one_wake_per_token() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            idle.p_idled();
            let t = {
                let idle = idle.clone();
                thread::spawn(move || idle.claim_spinner())
            };
            let a = idle.claim_spinner();
            let b = t.join().unwrap();
            assert!(!(a && b), "two spinners woken for one idle P");
            assert!(a || b);
        });
    }
}
