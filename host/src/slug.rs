//! Slugs, as Zola makes them (`[slugify]`): `on` is the `slug` crate's rule (letters and
//! digits lower-cased, every run of anything else one `-`, none at either end), `safe` only
//! drops what file systems refuse, `off` changes nothing.
//!
//! Zola transliterates every script to ASCII first (`deunicode`: `日本` becomes `ri-ben`);
//! this module knows the Latin letters with diacritics (Latin-1 and Latin Extended-A: `é`,
//! `ß`, `ł`, `œ` …) and treats any other character as a separator, so a slug of such a
//! name differs from Zola's.

use crate::config::SlugStrategy;

/// `name` made into a slug by `strategy`.
pub fn slugify(name: &str, strategy: SlugStrategy) -> String {
    match strategy {
        SlugStrategy::On => slugify_on(name),
        SlugStrategy::Safe => {
            let trimmed = name.trim_end_matches([' ', '.']);
            trimmed.chars().filter(|c| !r#"<>:"/\|?*"#.contains(*c)).collect()
        }
        SlugStrategy::Off => name.to_string(),
    }
}

fn slugify_on(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    // Starts as if after a dash: no leading dash.
    let mut after_dash = true;
    let mut push = |b: u8| match b {
        b'a'..=b'z' | b'0'..=b'9' => {
            slug.push(b as char);
            after_dash = false;
        }
        b'A'..=b'Z' => {
            slug.push(b.to_ascii_lowercase() as char);
            after_dash = false;
        }
        _ if !after_dash => {
            slug.push('-');
            after_dash = true;
        }
        _ => {}
    };
    for c in name.chars() {
        if c.is_ascii() {
            push(c as u8);
        } else {
            for b in latin(c).unwrap_or("-").bytes() {
                push(b);
            }
        }
    }
    if slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// U+00C0 to U+00FF.
const LATIN_1: [&str; 64] = [
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I", //
    "D", "N", "O", "O", "O", "O", "O", "x", "O", "U", "U", "U", "U", "Y", "Th", "ss", //
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", //
    "d", "n", "o", "o", "o", "o", "o", "/", "o", "u", "u", "u", "u", "y", "th", "y",
];

/// U+0100 to U+017F.
const LATIN_EXTENDED_A: [&str; 128] = [
    "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d", //
    "D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g", //
    "G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i", //
    "I", "i", "IJ", "ij", "J", "j", "K", "k", "q", "L", "l", "L", "l", "L", "l", "L", //
    "l", "L", "l", "N", "n", "N", "n", "N", "n", "'n", "NG", "ng", "O", "o", "O", "o", //
    "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s", //
    "S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u", //
    "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s",
];

/// A Latin letter with a diacritic, in ASCII.
pub(crate) fn latin(c: char) -> Option<&'static str> {
    let code = c as usize;
    match code {
        0xC0..=0xFF => Some(LATIN_1[code - 0xC0]),
        0x100..=0x17F => Some(LATIN_EXTENDED_A[code - 0x100]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_as_zola_makes_them() {
        // From Zola's `utils::slugs` tests: (input, on, safe, off).
        for (input, on, safe, off) in [
            ("input", "input", "input", "input"),
            ("test ", "test", "test", "test "),
            ("tes t", "tes-t", "tes t", "tes t"),
            ("dot. ", "dot", "dot", "dot. "),
            ("héhé", "hehe", "héhé", "héhé"),
            ("test (hey)", "test-hey", "test (hey)", "test (hey)"),
        ] {
            assert_eq!(slugify(input, SlugStrategy::On), on, "{input}");
            assert_eq!(slugify(input, SlugStrategy::Safe), safe, "{input}");
            assert_eq!(slugify(input, SlugStrategy::Off), off, "{input}");
        }
        assert_eq!(slugify("Hé Wörld!", SlugStrategy::On), "he-world");
        assert_eq!(slugify("Straße Łódź Œuvre", SlugStrategy::On), "strasse-lodz-oeuvre");
        assert_eq!(slugify("--a__b--", SlugStrategy::On), "a-b");
        assert_eq!(slugify("a<b>:c", SlugStrategy::Safe), "abc");
    }
}
