//! Any text as a page's or a section's front matter (`host::parse_front_matter`), TOML or YAML
//! (the first byte chooses: bit 0 the format, bit 1 a section's `_index.md`), placed at a
//! line of a larger file as the content scanner places it: a front matter or a site error,
//! never a panic; an error's line is inside the file. `toml_document` feeds the same function
//! every TOML document; this target's seeds are real front matters, so the fuzzer starts from
//! Zola's keys (dates, taxonomies, `extra`, sort orders, paginate, ...).
#![no_main]

use cell_proto::FrontMatterFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let (format, fence) = if mode & 1 == 0 {
        (FrontMatterFormat::Toml, "+++")
    } else {
        (FrontMatterFormat::Yaml, "---")
    };
    let file = if mode & 2 == 0 { "blog/2024-01-05-post.md" } else { "blog/_index.md" };
    // The file as it is on disk: the fence, the front matter from line 2, the fence, a body.
    let file_text = format!("{fence}\n{text}\n{fence}\nbody\n");
    if let Err(error) = host::parse_front_matter(text, format, file, &file_text, 2) {
        if let Some(line) = error.line {
            // YAML counts a lone carriage return as a line break too (as old Mac files have
            // them), so the bound counts both.
            let breaks = file_text.bytes().filter(|b| matches!(b, b'\n' | b'\r')).count();
            assert!(line >= 1 && line as usize <= breaks + 1, "{error:?}");
        }
    }
});
