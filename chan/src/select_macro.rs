//! The `select!` macro (a `macro_rules!`, as tokio's): parses Go-style and tokio-style
//! branches, then builds a [`Select`](crate::__private::Select) over them.
//!
//! Grammar (each branch in any order, separated by commas where the body is not a block):
//!
//! ```text
//! select! {
//!     biased;                                  // optional, first: source order
//!     <pattern> = <future> [, if <cond>] => <body>,
//!     default => <body>,                       // Go's default: never wait
//!     else => <body>,                          // tokio's else: every branch disabled
//! }
//! ```
//!
//! Expansion: all preconditions are evaluated first, then every future expression (in
//! source order, disabled ones too, as tokio does); channel futures (`recv()` / `send(v)`) are
//! recognized by autoref specialization and join the select's commit token, any other
//! `IntoFuture` is polled as is. The select future and every branch future are dropped before
//! the winning body runs, so the body may use the handles freely; `break`, `continue`,
//! `return` and `?` in a body act on the enclosing function or loop.
//!
//! A branch whose output does not match its pattern is disabled for the rest of this
//! `select!` (a received value is consumed, as in tokio). The pattern is tested with a match
//! guard so its bindings are never moved during the test.

/// Waits on several channel operations and futures at once and runs the body of the one that
/// completes first (Go's `select`, tokio's `select!` syntax).
///
/// Branches: `pattern = future [, if condition] => body`. A `recv()` or `send(v)` branch is a
/// real select case (committed atomically, as Go's); any other future may be a branch too.
/// `default => body` runs at once when nothing is ready (Go's `default`; the select never
/// waits). `else => body` runs when every branch is disabled by its precondition or by a
/// refused pattern (tokio's `else`); with neither, a select whose branches are all disabled
/// waits forever, as Go's `select {}` does. `biased;` first polls in source order instead of
/// a fresh random order. Go's nil channel (a case that never fires) is a branch disabled with
/// `, if false`.
///
/// From tokio: `tokio::select!` code ports by renaming. Differences: a branch with `default`
/// never waits (tokio has no such branch); with no `else` and every branch disabled the
/// select waits forever instead of panicking; `recv()`/`send(v)` branches commit atomically
/// (a losing send did not send, a losing receive took nothing).
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx1, rx1) = gorust_chan::make::<u32>(1);
/// let (tx2, rx2) = gorust_chan::make::<&str>(1);
/// tx2.send("hi").await.unwrap();
/// let got = gorust_chan::select! {
///     v = rx1.recv() => format!("rx1 {v:?}"),
///     Some(s) = rx2.recv() => format!("rx2 {s}"),
/// };
/// assert_eq!(got, "rx2 hi");
///
/// // `default`: never waits.
/// let r = gorust_chan::select! {
///     v = rx1.recv() => v,
///     default => None,
/// };
/// assert_eq!(r, None);
///
/// // Sends are branches too, with preconditions.
/// let ok = gorust_chan::select! {
///     r = tx1.send(5), if true => r.is_ok(),
///     _ = std::future::pending::<()>() => false,
/// };
/// assert!(ok);
/// assert_eq!(rx1.try_recv(), Ok(5));
/// # });
/// ```
///
/// # Cancel safety
///
/// A `select!` is one atomic operation on its channels: exactly one channel branch (or none,
/// if a future branch or `default` won) took effect, and every branch that lost took nothing.
/// If the whole `select!` future is dropped (an outer timeout, an abort), no value is lost or
/// delivered twice: a value a peer had already handed to one of its receive branches goes
/// back to the head of that channel, and a send a peer had already taken counts as delivered.
/// The values of send branches that did not win drop with the select.
///
/// # Panics
///
/// More than 64 branches.
#[macro_export]
macro_rules! select {
    (biased; $($t:tt)*) => {
        $crate::__select_parse!(@(true) () () () () $($t)*)
    };
    ($($t:tt)*) => {
        $crate::__select_parse!(@(false) () () () () $($t)*)
    };
}

/// Internal: the branch muncher of [`select!`]. State: `@(biased) (default) (else) (count)
/// (branches)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // All branches read.
    (@($b:tt) ($($def:tt)*) ($($els:tt)*) ($($n:tt)*) ($($br:tt)*)) => {
        $crate::__select_expand!(($b) ($($def)*) ($($els)*) ($($br)*))
    };
    // default
    (@($b:tt) () ($($els:tt)*) ($($n:tt)*) ($($br:tt)*) default => $h:block, $($r:tt)*) => {
        $crate::__select_parse!(@($b) ({ $h }) ($($els)*) ($($n)*) ($($br)*) $($r)*)
    };
    (@($b:tt) () ($($els:tt)*) ($($n:tt)*) ($($br:tt)*) default => $h:block $($r:tt)*) => {
        $crate::__select_parse!(@($b) ({ $h }) ($($els)*) ($($n)*) ($($br)*) $($r)*)
    };
    (@($b:tt) () ($($els:tt)*) ($($n:tt)*) ($($br:tt)*) default => $h:expr, $($r:tt)*) => {
        $crate::__select_parse!(@($b) ({ $h }) ($($els)*) ($($n)*) ($($br)*) $($r)*)
    };
    (@($b:tt) () ($($els:tt)*) ($($n:tt)*) ($($br:tt)*) default => $h:expr) => {
        $crate::__select_parse!(@($b) ({ $h }) ($($els)*) ($($n)*) ($($br)*))
    };
    // else
    (@($b:tt) ($($def:tt)*) () ($($n:tt)*) ($($br:tt)*) else => $h:block, $($r:tt)*) => {
        $crate::__select_parse!(@($b) ($($def)*) ({ $h }) ($($n)*) ($($br)*) $($r)*)
    };
    (@($b:tt) ($($def:tt)*) () ($($n:tt)*) ($($br:tt)*) else => $h:block $($r:tt)*) => {
        $crate::__select_parse!(@($b) ($($def)*) ({ $h }) ($($n)*) ($($br)*) $($r)*)
    };
    (@($b:tt) ($($def:tt)*) () ($($n:tt)*) ($($br:tt)*) else => $h:expr, $($r:tt)*) => {
        $crate::__select_parse!(@($b) ($($def)*) ({ $h }) ($($n)*) ($($br)*) $($r)*)
    };
    (@($b:tt) ($($def:tt)*) () ($($n:tt)*) ($($br:tt)*) else => $h:expr) => {
        $crate::__select_parse!(@($b) ($($def)*) ({ $h }) ($($n)*) ($($br)*))
    };
    // pattern = future, if cond => body
    (@($b:tt) ($($def:tt)*) ($($els:tt)*) ($($n:tt)*) ($($br:tt)*)
        $p:pat = $f:expr, if $c:expr => $h:block, $($r:tt)*) => {
        $crate::__select_parse!(@($b) ($($def)*) ($($els)*) ($($n)* 1)
            ($($br)* [$($n)*] ($p) ($f) ($c) ({ $h })) $($r)*)
    };
    (@($b:tt) ($($def:tt)*) ($($els:tt)*) ($($n:tt)*) ($($br:tt)*)
        $p:pat = $f:expr, if $c:expr => $h:block $($r:tt)*) => {
        $crate::__select_parse!(@($b) ($($def)*) ($($els)*) ($($n)* 1)
            ($($br)* [$($n)*] ($p) ($f) ($c) ({ $h })) $($r)*)
    };
    (@($b:tt) ($($def:tt)*) ($($els:tt)*) ($($n:tt)*) ($($br:tt)*)
        $p:pat = $f:expr, if $c:expr => $h:expr, $($r:tt)*) => {
        $crate::__select_parse!(@($b) ($($def)*) ($($els)*) ($($n)* 1)
            ($($br)* [$($n)*] ($p) ($f) ($c) ({ $h })) $($r)*)
    };
    (@($b:tt) ($($def:tt)*) ($($els:tt)*) ($($n:tt)*) ($($br:tt)*)
        $p:pat = $f:expr, if $c:expr => $h:expr) => {
        $crate::__select_parse!(@($b) ($($def)*) ($($els)*) ($($n)* 1)
            ($($br)* [$($n)*] ($p) ($f) ($c) ({ $h })))
    };
    // pattern = future => body
    (@($b:tt) ($($def:tt)*) ($($els:tt)*) ($($n:tt)*) ($($br:tt)*)
        $p:pat = $f:expr => $h:block, $($r:tt)*) => {
        $crate::__select_parse!(@($b) ($($def)*) ($($els)*) ($($n)* 1)
            ($($br)* [$($n)*] ($p) ($f) (true) ({ $h })) $($r)*)
    };
    (@($b:tt) ($($def:tt)*) ($($els:tt)*) ($($n:tt)*) ($($br:tt)*)
        $p:pat = $f:expr => $h:block $($r:tt)*) => {
        $crate::__select_parse!(@($b) ($($def)*) ($($els)*) ($($n)* 1)
            ($($br)* [$($n)*] ($p) ($f) (true) ({ $h })) $($r)*)
    };
    (@($b:tt) ($($def:tt)*) ($($els:tt)*) ($($n:tt)*) ($($br:tt)*)
        $p:pat = $f:expr => $h:expr, $($r:tt)*) => {
        $crate::__select_parse!(@($b) ($($def)*) ($($els)*) ($($n)* 1)
            ($($br)* [$($n)*] ($p) ($f) (true) ({ $h })) $($r)*)
    };
    (@($b:tt) ($($def:tt)*) ($($els:tt)*) ($($n:tt)*) ($($br:tt)*)
        $p:pat = $f:expr => $h:expr) => {
        $crate::__select_parse!(@($b) ($($def)*) ($($els)*) ($($n)* 1)
            ($($br)* [$($n)*] ($p) ($f) (true) ({ $h })))
    };
}

/// Internal: the expansion of [`select!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __select_expand {
    (($b:tt) ($($def:tt)*) ($($els:tt)*)
     ($( [$($skip:tt)*] ($p:pat) ($f:expr) ($c:expr) ($h:block) )*)) => {{
        #[allow(unused_imports)]
        use $crate::__private::{ChanKind as _, FutKind as _};
        let __gorust_mask: u64 = 0u64 $( | if $c { 1u64 << (0usize $(+ $skip)*) } else { 0u64 } )*;
        let (__gorust_idx, mut __gorust_outs) = {
            let mut __gorust_sel = ::core::pin::pin!($crate::__private::Select::new(
                $crate::__select_cons!($( ($f ; $p) )*),
                __gorust_mask,
                $b,
                $crate::__select_has!($($def)*),
                $crate::__select_has!($($els)*),
            ));
            let __gorust_idx =
                ::core::future::poll_fn(|__cx| __gorust_sel.as_mut().poll_select(__cx)).await;
            (__gorust_idx, __gorust_sel.as_mut().take_outputs())
        };
        let _ = &mut __gorust_outs;
        match __gorust_idx {
            $(
                __gorust_i if __gorust_i == 0usize $(+ $skip)* => {
                    match __gorust_outs $(. $skip)* .0 .take() {
                        ::core::option::Option::Some($p) => $h,
                        #[allow(unreachable_patterns)]
                        _ => ::core::unreachable!(),
                    }
                }
            )*
            $crate::__private::DEFAULT => $crate::__select_body!($($def)*),
            _ => $crate::__select_body!($($els)*),
        }
    }};
}

/// Internal: builds the branch list `Cons(branch0, Cons(branch1, .. Nil))`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_cons {
    () => { $crate::__private::Nil };
    (($f:expr ; $p:pat) $($rest:tt)*) => {
        $crate::__private::Cons(
            {
                let __gorust_f = $f;
                (&__gorust_f).__gorust_select_kind().wrap(__gorust_f, |__gorust_o| {
                    let mut __gorust_m = false;
                    #[allow(unused_variables, unused_mut, unreachable_patterns, unreachable_code)]
                    match __gorust_o {
                        $p if { __gorust_m = true; false } => ::core::unreachable!(),
                        _ => {}
                    }
                    (__gorust_m, __gorust_o)
                })
            },
            $crate::__select_cons!($($rest)*),
        )
    };
}

/// Internal: `true` if a `default`/`else` body was given.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_has {
    () => {
        false
    };
    ($($t:tt)+) => {
        true
    };
}

/// Internal: a `default`/`else` body, or unreachable when there is none.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_body {
    () => {
        ::core::unreachable!("select! finished without a winning branch")
    };
    ($h:block) => {
        $h
    };
}
