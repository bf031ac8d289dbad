//! Any bytes as a request head, then its target as a path: parsed within limits or refused
//! with an error, never a panic; an accepted path never holds a traversal.
#![no_main]

use cell_http::path::normalize;
use cell_http::request::{Limits, Parsed, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_header_bytes: 4096, max_headers: 16 };
    if let Ok(Parsed::Complete(request, used)) = parse(data, limits) {
        assert!(used <= data.len() && used <= limits.max_header_bytes);
        check(&request.target);
    }
    // The normaliser alone, on any text (not only what httparse lets through).
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
});

fn check(target: &str) {
    if let Ok(path) = normalize(target) {
        assert!(path.path.starts_with('/'));
        for segment in path.path.split('/') {
            assert!(segment != "." && segment != "..", "{target:?} -> {:?}", path.path);
            assert!(!segment.contains(['\\', '\0']), "{target:?} -> {:?}", path.path);
        }
        assert!(!path.path.contains("//"), "{target:?} -> {:?}", path.path);
    }
}
