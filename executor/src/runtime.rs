//! [`Runtime`], [`Builder`] and [`Handle`]: creating, entering and dropping a gorust runtime.
//!
//! A runtime is `procs` Ps (Go's GOMAXPROCS), Ms (threads) started on demand to run them, a
//! sysmon thread and a blocking pool. Nothing runs until there is work: the first spawn
//! starts an M; `block_on` makes the calling thread an M (Go's M0) holding a P for main.
//!
//! Dropping a [`Runtime`] shuts it down: it stops and joins every thread it started, then
//! drops every task's future exactly once (queued tasks directly; parked tasks after waking
//! them through the live-task registry), so no thread is left behind and every `Drop` runs.

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::pin::pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use crate::context;
use crate::main_task::MainTask;
use crate::sched::{Config, Shared};
use crate::sysmon::{self, SysmonStop};
use crate::task::JoinHandle;
use crate::worker::{self, M};

/// The most Ps a runtime may have. Each P costs a 256-slot ring and a timer heap; a larger
/// request is almost certainly a mistake (a typo, a unit error) and is refused.
pub const MAX_PROCS: usize = 1024;

/// The environment variable that sets the default number of Ps (Go's `GOMAXPROCS`).
pub const MAXPROCS_ENV: &str = "GORUST_MAXPROCS";

/// Configures and builds a [`Runtime`].
///
/// The number of Ps comes from, in order: [`Builder::procs`], the `GORUST_MAXPROCS`
/// environment variable, the machine's available parallelism.
///
/// # Examples
///
/// ```
/// use gorust_executor::runtime::Builder;
///
/// let rt = Builder::new().procs(2).thread_name("my-worker").build().unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
#[derive(Clone)]
pub struct Builder {
    procs: Option<usize>,
    thread_name: String,
    stack_size: Option<usize>,
    max_blocking_threads: usize,
    keep_alive: Duration,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("procs", &self.procs)
            .field("thread_name", &self.thread_name)
            .finish()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A builder with the defaults: procs from `GORUST_MAXPROCS` or the available
    /// parallelism, threads named `gorust-worker`, up to 512 blocking threads kept 10 s.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().build().unwrap();
    /// assert!(rt.procs() >= 1);
    /// ```
    pub fn new() -> Builder {
        Builder {
            procs: None,
            thread_name: "gorust-worker".to_string(),
            stack_size: None,
            max_blocking_threads: 512,
            keep_alive: Duration::from_secs(10),
        }
    }

    /// Same as [`Builder::new`]; named as tokio's, so a port is a rename.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new()
    }

    /// A runtime with one P (tokio's current-thread runtime has one worker; here the one P is
    /// still run by an M thread when no `block_on` holds it).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.procs(), 1);
    /// ```
    pub fn new_current_thread() -> Builder {
        let mut b = Builder::new();
        b.procs = Some(1);
        b
    }

    /// Sets the number of Ps: how many tasks may run in parallel (Go's `GOMAXPROCS`).
    /// Overrides `GORUST_MAXPROCS`. `0` or more than [`MAX_PROCS`] makes
    /// [`Builder::build`] fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(3).build().unwrap();
    /// assert_eq!(rt.procs(), 3);
    /// assert!(gorust_executor::runtime::Builder::new().procs(0).build().is_err());
    /// ```
    pub fn procs(&mut self, n: usize) -> &mut Self {
        self.procs = Some(n);
        self
    }

    /// tokio's name for [`Builder::procs`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.procs(), 2);
    /// ```
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        self.procs(n)
    }

    /// Names the runtime's threads (blocking threads get `-blocking`, sysmon `-sysmon`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().thread_name("svc").build().unwrap();
    /// let name = rt.block_on(async {
    ///     gorust_executor::spawn(async { std::thread::current().name().map(String::from) })
    ///         .await
    ///         .unwrap()
    /// });
    /// // The task ran either on an M named "svc" or on the block_on thread itself.
    /// assert!(name.is_some());
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.thread_name = name.into();
        self
    }

    /// Sets the stack size of the runtime's M threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().thread_stack_size(1 << 20).build().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Caps the blocking pool (default 512 threads; 0 is treated as 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().max_blocking_threads(4).build().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits (default 10 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = gorust_executor::runtime::Builder::new()
    ///     .thread_keep_alive(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn thread_keep_alive(&mut self, d: Duration) -> &mut Self {
        self.keep_alive = d;
        self
    }

    /// Accepted for tokio compatibility: timers and I/O are always enabled in gorust.
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_executor::runtime::Builder::new().enable_all().build().unwrap();
    /// ```
    pub fn enable_all(&mut self) -> &mut Self {
        self
    }

    /// Accepted for tokio compatibility (always enabled).
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_executor::runtime::Builder::new().enable_io().build().unwrap();
    /// ```
    pub fn enable_io(&mut self) -> &mut Self {
        self
    }

    /// Accepted for tokio compatibility (always enabled).
    ///
    /// # Examples
    ///
    /// ```
    /// gorust_executor::runtime::Builder::new().enable_time().build().unwrap();
    /// ```
    pub fn enable_time(&mut self) -> &mut Self {
        self
    }

    fn resolve_procs(&self) -> io::Result<usize> {
        let n = match self.procs {
            Some(n) => n,
            None => match std::env::var(MAXPROCS_ENV) {
                Ok(v) => v.trim().parse::<usize>().map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{MAXPROCS_ENV}={v:?} is not a whole number of Ps"),
                    )
                })?,
                Err(_) => thread::available_parallelism().map_or(1, |n| n.get()),
            },
        };
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "procs must be at least 1 (a runtime with no P could never run a task)",
            ));
        }
        if n > MAX_PROCS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("procs = {n} exceeds the maximum of {MAX_PROCS}"),
            ));
        }
        Ok(n)
    }

    /// Builds the runtime and starts its sysmon thread. Ms start when work arrives.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when procs is 0, above [`MAX_PROCS`], or `GORUST_MAXPROCS` is not a
    /// number; the OS error when the poller cannot be created (out of file descriptors) or
    /// the sysmon thread cannot be started.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = gorust_executor::runtime::Builder::new().procs(0).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        let procs = self.resolve_procs()?;
        let shared = Shared::new(
            procs,
            Config {
                thread_name: self.thread_name.clone(),
                stack_size: self.stack_size,
                max_blocking_threads: self.max_blocking_threads,
                blocking_keep_alive: self.keep_alive,
                schedtrace: debug_schedtrace()?,
            },
        )?;
        let stop = Arc::new(SysmonStop::new());
        let sysmon = sysmon::start(shared.clone(), stop.clone())?;
        Ok(Runtime {
            handle: Handle { shared },
            sysmon: Some((sysmon, stop)),
        })
    }
}

/// The environment variable of runtime debug settings (Go's `GODEBUG`), comma-separated
/// `key=value` pairs. Known keys: `schedtrace=N` (print Go's `SCHED` line to stderr every N
/// milliseconds; 0 turns it off). Unknown keys are ignored, as Go does.
pub const DEBUG_ENV: &str = "GORUST_DEBUG";

fn debug_schedtrace() -> io::Result<Option<Duration>> {
    let Ok(v) = std::env::var(DEBUG_ENV) else {
        return Ok(None);
    };
    for kv in v.split(',') {
        if let Some(ms) = kv.trim().strip_prefix("schedtrace=") {
            let ms: u64 = ms.parse().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{DEBUG_ENV}: schedtrace={ms:?} is not a number of milliseconds"),
                )
            })?;
            return Ok((ms > 0).then(|| Duration::from_millis(ms)));
        }
    }
    Ok(None)
}

/// A gorust runtime: Ps, the Ms that run them, sysmon and the blocking pool.
///
/// # Examples
///
/// ```
/// use gorust_executor::runtime::Runtime;
///
/// let rt = Runtime::new().unwrap();
/// let h = rt.spawn(async { 40 + 2 });
/// assert_eq!(rt.block_on(h).unwrap(), 42);
/// ```
pub struct Runtime {
    handle: Handle,
    sysmon: Option<(thread::JoinHandle<()>, Arc<SysmonStop>)>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("procs", &self.procs())
            .finish()
    }
}

impl Runtime {
    /// A runtime with the default configuration ([`Builder::new`]).
    ///
    /// # Errors
    ///
    /// As [`Builder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// Runs `fut` to completion on the calling thread, which acts as an M holding a P for
    /// the duration (Go's main goroutine on M0/P0): tasks it spawns land in that P's queue,
    /// and while `fut` waits the thread runs other tasks.
    ///
    /// `fut` need not be `Send` or `'static`.
    ///
    /// # Panics
    ///
    /// Panics when called from inside a gorust runtime's thread (a task or another
    /// `block_on`): blocking an M on itself would deadlock. A panic inside `fut` propagates
    /// to the caller.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(2).build().unwrap();
    /// let sum = rt.block_on(async {
    ///     let hs: Vec<_> = (0..10u64).map(|i| gorust_executor::spawn(async move { i })).collect();
    ///     let mut s = 0;
    ///     for h in hs {
    ///         s += h.await.unwrap();
    ///     }
    ///     s
    /// });
    /// assert_eq!(sum, 45);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.handle.block_on(fut)
    }

    /// Spawns a task on this runtime from any thread (see [`crate::spawn`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// let h = rt.spawn(async { 7 });
    /// assert_eq!(rt.block_on(h).unwrap(), 7);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(fut)
    }

    /// Runs a blocking closure on this runtime's blocking pool (see [`crate::spawn_blocking`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// let h = rt.spawn_blocking(|| 5);
    /// assert_eq!(rt.block_on(h).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A cloneable handle to this runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// let h = rt.handle().clone();
    /// std::thread::spawn(move || h.spawn(async {})).join().unwrap();
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The number of Ps.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(2).build().unwrap();
    /// assert_eq!(rt.procs(), 2);
    /// ```
    pub fn procs(&self) -> usize {
        self.handle.shared.procs
    }

    /// A goroutine dump of this runtime (see [`Handle::dump`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// assert!(rt.dump().starts_with("gorust: "));
    /// ```
    pub fn dump(&self) -> String {
        self.handle.dump()
    }

    /// A snapshot of the runtime's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// rt.block_on(async { gorust_executor::spawn(async {}).await.unwrap() });
    /// assert!(rt.metrics().spawned_tasks >= 1);
    /// ```
    pub fn metrics(&self) -> Metrics {
        self.handle.metrics()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let shared = &self.handle.shared;
        let on_own_m = worker::with_current(|m| {
            m.is_some_and(|m| std::ptr::eq(Arc::as_ptr(&m.shared), Arc::as_ptr(shared)))
        });
        if on_own_m && !thread::panicking() {
            panic!(
                "a gorust Runtime was dropped inside one of its own tasks: its threads cannot be \
                 joined from one of them; drop it from the thread that created it"
            );
        }
        let threads = shared.begin_shutdown();
        if let Some((sysmon, stop)) = self.sysmon.take() {
            stop.stop();
            let _ = sysmon.join();
        }
        let me = thread::current().id();
        for t in threads {
            if t.thread().id() != me {
                let _ = t.join();
            }
        }
        // `Handle::block_on` calls on other threads are Ms as well: they were woken and leave
        // at their next turn (their `block_on` panics: the runtime is gone).
        shared.wait_for_block_ons();
        // Drop the task futures before waiting for the blocking threads: a closure may be
        // blocked on something a task owns (a channel's sender), which only its drop releases
        // (tokio's order too). Then drain again: a closure may have spawned or woken a task.
        let blocking = shared.blocking.begin_shutdown();
        drain_tasks(shared);
        crate::blocking::BlockingPool::join(blocking);
        drain_tasks(shared);
        // Sources still open outside any task (held by the caller) fail from now on; their
        // waiters are woken with an error.
        shared.driver.reactor.shutdown();
    }
}

/// Drops every task's future exactly once after all Ms stopped.
fn drain_tasks(shared: &Arc<Shared>) {
    // Drops run user code, which may spawn or wake: give this thread the runtime so those
    // land in the global queue, which the loop drains.
    let _ctx = context::enter_handle(shared.clone());
    // Close the registry first: from here on a spawn is cancelled at once.
    let mut wakers = shared.registry.close_and_collect();
    let mut idle_rounds = 0;
    loop {
        let mut dropped = 0usize;
        for pp in shared.ps.iter() {
            // No M runs any more: this thread is the only owner of every ring.
            while let Some((t, _)) = pp.runq.pop() {
                drop(t);
                dropped += 1;
            }
        }
        for t in shared.drain_global() {
            drop(t);
            dropped += 1;
        }
        for t in shared.blocking.drain() {
            drop(t);
            dropped += 1;
        }
        if dropped == 0 && shared.registry.live() == 0 {
            break;
        }
        // Parked tasks sit in no queue: wake them so they land in the global queue.
        for w in wakers.drain(..) {
            w.wake();
        }
        wakers = shared.registry.close_and_collect();
        if dropped == 0 {
            idle_rounds += 1;
            if idle_rounds > 1000 {
                // A task that neither runs nor wakes (its Runnable is held outside the
                // runtime): leave it rather than hang the dropping thread.
                break;
            }
            thread::yield_now();
        } else {
            idle_rounds = 0;
        }
    }
}

/// A cloneable reference to a runtime, for spawning from anywhere.
///
/// # Examples
///
/// ```
/// let rt = gorust_executor::runtime::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let h = std::thread::spawn(move || handle.spawn(async { 3 })).join().unwrap();
/// assert_eq!(rt.block_on(h).unwrap(), 3);
/// ```
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("procs", &self.shared.procs)
            .finish()
    }
}

impl Handle {
    /// The handle of the runtime this thread is in.
    ///
    /// # Panics
    ///
    /// Panics outside a gorust runtime; see [`Handle::try_current`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let h = gorust_executor::runtime::Handle::current();
    ///     h.spawn(async {}).await.unwrap();
    /// });
    /// ```
    pub fn current() -> Handle {
        Handle::try_current().expect(
            "Handle::current called outside a gorust runtime: call it from a task or block_on",
        )
    }

    /// The handle of the runtime this thread is in, or `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gorust_executor::runtime::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        context::current_shared().map(|shared| Handle { shared })
    }

    /// Spawns a task on this runtime (see [`crate::spawn`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// let h = rt.handle().spawn(async { 1 });
    /// assert_eq!(rt.block_on(h).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        context::spawn_on(&self.shared, fut, Location::caller())
    }

    /// Runs a blocking closure on this runtime's blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// let h = rt.handle().spawn_blocking(|| 2);
    /// assert_eq!(rt.block_on(h).unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        context::spawn_blocking_on(&self.shared, f, Location::caller())
    }

    /// Runs `fut` to completion on the calling thread as M0 (see [`Runtime::block_on`]).
    ///
    /// # Panics
    ///
    /// Panics inside a gorust runtime thread, and if the runtime is dropped meanwhile.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().block_on(async { 5 }), 5);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        let fut = pin!(fut);
        let mut main = MainTask::new(fut, self.shared.clone());
        // Registered so a shutdown from another thread wakes this M and waits for it to leave
        // before draining (this thread may hold a P whose ring it owns).
        let _registered = self.shared.register_block_on(main.waker_state());
        let m = M::new(self.shared.clone());
        m.run(Some(&mut main))
            .expect("the gorust runtime was shut down while block_on was running on it")
    }

    /// A goroutine dump, as Go prints one on SIGQUIT: every parked task with its id, why it
    /// waits (`chan receive`, `sleep`, `IO wait`, `sync.Mutex.Lock`, ...) and where it was
    /// spawned, in id order; tasks that are runnable or running right now are counted, not
    /// listed (they are about to change state).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Builder::new().procs(1).build().unwrap();
    /// let dump = rt.block_on(async {
    ///     let h = gorust_executor::spawn(std::future::pending::<()>());
    ///     gorust_executor::yield_now().await; // let it park
    ///     let dump = gorust_executor::runtime::Handle::current().dump();
    ///     h.abort();
    ///     dump
    /// });
    /// assert!(dump.contains(&format!("goroutine ")), "{dump}");
    /// ```
    pub fn dump(&self) -> String {
        use std::fmt::Write;
        let s = &self.shared;
        let parked = s.registry.parked();
        let alive = s.alive();
        let mut out = format!(
            "gorust: {} Ps, {} tasks alive, {} parked, {} runnable or running\n",
            s.procs,
            alive,
            parked.len(),
            alive.saturating_sub(parked.len() as u64)
        );
        for t in parked {
            let reason = if t.wait == gorust_hooks::wait::WaitReason::None {
                "waiting"
            } else {
                t.wait.as_str()
            };
            let _ = write!(
                out,
                "\ngoroutine {} [{}]:\ncreated at {}:{}:{}\n",
                t.id,
                reason,
                t.location.file(),
                t.location.line(),
                t.location.column()
            );
        }
        out
    }

    /// A snapshot of the runtime's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = gorust_executor::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().alive_tasks, 0);
    /// ```
    pub fn metrics(&self) -> Metrics {
        let s = &self.shared;
        Metrics {
            procs: s.procs,
            alive_tasks: s.alive(),
            parked_tasks: s.registry.live(),
            spawned_tasks: s.spawned(),
            steals: s.stats.steals.load(Relaxed),
            parks: s.stats.parks.load(Relaxed),
            threads_started: s.stats.threads_started.load(Relaxed),
            blocking_threads: s.blocking.threads(),
            global_queue_len: s.global_len(),
            idle_procs: s.idle.idle_ps(),
            spinning_threads: s.idle.spinning(),
            local_queue_lens: s.ps.iter().map(|p| p.runq.len()).collect(),
        }
    }
}

/// Counters of a runtime (Go's `schedtrace` fields plus task counts).
///
/// # Examples
///
/// ```
/// let rt = gorust_executor::runtime::Builder::new().procs(2).build().unwrap();
/// let m = rt.metrics();
/// assert_eq!(m.procs, 2);
/// assert_eq!(m.local_queue_lens.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Number of Ps.
    pub procs: usize,
    /// Tasks spawned whose future has not been dropped yet.
    pub alive_tasks: u64,
    /// Tasks that have parked (returned `Pending`) and not finished.
    pub parked_tasks: usize,
    /// Tasks spawned since the runtime started.
    pub spawned_tasks: u64,
    /// Successful steals from another P's queue.
    pub steals: u64,
    /// Times an M parked for lack of work.
    pub parks: u64,
    /// M threads started since the runtime started.
    pub threads_started: u64,
    /// Blocking-pool threads alive.
    pub blocking_threads: usize,
    /// Tasks in the global queue.
    pub global_queue_len: usize,
    /// Ps with no M.
    pub idle_procs: usize,
    /// Ms looking for work.
    pub spinning_threads: usize,
    /// Tasks in each P's local queue (ring plus runnext).
    pub local_queue_lens: Vec<usize>,
}

/// The process-wide default runtime used by [`crate::block_on`], built on first use with
/// [`Builder::new`] and never dropped.
fn default_runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        Builder::new()
            .build()
            .unwrap_or_else(|e| panic!("cannot start the default gorust runtime: {e}"))
    })
}

/// Runs `fut` to completion on the default runtime (built on first use from
/// `GORUST_MAXPROCS` or the available parallelism). The calling thread acts as M0.
///
/// # Panics
///
/// Panics when called from inside a gorust runtime thread, when `GORUST_MAXPROCS` is invalid
/// (the default runtime cannot start), and when `fut` panics.
///
/// # Examples
///
/// ```
/// let v = gorust_executor::block_on(async { gorust_executor::spawn(async { 9 }).await.unwrap() });
/// assert_eq!(v, 9);
/// ```
#[track_caller]
pub fn block_on<F: Future>(fut: F) -> F::Output {
    default_runtime().block_on(fut)
}
