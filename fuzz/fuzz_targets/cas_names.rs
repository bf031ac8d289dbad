//! Any `cas.db` contents: a name map or a reason to warn, never a panic. An odd first byte
//! feeds the rest as a body behind a valid header and checksum, to reach the body decoder: of
//! the current format (entries with tags) when it is 1 modulo 4, of format 1 (entries without
//! tags, still read) when it is 3 modulo 4.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((mode, body)) if mode % 4 == 1 => {
            let _ = cas::fuzzing::decode_names_body(body);
        }
        Some((mode, body)) if mode % 4 == 3 => {
            let _ = cas::fuzzing::decode_names_body_without_tags(body);
        }
        _ => {
            let _ = cas::fuzzing::decode_names(data);
        }
    }
});
