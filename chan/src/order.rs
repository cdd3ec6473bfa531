//! The order a select tries its branches in: Go's `pollorder` (`runtime/select.go:
//! selectgo`), a fresh uniformly random permutation of the enabled branches on every select,
//! or source order for `biased;`.
//!
//! Drawn lazily (forward Fisher–Yates: step `k` swaps a uniformly chosen one of the `n - k`
//! not yet drawn into place `k`), so a select whose first tried branch is ready pays for one
//! draw, not for the whole permutation. One 64-bit random number serves four draws: a draw
//! among `m` takes 16 bits `r` and picks `(r * m) >> 16` (bias below `m / 65536`, at most
//! 0.1% for the 64 branches a select may have).
//!
//! Invariant: `idx[..drawn]` is the prefix handed out so far; `idx[drawn..n]` the rest, in
//! any order.

use crate::select::MAX_BRANCHES;

/// A lazily drawn poll order; see the module docs.
pub(crate) struct Order {
    idx: [u8; MAX_BRANCHES],
    n: usize,
    drawn: usize,
    biased: bool,
    bits: u64,
    left: u32,
}

impl Order {
    /// The branches with a bit in `enabled` among the first `len`.
    #[inline]
    pub(crate) fn new(enabled: u64, len: usize, biased: bool) -> Order {
        let mut idx = [0u8; MAX_BRANCHES];
        let mut n = 0;
        for i in 0..len {
            if enabled & (1 << i) != 0 {
                idx[n] = i as u8;
                n += 1;
            }
        }
        Order {
            idx,
            n,
            drawn: 0,
            biased: biased || cfg!(loom),
            bits: 0,
            left: 0,
        }
    }

    /// The next branch in poll order, or `None` when all were handed out.
    #[inline]
    pub(crate) fn next(&mut self) -> Option<usize> {
        let k = self.drawn;
        if k == self.n {
            return None;
        }
        let m = self.n - k;
        if !self.biased && m > 1 {
            if self.left == 0 {
                self.bits = fastrand::u64(..);
                self.left = 4;
            }
            let r = self.bits & 0xffff;
            self.bits >>= 16;
            self.left -= 1;
            let j = k + ((r * m as u64) >> 16) as usize;
            self.idx.swap(k, j);
        }
        self.drawn = k + 1;
        Some(self.idx[k] as usize)
    }

    /// The whole permutation (drawing what is left).
    #[inline]
    pub(crate) fn all(&mut self) -> &[u8] {
        while self.next().is_some() {}
        &self.idx[..self.n]
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Order;

    #[test]
    fn permutes_enabled_branches_uniformly() {
        let mut firsts = [0usize; 4];
        let mut seconds = [0usize; 4];
        for _ in 0..40_000 {
            let mut o = Order::new(0b1_0111, 5, false);
            let all = o.all().to_vec();
            let mut sorted = all.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 4]);
            let pos = |b: u8| [0u8, 1, 2, 4].iter().position(|&x| x == b).unwrap();
            firsts[pos(all[0])] += 1;
            seconds[pos(all[1])] += 1;
        }
        for c in firsts.iter().chain(&seconds) {
            assert!(
                (*c as f64 / 10_000.0 - 1.0).abs() < 0.05,
                "{firsts:?} {seconds:?}"
            );
        }
    }

    #[test]
    fn biased_is_source_order_and_lazy_matches_all() {
        let mut o = Order::new(0b1101, 4, true);
        assert_eq!(o.next(), Some(0));
        assert_eq!(o.all(), [0, 2, 3]);
        let mut o = Order::new(0b1111, 4, false);
        let first = o.next().unwrap();
        assert_eq!(o.all()[0] as usize, first);
        assert_eq!(o.next(), None);
    }
}
