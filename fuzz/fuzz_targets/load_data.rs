//! Any text as a file `load_data` reads (`host::fuzzing::load_data`: the CSV reader, and the
//! JSON, YAML and TOML parsers as `load_data` calls them, the format picked by the first
//! byte): a value or an error, never a panic; an error placed at a line names a line of the
//! text, so the message a user sees points inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&format, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    if let Err((message, Some((line, column)))) = host::fuzzing::load_data(text, format) {
        // A text ending in a line break has an empty last line that `lines()` does not count;
        // a lone `\r` ends a line for the CSV reader but not for `lines()`.
        let lines = text.split(['\n', '\r']).count();
        assert!(line >= 1 && line as usize <= lines, "{message} at {line}:{column}");
        assert!(column >= 1, "{message} at {line}:{column}");
    }
});
