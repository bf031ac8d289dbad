//! Any `cas.db` contents: a name map or a reason to warn, never a panic. An odd first byte
//! feeds the rest as a body behind a valid header and checksum, to reach the body decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((mode, body)) if mode % 2 == 1 => {
            let _ = cas::fuzzing::decode_names_body(body);
        }
        _ => {
            let _ = cas::fuzzing::decode_names(data);
        }
    }
});
