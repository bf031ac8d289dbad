//! Which side of a segment a process is, and whether the other side is still alive.
//!
//! A segment has exactly two sides: the [`Side::Creator`] (the host, which made the memfd) and
//! the [`Side::Attacher`] (the child that inherited it). Each side has a [`SideSlot`] in the
//! segment header holding its pid and a state word.
//!
//! Death is learned three ways, cheapest first:
//!
//! 1. A clean shutdown stores [`CLOSED`] in the side's state word (on drop of the last handle)
//!    and wakes every futex in the segment, so the peer reacts at once.
//! 2. A process that learns its peer died stores [`DEAD`] in the peer's state word, so later
//!    checks are a single atomic load.
//! 3. A `kill -9` leaves no trace in shared memory, so waits sleep in bounded slices
//!    ([`WAIT_SLICE`]) and between slices ask the kernel through a pidfd (`pidfd_open` +
//!    `poll`), which reports a process as dead as soon as it exits, even while it is still an
//!    unreaped zombie (where `kill(pid, 0)` would still succeed). Where pidfds are unavailable
//!    (kernels before 5.3), `kill(pid, 0)` plus the zombie state in `/proc/<pid>/stat` is used.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Longest single futex sleep; between slices a waiter checks that its peer is alive. This
/// bounds how late a `kill -9` of the peer is noticed.
pub(crate) const WAIT_SLICE: Duration = Duration::from_millis(20);

/// Side state: nobody has claimed this side yet.
pub(crate) const EMPTY: u32 = 0;
/// Side state: the creator recorded the pid of the child it spawned; the child has not
/// attached yet (a child that dies before attaching is still detected).
pub(crate) const EXPECTED: u32 = 1;
/// Side state: a process is attached and, as far as anyone knows, alive.
pub(crate) const ATTACHED: u32 = 2;
/// Side state: the process dropped its segment cleanly; it will never touch the segment again.
pub(crate) const CLOSED: u32 = 3;
/// Side state: the other side found the process dead (it did not close cleanly).
pub(crate) const DEAD: u32 = 4;

/// One of the two sides of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The process that created the segment (usually the host).
    Creator,
    /// The process that attached to it from an inherited descriptor (usually a child).
    Attacher,
}

impl Side {
    /// The other side.
    pub fn peer(self) -> Side {
        match self {
            Side::Creator => Side::Attacher,
            Side::Attacher => Side::Creator,
        }
    }

    /// 0 for the creator, 1 for the attacher: the index of this side's [`SideSlot`].
    pub(crate) fn index(self) -> usize {
        match self {
            Side::Creator => 0,
            Side::Attacher => 1,
        }
    }

    /// The owner tag this side writes into heap metadata (1 or 2; 0 means "nobody").
    pub(crate) fn tag(self) -> u64 {
        self.index() as u64 + 1
    }
}

/// What this side knows about the other one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerStatus {
    /// Nobody has attached as the peer yet (and no pid was announced).
    NotAttached,
    /// The peer is attached (or announced) and its process is running.
    Alive,
    /// The peer dropped its side cleanly.
    Closed,
    /// The peer process is gone without closing (killed, crashed).
    Dead,
}

impl PeerStatus {
    /// True for [`PeerStatus::Closed`] and [`PeerStatus::Dead`]: the peer will never touch the
    /// segment again.
    pub fn is_gone(self) -> bool {
        matches!(self, PeerStatus::Closed | PeerStatus::Dead)
    }
}

/// A side's record in the segment header, alone on its cache line.
///
/// Layout (`repr(C)`, 64 bytes):
///
/// | offset | field   | meaning                                                        |
/// |--------|---------|----------------------------------------------------------------|
/// | 0      | `pid`   | pid of the process on this side, 0 until known                 |
/// | 4      | `state` | [`EMPTY`], [`EXPECTED`], [`ATTACHED`], [`CLOSED`] or [`DEAD`] |
/// | 8      | `cpu`   | 1 + the CPU this side last started waiting on; 0 if unknown (a hint) |
/// | 12     | padding | keeps the two sides on separate cache lines                    |
#[repr(C, align(64))]
pub(crate) struct SideSlot {
    pub(crate) pid: AtomicU32,
    pub(crate) state: AtomicU32,
    pub(crate) cpu: AtomicU32,
}

/// The status a side's state word alone implies, without asking the kernel.
pub(crate) fn status_from_word(slot: &SideSlot) -> PeerStatus {
    match slot.state.load(Ordering::Acquire) {
        EMPTY => PeerStatus::NotAttached,
        EXPECTED | ATTACHED => PeerStatus::Alive,
        CLOSED => PeerStatus::Closed,
        // DEAD, or garbage written by a broken peer: either way it is not a peer to wait for.
        _ => PeerStatus::Dead,
    }
}

/// Process-local cache of the pidfd of the peer, so each check is one `poll`.
#[derive(Default)]
pub(crate) struct PeerWatch {
    watched: Mutex<Option<Watched>>,
}

struct Watched {
    pid: u32,
    /// `None` where pidfds are not available; then the slower fallback is used.
    pidfd: Option<OwnedFd>,
}

impl PeerWatch {
    /// Full check of the peer: the state word, then (if it claims to be alive) the kernel.
    /// Records [`DEAD`] in the peer's slot when the process is found gone.
    pub(crate) fn check(&self, slot: &SideSlot) -> PeerStatus {
        let state = slot.state.load(Ordering::Acquire);
        if state != EXPECTED && state != ATTACHED {
            return status_from_word(slot);
        }
        let pid = slot.pid.load(Ordering::Acquire);
        if pid == 0 || pid > i32::MAX as u32 {
            return PeerStatus::NotAttached;
        }
        if !self.process_is_gone(pid) {
            return PeerStatus::Alive;
        }
        // Only the first to notice flips the word; a clean close that raced us wins.
        let _ = slot.state.compare_exchange(state, DEAD, Ordering::AcqRel, Ordering::Acquire);
        status_from_word(slot)
    }

    fn process_is_gone(&self, pid: u32) -> bool {
        // A poisoned lock only means another thread panicked mid-check; the cache is still a
        // plain (pid, fd) pair, so keep using it.
        let mut guard = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().map(|w| w.pid) != Some(pid) {
            match pidfd_open(pid) {
                Ok(fd) => *guard = Some(Watched { pid, pidfd: Some(fd) }),
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return true,
                Err(_) => *guard = Some(Watched { pid, pidfd: None }),
            }
        }
        match guard.as_ref().and_then(|w| w.pidfd.as_ref()) {
            Some(fd) => pidfd_is_readable(fd),
            None => pid_is_gone_fallback(pid),
        }
    }
}

fn pidfd_open(pid: u32) -> std::io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1; it does not
    // touch our memory.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0 as libc::c_uint) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the kernel just returned this descriptor to us; nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// A pidfd polls readable once its process has terminated.
fn pidfd_is_readable(fd: &OwnedFd) -> bool {
    let mut pfd = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: `pfd` is one valid pollfd for the duration of the call; timeout 0 never blocks.
    let r = unsafe { libc::poll(&mut pfd, 1, 0) };
    r > 0 && pfd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
}

fn pid_is_gone_fallback(pid: u32) -> bool {
    // SAFETY: signal 0 performs only the existence and permission check.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    if r != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
        return true;
    }
    // An exited but unreaped child still answers kill(pid, 0); its stat line says 'Z'.
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // Format: "pid (comm) S ...", where comm may itself contain ") ".
    stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(pid: u32, state: u32) -> SideSlot {
        SideSlot { pid: AtomicU32::new(pid), state: AtomicU32::new(state), cpu: AtomicU32::new(0) }
    }

    #[test]
    fn own_process_is_alive() {
        let s = slot(std::process::id(), ATTACHED);
        assert_eq!(PeerWatch::default().check(&s), PeerStatus::Alive);
    }

    #[test]
    fn exited_unreaped_child_is_dead_and_the_word_records_it() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let s = slot(child.id(), ATTACHED);
        let watch = PeerWatch::default();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        // The child is a zombie until `wait`; it must still count as dead.
        while watch.check(&s) != PeerStatus::Dead {
            assert!(std::time::Instant::now() < deadline, "zombie child not detected");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(s.state.load(Ordering::Relaxed), DEAD);
        assert!(pid_is_gone_fallback(child.id()), "fallback must see the zombie too");
        child.wait().unwrap();
    }

    #[test]
    fn closed_and_empty_sides_need_no_system_call() {
        assert_eq!(PeerWatch::default().check(&slot(1, CLOSED)), PeerStatus::Closed);
        assert_eq!(PeerWatch::default().check(&slot(0, EMPTY)), PeerStatus::NotAttached);
        assert_eq!(status_from_word(&slot(0, 77)), PeerStatus::Dead);
    }
}
