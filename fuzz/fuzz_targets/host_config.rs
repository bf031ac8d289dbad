//! Any text as a site's `config.toml` (`host::fuzzing::parse_config`: the TOML parser, then
//! Zola's keys checked one by one): a config or a site error, never a panic; an error placed at
//! a line names a line of the text (its snippet is that line), so the message a user sees
//! points inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(error) = host::fuzzing::parse_config(text) {
        if let Some(line) = error.line {
            // A text ending in a newline has an empty last line that `lines()` does not count.
            assert!(line >= 1 && line as usize <= text.lines().count() + 1, "{error:?}");
        }
    }
});
