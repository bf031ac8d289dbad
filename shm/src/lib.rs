/*!
Shared memory between a process and its child: a message ring and a blob heap in one sealed
memfd, for zero-copy transfers (Linux).

The host of a site build runs its cells as child processes. Small messages travel through a
[`Producer`] / [`Consumer`] ring; large payloads (images, fonts, rendered output) are written
once into the [`Heap`] and read in place by the other side, which receives only a small
[`Descriptor`]. Nothing here knows about RPC; the `rpc` crate builds its transport on top.

# The main types

- [`Segment`]: the shared mapping. The creator describes its regions with
  [`Segment::builder`] (rings and heaps, numbered from 0); the memfd is sized, sealed against
  resizing and mapped shared. A child inherits the descriptor ([`Segment::share_with`] on its
  `Command`) and maps it with [`Segment::attach_raw_fd`], which checks the header (magic,
  layout version, size against the real file size) before trusting anything. Each side records
  its pid, so waits notice a dead peer (even after `kill -9`) within tens of milliseconds.
- [`Producer`] and [`Consumer`]: the two ends of a single-producer single-consumer ring of
  variable-length records ([`Segment::producer`], [`Segment::consumer`]). `try_push` /
  `try_pop` never block; `push` / `pop` spin briefly, then sleep on a futex with a timeout.
  With nobody asleep, neither makes a system call. Records are read in place ([`Record`]).
- [`Heap`]: a lock-free allocator in a region ([`Segment::heap`]). The writer allocates a
  [`BlobMut`], fills it and turns it into a [`Descriptor`]; the reader [`Heap::accept`]s the
  descriptor (bounds, generation and ownership are checked) and gets a [`Blob`], a `&[u8]`
  into the mapping that frees itself on drop. When the peer dies, its blocks are reclaimed.

Every failure is an [`Error`] whose [`ErrorKind`] can be matched: full, empty, timeout, peer
dead or closed, stale or out-of-bounds descriptor, corrupt shared state.

# Example

Two threads stand in for the two processes here (the integration tests and the benchmark use
real processes): one sends a blob and a small record, the other reads them in place.

```
use std::time::Duration;
use shm::{Descriptor, Segment};

// Region 0: a ring; region 1: a 1 MiB heap.
let host = Segment::builder().ring(4096).heap(1 << 20).build()?;
// What a child does with the inherited descriptor.
let cell = Segment::attach(host.fd().try_clone_to_owned().unwrap())?;

let reader = std::thread::spawn(move || -> Result<(usize, u64), shm::Error> {
    let heap = cell.heap(1)?;
    let mut ring = cell.consumer(0)?;
    let record = ring.pop(Duration::from_secs(5))?;
    let blob = heap.accept(Descriptor::from_bytes(&record)?)?; // validated, no copy
    let sum = blob.iter().map(|&b| b as u64).sum();
    Ok((blob.len(), sum))
});

let heap = host.heap(1)?;
let mut ring = host.producer(0)?;
let mut blob = heap.alloc(100_000, Duration::from_secs(5))?;
blob.fill(3);
ring.push(&blob.into_descriptor()?.to_bytes(), Duration::from_secs(5))?;

assert_eq!(reader.join().unwrap()?, (100_000, 300_000));
# Ok::<(), shm::Error>(())
```
*/
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![cfg(target_os = "linux")]

mod descriptor;
mod error;
mod futex;
mod heap;
mod peer;
mod ring;
mod segment;
mod wait;

pub use descriptor::Descriptor;
pub use error::{Error, ErrorKind};
pub use heap::layout::{CLASS_SIZES, PAGE};
pub use heap::{Blob, BlobMut, Heap, HeapStats};
pub use peer::{PeerStatus, Side};
pub use ring::{Consumer, DEFAULT_SPIN, Producer, RECORD_HEADER_LEN, Record};
pub use segment::{RegionKind, Segment, SegmentBuilder, set_cloexec};
