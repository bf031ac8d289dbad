//! Cross-process benchmark of the ring and the blob heap, against baselines measured in the
//! same run: a raw futex ping-pong, a raw socketpair ping-pong, and `memcpy`.
//!
//! `cargo run --release -p shm --example shm-bench` prints one line per figure. The example
//! re-executes itself as the child (`bench --child KIND FD`), which inherits the descriptor.
//! Numbers on a shared two-core machine are noisy: run it a few times.
//!
//! Environment: `SHM_BENCH_QUICK=1` runs a tenth of the iterations.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use shm::{Descriptor, Segment};

const WAIT: Duration = Duration::from_secs(30);
const MIB: usize = 1 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pin = std::env::var_os("SHM_BENCH_NO_PIN").is_none()
        && std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2;
    if args.get(1).map(String::as_str) == Some("--child") {
        // The parent, already pinned to CPU 0, asks its children to take CPU 1.
        if std::env::var_os("SHM_BENCH_CHILD_CPU").is_some() {
            pin_to_cpu(1);
        }
        let fd: RawFd = args[3].parse().expect("fd");
        child(&args[2], fd);
        return;
    }
    if pin {
        pin_to_cpu(0);
        // SAFETY: single-threaded at this point; nothing reads the environment concurrently.
        unsafe { std::env::set_var("SHM_BENCH_CHILD_CPU", "1") };
    }
    println!(
        "setup pinned={pin} (parent cpu 0, child cpu 1; SHM_BENCH_NO_PIN=1 to let them float) \
         default_spin={}",
        shm::DEFAULT_SPIN
    );
    let scale = if std::env::var_os("SHM_BENCH_QUICK").is_some() { 10 } else { 1 };
    let rtt_iters = 100_000 / scale;
    if std::env::var_os("SHM_BENCH_ONE_WAY").is_some() {
        let records = 10_000_000 / scale as u64;
        println!("ring_one_way_64B records_per_sec={:.0}", one_way_records(records));
        return;
    }

    let futex = raw_futex_pingpong(rtt_iters);
    let socket = socketpair_pingpong(rtt_iters);
    if let Some(spins) = std::env::var_os("SHM_BENCH_SPIN_SWEEP") {
        for spin in spins.to_str().expect("utf-8").split(',') {
            let spin: u32 = spin.parse().expect("spin count");
            let l = ring_pingpong(rtt_iters, spin);
            println!("ring_rtt_64B spin={spin} p50_ns={} p99_ns={}", l.p50, l.p99);
        }
        return;
    }
    let ring = ring_pingpong(rtt_iters, shm::DEFAULT_SPIN);
    let ring_nospin = ring_pingpong(rtt_iters, 0);
    println!("raw_futex_rtt_64B p50_ns={} p99_ns={}", futex.p50, futex.p99);
    println!("socketpair_rtt_64B p50_ns={} p99_ns={}", socket.p50, socket.p99);
    println!(
        "ring_rtt_64B p50_ns={} p99_ns={} raw_futex_p50_ns={} socketpair_p50_ns={} \
         ratio_vs_futex={:.3} target<=1.2 ratio_vs_socketpair={:.3} target<1.0",
        ring.p50,
        ring.p99,
        futex.p50,
        socket.p50,
        ring.p50 as f64 / futex.p50 as f64,
        ring.p50 as f64 / socket.p50 as f64,
    );
    println!(
        "ring_rtt_64B_nospin p50_ns={} p99_ns={} raw_futex_p50_ns={} ratio_vs_futex={:.3} \
         target<=1.2 ratio_vs_socketpair={:.3} target<1.0",
        ring_nospin.p50,
        ring_nospin.p99,
        futex.p50,
        ring_nospin.p50 as f64 / futex.p50 as f64,
        ring_nospin.p50 as f64 / socket.p50 as f64,
    );

    let records = 10_000_000 / scale as u64;
    let rate = one_way_records(records);
    println!("ring_one_way_64B records_per_sec={rate:.0} records={records}");

    for size in [MIB, 16 * MIB, 64 * MIB] {
        let total = (2048 * MIB / scale).max(4 * size);
        let iters = total / size;
        let memcpy = memcpy_gbps(size, iters);
        for window in [1, 2] {
            let blob = blob_gbps(size, iters, window);
            println!(
                "blob_{}MiB window={window} gb_per_s={blob:.2} memcpy_gb_per_s={memcpy:.2} \
                 ratio={:.2} target>=0.8 iters={iters}",
                size / MIB,
                blob / memcpy,
            );
        }
    }
}

/// Keeps this process on one CPU, so that parent and child never share a core (spinning
/// against a peer on the same core only delays it).
fn pin_to_cpu(cpu: usize) {
    // SAFETY: all-zero bytes are a valid (empty) `cpu_set_t`, a plain bit array; CPU_SET sets
    // bit `cpu` of it (0 or 1 here, far below CPU_SETSIZE); sched_setaffinity only reads
    // `size_of::<cpu_set_t>()` bytes of `set`, which is exactly its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            eprintln!("could not pin to cpu {cpu}: {}", std::io::Error::last_os_error());
        }
    }
}

struct Latency {
    p50: u64,
    p99: u64,
}

fn percentiles(mut samples: Vec<u64>) -> Latency {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    Latency { p50: at(0.50), p99: at(0.99) }
}

/// Spawns this example as the child `kind`, with `fd` inherited under the same number.
fn spawn_child(kind: &str, fd: RawFd) -> Child {
    let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
    cmd.arg("--child").arg(kind).arg(fd.to_string());
    // SAFETY: only fcntl, which is async-signal-safe, runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags < 0 || libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().expect("spawn child")
}

fn spawn_segment_child(kind: &str, seg: &Segment) -> Child {
    let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
    let fd = seg.share_with(&mut cmd);
    cmd.arg("--child").arg(kind).arg(fd.to_string());
    let child = cmd.spawn().expect("spawn child");
    seg.set_peer_pid(child.id());
    child
}

/// Waits for the child's "ready" record, so that process start-up is never timed.
fn wait_ready(up: &mut shm::Consumer) {
    assert_eq!(&*up.pop(WAIT).expect("ready"), b"ready");
}

fn child(kind: &str, fd: RawFd) {
    match kind {
        "futex" => child_futex(fd),
        "socket" => {
            // SAFETY: the parent passed this end of the socketpair for us alone.
            let mut s = UnixStream::from(unsafe { OwnedFd::from_raw_fd(fd) });
            let mut buf = [0u8; 64];
            while s.read_exact(&mut buf).is_ok() {
                s.write_all(&buf).expect("socket write");
            }
        }
        _ => {
            // SAFETY: the parent passed this descriptor for us alone (Segment::share_with).
            let seg = unsafe { Segment::attach_raw_fd(fd) }.expect("attach");
            let mut down = seg.consumer(0).expect("down");
            let mut up = seg.producer(1).expect("up");
            up.push(b"ready", WAIT).expect("ready");
            match kind {
                _ if kind.starts_with("echo:") => {
                    let spin = kind["echo:".len()..].parse().expect("spin");
                    down.set_spin(spin);
                    up.set_spin(spin);
                    while let Ok(record) = down.pop(WAIT) {
                        let bytes: [u8; 64] = record[..].try_into().expect("64-byte record");
                        drop(record);
                        up.push(&bytes, WAIT).expect("push");
                    }
                }
                "sink" => {
                    let mut count = 0u64;
                    loop {
                        let record = down.pop(WAIT).expect("pop");
                        if record.is_empty() {
                            break;
                        }
                        count += 1;
                    }
                    up.push(&count.to_le_bytes(), WAIT).expect("push");
                }
                "blob" => {
                    let heap = seg.heap(2).expect("heap");
                    while let Ok(record) = down.pop(WAIT) {
                        let d = Descriptor::from_bytes(&record).expect("descriptor");
                        drop(record);
                        let blob = heap.accept(d).expect("accept");
                        let sum = checksum(&blob);
                        drop(blob);
                        up.push(&sum.to_le_bytes(), WAIT).expect("push");
                    }
                }
                other => panic!("unknown child {other}"),
            }
        }
    }
}

// ---- raw futex ping-pong: one shared word, no ring --------------------------------------

fn futex_wait(word: &AtomicU32, expected: u32) {
    // SAFETY: `word` is a live, aligned u32 in a shared mapping; the timeout pointer is null.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            0usize,
            0usize,
            0,
        );
    }
}

fn futex_wake(word: &AtomicU32) {
    // SAFETY: as above; FUTEX_WAKE uses the address only as a key.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, 1, 0usize, 0usize, 0);
    }
}

/// Maps one shared page of a memfd.
fn shared_word(fd: RawFd) -> &'static AtomicU32 {
    // SAFETY: mapping 4096 bytes of a memfd of that size; the mapping is never unmapped, so a
    // 'static reference to its first (page-aligned) word is sound.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED, "mmap");
        &*p.cast::<AtomicU32>()
    }
}

fn raw_futex_pingpong(iters: usize) -> Latency {
    // SAFETY: plain memfd_create/ftruncate; the descriptor is owned right away.
    let fd = unsafe {
        let fd = libc::memfd_create(c"bench-futex".as_ptr(), libc::MFD_CLOEXEC);
        assert!(fd >= 0 && libc::ftruncate(fd, 4096) == 0);
        OwnedFd::from_raw_fd(fd)
    };
    let word = shared_word(fd.as_raw_fd());
    let mut child = spawn_child("futex", fd.as_raw_fd());
    let warmup = iters / 10;
    let mut samples = Vec::with_capacity(iters);
    // Round i: parent sets 2i+1, child answers 2i+2.
    for i in 0..(warmup + iters) as u32 {
        let start = Instant::now();
        word.store(2 * i + 1, Ordering::SeqCst);
        futex_wake(word);
        while word.load(Ordering::SeqCst) != 2 * i + 2 {
            futex_wait(word, 2 * i + 1);
        }
        if i as usize >= warmup {
            samples.push(start.elapsed().as_nanos() as u64);
        }
    }
    word.store(u32::MAX, Ordering::SeqCst);
    futex_wake(word);
    child.wait().expect("futex child");
    percentiles(samples)
}

fn child_futex(fd: RawFd) {
    let word = shared_word(fd);
    let mut i = 0u32;
    loop {
        let mut v = word.load(Ordering::SeqCst);
        while v != 2 * i + 1 && v != u32::MAX {
            futex_wait(word, v);
            v = word.load(Ordering::SeqCst);
        }
        if v == u32::MAX {
            return;
        }
        word.store(2 * i + 2, Ordering::SeqCst);
        futex_wake(word);
        i += 1;
    }
}

// ---- socketpair ping-pong ---------------------------------------------------------------

fn socketpair_pingpong(iters: usize) -> Latency {
    let (mut ours, theirs) = UnixStream::pair().expect("socketpair");
    let mut child = spawn_child("socket", theirs.as_raw_fd());
    drop(theirs);
    let warmup = iters / 10;
    let mut buf = [7u8; 64];
    let mut samples = Vec::with_capacity(iters);
    for i in 0..warmup + iters {
        let start = Instant::now();
        ours.write_all(&buf).expect("write");
        ours.read_exact(&mut buf).expect("read");
        if i >= warmup {
            samples.push(start.elapsed().as_nanos() as u64);
        }
    }
    drop(ours);
    child.wait().expect("socket child");
    percentiles(samples)
}

// ---- the ring ---------------------------------------------------------------------------

fn ring_segment(heap: Option<usize>) -> Segment {
    let builder = Segment::builder().ring(64 << 10).ring(64 << 10);
    match heap {
        Some(bytes) => builder.heap(bytes).populate(true).build().expect("segment"),
        None => builder.build().expect("segment"),
    }
}

fn ring_pingpong(iters: usize, spin: u32) -> Latency {
    let seg = ring_segment(None);
    let (mut down, mut up) = (seg.producer(0).expect("down"), seg.consumer(1).expect("up"));
    down.set_spin(spin);
    up.set_spin(spin);
    let mut child = spawn_segment_child(&format!("echo:{spin}"), &seg);
    wait_ready(&mut up);
    let warmup = iters / 10;
    let mut samples = Vec::with_capacity(iters);
    let mut message = [0u8; 64];
    for i in 0..warmup + iters {
        message[..8].copy_from_slice(&(i as u64).to_le_bytes());
        let start = Instant::now();
        down.push(&message, WAIT).expect("push");
        let reply = up.pop(WAIT).expect("pop");
        let ok = *reply == message;
        drop(reply);
        if i >= warmup {
            samples.push(start.elapsed().as_nanos() as u64);
        }
        assert!(ok, "echo mismatch");
    }
    drop(down);
    child.wait().expect("echo child");
    percentiles(samples)
}

fn one_way_records(n: u64) -> f64 {
    let seg = ring_segment(None);
    let (mut down, mut up) = (seg.producer(0).expect("down"), seg.consumer(1).expect("up"));
    let mut child = spawn_segment_child("sink", &seg);
    wait_ready(&mut up);
    let message = [1u8; 64];
    let start = Instant::now();
    for _ in 0..n {
        down.push(&message, WAIT).expect("push");
    }
    down.push(&[], WAIT).expect("push end");
    let count = u64::from_le_bytes(up.pop(WAIT).expect("pop")[..8].try_into().expect("8 bytes"));
    let elapsed = start.elapsed();
    assert_eq!(count, n, "sink lost records");
    child.wait().expect("sink child");
    n as f64 / elapsed.as_secs_f64()
}

// ---- blobs ------------------------------------------------------------------------------

/// The read pass both sides make over every byte: a wrapping sum of u64 words.
fn checksum(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut sum = 0u64;
    for c in &mut chunks {
        sum = sum.wrapping_add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    chunks.remainder().iter().fold(sum, |s, &b| s.wrapping_add(b as u64))
}

fn source(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3]).collect()
}

/// Baseline: copy the source into a buffer, then read every byte of it (same checksum).
fn memcpy_gbps(size: usize, iters: usize) -> f64 {
    let src = source(size);
    let expected = checksum(&src);
    let mut dst = vec![0u8; size];
    dst.copy_from_slice(&src); // fault the pages in
    let start = Instant::now();
    for _ in 0..iters {
        dst.copy_from_slice(std::hint::black_box(&src));
        assert_eq!(checksum(std::hint::black_box(&dst)), expected);
    }
    (size * iters) as f64 / start.elapsed().as_secs_f64() / 1e9
}

/// Writer allocates, fills from the source, sends the descriptor; the child accepts, reads
/// every byte in place (checksum), frees, replies with the checksum. `window` blobs in flight.
fn blob_gbps(size: usize, iters: usize, window: usize) -> f64 {
    let seg = ring_segment(Some(window * size + size + 64 * MIB));
    let heap = seg.heap(2).expect("heap");
    let (mut down, mut up) = (seg.producer(0).expect("down"), seg.consumer(1).expect("up"));
    let mut child = spawn_segment_child("blob", &seg);
    wait_ready(&mut up);
    let src = source(size);
    let expected = checksum(&src);
    let send = |down: &mut shm::Producer| {
        let mut blob = heap.alloc(size, WAIT).expect("alloc");
        blob.copy_from_slice(&src);
        let d = blob.into_descriptor().expect("descriptor");
        down.push(&d.to_bytes(), WAIT).expect("push");
    };
    let receive = |up: &mut shm::Consumer| {
        let reply = up.pop(WAIT).expect("pop");
        assert_eq!(u64::from_le_bytes(reply[..8].try_into().expect("8 bytes")), expected);
    };
    // Warm-up: touch every page the transfers will use, on both sides.
    for _ in 0..window {
        send(&mut down);
    }
    for _ in 0..window {
        receive(&mut up);
    }
    let start = Instant::now();
    for _ in 0..window.min(iters) {
        send(&mut down);
    }
    for i in 0..iters {
        receive(&mut up);
        if i + window < iters {
            send(&mut down);
        }
    }
    let gbps = (size * iters) as f64 / start.elapsed().as_secs_f64() / 1e9;
    drop(down);
    child.wait().expect("blob child");
    gbps
}
