//! The OS side of the poller: waiting for events with a sub-millisecond timeout and one
//! syscall per wait (Go's `runtime/netpoll_epoll.go: netpoll`), plus the wake-up fd
//! (`netpollBreak`'s eventfd).
//!
//! Sources are added, modified and deleted through `polling::Poller` (edge-triggered, once per
//! fd, as Go registers `EPOLLIN|EPOLLOUT|EPOLLET`). `polling`'s own `wait` costs up to five
//! syscalls on Linux (timerfd_settime, epoll_ctl on the timerfd, epoll_wait, eventfd read,
//! epoll_ctl on the notifier; research/scheduler.md §3.3), so on Linux x86_64/aarch64 the wait
//! is a single `epoll_pwait2` on polling's epoll fd, with a nanosecond timeout (Go rounds a
//! sub-millisecond delay up to 1 ms; gorust's timers need better). Where `epoll_pwait2` is
//! missing (kernels before 5.11) the wait falls back to `polling::Poller::wait`, whose timerfd
//! also keeps sub-ms precision.
//!
//! Invariant: only the thread holding the reactor's poll gate calls [`OsPoller::wait`].

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use polling::{Event, Events, PollMode, Poller};

/// The key under which the wake-up eventfd is registered (never a slab key: those carry a
/// generation in the high bits that starts at 1).
pub(crate) const WAKE_KEY: usize = usize::MAX - 1;

/// One event as the reactor consumes it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawEvent {
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
    /// The read side is finished (`EPOLLRDHUP`, `EPOLLHUP`, `EPOLLERR`); only reported where
    /// [`OsPoller::reports_hangups`] says so.
    pub(crate) read_hup: bool,
    /// The fd hung up or errored (`EPOLLHUP`, `EPOLLERR`); as `read_hup`.
    pub(crate) write_hup: bool,
}

/// The capacity of one wait's event batch (Go's `var events [128]EpollEvent`).
pub(crate) const BATCH: usize = 128;

/// The reusable buffers of the thread that waits.
pub(crate) struct EventBuf {
    #[cfg(any(
        all(target_os = "linux", target_arch = "x86_64"),
        all(target_os = "linux", target_arch = "aarch64")
    ))]
    raw: Vec<libc::epoll_event>,
    portable: Events,
}

impl std::fmt::Debug for EventBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBuf").finish_non_exhaustive()
    }
}

impl EventBuf {
    pub(crate) fn new() -> EventBuf {
        EventBuf {
            #[cfg(any(
                all(target_os = "linux", target_arch = "x86_64"),
                all(target_os = "linux", target_arch = "aarch64")
            ))]
            raw: Vec::with_capacity(BATCH),
            portable: Events::with_capacity(std::num::NonZeroUsize::new(BATCH).unwrap()),
        }
    }
}

/// The poller plus the wake-up fd.
#[derive(Debug)]
pub(crate) struct OsPoller {
    pub(crate) poller: Poller,
    /// An eventfd (Linux) or the write end of a pipe elsewhere: written by `wake`.
    wake_w: OwnedFd,
    /// The read end (the same fd as `wake_w` for an eventfd).
    wake_r: Option<OwnedFd>,
    /// False once `epoll_pwait2` said ENOSYS: then use polling's own wait.
    #[cfg(any(
        all(target_os = "linux", target_arch = "x86_64"),
        all(target_os = "linux", target_arch = "aarch64")
    ))]
    pwait2: std::sync::atomic::AtomicBool,
}

impl OsPoller {
    pub(crate) fn new() -> io::Result<OsPoller> {
        let poller = Poller::new()?;
        let (wake_w, wake_r) = wake_fds()?;
        let read_fd = wake_r.as_ref().unwrap_or(&wake_w).as_raw_fd();
        // SAFETY: the wake fd is owned by `self` and deleted from the poller in `Drop` before
        // it is closed (fields drop after `drop` runs).
        unsafe { poller.add_with_mode(read_fd, Event::readable(WAKE_KEY), PollMode::Edge)? };
        Ok(OsPoller {
            poller,
            wake_w,
            wake_r,
            #[cfg(any(
                all(target_os = "linux", target_arch = "x86_64"),
                all(target_os = "linux", target_arch = "aarch64")
            ))]
            pwait2: std::sync::atomic::AtomicBool::new(true),
        })
    }

    /// Registers `fd` edge-triggered for reading and writing under `key`. On Linux
    /// x86_64/aarch64 with Go's flags (`EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET`, plus
    /// `EPOLLPRI` as polling asks for readable interest), so a peer's FIN is told apart from
    /// data; elsewhere through `polling`.
    ///
    /// # Safety
    ///
    /// `fd` must stay open until it is deleted from the poller.
    pub(crate) unsafe fn add(&self, fd: std::os::fd::RawFd, key: usize) -> io::Result<()> {
        #[cfg(any(
            all(target_os = "linux", target_arch = "x86_64"),
            all(target_os = "linux", target_arch = "aarch64")
        ))]
        {
            let mut ev = libc::epoll_event {
                events: (libc::EPOLLIN
                    | libc::EPOLLOUT
                    | libc::EPOLLRDHUP
                    | libc::EPOLLPRI
                    | libc::EPOLLET) as u32,
                u64: key as u64,
            };
            // SAFETY: `ev` lives on this frame; the caller keeps `fd` open until it is deleted
            // (polling's `delete` is a plain EPOLL_CTL_DEL, so it undoes this add).
            let r = unsafe {
                libc::epoll_ctl(self.poller.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev)
            };
            if r < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }
        #[cfg(not(any(
            all(target_os = "linux", target_arch = "x86_64"),
            all(target_os = "linux", target_arch = "aarch64")
        )))]
        // SAFETY: forwarded from the caller.
        unsafe {
            self.poller
                .add_with_mode(fd, Event::all(key), PollMode::Edge)
        }
    }

    /// Whether events carry exact hang-up bits (`RawEvent::read_hup`/`write_hup`): true on the
    /// Linux `epoll_pwait2` path, which registered `EPOLLRDHUP`; false on polling's portable
    /// wait.
    pub(crate) fn reports_hangups(&self) -> bool {
        #[cfg(any(
            all(target_os = "linux", target_arch = "x86_64"),
            all(target_os = "linux", target_arch = "aarch64")
        ))]
        {
            self.pwait2.load(std::sync::atomic::Ordering::Relaxed)
        }
        #[cfg(not(any(
            all(target_os = "linux", target_arch = "x86_64"),
            all(target_os = "linux", target_arch = "aarch64")
        )))]
        {
            false
        }
    }

    /// Writes the wake-up fd so the current or next wait returns (Go's `netpollBreak`).
    pub(crate) fn wake(&self) -> io::Result<()> {
        let one: u64 = 1;
        loop {
            // SAFETY: writes 8 bytes from a live local to an fd this struct owns.
            let r = unsafe {
                libc::write(
                    self.wake_w.as_raw_fd(),
                    (&one as *const u64).cast(),
                    std::mem::size_of::<u64>(),
                )
            };
            if r >= 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                // A full pipe or a saturated eventfd already means "wake up".
                io::ErrorKind::WouldBlock => return Ok(()),
                _ => return Err(e),
            }
        }
    }

    /// Drains the wake-up fd (only a blocking wait does it, as Go's netpoll reads the eventfd
    /// only when `delay != 0`; with an edge-triggered registration it is housekeeping).
    pub(crate) fn drain_wake(&self) {
        let fd = self.wake_r.as_ref().unwrap_or(&self.wake_w).as_raw_fd();
        let mut buf = [0u8; 64];
        loop {
            // SAFETY: reads into a live local buffer from an fd this struct owns.
            let r = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if r <= 0 || (r as usize) < buf.len() {
                return;
            }
        }
    }

    /// Blocks until the wake-up fd is readable (a `wake`) or `timeout` passes, without looking
    /// at any I/O source. Returns true when the fd was readable.
    pub(crate) fn wait_wake(&self, timeout: Option<Duration>) -> io::Result<bool> {
        let mut pfd = libc::pollfd {
            fd: self.wake_r.as_ref().unwrap_or(&self.wake_w).as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let r = {
            let ts = timeout.map(timespec);
            let ts_ptr = ts
                .as_ref()
                .map_or(std::ptr::null(), |t| t as *const libc::timespec);
            // SAFETY: one live pollfd on this frame; the timespec lives on this frame; a null
            // sigmask means "do not change the mask".
            unsafe { libc::ppoll(&mut pfd, 1, ts_ptr, std::ptr::null()) }
        };
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let r = {
            // poll(2) takes milliseconds: round up, so the wait never ends early.
            let ms = timeout.map_or(-1, |t| {
                let ms = t.as_nanos().div_ceil(1_000_000);
                ms.min(libc::c_int::MAX as u128) as libc::c_int
            });
            // SAFETY: one live pollfd on this frame.
            unsafe { libc::poll(&mut pfd, 1, ms) }
        };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(false);
            }
            return Err(e);
        }
        Ok(r > 0 && pfd.revents & libc::POLLIN != 0)
    }

    /// Waits for events for at most `timeout` (`None` = forever) and calls `f` on each.
    pub(crate) fn wait(
        &self,
        buf: &mut EventBuf,
        timeout: Option<Duration>,
        mut f: impl FnMut(RawEvent),
    ) -> io::Result<()> {
        #[cfg(any(
            all(target_os = "linux", target_arch = "x86_64"),
            all(target_os = "linux", target_arch = "aarch64")
        ))]
        if self.pwait2.load(std::sync::atomic::Ordering::Relaxed) {
            match self.wait_pwait2(buf, timeout, &mut f) {
                Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => {
                    self.pwait2
                        .store(false, std::sync::atomic::Ordering::Relaxed);
                }
                other => return other,
            }
        }
        buf.portable.clear();
        self.poller.wait(&mut buf.portable, timeout)?;
        for ev in buf.portable.iter() {
            f(RawEvent {
                key: ev.key,
                readable: ev.readable,
                writable: ev.writable,
                // polling's portable events do not say which hang-up it was: report none
                // (and `reports_hangups` is false on this path).
                read_hup: false,
                write_hup: false,
            });
        }
        Ok(())
    }

    #[cfg(any(
        all(target_os = "linux", target_arch = "x86_64"),
        all(target_os = "linux", target_arch = "aarch64")
    ))]
    fn wait_pwait2(
        &self,
        buf: &mut EventBuf,
        timeout: Option<Duration>,
        f: &mut impl FnMut(RawEvent),
    ) -> io::Result<()> {
        let ts = timeout.map(timespec);
        let ts_ptr = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        buf.raw.clear();
        // SAFETY: the event buffer has BATCH writable slots; the timespec lives on this
        // frame; a null sigmask means "do not change the mask".
        let r = unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait2,
                self.poller.as_raw_fd(),
                buf.raw.as_mut_ptr(),
                BATCH as libc::c_int,
                ts_ptr,
                std::ptr::null::<libc::sigset_t>(),
                0usize,
            )
        };
        let n = if r >= 0 {
            r as usize
        } else {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
            // EINTR: a signal interrupted the wait; report no events, the caller loops.
            0
        };
        // SAFETY: the kernel initialised the first `n` entries (n <= BATCH = capacity).
        unsafe { buf.raw.set_len(n) };
        const R: u32 =
            (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR | libc::EPOLLPRI)
                as u32;
        const W: u32 = (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) as u32;
        const RHUP: u32 = (libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32;
        const WHUP: u32 = (libc::EPOLLHUP | libc::EPOLLERR) as u32;
        for ev in buf.raw.iter() {
            let flags = ev.events;
            let key = ev.u64 as usize;
            f(RawEvent {
                key,
                readable: flags & R != 0,
                writable: flags & W != 0,
                read_hup: flags & RHUP != 0,
                write_hup: flags & WHUP != 0,
            });
        }
        Ok(())
    }
}

/// A timeout as the kernel's `timespec` (a huge one saturates: "forever" in practice).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn timespec(t: Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: t.as_secs().min(i64::MAX as u64) as libc::time_t,
        tv_nsec: t.subsec_nanos() as _,
    }
}

impl Drop for OsPoller {
    fn drop(&mut self) {
        let fd = self.wake_r.as_ref().unwrap_or(&self.wake_w);
        let _ = self.poller.delete(fd);
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn wake_fds() -> io::Result<(OwnedFd, Option<OwnedFd>)> {
    // SAFETY: plain syscall; the returned fd is checked and then owned.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh, valid descriptor owned by nobody else.
    Ok((unsafe { OwnedFd::from_raw_fd(fd) }, None))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn wake_fds() -> io::Result<(OwnedFd, Option<OwnedFd>)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe writes.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    for fd in fds {
        // SAFETY: fcntl on descriptors just created above.
        unsafe {
            libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK);
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    // SAFETY: both are fresh descriptors owned by nobody else.
    Ok(unsafe {
        (
            OwnedFd::from_raw_fd(fds[1]),
            Some(OwnedFd::from_raw_fd(fds[0])),
        )
    })
}
