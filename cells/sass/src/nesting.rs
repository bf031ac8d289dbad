//! A bound on how deeply a file nests brackets, checked before grass parses it: grass
//! recurses once per level (`a{a{…`, `((((…`), and a file nested a few hundred thousand
//! levels deep overflows any stack, which aborts the process (a stack overflow cannot be
//! caught). Real stylesheets nest a dozen levels; [`MAX_DEPTH`] is far beyond that and far
//! within the compile thread's stack.
//!
//! The scan skips strings and comments, so a bracket in `content: "(("` or `// (` is not
//! counted; it needs no more of Sass's grammar than that, since an unbalanced file is
//! grass's to report.

/// The deepest nesting of `(`, `[` and `{` a file may have.
pub(crate) const MAX_DEPTH: usize = 256;

/// Where `text` first nests deeper than [`MAX_DEPTH`]: its line and column (from 1, in
/// characters), or `None` when it never does.
pub(crate) fn too_deep(text: &str) -> Option<(u32, u32)> {
    let (mut depth, mut line, mut column) = (0usize, 1u32, 0u32);
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        column += 1;
        if c == '\n' {
            (line, column) = (line + 1, 0);
        }
        if let Some(q) = quote {
            match c {
                '\\' => {
                    chars.next();
                    column += 1;
                }
                _ if c == q || c == '\n' => quote = None,
                _ => {}
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '/' if chars.peek() == Some(&'/') => {
                // To the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        (line, column) = (line + 1, 0);
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                column += 1;
                let mut star = false;
                for c in chars.by_ref() {
                    column += 1;
                    if c == '\n' {
                        (line, column) = (line + 1, 0);
                    }
                    if star && c == '/' {
                        break;
                    }
                    star = c == '*';
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((line, column));
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bracket_too_deep_is_placed() {
        let text = format!("a {{\n  b: {}1{};\n}}\n", "(".repeat(300), ")".repeat(300));
        assert_eq!(too_deep(&text), Some((2, 5 + MAX_DEPTH as u32)));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let many = "(".repeat(1000);
        let text =
            format!("a {{ content: \"{many}\"; }}\n// {many}\n/* {many} */\nb {{ x: '{many}' }}");
        assert_eq!(too_deep(&text), None);
        assert_eq!(too_deep("a { b { c { d: (1 + [2]) } } }"), None);
    }
}
