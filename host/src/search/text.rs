//! A page's body as Zola puts it in its search index: the rendered HTML with every tag
//! removed, then each line's white space collapsed, then cut to `truncate_content_length`
//! characters.
//!
//! Zola 0.22 (`components/search/src/lib.rs`, `clean_and_truncate_body`) runs the body
//! through `ammonia` with no tag allowed and the content of `script`, `style` and `pre`
//! removed: html5ever parses it (character references decoded, comments dropped) and
//! serialises the text that is left, escaping `&`, `<`, `>` and the no-break space again
//! (`&amp;`, `&lt;`, `&gt;`, `&nbsp;`). So the index holds `a &amp; b` where the page shows
//! `a & b`, and this module writes the same. Then every line has its runs of white space made
//! one space, lines left empty are dropped, and the text is cut after `truncate_content_length`
//! characters (which may cut an `&amp;` short, as Zola's does).
//!
//! This is our own scanner of HTML's syntax, not a tree builder: enough of html5ever's
//! tokenizer for what it keeps and drops (tags with quoted attributes, comments, bogus
//! comments, `<!doctype>`, raw-text and RCDATA elements, character references with the
//! standard's table, `entities.rs`), and of ammonia's rules for what it drops with its
//! content (`script`, `style`, `pre`, `template`, and whatever is inside `svg` or `math`).
//! Where a tree builder would move text (a table's stray text, an element closed by an end
//! tag of its parent), this keeps document order; markdown never writes such HTML.
//!
//! # Example
//!
//! ```text
//! <h1 id="x">Tom &amp; Jerry</h1>\n<pre><code>hidden</code></pre>\n<p>a&nbsp;b &lt;3</p>
//! ```
//! gives `Tom &amp; Jerry\na&nbsp;b &lt;3`.

use super::entities::{ENTITIES, LONGEST};

/// The body text of the page HTML `html` as Zola indexes it, cut to `truncate` characters.
pub(crate) fn body_text(html: &str, truncate: Option<u64>) -> String {
    let mut text = collapse_white_space(&html_to_text(html));
    if let Some(length) = truncate {
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        if let Some((end, _)) = text.char_indices().nth(length) {
            text.truncate(end);
        }
    }
    text
}

/// Each line's runs of white space made one space (Unicode white space, as Rust's
/// `split_whitespace`), blank lines dropped, lines joined with `\n`.
fn collapse_white_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// Elements whose text is raw (no tags, no character references inside) and kept.
const RAW_TEXT_KEPT: [&str; 5] = ["iframe", "noembed", "noframes", "noscript", "xmp"];
/// Elements whose text is raw and dropped with them.
const RAW_TEXT_DROPPED: [&str; 2] = ["script", "style"];
/// Elements whose text is escapable (references decoded, no tags inside).
const RCDATA: [&str; 2] = ["textarea", "title"];
/// Elements dropped with all they hold (ammonia's `clean_content_tags` as Zola sets them,
/// `pre`; and `template`, whose content html5ever keeps apart from the tree).
const DROPPED: [&str; 2] = ["pre", "template"];
/// Elements of another namespace: their own text is kept, but ammonia drops every element
/// inside them, with its content (html5ever gives those the SVG or MathML namespace, which
/// ammonia refuses anywhere but under their root).
const FOREIGN: [&str; 2] = ["svg", "math"];

/// The text of `html` as ammonia (no tags allowed) serialises it: see the module's doc.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = Text { text: String::with_capacity(html.len() / 2), dropped: 0 };
    let mut s = Scanner { html, at: 0 };
    // The open elements that drop their content (`pre`, `template`), by name, so that
    // `</pre>` closes only a `pre`.
    let mut open_dropped: Vec<String> = Vec::new();
    // The depth of elements inside each open `svg` or `math` (its own text is kept: depth 0).
    let mut foreign: Vec<usize> = Vec::new();
    while let Some(c) = s.peek() {
        match c {
            '<' => match s.tag() {
                Markup::Start { name, self_closing } => {
                    if let Some(depth) = foreign.last_mut() {
                        if FOREIGN.contains(&name.as_str()) && *depth == 0 && !self_closing {
                            foreign.push(0);
                        } else if !self_closing {
                            *depth += 1;
                            out.dropped += 1;
                        }
                        continue;
                    }
                    let name = name.as_str();
                    if RAW_TEXT_DROPPED.contains(&name) {
                        s.raw_text(name);
                    } else if RAW_TEXT_KEPT.contains(&name) {
                        out.push_str(s.raw_text(name));
                    } else if name == "plaintext" {
                        out.push_str(s.rest());
                    } else if RCDATA.contains(&name) {
                        let text = s.raw_text(name);
                        // html5ever drops a new line right after `<textarea>`.
                        let text = match name {
                            "textarea" => text.strip_prefix('\n').unwrap_or(text),
                            _ => text,
                        };
                        decode_into(text, &mut out);
                    } else if DROPPED.contains(&name) {
                        // `/>` means nothing on an HTML element: `<pre/>` opens one.
                        out.dropped += 1;
                        open_dropped.push(name.to_string());
                    } else if FOREIGN.contains(&name) && !self_closing {
                        foreign.push(0);
                    }
                }
                Markup::End { name } => {
                    if let Some(depth) = foreign.last_mut() {
                        if FOREIGN.contains(&name.as_str()) {
                            // Closes what it holds that is still open, too.
                            out.dropped -= *depth;
                            foreign.pop();
                        } else if *depth > 0 {
                            *depth -= 1;
                            out.dropped -= 1;
                        }
                        continue;
                    }
                    if let Some(at) = open_dropped.iter().rposition(|open| *open == name) {
                        out.dropped -= open_dropped.len() - at;
                        open_dropped.truncate(at);
                    }
                }
                Markup::Nothing => {}
                Markup::Text(text) => out.push_str(text),
            },
            '&' => {
                let (decoded, used) = char_reference(&s.html[s.at..]);
                match decoded {
                    Some(text) => out.push_decoded(&text),
                    None => out.push_str(&s.html[s.at..s.at + used]),
                }
                s.at += used;
            }
            _ => {
                let end = s.html[s.at..].find(['<', '&']).map_or(s.html.len(), |i| s.at + i);
                out.push_str(&s.html[s.at..end]);
                s.at = end;
            }
        }
    }
    out.text
}

/// The text written so far, and how many open elements drop what comes.
struct Text {
    text: String,
    dropped: usize,
}

impl Text {
    /// Text of the source, its line breaks normalised (`\r\n` and `\r` to `\n`, as html5ever
    /// reads its input) and escaped as html5ever serialises it; NUL is dropped (html5ever
    /// ignores it in text).
    fn push_str(&mut self, text: &str) {
        if self.dropped > 0 {
            return;
        }
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    chars.next_if_eq(&'\n');
                    self.text.push('\n');
                }
                '\0' => {}
                c => self.push_escaped(c),
            }
        }
    }

    /// Text from a character reference: escaped, but not normalised (`&#13;` is a `\r`).
    fn push_decoded(&mut self, text: &str) {
        if self.dropped > 0 {
            return;
        }
        for c in text.chars() {
            self.push_escaped(c);
        }
    }

    fn push_escaped(&mut self, c: char) {
        match c {
            '&' => self.text.push_str("&amp;"),
            '\u{a0}' => self.text.push_str("&nbsp;"),
            '<' => self.text.push_str("&lt;"),
            '>' => self.text.push_str("&gt;"),
            c => self.text.push(c),
        }
    }
}

/// What a `<` starts.
enum Markup<'a> {
    /// A start tag, its name lower-cased.
    Start { name: String, self_closing: bool },
    /// An end tag, its name lower-cased.
    End { name: String },
    /// A comment, a doctype, a processing instruction, `</>`, or a tag the input ends in.
    Nothing,
    /// No markup: the `<` (and what follows, up to the next `<` or `&`) is text.
    Text(&'a str),
}

struct Scanner<'a> {
    html: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<char> {
        self.html[self.at..].chars().next()
    }

    fn rest(&mut self) -> &'a str {
        let rest = &self.html[self.at..];
        self.at = self.html.len();
        rest
    }

    /// Skips to just after the first `end` (or to the end of the input).
    fn skip_past(&mut self, end: &str) {
        self.at =
            self.html[self.at..].find(end).map_or(self.html.len(), |i| self.at + i + end.len());
    }

    /// Reads the markup at `<` (html5ever's tag open state and what follows it).
    fn tag(&mut self) -> Markup<'a> {
        let rest = &self.html[self.at..];
        let bytes = rest.as_bytes();
        match bytes.get(1) {
            Some(b'!') => {
                if rest.starts_with("<!--") {
                    self.comment();
                } else {
                    // A doctype, CDATA (a bogus comment in HTML) or a bogus comment.
                    self.skip_past(">");
                }
                Markup::Nothing
            }
            Some(b'?') => {
                self.skip_past(">");
                Markup::Nothing
            }
            Some(b'/') => match bytes.get(2) {
                Some(c) if c.is_ascii_alphabetic() => {
                    self.at += 2;
                    let name = self.tag_name();
                    self.attributes();
                    Markup::End { name }
                }
                Some(b'>') => {
                    self.at += 3;
                    Markup::Nothing
                }
                None => {
                    self.at += 2;
                    Markup::Text("</")
                }
                Some(_) => {
                    self.skip_past(">");
                    Markup::Nothing
                }
            },
            Some(c) if c.is_ascii_alphabetic() => {
                self.at += 1;
                let name = self.tag_name();
                match self.attributes() {
                    Some(self_closing) => Markup::Start { name, self_closing },
                    None => Markup::Nothing,
                }
            }
            _ => {
                self.at += 1;
                Markup::Text("<")
            }
        }
    }

    /// Skips a comment at `<!--`: `<!-->` and `<!--->` are empty ones; otherwise it ends at
    /// `-->` or `--!>`, or at the end of the input.
    fn comment(&mut self) {
        let body = &self.html[self.at + 4..];
        if body.starts_with('>') {
            self.at += 5;
        } else if body.starts_with("->") {
            self.at += 6;
        } else {
            let end = [body.find("-->").map(|i| i + 3), body.find("--!>").map(|i| i + 4)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(body.len());
            self.at += 4 + end;
        }
    }

    /// The tag name here, lower-cased: up to white space, `/` or `>`.
    fn tag_name(&mut self) -> String {
        let rest = &self.html[self.at..];
        let end = rest.find(['\t', '\n', '\u{c}', '\r', ' ', '/', '>']).unwrap_or(rest.len());
        self.at += end;
        rest[..end].to_ascii_lowercase()
    }

    /// Skips the attributes up to and past the `>` that ends the tag (a `>` inside a quoted
    /// value does not). Returns whether the tag ends in `/>`, or `None` when the input ends
    /// first (html5ever then drops the tag).
    fn attributes(&mut self) -> Option<bool> {
        let bytes = self.html.as_bytes();
        let mut slash = false;
        let mut after_equals = false;
        while let Some(&c) = bytes.get(self.at) {
            self.at += 1;
            match c {
                b'>' => return Some(slash),
                b'"' | b'\'' if after_equals => {
                    let Some(end) = self.html[self.at..].find(c as char) else {
                        self.at = self.html.len();
                        return None;
                    };
                    self.at += end + 1;
                    after_equals = false;
                    slash = false;
                }
                b'=' => after_equals = true,
                b'/' => {
                    slash = true;
                    after_equals = false;
                }
                b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' => {}
                _ => {
                    slash = false;
                    after_equals = false;
                }
            }
        }
        None
    }

    /// The text of a raw-text or RCDATA element, up to its end tag (`</name` followed by
    /// white space, `/` or `>`, in any case), which is skipped too; or the rest of the input.
    fn raw_text(&mut self, name: &str) -> &'a str {
        let rest = &self.html[self.at..];
        let mut from = 0;
        while let Some(i) = rest[from..].find("</") {
            let start = from + i;
            let after = &rest.as_bytes()[start + 2..];
            let named = after.len() >= name.len()
                && after[..name.len()].eq_ignore_ascii_case(name.as_bytes());
            let ended = matches!(
                after.get(name.len()),
                Some(b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>')
            );
            if named && ended {
                self.at += start + 2;
                self.tag_name();
                self.attributes();
                return &rest[..start];
            }
            from = start + 2;
        }
        self.rest()
    }
}

/// Decodes the character references of RCDATA text into `out`.
fn decode_into(text: &str, out: &mut Text) {
    let mut at = 0;
    while let Some(i) = text[at..].find('&') {
        out.push_str(&text[at..at + i]);
        at += i;
        let (decoded, used) = char_reference(&text[at..]);
        match decoded {
            Some(decoded) => out.push_decoded(&decoded),
            None => out.push_str(&text[at..at + used]),
        }
        at += used;
    }
    out.push_str(&text[at..]);
}

/// The character reference at the start of `text` (which starts with `&`): what it stands
/// for and how many bytes it takes; `None` and the bytes to keep as they are when it is no
/// reference.
fn char_reference(text: &str) -> (Option<String>, usize) {
    let bytes = text.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let hex = matches!(bytes.get(2), Some(b'x' | b'X'));
        let start = if hex { 3 } else { 2 };
        let digits = bytes[start..]
            .iter()
            .take_while(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() })
            .count();
        if digits == 0 {
            return (None, start);
        }
        let mut end = start + digits;
        if bytes.get(end) == Some(&b';') {
            end += 1;
        }
        let value = u32::from_str_radix(&text[start..start + digits], if hex { 16 } else { 10 })
            .unwrap_or(u32::MAX);
        return (Some(numeric(value).to_string()), end);
    }
    // The longest name of the table that starts the text (a name without `;` is in the
    // table only where the standard lets it be written so).
    let candidate_end = bytes[1..]
        .iter()
        .take(LONGEST)
        .position(|b| !b.is_ascii_alphanumeric() && *b != b';')
        .unwrap_or_else(|| (bytes.len() - 1).min(LONGEST));
    let candidate = &text[1..1 + candidate_end];
    for length in (1..=candidate.len()).rev() {
        let name = &candidate[..length];
        if let Ok(at) =
            ENTITIES.binary_search_by(|(entry, _)| entry.as_bytes().cmp(name.as_bytes()))
        {
            return (Some(ENTITIES[at].1.to_string()), 1 + length);
        }
    }
    (None, 1)
}

/// The character a numeric reference stands for, as the HTML standard maps it: none, a
/// surrogate or past Unicode is U+FFFD; 0x80 to 0x9F are read as windows-1252.
fn numeric(value: u32) -> char {
    const WINDOWS_1252: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let value = match value {
        0 => 0xFFFD,
        0x80..=0x9F => WINDOWS_1252[(value - 0x80) as usize],
        value => value,
    };
    char::from_u32(value).unwrap_or('\u{FFFD}')
}

#[cfg(test)]
mod tests;
