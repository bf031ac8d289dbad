//! A peer that scribbles on the shared memory: the ring's records and the heap's descriptors
//! as the reading side sees them after the other side wrote anything at all (`shm`). The
//! reader pops every record and accepts every descriptor it finds, and any 20 bytes of the
//! input as a descriptor too: each is a record, a blob or an error, never a panic, a read
//! outside the mapping or a hang.
//!
//! Input: the first byte is how many blobs the writer sends honestly (0-7) before the damage;
//! then 5-byte pokes (a little-endian `u32` offset into the segment, modulo its length, and
//! the byte written there). The whole input, read again 20 bytes at a time, is also offered
//! to `Heap::accept` as descriptors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shm::{Descriptor, Segment};

fuzz_target!(|data: &[u8]| {
    let Some((&blobs, pokes)) = data.split_first() else { return };
    // Region 0: the ring the writer pushes descriptors into; region 1: the writer's heap.
    let reader = Segment::builder().ring(4096).heap(64 * 1024).build().expect("segment");
    let writer = Segment::attach(reader.fd().try_clone_to_owned().expect("dup")).expect("attach");
    // The reader's ends, taken before the writer does anything, as a host takes them when it
    // starts a cell: what is checked afterwards is what they make of the damage.
    let heap = reader.heap(1).expect("heap");
    let mut ring = reader.consumer(0).expect("consumer");
    {
        let heap = writer.heap(1).expect("heap");
        let mut ring = writer.producer(0).expect("producer");
        for n in 0..blobs % 8 {
            let Ok(mut blob) = heap.try_alloc(1 + usize::from(n) * 1000) else { break };
            blob.fill(n);
            let descriptor = blob.into_descriptor().expect("descriptor");
            if ring.try_push(&descriptor.to_bytes()).is_err() {
                break;
            }
        }
        // Anything the writer can reach it can damage: the ring's words, its records, the
        // heap's block headers and free lists. A second mapping of the same memfd is the
        // writer's pen.
        let file = std::fs::File::from(writer.fd().try_clone_to_owned().expect("dup"));
        // SAFETY: the memfd outlives the mapping (both segments hold it); every access below
        // is a byte store inside `len`, and the reader's side treats the memory as shared with
        // an untrusted writer (volatile and atomic reads), which is what this target checks.
        let mut map = unsafe { memmap2::MmapMut::map_mut(&file) }.expect("map");
        let len = map.len();
        for poke in pokes.chunks_exact(5) {
            let offset = u32::from_le_bytes([poke[0], poke[1], poke[2], poke[3]]) as usize;
            map[offset % len] = poke[4];
        }
    }
    // A damaged ring can only hold so many records; the bound keeps a bug a crash, not a hang.
    for _ in 0..64 {
        let Ok(record) = ring.try_pop() else { break };
        if let Ok(descriptor) = Descriptor::from_bytes(&record) {
            if let Ok(blob) = heap.accept(descriptor) {
                assert_eq!(blob.len() as u64, descriptor.len());
                std::hint::black_box(blob.iter().map(|&b| u64::from(b)).sum::<u64>());
            }
        }
    }
    for bytes in data.chunks_exact(Descriptor::ENCODED_LEN) {
        let descriptor = Descriptor::from_bytes(bytes).expect("20 bytes");
        if let Ok(blob) = heap.accept(descriptor) {
            assert_eq!(blob.len() as u64, descriptor.len());
        }
    }
});
