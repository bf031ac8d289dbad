/*!
A content-addressed blob store on disk.

A [`Cas`] keeps large blobs (images, fonts, processed outputs) in one directory, each named by the
[`ContentHash`] (blake3) of its bytes. A program stores the small, cheap-to-copy hash wherever it
would have stored the bytes (in a query cache, say) and asks the store for the bytes when it needs
them. The same bytes always get the same hash, so they are stored once; since a name never
changes meaning, a blob is never rewritten, and readers get it memory-mapped, without copying.

The main types:

- [`Cas`]: the store. [`Cas::put`], [`Cas::put_file`] and [`Cas::put_reader`] add blobs (the
  last two stream); [`Cas::get`] returns a [`Blob`]; [`Cas::contains`], [`Cas::len_of`] and
  [`Cas::path_of`] answer without reading. [`Cas::gc`] deletes what is no longer needed and
  [`Cas::verify`] finds damaged blobs.
- [`ContentHash`]: a blob's name: 32 bytes, `Copy`, printed as 64 hex digits.
- [`Blob`]: a blob's bytes; derefs to `&[u8]`.
- The name map (`cas.db`): a persistent map from a name, such as an output path, to a hash
  and a caller-defined `u64` tag ([`Cas::set_name`], [`Cas::get_name`],
  [`Cas::set_name_tagged`], [`Cas::get_name_tagged`], [`Cas::names_with_prefix`],
  [`Cas::flush`]), with which a build skips rewriting outputs that did not change, and notices
  outputs changed by hand (by keeping a stamp of each file it wrote in the tag).

# Example

```
use cas::{Cas, ContentHash};

let dir = std::env::temp_dir().join(format!("cas-doc-crate-{}", std::process::id()));
let cas = Cas::open(&dir)?;
for warning in cas.warnings() {
    eprintln!("warning: {warning}");
}

// Storing returns the hash; storing the same bytes again writes nothing.
let logo = cas.put(b"<svg>...</svg>")?;
assert_eq!(logo, ContentHash::of(b"<svg>...</svg>"));
assert_eq!(cas.put(b"<svg>...</svg>")?, logo);

// The hash gives the bytes back.
let blob = cas.get(&logo)?.expect("just stored");
assert_eq!(&*blob, b"<svg>...</svg>");
assert_eq!(cas.len_of(&logo), Some(14));

// Remember which output holds which blob, across runs.
cas.set_name("public/logo.svg", logo);
assert!(cas.flush()?);
drop(cas);
let cas = Cas::open(&dir)?;
assert_eq!(cas.get_name("public/logo.svg"), Some(logo));

// Keep only what the current build uses.
let other = cas.put(b"old output")?;
let report = cas.gc([logo])?;
assert_eq!(report.blobs_removed, 1);
assert!(!cas.contains(&other) && cas.contains(&logo));
# drop(cas);
# std::fs::remove_dir_all(&dir).unwrap();
# Ok::<(), Box<dyn std::error::Error>>(())
```

# On disk

```text
<dir>/
├── blobs/<first four hex digits>/<64 hex digits>   one read-only file per blob
│                 (plus <64 hex digits>.<ext> aliases made by Cas::link_extension)
├── cas.db        the name map: magic, version, length, blake3 checksum, postcard body
├── cas.version   "cas 1": anything else empties the store at open
├── cas.lock      advisory lock for opening and flushing
├── tmp/          files being written, renamed into blobs/ when complete
└── quarantine/   blobs that failed verification, until the next gc
```

Other files in the directory are left alone, so the store can share it with other caches.

# Guarantees

- A blob appears under its name only when complete: it is written to `tmp/` and renamed. A
  crash or a kill mid-put leaves at most a temporary file, which [`Cas::gc`] removes.
- Any number of threads and processes may put at once; each blob ends up stored once.
- Damaged files never cause a panic or wrong data silently kept: a corrupt `cas.db`, or a
  `cas.version` of another format, is reported once as a [`Warning`] and the affected data is
  discarded (it is a cache); [`Cas::verify`] sets aside any blob whose bytes do not match its
  name.
- Blob files must not be modified in place by anything else (they are read-only, and mapped by
  readers); copy or hard-link them to use them elsewhere.
*/
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod blob;
mod error;
mod files;
mod gc;
mod hash;
mod layout;
mod names;
mod shards;
mod store;
mod stream;
mod verify;
mod version;
mod warning;

#[cfg(test)]
#[path = "../tests/common/temp_dir.rs"]
mod temp_dir;

/// Entry points for the fuzz targets (`fuzz/`); not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    /// Decodes `cas.db` bytes; `Err` carries the reason a store would warn with.
    pub fn decode_names(bytes: &[u8]) -> Result<usize, String> {
        crate::names::decode(bytes).map(|map| map.len())
    }

    /// Decodes `body` wrapped in a valid header (of the current format, 2) and checksum, so
    /// that the fuzzer reaches the body decoder past the checksum.
    pub fn decode_names_body(body: &[u8]) -> Result<usize, String> {
        crate::names::decode(&crate::names::wrap_body(body)).map(|map| map.len())
    }

    /// Like [`decode_names_body`], behind a header of format 1 (entries without tags), which is
    /// still read.
    pub fn decode_names_body_without_tags(body: &[u8]) -> Result<usize, String> {
        crate::names::decode(&crate::names::wrap_body_without_tags(body)).map(|map| map.len())
    }
}

pub use crate::blob::{Blob, MMAP_THRESHOLD};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::gc::{GcReport, STALE_TEMP_AGE};
pub use crate::hash::ContentHash;
pub use crate::store::{Cas, CasBuilder};
pub use crate::stream::STREAM_BUFFER_SIZE;
pub use crate::verify::{CorruptBlob, VerifyReport};
pub use crate::warning::Warning;
