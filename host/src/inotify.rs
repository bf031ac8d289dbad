//! The few inotify calls the host makes, through libc (std offers none): an instance, its
//! watches, waiting for and reading its queue, and a bounds-checked decoder of the events read.
//!
//! Two parts of the host watch files: `output/watch.rs` (outputs changed by hand) and `watch/`
//! (the site's sources, for `serve`). Both go through this module, so each `unsafe` call is
//! written, and argued for, once.
//!
//! The queue is read as bytes and decoded here, with every length checked against the bytes
//! actually read: the kernel's records are trusted to be well formed, but a decoder that would
//! read past its buffer on a short or corrupt read is one bug away from undefined behaviour,
//! and costs nothing to avoid.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

/// The size of `struct inotify_event` without its name: wd, mask, cookie, len (4 bytes each).
pub(crate) const HEADER: usize = 16;

// The decoder reads the header field by field at these offsets; the layout is the kernel ABI.
const _: () = assert!(std::mem::size_of::<libc::inotify_event>() == HEADER);

/// The longest file name Linux allows (`NAME_MAX`).
const NAME_MAX: usize = 255;

/// An inotify instance (non-blocking, closed on exec), closed on drop with all its watches.
pub(crate) struct Inotify {
    fd: OwnedFd,
}

impl Inotify {
    /// A new instance.
    ///
    /// # Errors
    ///
    /// The system's error: `EMFILE` when the per-user limit of instances
    /// (`fs.inotify.max_user_instances`) or the process's limit of descriptors is reached.
    pub(crate) fn new() -> io::Result<Inotify> {
        // SAFETY: `inotify_init1` takes flags only; a non-negative result is a new descriptor
        // that nothing else owns.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by `inotify_init1` and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Inotify { fd })
    }

    /// Watches `path` for the events in `mask`; returns the watch descriptor. Watching an
    /// inode already watched by this instance returns its existing descriptor (and replaces
    /// its mask), which is how a caller recognises a directory reached twice.
    ///
    /// # Errors
    ///
    /// The system's error: `ENOSPC` when the per-user limit of watches
    /// (`fs.inotify.max_user_watches`) is reached, `ENOENT`, `ENOTDIR` (with `IN_ONLYDIR`),
    /// `EACCES`; `InvalidInput` for a path holding a NUL byte.
    pub(crate) fn add_watch(&self, path: &Path, mask: u32) -> io::Result<i32> {
        let path = std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path with a NUL byte"))?;
        // SAFETY: the descriptor is a live inotify instance (owned by `self`) and `path` is a
        // NUL-terminated string that outlives the call.
        let descriptor =
            unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), path.as_ptr(), mask) };
        if descriptor < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(descriptor)
    }

    /// Removes a watch. A watch the kernel removed already (its directory deleted) is not an
    /// error worth reporting: the result is the same, so none is returned.
    pub(crate) fn remove_watch(&self, descriptor: i32) {
        // SAFETY: the descriptor is a live inotify instance; a stale watch descriptor makes
        // the call fail with EINVAL, nothing worse.
        unsafe { libc::inotify_rm_watch(self.fd.as_raw_fd(), descriptor) };
    }

    /// Waits until events are queued or `timeout` passes; returns whether events are queued.
    /// A signal interrupting the wait ends it early (the caller's loop measures its own time).
    ///
    /// # Errors
    ///
    /// The system's error from `poll`, other than `EINTR`.
    pub(crate) fn wait(&self, timeout: Duration) -> io::Result<bool> {
        let mut poll = libc::pollfd { fd: self.fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // Rounded up, so that a wait of 0.5 ms is not a busy loop of zero-length polls.
        let millis = timeout.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
        // SAFETY: `poll` points at one valid `pollfd` for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready < 0 {
            let error = io::Error::last_os_error();
            return if error.kind() == io::ErrorKind::Interrupted { Ok(false) } else { Err(error) };
        }
        Ok(ready > 0 && poll.revents & libc::POLLIN != 0)
    }

    /// Reads queued events into `buffer`; returns the bytes read, empty when the queue is.
    ///
    /// # Errors
    ///
    /// The system's error from `read`, other than `EAGAIN` and `EINTR`.
    pub(crate) fn read<'b>(&self, buffer: &'b mut EventBuffer) -> io::Result<&'b [u8]> {
        loop {
            // SAFETY: the descriptor is a live inotify instance and `buffer.words` is
            // writable for the length given, in bytes.
            let read = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    buffer.words.as_mut_ptr().cast(),
                    buffer.words.len() * std::mem::size_of::<u64>(),
                )
            };
            if read >= 0 {
                // SAFETY: `read` bytes of `buffer.words` were just written by the kernel
                // (`read` is at most the length given), and `u64`s may be viewed as bytes.
                return Ok(unsafe {
                    std::slice::from_raw_parts(buffer.words.as_ptr().cast::<u8>(), read as usize)
                });
            }
            let error = io::Error::last_os_error();
            match error.kind() {
                io::ErrorKind::WouldBlock => return Ok(&[]),
                io::ErrorKind::Interrupted => continue,
                _ => return Err(error),
            }
        }
    }
}

impl AsFd for Inotify {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Room for the events of one `read`, aligned for `inotify_event`.
pub(crate) struct EventBuffer {
    words: Vec<u64>,
}

impl EventBuffer {
    /// A buffer of `bytes` (rounded up to 8). The kernel refuses a read too small for the
    /// next event (`EINVAL`), so it holds at least one event with the longest name.
    pub(crate) fn new(bytes: usize) -> EventBuffer {
        let bytes = bytes.max(HEADER + NAME_MAX + 1);
        EventBuffer { words: vec![0; bytes.div_ceil(8)] }
    }
}

/// One decoded event. `name` is the entry's name within the watched directory, without its
/// NUL padding; empty for an event about the watched directory itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Event<'a> {
    pub(crate) descriptor: i32,
    pub(crate) mask: u32,
    pub(crate) cookie: u32,
    pub(crate) name: &'a [u8],
}

/// The bytes from `at` on do not hold a whole event (a header, or the name its length
/// announces): the decoder stops there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Truncated {
    pub(crate) at: usize,
}

/// The events in `bytes`, in order; a [`Truncated`] error ends them.
pub(crate) fn events(bytes: &[u8]) -> Events<'_> {
    Events { bytes, at: 0 }
}

/// The iterator returned by [`events`].
pub(crate) struct Events<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Events<'a> {
    type Item = Result<Event<'a>, Truncated>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.bytes.get(self.at..).filter(|rest| !rest.is_empty())?;
        let at = self.at;
        let Some(header) = rest.get(..HEADER) else {
            self.at = self.bytes.len();
            return Some(Err(Truncated { at }));
        };
        let word = |offset: usize| {
            let mut word = [0u8; 4];
            word.copy_from_slice(&header[offset..offset + 4]);
            word
        };
        let name_len = u32::from_ne_bytes(word(12)) as usize;
        let Some(padded) = HEADER.checked_add(name_len).and_then(|end| rest.get(HEADER..end))
        else {
            self.at = self.bytes.len();
            return Some(Err(Truncated { at }));
        };
        self.at += HEADER + name_len;
        let name = padded.split(|b| *b == 0).next().unwrap_or_default();
        Some(Ok(Event {
            descriptor: i32::from_ne_bytes(word(0)),
            mask: u32::from_ne_bytes(word(4)),
            cookie: u32::from_ne_bytes(word(8)),
            name,
        }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One event's bytes as the kernel lays them out, the name NUL-padded to `padded` bytes.
    pub(crate) fn encode(
        descriptor: i32,
        mask: u32,
        cookie: u32,
        name: &[u8],
        padded: usize,
    ) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend(descriptor.to_ne_bytes());
        bytes.extend(mask.to_ne_bytes());
        bytes.extend(cookie.to_ne_bytes());
        bytes.extend((padded as u32).to_ne_bytes());
        bytes.extend(name);
        bytes.resize(HEADER + padded, 0);
        bytes
    }

    #[test]
    fn events_are_decoded_in_order_with_their_names_unpadded() {
        let mut bytes = encode(1, libc::IN_CREATE, 0, b"page.md", 16);
        bytes.extend(encode(2, libc::IN_DELETE_SELF, 0, b"", 0));
        bytes.extend(encode(1, libc::IN_MOVED_TO, 7, b"\xffx", 4));
        let decoded: Vec<_> = events(&bytes).collect();
        assert_eq!(
            decoded,
            [
                Ok(Event { descriptor: 1, mask: libc::IN_CREATE, cookie: 0, name: b"page.md" }),
                Ok(Event { descriptor: 2, mask: libc::IN_DELETE_SELF, cookie: 0, name: b"" }),
                Ok(Event { descriptor: 1, mask: libc::IN_MOVED_TO, cookie: 7, name: b"\xffx" }),
            ]
        );
        assert_eq!(events(&[]).count(), 0);
    }

    #[test]
    fn a_short_header_or_a_name_past_the_end_is_truncated_never_read() {
        let whole = encode(3, libc::IN_MODIFY, 0, b"a.md", 8);
        // Every cut of two events: the first decodes while whole, then one error, then nothing.
        let mut two = whole.clone();
        two.extend(&whole);
        for cut in 1..two.len() {
            let decoded: Vec<_> = events(&two[..cut]).collect();
            let whole_events = cut / whole.len();
            assert_eq!(decoded.len(), whole_events + usize::from(cut % whole.len() != 0), "{cut}");
            if cut % whole.len() != 0 {
                let at = whole_events * whole.len();
                assert_eq!(decoded.last(), Some(&Err(Truncated { at })), "{cut}");
            }
        }
        // A length that would overflow or run far past the buffer.
        for len in [u32::MAX, 1 << 20] {
            let mut bytes = encode(1, libc::IN_MODIFY, 0, b"", 0);
            bytes[12..16].copy_from_slice(&len.to_ne_bytes());
            bytes.extend([0; 8]);
            assert_eq!(events(&bytes).collect::<Vec<_>>(), [Err(Truncated { at: 0 })]);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A deterministic generator (xorshift): the same bytes every run.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2000 {
            let len = (next() % 200) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|i| {
                    let byte = next() as u8;
                    // Small name lengths now and then, so that some events decode.
                    if i % 16 == 12 {
                        byte % 24
                    } else if i % 16 > 12 {
                        0
                    } else {
                        byte
                    }
                })
                .collect();
            let mut consumed = 0;
            for event in events(&bytes) {
                match event {
                    Ok(event) => consumed += HEADER + event.name.len(),
                    Err(Truncated { at }) => assert!(at <= bytes.len()),
                }
            }
            assert!(consumed <= bytes.len());
        }
    }

    #[test]
    fn a_real_instance_reports_a_write() {
        let dir = std::env::temp_dir().join(format!("dodeca-inotify-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let inotify = Inotify::new().unwrap();
        let descriptor = inotify.add_watch(&dir, libc::IN_CLOSE_WRITE).unwrap();
        assert_eq!(inotify.add_watch(&dir, libc::IN_CLOSE_WRITE).unwrap(), descriptor);
        let mut buffer = EventBuffer::new(4096);
        assert!(inotify.read(&mut buffer).unwrap().is_empty());
        std::fs::write(dir.join("f"), "x").unwrap();
        assert!(inotify.wait(Duration::from_secs(10)).unwrap());
        let bytes = inotify.read(&mut buffer).unwrap();
        let decoded: Vec<_> = events(bytes).map(Result::unwrap).collect();
        assert_eq!(decoded.len(), 1);
        assert_eq!((decoded[0].descriptor, decoded[0].name), (descriptor, &b"f"[..]));
        let missing = inotify.add_watch(&dir.join("missing"), libc::IN_CLOSE_WRITE).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
