//! Cells as processes: starting one from the host, and a cell's `main`.
//!
//! The host creates a Unix socketpair, lets the child inherit one end (the descriptor's number
//! is passed as `--rpc-fd N`), and keeps the other. The cell connects on the inherited end and
//! serves until the host says goodbye or goes away: when the host dies, the kernel closes its
//! end, the cell's reader sees the end of the stream, and [`serve`] returns. A cell never
//! outlives its host.
//!
//! A cell runs in a process group of its own. A terminal's Ctrl-C goes to the foreground
//! group, which is the host's: the host decides how to stop (finish a write, save its cache)
//! and stops its cells by closing their links, instead of every cell dying under it at once.
//!
//! The host may hand a cell more descriptors ([`spawn_inheriting`]): the http cell gets its
//! listening socket that way, so the socket outlives any one cell process.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;

use crate::{Config, Connection, Dispatcher, RingTransport, RpcError, Side};

/// Bytes in each of a cell link's two frame rings.
const RING_BYTES: usize = 1 << 20;

/// The argument that names the inherited socket.
pub const FD_ARG: &str = "--rpc-fd";
/// The argument that names the inherited shared-memory segment, if any.
pub const SHM_FD_ARG: &str = "--shm-fd";

/// Starts `program` with `args` as a cell and connects to it.
///
/// `dispatcher` serves the cell's requests that are not nested in one of our calls.
///
/// # Errors
///
/// [`RpcError::Io`] naming the program if it cannot be started; the hello errors of
/// [`Connection::new`] if it does not speak the protocol.
pub fn spawn(
    program: &Path,
    args: &[&str],
    config: Config,
    dispatcher: Option<Arc<dyn Dispatcher>>,
) -> Result<(Child, Connection), RpcError> {
    spawn_inheriting(program, args, &[], config, dispatcher)
}

/// Like [`spawn`], and the child also inherits each of `inherited`'s descriptors, named on
/// its command line as `FLAG N` (read with [`inherited_fd`]). The caller keeps its own copy
/// open: the child gets a duplicate, and a restarted child can be handed the same one.
///
/// # Errors
///
/// As [`spawn`].
pub fn spawn_inheriting(
    program: &Path,
    args: &[&str],
    inherited: &[(&str, BorrowedFd<'_>)],
    config: Config,
    dispatcher: Option<Arc<dyn Dispatcher>>,
) -> Result<(Child, Connection), RpcError> {
    let (ours, theirs) = UnixStream::pair()
        .map_err(|e| RpcError::Io(format!("socketpair for {}: {e}", program.display())))?;
    let fd = theirs.as_raw_fd();
    let mut command = Command::new(program);
    command.args(args).arg(FD_ARG).arg(fd.to_string());
    let shared = shared_link(program, config.shared_heap)?;
    if let Some((segment, _)) = &shared {
        let shm_fd = segment.share_with(&mut command);
        command.arg(SHM_FD_ARG).arg(shm_fd.to_string());
    }
    let mut keep_open: Vec<RawFd> = vec![fd];
    for (flag, inherited) in inherited {
        let raw = inherited.as_raw_fd();
        command.arg(flag).arg(raw.to_string());
        keep_open.push(raw);
    }
    // Its own process group: a terminal's Ctrl-C reaches the host only (see the module doc).
    command.process_group(0);
    // SAFETY: the closure runs in the child between fork and exec, and only calls `fcntl`,
    // which is async-signal-safe; each descriptor is open in the child (fork copies them),
    // and `keep_open` was allocated before the fork (the closure only reads it).
    unsafe {
        command.pre_exec(move || {
            // std opens sockets close-on-exec; the cell must inherit these.
            for &fd in &keep_open {
                if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let child = command
        .spawn()
        .map_err(|e| RpcError::Io(format!("cannot start cell {}: {e}", program.display())))?;
    drop(theirs);
    let mut config = config;
    config.hello_timeout = config.hello_timeout.max(std::time::Duration::from_secs(10));
    let connection = match shared {
        Some((segment, rings)) => {
            segment.set_peer_pid(child.id());
            Connection::with_rings(ours, Side::Host, config, dispatcher, rings)?
        }
        None => Connection::new(ours, Side::Host, config, dispatcher)?,
    };
    Ok((child, connection))
}

/// The shared segment of a new cell link (none for a heap of 0 bytes), with the host's ends
/// of its rings already open: region 0 is the blob heap, regions 1 and 2 one frame ring per
/// direction (see `transport`).
///
/// The host's ends are claimed here, before the child exists. A ring end belongs to the
/// first process that opens it, and its `head` / `tail` words start as whatever is in
/// shared memory; opening them after the spawn would let a hostile (or broken) child claim
/// the host's ends or write those words first. The child can now only get its own ends.
fn shared_link(
    program: &Path,
    heap_bytes: usize,
) -> Result<Option<(shm::Segment, RingTransport)>, RpcError> {
    if heap_bytes == 0 {
        return Ok(None);
    }
    let segment = shm::Segment::builder()
        .heap(heap_bytes)
        .ring(RING_BYTES)
        .ring(RING_BYTES)
        .build()
        .map_err(|e| RpcError::Io(format!("shared memory for {}: {e}", program.display())))?;
    let rings = RingTransport::open(&segment, Side::Host)?;
    Ok(Some((segment, rings)))
}

/// The descriptor named by `--rpc-fd N` in `args`.
///
/// # Errors
///
/// [`RpcError::Protocol`] when the argument is missing or not a number.
pub fn fd_from_args(args: impl IntoIterator<Item = String>) -> Result<i32, RpcError> {
    named_fd(args, FD_ARG)?.ok_or_else(|| {
        RpcError::Protocol(format!("missing {FD_ARG}: cells are started by the host"))
    })
}

/// The descriptor the host handed this cell under `flag` ([`spawn_inheriting`]), if it did;
/// owned by the caller from now on.
///
/// # Errors
///
/// [`RpcError::Protocol`] when the flag's value is not a number or names no open
/// descriptor.
///
/// # Safety
///
/// Call it at most once per flag, in a process started by [`spawn_inheriting`]: the
/// descriptor must belong to nothing else in this process.
pub unsafe fn inherited_fd(flag: &str) -> Result<Option<OwnedFd>, RpcError> {
    let Some(fd) = named_fd(std::env::args(), flag)? else { return Ok(None) };
    // SAFETY: `fcntl(F_GETFD)` only reads the descriptor's flags; any number is safe to ask.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
        return Err(RpcError::Protocol(format!("{flag} {fd}: no such open descriptor")));
    }
    // SAFETY: the caller promises that nothing else in this process owns it (see above).
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// The descriptor after `flag` in `args`, if the flag is there.
fn named_fd(args: impl IntoIterator<Item = String>, flag: &str) -> Result<Option<i32>, RpcError> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == flag {
            let value = args.next().unwrap_or_default();
            return value.parse().map(Some).map_err(|_| {
                RpcError::Protocol(format!("{flag} needs a descriptor number, got {value:?}"))
            });
        }
    }
    Ok(None)
}

/// A cell's `main`: connects on the inherited descriptor, serves with `dispatcher` until the
/// link closes, and returns why it closed.
///
/// # Errors
///
/// When the descriptor is missing or the hello fails.
pub fn serve(dispatcher: Arc<dyn Dispatcher>) -> Result<String, RpcError> {
    serve_with(dispatcher, |_| {})
}

/// Like [`serve`], calling `connected` with the connection once the hello is done and before
/// any request is served (a service that calls back into the host keeps a
/// [`Connection::downgrade`] of it).
///
/// # Errors
///
/// When the descriptor is missing or the hello fails.
pub fn serve_with(
    dispatcher: Arc<dyn Dispatcher>,
    connected: impl FnOnce(&Connection),
) -> Result<String, RpcError> {
    let fd = fd_from_args(std::env::args())?;
    // SAFETY: the host passed us this descriptor (`spawn` above) and nothing else in this
    // process owns it; we take ownership exactly once.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let stream = UnixStream::from(owned);
    let rings = match named_fd(std::env::args(), SHM_FD_ARG)? {
        Some(shm_fd) => {
            // SAFETY: the host passed us this descriptor (`spawn` shares the segment with
            // exactly this child) and nothing else in this process owns it.
            let segment = unsafe { shm::Segment::attach_raw_fd(shm_fd) }
                .map_err(|e| RpcError::Protocol(format!("shared memory from the host: {e}")))?;
            Some(RingTransport::open(&segment, Side::Cell)?)
        }
        None => None,
    };
    let heap = rings.as_ref().map(|r| r.heap.clone());
    let connection = Connection::establish(
        stream,
        Side::Cell,
        Config::default(),
        Some(dispatcher),
        heap,
        rings,
        connected,
    )?;
    Ok(connection.wait_closed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{CELL_TO_HOST, HOST_TO_CELL};

    #[test]
    fn the_host_ends_of_a_cell_link_are_taken_before_the_child_exists() {
        let (segment, _host_rings) =
            shared_link(Path::new("cell"), 1 << 20).unwrap().expect("a segment");
        // What the child would map, before the host has done anything else.
        let child = shm::Segment::attach(segment.fd().try_clone_to_owned().unwrap()).unwrap();
        let claimed = shm::ErrorKind::AlreadyClaimed;
        assert_eq!(child.producer(HOST_TO_CELL).unwrap_err().kind(), claimed);
        assert_eq!(child.consumer(CELL_TO_HOST).unwrap_err().kind(), claimed);
        // Its own ends are still free for it.
        assert!(RingTransport::open(&child, Side::Cell).is_ok());
        assert!(shared_link(Path::new("cell"), 0).unwrap().is_none());
    }
}
