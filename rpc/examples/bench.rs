//! rpc benchmark: a host and a real cell process (this program re-executed), in one run with
//! its baseline.
//!
//!   cargo run --release -p rpc --example bench
//!
//! Prints one line per figure:
//! - `rpc_rtt_64B`: round trip of a call with a 64-byte argument, p50 and p99, next to a raw
//!   socketpair ping-pong between two processes of the same number of bytes each way (a
//!   frame's worth), and the ratio (target: within 1.3x).
//! - `rpc_calls_32_in_flight`: calls per second with 32 calls outstanding at all times.
//! - `rpc_blob_echo_64MiB`: a 64 MiB blob sent to the cell, opened there in place and sent
//!   back (written into the shared heap once per direction), opened and checked by the host;
//!   GB/s of payload moved per direction, next to a plain `memcpy` of the same size (target:
//!   at least 0.5x).

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

#[path = "../tests/common/echo.rs"]
#[allow(dead_code)]
mod services;

use services::{EchoCell, echo};

const ROUND_TRIPS: usize = 20_000;

/// A call in flight in the throughput measurement.
type InFlight<'a> = rpc::BoxFuture<'a, Result<u64, rpc::RpcError>>;
const PAYLOAD: usize = 64;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--cell") => run_cell(),
        Some("--raw-echo") => run_raw_echo(&args),
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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn raw_ping_pong(len: usize) -> (f64, f64) {
    let (mut ours, theirs) = UnixStream::pair().expect("socketpair");
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
    let mut child = command.spawn().expect("spawn raw echo");
    drop(theirs);
    let out = vec![7u8; len];
    let mut back = vec![0u8; len];
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..ROUND_TRIPS + 1000 {
        let t = Instant::now();
        ours.write_all(&out).expect("write");
        ours.read_exact(&mut back).expect("read");
        if i >= 1000 {
            samples.push(t.elapsed().as_nanos() as f64);
        }
    }
    drop(ours);
    let _ = child.wait();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (percentile(&samples, 0.5), percentile(&samples, 0.99))
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
    let payload = vec![1u8; PAYLOAD];
    for _ in 0..1000 {
        rpc::block_on(client.echo(&payload)).expect("warm-up");
    }
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let t = Instant::now();
        let back = rpc::block_on(client.echo(&payload)).expect("echo");
        samples.push(t.elapsed().as_nanos() as f64);
        assert_eq!(back.len(), PAYLOAD);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (p50, p99) = (percentile(&samples, 0.5), percentile(&samples, 0.99));
    // A 64-byte argument is 65 bytes of postcard; add the 25-byte frame prefix and header.
    let frame_bytes = 4 + rpc::frame::HEADER_LEN + PAYLOAD + 1;
    let (raw50, raw99) = raw_ping_pong(frame_bytes);
    println!(
        "rpc_rtt_64B p50_ns={p50:.0} p99_ns={p99:.0} raw_socketpair_p50_ns={raw50:.0} raw_socketpair_p99_ns={raw99:.0} ratio_p50={:.2} target<=1.30",
        p50 / raw50
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
        "rpc_calls_32_in_flight calls={total} calls_per_s={:.0} single_call_per_s={:.0} raw_ping_pong_per_s={:.0}",
        total as f64 / secs,
        1e9 / p50,
        1e9 / raw50
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
