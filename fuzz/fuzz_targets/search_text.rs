//! Any text as a page's HTML made into the body of a search index document
//! (`host::fuzzing::search_body_text`, the host's own scanner, `host/src/search/text.rs`),
//! cut at a length the first byte picks (none for 0): never a panic or a hang, and the text
//! holds no tag: every `<` and `>` left in it is escaped, as ammonia writes it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, html)) = data.split_first() else { return };
    let Ok(html) = std::str::from_utf8(html) else { return };
    let truncate = (cut != 0).then_some(u64::from(cut));
    let text = host::fuzzing::search_body_text(html, truncate);
    assert!(!text.contains('<') && !text.contains('>'), "{text:?} from {html:?}");
});
