//! Front matter: the `+++` TOML or `---` YAML at the top of a page or section, as Zola reads
//! it.
//!
//! Every key of Zola's pages and sections is read and typed ([`FrontMatter`]). A value of the
//! wrong type is an error at the value's line and column; so is an unknown key of a section,
//! as in Zola. A page's unknown keys, and a section's keys on a page, Zola ignores: here they
//! are warnings at the key (with the likely key when it is a typo), and the page builds.
//!
//! - `keys.rs`: each key checked; `node.rs`: one view of TOML and YAML values, with where
//!   they are; `dates.rs`: `date` and `updated` as Zola reads them.

mod dates;
mod keys;
mod node;
mod query;
#[cfg(test)]
mod tests;

use cell_proto::{FrontMatterFormat, WireValue};
use facet::Facet;

use crate::SiteError;
use crate::toml::Datetime;

pub(crate) use dates::from_file_name as date_from_file_name;
pub(crate) use query::front_matter_query;

/// A page's or section's front matter, checked. A page has the section keys at their
/// defaults; a section the page keys.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct FrontMatter {
    /// `title` (none is fine: templates see `null`).
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `date` (pages): as written, or read from a string; or from the file name
    /// (`2024-01-05-post.md`) when the front matter has none.
    pub date: Option<Datetime>,
    /// `updated` (pages).
    pub updated: Option<Datetime>,
    /// `weight`: sections list pages by weight, then date, then title.
    pub weight: Option<i64>,
    /// `draft`: drafts are built nowhere and listed nowhere, unless the build takes them
    /// (`--drafts`; the query `left_out`, `tree/placement.rs`).
    pub draft: bool,
    /// `render` (default `true`): `false` writes no output for it (it is still listed).
    pub render: bool,
    /// `slug` (pages), as written: the page's slug, and the last segment of its route, once
    /// slugified.
    pub slug: Option<String>,
    /// `path` (pages), as written: the page's route instead of the one its file gives.
    pub path: Option<String>,
    /// `aliases`: old URLs that should redirect here (no redirects are written yet).
    pub aliases: Vec<String>,
    /// `authors` (pages).
    pub authors: Vec<String>,
    /// `in_search_index` (default `true`): a page with `false` is left out of the search
    /// index; a section with `false` leaves out itself and the pages it lists.
    pub in_search_index: bool,
    /// `template`: the template to render with instead of `page.html` / `section.html`.
    pub template: Option<String>,
    /// `taxonomies` (pages): each taxonomy's terms, in the order written.
    pub taxonomies: Vec<Terms>,
    /// `extra`: anything else, for templates (an empty table when absent).
    pub extra: WireValue,
    /// The sections' keys.
    pub section: SectionSettings,
    /// Keys that were ignored, each as `file:line:column: message`.
    pub warnings: Vec<String>,
}

/// One taxonomy of a page: `tags = ["rust", "web"]`.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Terms {
    /// The taxonomy (`tags`).
    pub taxonomy: String,
    /// Its terms.
    pub terms: Vec<String>,
}

/// A section's own keys (stored; not acted on yet, but `sort_by`'s default order).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct SectionSettings {
    /// `sort_by` (default `none`).
    pub sort_by: SortBy,
    /// `paginate_by`.
    pub paginate_by: Option<u64>,
    /// `paginate_path` (default `page`).
    pub paginate_path: String,
    /// `paginate_reversed`.
    pub paginate_reversed: bool,
    /// `insert_anchor_links`: `none`, `left`, `right` or `heading` (default: the config's).
    pub insert_anchor_links: Option<String>,
    /// `page_template`: the template of its pages (and its subsections' pages).
    pub page_template: Option<String>,
    /// `redirect_to`.
    pub redirect_to: Option<String>,
    /// `transparent`: its pages are listed by its parent section too.
    pub transparent: bool,
    /// `generate_feeds`.
    pub generate_feeds: bool,
}

/// How a section orders its pages (`sort_by`).
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SortBy {
    /// `none`.
    None,
    /// `date`: newest first.
    Date,
    /// `update_date`: most recently updated first.
    UpdateDate,
    /// `title`: natural order of titles.
    Title,
    /// `title_bytes`: byte order of titles.
    TitleBytes,
    /// `weight`: lightest first.
    Weight,
    /// `slug`.
    Slug,
    /// `permalink`.
    Permalink,
}

impl SortBy {
    /// Its name in front matter.
    pub fn name(self) -> &'static str {
        match self {
            SortBy::None => "none",
            SortBy::Date => "date",
            SortBy::UpdateDate => "update_date",
            SortBy::Title => "title",
            SortBy::TitleBytes => "title_bytes",
            SortBy::Weight => "weight",
            SortBy::Slug => "slug",
            SortBy::Permalink => "permalink",
        }
    }
}

impl Default for FrontMatter {
    fn default() -> FrontMatter {
        FrontMatter {
            title: None,
            description: None,
            date: None,
            updated: None,
            weight: None,
            draft: false,
            render: true,
            slug: None,
            path: None,
            aliases: Vec::new(),
            authors: Vec::new(),
            in_search_index: true,
            template: None,
            taxonomies: Vec::new(),
            extra: cell_proto::Value::Map(Vec::new()).to_wire(),
            section: SectionSettings {
                sort_by: SortBy::None,
                paginate_by: None,
                paginate_path: "page".into(),
                paginate_reversed: false,
                insert_anchor_links: None,
                page_template: None,
                redirect_to: None,
                transparent: false,
                generate_feeds: false,
            },
            warnings: Vec::new(),
        }
    }
}

/// Where the front matter is: for placing errors and warnings in the file.
pub(super) struct Place<'a> {
    /// The file, relative to `content/` (`blog/post.md`).
    path: &'a str,
    /// The file's whole text.
    file_text: &'a str,
    /// The front matter's text.
    text: &'a str,
    /// The file's line the front matter starts on.
    first_line: u32,
}

impl Place<'_> {
    /// The file, relative to the site (made only for a message).
    fn file(&self) -> String {
        format!("content/{}", self.path)
    }

    /// The file's line and column of byte `offset` of the front matter.
    fn line_column(&self, offset: usize) -> (u32, u32) {
        let (line, column) = crate::toml::line_column(self.text, offset);
        (self.first_line + line - 1, column)
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> SiteError {
        let (line, column) = self.line_column(offset);
        SiteError::in_file(self.file(), message).at(self.file_text, line, Some(column))
    }

    fn warning(&self, offset: usize, message: &str) -> String {
        let (line, column) = self.line_column(offset);
        format!("content/{}:{line}:{column}: {message}", self.path)
    }
}

/// Parses the front matter `text` of the content file `file` (relative to `content/`; a
/// section if it is an `_index.md`), which starts on line `first_line` of the file whose
/// whole text is `file_text`.
///
/// # Errors
///
/// A [`SiteError`] at the line and column of what is wrong: a syntax error, a value of the
/// wrong type, a key a section does not have.
pub fn parse_front_matter(
    text: &str,
    format: FrontMatterFormat,
    file: &str,
    file_text: &str,
    first_line: u32,
) -> Result<FrontMatter, SiteError> {
    let place = Place { path: file, file_text, text, first_line };
    let section = crate::content::is_section(file);
    match format {
        FrontMatterFormat::Toml => {
            let table = crate::toml::parse(text).map_err(|error| {
                place.error(error.offset(), format!("front matter: {}", error.message()))
            })?;
            keys::read(&place, section, &node::toml_entries(&table))
        }
        FrontMatterFormat::Yaml => {
            let value = crate::values::parse(text, crate::values::Syntax::Yaml).map_err(
                |(message, position)| {
                    let error =
                        SiteError::in_file(place.file(), format!("front matter: {message}"));
                    match position {
                        Some((line, column)) => {
                            error.at(file_text, first_line + line.max(1) - 1, Some(column))
                        }
                        None => error,
                    }
                },
            )?;
            let cell_proto::Value::Map(entries) = value else {
                return Err(place.error(0, "front matter must be a table of keys"));
            };
            keys::read(&place, section, &node::yaml_entries(&entries, text))
        }
    }
}
