//! Blobs: inline, through the shared heap, and streamed when larger than the heap; in process
//! and through a real cell process.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::echo::{echo, provider};
use common::*;
use rpc::{Config, Dispatcher};

const THRESHOLD: usize = 16 << 10;

/// Bytes that differ everywhere, so a misplaced chunk is caught.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}

fn round_trip(connection: &rpc::Connection, client: &echo::Client, len: usize) {
    let bytes = pattern(len);
    let blob = connection.blob(&bytes).unwrap();
    let back = rpc::block_on(client.echo_blob(&blob)).unwrap();
    let opened = rpc::block_on(connection.open_blob(back)).unwrap();
    assert_eq!(opened.len(), len);
    assert!(*opened == bytes[..], "blob of {len} bytes came back different");
}

#[test]
fn blobs_of_every_size_round_trip_intact_through_a_small_heap() {
    let heap_bytes = 4 << 20;
    let link = link_with_heap(Config::default(), heap_bytes);
    let client = echo::Client::new(link.host.clone());
    for len in [0, 1, THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 1 << 20, 64 << 20] {
        round_trip(&link.host, &client, len);
    }
    // Small ones inline, larger ones shared, the one bigger than the heap streamed.
    assert!(!link.host.blob(&pattern(THRESHOLD)).unwrap().is_shared());
    assert!(link.host.blob(&pattern(THRESHOLD + 1)).unwrap().is_shared());
    assert!(link.host.blob(&pattern(64 << 20)).unwrap().is_streamed());
}

#[test]
fn without_shared_memory_blobs_travel_inline_or_streamed() {
    let link = link(Config::default());
    let client = echo::Client::new(link.host.clone());
    let blob = link.host.blob(&pattern(1 << 20)).unwrap();
    assert!(!blob.is_shared() && !blob.is_streamed());
    round_trip(&link.host, &client, 1 << 20);
    // Larger than half a frame: pulled in inline chunks.
    assert!(link.host.blob(&pattern(40 << 20)).unwrap().is_streamed());
    round_trip(&link.host, &client, 40 << 20);
}

/// `blob` as it travels, with its descriptor replaced by `forged`.
fn with_descriptor(blob: &rpc::Blob, forged: shm::Descriptor) -> rpc::Blob {
    // A shared blob is variant 1, then a 20-byte vector (its length, 20, then the bytes).
    let wire = rpc::encode(blob).unwrap();
    assert_eq!(&wire[..2], &[1, 20], "a shared blob: {wire:?}");
    let mut forged_wire = wire[..2].to_vec();
    forged_wire.extend_from_slice(&forged.to_bytes());
    rpc::decode(&forged_wire).unwrap()
}

fn descriptor_of(blob: &rpc::Blob) -> shm::Descriptor {
    shm::Descriptor::from_bytes(&rpc::encode(blob).unwrap()[2..]).unwrap()
}

#[test]
fn a_forged_descriptor_is_refused_not_read() {
    let link = link_with_heap(Config::default(), 1 << 20);
    // A real blob from the cell, and one the host made itself (in flight from the host).
    let blob = link.cell.blob(&pattern(100_000)).unwrap();
    let own = link.host.blob(&pattern(50_000)).unwrap();
    assert!(blob.is_shared() && own.is_shared());
    let d = descriptor_of(&blob);
    let forgeries = [
        (
            "wrong generation",
            with_descriptor(&blob, shm::Descriptor::new(d.offset(), d.len(), d.generation() ^ 1)),
            "stale",
        ),
        ("wrong owner", own.clone(), "not an in-flight blob from the peer"),
        (
            "out of range",
            with_descriptor(&blob, shm::Descriptor::new(u64::MAX / 2, d.len(), d.generation())),
            "out of bounds",
        ),
        (
            "inside the block",
            with_descriptor(
                &blob,
                shm::Descriptor::new(d.offset() + 4096, d.len() - 4096, d.generation()),
            ),
            "out of bounds",
        ),
        (
            "past the block",
            with_descriptor(&blob, shm::Descriptor::new(d.offset(), d.len() + 1, d.generation())),
            "out of bounds",
        ),
    ];
    for (what, forged, expected) in forgeries {
        let err = rpc::block_on(link.host.open_blob(forged)).err().expect(what);
        let message = err.to_string();
        assert!(message.contains("refused") && message.contains(expected), "{what}: {message}");
    }
    // None of them took the real blob: it opens once, intact, and then is stale.
    let first = rpc::block_on(link.host.open_blob(blob.clone())).unwrap();
    assert!(*first == pattern(100_000)[..]);
    drop(first);
    let err = rpc::block_on(link.host.open_blob(blob)).err().expect("opened twice");
    assert!(err.to_string().contains("stale"), "{err}");
    // Overlapping page runs need forged heap metadata, which only `shm`'s own tests can
    // write: see shm/src/heap/tests.rs.
}

#[test]
fn a_cell_process_echoes_blobs_through_shared_memory() {
    let host = Arc::new(provider::Server(Host::default()));
    let dispatcher: Arc<dyn Dispatcher> = host.clone();
    let config = Config { shared_heap: 8 << 20, ..Config::default() };
    let (mut child, connection) = rpc::cell::spawn(
        Path::new(env!("CARGO_BIN_EXE_rpc-echo-cell")),
        &[],
        config,
        Some(dispatcher),
    )
    .unwrap();
    let client = echo::Client::new(connection.clone());
    for len in [0, THRESHOLD + 1, 1 << 20, 64 << 20] {
        round_trip(&connection, &client, len);
    }
    drop(client);
    drop(connection);
    let _ = child.wait();
}
