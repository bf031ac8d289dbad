//! The ring between this process and a real child (`shm-test-peer`) that inherited the memfd.

mod common;

use std::time::Duration;

use common::{FNV_START, NO_HANG, Peer, fold, numbered_record, test_segment};
use shm::ErrorKind;

#[test]
fn million_records_arrive_in_order_with_matching_checksum() {
    const N: u64 = 1_000_000;
    let seg = test_segment(64 << 10, 1 << 20);
    let mut up = seg.consumer(1).unwrap();
    let peer = Peer::spawn(&seg, &["produce", &N.to_string()]);
    let (mut sum, mut expected) = (FNV_START, Vec::new());
    for i in 0..N {
        let record = up.pop(NO_HANG).unwrap();
        numbered_record(i, &mut expected);
        if *record != *expected {
            panic!("record {i} out of order or corrupted: {:?}", &record[..8.min(record.len())]);
        }
        sum = fold(sum, &record);
    }
    let theirs = up.pop(NO_HANG).unwrap();
    assert_eq!(&*theirs, &sum.to_le_bytes(), "checksums differ");
    drop(theirs);
    peer.finish();
    // The child closed its end cleanly after its last record.
    assert_eq!(up.pop(NO_HANG).unwrap_err().kind(), ErrorKind::PeerClosed);
}

#[test]
fn push_into_a_full_ring_waits_until_the_child_consumes() {
    let seg = test_segment(4096, 1 << 20);
    let mut down = seg.producer(0).unwrap();
    let mut up = seg.consumer(1).unwrap();
    let mut peer = Peer::spawn(&seg, &["consume-on-go"]);
    let (mut sent, mut sum, mut buf) = (0u64, FNV_START, Vec::new());
    loop {
        numbered_record(sent, &mut buf);
        match down.try_push(&buf) {
            Ok(()) => {
                sum = fold(sum, &buf);
                sent += 1;
            }
            Err(e) if e.kind() == ErrorKind::Full => break,
            Err(e) => panic!("{e}"),
        }
    }
    // The child pops nothing before "go"; send it a little later, from another thread.
    let mut stdin = peer.child.stdin.take().unwrap();
    let go = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        std::io::Write::write_all(&mut stdin, b"go\n").unwrap();
        stdin
    });
    // Full ring: this waits for the child.
    numbered_record(sent, &mut buf);
    down.push(&buf, NO_HANG).unwrap();
    sum = fold(sum, &buf);
    sent += 1;
    down.push(&[], NO_HANG).unwrap();
    let report = up.pop(NO_HANG).unwrap();
    assert_eq!(&report[..8], &sent.to_le_bytes(), "child saw a different number of records");
    assert_eq!(&report[8..], &sum.to_le_bytes(), "records were corrupted or reordered");
    drop(report);
    drop(go.join().unwrap());
    peer.finish();
}
