//! The one waiter queue every primitive parks on: Go's `sudog` list of `sema.go` (`semaRoot`
//! queue, `notifyList`), rebuilt for `Waker`s.
//!
//! A waiter is a slot in a slab threaded on a doubly linked FIFO. It is *linked* while it waits
//! and *notified* (carrying a small token: "woken", "handed the lock", ...) once a releaser has
//! unlinked it. The releaser never frees a slot: only the waiter that owns the key does, with
//! [`WaitList::remove`], so a key stays valid for exactly one waiter from `push_*` to `remove`
//! and a releaser can hand a token to a specific waiter (Go's `s.ticket = 1`) that no one else
//! can take. That binding is what makes cancellation sound: a future dropped while linked
//! simply leaves; one dropped after being notified knows it holds the token and passes it on.
//!
//! Invariants (the list is always used under its owner's [`Lock`](crate::loom::Lock)):
//! - `len` counts linked slots; `head`/`tail` are `NIL` iff `len == 0`.
//! - A notified slot is unlinked and keeps its token until `remove`.
//! - Wakers are returned to the caller, who wakes them after dropping the lock.

use std::task::Waker;

/// The handle of one waiter, valid from `push_*` until `remove`.
pub(crate) type Key = usize;

const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Node {
    waker: Option<Waker>,
    prev: usize,
    next: usize,
    /// 0 while linked; the releaser's token once notified.
    token: u32,
    /// Per-primitive payload: wait start, semaphore weight.
    val: u64,
}

#[derive(Debug)]
enum Slot {
    Used(Node),
    Free(usize),
}

/// A FIFO of parked waiters with removal from the middle (see the module docs).
#[derive(Debug)]
pub(crate) struct WaitList {
    slots: Vec<Slot>,
    free: usize,
    head: usize,
    tail: usize,
    len: usize,
}

impl Default for WaitList {
    fn default() -> Self {
        WaitList::new()
    }
}

impl WaitList {
    /// An empty list (no allocation until the first waiter).
    pub(crate) const fn new() -> WaitList {
        WaitList {
            slots: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }

    /// The number of linked (still waiting) waiters.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no waiter is linked.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn node(&self, key: Key) -> &Node {
        match &self.slots[key] {
            Slot::Used(n) => n,
            Slot::Free(_) => unreachable!("waitlist: stale key"),
        }
    }

    fn node_mut(&mut self, key: Key) -> &mut Node {
        match &mut self.slots[key] {
            Slot::Used(n) => n,
            Slot::Free(_) => unreachable!("waitlist: stale key"),
        }
    }

    fn alloc(&mut self, waker: &Waker, val: u64) -> Key {
        let node = Node {
            waker: Some(waker.clone()),
            prev: NIL,
            next: NIL,
            token: 0,
            val,
        };
        if self.free != NIL {
            let key = self.free;
            self.free = match self.slots[key] {
                Slot::Free(next) => next,
                Slot::Used(_) => unreachable!("waitlist: free list corrupt"),
            };
            self.slots[key] = Slot::Used(node);
            key
        } else {
            self.slots.push(Slot::Used(node));
            self.slots.len() - 1
        }
    }

    /// Parks a new waiter at the tail (FIFO) and returns its key.
    pub(crate) fn push_back(&mut self, waker: &Waker, val: u64) -> Key {
        let key = self.alloc(waker, val);
        let tail = self.tail;
        self.node_mut(key).prev = tail;
        if tail == NIL {
            self.head = key;
        } else {
            self.node_mut(tail).next = key;
        }
        self.tail = key;
        self.len += 1;
        key
    }

    /// Parks a new waiter at the head (Go's `queueLifo` for a woken mutex waiter that lost).
    pub(crate) fn push_front(&mut self, waker: &Waker, val: u64) -> Key {
        let key = self.alloc(waker, val);
        let head = self.head;
        self.node_mut(key).next = head;
        if head == NIL {
            self.tail = key;
        } else {
            self.node_mut(head).prev = key;
        }
        self.head = key;
        self.len += 1;
        key
    }

    /// The oldest linked waiter.
    #[inline]
    pub(crate) fn front(&self) -> Option<Key> {
        (self.head != NIL).then_some(self.head)
    }

    /// The payload a waiter was pushed with.
    #[inline]
    pub(crate) fn val(&self, key: Key) -> u64 {
        self.node(key).val
    }

    fn unlink(&mut self, key: Key) {
        let (prev, next) = {
            let n = self.node(key);
            (n.prev, n.next)
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.node_mut(prev).next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.node_mut(next).prev = prev;
        }
        let n = self.node_mut(key);
        n.prev = NIL;
        n.next = NIL;
        self.len -= 1;
    }

    /// Unlinks a linked waiter, hands it `token` (non-zero) and returns its waker to wake.
    pub(crate) fn notify(&mut self, key: Key, token: u32) -> Option<Waker> {
        debug_assert!(token != 0);
        debug_assert_eq!(self.node(key).token, 0, "waitlist: notified twice");
        self.unlink(key);
        let n = self.node_mut(key);
        n.token = token;
        n.waker.take()
    }

    /// Notifies the oldest waiter, if any.
    pub(crate) fn notify_front(&mut self, token: u32) -> Option<Waker> {
        let key = self.front()?;
        self.notify(key, token)
    }

    /// Notifies every linked waiter, pushing their wakers onto `out`.
    pub(crate) fn notify_all(&mut self, token: u32, out: &mut Vec<Waker>) {
        while let Some(key) = self.front() {
            if let Some(w) = self.notify(key, token) {
                out.push(w);
            }
        }
    }

    /// The waiter's token: `None` while it is still linked, `Some(token)` once notified.
    #[inline]
    pub(crate) fn token(&self, key: Key) -> Option<u32> {
        let t = self.node(key).token;
        (t != 0).then_some(t)
    }

    /// Replaces a linked waiter's waker unless the stored one would wake the same task.
    pub(crate) fn register(&mut self, key: Key, waker: &Waker) {
        let n = self.node_mut(key);
        match &n.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => n.waker = Some(waker.clone()),
        }
    }

    /// Frees a waiter's slot. Returns its token if it had been notified, `None` if it was still
    /// linked (it is unlinked here).
    pub(crate) fn remove(&mut self, key: Key) -> Option<u32> {
        let token = self.node(key).token;
        if token == 0 {
            self.unlink(key);
        }
        self.slots[key] = Slot::Free(self.free);
        self.free = key;
        (token != 0).then_some(token)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_lifo_remove_and_reuse() {
        let w = Waker::noop();
        let mut l = WaitList::new();
        let a = l.push_back(w, 1);
        let b = l.push_back(w, 2);
        let c = l.push_front(w, 3);
        assert_eq!(l.len(), 3);
        assert_eq!(l.front(), Some(c));
        assert!(l.notify_front(7).is_some());
        assert_eq!(l.token(c), Some(7));
        assert_eq!(l.token(a), None);
        assert_eq!(l.remove(a), None);
        assert_eq!(l.front(), Some(b));
        assert_eq!(l.val(b), 2);
        assert_eq!(l.remove(c), Some(7));
        let d = l.push_back(w, 4);
        assert!(d == a || d == c, "slots are reused");
        let mut out = Vec::new();
        l.notify_all(1, &mut out);
        assert_eq!(out.len(), 2);
        assert!(l.is_empty());
        assert_eq!(l.remove(b), Some(1));
        assert_eq!(l.remove(d), Some(1));
    }
}
