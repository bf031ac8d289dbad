//! Heading text to an id, by Zola's `[slugify] anchors` strategies.
//!
//! `on` (the default): each character transliterated to ASCII (`table.rs`), lower-cased,
//! every run of anything but letters and digits one `-`, none at either end:
//! `Ünïcödé Heading!` is `unicode-heading`. `safe` and `off` (the same for anchors, as Zola
//! documents): the text trimmed, each white space character a `_`, the rest as written.

use cell_proto::Slugify;

mod table;

/// `text` as an id, by `strategy`.
///
/// # Examples
///
/// ```
/// use cell_proto::Slugify;
/// assert_eq!(cell_markdown::slugify("Ça va? Straße", Slugify::On), "ca-va-strasse");
/// assert_eq!(cell_markdown::slugify(" Two  words ", Slugify::Safe), "Two__words");
/// ```
pub fn slugify(text: &str, strategy: Slugify) -> String {
    match strategy {
        Slugify::On => slug(text),
        Slugify::Safe | Slugify::Off => {
            text.trim().chars().map(|c| if c.is_whitespace() { '_' } else { c }).collect()
        }
    }
}

/// The `on` strategy.
fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    // Whether a separator is due before the next letter or digit.
    let mut separate = false;
    for c in text.chars() {
        if c.is_ascii() {
            let c = if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' };
            push(&mut slug, c, &mut separate);
            continue;
        }
        let table = table::table();
        match table.binary_search_by_key(&c, |&(k, _)| k) {
            Ok(at) => {
                for c in table[at].1.chars() {
                    push(&mut slug, c, &mut separate);
                }
            }
            // Outside the table's blocks: a letter or digit stays (lower-cased), where Zola
            // transliterates it (see `table.rs`).
            Err(_) if c.is_alphanumeric() => {
                for lower in c.to_lowercase() {
                    push(&mut slug, lower, &mut separate);
                }
            }
            Err(_) => push(&mut slug, '-', &mut separate),
        }
    }
    slug
}

/// Adds `c` (a letter, a digit, or `-` for a separator) to `slug`.
fn push(slug: &mut String, c: char, separate: &mut bool) {
    if c == '-' {
        *separate = true;
        return;
    }
    if *separate && !slug.is_empty() {
        slug.push('-');
    }
    *separate = false;
    slug.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each pair is a heading and the id Zola 0.22.1 gave it.
    #[test]
    fn on_transliterates_and_joins_words_with_dashes_as_zola_does() {
        for (text, id) in [
            ("Hello World", "hello-world"),
            ("Ünïcödé heading!", "unicode-heading"),
            ("Ça va? Straße ñ Æ ß ø Ł", "ca-va-strasse-n-ae-ss-o-l"),
            ("Привет мир", "privet-mir"),
            ("C++ & Rust: \"quotes\" 'x' ", "c-rust-quotes-x"),
            ("multiple   spaces__under_scores--dashes", "multiple-spaces-under-scores-dashes"),
            ("-dash- under", "dash-under"),
            ("1. Number", "1-number"),
            ("", ""),
            ("½ € ™", "1-2-eur-tm"),
        ] {
            assert_eq!(slugify(text, Slugify::On), id, "{text}");
        }
    }

    #[test]
    fn on_keeps_letters_outside_the_table_and_drops_symbols() {
        // Zola: `ri-ben-yu` and `grinning-emoji` (deunicode's tables, which we do not carry).
        assert_eq!(slugify("日本語", Slugify::On), "日本語");
        assert_eq!(slugify("😀 emoji", Slugify::On), "emoji");
    }

    #[test]
    fn safe_and_off_keep_the_text_with_underscores_for_white_space() {
        for strategy in [Slugify::Safe, Slugify::Off] {
            assert_eq!(slugify("  Trim me  ", strategy), "Trim_me");
            assert_eq!(slugify("Tab\there  two  spaces", strategy), "Tab_here__two__spaces");
            assert_eq!(slugify("Ünïcödé a/b \"q\"", strategy), "Ünïcödé_a/b_\"q\"");
        }
    }

    #[test]
    fn the_table_is_sorted_and_holds_only_slug_characters() {
        // Every line of `table.txt` read (3,460 characters observed from Zola).
        assert_eq!(table::table().len(), 3460);
        assert!(table::table().windows(2).all(|w| w[0].0 < w[1].0));
        for (c, slug) in table::table() {
            assert!(!c.is_ascii());
            assert!(slug.chars().all(|s| s.is_ascii_lowercase() || s.is_ascii_digit() || s == '-'));
        }
    }
}
