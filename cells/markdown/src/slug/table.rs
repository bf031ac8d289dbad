//! What each character becomes in a slug (Zola's `[slugify] anchors = "on"`), for the
//! blocks of Unicode below: the lower-case ASCII it is transliterated to, where `-` stands
//! for a separator (a run of them becomes one `-`, and none is kept at either end).
//!
//! Observed, not copied: each entry is what Zola 0.22.1 gave as the id of the heading
//! `x<hex>q<character>b`, with the `x<hex>q` and `b` around it taken off, for every character
//! of these blocks but white space (Zola transliterates with the `deunicode` tables; this
//! covers the scripts a heading is most likely written in). Outside them the slug keeps a
//! letter or digit as it is (lower-cased) and makes anything else a separator, where Zola
//! would transliterate (Chinese, Japanese kanji, Korean, emoji).
//!
//! The table itself is data, in `table.txt` beside this file (compiled in), one character per
//! line; it is read once, the first time a slug needs it.
//!
//! Blocks:
//! U+00A0–U+024F,
//! U+0250–U+02FF,
//! U+0300–U+036F,
//! U+0370–U+03FF,
//! U+0400–U+052F,
//! U+0530–U+058F,
//! U+0590–U+05FF,
//! U+0600–U+06FF,
//! U+10A0–U+10FF,
//! U+1E00–U+1EFF,
//! U+1F00–U+1FFF,
//! U+2000–U+206F,
//! U+2070–U+209F,
//! U+20A0–U+20CF,
//! U+2100–U+218F,
//! U+2190–U+21FF,
//! U+2200–U+22FF,
//! U+2460–U+24FF,
//! U+3000–U+303F,
//! U+3040–U+30FF,
//! U+FB00–U+FB06,
//! U+FF01–U+FF5E.

use std::sync::OnceLock;

/// `table.txt`: `#` comment lines, then `<hex code point>\t<slug>` lines sorted by character.
const DATA: &str = include_str!("table.txt");

/// `(character, its slug)`, sorted by character.
pub(crate) fn table() -> &'static [(char, &'static str)] {
    static TABLE: OnceLock<Vec<(char, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| DATA.lines().filter(|line| !line.starts_with('#')).map(entry).collect())
}

/// One line of `table.txt`. The file is part of this crate, not input: a malformed line is a
/// bug in it, which the crate's tests find (they read the whole table).
fn entry(line: &'static str) -> (char, &'static str) {
    let (code, slug) = line.split_once('\t').unwrap_or_else(|| panic!("table.txt: {line:?}"));
    let c = u32::from_str_radix(code, 16).ok().and_then(char::from_u32);
    (c.unwrap_or_else(|| panic!("table.txt: {line:?}")), slug)
}
