//! The markdown cell's callbacks: the templates a page's markdown uses, rendered by the
//! template cell while the markdown cell waits.
//!
//! [`MarkdownHost`] serves [`markdown_host`] inside the `page` query's call to the markdown
//! cell, so what it reads (the shortcode's template, the templates that one names, whatever
//! the template reads through its own callbacks) becomes a dependency of the page, as reads of
//! the template cell do of a render.
//!
//! A shortcode `NAME` renders with `templates/shortcodes/NAME.html` (its output is HTML) or,
//! failing that, `templates/shortcodes/NAME.md` (markdown, which the cell renders with the
//! page). Its context is its arguments, `nth`, `body` for a shortcode with a body, `config`,
//! `lang`, and, as in Zola, the `page` (or `section`) it is used in as it stands before its
//! body is rendered (`render::write_before_render`), made from what this query has read
//! already (front matter, route, assets, config), so a shortcode reads no more of the page
//! than the page's own query does. A shortcode without a template is an error at its call, as
//! in Zola 0.22, which has no built-in shortcodes any more.

use std::sync::OnceLock;

use cell_proto::{
    AnchorLinkCall, ShortcodeCall, ShortcodeOutput, WireValue, WireWriter, markdown_host,
};
use rpc::RpcError;

use crate::config::SiteConfig;
use crate::content::Page;
use crate::db::Database;
use crate::front_matter::FrontMatter;
use crate::render::CellRender;

/// The host's side of [`markdown_host`], for one page (or for the `markdown` filter, which
/// renders no page).
pub(crate) struct MarkdownHost<'db> {
    pub(crate) db: &'db Database,
    /// The page being rendered, as its shortcodes see it.
    pub(crate) page: Option<ShortcodePage<'db>>,
}

/// The page a shortcode is used in, written for its context on its first shortcode (a page
/// without one pays nothing).
pub(crate) struct ShortcodePage<'a> {
    pub(crate) path: &'a str,
    pub(crate) route: &'a str,
    pub(crate) meta: &'a FrontMatter,
    pub(crate) assets: &'a [String],
    pub(crate) permalink: &'a str,
    pub(crate) config: &'a SiteConfig,
    pub(crate) written: OnceLock<WireValue>,
}

impl ShortcodePage<'_> {
    /// `page` or `section`, and the value.
    fn entry(&self) -> (&'static str, &WireValue) {
        let is_section = crate::content::is_section(self.path);
        let value = self.written.get_or_init(|| {
            // The page as it stands before its render: no body, headings or summary yet.
            let page = Page {
                path: self.path.to_string(),
                route: self.route.to_string(),
                is_section,
                meta: self.meta.clone(),
                html: String::new(),
                headings: Vec::new(),
                summary: None,
                word_count: 0,
                reading_time: 0,
                assets: self.assets.to_vec(),
                links_to: Vec::new(),
                anchored: Vec::new(),
                link_warnings: Vec::new(),
            };
            let mut w = WireWriter::with_capacity(512);
            crate::render::write_before_render(&mut w, &page, self.permalink, self.config);
            w.finish()
        });
        (if is_section { "section" } else { "page" }, value)
    }
}

impl MarkdownHost<'_> {
    /// Renders template `name` with `context`, as a page's render does: its bundle sent along,
    /// the provider serving its reads, the reads it took from the cell's memo replayed here.
    async fn render(&self, name: &str, context: WireValue) -> Result<String, RpcError> {
        let db = self.db;
        let failed =
            |error: std::sync::Arc<picante::PicanteError>| match crate::error::site_error(&error) {
                Some(site) => RpcError::remote(site.to_string()),
                None => RpcError::remote(error.to_string()),
            };
        crate::render::render_in_cell(db, name, context).await.map_err(|error| match error {
            CellRender::Query(error) => failed(error),
            CellRender::Cell(crate::cells::CellError::Call {
                error: RpcError::Remote(message),
                ..
            }) => RpcError::remote(format!("templates/{name}: {message}")),
            CellRender::Cell(other) => RpcError::remote(other.to_string()),
        })
    }

    /// The context of every template the markdown cell asks for: `config`, `lang`, then
    /// `entries` more, which the caller writes.
    async fn context(&self, entries: usize) -> Result<WireWriter, RpcError> {
        let config = self
            .db
            .config
            .get(self.db, ())
            .await
            .map_err(|error| RpcError::remote(error.to_string()))?;
        // The language of the page it is used in (a `markdown` filter has none: the default).
        let lang = match &self.page {
            Some(page) => crate::languages::code_of(page.path, &config),
            None => config.default_language.as_str(),
        };
        let mut w = WireWriter::with_capacity(256);
        w.map(2 + entries);
        w.key("config");
        config.write_wire_in(lang, &mut w);
        w.key("lang");
        w.str(lang);
        Ok(w)
    }
}

impl markdown_host::Service for MarkdownHost<'_> {
    async fn shortcode(&self, call: ShortcodeCall) -> Result<ShortcodeOutput, RpcError> {
        let db = self.db;
        let exists = |name: &String| db.templates.get(db, name).map(|t| t.is_some());
        let html = format!("shortcodes/{}.html", call.name);
        let markdown = format!("shortcodes/{}.md", call.name);
        let failed =
            |error: std::sync::Arc<picante::PicanteError>| RpcError::remote(error.to_string());
        let (name, is_html) = if exists(&html).map_err(failed)? {
            (html, true)
        } else if exists(&markdown).map_err(failed)? {
            (markdown, false)
        } else {
            return Ok(ShortcodeOutput::Unknown);
        };
        // The arguments first: `config`, `lang`, `nth`, `page` (or `section`) and, for a
        // shortcode with a body, `body` win over an argument of the same name, as in Zola;
        // an inline call's argument `body` is its `body` (themes' `note(body="…")`).
        let page = self.page.as_ref().map(ShortcodePage::entry);
        let fixed = ["config", "lang", "nth"];
        let wins = |key: &str| {
            fixed.contains(&key)
                || (key == "body" && call.body.is_some())
                || page.is_some_and(|(p, _)| p == key)
        };
        let arguments: Vec<&(String, WireValue)> =
            call.arguments.iter().filter(|(k, _)| !wins(k)).collect();
        let entries = arguments.len() + 1 + usize::from(call.body.is_some());
        let mut w = self.context(entries + usize::from(page.is_some())).await?;
        for (key, value) in arguments {
            // Decoded and written again: the bytes are the cell's, checked here.
            let value = value.to_value().map_err(|e| RpcError::Decode(format!("`{key}`: {e}")))?;
            w.key(key);
            w.value(&value);
        }
        w.key("nth");
        w.int(i64::from(call.nth));
        if let Some(body) = &call.body {
            w.key("body");
            w.str(body);
        }
        if let Some((key, value)) = page {
            w.key(key);
            w.encoded(value);
        }
        let output = self.render(&name, w.finish()).await?;
        Ok(if is_html { ShortcodeOutput::Html(output) } else { ShortcodeOutput::Markdown(output) })
    }

    async fn anchor_link(&self, call: AnchorLinkCall) -> Result<String, RpcError> {
        let mut w = self.context(2).await?;
        w.key("id");
        w.str(&call.id);
        w.key("level");
        w.int(i64::from(call.level));
        self.render("anchor-link.html", w.finish()).await
    }

    async fn summary_cutoff(&self, summary: String) -> Result<String, RpcError> {
        let mut w = self.context(1).await?;
        w.key("summary");
        w.str(&summary);
        self.render("summary-cutoff.html", w.finish()).await
    }
}
