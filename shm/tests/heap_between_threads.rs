//! The blob heap with both sides in this process: validation of descriptors, exhaustion,
//! concurrent use.

mod common;

use std::time::Duration;

use common::{NO_HANG, two_sides};
use shm::{Descriptor, ErrorKind, Heap, PAGE, Segment, Side};

/// A segment with one heap of `bytes`, and a heap handle for each side.
fn heaps(bytes: usize) -> (Segment, Heap, Heap) {
    let seg = Segment::builder().heap(bytes).build().unwrap();
    let cell = two_sides(&seg);
    let (host_heap, cell_heap) = (seg.heap(0).unwrap(), cell.heap(0).unwrap());
    (seg, host_heap, cell_heap)
}

fn send(heap: &Heap, bytes: &[u8]) -> Descriptor {
    let mut blob = heap.alloc(bytes.len(), NO_HANG).unwrap();
    blob.copy_from_slice(bytes);
    blob.into_descriptor().unwrap()
}

#[test]
fn accepted_blob_reads_in_place_and_frees_on_drop() {
    let (_seg, writer, reader) = heaps(1 << 20);
    let d = send(&writer, b"hello");
    assert_eq!(writer.stats().in_flight, 1);
    let blob = reader.accept(d).unwrap();
    assert_eq!(&*blob, b"hello");
    assert_eq!(reader.stats().held_by(Side::Attacher), shm::CLASS_SIZES[0]);
    drop(blob);
    let stats = reader.stats();
    assert_eq!((stats.creator_bytes, stats.attacher_bytes, stats.in_flight), (0, 0, 0));
}

#[test]
fn double_free_is_refused() {
    let (_seg, writer, reader) = heaps(1 << 20);
    let d = send(&writer, &[1; 5000]);
    reader.release(d).unwrap();
    assert_eq!(reader.release(d).unwrap_err().kind(), ErrorKind::StaleDescriptor);
    assert_eq!(reader.accept(d).unwrap_err().kind(), ErrorKind::StaleDescriptor);
}

#[test]
fn stale_descriptor_is_refused_after_the_block_is_reused() {
    let (_seg, writer, reader) = heaps(1 << 20);
    let old = send(&writer, &[1; 100]);
    drop(reader.accept(old).unwrap());
    // Reuse until the same block comes back with a new generation.
    let mut reused = None;
    for _ in 0..10_000 {
        let d = send(&writer, &[2; 100]);
        if d.offset() == old.offset() {
            reused = Some(d);
            break;
        }
        reader.release(d).unwrap();
    }
    let new = reused.expect("the block was never reused");
    assert_ne!(new.generation(), old.generation());
    let err = reader.accept(old).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StaleDescriptor);
    assert!(err.to_string().contains("stale"), "{err}");
    assert_eq!(&*reader.accept(new).unwrap(), &[2; 100]);
}

#[test]
fn descriptor_accepted_twice_is_refused() {
    let (_seg, writer, reader) = heaps(1 << 20);
    let d = send(&writer, &[3; 10]);
    let held = reader.accept(d).unwrap();
    assert_eq!(reader.accept(d).unwrap_err().kind(), ErrorKind::NotFromPeer);
    assert_eq!(&*held, &[3; 10]);
}

#[test]
fn own_descriptor_is_not_accepted_as_coming_from_the_peer() {
    let (_seg, writer, _reader) = heaps(1 << 20);
    let d = send(&writer, &[4; 10]);
    assert_eq!(writer.accept(d).unwrap_err().kind(), ErrorKind::NotFromPeer);
}

#[test]
fn out_of_bounds_descriptors_are_refused() {
    let (seg, writer, reader) = heaps(1 << 20);
    let d = send(&writer, &[5; 3000]);
    let (o, l, g) = (d.offset(), d.len(), d.generation());
    let forged = [
        Descriptor::new(0, 1, g),
        Descriptor::new(seg.len() as u64, 1, g),
        Descriptor::new(u64::MAX, 1, g),
        Descriptor::new(o + 1, l, g),
        Descriptor::new(o - 8, l, g),
        Descriptor::new(o, l + 1, g),
        Descriptor::new(o, u64::MAX, g),
    ];
    for f in forged {
        let err = reader.accept(f).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfBounds, "{f:?}");
    }
    // The real one still works: refusals changed nothing.
    assert_eq!(&*reader.accept(d).unwrap(), &[5; 3000][..]);
}

#[test]
fn blob_larger_than_the_heap_is_refused_with_streaming_advice() {
    let (_seg, writer, _reader) = heaps(1 << 20);
    let max = writer.max_blob();
    let err = writer.alloc(max + 1, NO_HANG).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BlobTooLarge { len: max + 1, max });
    assert!(err.to_string().contains("stream"), "{err}");
    drop(writer.try_alloc(max).unwrap()); // the largest one fits in an empty heap
}

#[test]
fn alloc_waits_on_an_exhausted_heap_until_the_reader_frees() {
    let (_seg, writer, reader) = heaps(1 << 20);
    let mut sent = Vec::new();
    loop {
        match writer.try_alloc(PAGE) {
            Ok(blob) => sent.push(blob.into_descriptor().unwrap()),
            Err(e) if e.kind() == ErrorKind::HeapExhausted => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(
        writer.alloc(PAGE, Duration::from_millis(30)).unwrap_err().kind(),
        ErrorKind::Timeout
    );
    let reader_thread = std::thread::spawn(move || {
        let held: Vec<_> = sent.into_iter().map(|d| reader.accept(d).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
    });
    let blob = writer.alloc(PAGE, NO_HANG).unwrap();
    assert_eq!(blob.len(), PAGE);
    reader_thread.join().unwrap();
}

#[test]
fn reclaim_is_refused_while_the_peer_lives() {
    let (_seg, writer, reader) = heaps(1 << 20);
    let _in_flight = send(&writer, &[1; 40_000]);
    let _held = reader.try_alloc(3 * PAGE).unwrap();
    let err = writer.reclaim_peer().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PeerAlive);
    // Nothing was touched.
    let stats = writer.stats();
    assert_eq!((stats.in_flight, stats.attacher_bytes), (1, 3 * PAGE));
}

#[test]
fn both_sides_allocating_at_once_never_share_a_block() {
    let (_seg, host, cell) = heaps(4 << 20);
    let churn = |heap: Heap, tag_base: u8| {
        std::thread::spawn(move || {
            let sizes = [0usize, 1, 1000, 5000, 20_000, 70_000, 200_000];
            let mut live = Vec::new();
            for i in 0..3000usize {
                let mut blob = heap.alloc(sizes[i % sizes.len()], NO_HANG).unwrap();
                let tag = tag_base | (i as u8 & 0x7f);
                blob.fill(tag);
                live.push((blob, tag));
                if live.len() > 4 {
                    let (blob, tag) = live.remove(i % 4);
                    assert!(blob.iter().all(|&b| b == tag), "block shared between owners");
                }
            }
        })
    };
    let a = churn(host.clone(), 0x00);
    let b = churn(cell, 0x80);
    a.join().unwrap();
    b.join().unwrap();
    let stats = host.stats();
    assert_eq!((stats.creator_bytes, stats.attacher_bytes), (0, 0), "{stats:?}");
}
