//! Unit tests of the ring, including what a hostile peer can write into its header.

use super::*;

fn ring(capacity: usize) -> (Producer, Consumer) {
    let seg = Segment::builder().ring(capacity).build().unwrap();
    (seg.producer(0).unwrap(), seg.consumer(0).unwrap())
}

/// `try_push`, letting the consumer drain a pad record if one is in the way (a pad is
/// consumed by the consumer's next pop attempt, which then finds the ring empty).
fn push_past_pad(p: &mut Producer, c: &mut Consumer, payload: &[u8]) {
    if let Err(e) = p.try_push(payload) {
        assert_eq!(e.kind(), ErrorKind::Full);
        assert_eq!(c.try_pop().unwrap_err().kind(), ErrorKind::Empty);
        p.try_push(payload).unwrap();
    }
}

#[test]
fn records_wrap_with_a_pad_and_keep_their_bytes() {
    let (mut p, mut c) = ring(64);
    for round in 0..50u8 {
        let payload = vec![round; (round % 13) as usize * 3];
        push_past_pad(&mut p, &mut c, &payload);
        assert_eq!(&*c.try_pop().unwrap(), &payload[..]);
    }
}

#[test]
fn a_full_ring_refuses_try_push_until_a_pop() {
    let (mut p, mut c) = ring(64);
    p.try_push(&[1; 28]).unwrap(); // 32 bytes
    p.try_push(&[2; 28]).unwrap(); // 32 bytes: full
    assert_eq!(p.try_push(&[]).unwrap_err().kind(), ErrorKind::Full);
    assert_eq!(c.try_pop().unwrap()[0], 1);
    p.try_push(&[3; 20]).unwrap();
}

#[test]
fn a_record_needing_the_whole_ring_goes_behind_a_pad() {
    let (mut p, mut c) = ring(64);
    p.try_push(&[9; 4]).unwrap();
    drop(c.try_pop().unwrap());
    // Tail at 8: a 60-byte record must go to index 0 behind a 56-byte pad, which the
    // consumer has to skip before the record fits.
    push_past_pad(&mut p, &mut c, &[7; 60]);
    let r = c.try_pop().unwrap();
    assert_eq!(r.len(), 60);
    assert!(r.iter().all(|&b| b == 7));
}

#[test]
fn a_corrupt_length_from_the_peer_is_an_error_not_a_read() {
    let seg = Segment::builder().ring(64).build().unwrap();
    let (mut p, mut c) = (seg.producer(0).unwrap(), seg.consumer(0).unwrap());
    p.try_push(&[1, 2, 3]).unwrap();
    // Forge the record header as a hostile producer would.
    let data = seg
        .inner
        .base()
        .wrapping_add(seg.inner.region(0, RegionKind::Ring).unwrap().offset + RING_HEADER_LEN);
    // SAFETY: index 0 of the data area of a live ring in this test's own segment.
    unsafe { data.cast::<u32>().write_volatile(1000) };
    assert_eq!(c.try_pop().unwrap_err().kind(), ErrorKind::Corrupt);
}

#[test]
fn a_forged_tail_is_refused_when_the_producer_opens() {
    // Unaligned, and more than a capacity ahead of head: either would let the producer
    // write a misaligned header or over unread records.
    for forged in [3, 128] {
        let seg = Segment::builder().ring(64).build().unwrap();
        let region = seg.inner.region(0, RegionKind::Ring).unwrap();
        let base = seg.inner.base().wrapping_add(region.offset);
        // SAFETY: OFF_TAIL is a 4-aligned word in the header of a live ring of this test's
        // own segment, which outlives the reference.
        let tail = unsafe { segment::atomic_u32_at(base, OFF_TAIL) };
        tail.store(forged, Ordering::SeqCst);
        assert_eq!(seg.producer(0).unwrap_err().kind(), ErrorKind::Corrupt, "tail {forged}");
    }
}

#[test]
fn each_end_can_be_opened_once() {
    let seg = Segment::builder().ring(64).build().unwrap();
    let _p = seg.producer(0).unwrap();
    assert_eq!(seg.producer(0).unwrap_err().kind(), ErrorKind::AlreadyClaimed);
}

/// The header word at `offset` of ring 0 in `seg`, as a hostile peer sees it.
fn peer_word(seg: &Segment, offset: usize) -> &AtomicU32 {
    let region = seg.inner.region(0, RegionKind::Ring).unwrap();
    let base = seg.inner.base().wrapping_add(region.offset);
    // SAFETY: `offset` is a 4-aligned word in the header of a live ring of this test's own
    // segment, which outlives the reference.
    unsafe { segment::atomic_u32_at(base, offset) }
}

#[test]
fn forged_indices_are_refused_when_either_end_opens() {
    // (head, tail): unaligned head, unaligned tail, tail more than a capacity ahead, head
    // ahead of tail (which wraps to the same).
    for (head, tail) in [(3, 8), (0, 5), (0, 128), (72, 8)] {
        for producer in [true, false] {
            let seg = Segment::builder().ring(64).build().unwrap();
            peer_word(&seg, OFF_HEAD).store(head, Ordering::SeqCst);
            peer_word(&seg, OFF_TAIL).store(tail, Ordering::SeqCst);
            let err = if producer {
                seg.producer(0).map(drop).unwrap_err()
            } else {
                seg.consumer(0).map(drop).unwrap_err()
            };
            assert_eq!(err.kind(), ErrorKind::Corrupt, "head {head} tail {tail}: {err}");
            assert!(err.to_string().contains("region 0"), "{err}");
        }
    }
}

#[test]
fn a_head_moved_past_tail_is_refused_every_time_without_a_panic() {
    let seg = Segment::builder().ring(64).build().unwrap();
    let (mut p, _c) = (seg.producer(0).unwrap(), seg.consumer(0).unwrap());
    p.try_push(&[1; 28]).unwrap();
    p.try_push(&[2; 28]).unwrap(); // full: the next push re-reads head
    peer_word(&seg, OFF_HEAD).store(200, Ordering::SeqCst);
    for attempt in 0..2 {
        let err = p.try_push(&[3]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corrupt, "attempt {attempt}: {err}");
    }
}

#[test]
fn a_record_keeps_its_length_when_the_peer_rewrites_its_header() {
    // The trust boundary of `Record` (see the README): the peer may rewrite bytes under a
    // record we hold, but its bounds came from one checked load and are never re-read.
    let seg = Segment::builder().ring(64).build().unwrap();
    let (mut p, mut c) = (seg.producer(0).unwrap(), seg.consumer(0).unwrap());
    p.try_push(&[1, 2, 3]).unwrap();
    let region = seg.inner.region(0, RegionKind::Ring).unwrap();
    let data = seg.inner.base().wrapping_add(region.offset + RING_HEADER_LEN);
    let record = c.try_pop().unwrap();
    // SAFETY: index 0 of the data area of a live ring in this test's own segment (4-aligned);
    // this is the write a hostile producer would make under the consumer's record.
    unsafe { data.cast::<u32>().write_volatile(1000) };
    assert_eq!(record.len(), 3);
    assert_eq!(&*record, &[1, 2, 3]);
    drop(record);
    p.try_push(&[4]).unwrap();
    assert_eq!(&*c.try_pop().unwrap(), &[4]);
}
