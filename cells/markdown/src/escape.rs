//! Escaping for the HTML the cell writes itself, the same as pulldown-cmark's renderer writes
//! it for the elements it renders (its escaping functions are not public), so that a link
//! the cell writes reads exactly as one pulldown-cmark would have written.

/// Text for a quoted attribute: `& < > " '` escaped.
pub(crate) fn push_attribute(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// A link's destination, for an `href` or `src`: `&` and `'` as entities, every byte that
/// is not safe in a URL (space, `"`, `<`, `>`, `[`, `\`, `]`, `` ` ``, `{`, `|`, `}`,
/// controls, non-ASCII) percent-encoded.
pub(crate) fn push_href(out: &mut String, href: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut mark = 0;
    for (at, byte) in href.bytes().enumerate() {
        let safe = matches!(byte,
            b'!' | b'#' | b'$' | b'%' | b'('..=b';' | b'=' | b'?'..=b'Z' | b'^' | b'_'
            | b'a'..=b'z' | b'~');
        if safe {
            continue;
        }
        // Between two escaped bytes there are only safe ASCII bytes, so a non-empty run starts
        // and ends on character boundaries (a multi-byte character is escaped byte by byte).
        if mark < at {
            out.push_str(&href[mark..at]);
        }
        match byte {
            b'&' => out.push_str("&amp;"),
            b'\'' => out.push_str("&#x27;"),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xF)]));
            }
        }
        mark = at + 1;
    }
    if mark < href.len() {
        out.push_str(&href[mark..]);
    }
}

/// A value printed by a Tera template (`{{ id }}`): `& < > " ' /` escaped as Tera does,
/// for the templates the cell writes in Zola's place (its built-in `anchor-link.html`).
pub(crate) fn push_tera(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '/' => out.push_str("&#x2F;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pulldown(markdown: &str) -> String {
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(markdown));
        html
    }

    #[test]
    fn hrefs_and_attributes_are_escaped_as_pulldown_cmark_escapes_them() {
        let href = "https://x.org/a b?q=\"1\"&r='2'<>[]{}|`^~ü#f";
        let title = "a \"b\" & 'c' <d>";
        let mut ours = String::from("<p><a href=\"");
        push_href(&mut ours, href);
        ours.push_str("\" title=\"");
        push_attribute(&mut ours, title);
        ours.push_str("\">x</a></p>\n");
        let markdown = format!(
            "[x](<{}> \"{}\")",
            href.replace('<', "\\<").replace('>', "\\>"),
            title.replace('"', "\\\"")
        );
        assert_eq!(ours, pulldown(&markdown));
    }

    #[test]
    fn tera_escapes_slashes_too() {
        let mut out = String::new();
        push_tera(&mut out, "a/b&'");
        assert_eq!(out, "a&#x2F;b&amp;&#x27;");
    }
}
