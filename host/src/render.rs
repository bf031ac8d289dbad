//! Rendering a page or section: its template context, and the values `get_section` returns
//! (the reads themselves are in `provide.rs`).

use cell_proto::{WireValue, WireWriter};
use picante::PicanteResult;
use rpc::RpcError;

use crate::SiteError;
use crate::cells::CellError;
use crate::config::SiteConfig;
use crate::content::Page;
use crate::db::Database;
use crate::error::{cell_query_error, query_error};
use crate::tree::Placement;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use cell_proto::{RenderTemplate, TemplateSource, provider, template};
use facet::Facet;
use picante::HasRuntime;

use crate::db::Query;
use crate::provide::{self, Provider};

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
    let permalink = [config.base_url.as_str(), &page.route].concat();
    let meta = &page.meta;
    let placement = db.placement.get_ref(db, page.path.as_str()).await?;
    let mut w = WireWriter::with_capacity(page.html.len() + 512);
    // A paginated section is its first pager: `section` without its pages, and `paginator`.
    let paginated = page.is_section && crate::listings::paginates(db, page).await?;
    w.map(if paginated { 6 } else { 5 });
    let lang = crate::languages::code_of(&page.path, config);
    w.key("config");
    config.write_wire_in(lang, &mut w);
    w.key("current_path");
    w.str(&page.route);
    w.key("current_url");
    w.str(&permalink);
    w.key("lang");
    w.str(lang);
    let template = if paginated {
        crate::listings::write_section_pager(db, &mut w, page, config, &placement, 1).await?;
        section_template(page)
    } else if page.is_section {
        w.key("section");
        write_section(db, &mut w, page, config, &placement).await?;
        section_template(page)
    } else {
        w.key("page");
        write_own(&mut w, page, &permalink, config, &placement, 0);
        // As Zola: its own template, or the nearest section's `page_template`.
        meta.template
            .clone()
            .or_else(|| placement.page_template.clone())
            .unwrap_or_else(|| "page.html".into())
    };
    Ok((template, w.finish()))
}

/// A section as its own template sees it (`section`): its own fields, its listed pages and
/// its subsections' paths.
pub(crate) async fn write_section(
    db: &Database,
    w: &mut WireWriter,
    page: &Page,
    config: &SiteConfig,
    placement: &Placement,
) -> PicanteResult<()> {
    let permalink = [config.base_url.as_str(), &page.route].concat();
    let listed = db.section_listing.get_ref(db, page.path.as_str()).await?;
    let Some(listed) = listed.as_ref() else {
        write_own(w, page, &permalink, config, placement, 0);
        return Ok(());
    };
    write_own(w, page, &permalink, config, placement, 2);
    w.key("pages");
    w.list(listed.pages.len());
    // As listings show them (`page_fields.rs`).
    for entry in &listed.pages {
        crate::page_fields::write_listed(w, entry, config, true);
    }
    w.key("subsections");
    w.list(listed.subsections.len());
    // As Zola: their paths under `content/` (for `get_section`), not their routes.
    for subsection in &listed.subsections {
        w.str(subsection);
    }
    Ok(())
}

/// The template a section renders with: its own, or `index.html` (the home), `section.html`.
pub(crate) fn section_template(page: &Page) -> String {
    page.meta.template.clone().unwrap_or_else(|| {
        // Each language's home (`_index.md`, `_index.fr.md`) is rendered with `index.html`.
        if page.is_section && !page.path.contains('/') {
            "index.html".into()
        } else {
            "section.html".into()
        }
    })
}

/// A page as templates see it: what `page` is in its own template, what `get_page` answers.
pub(crate) async fn page_wire(
    db: &Database,
    page: &Page,
    config: &SiteConfig,
) -> PicanteResult<WireValue> {
    let permalink = [config.base_url.as_str(), &page.route].concat();
    let placement = db.placement.get_ref(db, page.path.as_str()).await?;
    let mut w = WireWriter::with_capacity(page.html.len() + 512);
    write_own(&mut w, page, &permalink, config, &placement, 0);
    Ok(w.finish())
}

/// A page's (or section's) own fields, as a map with room for `more` entries after them:
/// what its own template sees as `page`, and what listings show of it (Zola gives both the
/// same fields, `content` and `toc` included).
pub(crate) fn write_own(
    w: &mut WireWriter,
    page: &Page,
    permalink: &str,
    config: &SiteConfig,
    placement: &Placement,
    more: usize,
) {
    write_fields(w, page, permalink, config, placement, more, Rendered::Yes);
}

/// A page (or section) as its shortcodes see it, while its markdown is being rendered, as
/// Zola gives it to them: its front matter's fields, route, permalink, slug, assets, and no
/// body yet (`content` empty, no `summary`, no `toc`), no neighbours or backlinks, a
/// section no `pages` or `subsections` (empty lists, as Zola's). What differs from Zola
/// 0.22: no `ancestors` (Zola's are known by then; ours are the placement's, which would
/// make every page with a shortcode depend on its siblings' order), and no `word_count` or
/// `reading_time` (Zola counts them before, ours come from the render). `page` stands for
/// the page being rendered: its `html`, `headings` and `summary` are not read.
pub(crate) fn write_before_render(
    w: &mut WireWriter,
    page: &Page,
    permalink: &str,
    config: &SiteConfig,
) {
    let placement = Placement {
        ancestors: Vec::new(),
        page_template: None,
        lower: None,
        higher: None,
        built: true,
    };
    let more = if page.is_section { 2 } else { 0 };
    write_fields(w, page, permalink, config, &placement, more, Rendered::No);
    if page.is_section {
        w.key("pages");
        w.list(0);
        w.key("subsections");
        w.list(0);
    }
}

/// Whether the page's body is rendered yet (see [`write_before_render`]).
#[derive(Clone, Copy, PartialEq)]
enum Rendered {
    Yes,
    No,
}

fn write_fields(
    w: &mut WireWriter,
    page: &Page,
    permalink: &str,
    config: &SiteConfig,
    placement: &Placement,
    more: usize,
    rendered: Rendered,
) {
    let before = rendered == Rendered::No;
    let meta = &page.meta;
    let date = meta.date.map(|date| date.to_string());
    // 18 fields of every page and section, then a section's 5 or a page's 12, then the
    // caller's `more`.
    // Before the render, without `word_count` and `reading_time`.
    let counts = if before { 0 } else { 2 };
    w.map(16 + counts + if page.is_section { 5 } else { 12 } + more);
    write_listed_fields(
        w,
        meta.title.as_deref(),
        meta.description.as_deref(),
        date.as_deref(),
        meta.weight,
    );
    w.key("content");
    w.str(if before { "" } else { &page.html });
    w.key("permalink");
    w.str(permalink);
    w.key("path");
    w.str(&page.route);
    w.key("toc");
    // Zola's nested headers: `level`, `id`, `permalink`, `title`, `children`.
    cell_proto::write_toc(w, if before { &[] } else { &page.headings }, permalink);
    w.key("extra");
    w.encoded(&meta.extra);
    w.key("draft");
    w.bool(meta.draft);
    if !before {
        w.key("word_count");
        w.int(i64::from(page.word_count));
        w.key("reading_time");
        w.int(i64::from(page.reading_time));
    }
    // As Zola: the source's path under `content/`, and its assets' (with a leading slash).
    w.key("relative_path");
    w.str(&page.path);
    w.key("lang");
    w.str(crate::languages::code_of(&page.path, config));
    w.key("assets");
    w.list(page.assets.len());
    for asset in &page.assets {
        w.str(&format!("/{asset}"));
    }
    // As Zola: the route's segments, and the `_index.md` paths above it.
    w.key("components");
    crate::page_fields::write_components(w, &page.route);
    w.key("ancestors");
    w.list(placement.ancestors.len());
    for ancestor in &placement.ancestors {
        w.str(ancestor);
    }
    w.key("translations");
    crate::page_fields::write_translations(w, &page.path, config);
    // The files linking to it, deferred: only a template that prints them reads them. None
    // before the render (they are made of every page's render, this one's too).
    w.key("backlinks");
    if before {
        w.list(0);
    } else {
        let field = [("path", page.path.as_str()), ("field", "backlinks")];
        w.deferred(crate::page_fields::PAGE_FIELD, &field);
    }
    if page.is_section {
        // Zola's section keys that templates see.
        let settings = &meta.section;
        w.key("generate_feeds");
        w.bool(settings.generate_feeds);
        w.key("transparent");
        w.bool(settings.transparent);
        w.key("paginate_by");
        opt_int(w, settings.paginate_by);
        w.key("paginate_reversed");
        w.bool(settings.paginate_reversed);
        return;
    }
    w.key("summary");
    w.opt_str(if before { None } else { page.summary.as_deref() });
    // The directory of a page written as `index.md` (its assets' home), else nothing.
    w.key("colocated_path");
    w.opt_str(crate::page_fields::colocated_path(&page.path));
    w.key("slug");
    w.str(&crate::content::page_slug(page, config));
    w.key("updated");
    w.opt_str(meta.updated.map(|updated| updated.to_string()).as_deref());
    // As Zola: the date's parts, when it has a date.
    let day = meta.date.and_then(|date| date.date);
    w.key("year");
    opt_int(w, day.map(|d| u64::from(d.year)));
    w.key("month");
    opt_int(w, day.map(|d| u64::from(d.month)));
    w.key("day");
    opt_int(w, day.map(|d| u64::from(d.day)));
    w.key("taxonomies");
    w.map(meta.taxonomies.len());
    for terms in &meta.taxonomies {
        w.key(&terms.taxonomy);
        w.list(terms.terms.len());
        for term in &terms.terms {
            w.str(term);
        }
    }
    w.key("authors");
    w.list(meta.authors.len());
    for author in &meta.authors {
        w.str(author);
    }
    // Its neighbours in its section's order, deferred (`page_fields.rs`).
    w.key("lower");
    crate::page_fields::write_neighbour(w, &page.path, "lower", placement.lower.is_some());
    w.key("higher");
    crate::page_fields::write_neighbour(w, &page.path, "higher", placement.higher.is_some());
}

fn opt_int(w: &mut WireWriter, n: Option<u64>) {
    match n {
        Some(n) => w.int(i64::try_from(n).unwrap_or(i64::MAX)),
        None => w.null(),
    }
}

/// The fields a page shows both as itself and in a listing: `title`, `description`, `date`,
/// `weight` (four map entries).
fn write_listed_fields(
    w: &mut WireWriter,
    title: Option<&str>,
    description: Option<&str>,
    date: Option<&str>,
    weight: Option<i64>,
) {
    w.key("title");
    w.opt_str(title);
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

/// A template cell failure as the error of the render of `page`: the cell's account of a
/// template problem (a remote error) is a site error of the page; a cell that cannot be
/// started or called stays a [`CellError`], for the build to tell apart by type.
/// Why [`render_in_cell`] failed: a query it read, or the template cell.
pub(crate) enum CellRender {
    /// A query failed (the template bundle, a replayed read).
    Query(std::sync::Arc<picante::PicanteError>),
    /// The cell could not be called, or the template failed there.
    Cell(CellError),
}

/// Renders template `name` with `context` in the template cell, for the query being computed
/// (a page's render, or a shortcode inside a page's parse). The template and everything it
/// names by a literal go with the request: read here, they are the query's dependencies, and
/// the cell needs no callback for them. The cell's other reads are served inside the call;
/// those it answered from its memo are read here afterwards, so the query depends on them
/// exactly as if it had asked.
pub(crate) async fn render_in_cell(
    db: &Database,
    name: &str,
    context: WireValue,
) -> Result<String, CellRender> {
    let templates = db.template_bundle.get_ref(db, name).await.map_err(CellRender::Query)?;
    render_bundle_in_cell(db, name, &templates, context).await
}

/// [`render_in_cell`] with the templates given (a built-in template, which is no file of
/// the site's): `templates` must hold `name` and everything it names by a literal.
pub(crate) async fn render_bundle_in_cell(
    db: &Database,
    name: &str,
    templates: &[TemplateSource],
    context: WireValue,
) -> Result<String, CellRender> {
    let sent = context.as_bytes().len()
        + templates
            .iter()
            .map(|t| t.name.len() + t.source.as_ref().map_or(0, String::len))
            .sum::<usize>();
    db.traffic.bytes_sent.fetch_add(sent as u64, Ordering::Relaxed);
    let request = RenderTemplate {
        name: name.to_string(),
        context,
        templates: templates.to_vec(),
        // The revision this render reads at: a server's snapshot's, not the database's
        // latest, so the cell's memo of reads keeps no older answer under a newer label.
        revision: db.runtime().reading_revision().0,
    };
    let server = provider::Server(Provider { db, marks_now: true });
    let rendered = db
        .cells
        .call(&db.cells.template, |connection| {
            let (request, server) = (&request, &server);
            async move { template::Client::new(connection).with(server).render(request).await }
        })
        .await
        .map_err(CellRender::Cell)?;
    let replayed = provide::replay(db, rendered.reused).await.map_err(CellRender::Query)?;
    db.traffic.cached_reads.fetch_add(replayed, Ordering::Relaxed);
    Ok(rendered.html)
}

pub(crate) fn template_error(
    page: &Page,
    template: &str,
    error: CellError,
) -> std::sync::Arc<picante::PicanteError> {
    match error {
        CellError::Call { error: RpcError::Remote(message), .. } => {
            let file = format!("content/{}", page.path);
            query_error(SiteError::in_file(file, format!("rendering with `{template}`: {message}")))
        }
        other => cell_query_error(other),
    }
}

/// The output file of a page at `route`: `<route>index.html`, relative to the output
/// directory.
pub(crate) fn page_output(route: &str) -> String {
    [route.trim_start_matches('/'), "index.html"].concat()
}

/// A page's output: the file it goes to under the output directory, its HTML and the HTML's
/// hash (what `cas.db` records for the file).
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct PageOutput {
    pub(crate) rel: String,
    pub(crate) hash: cas::ContentHash,
    /// `None` in a memo loaded from a saved database: the HTML is not saved with it
    /// ([`NotSaved`]). It is half of the file's bytes (18 of 37 MB at 10,000 pages), and a
    /// build in a new process needs it only to write an output that is not as recorded
    /// (changed by hand, deleted): that build renders the page again (`site/pages.rs`).
    #[facet(proxy = NotSaved)]
    pub(crate) html: Option<String>,
    /// What the page's front matter had that was ignored (reported by the build that
    /// renders it).
    pub(crate) warnings: Vec<String>,
}

/// What a saved database holds for a page's HTML: nothing (see [`PageOutput::html`]).
#[derive(Facet, Clone, Copy, Debug)]
pub(crate) struct NotSaved {}

// facet's proxy converts through `TryFrom`, which these give.
impl From<NotSaved> for Option<String> {
    fn from(_: NotSaved) -> Self {
        None
    }
}

impl From<&Option<String>> for NotSaved {
    fn from(_: &Option<String>) -> Self {
        NotSaved {}
    }
}

/// Whether the page has an output: not a draft, not `render = false` (neither is listed
/// anywhere, as in Zola), and not left out by every section that would list it for want of
/// the key it sorts by (Zola builds those nowhere).
async fn written(db: &Database, page: &Page) -> PicanteResult<bool> {
    if !page.meta.render || db.left_out.get_ref(db, page.path.as_str()).await? {
        return Ok(false);
    }
    Ok(page.is_section || db.placement.get_ref(db, page.path.as_str()).await?.built)
}

/// The output file of the page at `path` (as [`render_query`] names it), or "" for a draft
/// or a page with `render = false`.
/// A build asks it of the pages whose render did not change since their outputs were written
/// (`site/pages.rs`): a small string, where the render's value would be decoded or cloned.
pub(crate) fn output_rel_query(db: &Database, path: String) -> Query<'_, String> {
    Box::pin(async move {
        let page = db.page.get_ref(db, path.as_str()).await?;
        Ok(if written(db, &page).await? { page_output(&page.route) } else { String::new() })
    })
}

/// The page at `path` rendered, or `None` for a draft (not rendered, not written). One query
/// per page is all a build asks for: its dependency on `page` is recorded here, so checking
/// an unchanged page touches one memo, not two.
pub(crate) fn render_query(db: &Database, path: String) -> Query<'_, Option<Arc<PageOutput>>> {
    Box::pin(async move {
        let page = db.page.get_ref(db, path.as_str()).await?;
        if !written(db, &page).await? {
            return Ok(None);
        }
        db.renders.fetch_add(1, Ordering::Relaxed);
        db.rendered.lock().push(path.clone());
        let config = db.config.get(db, ()).await?;
        // As Zola: a page's taxonomies must be its language's.
        let code = crate::languages::code_of(&page.path, &config);
        let language = config.language(code).unwrap_or(config.default_language_config());
        if let Some(unknown) =
            page.meta.taxonomies.iter().find(|t| !language.has_taxonomy(&t.taxonomy))
        {
            let file = format!("content/{}", page.path);
            let table = if code == config.default_language {
                String::new()
            } else {
                format!(" in `[languages.{code}]`")
            };
            return Err(query_error(SiteError::in_file(
                file,
                format!(
                    "the page has the taxonomy `{}`, which the config does not define{table} \
                     (`taxonomies = [{{ name = \"{}\" }}]`)",
                    unknown.taxonomy, unknown.taxonomy
                ),
            )));
        }
        // A section with `redirect_to` is a redirect page, not a render of its template.
        let redirect = page.meta.section.redirect_to.as_deref().filter(|_| page.is_section);
        let html = if let Some(target) = redirect {
            crate::redirects::redirect_page(&crate::redirects::redirect_url(
                target,
                &config.base_url,
            ))
        } else {
            let (name, context) = context(db, &page, &config).await?;
            match render_in_cell(db, &name, context).await {
                Ok(html) => html,
                Err(CellRender::Query(error)) => return Err(error),
                Err(CellRender::Cell(error)) => return Err(template_error(&page, &name, error)),
            }
        };
        // Shared: a reused memo hands out the same allocation, which is how the build knows
        // that an output is unchanged without hashing it.
        // Through its query, so that its memo exists (and is saved) from the first build: the
        // next process's first edit then finds every unchanged page's output by revalidating
        // it, not by computing it (10,000 pages: 125 ms of pages, against 38).
        let rel = db.output_rel.get_ref(db, path.as_str()).await?;
        // Minified here (`minify_html`), so that the memo holds the page as written: an
        // unchanged page is not minified again.
        let source = || format!("content/{}", page.path);
        let html = crate::minify::as_written(db, &config, &rel, &source, html).await?;
        let hash = cas::ContentHash::of(html.as_bytes());
        let warnings =
            page.meta.warnings.iter().chain(&page.link_warnings).cloned().collect::<Vec<_>>();
        Ok(Some(Arc::new(PageOutput { rel, hash, html: Some(html), warnings })))
    })
}
