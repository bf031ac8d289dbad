//! The ring between two threads, each holding its own side of one segment.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{FNV_START, NO_HANG, fold, numbered_record, two_sides};
use shm::{ErrorKind, Segment};

fn pair(capacity: usize) -> (Segment, Segment) {
    let seg = Segment::builder().ring(capacity).build().unwrap();
    let other = two_sides(&seg);
    (seg, other)
}

#[test]
fn push_waits_on_a_full_ring_and_wakes_when_the_consumer_pops() {
    let (host, cell) = pair(256);
    let mut producer = host.producer(0).unwrap();
    let mut sent = 0u8;
    while producer.try_push(&[sent; 20]).is_ok() {
        sent += 1;
    }
    let popped = Arc::new(AtomicUsize::new(0));
    let popped_in_consumer = popped.clone();
    let consumer = std::thread::spawn(move || {
        let mut consumer = cell.consumer(0).unwrap();
        // Give the producer time to fall asleep (not needed for correctness).
        std::thread::sleep(Duration::from_millis(50));
        let mut seen = Vec::new();
        for _ in 0..=sent {
            let record = consumer.pop(NO_HANG).unwrap();
            seen.push(record.to_vec());
            popped_in_consumer.fetch_add(1, Ordering::SeqCst);
        }
        seen
    });
    // The ring is full and nobody has popped: this push can only succeed by waiting.
    assert_eq!(popped.load(Ordering::SeqCst), 0);
    producer.push(&[sent; 20], NO_HANG).unwrap();
    assert!(popped.load(Ordering::SeqCst) >= 1, "push returned before any space was freed");
    let seen = consumer.join().unwrap();
    // Nothing dropped, nothing corrupted, order kept.
    assert_eq!(seen.len(), sent as usize + 1);
    for (i, record) in seen.iter().enumerate() {
        assert_eq!(record, &vec![i as u8; 20]);
    }
}

#[test]
fn pop_waits_on_an_empty_ring_and_wakes_when_the_producer_pushes() {
    let (host, cell) = pair(4096);
    let mut consumer = host.consumer(0).unwrap();
    let producer = std::thread::spawn(move || {
        let mut producer = cell.producer(0).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        producer.push(b"late", NO_HANG).unwrap();
        producer // keep the end open until joined
    });
    assert_eq!(&*consumer.pop(NO_HANG).unwrap(), b"late");
    drop(producer.join().unwrap());
}

#[test]
fn timeouts_leave_the_ring_unchanged() {
    let (host, cell) = pair(64);
    let mut producer = host.producer(0).unwrap();
    let mut consumer = cell.consumer(0).unwrap();
    assert_eq!(consumer.pop(Duration::from_millis(30)).unwrap_err().kind(), ErrorKind::Timeout);
    producer.push(&[1; 28], NO_HANG).unwrap();
    producer.push(&[2; 28], NO_HANG).unwrap();
    let err = producer.push(&[3; 28], Duration::from_millis(30)).unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(&*consumer.pop(NO_HANG).unwrap(), &[1; 28]);
    assert_eq!(&*consumer.pop(NO_HANG).unwrap(), &[2; 28]);
    assert_eq!(consumer.try_pop().unwrap_err().kind(), ErrorKind::Empty);
}

#[test]
fn try_push_and_try_pop_never_block() {
    let (host, cell) = pair(64);
    let mut producer = host.producer(0).unwrap();
    let mut consumer = cell.consumer(0).unwrap();
    let start = Instant::now();
    for _ in 0..1000 {
        assert_eq!(consumer.try_pop().unwrap_err().kind(), ErrorKind::Empty);
    }
    while producer.try_push(&[0; 8]).is_ok() {}
    for _ in 0..1000 {
        assert_eq!(producer.try_push(&[0; 8]).unwrap_err().kind(), ErrorKind::Full);
    }
    assert!(start.elapsed() < NO_HANG);
}

#[test]
fn consumer_drains_every_record_then_sees_peer_closed() {
    let (host, cell) = pair(4096);
    let mut consumer = host.consumer(0).unwrap();
    let mut producer = cell.producer(0).unwrap();
    for i in 0..10u8 {
        producer.push(&[i], NO_HANG).unwrap();
    }
    drop(producer);
    for i in 0..10u8 {
        assert_eq!(&*consumer.pop(NO_HANG).unwrap(), &[i]);
    }
    assert_eq!(consumer.pop(NO_HANG).unwrap_err().kind(), ErrorKind::PeerClosed);
    assert_eq!(consumer.try_pop().unwrap_err().kind(), ErrorKind::PeerClosed);
}

#[test]
fn producer_sees_peer_closed_once_the_consumer_is_dropped() {
    let (host, cell) = pair(64);
    let mut producer = host.producer(0).unwrap();
    producer.push(&[0; 50], NO_HANG).unwrap();
    let consumer = cell.consumer(0).unwrap();
    let dropper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        drop(consumer);
    });
    // Blocked on a full ring; the consumer going away ends the wait.
    let err = producer.push(&[0; 50], NO_HANG).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PeerClosed);
    dropper.join().unwrap();
}

#[test]
fn dropping_the_peer_segment_wakes_a_blocked_pop() {
    let (host, cell) = pair(4096);
    let mut consumer = host.consumer(0).unwrap();
    let dropper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        drop(cell);
    });
    let start = Instant::now();
    let err = consumer.pop(NO_HANG).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PeerClosed);
    assert!(start.elapsed() < NO_HANG);
    dropper.join().unwrap();
}

#[test]
fn records_of_0_bytes_up_to_the_max_fit_and_one_byte_more_is_refused() {
    let (host, cell) = pair(1024);
    let mut producer = host.producer(0).unwrap();
    let mut consumer = cell.consumer(0).unwrap();
    let max = producer.max_record();
    assert_eq!(max, 1024 - shm::RECORD_HEADER_LEN);
    for len in [0, 1, 3, 4, 5, 7, 8, 9, max - 1, max] {
        let payload = common::pattern(len, 7);
        // One thread plays both ends, so a push must not wait for a pad to be skipped: let
        // the consumer skip it (its pop attempt finds the ring empty), then push again.
        if producer.try_push(&payload).is_err() {
            assert_eq!(consumer.try_pop().unwrap_err().kind(), ErrorKind::Empty);
            producer.try_push(&payload).unwrap();
        }
        assert_eq!(&*consumer.pop(NO_HANG).unwrap(), &payload[..], "len {len}");
    }
    let err = producer.try_push(&vec![0; max + 1]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RecordTooLarge { len: max + 1, max });
    assert!(err.to_string().contains("blob heap"), "{err}");
}

#[test]
fn a_record_split_in_parts_arrives_as_one() {
    let (host, cell) = pair(128);
    let mut producer = host.producer(0).unwrap();
    let mut consumer = cell.consumer(0).unwrap();
    for _ in 0..20 {
        producer.push_parts(&[b"head:", b"", b"body"], NO_HANG).unwrap();
        assert_eq!(&*consumer.pop(NO_HANG).unwrap(), b"head:body");
    }
}

#[test]
fn hundred_thousand_records_arrive_in_order_between_threads() {
    let n: u64 = if cfg!(miri) { 1_000 } else { 100_000 };
    let (host, cell) = pair(4096);
    let producer = std::thread::spawn(move || {
        let mut producer = cell.producer(0).unwrap();
        let (mut buf, mut sum) = (Vec::new(), FNV_START);
        for i in 0..n {
            numbered_record(i, &mut buf);
            sum = fold(sum, &buf);
            producer.push(&buf, NO_HANG).unwrap();
        }
        sum
    });
    let mut consumer = host.consumer(0).unwrap();
    let (mut sum, mut expected) = (FNV_START, Vec::new());
    for i in 0..n {
        let record = consumer.pop(NO_HANG).unwrap();
        numbered_record(i, &mut expected);
        assert_eq!(&*record, &expected[..], "record {i}");
        sum = fold(sum, &record);
    }
    assert_eq!(producer.join().unwrap(), sum);
}
