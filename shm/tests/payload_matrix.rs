//! Every interesting payload size, inline through the ring and as a blob through the heap,
//! there and back: through a real child process, and between two threads.

mod common;

use common::{NO_HANG, Peer, pattern, test_segment, two_sides};
use shm::{CLASS_SIZES, Consumer, Descriptor, ErrorKind, Heap, PAGE, Producer, Segment};

const RING: usize = 64 << 10;
const HEAP: usize = 48 << 20;

/// 0 B, 1 B, the record alignment edge, each size-class and page edge ±1, the ring's largest
/// inline payload ±1, 4 KiB, 64 KiB, 1 MiB, 16 MiB.
fn sizes(max_inline: usize) -> Vec<usize> {
    let mut sizes = vec![0, 1, 3, 4, 5, 4 << 10, 64 << 10, 1 << 20, 16 << 20];
    for edge in CLASS_SIZES.into_iter().chain([PAGE, 2 * PAGE, max_inline]) {
        sizes.extend([edge - 1, edge, edge + 1]);
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// Sends each size inline (when it fits) and as a blob; checks what comes back.
fn run_matrix(down: &mut Producer, up: &mut Consumer, heap: &Heap) {
    let max_inline = down.max_record() - 1; // one tag byte
    for len in sizes(max_inline) {
        let payload = pattern(len, len as u8);
        // Inline: tag R.
        let inline = down.push_parts(&[b"R", &payload], NO_HANG);
        if len <= max_inline {
            inline.unwrap();
            let back = up.pop(NO_HANG).unwrap();
            assert_eq!(back[0], b'R');
            assert!(back[1..] == payload[..], "inline payload of {len} bytes came back different");
        } else {
            let err = inline.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::RecordTooLarge { len: len + 1, max: max_inline + 1 });
        }
        // Blob: tag B + descriptor. The reader copies it into a blob of its own.
        let mut blob = heap.alloc(len, NO_HANG).unwrap();
        assert!(blob.capacity() >= len);
        blob.copy_from_slice(&payload);
        let d = blob.into_descriptor().unwrap();
        down.push_parts(&[b"B", &d.to_bytes()], NO_HANG).unwrap();
        let back = up.pop(NO_HANG).unwrap();
        assert_eq!(back[0], b'B');
        let returned = heap.accept(Descriptor::from_bytes(&back[1..]).unwrap()).unwrap();
        drop(back);
        assert_eq!(returned.len(), len);
        assert!(*returned == payload[..], "blob of {len} bytes came back different");
    }
    // Everything was freed by whoever held it last.
    let stats = heap.stats();
    assert_eq!((stats.creator_bytes, stats.in_flight), (0, 0), "{stats:?}");
}

#[test]
fn payload_matrix_round_trips_through_a_child_process() {
    let seg = test_segment(RING, HEAP);
    let (mut down, mut up, heap) =
        (seg.producer(0).unwrap(), seg.consumer(1).unwrap(), seg.heap(2).unwrap());
    let peer = Peer::spawn(&seg, &["echo"]);
    run_matrix(&mut down, &mut up, &heap);
    drop(down);
    peer.finish();
    assert_eq!(heap.stats().attacher_bytes, 0);
}

/// What the child's `echo` command does, on a thread.
fn echo_thread(seg: Segment) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let (mut down, mut up, heap) =
            (seg.consumer(0).unwrap(), seg.producer(1).unwrap(), seg.heap(2).unwrap());
        loop {
            let record = match down.pop(NO_HANG) {
                Ok(r) => r,
                Err(e) if e.kind() == ErrorKind::PeerClosed => return,
                Err(e) => panic!("{e}"),
            };
            if record[0] == b'B' {
                let got = heap.accept(Descriptor::from_bytes(&record[1..]).unwrap()).unwrap();
                drop(record);
                let mut copy = heap.alloc(got.len(), NO_HANG).unwrap();
                copy.copy_from_slice(&got);
                let d = copy.into_descriptor().unwrap();
                up.push_parts(&[b"B", &d.to_bytes()], NO_HANG).unwrap();
            } else {
                let bytes = record.to_vec();
                drop(record);
                up.push(&bytes, NO_HANG).unwrap();
            }
        }
    })
}

#[test]
fn payload_matrix_round_trips_between_threads() {
    let seg = test_segment(RING, HEAP);
    let echo = echo_thread(two_sides(&seg));
    let (mut down, mut up, heap) =
        (seg.producer(0).unwrap(), seg.consumer(1).unwrap(), seg.heap(2).unwrap());
    run_matrix(&mut down, &mut up, &heap);
    drop(down);
    echo.join().unwrap();
    assert_eq!(heap.stats().attacher_bytes, 0);
}
