//! Test helper: the child process of the `shm` integration tests and nothing else.
//!
//! Usage: `shm-test-peer FD COMMAND [ARGS...]`, where `FD` is the inherited segment descriptor.
//! The segment is laid out by the tests as: region 0, a ring parent → child ("down"); region 1,
//! a ring child → parent ("up"); region 2, a heap. Ring records that carry a payload start
//! with a tag byte: `R` + inline bytes, or `B` + a 20-byte blob descriptor.
//!
//! Commands:
//!
//! - `echo`: send every record back (`R` as is; `B` by accepting the blob, copying it into a
//!   new blob and sending that), until the parent closes the down ring.
//! - `produce N`: push N numbered records up, then one record with their checksum.
//! - `consume-on-go`: wait for a line on stdin, then pop records until an empty one and
//!   push up `[count, checksum]` (two little-endian u64).
//! - `hold-until-go`: accept blobs until an empty record, push `held`, wait for a line on
//!   stdin, free them all, push `freed`.
//! - `hold-and-hang BYTES`: allocate about BYTES of blobs (and send one that the parent never
//!   accepts), push `ready`, then sleep until killed.
//! - `forge`: send forged descriptors (see `forge` below), then `end`.
//! - `churn N`: allocate, fill, verify and free N blobs of varying sizes, push `done`.
//! - `exit-now`: exit with status 3 without attaching.

use std::io::BufRead;
use std::process::exit;
use std::time::Duration;

use shm::{Blob, Consumer, Descriptor, ErrorKind, Heap, Producer, Segment};

const WAIT: Duration = Duration::from_secs(60);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: shm-test-peer FD COMMAND [ARGS...]");
        exit(2);
    }
    if args[2] == "exit-now" {
        exit(3);
    }
    let fd: i32 = args[1].parse().unwrap_or_else(|_| fail("FD must be a number"));
    // SAFETY: the parent passed this descriptor number for us alone (Segment::share_with).
    let seg = unsafe { Segment::attach_raw_fd(fd) }.unwrap_or_else(|e| fail(&e.to_string()));
    let mut down = seg.consumer(0).unwrap_or_else(|e| fail(&e.to_string()));
    let mut up = seg.producer(1).unwrap_or_else(|e| fail(&e.to_string()));
    let heap = seg.heap(2).unwrap_or_else(|e| fail(&e.to_string()));
    let arg = |i: usize| -> u64 {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or_else(|| fail("missing number"))
    };
    match args[2].as_str() {
        "echo" => echo(&mut down, &mut up, &heap),
        "produce" => produce(&mut up, arg(3)),
        "consume-on-go" => consume_on_go(&mut down, &mut up),
        "hold-until-go" => hold_until_go(&mut down, &mut up, &heap),
        "hold-and-hang" => hold_and_hang(&mut up, &heap, arg(3) as usize),
        "forge" => forge(&mut up, &heap, seg.len() as u64),
        "churn" => churn(&mut up, &heap, arg(3)),
        other => fail(&format!("unknown command {other}")),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("shm-test-peer: {msg}");
    exit(1)
}

fn check<T>(r: Result<T, shm::Error>) -> T {
    r.unwrap_or_else(|e| fail(&e.to_string()))
}

fn wait_for_go() {
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        fail("cannot read stdin");
    }
}

fn echo(down: &mut Consumer, up: &mut Producer, heap: &Heap) {
    loop {
        let record = match down.pop(WAIT) {
            Ok(r) => r,
            Err(e) if e.kind() == ErrorKind::PeerClosed => return,
            Err(e) => fail(&e.to_string()),
        };
        match record.first() {
            Some(b'B') => {
                let received = check(heap.accept(check(Descriptor::from_bytes(&record[1..]))));
                drop(record);
                let mut copy = check(heap.alloc(received.len(), WAIT));
                copy.copy_from_slice(&received);
                drop(received);
                let d = check(copy.into_descriptor());
                check(up.push_parts(&[b"B", &d.to_bytes()], WAIT));
            }
            _ => {
                let bytes = record.to_vec();
                drop(record);
                check(up.push(&bytes, WAIT));
            }
        }
    }
}

/// Record `i` of `produce`: `i` as 8 LE bytes, then `i % 57` bytes of `(i + k) as u8`.
fn numbered_record(i: u64, buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend_from_slice(&i.to_le_bytes());
    buf.extend((0..i % 57).map(|k| (i + k) as u8));
}

/// FNV-1a over a record's bytes, folded into a running checksum.
fn fold(mut sum: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        sum = (sum ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    sum
}

fn produce(up: &mut Producer, n: u64) {
    let mut sum = 0xcbf2_9ce4_8422_2325;
    let mut buf = Vec::new();
    for i in 0..n {
        numbered_record(i, &mut buf);
        sum = fold(sum, &buf);
        check(up.push(&buf, WAIT));
    }
    check(up.push(&sum.to_le_bytes(), WAIT));
}

fn consume_on_go(down: &mut Consumer, up: &mut Producer) {
    wait_for_go();
    let (mut count, mut sum) = (0u64, 0xcbf2_9ce4_8422_2325);
    loop {
        let record = check(down.pop(WAIT));
        if record.is_empty() {
            break;
        }
        count += 1;
        sum = fold(sum, &record);
    }
    check(up.push_parts(&[&count.to_le_bytes(), &sum.to_le_bytes()], WAIT));
}

fn hold_until_go(down: &mut Consumer, up: &mut Producer, heap: &Heap) {
    let mut held: Vec<Blob> = Vec::new();
    loop {
        let record = check(down.pop(WAIT));
        if record.is_empty() {
            break;
        }
        held.push(check(heap.accept(check(Descriptor::from_bytes(&record)))));
    }
    check(up.push(b"held", WAIT));
    wait_for_go();
    drop(held);
    check(up.push(b"freed", WAIT));
}

fn hold_and_hang(up: &mut Producer, heap: &Heap, bytes: usize) {
    let mut held = Vec::new();
    let mut total = 0;
    while total < bytes {
        let blob = check(heap.alloc(shm::PAGE, WAIT));
        total += blob.capacity();
        held.push(blob);
    }
    // One more, sent but never accepted: in flight from us when we die.
    let mut orphan = check(heap.alloc(100, WAIT));
    orphan.fill(1);
    let _descriptor = check(orphan.into_descriptor());
    check(up.push(b"ready", WAIT));
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Sends descriptors a broken or hostile peer might send, each as `B` + descriptor, in this
/// order: six out of bounds, one with a wrong generation, then the valid one twice.
fn forge(up: &mut Producer, heap: &Heap, segment_len: u64) {
    let mut blob = check(heap.alloc(3000, WAIT));
    blob.fill(0x5a);
    let d = check(blob.into_descriptor());
    let (o, l, g) = (d.offset(), d.len(), d.generation());
    let forged = [
        Descriptor::new(0, 10, g),                  // inside the segment header
        Descriptor::new(segment_len + 4096, 10, g), // past the end of the segment
        Descriptor::new(u64::MAX, 10, g),           // offset arithmetic overflow
        Descriptor::new(o + 8, l, g),               // not the start of a block
        Descriptor::new(o, l + 1, g),               // longer than recorded
        Descriptor::new(o, u64::MAX, g),            // absurd length
        Descriptor::new(o, l, g.wrapping_add(1)),   // wrong generation
        d,
        d,
    ];
    for f in forged {
        check(up.push_parts(&[b"B", &f.to_bytes()], WAIT));
    }
    check(up.push(b"end", WAIT));
}

fn churn(up: &mut Producer, heap: &Heap, n: u64) {
    let sizes = [0usize, 1, 1000, 5000, 20_000, 70_000, 200_000];
    for i in 0..n {
        let len = sizes[(i % sizes.len() as u64) as usize];
        let mut blob = check(heap.alloc(len, WAIT));
        let tag = 0x80 | (i as u8 & 0x7f);
        blob.fill(tag);
        std::thread::yield_now();
        if blob.iter().any(|&b| b != tag) {
            fail("a block was written by someone else while we owned it");
        }
    }
    check(up.push(b"done", WAIT));
}
