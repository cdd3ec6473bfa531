//! Unit tests of the private pieces: the token state machine and the intrusive wait queue.

use crate::token::{Begin, Claim, Token};
use crate::waitq::{Sudog, WaitQ};

#[test]
fn token_claim_and_finish() {
    let t = Token::new();
    assert_eq!(t.try_claim(0), Claim::Busy);
    t.park();
    assert_eq!(t.try_claim(3), Claim::Won);
    assert_eq!(t.try_claim(1), Claim::Dead);
    assert_eq!(
        t.begin(),
        Begin::Won {
            case: 3,
            done: false
        }
    );
    // SAFETY: we won case 3 above.
    assert!(unsafe { t.finish(3) }.is_none());
    assert!(t.is_done(3));
    assert_eq!(
        t.begin(),
        Begin::Won {
            case: 3,
            done: true
        }
    );
    t.reset();
    assert_eq!(t.begin(), Begin::Running);
}

#[test]
fn token_begin_takes_waiting() {
    let t = Token::new();
    t.park();
    assert_eq!(t.begin(), Begin::Running);
    assert_eq!(t.try_claim(0), Claim::Busy);
    t.complete(2);
    assert_eq!(t.try_claim(0), Claim::Dead);
}

#[test]
fn waitq_fifo_skips_busy_and_unlinks_dead() {
    let busy = Token::new();
    let dead = Token::new();
    dead.complete(5);
    let waiting = Token::new();
    waiting.park();
    let (a, b, c) = (
        Sudog::new(Some(1)),
        Sudog::new(Some(2)),
        Sudog::new(Some(3)),
    );
    let mut q = WaitQ::<u32>::new();
    // SAFETY: single-threaded test; the sudogs outlive the queue use and are removed below.
    unsafe {
        q.push_back(&a, &busy, 0, true);
        q.push_back(&b, &dead, 0, true);
        q.push_back(&c, &waiting, 0, true);
        q.push_back(&c, &waiting, 0, true); // already queued: no-op
        let got = q.dequeue().expect("the waiting sudog");
        assert_eq!(*got.slot(), Some(3));
        assert!(got.finish(true).is_none());
        assert!(q.dequeue().is_none()); // only the busy one is left
        q.remove(&a);
        assert!(q.dequeue().is_none());
        q.remove(&b);
    }
}
