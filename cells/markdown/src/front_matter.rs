//! Splitting a page into its front matter and its body.
//!
//! A page may open with `+++` (TOML) or `---` (YAML) on its first line, and the front matter
//! runs until the same delimiter alone on a line. A byte-order mark and trailing spaces on the
//! delimiter lines are tolerated; a front matter that never closes is an error naming the
//! line it opened on, not a page whose whole text is front matter.

use crate::MarkdownError;

pub use cell_proto::Split;

/// Splits `source` (the whole file); the splitting itself is `cell_proto`'s, which the host
/// uses too, so that both read a page's front matter the same way.
///
/// # Errors
///
/// [`MarkdownError::UnclosedFrontMatter`] when the opening delimiter has no closing one.
pub fn split(source: &str) -> Result<Split<'_>, MarkdownError> {
    cell_proto::split_front_matter(source).map_err(|unclosed| MarkdownError::UnclosedFrontMatter {
        delimiter: unclosed.delimiter,
        line: unclosed.line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cell_proto::FrontMatterFormat;

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
