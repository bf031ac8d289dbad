//! A child that dies: `kill -9`, dying before it attaches, exiting cleanly.

mod common;

use std::time::{Duration, Instant};

use common::{PROMPTLY, Peer, test_segment};
use shm::{ErrorKind, PAGE, PeerStatus};

const LONG: Duration = Duration::from_secs(60);

#[test]
fn kill_9_of_the_child_ends_every_wait_promptly_and_reclaims_its_heap() {
    let seg = test_segment(4096, 4 << 20);
    let (mut down, mut up, heap) =
        (seg.producer(0).unwrap(), seg.consumer(1).unwrap(), seg.heap(2).unwrap());
    let hold = heap.max_blob() - 2 * PAGE;
    let mut peer = Peer::spawn(&seg, &["hold-and-hang", &hold.to_string()]);
    assert_eq!(&*up.pop(LONG).unwrap(), b"ready");
    let before = heap.stats();
    assert!(before.attacher_bytes >= hold, "{before:?}");
    assert_eq!(before.in_flight, 1, "{before:?}");
    // The child never pops: fill its ring so that a push has to wait.
    while down.try_push(&[0; 100]).is_ok() {}

    // Three waits that only the child could end: a pop, a push, an alloc.
    let popper = std::thread::spawn(move || {
        let r = up.pop(LONG).map(|_| ()).map_err(|e| e.kind());
        (r, Instant::now())
    });
    let pusher = std::thread::spawn(move || {
        let r = down.push(&[1; 100], LONG).map_err(|e| e.kind());
        (r, Instant::now())
    });
    let heap_in_thread = heap.clone();
    let allocator = std::thread::spawn(move || {
        let r = heap_in_thread.alloc(4 * PAGE, LONG).map(|b| b.len()).map_err(|e| e.kind());
        (r, Instant::now())
    });
    std::thread::sleep(Duration::from_millis(100)); // let them fall asleep

    let killed_at = Instant::now();
    peer.child.kill().unwrap(); // SIGKILL; not reaped yet, so it lingers as a zombie
    let (popped, pop_done) = popper.join().unwrap();
    let (pushed, push_done) = pusher.join().unwrap();
    let (allocated, alloc_done) = allocator.join().unwrap();

    assert_eq!(popped, Err(ErrorKind::PeerDead));
    assert_eq!(pushed, Err(ErrorKind::PeerDead));
    // The alloc wait ends too; the dead child's pages were reclaimed, so it succeeds.
    assert_eq!(allocated, Ok(4 * PAGE));
    for (what, done) in [("pop", pop_done), ("push", push_done), ("alloc", alloc_done)] {
        let latency = done.duration_since(killed_at);
        eprintln!("{what} noticed the kill after {latency:?}");
        assert!(latency < PROMPTLY, "{what} took {latency:?} to notice the dead peer");
    }
    assert_eq!(seg.peer_status(), PeerStatus::Dead);
    let after = heap.stats();
    assert_eq!((after.attacher_bytes, after.in_flight), (0, 0), "{after:?}");
    assert_eq!(heap.reclaim_peer().unwrap(), 0, "reclaim is idempotent");
    let _ = peer.child.wait();
}

#[test]
fn a_child_that_dies_before_attaching_is_noticed() {
    let seg = test_segment(4096, 1 << 20);
    let mut up = seg.consumer(1).unwrap();
    let peer = Peer::spawn(&seg, &["exit-now"]);
    let start = Instant::now();
    assert_eq!(up.pop(LONG).unwrap_err().kind(), ErrorKind::PeerDead);
    assert!(start.elapsed() < PROMPTLY);
    drop(peer);
}

#[test]
fn a_child_that_exits_cleanly_is_reported_closed_after_its_last_record() {
    let seg = test_segment(4096, 1 << 20);
    let mut up = seg.consumer(1).unwrap();
    let peer = Peer::spawn(&seg, &["produce", "10"]);
    peer.finish();
    for _ in 0..11 {
        up.pop(LONG).unwrap(); // ten records and the checksum, still there after the exit
    }
    assert_eq!(up.pop(LONG).unwrap_err().kind(), ErrorKind::PeerClosed);
    assert_eq!(seg.peer_status(), PeerStatus::Closed);
}
