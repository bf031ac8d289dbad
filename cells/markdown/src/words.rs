//! Zola's `word_count` and `reading_time`.
//!
//! Zola counts the words of a page's markdown as written, leaving out what lies between code
//! fences: the text is cut at each "```" and every other piece, from the first, is counted.
//! A word is a segment of Unicode word segmentation (UAX #29) holding a letter or a digit,
//! so `x.org`, `don't`, `3.14` and `snake_case` are one word each, `a-b` two, and each
//! Chinese character one. The reading time is a minute per 200 words, rounded up.
//!
//! The segmentation below is UAX #29's rules for words (WB4 to WB13b) over the character
//! classes they name, decided here without Unicode's tables: letters and digits by `char`'s
//! own properties, the few punctuation classes (`MidLetter`, `MidNum`, ...) by their short
//! lists, ideographs and kana by their blocks. It differs from the tables only for scripts
//! segmented by dictionary (Thai, Lao, Khmer, Myanmar), whose runs count as one word each.

/// The word count and the reading time in minutes of a page's markdown `body`.
pub fn count(body: &str) -> (u32, u32) {
    let mut words = 0;
    let mut rest = body;
    let mut in_code = false;
    // `body.split("```").step_by(2)`, by a search for the backtick (a `memchr`) rather than
    // for the three-byte pattern.
    loop {
        let fence = find_fence(rest);
        if !in_code {
            words += words_in(&rest[..fence.unwrap_or(rest.len())]);
        }
        match fence {
            Some(at) => rest = &rest[at + 3..],
            None => break,
        }
        in_code = !in_code;
    }
    let words = u32::try_from(words).unwrap_or(u32::MAX);
    (words, words.div_ceil(200))
}

/// Where the first "```" of `text` starts.
fn find_fence(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find('`') {
        let at = from + at;
        if text.as_bytes()[at..].starts_with(b"```") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A character's class for word segmentation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    /// A letter of an alphabet (UAX #29's `ALetter` and `Hebrew_Letter`).
    Letter,
    /// A digit.
    Numeric,
    Katakana,
    /// `_` and its kin (`ExtendNumLet`): joins words.
    ExtendNumLet,
    /// `:` and its kin: joins two letters.
    MidLetter,
    /// `,` `;` and their kin: joins two numbers.
    MidNum,
    /// `.` `'` `’` and their kin: joins two letters or two numbers.
    MidNumLet,
    /// Combining marks and format characters: part of the character before them (WB4).
    Extend,
    /// A letter or digit that is a word on its own (ideographs, hiragana).
    Alone,
    Other,
}

fn class(c: char) -> Class {
    match c {
        'a'..='z' | 'A'..='Z' => Class::Letter,
        '0'..='9' => Class::Numeric,
        '_'
        | '\u{202F}'
        | '\u{203F}'
        | '\u{2040}'
        | '\u{2054}'
        | '\u{FE33}'
        | '\u{FE34}'
        | '\u{FE4D}'..='\u{FE4F}'
        | '\u{FF3F}' => Class::ExtendNumLet,
        ':' | '\u{B7}' | '\u{387}' | '\u{55F}' | '\u{5F4}' | '\u{2027}' | '\u{FE13}'
        | '\u{FE55}' | '\u{FF1A}' => Class::MidLetter,
        ',' | ';' | '\u{37E}' | '\u{589}' | '\u{60C}' | '\u{60D}' | '\u{66C}' | '\u{7F8}'
        | '\u{2044}' | '\u{FE10}' | '\u{FE14}' | '\u{FE50}' | '\u{FE54}' | '\u{FF0C}'
        | '\u{FF1B}' => Class::MidNum,
        '.' | '\'' | '\u{2018}' | '\u{2019}' | '\u{2024}' | '\u{FE52}' | '\u{FF07}'
        | '\u{FF0E}' => Class::MidNumLet,
        _ if c.is_ascii() => Class::Other,
        '\u{300}'..='\u{36F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{AD}'
        | '\u{200C}'
        | '\u{200D}'
        | '\u{2060}'..='\u{2064}' => Class::Extend,
        '\u{30A0}'..='\u{30FF}'
        | '\u{31F0}'..='\u{31FF}'
        | '\u{32D0}'..='\u{32FE}'
        | '\u{3300}'..='\u{3357}'
        | '\u{FF66}'..='\u{FF9D}' => Class::Katakana,
        '\u{2E80}'..='\u{2FFF}'
        | '\u{3040}'..='\u{309F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}' => {
            if c.is_alphanumeric() {
                Class::Alone
            } else {
                Class::Other
            }
        }
        // Other numbers (`²`, `½`, `①`, `₂`) are no digits to UAX #29: each is a word alone.
        '\u{B2}'
        | '\u{B3}'
        | '\u{B9}'
        | '\u{BC}'..='\u{BE}'
        | '\u{2070}'..='\u{209F}'
        | '\u{2150}'..='\u{215F}'
        | '\u{2189}'
        | '\u{2460}'..='\u{24FF}'
        | '\u{2776}'..='\u{2793}'
        | '\u{3248}'..='\u{325F}'
        | '\u{3280}'..='\u{32BF}' => {
            if c.is_numeric() {
                Class::Alone
            } else if c.is_alphabetic() {
                Class::Letter
            } else {
                Class::Other
            }
        }
        _ if c.is_numeric() && !c.is_alphabetic() => Class::Numeric,
        _ if c.is_alphabetic() => Class::Letter,
        _ => Class::Other,
    }
}

/// The words in `text`.
fn words_in(text: &str) -> usize {
    if text.is_ascii() {
        ascii_words(text.as_bytes())
    } else {
        // WB4: combining marks and format characters go with the character before them.
        words_of(text.chars().map(class).filter(|&c| c != Class::Extend))
    }
}

/// The words of an ASCII text (most pages), by the same rules as [`words_of`], in a loop
/// over bytes: letters, digits and `_` all join one another; `:`, `.` and `'` join two
/// letters, `,`, `;`, `.` and `'` two digits.
fn ascii_words(bytes: &[u8]) -> usize {
    let mut words = 0;
    // The word being read: whether it has a letter or digit, and the flags of its last byte.
    let mut word: Option<(bool, u8)> = None;
    // Whether the runs of joining bytes before and after a separator are one byte apart.
    let mut adjacent = false;
    for run in bytes.split(|&b| BYTES[usize::from(b)] & JOINS == 0) {
        let (Some(&first), Some(&last)) = (run.first(), run.last()) else {
            adjacent = false;
            continue;
        };
        let alnum = first != b'_' || run.iter().any(|&b| b != b'_');
        let first = BYTES[usize::from(first)];
        let last = BYTES[usize::from(last)];
        let joined = match word {
            Some((_, before)) if adjacent => {
                // The separator is the byte just before this run.
                let at = run.as_ptr() as usize - bytes.as_ptr() as usize - 1;
                let mid = BYTES[usize::from(bytes[at])];
                (before & first & LETTER != 0 && mid & MID_LETTER != 0)
                    || (before & first & DIGIT != 0 && mid & MID_NUMBER != 0)
            }
            _ => false,
        };
        word = match word {
            Some((counts, _)) if joined => Some((counts || alnum, last)),
            previous => {
                if let Some((true, _)) = previous {
                    words += 1;
                }
                Some((alnum, last))
            }
        };
        adjacent = true;
    }
    if let Some((true, _)) = word {
        words += 1;
    }
    words
}

/// Flags of each byte for [`ascii_words`].
const JOINS: u8 = 1;
const LETTER: u8 = 2;
const DIGIT: u8 = 4;
const MID_LETTER: u8 = 8;
const MID_NUMBER: u8 = 16;

static BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => JOINS | LETTER,
            b'0'..=b'9' => JOINS | DIGIT,
            b'_' => JOINS,
            b':' => MID_LETTER,
            b',' | b';' => MID_NUMBER,
            b'.' | b'\'' => MID_LETTER | MID_NUMBER,
            _ => 0,
        };
        b += 1;
    }
    table
};

/// The words in a text whose characters' classes are `classes`.
fn words_of(mut classes: impl Iterator<Item = Class>) -> usize {
    // A window of three classes is all the rules look at.
    let mut window = [classes.next(), classes.next(), classes.next()];
    let mut advance = |window: &mut [Option<Class>; 3], n: usize| {
        for _ in 0..n {
            *window = [window[1], window[2], classes.next()];
        }
    };
    let mut words = 0;
    while let Some(here) = window[0] {
        match here {
            Class::Letter | Class::Numeric | Class::Katakana | Class::ExtendNumLet => {
                // A run of `_` alone holds no letter or digit.
                let mut counts = here != Class::ExtendNumLet;
                while let Some(step) = joins(window) {
                    advance(&mut window, step);
                    counts |= window[0] != Some(Class::ExtendNumLet);
                }
                if counts {
                    words += 1;
                }
            }
            Class::Alone => words += 1,
            _ => {}
        }
        advance(&mut window, 1);
    }
    words
}

/// Whether the word that has reached `window[0]` goes on, and by how many characters.
fn joins(window: [Option<Class>; 3]) -> Option<usize> {
    use Class::*;
    let [Some(here), Some(next), after] = window else { return None };
    match (here, next) {
        // WB5, WB8, WB9, WB10, WB13, WB13a, WB13b.
        (Letter | Numeric, Letter | Numeric)
        | (Katakana, Katakana)
        | (Letter | Numeric | Katakana | ExtendNumLet, ExtendNumLet)
        | (ExtendNumLet, Letter | Numeric | Katakana) => Some(1),
        // WB6, WB7: `don't`, `x.org`, `a:b`.
        (Letter, MidLetter | MidNumLet) if after == Some(Letter) => Some(2),
        // WB11, WB12: `3.14`, `1,000`.
        (Numeric, MidNum | MidNumLet) if after == Some(Numeric) => Some(2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_unicode_word_segments_with_a_letter_or_digit() {
        assert_eq!(words_in("Hello, world!"), 2);
        assert_eq!(words_in("don't stop: x.org a:b 3.14 1,000 a-b snake_case __ ---"), 9);
        assert_eq!(words_in("mailto:a@b.c https://example.org/x"), 5);
        assert_eq!(words_in("Ünïcödé e\u{301}te\u{301} Привет"), 3);
        assert_eq!(words_in("日本語 カタカナ ひらがな"), 3 + 1 + 4);
        // Zola 0.22.1: 11 (superscripts and subscripts are words of their own).
        assert_eq!(words_in("emoji 😀 here 👍🏽 and ½ ① ² x² H₂O"), 11);
        assert_eq!(words_in(""), 0);
        // The ASCII loop and the general rules agree.
        let ascii = "don't stop: x.org a:b 3.14 1,000 a-b snake_case __ --- 1.a a.1 _a a_ x:1 1:x 'a' a'' .5 5. ,,";
        for end in 0..=ascii.len() {
            let text = &ascii[..end];
            assert_eq!(ascii_words(text.as_bytes()), words_of(text.chars().map(class)), "{text}");
        }
    }

    /// Zola 0.22.1's `word_count` for these bodies.
    #[test]
    fn code_fences_are_left_out_as_zola_does() {
        let body = "First para with **bold** and a [link](https://x.org).\n\nSecond para.\n\n\
                    <!-- more -->\n\nAfter the more.\n";
        assert_eq!(count(body), (15, 1));
        let body = "Words here\n\n```rust\nfn main() {}\n```\n\n    indented code\n";
        assert_eq!(count(body), (4, 1));
        assert_eq!(count(&"word ".repeat(401)), (401, 3));
        // As Zola cuts: at each "```", four backticks being one and a text.
        for body in ["a ``` b ``` c", "a ```` b ```` c `` d", "```", "x```y```z```w", "` `` ```"] {
            let zola: usize = body.split("```").step_by(2).map(words_in).sum();
            assert_eq!(count(body).0 as usize, zola, "{body}");
        }
    }
}
