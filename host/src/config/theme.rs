//! The theme's part of the config: `themes/<name>/theme.toml`'s `[extra]`, merged into the
//! site's `config.extra`.
//!
//! What Zola 0.22 does, read in its source (`components/config/src/config/mod.rs`,
//! `add_theme_extra` and `merge`; `components/config/src/theme.rs`) and checked with its
//! binary on `tests/sites/zola-theme` and variations of it:
//!
//! - only `[extra]` of `theme.toml` is read; its other keys (`name`, `description`,
//!   `min_version`, `[author]` …) are ignored, and an `extra` that is not a table is ignored
//!   too;
//! - the merge is recursive: a key only the theme has is added (at any depth), a key both have
//!   keeps the site's value when neither is a table, and is merged again when both are;
//! - a key that is a table on one side and not on the other is an error ("Cannot merge
//!   config.toml with theme.toml because the following values have incompatibles types");
//! - a theme without `theme.toml` is an error ("Failed to load theme NAME"), and so is one
//!   without `templates/` ("Theme `NAME` is missing a templates folder"); a `theme.toml` that
//!   does not parse is an error at its line and column.
//!
//! The merged table is in key order, as templates see every TOML table (Zola's `toml` tables
//! are sorted maps), so the theme's keys and the site's interleave as in Zola.

use cell_proto::Value as CellValue;
use facet::Facet;

use super::SiteConfig;
use super::reader::Reader;
use crate::SiteError;
use crate::toml::{Item, Table, Value};

/// What the `config` query needs of a theme's directory (the input `theme`, by name).
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub struct ThemeText {
    /// `themes/<name>/theme.toml`'s text; `None` when there is no such file.
    pub toml: Option<String>,
    /// Whether `themes/<name>/templates/` is a directory.
    pub has_templates: bool,
}

/// Whether `name` may be a theme's name: one plain directory name, so that `themes/<name>/`
/// lies in `themes/` (no `/`, `\`, `.` or `..`).
pub(super) fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// Merges the theme `name`'s `[extra]` (from `theme`, the input; `None` when the scan found
/// no such theme) into `config.extra`, for the config file `file` whose text is `text`.
///
/// # Errors
///
/// A theme without `theme.toml` or `templates/` (at the config's `theme`), a `theme.toml`
/// that does not parse (at its line and column), a key that is a table on one side only (at
/// the site's value).
pub(super) fn merge(
    config: &mut SiteConfig,
    file: &str,
    text: &str,
    name: &str,
    theme: Option<&ThemeText>,
) -> Result<(), SiteError> {
    let reader = Reader::new(file, text);
    // The config parsed before this is called: only its spans are wanted here.
    let root = crate::toml::parse(text).map_err(|error| {
        SiteError::in_file(file, error.message()).at(text, error.line(), Some(error.column()))
    })?;
    let theme_at = root.get("theme").map_or(0, |item| item.span.start);
    let toml_file = format!("themes/{name}/theme.toml");
    let Some(theme_text) = theme.and_then(|theme| theme.toml.as_deref()) else {
        return Err(
            reader.error(theme_at, format!("theme `{name}` not found: there is no `{toml_file}`"))
        );
    };
    if !theme.is_some_and(|theme| theme.has_templates) {
        return Err(reader.error(
            theme_at,
            format!("theme `{name}` has no templates directory (`themes/{name}/templates/`)"),
        ));
    }
    let theme_root = crate::toml::parse(theme_text).map_err(|error| {
        SiteError::in_file(&toml_file, error.message()).at(
            theme_text,
            error.line(),
            Some(error.column()),
        )
    })?;
    let Some(Item { value: Value::Table(theme_extra), .. }) = theme_root.get("extra") else {
        return Ok(());
    };
    let theme_side = Side { text: theme_text, file: &toml_file };
    let merged = match root.get("extra") {
        Some(Item { value: Value::Table(site_extra), .. }) => {
            merge_tables(&reader, site_extra, &theme_side, theme_extra, "extra")?
        }
        // No `[extra]` in the config (the parse refuses one that is not a table).
        _ => {
            let mut entries: Vec<(String, CellValue)> = theme_extra
                .entries()
                .iter()
                .map(|entry| (entry.key.clone(), entry.item.value.to_template_value()))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries
        }
    };
    config.extra = CellValue::Map(merged).to_wire();
    config.views = super::wire::views(config);
    Ok(())
}

/// The theme's `theme.toml`, for placing its values in messages.
struct Side<'a> {
    text: &'a str,
    file: &'a str,
}

/// `site` with the keys of `theme` it lacks, merged again where both are tables (`path`: the
/// tables' dotted name, for messages).
fn merge_tables(
    reader: &Reader<'_>,
    site: &Table,
    theme_side: &Side<'_>,
    theme: &Table,
    path: &str,
) -> Result<Vec<(String, CellValue)>, SiteError> {
    let mut merged = Vec::with_capacity(site.len() + theme.len());
    for entry in site.entries() {
        let key = &entry.key;
        let value = match (&entry.item.value, theme.get(key)) {
            (Value::Table(ours), Some(Item { value: Value::Table(theirs), .. })) => {
                CellValue::Map(merge_tables(reader, ours, theme_side, theirs, &join(path, key))?)
            }
            (ours, Some(theirs))
                if matches!(ours, Value::Table(_)) != matches!(theirs.value, Value::Table(_)) =>
            {
                let (line, column) = crate::toml::line_column(theme_side.text, theirs.span.start);
                return Err(reader.error(
                    entry.item.span.start,
                    format!(
                        "`{}` is {} here and {} in {}:{line}:{column}: the theme's `[extra]` \
                         cannot be merged into the site's",
                        join(path, key),
                        ours.kind(),
                        theirs.value.kind(),
                        theme_side.file,
                    ),
                ));
            }
            (ours, _) => ours.to_template_value(),
        };
        merged.push((key.clone(), value));
    }
    for entry in theme.entries() {
        if site.get(&entry.key).is_none() {
            merged.push((entry.key.clone(), entry.item.value.to_template_value()));
        }
    }
    // In key order, as templates see every TOML table (`toml::Value::to_template_value`).
    merged.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(merged)
}

fn join(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(toml: &str) -> ThemeText {
        ThemeText { toml: Some(toml.to_string()), has_templates: true }
    }

    /// The config `text` merged with `theme`, as templates see `config.extra`.
    fn merged(text: &str, theme: Option<&ThemeText>) -> Result<CellValue, SiteError> {
        let mut config = super::super::parse("config.toml", text).unwrap();
        merge(&mut config, "config.toml", text, "plain", theme)?;
        Ok(config.extra.to_value().unwrap())
    }

    #[test]
    fn the_theme_adds_the_keys_the_site_lacks_at_any_depth() {
        let site =
            "base_url = \"/\"\ntheme = \"plain\"\n[extra]\na = 1\n[extra.menu]\nhome = \"/\"\n";
        let toml =
            "name = \"plain\"\n[extra]\na = 2\nb = 3\n[extra.menu]\nhome = \"/h\"\nblog = \"/b\"\n";
        let extra = merged(site, Some(&theme(toml))).unwrap();
        assert_eq!(extra.get("a"), Some(&CellValue::Int(1)));
        assert_eq!(extra.get("b"), Some(&CellValue::Int(3)));
        let menu = extra.get("menu").unwrap();
        assert_eq!(menu.get("home"), Some(&CellValue::String("/".into())));
        assert_eq!(menu.get("blog"), Some(&CellValue::String("/b".into())));
    }

    #[test]
    fn a_site_without_extra_takes_the_themes_and_other_keys_are_ignored() {
        let site = "base_url = \"/\"\ntheme = \"plain\"\n";
        let extra = merged(site, Some(&theme("license = \"MIT\"\n[extra]\nx = true\n"))).unwrap();
        assert_eq!(extra, CellValue::map([("x", CellValue::Bool(true))]));
        let extra = merged(site, Some(&theme("extra = 1\n"))).unwrap();
        assert_eq!(extra, CellValue::Map(Vec::new()));
    }

    #[test]
    fn errors_on_a_table_merged_with_something_else() {
        let site = "base_url = \"/\"\ntheme = \"plain\"\n[extra]\nmenu = \"x\"\n";
        let error = merged(site, Some(&theme("[extra.menu]\nhome = 1\n"))).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("config.toml:4:8"), "{text}");
        assert!(
            text.contains(
                "`extra.menu` is a string here and a table in themes/plain/theme.toml:1:1"
            ),
            "{text}"
        );
    }

    #[test]
    fn errors_on_a_missing_theme_a_missing_templates_directory_and_bad_toml() {
        let site = "base_url = \"/\"\ntheme = \"plain\"\n";
        let text = merged(site, None).unwrap_err().to_string();
        assert!(text.starts_with("config.toml:2:9: theme `plain` not found"), "{text}");
        let no_templates = ThemeText { toml: Some(String::new()), has_templates: false };
        let text = merged(site, Some(&no_templates)).unwrap_err().to_string();
        assert!(text.contains("theme `plain` has no templates directory"), "{text}");
        let text = merged(site, Some(&theme("[extra]\nx = = 1\n"))).unwrap_err().to_string();
        assert!(text.starts_with("themes/plain/theme.toml:2:5"), "{text}");
    }

    #[test]
    fn a_theme_name_is_one_directory_name() {
        assert!(is_plain_name("plain"));
        assert!(is_plain_name("my-theme.v2"));
        for name in ["", ".", "..", "a/b", "../x", "/abs", "a\\b"] {
            assert!(!is_plain_name(name), "{name}");
        }
    }
}
