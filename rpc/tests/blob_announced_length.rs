//! A streamed blob's announced length is only the peer's word: opening one that announces a
//! terabyte and delivers a megabyte must fail cleanly without allocating the announced size.
//!
//! This file is its own test binary because it installs a global allocator that records the
//! largest single allocation (other tests' large blobs would blur the measurement).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use rpc::{Blob, Config};

/// `System`, remembering the largest allocation or reallocation asked for.
struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the only
// addition is an atomic max, which neither allocates nor touches the memory.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through `alloc` / `realloc` above, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: forwarded as is; `ptr` and `layout` came from `System` as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Largest = Largest;

/// `value` as a postcard varint.
fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
    out
}

#[test]
fn a_streamed_blob_announcing_a_terabyte_is_refused_without_allocating_it() {
    // A heap under 1 MiB, so a 1 MiB blob is held by the sender and streamed.
    let link = link_with_heap(Config::default(), 1 << 20);
    let real_len = 1u64 << 20;
    let honest = link.cell.blob(&vec![7; real_len as usize]).unwrap();
    assert!(honest.is_streamed());

    // The same stream, re-announced as 1 TiB: on the wire a streamed blob ends with its
    // length, so swap that varint.
    let announced = 1u64 << 40;
    let mut wire = rpc::encode(&honest).unwrap();
    let tail = varint(real_len);
    assert!(wire.ends_with(&tail), "wire form {wire:?}");
    wire.truncate(wire.len() - tail.len());
    wire.extend_from_slice(&varint(announced));
    let forged: Blob = rpc::decode(&wire).unwrap();
    assert_eq!((forged.len(), forged.is_streamed()), (announced, true));

    LARGEST.store(0, Ordering::SeqCst);
    let err = rpc::block_on(link.host.open_blob(forged)).err().expect("a forged length fails");
    let largest = LARGEST.load(Ordering::SeqCst);
    assert!(err.to_string().contains("outside a blob"), "{err}");
    // What was received (1 MiB), with room for the vector's doubling and a chunk in flight;
    // nowhere near the announced size.
    assert!(largest <= 8 << 20, "largest allocation {largest} bytes for {real_len} received");
}
