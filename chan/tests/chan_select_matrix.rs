//! An oracle test of `select!` semantics over every combination of up to three cases (Go's
//! test/chan/select5.go generates such combinations): each case is a receive or a send on a
//! cap-1 channel that is ready, not ready, closed or disabled, with and without `default`.
//! The select must pick a ready case (never a disabled or blocked one), change only the chosen
//! channel, take `default` exactly when nothing is ready, and otherwise stay pending and,
//! once dropped, leave every channel as it was.

use futures::task::noop_waker_ref;
use gorust_chan::{Receiver, Sender, TryRecvError, make, select};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    RecvReady,
    RecvEmpty,
    RecvClosed,
    SendReady,
    SendFull,
    SendClosed,
    Disabled,
}

const KINDS: [Kind; 7] = [
    Kind::RecvReady,
    Kind::RecvEmpty,
    Kind::RecvClosed,
    Kind::SendReady,
    Kind::SendFull,
    Kind::SendClosed,
    Kind::Disabled,
];

struct Case {
    kind: Kind,
    tx: Sender<u32>,
    rx: Receiver<u32>,
}

impl Case {
    fn new(kind: Kind, k: u32) -> Case {
        let (tx, rx) = make::<u32>(1);
        match kind {
            Kind::RecvReady | Kind::SendFull => tx.try_send(100 + k).unwrap(),
            Kind::RecvClosed | Kind::SendClosed => tx.close().unwrap(),
            _ => {}
        }
        Case { kind, tx, rx }
    }
    fn recv_on(&self) -> bool {
        matches!(
            self.kind,
            Kind::RecvReady | Kind::RecvEmpty | Kind::RecvClosed
        )
    }
    fn send_on(&self) -> bool {
        matches!(
            self.kind,
            Kind::SendReady | Kind::SendFull | Kind::SendClosed
        )
    }
    fn ready(&self) -> bool {
        matches!(
            self.kind,
            Kind::RecvReady | Kind::RecvClosed | Kind::SendReady | Kind::SendClosed
        )
    }
    /// What the channel holds now: `Some(v)`, empty, or closed.
    fn state(&self) -> Result<u32, TryRecvError> {
        let r = self.rx.try_recv();
        if let Ok(v) = r {
            // Put it back so the state is unchanged by looking.
            self.tx.try_send(v).unwrap();
        }
        r
    }
}

/// Branch `2k` receives on case `k`, branch `2k + 1` sends `200 + k` on it.
const DEFAULT: usize = usize::MAX;

fn run_select(cases: &[Case], with_default: bool) -> Poll<(usize, String)> {
    let c = cases;
    let mut cx = Context::from_waker(noop_waker_ref());
    macro_rules! poll {
        ($fut:expr) => {{
            let mut f = pin!($fut);
            f.as_mut().poll(&mut cx)
        }};
    }
    match (c.len(), with_default) {
        (1, false) => poll!(async {
            select! {
                v = c[0].rx.recv(), if c[0].recv_on() => (0, format!("{v:?}")),
                r = c[0].tx.send(200), if c[0].send_on() => (1, format!("{r:?}")),
            }
        }),
        (1, true) => poll!(async {
            select! {
                v = c[0].rx.recv(), if c[0].recv_on() => (0, format!("{v:?}")),
                r = c[0].tx.send(200), if c[0].send_on() => (1, format!("{r:?}")),
                default => (DEFAULT, String::new()),
            }
        }),
        (2, false) => poll!(async {
            select! {
                v = c[0].rx.recv(), if c[0].recv_on() => (0, format!("{v:?}")),
                r = c[0].tx.send(200), if c[0].send_on() => (1, format!("{r:?}")),
                v = c[1].rx.recv(), if c[1].recv_on() => (2, format!("{v:?}")),
                r = c[1].tx.send(201), if c[1].send_on() => (3, format!("{r:?}")),
            }
        }),
        (2, true) => poll!(async {
            select! {
                v = c[0].rx.recv(), if c[0].recv_on() => (0, format!("{v:?}")),
                r = c[0].tx.send(200), if c[0].send_on() => (1, format!("{r:?}")),
                v = c[1].rx.recv(), if c[1].recv_on() => (2, format!("{v:?}")),
                r = c[1].tx.send(201), if c[1].send_on() => (3, format!("{r:?}")),
                default => (DEFAULT, String::new()),
            }
        }),
        (3, false) => poll!(async {
            select! {
                v = c[0].rx.recv(), if c[0].recv_on() => (0, format!("{v:?}")),
                r = c[0].tx.send(200), if c[0].send_on() => (1, format!("{r:?}")),
                v = c[1].rx.recv(), if c[1].recv_on() => (2, format!("{v:?}")),
                r = c[1].tx.send(201), if c[1].send_on() => (3, format!("{r:?}")),
                v = c[2].rx.recv(), if c[2].recv_on() => (4, format!("{v:?}")),
                r = c[2].tx.send(202), if c[2].send_on() => (5, format!("{r:?}")),
            }
        }),
        _ => poll!(async {
            select! {
                v = c[0].rx.recv(), if c[0].recv_on() => (0, format!("{v:?}")),
                r = c[0].tx.send(200), if c[0].send_on() => (1, format!("{r:?}")),
                v = c[1].rx.recv(), if c[1].recv_on() => (2, format!("{v:?}")),
                r = c[1].tx.send(201), if c[1].send_on() => (3, format!("{r:?}")),
                v = c[2].rx.recv(), if c[2].recv_on() => (4, format!("{v:?}")),
                r = c[2].tx.send(202), if c[2].send_on() => (5, format!("{r:?}")),
                default => (DEFAULT, String::new()),
            }
        }),
    }
}

fn check(kinds: &[Kind], with_default: bool) {
    let cases: Vec<Case> = kinds
        .iter()
        .enumerate()
        .map(|(k, &kind)| Case::new(kind, k as u32))
        .collect();
    let before: Vec<_> = cases.iter().map(Case::state).collect();
    let any_ready = cases.iter().any(Case::ready);
    let r = run_select(&cases, with_default);
    let after: Vec<_> = cases.iter().map(Case::state).collect();
    let ctx = format!("{kinds:?} default={with_default} -> {r:?}");
    match r {
        Poll::Pending => {
            assert!(
                !any_ready && !with_default,
                "{ctx}: pending with a ready case"
            );
            assert_eq!(before, after, "{ctx}: a pending select changed a channel");
        }
        Poll::Ready((DEFAULT, _)) => {
            assert!(
                !any_ready && with_default,
                "{ctx}: default with a ready case"
            );
            assert_eq!(before, after, "{ctx}: default changed a channel");
        }
        Poll::Ready((i, ref out)) => {
            let k = i / 2;
            let case = &cases[k];
            assert!(case.ready(), "{ctx}: chose a case that was not ready");
            assert_eq!(i % 2 == 0, case.recv_on(), "{ctx}: wrong direction");
            let want = match case.kind {
                Kind::RecvReady => format!("Some({})", 100 + k),
                Kind::RecvClosed => "None".to_string(),
                Kind::SendReady => "Ok(())".to_string(),
                Kind::SendClosed => "Err(SendError(..))".to_string(),
                _ => unreachable!(),
            };
            assert_eq!(*out, want, "{ctx}");
            for (j, (b, a)) in before.iter().zip(&after).enumerate() {
                if j != k {
                    assert_eq!(b, a, "{ctx}: case {j} changed but {k} won");
                }
            }
            let expect_after = match case.kind {
                Kind::RecvReady => Err(TryRecvError::Empty),
                Kind::SendReady => Ok(200 + k as u32),
                _ => before[k],
            };
            assert_eq!(after[k], expect_after, "{ctx}: chosen channel state");
        }
    }
}

#[test]
fn every_combination_of_up_to_three_cases() {
    let mut n = 0;
    for with_default in [false, true] {
        for a in KINDS {
            check(&[a], with_default);
            for b in KINDS {
                check(&[a, b], with_default);
                for c in KINDS {
                    check(&[a, b, c], with_default);
                    n += 1;
                }
            }
        }
    }
    assert_eq!(n, 2 * 7 * 7 * 7);
}

/// Repeated over random poll orders: every ready case of a combination gets picked.
#[test]
fn every_ready_case_gets_picked() {
    let kinds = [Kind::RecvReady, Kind::SendReady, Kind::RecvClosed];
    let mut seen = [false; 6];
    for _ in 0..500 {
        let cases: Vec<Case> = kinds
            .iter()
            .enumerate()
            .map(|(k, &kind)| Case::new(kind, k as u32))
            .collect();
        if let Poll::Ready((i, _)) = run_select(&cases, false) {
            seen[i] = true;
        }
    }
    assert_eq!(seen, [true, false, false, true, true, false]);
}
