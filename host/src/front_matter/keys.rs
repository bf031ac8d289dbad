//! Each front matter key, checked: its type, its value, and whether a page or a section may
//! have it.

use super::node::Node;
use super::{FrontMatter, Place, SortBy, Terms, dates};
use crate::SiteError;
use crate::config::did_you_mean;
use crate::toml::Datetime;

/// A page's keys (Zola's `PageFrontMatter`).
const PAGE_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "weight",
    "draft",
    "render",
    "slug",
    "path",
    "aliases",
    "authors",
    "in_search_index",
    "template",
    "taxonomies",
    "extra",
];

/// A section's keys (Zola's `SectionFrontMatter`).
const SECTION_KEYS: &[&str] = &[
    "title",
    "description",
    "sort_by",
    "weight",
    "draft",
    "template",
    "paginate_by",
    "paginate_reversed",
    "paginate_path",
    "insert_anchor_links",
    "render",
    "redirect_to",
    "in_search_index",
    "transparent",
    "page_template",
    "aliases",
    "generate_feeds",
    "extra",
];

const SORT_BY: &[&str] =
    &["date", "update_date", "title", "title_bytes", "weight", "slug", "permalink", "none"];

/// Reads the front matter's `entries` (key, where the key is, value) into a [`FrontMatter`].
pub(super) fn read(
    place: &Place<'_>,
    section: bool,
    entries: &[(&str, usize, Node<'_>)],
) -> Result<FrontMatter, SiteError> {
    let mut meta = FrontMatter::default();
    for &(key, key_at, node) in entries {
        // YAML's `key:` with nothing after it, or `~`: as if absent.
        if matches!(node, Node::Yaml(cell_proto::Value::Null, _)) {
            continue;
        }
        let allowed = if section { SECTION_KEYS } else { PAGE_KEYS };
        if !allowed.contains(&key) {
            if section {
                let message = if PAGE_KEYS.contains(&key) {
                    format!("`{key}` is a page's key: a section (`_index.md`) does not have it")
                } else {
                    unknown(key, SECTION_KEYS)
                };
                return Err(place.error(key_at, message));
            }
            let message = if SECTION_KEYS.contains(&key) {
                format!(
                    "`{key}` is a section's key (`_index.md`): ignored on a page, as Zola ignores it"
                )
            } else {
                format!("{}; ignored, as Zola ignores it", unknown(key, PAGE_KEYS))
            };
            meta.warnings.push(place.warning(key_at, &message));
            continue;
        }
        let value = Value { place, key, node };
        let settings = &mut meta.section;
        match key {
            "title" => meta.title = Some(value.string()?),
            "description" => meta.description = Some(value.string()?),
            "date" => meta.date = Some(value.date(true)?),
            "updated" => meta.updated = Some(value.date(false)?),
            "weight" => meta.weight = Some(value.count()? as i64),
            "draft" => meta.draft = value.boolean()?,
            "render" => meta.render = value.boolean()?,
            "in_search_index" => meta.in_search_index = value.boolean()?,
            "slug" => meta.slug = Some(value.non_empty("a slug")?),
            "path" => meta.path = Some(value.non_empty("a path")?),
            "aliases" => meta.aliases = value.strings()?,
            "authors" => meta.authors = value.strings()?,
            "template" => meta.template = Some(value.non_empty("a template name")?),
            "taxonomies" => meta.taxonomies = value.taxonomies()?,
            "extra" => {
                if node.as_map().is_none() {
                    return Err(value.wrong_type("a table"));
                }
                meta.extra = node.to_cell_value().to_wire();
            }
            "sort_by" => {
                let name = value.choice(SORT_BY)?;
                settings.sort_by = match name.as_str() {
                    "date" => SortBy::Date,
                    "update_date" => SortBy::UpdateDate,
                    "title" => SortBy::Title,
                    "title_bytes" => SortBy::TitleBytes,
                    "weight" => SortBy::Weight,
                    "slug" => SortBy::Slug,
                    "permalink" => SortBy::Permalink,
                    _ => SortBy::None,
                };
            }
            "paginate_by" => settings.paginate_by = Some(value.count()?),
            "paginate_path" => settings.paginate_path = value.string()?,
            "paginate_reversed" => settings.paginate_reversed = value.boolean()?,
            "insert_anchor_links" => {
                settings.insert_anchor_links =
                    Some(value.choice(&["none", "left", "right", "heading"])?);
            }
            "page_template" => settings.page_template = Some(value.non_empty("a template name")?),
            "redirect_to" => settings.redirect_to = Some(value.string()?),
            "transparent" => settings.transparent = value.boolean()?,
            "generate_feeds" => settings.generate_feeds = value.boolean()?,
            _ => unreachable!("every allowed key is read above"),
        }
    }
    Ok(meta)
}

/// "unknown front matter key `titel` (did you mean `title`?)".
fn unknown(key: &str, known: &[&str]) -> String {
    let hint =
        did_you_mean(key, known).map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default();
    format!("unknown front matter key `{key}`{hint}; your own keys go under `extra`")
}

/// One key's value, with what is needed to say what is wrong with it.
struct Value<'p, 'a> {
    place: &'p Place<'p>,
    key: &'a str,
    node: Node<'a>,
}

impl Value<'_, '_> {
    fn wrong_type(&self, expected: &str) -> SiteError {
        self.place.error(
            self.node.offset(),
            format!("`{}` must be {expected}, not {}", self.key, self.node.kind()),
        )
    }

    fn string(&self) -> Result<String, SiteError> {
        self.node.as_str().map(str::to_string).ok_or_else(|| self.wrong_type("a string"))
    }

    /// A string that must not be empty (Zola: "`slug` can't be empty if present").
    fn non_empty(&self, what: &str) -> Result<String, SiteError> {
        match self.node.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s.to_string()),
            Some(_) => Err(self.place.error(
                self.node.offset(),
                format!("`{}` must not be empty (leave it out instead)", self.key),
            )),
            None => Err(self.wrong_type(what)),
        }
    }

    fn boolean(&self) -> Result<bool, SiteError> {
        self.node.as_bool().ok_or_else(|| self.wrong_type("true or false"))
    }

    /// A whole number, 0 or more (Zola's `usize`).
    fn count(&self) -> Result<u64, SiteError> {
        match self.node.as_int() {
            Some(n) if n >= 0 => Ok(n as u64),
            Some(n) => Err(self
                .place
                .error(self.node.offset(), format!("`{}` must not be negative ({n})", self.key))),
            None => Err(self.wrong_type("a whole number")),
        }
    }

    fn choice(&self, choices: &[&str]) -> Result<String, SiteError> {
        let value = self.string()?;
        if choices.contains(&value.as_str()) {
            return Ok(value);
        }
        let listed: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
        Err(self.place.error(
            self.node.offset(),
            format!("`{}` must be one of {}, not \"{value}\"", self.key, listed.join(", ")),
        ))
    }

    /// An array of strings.
    fn strings(&self) -> Result<Vec<String>, SiteError> {
        let items = self.node.as_list().ok_or_else(|| self.wrong_type("an array of strings"))?;
        items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_string).ok_or_else(|| {
                    self.place.error(
                        item.offset(),
                        format!("each of `{}` must be a string, not {}", self.key, item.kind()),
                    )
                })
            })
            .collect()
    }

    /// `date` or `updated`: a TOML date-time, or a string holding one. `date` must have a
    /// date (Zola cannot place a page at a time of no day).
    fn date(&self, needs_date: bool) -> Result<Datetime, SiteError> {
        let expected = "a date (`2024-01-05`, `2024-01-05T10:00:00Z`, …)";
        let datetime = match (self.node.as_datetime(), self.node.as_str()) {
            (Some(datetime), _) => datetime,
            (None, Some(text)) => dates::from_string(text).ok_or_else(|| {
                self.place.error(
                    self.node.offset(),
                    format!("`{}` must be {expected}, not \"{text}\"", self.key),
                )
            })?,
            (None, None) => {
                return Err(self.wrong_type(&format!("{expected} or a string holding one")));
            }
        };
        if needs_date && datetime.date.is_none() {
            return Err(self.place.error(
                self.node.offset(),
                format!("`{}` must be a date, not only a time of day ({datetime})", self.key),
            ));
        }
        Ok(datetime)
    }

    /// `taxonomies = { tags = ["a", "b"] }`: each taxonomy's terms, none of them empty.
    fn taxonomies(&self) -> Result<Vec<Terms>, SiteError> {
        let entries = self
            .node
            .as_map()
            .ok_or_else(|| self.wrong_type("a table of arrays (`{ tags = [\"rust\"] }`)"))?;
        let mut taxonomies = Vec::with_capacity(entries.len());
        for (name, _, node) in entries {
            let key = format!("taxonomies.{name}");
            let terms = Value { place: self.place, key: &key, node }.strings()?;
            if let Some(position) = terms.iter().position(|term| term.trim().is_empty()) {
                let at = node.as_list().and_then(|items| items.get(position).map(Node::offset));
                return Err(self
                    .place
                    .error(at.unwrap_or(node.offset()), format!("a term of `{key}` is empty")));
            }
            taxonomies.push(Terms { taxonomy: name.to_string(), terms });
        }
        Ok(taxonomies)
    }
}
