//! Storage shared by every ingredient kind: dense slot indices for keys.
//!
//! - `boxcar`: append-only vector with stable addresses and lock-free reads.
//! - `key_table`: the map from a key to its slot index, and from an index back to its key.

pub(crate) mod boxcar;
pub(crate) mod key_table;
