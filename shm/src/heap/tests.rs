//! Forged metadata: what a hostile peer can write into the heap's shared words, and what
//! [`Heap::accept`] must make of it. The peer here is the creator side of the segment; the
//! tests write its metadata words directly, as a process that ignores the protocol could.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Heap;
use super::layout::{CONT, IN_FLIGHT, OWNED, PAGE, PAGES, Word};
use crate::{Descriptor, ErrorKind, Segment, Side};

const SECOND: Duration = Duration::from_secs(1);

/// The peer's (creator's) heap and ours (the attacher's), sharing one segment.
fn heaps() -> (Heap, Heap, Segment, Segment) {
    let host = Segment::builder().heap(2 << 20).build().unwrap();
    let cell = Segment::attach(host.fd().try_clone_to_owned().unwrap()).unwrap();
    (host.heap(0).unwrap(), cell.heap(0).unwrap(), host, cell)
}

/// Global unit number of page `page`.
fn page_unit(heap: &Heap, page: usize) -> usize {
    heap.inner.geometry.areas[PAGES].first + page
}

fn word(heap: &Heap, unit: usize) -> Word {
    Word(heap.inner.meta(unit).word.load(Ordering::SeqCst))
}

/// Overwrites a unit's metadata as a hostile peer would; returns the descriptor naming it.
fn forge(heap: &Heap, unit: usize, forged: Word, len: u64) -> Descriptor {
    let meta = heap.inner.meta(unit);
    meta.len.store(len, Ordering::SeqCst);
    meta.word.store(forged.0, Ordering::SeqCst);
    let offset = heap.inner.region_offset + heap.inner.geometry.data_offset(unit);
    Descriptor::new(offset as u64, len, forged.generation())
}

/// A run of `pages` pages sent by the peer: (its head unit, its descriptor).
fn sent_run(peer: &Heap, pages: usize) -> (usize, Descriptor) {
    let blob = peer.alloc(pages * PAGE, SECOND).unwrap();
    let unit = blob.unit;
    (unit, blob.into_descriptor().unwrap())
}

#[test]
fn an_honest_run_is_accepted() {
    let (peer, ours, _h, _c) = heaps();
    let (_, d) = sent_run(&peer, 3);
    assert_eq!(ours.accept(d).unwrap().len(), 3 * PAGE);
}

#[test]
fn a_run_with_the_wrong_generation_is_stale() {
    let (peer, ours, _h, _c) = heaps();
    let (_, d) = sent_run(&peer, 2);
    let forged = Descriptor::new(d.offset(), d.len(), d.generation().wrapping_add(1));
    assert_eq!(ours.accept(forged).unwrap_err().kind(), ErrorKind::StaleDescriptor);
}

#[test]
fn a_run_claiming_to_be_ours_is_not_from_the_peer() {
    let (peer, ours, _h, _c) = heaps();
    let (head, d) = sent_run(&peer, 2);
    let mine = word(&peer, head).with(IN_FLIGHT, Side::Attacher.tag(), 2);
    let d = forge(&peer, head, mine, d.len());
    assert_eq!(ours.accept(d).unwrap_err().kind(), ErrorKind::NotFromPeer);
}

#[test]
fn a_run_past_the_last_page_is_refused() {
    let (peer, ours, _h, _c) = heaps();
    let count = peer.inner.geometry.areas[PAGES].count;
    let last = page_unit(&peer, count - 1);
    let forged = word(&peer, last).with(IN_FLIGHT, Side::Creator.tag(), 2);
    let d = forge(&peer, last, forged, 2 * PAGE as u64);
    assert_eq!(ours.accept(d).unwrap_err().kind(), ErrorKind::Corrupt);
    // And an offset beyond the heap is not a block at all.
    let beyond = Descriptor::new(u64::MAX - 8, 1, 0);
    assert_eq!(ours.accept(beyond).unwrap_err().kind(), ErrorKind::OutOfBounds);
}

#[test]
fn a_run_longer_than_the_pages_it_claimed_is_refused() {
    let (peer, ours, _h, _c) = heaps();
    let (head, _) = sent_run(&peer, 2);
    // Two pages were claimed; the forged word says four, over two free pages.
    let forged = word(&peer, head).with(IN_FLIGHT, Side::Creator.tag(), 4);
    let d = forge(&peer, head, forged, 4 * PAGE as u64);
    let err = ours.accept(d).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    assert!(err.to_string().contains("not part of"), "{err}");
}

#[test]
fn a_run_over_a_block_we_own_is_refused() {
    let (peer, ours, _h, _c) = heaps();
    // We (the attacher) take pages from the high end; the peer forges a run from the page
    // below ours over the first page of our blob.
    let held = ours.alloc(2 * PAGE, SECOND).unwrap();
    let below = held.unit - 1;
    assert_eq!(word(&ours, held.unit).state(), OWNED);
    let forged = word(&peer, below).with(IN_FLIGHT, Side::Creator.tag(), 3);
    let d = forge(&peer, below, forged, 3 * PAGE as u64);
    assert_eq!(ours.accept(d).unwrap_err().kind(), ErrorKind::Corrupt);
    drop(held);
}

#[test]
fn a_run_over_another_live_run_is_refused() {
    let (peer, ours, _h, _c) = heaps();
    let (first, _) = sent_run(&peer, 2);
    let (second, d2) = sent_run(&peer, 2);
    assert_eq!(second, first + 2, "the creator fills pages from the low end");
    let forged = word(&peer, first).with(IN_FLIGHT, Side::Creator.tag(), 4);
    let d = forge(&peer, first, forged, 4 * PAGE as u64);
    assert_eq!(ours.accept(d).unwrap_err().kind(), ErrorKind::Corrupt);
    // The second run is untouched and still accepted once.
    assert_eq!(ours.accept(d2).unwrap().len(), 2 * PAGE);
}

#[test]
fn a_continuation_page_of_another_run_is_refused() {
    let (peer, ours, _h, _c) = heaps();
    let (head, d) = sent_run(&peer, 3);
    // Page 2 of the run now claims to belong to a run starting elsewhere.
    let page = head + 2 - peer.inner.geometry.areas[PAGES].first;
    let stray = word(&peer, head + 2).with(CONT, Side::Creator.tag(), page - 2 + 1);
    forge(&peer, head + 2, stray, 0);
    assert_eq!(ours.accept(d).unwrap_err().kind(), ErrorKind::Corrupt);
}

#[test]
fn a_blob_keeps_its_length_when_the_peer_rewrites_its_metadata() {
    // The trust boundary of `Blob` (see the README): the length was loaded once and checked
    // at accept; a peer rewriting the metadata afterwards changes nothing we rely on.
    let (peer, ours, _h, _c) = heaps();
    let mut blob = peer.alloc(3 * PAGE, SECOND).unwrap();
    blob.fill(9);
    let d = blob.into_descriptor().unwrap();
    let accepted = ours.accept(d).unwrap();
    let head = accepted.unit;
    let forged = word(&peer, head).with(IN_FLIGHT, Side::Creator.tag(), 200);
    forge(&peer, head, forged, u64::MAX);
    assert_eq!(accepted.len(), 3 * PAGE);
    assert!(accepted.iter().all(|&b| b == 9));
    // Freeing finds the word changed and leaves it (it is the peer's mess, reclaimed when
    // the peer goes): no panic, no write outside the run.
    drop(accepted);
}

#[test]
fn a_slot_we_hold_is_not_handed_out_again_when_the_peer_marks_it_free() {
    let (peer, ours, _h, _c) = heaps();
    let class0 = ours.inner.geometry.areas[0];
    // Hold every 1 KiB slot, then let the peer mark one of them free.
    let held: Vec<_> = (0..class0.count).map(|_| ours.try_alloc(100).unwrap()).collect();
    let victim = held[class0.count / 2].unit;
    let freed = word(&peer, victim).with(super::layout::FREE, 0, 0);
    forge(&peer, victim, freed, 0);
    // The next small blob must go elsewhere (the next class), not over a blob we hold.
    let next = ours.try_alloc(100).unwrap();
    assert_ne!(next.unit, victim, "handed out a slot a live BlobMut of ours covers");
    assert!(!class0.contains(next.unit));
}

#[test]
fn a_forged_run_over_pages_we_hold_is_refused_even_when_their_words_say_otherwise() {
    let (peer, ours, _h, _c) = heaps();
    let mine = ours.alloc(2 * PAGE, SECOND).unwrap();
    let first = mine.unit - peer.inner.geometry.areas[PAGES].first;
    // The peer rewrites our two pages into a run it claims to have sent us: head and CONT
    // words all consistent, so only our own record of what we hold can refuse it.
    let creator = Side::Creator.tag();
    let head = word(&peer, mine.unit).with(IN_FLIGHT, creator, 2);
    let d = forge(&peer, mine.unit, head, 2 * PAGE as u64);
    forge(&peer, mine.unit + 1, word(&peer, mine.unit + 1).with(CONT, creator, first), 0);
    let err = ours.accept(d).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.to_string().contains("this process holds"), "{err}");
    drop(mine);
}
