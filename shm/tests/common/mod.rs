//! Shared helpers of the integration tests: the standard test segment and the child process.
#![allow(dead_code)] // each test file uses a different subset

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shm::Segment;

/// Generous bound for "this must not hang"; never a performance assertion.
pub const NO_HANG: Duration = Duration::from_secs(20);
/// How quickly a dead peer must be noticed (issue: "promptly"; design target well under 1 s).
pub const PROMPTLY: Duration = Duration::from_secs(5);

/// The layout `shm-test-peer` expects: ring down (parent → child), ring up, heap.
pub fn test_segment(ring: usize, heap: usize) -> Segment {
    Segment::builder().ring(ring).ring(ring).heap(heap).build().expect("create segment")
}

/// A running `shm-test-peer`, killed (and reaped) if the test fails before waiting for it.
pub struct Peer {
    pub child: Child,
}

impl Peer {
    /// Spawns the helper with the segment's descriptor inherited and `args` after it.
    pub fn spawn(seg: &Segment, args: &[&str]) -> Peer {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shm-test-peer"));
        let fd = seg.share_with(&mut cmd);
        cmd.arg(fd.to_string()).args(args).stdin(Stdio::piped());
        let child = cmd.spawn().expect("spawn shm-test-peer");
        seg.set_peer_pid(child.id());
        Peer { child }
    }

    /// Sends the "go" line the `*-on-go` commands wait for.
    pub fn go(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        stdin.write_all(b"go\n").expect("write go");
        stdin.flush().expect("flush go");
    }

    /// Waits for the child to exit (bounded) and asserts it succeeded.
    pub fn finish(mut self) {
        let deadline = Instant::now() + NO_HANG;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                assert!(status.success(), "shm-test-peer failed: {status}");
                return;
            }
            assert!(Instant::now() < deadline, "shm-test-peer did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Record `i` of the helper's `produce` command (must match src/bin/shm-test-peer.rs).
pub fn numbered_record(i: u64, buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend_from_slice(&i.to_le_bytes());
    buf.extend((0..i % 57).map(|k| (i + k) as u8));
}

/// FNV-1a start value.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, folded into a running checksum (same as the helper's).
pub fn fold(mut sum: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        sum = (sum ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    sum
}

/// A deterministic byte pattern that differs per length and position.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed).collect()
}

/// Two handles on one segment in this process, standing in for the two processes.
pub fn two_sides(seg: &Segment) -> Segment {
    Segment::attach(seg.fd().try_clone_to_owned().expect("dup")).expect("attach")
}
