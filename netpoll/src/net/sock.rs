//! Raw socket calls shared by the stream types: `recv` into uninitialised memory (so tokio's
//! `ReadBuf` and hyper's `ReadBufCursor` need no zero-fill) and `send`/`sendmsg` with
//! `MSG_NOSIGNAL` (a write to a closed peer returns `EPIPE`; it never raises `SIGPIPE`, which
//! would kill a process that did not ignore it — Go ignores it the same way).
//!
//! Invariant: every function borrows the fd only for the duration of the call.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::RawFd;

#[cfg(any(target_os = "linux", target_os = "android"))]
const NOSIGNAL: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const NOSIGNAL: libc::c_int = 0;

/// `recv(2)` into possibly uninitialised memory. Returns the number of bytes written (they are
/// initialised afterwards).
pub(crate) fn recv(
    fd: RawFd,
    buf: &mut [MaybeUninit<u8>],
    flags: libc::c_int,
) -> io::Result<usize> {
    loop {
        // SAFETY: the kernel writes at most `buf.len()` bytes into memory we exclusively
        // borrow; uninitialised bytes are fine as a write target.
        let r = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), flags) };
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// `recv(2)` into initialised memory.
pub(crate) fn recv_init(fd: RawFd, buf: &mut [u8], flags: libc::c_int) -> io::Result<usize> {
    // SAFETY: `recv` only writes initialised bytes, so viewing `buf` as `MaybeUninit` and
    // writing through it keeps it initialised.
    let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
    recv(fd, buf, flags)
}

/// `send(2)` with `MSG_NOSIGNAL`.
pub(crate) fn send(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    loop {
        // SAFETY: the kernel reads at most `buf.len()` bytes from a live borrowed slice.
        let r = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), NOSIGNAL) };
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// `sendmsg(2)` of several buffers with `MSG_NOSIGNAL`.
pub(crate) fn sendv(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: an all-zero msghdr is a valid "no name, no control" header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSlice` is ABI-compatible with `iovec` on Unix (documented by std).
    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = bufs.len().min(libc::UIO_MAXIOV as usize) as _;
    loop {
        // SAFETY: `msg` points at `bufs`, which outlives the call; the kernel only reads.
        let r = unsafe { libc::sendmsg(fd, &msg, NOSIGNAL) };
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// `readv(2)`.
pub(crate) fn readv(fd: RawFd, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
    loop {
        // SAFETY: `IoSliceMut` is ABI-compatible with `iovec`; the kernel writes into the
        // exclusively borrowed buffers only.
        let r = unsafe {
            libc::readv(
                fd,
                bufs.as_ptr() as *const libc::iovec,
                bufs.len().min(libc::UIO_MAXIOV as usize) as libc::c_int,
            )
        };
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Accepts a connection already in non-blocking, close-on-exec mode: `accept4` where the
/// platform has it (one syscall, as Go's `accept`), else `accept` + `fcntl`.
pub(crate) fn accept_nonblocking(
    listener: socket2::SockRef<'_>,
) -> io::Result<(socket2::Socket, socket2::SockAddr)> {
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    ))]
    {
        listener.accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
    }
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    )))]
    {
        let (s, a) = listener.accept()?;
        s.set_nonblocking(true)?;
        Ok((s, a))
    }
}
