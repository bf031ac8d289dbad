//! An impostor cell for the fault suite: the host starts it as `cell-template` or
//! `cell-markdown` (a link to it in a directory named by `DODECA_CELL_PATH`), and it speaks
//! just enough of the protocol (raw frames, `rpc::frame`) to get past the hello, then
//! misbehaves as `DODECA_IMPOSTOR` says:
//!
//! - `garbage`: answers each request with a frame of an unknown kind and random bytes;
//! - `undecodable`: answers each request with its own id and a payload that cannot decode;
//! - `oversized`: answers with a length prefix beyond any frame the host accepts;
//! - `wrong-id`: answers a request id the host never used, then nothing;
//! - `silent`: reads every request and never answers;
//! - `scribble`: announces shared memory and rings, then writes random bytes over the whole
//!   shared segment (the host's heap blocks, the rings' records and their control words),
//!   again and again, and answers nothing.
//!
//! `DODECA_IMPOSTOR_SEED` seeds its random bytes. It exits when the host closes the link, as a
//! cell does.

use std::io::Write;
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use rpc::frame::{Frame, Kind};

fn main() {
    let mode = std::env::var("DODECA_IMPOSTOR").unwrap_or_default();
    let seed = std::env::var("DODECA_IMPOSTOR_SEED").ok().and_then(|s| s.parse().ok());
    let mut random = Random(seed.unwrap_or(0x5eed) ^ u64::from(std::process::id()));
    let rpc_fd = named_fd(rpc::cell::FD_ARG).expect("started by the host with --rpc-fd");
    // SAFETY: the host handed us this descriptor (`--rpc-fd`); nothing else here owns it.
    let mut stream = unsafe { UnixStream::from_raw_fd(rpc_fd) };
    let scribble = mode == "scribble";
    hello(&mut stream, scribble);
    if scribble {
        let shm_fd = named_fd(rpc::cell::SHM_FD_ARG).expect("started with --shm-fd");
        scribble_forever(shm_fd, &mut random, &stream);
        return;
    }
    let mut reader = stream.try_clone().expect("clone the socket");
    // `1 << 30`: the impostor takes whatever the host sends.
    while let Ok(Some(request)) = Frame::read_from(&mut reader, 1 << 30) {
        if request.kind != Kind::Request {
            continue;
        }
        let answer = match mode.as_str() {
            "garbage" => {
                // A whole frame (so the host is not left waiting for the rest of one), whose
                // kind byte no kind has, and random bytes after it.
                let mut body: Vec<u8> =
                    (0..16 + random.below(200)).map(|_| random.byte()).collect();
                body[0] = 0x80 | random.byte();
                let mut bytes = ((body.len() + 4) as u32).to_le_bytes().to_vec();
                bytes.extend_from_slice(&body);
                bytes.extend_from_slice(&[random.byte(); 4]);
                bytes
            }
            "undecodable" => reply(&request, request.request_id, &mut random),
            "oversized" => {
                // Only the prefix: a host that allocated before checking would try to here.
                let len = u32::MAX - random.below(1 << 20) as u32;
                len.to_le_bytes().to_vec()
            }
            "wrong-id" => {
                let wrong = request.request_id.wrapping_add(1 << 40 | random.below(1 << 20) as u64);
                reply(&request, wrong, &mut random)
            }
            _ => continue, // `silent`, or a mode this impostor does not know.
        };
        if stream.write_all(&answer).is_err() {
            break;
        }
    }
}

/// A response frame for `request` under `id` whose payload cannot decode as anything: every
/// byte has its high bit set, so a postcard varint never ends.
fn reply(request: &Frame, id: u64, random: &mut Random) -> Vec<u8> {
    Frame {
        kind: Kind::Response,
        request_id: id,
        parent_id: 0,
        method_id: request.method_id,
        payload: (0..8 + random.below(64)).map(|_| 0x80 | random.byte()).collect(),
    }
    .encode()
}

/// Our hello (announcing shared memory and rings only to scribble over them), then the host's.
fn hello(stream: &mut UnixStream, shared: bool) {
    let mut payload = rpc::hello::MAGIC.to_vec();
    payload.extend_from_slice(&rpc::hello::PROTOCOL_VERSION.to_le_bytes());
    payload.extend_from_slice(&(64u32 << 20).to_le_bytes());
    payload.push(if shared { 0b11 } else { 0 });
    let frame = Frame { kind: Kind::Hello, request_id: 0, parent_id: 0, method_id: 0, payload };
    stream.write_all(&frame.encode()).expect("send the hello");
    let theirs = Frame::read_from(stream, 64).expect("the host's hello").expect("a hello");
    assert_eq!(theirs.kind, Kind::Hello, "the host's first frame");
}

/// Maps the shared segment and overwrites all of it with random bytes every few
/// milliseconds, until the host closes the link.
fn scribble_forever(fd: RawFd, random: &mut Random, stream: &UnixStream) {
    // SAFETY: `stat` is plain data, filled by fstat(2) on the descriptor the host gave us.
    let len = unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        assert_eq!(libc::fstat(fd, &mut stat), 0, "fstat the shared segment");
        stat.st_size as usize
    };
    // SAFETY: a fresh shared mapping of the whole segment; nothing in this process aliases it
    // (the rpc crate never mapped it here). The host maps it too: that is the point.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    assert_ne!(base, libc::MAP_FAILED, "map the shared segment");
    stream.set_nonblocking(true).expect("a non-blocking socket");
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        // Fresh random bytes over the segment, a randomly shifted chunk at a time: each pass
        // leaves different gaps, and takes a few milliseconds, so that the impostor notices
        // the link's end promptly, as a cell does.
        for byte in chunk.iter_mut() {
            *byte = random.byte();
        }
        let shift = random.below(chunk.len());
        for offset in (0..len).step_by(chunk.len()) {
            let n = (len - offset).min(chunk.len() - shift);
            // SAFETY: `offset + n <= len`, inside the mapping made above, and `shift + n` is
            // inside `chunk`; the mapping is shared with the host, which must not trust it.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    chunk.as_ptr().add(shift),
                    (base as *mut u8).add(offset),
                    n,
                );
            }
        }
        // The host closing the link ends the impostor, as it ends a cell.
        if link_closed(stream) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether the host has closed the (non-blocking) link: the end of the stream, or an error.
fn link_closed(mut stream: &UnixStream) -> bool {
    use std::io::Read;
    let mut probe = [0u8; 256];
    match stream.read(&mut probe) {
        Ok(n) => n == 0,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// The descriptor after `flag` on the command line.
fn named_fd(flag: &str) -> Option<RawFd> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == flag)?;
    args.get(at + 1)?.parse().ok()
}

/// splitmix64, as the suite's.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}
