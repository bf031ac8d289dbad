//! The blob heap shared with a real child process.

mod common;

use std::time::Duration;

use common::{NO_HANG, Peer, test_segment};
use shm::{Descriptor, ErrorKind, PAGE};

#[test]
fn alloc_waits_on_an_exhausted_heap_until_the_child_frees() {
    let seg = test_segment(4096, 2 << 20);
    let (mut down, mut up, heap) =
        (seg.producer(0).unwrap(), seg.consumer(1).unwrap(), seg.heap(2).unwrap());
    let mut peer = Peer::spawn(&seg, &["hold-until-go"]);
    // Hand every page to the child.
    loop {
        match heap.try_alloc(PAGE) {
            Ok(blob) => down.push(&blob.into_descriptor().unwrap().to_bytes(), NO_HANG).unwrap(),
            Err(e) if e.kind() == ErrorKind::HeapExhausted => break,
            Err(e) => panic!("{e}"),
        }
    }
    down.push(&[], NO_HANG).unwrap();
    assert_eq!(&*up.pop(NO_HANG).unwrap(), b"held");
    assert_eq!(heap.stats().attacher_bytes, heap.max_blob());
    assert_eq!(heap.try_alloc(PAGE).unwrap_err().kind(), ErrorKind::HeapExhausted);

    let mut stdin = peer.child.stdin.take().unwrap();
    let go = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        std::io::Write::write_all(&mut stdin, b"go\n").unwrap();
        stdin
    });
    // Exhausted until the child frees: this waits on the heap's futex.
    let blob = heap.alloc(PAGE, NO_HANG).unwrap();
    assert_eq!(blob.len(), PAGE);
    assert_eq!(&*up.pop(NO_HANG).unwrap(), b"freed");
    drop(go.join().unwrap());
    drop(down);
    peer.finish();
}

#[test]
fn out_of_bounds_stale_and_double_descriptors_from_a_child_are_refused() {
    let seg = test_segment(4096, 1 << 20);
    let (mut up, heap) = (seg.consumer(1).unwrap(), seg.heap(2).unwrap());
    let peer = Peer::spawn(&seg, &["forge"]);
    let mut next = || {
        let record = up.pop(NO_HANG).unwrap();
        assert_eq!(record[0], b'B');
        Descriptor::from_bytes(&record[1..]).unwrap()
    };
    for i in 0..6 {
        let forged = next();
        let err = heap.accept(forged).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfBounds, "forgery {i}: {forged:?}");
    }
    assert_eq!(heap.accept(next()).unwrap_err().kind(), ErrorKind::StaleDescriptor);
    let valid = next();
    let blob = heap.accept(valid).unwrap();
    assert!(blob.len() == 3000 && blob.iter().all(|&b| b == 0x5a));
    // The same descriptor again while we hold it, then after we freed it.
    let again = next();
    assert_eq!(heap.accept(again).unwrap_err().kind(), ErrorKind::NotFromPeer);
    drop(blob);
    assert_eq!(heap.accept(again).unwrap_err().kind(), ErrorKind::StaleDescriptor);
    assert_eq!(heap.release(again).unwrap_err().kind(), ErrorKind::StaleDescriptor);
    assert_eq!(&*up.pop(NO_HANG).unwrap(), b"end");
    peer.finish();
    let stats = heap.stats();
    assert_eq!((stats.creator_bytes, stats.attacher_bytes), (0, 0), "{stats:?}");
}

#[test]
fn both_processes_allocating_at_once_never_share_a_block() {
    let seg = test_segment(4096, 4 << 20);
    let (mut up, heap) = (seg.consumer(1).unwrap(), seg.heap(2).unwrap());
    let peer = Peer::spawn(&seg, &["churn", "2000"]);
    let sizes = [0usize, 1, 1000, 5000, 20_000, 70_000, 200_000];
    let mut live = Vec::new();
    for i in 0..2000usize {
        let mut blob = heap.alloc(sizes[(i * 3) % sizes.len()], NO_HANG).unwrap();
        let tag = i as u8 & 0x7f; // the child uses 0x80 | i
        blob.fill(tag);
        live.push((blob, tag));
        if live.len() > 3 {
            let (blob, tag) = live.remove(0);
            assert!(blob.iter().all(|&b| b == tag), "a block was shared with the child");
        }
    }
    drop(live);
    assert_eq!(&*up.pop(NO_HANG).unwrap(), b"done");
    peer.finish();
    let stats = heap.stats();
    assert_eq!((stats.creator_bytes, stats.attacher_bytes), (0, 0), "{stats:?}");
}
