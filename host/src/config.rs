//! `dodeca.toml`: the site's configuration.

use cell_proto::Value;
use facet::Facet;

use crate::SiteError;
use crate::db::{Database, Query};
use crate::error::query_error;
use crate::values::{self, Syntax};

/// The site's configuration.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub struct SiteConfig {
    /// `title`.
    pub title: String,
    /// `base_url`, without a trailing slash (`https://example.com`); empty for `"/"`, which
    /// makes every generated URL start at the site's root without a host (`/blog/post/`):
    /// a site served from any address, `dodeca-host serve`'s included.
    pub base_url: String,
    /// `description`.
    pub description: Option<String>,
    /// `output_dir`, relative to the site (default `public`); it must lie inside the site
    /// (`-o` on the command line may name a directory elsewhere).
    pub output_dir: Option<String>,
    /// `follow_outside_symlinks`: whether a symbolic link in the site's source directories
    /// may point outside the site (default `false`: such a link is an error, so that a site
    /// from elsewhere cannot publish the builder's own files).
    pub follow_outside_symlinks: bool,
}

const FILE: &str = "dodeca.toml";

/// Parses and validates `dodeca.toml`'s text.
pub(crate) fn parse(text: &str) -> Result<SiteConfig, SiteError> {
    let value = values::parse(text, Syntax::Toml).map_err(|(message, position)| {
        let error = SiteError::in_file(FILE, message);
        match position {
            Some((line, column)) => error.at(text, line, Some(column)),
            None => error,
        }
    })?;
    let line_of = |key: &str| {
        text.lines().position(|l| l.trim_start().starts_with(key)).map(|i| i as u32 + 1)
    };
    let err = |key: &str, message: String| {
        let error = SiteError::in_file(FILE, message);
        match line_of(key) {
            Some(line) => error.at(text, line, Some(1)),
            None => error,
        }
    };
    let Value::Map(entries) = value else { return Err(SiteError::in_file(FILE, "expected keys")) };
    let mut config = SiteConfig::default();
    let mut base_url = None;
    for (key, value) in entries {
        let string = |value: Value| match value {
            Value::String(s) => Ok(s),
            _ => Err(err(&key, format!("`{key}` must be a string"))),
        };
        match key.as_str() {
            "title" => config.title = string(value)?,
            "base_url" => base_url = Some(string(value)?),
            "description" => config.description = Some(string(value)?),
            "output_dir" => config.output_dir = Some(string(value)?),
            "follow_outside_symlinks" => match value {
                Value::Bool(follow) => config.follow_outside_symlinks = follow,
                _ => return Err(err(&key, format!("`{key}` must be true or false"))),
            },
            other => {
                return Err(err(
                    other,
                    format!(
                        "unknown key `{other}` (known: title, base_url, description, output_dir, \
                         follow_outside_symlinks)"
                    ),
                ));
            }
        }
    }
    match base_url.filter(|url| !url.is_empty()) {
        Some(url) => config.base_url = normalize_base_url(&url),
        None => {
            return Err(SiteError::in_file(
                FILE,
                "`base_url` is required (`base_url = \"https://example.com\"`, or `\"/\"` for \
                 URLs without a host)",
            ));
        }
    }
    Ok(config)
}

impl SiteConfig {
    /// As templates see it (`config.title`, ...).
    /// The config as templates see it (`config.title`, ...).
    pub(crate) fn write_wire(&self, w: &mut cell_proto::WireWriter) {
        w.map(3);
        w.key("title");
        w.str(&self.title);
        w.key("base_url");
        w.str(&self.base_url);
        w.key("description");
        w.opt_str(self.description.as_deref());
    }
}

/// `base_url` as the config keeps it: without a trailing slash, and empty for `/`.
pub(crate) fn normalize_base_url(url: &str) -> String {
    url.trim_end_matches('/').to_string()
}

/// The query `config`: `dodeca.toml` parsed and checked, with the `base_url` a server builds
/// with in place of its own (`Site::set_base_url`).
pub(crate) fn config_query(db: &Database, _: ()) -> Query<'_, SiteConfig> {
    Box::pin(async move {
        let text = db.config_text.get(db, &())?.unwrap_or_default();
        let mut config = parse(&text).map_err(query_error)?;
        if let Some(base_url) = db.base_url_override.get(db, &())?.flatten() {
            config.base_url = base_url;
        }
        Ok(config)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_is_read_and_validated() {
        let config = parse("title = \"Site\"\nbase_url = \"https://x.org/\"\n").unwrap();
        assert_eq!(config.base_url, "https://x.org");
        let err = parse("title = \"Site\"\nbase_url = \"u\"\ntheme = \"x\"\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("unknown key `theme`"));
        assert!(parse("title = \"Site\"\n").unwrap_err().message.contains("base_url"));
        assert!(parse("base_url = \"\"\n").unwrap_err().message.contains("base_url"));
        // "/": URLs from the site's root, without a host.
        assert_eq!(parse("base_url = \"/\"\n").unwrap().base_url, "");
    }
}
