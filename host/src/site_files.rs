//! Zola's site-wide files: `robots.txt`, `404.html` and `sitemap.xml`, each Zola's built-in
//! one unless the site has a template of that name (`templates/robots.txt`,
//! `templates/404.html`, `templates/sitemap.xml`), which is rendered instead; and the CSS of
//! the highlighting themes with `[markdown.highlighting] style = "class"` (`giallo.css`, or
//! `giallo-light.css` and `giallo-dark.css`), which the markdown cell makes with giallo.
//! Zola writes those into the site's `static/` (unless a file of that name is there) and
//! copies them with it; dodeca writes them as outputs, never into the site's sources, and
//! leaves them out where the site has a static file of that name, as Zola's copy does.
//!
//! The sitemap lists, as Zola's (`components/site/src/sitemap.rs`), every page and section
//! with `render` (drafts left out, unless the build takes them), a section that redirects
//! (`redirect_to`) included, and a page its section leaves out for want of the key it sorts
//! by (which Zola lists though it builds it nowhere); and every generated page (taxonomy
//! lists, terms, pagers); by permalink, with a page's `updated` or else its `date` as
//! `lastmod`. It is one query over the front matter and routes, so a body edit leaves it
//! alone.

use std::sync::Arc;

use cell_proto::{WireWriter, markdown};

use crate::config::SiteConfig;
use crate::db::{Database, Query};
use crate::render::{CellRender, PageOutput, render_in_cell};

/// The site-wide files, by output name.
pub(crate) const SITE_FILES: [&str; 6] = [
    "404.html",
    "robots.txt",
    "sitemap.xml",
    cell_proto::HIGHLIGHT_CSS_FILES[0],
    cell_proto::HIGHLIGHT_CSS_FILES[1],
    cell_proto::HIGHLIGHT_CSS_FILES[2],
];

/// One line of the sitemap.
struct Entry {
    permalink: String,
    lastmod: Option<String>,
}

/// The query `site_file(name)`: the file `name` (one of [`SITE_FILES`]), or `None` when the
/// config turns it off.
pub(crate) fn site_file_query(db: &Database, name: String) -> Query<'_, Option<Arc<PageOutput>>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        if cell_proto::HIGHLIGHT_CSS_FILES.contains(&name.as_str()) {
            return theme_css(db, &config, name).await;
        }
        let enabled = match name.as_str() {
            "robots.txt" => config.generate_robots_txt,
            "sitemap.xml" => config.generate_sitemap,
            _ => true,
        };
        if !enabled {
            return Ok(None);
        }
        let own_template = db.templates.get(db, &name)?.is_some();
        let html = match name.as_str() {
            "sitemap.xml" => {
                let entries = sitemap_entries(db, &config).await?;
                if own_template {
                    let mut w = head(&config, 1);
                    w.key("entries");
                    w.list(entries.len());
                    for entry in &entries {
                        w.map(3);
                        w.key("permalink");
                        w.str(&entry.permalink);
                        w.key("updated");
                        w.opt_str(entry.lastmod.as_deref());
                        w.key("extra");
                        w.null();
                    }
                    render(db, &name, w).await?
                } else {
                    builtin_sitemap(&entries)
                }
            }
            _ if own_template => render(db, &name, head(&config, 0)).await?,
            "robots.txt" => format!(
                "User-agent: *\nDisallow:\nAllow: /\nSitemap: {}/sitemap.xml\n",
                config.base_url
            ),
            _ => "<!doctype html>\n<title>404 Not Found</title>\n<h1>404 Not Found</h1>\n".into(),
        };
        // `404.html` is minified with `minify_html`, as Zola's; the others are not HTML.
        let source = || format!("templates/{name}");
        let html = crate::minify::as_written(db, &config, &name, &source, html).await?;
        let hash = cas::ContentHash::of(html.as_bytes());
        Ok(Some(Arc::new(PageOutput { rel: name, hash, html: Some(html), warnings: Vec::new() })))
    })
}

/// The highlighting theme CSS file `name`, if the config's `[markdown.highlighting]` has
/// Zola write it.
async fn theme_css(
    db: &Database,
    config: &SiteConfig,
    name: String,
) -> picante::PicanteResult<Option<Arc<PageOutput>>> {
    let Some(highlighting) = &config.markdown.highlighting else { return Ok(None) };
    let files = highlighting.options.css_files();
    let Some((_, theme)) = files.iter().find(|(file, _)| *file == name) else { return Ok(None) };
    let theme = theme.to_string();
    let css = db
        .cells
        .call(&db.cells.markdown, |connection| {
            let theme = &theme;
            async move { markdown::Client::new(connection).theme_css(theme).await }
        })
        .await
        .map_err(crate::error::cell_query_error)?;
    let hash = cas::ContentHash::of(css.as_bytes());
    Ok(Some(Arc::new(PageOutput { rel: name, hash, html: Some(css), warnings: Vec::new() })))
}

/// A context with `config`, `lang` and room for `more` entries.
fn head(config: &SiteConfig, more: usize) -> WireWriter {
    let mut w = WireWriter::with_capacity(1024);
    w.map(2 + more);
    w.key("config");
    config.write_wire(&mut w);
    w.key("lang");
    w.str(&config.default_language);
    w
}

/// `name` rendered with the context in `w`; a template's problem is an error in its file.
async fn render(db: &Database, name: &str, w: WireWriter) -> picante::PicanteResult<String> {
    match render_in_cell(db, name, w.finish()).await {
        Ok(html) => Ok(html),
        Err(CellRender::Query(error)) => Err(error),
        Err(CellRender::Cell(error)) => Err(crate::error::cell_query_error(error)),
    }
}

/// Every page the sitemap lists, sorted by permalink.
async fn sitemap_entries(db: &Database, config: &SiteConfig) -> picante::PicanteResult<Vec<Entry>> {
    let list = db.content_list.get(db, &())?.unwrap_or_default();
    let routes = db.routes.get(db, ()).await?;
    let mut entries = Vec::with_capacity(list.len());
    for path in list.iter() {
        if routes.refuses(path) {
            continue;
        }
        let Ok(meta) = db.front_matter.get_ref(db, path.as_str()).await else { continue };
        if !meta.render || db.left_out.get_ref(db, path.as_str()).await? {
            continue;
        }
        let route = db.route.get_ref(db, path.as_str()).await?;
        // As Zola: a page's `updated`, else its `date`; a section has none.
        let lastmod = if crate::content::is_section(path) {
            None
        } else {
            meta.updated.or(meta.date).map(|date| date.to_string())
        };
        entries.push(Entry { permalink: [config.base_url.as_str(), &route].concat(), lastmod });
    }
    let exclude_pagers = config.exclude_paginated_pages_in_sitemap == "all";
    for generated in db.generated.get(db, ()).await?.iter() {
        use crate::listings::Kind;
        let key = &generated.key;
        let pager =
            matches!(key.kind, Kind::SectionPager | Kind::SectionRedirect | Kind::TermRedirect)
                || (key.kind == Kind::Term && key.pager > 1);
        if exclude_pagers && pager {
            continue;
        }
        let route = generated.rel.strip_suffix("index.html").unwrap_or(&generated.rel);
        entries.push(Entry { permalink: format!("{}/{route}", config.base_url), lastmod: None });
    }
    entries.sort_by(|a, b| a.permalink.cmp(&b.permalink));
    entries.dedup_by(|a, b| a.permalink == b.permalink);
    Ok(entries)
}

/// Zola's built-in sitemap of `entries`.
fn builtin_sitemap(entries: &[Entry]) -> String {
    let mut xml = String::with_capacity(100 + 80 * entries.len());
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for entry in entries {
        xml.push_str("    <url>\n        <loc>");
        xml.push_str(&escape_xml(&entry.permalink));
        xml.push_str("</loc>\n");
        if let Some(lastmod) = &entry.lastmod {
            xml.push_str("        <lastmod>");
            xml.push_str(&escape_xml(lastmod));
            xml.push_str("</lastmod>\n");
        }
        xml.push_str("    </url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
