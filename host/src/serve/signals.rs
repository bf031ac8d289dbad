//! Ctrl-C (`SIGINT`) and `SIGTERM` for `dodeca-host serve`: a request to stop, seen by the
//! serving loop between batches, never an exit in the middle of a write.
//!
//! The handler only sets a flag and writes one byte to a pipe (the self-pipe trick): both are
//! async-signal-safe. The loop waits on the pipe's read end beside the watcher's descriptor,
//! so a signal wakes it at once, whichever thread the kernel delivered it to.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// Set by the handler: a stop was asked for.
static STOP: AtomicBool = AtomicBool::new(false);
/// The pipe's write end, for the handler (-1 when no [`StopSignals`] is installed).
static WAKE: AtomicI32 = AtomicI32::new(-1);

const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

extern "C" fn on_signal(_signal: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
    let fd = WAKE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: `__errno_location` returns this thread's errno, valid for the thread's
        // life; `write` is async-signal-safe and reads one byte from a live local. errno is
        // put back so the interrupted code sees its own.
        unsafe {
            let errno = *libc::__errno_location();
            let byte = 1u8;
            libc::write(fd, (&raw const byte).cast(), 1);
            *libc::__errno_location() = errno;
        }
    }
}

/// `SIGINT` and `SIGTERM` caught while this lives; the previous handlers come back when it is
/// dropped.
pub(super) struct StopSignals {
    read: OwnedFd,
    /// The write end, kept open for the handler ([`WAKE`]).
    _write: OwnedFd,
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl StopSignals {
    /// Installs the handlers (one [`StopSignals`] at a time in a process).
    ///
    /// # Errors
    ///
    /// When the pipe cannot be made or a handler cannot be installed.
    pub(super) fn install() -> io::Result<StopSignals> {
        let mut fds = [-1; 2];
        // SAFETY: `pipe2` writes two descriptors into the array it is given, which has room
        // for both.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just opened by `pipe2` and are owned by nothing else.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        STOP.store(false, Ordering::SeqCst);
        WAKE.store(write.as_raw_fd(), Ordering::SeqCst);
        let mut signals = StopSignals { read, _write: write, previous: Vec::new() };
        for signal in SIGNALS {
            // SAFETY: a zeroed `sigaction` is a valid value (no flags, empty mask) before
            // the fields are set; `on_signal` has the signature `sa_handler` expects and is
            // async-signal-safe; `previous` is a valid place for the old action.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                let mut previous: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, &action, &mut previous) != 0 {
                    return Err(io::Error::last_os_error());
                }
                signals.previous.push((signal, previous));
            }
        }
        Ok(signals)
    }

    /// Whether a stop was asked for.
    pub(super) fn requested(&self) -> bool {
        STOP.load(Ordering::SeqCst)
    }

    /// Reads what the handler wrote to the pipe (it is non-blocking), so it is not readable
    /// until the next signal.
    pub(super) fn drain(&self) {
        let mut buffer = [0u8; 64];
        loop {
            // SAFETY: the descriptor is the pipe's read end, owned by `self`; `buffer` is
            // writable for its length.
            let read = unsafe {
                libc::read(self.read.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len())
            };
            if read <= 0 {
                return;
            }
        }
    }
}

impl AsFd for StopSignals {
    /// The pipe's read end: readable once a signal came.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }
}

impl Drop for StopSignals {
    fn drop(&mut self) {
        for (signal, previous) in self.previous.drain(..).rev() {
            // SAFETY: `previous` is the action `sigaction` returned for this signal.
            unsafe { libc::sigaction(signal, &previous, std::ptr::null_mut()) };
        }
        // No handler writes to the pipe any more; it closes with `self`.
        WAKE.store(-1, Ordering::SeqCst);
    }
}

/// Waits until one of `fds` is readable or `timeout_ms` passes (-1: no limit); returns which
/// were readable. A signal ending the wait early is not an error (nothing is readable then).
///
/// # Errors
///
/// The system's error from `poll`, other than `EINTR`.
pub(super) fn wait_readable<const N: usize>(
    fds: [BorrowedFd<'_>; N],
    timeout_ms: i32,
) -> io::Result<[bool; N]> {
    let mut polls =
        fds.map(|fd| libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 });
    // SAFETY: `polls` holds `N` valid `pollfd`s for the duration of the call, and the
    // descriptors are borrowed, so open.
    let ready = unsafe { libc::poll(polls.as_mut_ptr(), N as libc::nfds_t, timeout_ms) };
    if ready < 0 {
        let error = io::Error::last_os_error();
        return if error.kind() == io::ErrorKind::Interrupted {
            Ok([false; N])
        } else {
            Err(error)
        };
    }
    Ok(polls.map(|poll| poll.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0))
}
