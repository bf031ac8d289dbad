//! A check the TOML parser leaves out: every string closes.
//!
//! facet-toml (0.46) reads `title = "Unclosed` as the string `Unclosed`, where TOML says a
//! basic or literal string must end on its line. A typo in front matter would then pass
//! silently; this scan finds it first and names its line and column. It follows TOML's
//! quoting: basic strings (`"…"`, with `\` escapes), literal strings (`'…'`), their multi-line
//! forms (`"""…"""`, `'''…'''`, which may span lines) and comments (`#` to the end of the
//! line, outside strings).

/// Where a string opened that does not close: `(line, column)`, both 1-based.
pub(crate) fn unclosed_string(text: &str) -> Option<(u32, u32)> {
    #[derive(Clone, Copy, PartialEq)]
    enum In {
        Code,
        Basic,
        Literal,
        MultiBasic,
        MultiLiteral,
    }
    let mut state = In::Code;
    let mut opened = (0, 0);
    for (index, line) in text.lines().enumerate() {
        let line_number = index as u32 + 1;
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let rest = &chars[i..];
            let starts = |quote: &str| rest.iter().copied().take(3).eq(quote.chars());
            match state {
                In::Code => match chars[i] {
                    '#' => break,
                    '"' if starts("\"\"\"") => {
                        state = In::MultiBasic;
                        opened = (line_number, i as u32 + 1);
                        i += 2;
                    }
                    '\'' if starts("'''") => {
                        state = In::MultiLiteral;
                        opened = (line_number, i as u32 + 1);
                        i += 2;
                    }
                    '"' => {
                        state = In::Basic;
                        opened = (line_number, i as u32 + 1);
                    }
                    '\'' => {
                        state = In::Literal;
                        opened = (line_number, i as u32 + 1);
                    }
                    _ => {}
                },
                In::Basic | In::MultiBasic if chars[i] == '\\' => i += 1,
                In::Basic if chars[i] == '"' => state = In::Code,
                In::Literal if chars[i] == '\'' => state = In::Code,
                In::MultiBasic if starts("\"\"\"") => {
                    state = In::Code;
                    i += 2;
                }
                In::MultiLiteral if starts("'''") => {
                    state = In::Code;
                    i += 2;
                }
                _ => {}
            }
            i += 1;
        }
        if matches!(state, In::Basic | In::Literal) {
            return Some(opened);
        }
    }
    matches!(state, In::MultiBasic | In::MultiLiteral).then_some(opened)
}

#[cfg(test)]
mod tests {
    use super::unclosed_string;

    #[test]
    fn a_string_left_open_is_found_with_its_line_and_column() {
        assert_eq!(unclosed_string("title = \"Bad\nweight = 3\n"), Some((1, 9)));
        assert_eq!(unclosed_string("a = 1\nb = 'open\n"), Some((2, 5)));
        assert_eq!(unclosed_string("a = \"\"\"\nnever closed\n"), Some((1, 5)));
        assert_eq!(unclosed_string("a = \"ends with an escaped quote \\\"\n"), Some((1, 5)));
    }

    #[test]
    fn closed_strings_comments_and_multi_line_strings_pass() {
        for text in [
            "title = \"A\" # a \"comment\n",
            "tags = [\"a\", 'b', \"c\\\"d\"]\n",
            "\"quoted key\" = 'single quotes'\n",
            "body = \"\"\"\nline \"one\"\n\"\"\"\nafter = 1\n",
            "raw = '''\nit's raw\n'''\n",
            "# only a comment with a ' quote\n",
            "",
        ] {
            assert_eq!(unclosed_string(text), None, "{text:?}");
        }
    }
}
