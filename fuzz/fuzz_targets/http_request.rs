//! Any bytes as a request head, then its target as a path and its query as the devtools
//! endpoint's: parsed within limits or refused with an error, never a panic; an accepted path
//! never holds a traversal, an accepted query is within its limits.
#![no_main]

use cell_http::devtools::{MAX_EXPRESSION, MAX_ROUTE, parse_query};
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
        if let Ok(query) = parse_query(path.query.as_deref()) {
            assert!(query.route.starts_with('/') && query.route.len() <= MAX_ROUTE);
            assert!(!query.route.contains(char::is_control), "{target:?}");
            assert!(!query.expression.trim().is_empty());
            assert!(query.expression.len() <= MAX_EXPRESSION);
        }
    }
}
