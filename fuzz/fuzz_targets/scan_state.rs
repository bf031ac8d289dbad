//! Any `.cache/dodeca.scan` contents (`host::fuzzing::decode_saved_state`): a saved scan or a
//! reason to ignore it, never a panic or an allocation larger than the file announces room
//! for. An odd first byte feeds the rest behind the magic with a valid blake3 checksum
//! appended, so that the fuzzer reaches the body's decoder past the checksum (as `cas_names`
//! does for `cas.db`); seeds are real files a build left, with the magic and checksum cut off.
#![no_main]

use libfuzzer_sys::fuzz_target;

const MAGIC: &[u8] = b"dodeca-scan\0";

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((mode, body)) if mode % 2 == 1 => {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(body);
            let checksum = blake3::hash(&bytes);
            bytes.extend_from_slice(checksum.as_bytes());
            let _ = host::fuzzing::decode_saved_state(&bytes);
        }
        _ => {
            let _ = host::fuzzing::decode_saved_state(data);
        }
    }
});
