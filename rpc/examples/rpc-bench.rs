//! rpc benchmark: a host and a real cell process (this program re-executed), in one run with
//! its baseline.
//!
//!   cargo run --release -p rpc --example rpc-bench
//!
//! Prints one line per figure:
//! - `rpc_rtt_64B`: round trip of a call with a 64-byte argument, p50 and p99, next to a raw
//!   socketpair ping-pong between two processes of the same number of bytes each way (a
//!   frame's worth), and the ratio (target: within 1.3x). Both ends of that baseline block in
//!   `read`, so each round trip pays two wake-ups that our transport, which spins briefly
//!   before sleeping, often avoids.
//! - `rpc_rtt_64B_vs_spinning_ring`: the same calls next to a ping-pong over the transport
//!   itself: a pair of `shm` rings between two processes, each side waiting in `pop` with the
//!   rings' default spin (as our link's threads do) before it sleeps, records of exactly the
//!   bytes our transport writes for each frame. The ratio is what the RPC layer costs above
//!   its transport (framing, encoding, the hand-off from the reading thread to the caller).
//! - `rpc_calls_32_in_flight`: calls per second with 32 calls outstanding at all times.
//! - `rpc_blob_echo_64MiB`: a 64 MiB blob sent to the cell, opened there in place and sent
//!   back (written into the shared heap once per direction), opened and checked by the host;
//!   GB/s of payload moved per direction, next to a plain `memcpy` of the same size (target:
//!   at least 0.5x).
//!
//! The three round-trip measurements run after each other in blocks, in turn, so that a burst
//! of load on a shared machine falls on all of them alike; every round trip, timed or warm-up,
//! checks that the echo is the message sent (which carries its round's number).

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../tests/common/echo.rs"]
#[allow(dead_code)]
mod services;

use services::{EchoCell, echo};

/// Timed round trips of each ping-pong.
const ROUND_TRIPS: usize = 20_000;
/// Untimed round trips of each ping-pong first.
const WARM_UP: usize = 1_000;
/// Timed round trips are taken in this many blocks, each ping-pong in turn.
const BLOCKS: usize = 10;
/// Bytes in each ring of the spinning baseline: as in a cell's segment (`cell::spawn`).
const RING_BYTES: usize = 1 << 20;
/// How long the ring baseline waits for its peer before giving up.
const WAIT: Duration = Duration::from_secs(30);

/// A call in flight in the throughput measurement.
type InFlight<'a> = rpc::BoxFuture<'a, Result<u64, rpc::RpcError>>;
const PAYLOAD: usize = 64;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--cell") => run_cell(),
        Some("--raw-echo") => run_raw_echo(&args),
        Some("--ring-echo") => run_ring_echo(&args),
        _ => run_host(),
    }
}

fn run_cell() {
    let cell = Arc::new(echo::Server(EchoCell::default()));
    let served = cell.clone();
    let _ = rpc::cell::serve_with(served, |c| {
        let _ = cell.0.connection.set(c.downgrade());
    });
}

/// The baseline's other process: reads `len` bytes, writes them back, until end of stream.
fn run_raw_echo(args: &[String]) {
    let fd: i32 = args[2].parse().expect("fd");
    let len: usize = args[3].parse().expect("len");
    // SAFETY: the parent passed this descriptor to us and nothing else owns it.
    let mut stream = UnixStream::from(unsafe { OwnedFd::from_raw_fd(fd) });
    let mut buf = vec![0u8; len];
    while stream.read_exact(&mut buf).is_ok() {
        if stream.write_all(&buf).is_err() {
            break;
        }
    }
}

/// The spinning baseline's other process: pops each record from ring 0 and pushes the same
/// bytes to ring 1, until the parent closes ring 0.
fn run_ring_echo(args: &[String]) {
    let fd: i32 = args[2].parse().expect("fd");
    // SAFETY: the parent shared this descriptor with us alone (`Segment::share_with`) and
    // nothing else in this process owns it.
    let segment = unsafe { shm::Segment::attach_raw_fd(fd) }.expect("attach segment");
    let mut requests = segment.consumer(0).expect("ring 0");
    let mut replies = segment.producer(1).expect("ring 1");
    replies.push(b"ready", WAIT).expect("ready");
    let mut buf = Vec::new();
    loop {
        // Default spin on both rings, as the transport's `Reader` and `Writer` have.
        let record = match requests.pop(Duration::MAX) {
            Ok(record) => record,
            Err(error) if error.is_timeout() => continue,
            Err(_) => return,
        };
        buf.clear();
        buf.extend_from_slice(&record);
        drop(record);
        if replies.push(&buf, WAIT).is_err() {
            return;
        }
    }
}

/// Latency percentiles of one ping-pong, in nanoseconds.
struct Latency {
    p50: f64,
    p99: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Times `ROUND_TRIPS` round trips of each ping-pong (a closure making the round trip of
/// message number `round` and checking its echo), after `WARM_UP` untimed ones each. The timed
/// ones come in `BLOCKS` blocks, the ping-pongs taking turns.
fn interleaved(ping_pongs: &mut [&mut dyn FnMut(u64)]) -> Vec<Latency> {
    let mut round = 0u64;
    for ping_pong in ping_pongs.iter_mut() {
        for _ in 0..WARM_UP {
            ping_pong(round);
            round += 1;
        }
    }
    let mut samples: Vec<Vec<f64>> =
        ping_pongs.iter().map(|_| Vec::with_capacity(ROUND_TRIPS)).collect();
    for _ in 0..BLOCKS {
        for (ping_pong, samples) in ping_pongs.iter_mut().zip(&mut samples) {
            for _ in 0..ROUND_TRIPS / BLOCKS {
                let t = Instant::now();
                ping_pong(round);
                samples.push(t.elapsed().as_nanos() as f64);
                round += 1;
            }
        }
    }
    samples
        .into_iter()
        .map(|mut samples| {
            samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
            Latency { p50: percentile(&samples, 0.5), p99: percentile(&samples, 0.99) }
        })
        .collect()
}

/// Writes `round` into the first bytes of `message`, so that each echo is told apart.
fn stamp(message: &mut [u8], round: u64) {
    message[..8].copy_from_slice(&round.to_le_bytes());
}

/// The blocking baseline: a socketpair to a child process that reads each message and writes
/// it back, both sides blocking in `read`.
struct SocketEcho {
    stream: UnixStream,
    child: Child,
    message: Vec<u8>,
    echo: Vec<u8>,
}

impl SocketEcho {
    fn start(len: usize) -> SocketEcho {
        let (ours, theirs) = UnixStream::pair().expect("socketpair");
        let fd = theirs.as_raw_fd();
        let mut command = Command::new(std::env::current_exe().expect("exe"));
        command.args(["--raw-echo", &fd.to_string(), &len.to_string()]);
        // SAFETY: only fcntl between fork and exec (async-signal-safe).
        unsafe {
            command.pre_exec(move || {
                if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("spawn raw echo");
        drop(theirs);
        SocketEcho { stream: ours, child, message: vec![7u8; len], echo: vec![0u8; len] }
    }

    fn round_trip(&mut self, round: u64) {
        stamp(&mut self.message, round);
        self.stream.write_all(&self.message).expect("write");
        self.stream.read_exact(&mut self.echo).expect("read");
        assert!(self.echo == self.message, "socketpair echo of round {round} differs");
    }

    fn finish(mut self) {
        drop(self.stream);
        let _ = self.child.wait();
    }
}

/// The spinning baseline: a pair of `shm` rings to a child process that pops each record and
/// pushes it back. Both sides wait in `pop` with the rings' default spin before sleeping on
/// the futex, as the transport's threads do.
struct RingEcho {
    requests: shm::Producer,
    replies: shm::Consumer,
    child: Child,
    message: Vec<u8>,
}

impl RingEcho {
    fn start(len: usize) -> RingEcho {
        let segment =
            shm::Segment::builder().ring(RING_BYTES).ring(RING_BYTES).build().expect("segment");
        let requests = segment.producer(0).expect("ring 0");
        let mut replies = segment.consumer(1).expect("ring 1");
        let mut command = Command::new(std::env::current_exe().expect("exe"));
        let fd = segment.share_with(&mut command);
        command.args(["--ring-echo", &fd.to_string()]);
        let child = command.spawn().expect("spawn ring echo");
        segment.set_peer_pid(child.id());
        assert_eq!(&*replies.pop(WAIT).expect("ready"), b"ready");
        RingEcho { requests, replies, child, message: vec![7u8; len] }
    }

    fn round_trip(&mut self, round: u64) {
        stamp(&mut self.message, round);
        self.requests.push(&self.message, WAIT).expect("push");
        let echo = self.replies.pop(WAIT).expect("pop");
        assert!(*echo == self.message[..], "ring echo of round {round} differs");
    }

    fn finish(mut self) {
        drop(self.requests);
        drop(self.replies);
        let _ = self.child.wait();
    }
}

fn run_host() {
    let exe = std::env::current_exe().expect("exe");
    let (mut child, connection) = rpc::cell::spawn(
        &exe,
        &["--cell"],
        rpc::Config { shared_heap: 256 << 20, ..rpc::Config::default() },
        None,
    )
    .expect("spawn cell");
    let client = echo::Client::new(connection.clone());
    let mut payload = vec![1u8; PAYLOAD];
    let mut rpc_round_trip = |round: u64| {
        stamp(&mut payload, round);
        let back = rpc::block_on(client.echo(&payload)).expect("echo");
        assert!(back == payload, "rpc echo of round {round} differs");
    };
    // A 64-byte argument is 65 bytes of postcard. On the stream a frame adds a 4-byte length
    // and the header; in a ring record, a 1-byte tag and the header (see `transport`).
    let frame_bytes = 4 + rpc::frame::HEADER_LEN + PAYLOAD + 1;
    let record_bytes = 1 + rpc::frame::HEADER_LEN + PAYLOAD + 1;
    let mut socket = SocketEcho::start(frame_bytes);
    let mut ring = RingEcho::start(record_bytes);
    let latencies = interleaved(&mut [
        &mut rpc_round_trip,
        &mut |round| socket.round_trip(round),
        &mut |round| ring.round_trip(round),
    ]);
    socket.finish();
    ring.finish();
    let [ours, socket, ring] = &latencies[..] else { unreachable!("three ping-pongs") };
    let (p50, p99) = (ours.p50, ours.p99);
    println!(
        "rpc_rtt_64B p50_ns={p50:.0} p99_ns={p99:.0} raw_socketpair_p50_ns={:.0} raw_socketpair_p99_ns={:.0} ratio_p50={:.2} target<=1.30",
        socket.p50,
        socket.p99,
        p50 / socket.p50
    );
    println!(
        "rpc_rtt_64B_vs_spinning_ring p50_ns={p50:.0} p99_ns={p99:.0} ring_pingpong_p50_ns={:.0} ring_pingpong_p99_ns={:.0} ratio_p50={:.2}",
        ring.p50,
        ring.p99,
        p50 / ring.p50
    );

    // 32 calls in flight at all times.
    let total = 100_000u64;
    let t = Instant::now();
    let mut issued = 0u64;
    let mut done = 0u64;
    let mut in_flight: Vec<InFlight<'_>> = Vec::new();
    rpc::block_on(std::future::poll_fn(|cx| {
        loop {
            while in_flight.len() < 32 && issued < total {
                in_flight.push(Box::pin(client.double(&issued)));
                issued += 1;
            }
            let before = done;
            in_flight.retain_mut(|call| match call.as_mut().poll(cx) {
                std::task::Poll::Ready(result) => {
                    result.expect("double");
                    done += 1;
                    false
                }
                std::task::Poll::Pending => true,
            });
            if done == total {
                return std::task::Poll::Ready(());
            }
            if done == before {
                return std::task::Poll::Pending;
            }
        }
    }));
    let secs = t.elapsed().as_secs_f64();
    drop(in_flight);
    println!(
        "rpc_calls_32_in_flight calls={total} calls_per_s={:.0} single_call_per_s={:.0} raw_ping_pong_per_s={:.0} ring_ping_pong_per_s={:.0}",
        total as f64 / secs,
        1e9 / p50,
        1e9 / socket.p50,
        1e9 / ring.p50
    );
    blob_echo(&connection, &client);
    drop(client);
    drop(connection);
    let _ = child.wait();
}

fn blob_echo(connection: &rpc::Connection, client: &echo::Client) {
    const LEN: usize = 64 << 20;
    let source: Vec<u8> = (0..LEN).map(|i| (i * 31 % 251) as u8).collect();
    let mut samples = Vec::new();
    for round in 0..8 {
        let t = Instant::now();
        let blob = connection.blob_with(LEN, |dst| dst.copy_from_slice(&source)).expect("blob");
        let back = rpc::block_on(client.echo_blob(&blob)).expect("echo");
        let bytes = rpc::block_on(connection.open_blob(back)).expect("open");
        let elapsed = t.elapsed().as_secs_f64();
        assert_eq!(bytes.len(), LEN);
        assert_eq!(bytes[LEN - 1], source[LEN - 1]);
        drop(bytes);
        if round > 0 {
            samples.push(elapsed);
        }
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let echo_s = samples[samples.len() / 2];
    // Each direction moves 64 MiB; the echo is two transfers.
    let echo_gbps = 2.0 * LEN as f64 / echo_s / 1e9;
    let mut dst = vec![0u8; LEN];
    let mut copies = Vec::new();
    for _ in 0..8 {
        let t = Instant::now();
        dst.copy_from_slice(std::hint::black_box(&source));
        copies.push(t.elapsed().as_secs_f64());
        std::hint::black_box(&dst);
    }
    copies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let memcpy_gbps = LEN as f64 / copies[copies.len() / 2] / 1e9;
    println!(
        "rpc_blob_echo_64MiB gb_per_s={echo_gbps:.2} memcpy_gb_per_s={memcpy_gbps:.2} ratio={:.2} target>=0.50",
        echo_gbps / memcpy_gbps
    );
}
