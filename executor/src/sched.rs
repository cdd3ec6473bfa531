//! The scheduler's shared state: the Ps, the global run queue, the idle-P and idle-M lists,
//! and the operations on them that any M may call (Go's `schedt` and `runtime/proc.go:
//! globrunqput, globrunqget, pidleget, pidleput, wakep, startm, stopm`).
//!
//! ```text
//! Shared
//!   ps[0..procs]        P: runq (runnext + 256-slot ring), schedtick, status
//!   sched: Mutex        global runq (VecDeque), idle Ps (pidle), idle Ms (midle)
//!   runqsize            atomic mirror of the global runq length (lock-free emptiness check)
//!   idle                nmspinning / npidle / needspinning (see idle.rs)
//!   driver              where one idle M sleeps until the earliest timer, watching the
//!                       network only while every P is idle (see driver.rs)
//!   registry            live tasks (see registry.rs)
//!   blocking            the spawn_blocking pool (see blocking.rs)
//! ```
//!
//! Lock order: `sched` before a `Parker`'s lock; nothing else is taken under `sched`.
//! The global queue and the idle-P list share the lock on purpose: an M that releases its P
//! re-checks the global queue under the same lock a submitter pushes under, so a push either
//! happens before the re-check (and is seen) or after the P is on the idle list (and the
//! submitter's `wakep` sees an idle P). That closes the lost-wakeup window for global work.

use std::collections::VecDeque;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use crate::blocking::BlockingPool;
use crate::driver::Driver;
use crate::idle::Idle;
use crate::park::{Grant, Parker};
use crate::registry::Registry;
use crate::runq::{RUNQ_CAP, RunQueue};
use crate::task::{Id, Runnable};

/// A P is on the idle list.
pub(crate) const P_IDLE: u8 = 0;
/// A P is held by an M.
pub(crate) const P_RUNNING: u8 = 1;

/// Every this many ticks a P takes one task from the global queue before its own (Go's 61).
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 61;

/// A processor: the resources an M needs to run Go code (here: tasks).
pub(crate) struct P {
    pub(crate) runq: RunQueue<Runnable>,
    /// Incremented for every task started with a fresh time slice (not for runnext
    /// successors). Written by the owner, read by sysmon.
    pub(crate) schedtick: AtomicU32,
    pub(crate) status: AtomicU8,
    /// This P's timer heap (Go's `pp.timers`).
    pub(crate) timers: Arc<gorust_timer::driver::Timers>,
    /// Task ids reserved for this P, `[next, end)` (Go's `goidcache`): spawns on a P take
    /// ids without touching the global counter. Written by the owner only.
    goid_next: AtomicU64,
    goid_end: AtomicU64,
    /// Tasks spawned on this P (owner-written; summed for metrics).
    pub(crate) spawned: AtomicU64,
    /// Tasks whose future was dropped on this P's M (summed for metrics).
    finished: AtomicU64,
}

/// Ids a P reserves from the global counter at a time (Go's `_GoidCacheBatch`).
const GOID_BATCH: u64 = 16;

/// Runtime configuration fixed at build time.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) thread_name: String,
    pub(crate) stack_size: Option<usize>,
    pub(crate) max_blocking_threads: usize,
    pub(crate) blocking_keep_alive: std::time::Duration,
    /// `GORUST_DEBUG=schedtrace=N`: print the SCHED line every N (ms).
    pub(crate) schedtrace: Option<std::time::Duration>,
}

/// Counters for metrics and tests.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) spawned: AtomicU64,
    pub(crate) finished: AtomicU64,
    pub(crate) steals: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) threads_started: AtomicU64,
}

struct Sched {
    runq: VecDeque<Runnable>,
    pidle: Vec<usize>,
    midle: Vec<Arc<Parker>>,
}

/// The state all Ms of one runtime share.
pub(crate) struct Shared {
    pub(crate) procs: usize,
    pub(crate) ps: Box<[P]>,
    sched: Mutex<Sched>,
    runqsize: AtomicUsize,
    pub(crate) idle: Idle,
    shutdown: AtomicBool,
    pub(crate) registry: Registry,
    pub(crate) blocking: BlockingPool,
    pub(crate) driver: Driver,
    threads: Mutex<Vec<thread::JoinHandle<()>>>,
    pub(crate) stats: Stats,
    pub(crate) config: Config,
    steal_order: RandomOrder,
    /// The `block_on` calls running on this runtime (their main's wake state): shutdown wakes
    /// them and waits for them to leave before it drains the queues they own.
    block_ons: Mutex<Vec<(u64, Arc<crate::main_task::MainWake>)>>,
    block_on_left: std::sync::Condvar,
    next_block_on: AtomicU64,
}

/// Keeps a `block_on` registered with its runtime while it runs (see `Shared::block_ons`).
pub(crate) struct BlockOnGuard<'a> {
    shared: &'a Shared,
    key: u64,
}

impl Drop for BlockOnGuard<'_> {
    fn drop(&mut self) {
        let mut b = self
            .shared
            .block_ons
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        b.retain(|(k, _)| *k != self.key);
        drop(b);
        self.shared.block_on_left.notify_all();
    }
}

static NEXT_TASK_ID: AtomicU64 = AtomicU64::new(1);

impl Shared {
    pub(crate) fn new(procs: usize, config: Config) -> std::io::Result<Arc<Shared>> {
        let driver = Driver::new()?;
        Ok(Arc::new_cyclic(|weak: &std::sync::Weak<Shared>| {
            let wake: Arc<dyn gorust_timer::driver::WakeDriver> =
                Arc::new(crate::driver::TimerWake(weak.clone()));
            let ps: Box<[P]> = (0..procs)
                .map(|_| P {
                    runq: RunQueue::new(),
                    schedtick: AtomicU32::new(0),
                    status: AtomicU8::new(P_IDLE),
                    timers: Arc::new(gorust_timer::driver::Timers::new(wake.clone())),
                    goid_next: AtomicU64::new(0),
                    goid_end: AtomicU64::new(0),
                    spawned: AtomicU64::new(0),
                    finished: AtomicU64::new(0),
                })
                .collect();
            let idle = Idle::new(procs);
            for _ in 0..procs {
                idle.p_idled();
            }
            Shared {
                procs,
                ps,
                // P0 last, so it is handed out first (Go's main runs on P0).
                sched: Mutex::new(Sched {
                    runq: VecDeque::new(),
                    pidle: (0..procs).rev().collect(),
                    midle: Vec::new(),
                }),
                runqsize: AtomicUsize::new(0),
                idle,
                shutdown: AtomicBool::new(false),
                registry: Registry::new(),
                blocking: BlockingPool::new(
                    config.max_blocking_threads,
                    config.blocking_keep_alive,
                ),
                driver,
                threads: Mutex::new(Vec::new()),
                stats: Stats::default(),
                steal_order: RandomOrder::new(procs),
                config,
                block_ons: Mutex::new(Vec::new()),
                block_on_left: std::sync::Condvar::new(),
                next_block_on: AtomicU64::new(0),
            }
        }))
    }

    fn lock(&self) -> MutexGuard<'_, Sched> {
        // The scheduler never panics while holding the lock; recover the data if a panic in a
        // foreign Drop (run while dropping a Runnable elsewhere) ever poisoned it.
        self.sched.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh task id and a spawn count for it. `p` is the P the caller holds (its owner),
    /// whose id cache is used; `None` takes one id from the global counter.
    pub(crate) fn next_task_id(&self, p: Option<usize>) -> Id {
        let n = match p {
            Some(p) => {
                let pp = &self.ps[p];
                pp.spawned.store(pp.spawned.load(Relaxed) + 1, Relaxed);
                let mut next = pp.goid_next.load(Relaxed);
                if next == pp.goid_end.load(Relaxed) {
                    next = NEXT_TASK_ID.fetch_add(GOID_BATCH, Relaxed);
                    pp.goid_end.store(next + GOID_BATCH, Relaxed);
                }
                pp.goid_next.store(next + 1, Relaxed);
                next
            }
            None => {
                self.stats.spawned.fetch_add(1, Relaxed);
                NEXT_TASK_ID.fetch_add(1, Relaxed)
            }
        };
        Id(std::num::NonZeroU64::new(n).expect("task id counter overflowed u64"))
    }

    /// Counts a task whose future was just dropped, on the current P's counter when this
    /// thread holds one (no shared cache line on the hot path).
    pub(crate) fn task_finished(&self) {
        match gorust_hooks::proc::current() {
            Some(p) if p < self.procs => self.ps[p].finished.fetch_add(1, Relaxed),
            _ => self.stats.finished.fetch_add(1, Relaxed),
        };
    }

    /// Tasks spawned whose future has not been dropped yet.
    pub(crate) fn alive(&self) -> u64 {
        let finished = self.stats.finished.load(Relaxed)
            + self
                .ps
                .iter()
                .map(|p| p.finished.load(Relaxed))
                .sum::<u64>();
        self.spawned().saturating_sub(finished)
    }

    /// Tasks spawned so far.
    pub(crate) fn spawned(&self) -> u64 {
        self.stats.spawned.load(Relaxed)
            + self.ps.iter().map(|p| p.spawned.load(Relaxed)).sum::<u64>()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Relaxed)
    }

    // ----- global run queue (Go's sched.runq) -------------------------------------------

    /// Length of the global queue (a snapshot).
    pub(crate) fn global_len(&self) -> usize {
        self.runqsize.load(Acquire)
    }

    /// Puts a task woken from outside any M on the global queue and wakes an idle M.
    pub(crate) fn inject(self: &Arc<Self>, r: Runnable) {
        {
            let mut g = self.lock();
            g.runq.push_back(r);
            self.runqsize.store(g.runq.len(), Release);
        }
        self.wakep();
        self.drop_if_drained();
    }

    /// Puts a batch (a ring overflow) on the global queue in one lock and wakes an idle M.
    pub(crate) fn inject_batch(self: &Arc<Self>, batch: Vec<Runnable>) {
        {
            let mut g = self.lock();
            g.runq.extend(batch);
            self.runqsize.store(g.runq.len(), Release);
        }
        self.wakep();
        self.drop_if_drained();
    }

    /// A push that raced the shutdown drain (a foreign thread's spawn or wake, delayed past
    /// the drain's last look) would sit in a queue nobody reads: once the drain has begun,
    /// the pusher drops what is queued itself. The drain closes the registry before it takes
    /// the queue's lock, and the push held that lock: either the drain saw the task, or this
    /// load sees the registry closed. Dropping twice is impossible (both pop under the lock).
    pub(crate) fn drop_if_drained(&self) {
        if self.registry.is_closed() {
            for t in self.drain_global() {
                drop(t);
            }
        }
    }

    /// Takes one task from the global queue (the every-61-ticks fairness path).
    pub(crate) fn global_get_one(&self) -> Option<Runnable> {
        if self.global_len() == 0 {
            return None;
        }
        let mut g = self.lock();
        let r = g.runq.pop_front();
        self.runqsize.store(g.runq.len(), Release);
        r
    }

    /// Takes a batch from the global queue for P `p`: one to run, the rest into its (empty)
    /// ring. The batch is `min(len, len/procs + 1, RUNQ_CAP/2)`, so one P cannot hoard it.
    /// Go's `globrunqgetbatch`.
    pub(crate) fn global_get_batch(&self, p: usize) -> Option<Runnable> {
        if self.global_len() == 0 {
            return None;
        }
        let mut g = self.lock();
        self.take_batch_locked(&mut g, p)
    }

    fn take_batch_locked(&self, g: &mut Sched, p: usize) -> Option<Runnable> {
        let len = g.runq.len();
        let n = len.min(len / self.procs + 1).min(RUNQ_CAP / 2);
        let first = g.runq.pop_front();
        if n > 1 {
            let rest: Vec<Runnable> = g.runq.drain(..n - 1).collect();
            let back = self.ps[p].runq.push_batch(rest.into_iter());
            for r in back.into_iter().rev() {
                g.runq.push_front(r);
            }
        }
        self.runqsize.store(g.runq.len(), Release);
        first
    }

    /// Removes everything from the global queue (shutdown).
    pub(crate) fn drain_global(&self) -> Vec<Runnable> {
        let mut g = self.lock();
        let out: Vec<Runnable> = g.runq.drain(..).collect();
        self.runqsize.store(0, Release);
        out
    }

    // ----- idle Ps ------------------------------------------------------------------------

    /// Takes an idle P, if any (Go's `pidleget`).
    pub(crate) fn pidleget(&self) -> Option<usize> {
        if self.idle.idle_ps() == 0 {
            return None;
        }
        let p = self.pidleget_locked(&mut self.lock());
        if p.is_some() {
            self.break_poller();
        }
        p
    }

    /// A P has just been taken, so some P runs: the M blocked in the poller must stop
    /// watching the network, or the events the running P's tasks cause would wake it onto that
    /// P's core (see driver.rs). Break it out; it comes back watching timers only, and the
    /// running Ms poll the network themselves.
    fn break_poller(&self) {
        if self.driver.watching_network() {
            self.driver.unpark();
        }
    }

    fn pidleget_locked(&self, g: &mut Sched) -> Option<usize> {
        let p = g.pidle.pop()?;
        self.idle.p_taken();
        self.ps[p].status.store(P_RUNNING, Release);
        Some(p)
    }

    /// An M with nothing to run gives up P `p`, unless the global queue has work (returned
    /// to run, P kept) or a spinner is wanted (`Err(())`: keep the P and spin).
    /// The global re-check happens under the same lock as pushes (see the module doc).
    pub(crate) fn release_p(
        &self,
        p: usize,
        spinning: bool,
    ) -> Result<Option<Runnable>, NeedSpinning> {
        let mut g = self.lock();
        if !g.runq.is_empty() {
            return Ok(Some(
                self.take_batch_locked(&mut g, p)
                    .expect("non-empty global queue"),
            ));
        }
        if !spinning && self.idle.take_need_spinning() {
            return Err(NeedSpinning);
        }
        self.ps[p].status.store(P_IDLE, Release);
        g.pidle.push(p);
        self.idle.p_idled();
        Ok(None)
    }

    /// Puts P `p` back on the idle list without any checks (shutdown, failed thread start).
    pub(crate) fn pidleput(&self, p: usize) {
        let mut g = self.lock();
        self.ps[p].status.store(P_IDLE, Release);
        g.pidle.push(p);
        self.idle.p_idled();
    }

    // ----- waking and parking Ms ----------------------------------------------------------

    /// Makes sure some M will look for the work just published: if a P is idle and nobody is
    /// spinning, start a spinning M on it (Go's `wakep`). Called after every submit that
    /// added stealable work.
    pub(crate) fn wakep(self: &Arc<Self>) {
        if !self.idle.claim_spinner() {
            return;
        }
        // We hold the spinning token: find a P for it.
        let p = {
            let mut g = self.lock();
            let p = self.pidleget_locked(&mut g);
            if p.is_none() {
                self.idle.set_need_spinning();
            }
            p
        };
        match p {
            Some(p) => {
                self.break_poller();
                self.startm(p, true)
            }
            None => {
                self.idle.stop_spinning();
            }
        }
    }

    /// Runs P `p` on an idle M, or on a new thread (Go's `startm`).
    pub(crate) fn startm(self: &Arc<Self>, p: usize, spinning: bool) {
        let m = {
            let mut g = self.lock();
            if self.is_shutdown() {
                drop(g);
                self.undo_start(p, spinning);
                return;
            }
            g.midle.pop()
        };
        let grant = Grant { p, spinning };
        match m {
            Some(m) => m.grant(grant),
            None => self.new_m(grant),
        }
    }

    fn undo_start(&self, p: usize, spinning: bool) {
        self.pidleput(p);
        if spinning {
            self.idle.stop_spinning();
        }
        // The P we took may have broken the holder out of the network; it is idle again.
        self.rewatch_network_if_all_idle();
    }

    /// Every P may have just become idle: if tasks wait on I/O, tell the driver's holder to
    /// come round (it then watches the network, see driver.rs). Returns false when nobody
    /// holds the driver (the caller decides whether to start an M).
    pub(crate) fn rewatch_network_if_all_idle(&self) -> bool {
        if !self.driver.reactor.has_waiters() || !self.idle.all_ps_idle() {
            return true;
        }
        if self.driver.is_held() {
            // Unconditionally: the holder may have published Network and be about to downgrade
            // it (a coalesced extra wake costs nothing).
            self.driver.unpark();
            return true;
        }
        false
    }

    /// Starts a new M (OS thread) that begins by running `grant`.
    fn new_m(self: &Arc<Self>, grant: Grant) {
        let shared = self.clone();
        let mut b = thread::Builder::new().name(self.config.thread_name.clone());
        if let Some(s) = self.config.stack_size {
            b = b.stack_size(s);
        }
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        if self.is_shutdown() {
            drop(threads);
            self.undo_start(grant.p, grant.spinning);
            return;
        }
        match b.spawn(move || crate::worker::m_main(shared, grant)) {
            Ok(h) => {
                self.stats.threads_started.fetch_add(1, Relaxed);
                threads.retain(|h| !h.is_finished());
                threads.push(h);
            }
            Err(_) => {
                // Out of threads: the P goes back; the work stays queued for the running Ms.
                drop(threads);
                self.undo_start(grant.p, grant.spinning);
            }
        }
    }

    /// Parks the calling M (holding no P) until it is granted one, or `None` at shutdown
    /// (Go's `stopm`).
    pub(crate) fn stopm(&self, parker: &Arc<Parker>) -> Option<Grant> {
        {
            let mut g = self.lock();
            if self.is_shutdown() {
                return None;
            }
            g.midle.push(parker.clone());
        }
        self.stats.parks.fetch_add(1, Relaxed);
        parker.park()
    }

    /// Go's `SCHED` line (`GODEBUG=schedtrace`), for `GORUST_DEBUG=schedtrace=N`.
    pub(crate) fn sched_line(&self, since_start: std::time::Duration) -> String {
        let idle_ms = self.lock().midle.len();
        let threads = self.stats.threads_started.load(Relaxed);
        let queues: Vec<String> = self.ps.iter().map(|p| p.runq.len().to_string()).collect();
        format!(
            "SCHED {}ms: gomaxprocs={} idleprocs={} threads={} spinningthreads={} idlethreads={} runqueue={} parked={} [{}]",
            since_start.as_millis(),
            self.procs,
            self.idle.idle_ps(),
            threads,
            self.idle.spinning(),
            idle_ms,
            self.global_len(),
            self.registry.live(),
            queues.join(" ")
        )
    }

    /// The order a thief visits the other Ps in, starting from a random point.
    pub(crate) fn steal_order(&self, seed: u32) -> impl Iterator<Item = usize> + '_ {
        self.steal_order.start(seed)
    }

    // ----- shutdown -----------------------------------------------------------------------

    /// Registers a running `block_on` (its main's wake state) until the guard drops.
    pub(crate) fn register_block_on(
        &self,
        main: Arc<crate::main_task::MainWake>,
    ) -> BlockOnGuard<'_> {
        let key = self.next_block_on.fetch_add(1, Relaxed);
        self.block_ons
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((key, main));
        BlockOnGuard { shared: self, key }
    }

    /// Waits until every `block_on` on another thread has left (they were woken by
    /// `begin_shutdown` and see the flag at their next turn).
    pub(crate) fn wait_for_block_ons(&self) {
        let me = thread::current().id();
        let mut b = self.block_ons.lock().unwrap_or_else(|e| e.into_inner());
        while b.iter().any(|(_, w)| w.thread_id() != me) {
            b = self
                .block_on_left
                .wait(b)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Stops every M and returns their threads to join. After this no M runs tasks.
    pub(crate) fn begin_shutdown(&self) -> Vec<thread::JoinHandle<()>> {
        self.shutdown.store(true, SeqCst);
        // `block_on` threads are Ms too: wake their mains so they see the flag.
        let mains: Vec<_> = self
            .block_ons
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(_, w)| w.clone())
            .collect();
        for w in mains {
            std::task::Wake::wake_by_ref(&w);
        }
        let ms: Vec<Arc<Parker>> = self.lock().midle.drain(..).collect();
        for m in ms {
            m.shutdown();
        }
        self.driver.unpark();
        std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// `release_p` found that a spinner is wanted: the M keeps its P and spins.
#[derive(Debug)]
pub(crate) struct NeedSpinning;

/// Visits `0..n` in a pseudo-random order without allocating: start anywhere, step by a
/// number coprime with `n` (Go's `randomOrder`).
struct RandomOrder {
    n: usize,
    coprimes: Vec<usize>,
}

impl RandomOrder {
    fn new(n: usize) -> Self {
        fn gcd(mut a: usize, mut b: usize) -> usize {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        }
        RandomOrder {
            n,
            coprimes: (1..=n).filter(|&i| gcd(i, n) == 1).collect(),
        }
    }

    fn start(&self, seed: u32) -> impl Iterator<Item = usize> + '_ {
        let r = seed as usize;
        let mut pos = r % self.n;
        let inc = self.coprimes[(r / self.n) % self.coprimes.len()];
        (0..self.n).map(move |_| {
            let cur = pos;
            pos = (pos + inc) % self.n;
            cur
        })
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::RandomOrder;

    #[test]
    fn random_order_visits_each_once() {
        for n in 1..20 {
            let o = RandomOrder::new(n);
            for seed in [0u32, 1, 7, 12345, u32::MAX] {
                let mut v: Vec<usize> = o.start(seed).collect();
                v.sort_unstable();
                assert_eq!(v, (0..n).collect::<Vec<_>>(), "n={n} seed={seed}");
            }
        }
    }
}
