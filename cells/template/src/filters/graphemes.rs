//! Where user-perceived characters (grapheme clusters) begin, for `truncate`, which counts
//! them as Tera does.
//!
//! This is an approximation of Unicode's extended grapheme clusters (UAX #29) without its
//! tables: a cluster is a character followed by any combining marks, variation selectors,
//! emoji modifiers and tag characters; a zero-width joiner glues the next character on (emoji
//! sequences such as 👨‍👩‍👧); two regional indicators make one flag; `\r\n` is one; Hangul
//! jamo vowels and trailing consonants join the syllable before them. Scripts whose clusters
//! need the full tables (some Indic spacing marks, prepended concatenation marks) may split
//! differently from Tera's segmenter.

/// The byte offset where cluster number `n` (0-based) starts, or `None` if `s` has `n`
/// clusters or fewer.
pub(crate) fn nth_boundary(s: &str, n: usize) -> Option<usize> {
    let mut count = 0;
    let mut previous: Option<char> = None;
    let mut flags_in_run = 0;
    for (i, c) in s.char_indices() {
        let joins = match previous {
            None => false,
            Some(p) => {
                extends(c)
                    || p == '\u{200d}'
                    || (p == '\r' && c == '\n')
                    || {
                        is_regional_indicator(c)
                            && is_regional_indicator(p)
                            && flags_in_run % 2 == 1
                    }
                    || (is_hangul_lead(p) && is_hangul_vowel_or_trail(c))
                    || (is_hangul_vowel(p) && is_hangul_vowel_or_trail(c))
            }
        };
        flags_in_run = if is_regional_indicator(c) { flags_in_run + 1 } else { 0 };
        if !joins {
            if count == n {
                return Some(i);
            }
            count += 1;
        }
        previous = Some(c);
    }
    None
}

/// Characters that extend the cluster before them.
fn extends(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F // combining diacritical marks
        | 0x0483..=0x0489
        | 0x0591..=0x05BD
        | 0x0610..=0x061A
        | 0x064B..=0x065F
        | 0x0670
        | 0x06D6..=0x06DC
        | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957 | 0x0962..=0x0963
        | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E
        | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF
        | 0x200C..=0x200D // zero-width non-joiner and joiner
        | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F // variation selectors
        | 0xFE20..=0xFE2F
        | 0x1F3FB..=0x1F3FF // emoji skin tones
        | 0xE0020..=0xE007F // tags
        | 0xE0100..=0xE01EF
    )
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c as u32, 0x1F1E6..=0x1F1FF)
}

fn is_hangul_lead(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0xAC00..=0xD7A3)
}

fn is_hangul_vowel(c: char) -> bool {
    matches!(c as u32, 0x1160..=0x11A7)
}

fn is_hangul_vowel_or_trail(c: char) -> bool {
    matches!(c as u32, 0x1160..=0x11FF)
}

#[cfg(test)]
mod tests {
    use super::nth_boundary;

    #[test]
    fn combining_marks_emoji_sequences_and_flags_are_one_cluster() {
        assert_eq!(nth_boundary("abc", 1), Some(1));
        assert_eq!(nth_boundary("abc", 3), None);
        assert_eq!(nth_boundary("e\u{301}x", 1), Some(3));
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(nth_boundary(&format!("{family}x"), 1), Some(family.len()));
        assert_eq!(nth_boundary("🇫🇷🇩🇪", 1), Some(8));
        assert_eq!(nth_boundary("\r\nx", 1), Some(2));
    }
}
