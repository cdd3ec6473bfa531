//! Parking an idle M and handing it a P (Go's `stopm` / `startm` with `notesleep` /
//! `notewakeup` on `m.park`).
//!
//! An M with nothing to do puts itself on the idle-M list and sleeps in [`Parker::park`]. A
//! waker takes it off the list and calls [`Parker::grant`] with the P it should run (and
//! whether it starts spinning). The grant is state, not a signal: a grant made before the M
//! reaches `park` is found there at once, so no wakeup is lost. `shutdown` releases the M
//! with no P, and it exits.

use crate::loom::{Condvar, Mutex};

/// What a parked M is handed: a P to run, and whether it starts as a spinning M.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) p: usize,
    pub(crate) spinning: bool,
}

#[derive(Default)]
struct State {
    grant: Option<Grant>,
    shutdown: bool,
}

/// One M's parking spot.
pub(crate) struct Parker {
    state: Mutex<State>,
    cv: Condvar,
}

impl Parker {
    pub(crate) fn new() -> Self {
        Parker {
            state: Mutex::new(State::default()),
            cv: Condvar::new(),
        }
    }

    /// Sleeps until granted a P (`Some`) or told to shut down (`None`).
    pub(crate) fn park(&self) -> Option<Grant> {
        let mut s = self.state.lock().unwrap();
        loop {
            if let Some(g) = s.grant.take() {
                return Some(g);
            }
            if s.shutdown {
                return None;
            }
            s = self.cv.wait(s).unwrap();
        }
    }

    /// Hands the M a P and wakes it.
    pub(crate) fn grant(&self, g: Grant) {
        let mut s = self.state.lock().unwrap();
        debug_assert!(s.grant.is_none(), "an M was granted two Ps");
        s.grant = Some(g);
        drop(s);
        self.cv.notify_one();
    }

    /// Releases the M for good.
    pub(crate) fn shutdown(&self) {
        self.state.lock().unwrap().shutdown = true;
        self.cv.notify_one();
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// A grant racing the M on its way to sleep is never lost.
    #[test]
    fn loom_grant_before_or_after_park() {
        loom::model(|| {
            let parker = Arc::new(Parker::new());
            let m = {
                let parker = parker.clone();
                thread::spawn(move || parker.park())
            };
            parker.grant(Grant {
                p: 3,
                spinning: true,
            });
            assert_eq!(
                m.join().unwrap(),
                Some(Grant {
                    p: 3,
                    spinning: true
                })
            );
        });
    }

    /// Shutdown releases a parked M with no P.
    #[test]
    fn loom_shutdown_releases() {
        loom::model(|| {
            let parker = Arc::new(Parker::new());
            let m = {
                let parker = parker.clone();
                thread::spawn(move || parker.park())
            };
            parker.shutdown();
            assert_eq!(m.join().unwrap(), None);
        });
    }
}
