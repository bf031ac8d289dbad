//! HTML and URL escaping.

/// Appends `text` to `out`, escaping `& < > " ' /` for HTML text and attribute values, as
/// Tera does (so that a page renders as it does with Zola: `/` becomes `&#x2F;`, which
/// browsers read as `/`, in text and in attributes alike).
pub(crate) fn escape_html(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            b'/' => "&#x2F;",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// Percent-encodes a URL's text as Tera's `urlencode` does (Python's `quote`): everything but
/// letters, digits and `- _ . ~ / %`. With `strict`, everything but letters and digits.
pub(crate) fn url_encode(text: &str, strict: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        let kept = b.is_ascii_alphanumeric()
            || (!strict && matches!(b, b'-' | b'_' | b'.' | b'~' | b'/' | b'%'));
        if kept {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_six_html_specials() {
        let mut out = String::new();
        escape_html(&mut out, r#"<a href="x">'&'</a>"#);
        assert_eq!(out, "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;&#x2F;a&gt;");
    }

    #[test]
    fn url_encoding_keeps_slashes_and_unreserved() {
        assert_eq!(url_encode("a b/c?d=é", false), "a%20b/c%3Fd%3D%C3%A9");
        assert_eq!(url_encode("a b/c", true), "a%20b%2Fc");
    }
}
