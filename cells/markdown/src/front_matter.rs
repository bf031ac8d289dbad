//! Splitting a page into its front matter and its body.
//!
//! A page may open with `+++` (TOML) or `---` (YAML) on its first line, and the front matter
//! runs until the same delimiter alone on a line. A byte-order mark and trailing spaces on the
//! delimiter lines are tolerated; a front matter that never closes is an error naming the
//! line it opened on, not a page whose whole text is front matter.

use cell_proto::FrontMatterFormat;

use crate::MarkdownError;

/// A page cut in two.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The front matter's text, without delimiters, and its syntax.
    pub front_matter: Option<(&'a str, FrontMatterFormat)>,
    /// Everything after the closing delimiter (the whole text if there is no front matter).
    pub body: &'a str,
    /// The 1-based line on which `body` starts.
    pub body_line: u32,
}

/// Splits `source` (the whole file).
///
/// # Errors
///
/// [`MarkdownError::UnclosedFrontMatter`] when the opening delimiter has no closing one.
pub fn split(source: &str) -> Result<Split<'_>, MarkdownError> {
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok(Split { front_matter: None, body: text, body_line: 1 });
    };
    let (delimiter, format) = match first.trim_end() {
        "+++" => ("+++", FrontMatterFormat::Toml),
        "---" => ("---", FrontMatterFormat::Yaml),
        _ => return Ok(Split { front_matter: None, body: text, body_line: 1 }),
    };
    let start = first.len();
    let mut offset = start;
    let mut line = 1u32;
    for next in lines {
        line += 1;
        if next.trim_end() == delimiter {
            let front_matter = &text[start..offset];
            let body = &text[offset + next.len()..];
            return Ok(Split {
                front_matter: Some((front_matter, format)),
                body,
                body_line: line + 1,
            });
        }
        offset += next.len();
    }
    Err(MarkdownError::UnclosedFrontMatter { delimiter, line: 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_front_matter_is_split_off_with_the_body_line() {
        let page = "+++\ntitle = \"A\"\nweight = 2\n+++\n# Body\n";
        let split = split(page).unwrap();
        assert_eq!(
            split.front_matter,
            Some(("title = \"A\"\nweight = 2\n", FrontMatterFormat::Toml))
        );
        assert_eq!(split.body, "# Body\n");
        assert_eq!(split.body_line, 5);
    }

    #[test]
    fn yaml_front_matter_with_crlf_and_a_bom_is_split_off() {
        let page = "\u{feff}---\r\ntitle: A\r\n---  \r\nbody";
        let split = split(page).unwrap();
        assert_eq!(split.front_matter, Some(("title: A\r\n", FrontMatterFormat::Yaml)));
        assert_eq!(split.body, "body");
        assert_eq!(split.body_line, 4);
    }

    #[test]
    fn a_page_without_front_matter_is_all_body() {
        for page in ["", "# Title\n", "++++\nx\n++++\n", "text --- text"] {
            let split = split(page).unwrap();
            assert_eq!(split.front_matter, None);
            assert_eq!(split.body_line, 1);
        }
    }

    #[test]
    fn an_unclosed_front_matter_is_an_error_naming_its_line() {
        let err = split("+++\ntitle = 1\n# no end\n").unwrap_err();
        assert_eq!(err, MarkdownError::UnclosedFrontMatter { delimiter: "+++", line: 1 });
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn empty_front_matter_is_allowed() {
        let split = split("+++\n+++\nbody").unwrap();
        assert_eq!(split.front_matter, Some(("", FrontMatterFormat::Toml)));
        assert_eq!(split.body, "body");
    }
}
