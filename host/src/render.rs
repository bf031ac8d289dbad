//! Rendering a page or section: its template context, and the provider callbacks the template
//! cell makes while it renders (each one a tracked query of this render).

use cell_proto::{FunctionCall, TemplateSource, Value, WireValue, WireWriter, provider};
use picante::PicanteResult;
use rpc::RpcError;

use crate::SiteError;
use crate::cells::CellError;
use crate::config::SiteConfig;
use crate::content::{Page, route_of};
use crate::db::Database;
use crate::tree::{Entry, Section};

/// The template a page renders with, and what the template sees (encoded for the wire).
///
/// A page's context is `page`, `config` and `current_path`: it does not include listings, so a
/// page re-renders only when it or the site config changes (or what its template reads through
/// callbacks). A section's context adds `section`, with its listed pages, so listings follow
/// the section's listing.
///
/// The context is written straight into its wire form: it is made once per page, and a tree
/// of `Value`s would be built only to be encoded and dropped.
pub(crate) async fn context(
    db: &Database,
    page: &Page,
    config: &SiteConfig,
) -> PicanteResult<(String, WireValue)> {
    let permalink = format!("{}{}", config.base_url, page.route);
    let meta = &page.meta;
    let mut w = WireWriter::with_capacity(page.html.len() + 512);
    w.map(3);
    w.key("config");
    config.write_wire(&mut w);
    w.key("current_path");
    w.str(&page.route);
    let template = if page.is_section {
        let listed = db.section_listing.get(db, page.path.clone()).await?;
        w.key("section");
        match listed.as_ref() {
            Some(listed) => {
                write_own(&mut w, page, &permalink, 2);
                let base = &config.base_url;
                w.key("pages");
                w.list(listed.pages.len());
                for entry in &listed.pages {
                    write_entry(&mut w, entry, base);
                }
                w.key("subsections");
                w.list(listed.subsections.len());
                for subsection in &listed.subsections {
                    w.str(&route_of(subsection));
                }
            }
            None => write_own(&mut w, page, &permalink, 0),
        }
        meta.template.clone().unwrap_or_else(|| {
            if page.path == "_index.md" { "index.html".into() } else { "section.html".into() }
        })
    } else {
        w.key("page");
        write_own(&mut w, page, &permalink, 0);
        meta.template.clone().unwrap_or_else(|| "page.html".into())
    };
    Ok((template, w.finish()))
}

/// A page's (or section's) own fields, as a map with room for `more` entries after them.
fn write_own(w: &mut WireWriter, page: &Page, permalink: &str, more: usize) {
    let meta = &page.meta;
    w.map(9 + more);
    write_listed_fields(
        w,
        &meta.title,
        meta.description.as_deref(),
        meta.date.as_deref(),
        meta.weight,
    );
    w.key("content");
    w.str(&page.html);
    w.key("permalink");
    w.str(permalink);
    w.key("path");
    w.str(&page.route);
    w.key("toc");
    w.list(page.headings.len());
    for heading in &page.headings {
        w.map(3);
        w.key("level");
        w.int(i64::from(heading.level));
        w.key("title");
        w.str(&heading.title);
        w.key("id");
        w.str(&heading.id);
    }
    w.key("extra");
    w.encoded(&meta.extra);
}

/// The fields a page shows both as itself and in a listing: `title`, `description`, `date`,
/// `weight` (four map entries).
fn write_listed_fields(
    w: &mut WireWriter,
    title: &str,
    description: Option<&str>,
    date: Option<&str>,
    weight: Option<i64>,
) {
    w.key("title");
    w.str(title);
    w.key("description");
    w.opt_str(description);
    w.key("date");
    w.opt_str(date);
    w.key("weight");
    match weight {
        Some(weight) => w.int(weight),
        None => w.null(),
    }
}

/// A listed page, as a section's `pages` show it.
fn write_entry(w: &mut WireWriter, entry: &Entry, base_url: &str) {
    w.map(6);
    write_listed_fields(
        w,
        &entry.title,
        entry.description.as_deref(),
        entry.date.as_deref(),
        entry.weight,
    );
    w.key("permalink");
    w.str(&format!("{base_url}{}", entry.route));
    w.key("path");
    w.str(&entry.route);
}

/// A section as `get_section` returns it: its own listing fields and its listed pages.
fn section_wire(section: &Section, base_url: &str) -> WireValue {
    let entry = &section.entry;
    let mut w = WireWriter::with_capacity(64 + 128 * section.pages.len());
    w.map(5);
    w.key("title");
    w.str(&entry.title);
    w.key("description");
    w.opt_str(entry.description.as_deref());
    w.key("permalink");
    w.str(&format!("{base_url}{}", entry.route));
    w.key("path");
    w.str(&entry.route);
    w.key("pages");
    w.list(section.pages.len());
    for page in &section.pages {
        write_entry(&mut w, page, base_url);
    }
    w.finish()
}

/// A template cell failure as a site error of the page being rendered.
pub(crate) fn template_error(page: &Page, template: &str, error: CellError) -> SiteError {
    let file = format!("content/{}", page.path);
    match error {
        CellError::Call { error: RpcError::Remote(message), .. } => {
            SiteError::in_file(file, format!("rendering with `{template}`: {message}"))
        }
        other => SiteError::in_file(file, other.to_string()),
    }
}

/// The host's side of the provider service, for one render: every callback is answered by a
/// query (or an input read) of `db`, and since it is served inside the render's call to the
/// template cell, it is recorded as a dependency of that render.
pub(crate) struct Provider<'db> {
    pub(crate) db: &'db Database,
}

fn remote(error: std::sync::Arc<picante::PicanteError>) -> RpcError {
    match crate::error::site_error(&error) {
        Some(site) => RpcError::remote(site.to_string()),
        None => RpcError::remote(error.to_string()),
    }
}

impl provider::Service for Provider<'_> {
    async fn resolve_template(&self, name: String) -> Result<TemplateSource, RpcError> {
        let source = self.db.templates.get(self.db, &name).map_err(remote)?;
        self.db.traffic.callback(source.as_ref().map_or(0, String::len));
        Ok(TemplateSource { name, source })
    }

    async fn get_data(&self, path: String) -> Result<WireValue, RpcError> {
        let value = self.db.data_value.get(self.db, path).await.map_err(remote)?;
        self.db.traffic.callback(value.as_bytes().len());
        Ok(value)
    }

    async fn call_function(&self, call: FunctionCall) -> Result<WireValue, RpcError> {
        let value = self.function(call).await?;
        self.db.traffic.callback(value.as_bytes().len());
        Ok(value)
    }
}

impl Provider<'_> {
    async fn function(&self, call: FunctionCall) -> Result<WireValue, RpcError> {
        let argument = |name: &str| -> Result<String, RpcError> {
            let value = call
                .arguments
                .iter()
                .find(|(n, _)| n == name || n == "0")
                .map(|(_, v)| v.to_value())
                .transpose()
                .map_err(RpcError::remote)?;
            match value {
                Some(Value::String(s)) => Ok(s),
                _ => Err(RpcError::remote(format!(
                    "{}() needs a string `{name}` argument",
                    call.name
                ))),
            }
        };
        let db = self.db;
        let config = db.config.get(db, ()).await.map_err(remote)?;
        match call.name.as_str() {
            "get_url" => {
                let path = argument("path")?;
                let target = path.strip_prefix("@/").unwrap_or(&path).to_string();
                if target.ends_with(".md") {
                    if !db.page_exists.get(db, target.clone()).await.map_err(remote)? {
                        return Err(RpcError::remote(format!(
                            "get_url: there is no content/{target}"
                        )));
                    }
                    return Ok(
                        Value::from(format!("{}{}", config.base_url, route_of(&target))).to_wire()
                    );
                }
                // A static path: link to it as is.
                Ok(Value::from(format!("{}/{}", config.base_url, target.trim_start_matches('/')))
                    .to_wire())
            }
            "get_section" => {
                let path = argument("path")?;
                let path = path.strip_prefix("@/").unwrap_or(&path).to_string();
                let listed = db.section_listing.get(db, path.clone()).await.map_err(remote)?;
                let section = listed.as_ref().ok_or_else(|| {
                    RpcError::remote(format!("get_section: there is no section content/{path}"))
                })?;
                Ok(section_wire(section, &config.base_url))
            }
            "now" => {
                let seconds = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                Ok(Value::Int(seconds as i64).to_wire())
            }
            other => Err(RpcError::remote(format!("unknown function {other}()"))),
        }
    }
}
