//! The pages a site has beyond its content files (Zola's, 0.22): each taxonomy's list of terms
//! (`/tags/`), each term's page (`/tags/rust/`), the further pagers of a paginated section or
//! term (`/blog/page/2/`), and the redirect of pager 1 (`/blog/page/1/`).
//!
//! Each is one [`Generated`] key, rendered by the query `render_generated(key)`, which the
//! build asks for every key of `generated()` beside the content pages (`site/generated.rs`).
//! What a render reads is kept small so that early cutoff stops an edit early:
//!
//! - `listed_page(path)`: whether a page is listed (and rendered); a listing writes what it
//!   shows of it from its `entry` (`page_fields.rs`: every field Zola gives, the body's
//!   `content` and `toc` deferred, as Zola's themes print a post's content in a list), so a
//!   body edit re-renders only the listings that print the body;
//! - `taxonomy.rs`: `page_terms(path)`, `taxonomy(name)`, `term(name, slug)`, and the
//!   template functions `get_taxonomy`, `get_taxonomy_url`, `get_taxonomy_term`;
//! - `paginate.rs`: `paginated(root)` and `pager(root, n)`, one pager's slice.

pub(crate) mod paginate;
pub(crate) mod taxonomy;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use cell_proto::{WireValue, WireWriter};
use facet::Facet;
use picante::PicanteResult;
use rpc::RpcError;

use crate::SiteError;
use crate::cells::CellError;
use crate::config::SiteConfig;
use crate::content::Page;
use crate::db::{Database, Query};
use crate::error::{cell_query_error, query_error};
use crate::render::{CellRender, PageOutput, page_output, render_in_cell, write_own};

/// What a generated page is.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// A taxonomy's list of terms (`owner`: the taxonomy's name).
    TaxonomyList,
    /// A term's page, or one of its pagers (`owner`: the taxonomy, `term`: the term's slug).
    Term,
    /// A section's pager 2 or later (`owner`: the section's `_index.md` path).
    SectionPager,
    /// The redirect of a section's pager 1 to the section.
    SectionRedirect,
    /// The redirect of a term's pager 1 to the term.
    TermRedirect,
}

/// A generated page: what it is, of what, and which pager (0 for what is not a pager, and for
/// the keys of `paginated`, which stand for all the pagers of a section or term).
#[derive(Facet, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Generated {
    /// What it is.
    pub kind: Kind,
    /// The taxonomy's name, or the section's path under `content/`.
    pub owner: String,
    /// The term's slug (empty for what is not a term's).
    pub term: String,
    /// The pager's number, from 1.
    pub pager: u32,
}

impl Generated {
    /// The key of the term `slug` of the taxonomy `taxonomy`, pager `pager`.
    pub(crate) fn term(taxonomy: &str, slug: &str, pager: u32) -> Generated {
        Generated { kind: Kind::Term, owner: taxonomy.into(), term: slug.into(), pager }
    }

    fn section(kind: Kind, path: &str, pager: u32) -> Generated {
        Generated { kind, owner: path.into(), term: String::new(), pager }
    }
}

/// A generated page the build asks for, and its output file.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct GeneratedOutput {
    pub(crate) key: Generated,
    /// Its output file under the output directory.
    pub(crate) rel: String,
}

/// Whether the section `page` is rendered in pagers: it has a `paginate_by` above 0, it is
/// rendered (not `render = false`, not a draft left out), and it does not redirect (Zola
/// writes only the redirect then).
pub(crate) async fn paginates(db: &Database, page: &Page) -> PicanteResult<bool> {
    let settings = &page.meta.section;
    Ok(page.is_section
        && settings.paginate_by.is_some_and(|by| by > 0)
        && page.meta.render
        && settings.redirect_to.is_none()
        && !db.left_out.get_ref(db, page.path.as_str()).await?)
}

/// The query `listed_page(path)`: whether the page at `path` is listed (`Some`), and
/// rendered (`Some(true)`: pagers leave out pages with `render = false`, as Zola does);
/// `None` for a section, a draft left out, or a page that fails to parse (its own render
/// reports it). What a listing shows of it is its `entry`, written by [`write_listed`].
pub(crate) fn listed_page_query(db: &Database, path: String) -> Query<'_, Option<bool>> {
    Box::pin(async move {
        if crate::content::is_section(&path) {
            return Ok(None);
        }
        let Ok(meta) = db.front_matter.get_ref(db, path.as_str()).await else { return Ok(None) };
        if db.left_out.get_ref(db, path.as_str()).await? {
            return Ok(None);
        }
        Ok(Some(meta.render))
    })
}

/// Writes the pages at `paths` as listings show them, as a list (those that are no longer
/// pages left out). Each is written from its `entry` here, not kept written in a memo: the
/// database then holds each page's listed fields once, however many listings show it.
pub(crate) async fn write_listed(
    db: &Database,
    w: &mut WireWriter,
    paths: &[String],
) -> PicanteResult<()> {
    let config = db.config.get(db, ()).await?;
    let mut listed = Vec::with_capacity(paths.len());
    for path in paths {
        if db.listed_page.get_ref(db, path.as_str()).await?.is_some() {
            listed.push(db.entry.get_ref(db, path.as_str()).await?);
        }
    }
    w.list(listed.len());
    // Its fields as listings show them (`page_fields.rs`): the body's deferred, so a body
    // edit renders the listings that show the page's body, not every listing of it. Sent as
    // a shared value: the same bytes go with every listing that shows the page (its
    // section's pager, its terms' pagers, the feeds), and the template cell decodes them once;
    // the host encodes them once too (`ListedCache`).
    for entry in &listed {
        w.shared(&db.listed.get(entry, &config));
    }
    Ok(())
}

/// Writes `section` (its own fields, no pages, as Zola gives a paginated section) and
/// `paginator` (pager `n`) into a context.
pub(crate) async fn write_section_pager(
    db: &Database,
    w: &mut WireWriter,
    page: &Page,
    config: &SiteConfig,
    placement: &crate::tree::Placement,
    n: u32,
) -> PicanteResult<()> {
    let permalink = format!("{}{}", config.base_url, page.route);
    w.key("section");
    write_own(w, page, &permalink, config, placement, 2);
    w.key("pages");
    w.list(0);
    // Through their own query: a pager does not depend on its section's other pages, nor on
    // files added elsewhere.
    let subsections = db.subsections.get_ref(db, page.path.as_str()).await?;
    w.key("subsections");
    w.list(subsections.len());
    // As Zola: their paths under `content/` (for `get_section`), not their routes.
    for subsection in subsections.iter() {
        w.str(subsection);
    }
    w.key("paginator");
    let key = Generated::section(Kind::SectionPager, &page.path, n);
    match db.pager.get(db, key).await? {
        Some(paginator) => paginate::write_pager(db, w, &paginator).await?,
        None => w.null(),
    }
    Ok(())
}

/// The query `subsections(section)`: the paths of the section's direct subsections, from the
/// file list.
pub(crate) fn subsections_query(db: &Database, path: String) -> Query<'_, Arc<Vec<String>>> {
    Box::pin(async move {
        let index = db.section_index.get(db, ()).await?;
        let section = index.sections.iter().find(|s| s.path == path);
        Ok(Arc::new(section.map(|s| s.subsections.clone()).unwrap_or_default()))
    })
}

/// The query `generated()`: every generated page of the site, and its output file.
pub(crate) fn generated_query(db: &Database, _: ()) -> Query<'_, Arc<Vec<GeneratedOutput>>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let mut out = Vec::new();
        let mut push = |key: Generated, route: &str| {
            out.push(GeneratedOutput { key, rel: page_output(route) });
        };
        let mut taxonomies: Vec<(&str, &crate::config::TaxonomyConfig)> = Vec::new();
        for language in &config.languages {
            for kind in language.taxonomies.iter().filter(|t| t.render) {
                taxonomies.push((language.code.as_str(), kind));
            }
        }
        for (code, kind) in taxonomies {
            let id = taxonomy::taxonomy_id(code, &kind.name, &config);
            let taxonomy = db.taxonomy.get_ref(db, id.as_str()).await?;
            if taxonomy.terms.is_empty() {
                continue;
            }
            let list = Generated {
                kind: Kind::TaxonomyList,
                owner: id.clone(),
                term: String::new(),
                pager: 0,
            };
            push(list, &taxonomy::taxonomy_route(&config, code, kind));
            for term in &taxonomy.terms {
                let root = Generated::term(&id, &term.slug, 0);
                match db.paginated.get(db, root.clone()).await? {
                    Some(paginated) => {
                        for n in 1..=paginated.pagers() {
                            push(Generated { pager: n, ..root.clone() }, &paginated.route_of(n));
                        }
                        let redirect = Generated { kind: Kind::TermRedirect, pager: 1, ..root };
                        push(redirect, &format!("{}1/", paginated.base()));
                    }
                    None => push(
                        Generated { pager: 1, ..root },
                        &taxonomy::term_route(&config, code, kind, &term.slug),
                    ),
                }
            }
        }
        let index = db.section_index.get(db, ()).await?;
        for section in &index.sections {
            let Ok(page) = db.page.get_ref(db, section.path.as_str()).await else { continue };
            if !paginates(db, &page).await? {
                continue;
            }
            let root = Generated::section(Kind::SectionPager, &section.path, 0);
            let Some(paginated) = db.paginated.get(db, root.clone()).await? else { continue };
            for n in 2..=paginated.pagers() {
                push(Generated { pager: n, ..root.clone() }, &paginated.route_of(n));
            }
            let redirect = Generated { kind: Kind::SectionRedirect, pager: 1, ..root };
            push(redirect, &format!("{}1/", paginated.base()));
        }
        Ok(Arc::new(out))
    })
}

/// The query `render_generated(key)`: the generated page rendered (a redirect written), or
/// `None` if it no longer exists.
pub(crate) fn render_generated_query(
    db: &Database,
    key: Generated,
) -> Query<'_, Option<Arc<PageOutput>>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let Some((route, template, context)) = context(db, &key, &config).await? else {
            return Ok(None);
        };
        let rel = page_output(&route);
        // Where a failure to minify is reported: the template that made the page, and the
        // config (whose `minify_html` asked) for a redirect.
        let template_name = template.as_ref().map(|(name, _)| name.clone());
        let source = || match &template_name {
            Some(template) => format!("templates/{template}"),
            None => db.config_text.get(db, &()).ok().flatten().map(|c| c.file).unwrap_or_default(),
        };
        let html = match template {
            // A redirect: `context` is the URL it sends to.
            None => crate::redirects::redirect_page(&context),
            Some((template, context)) => {
                db.renders.fetch_add(1, Ordering::Relaxed);
                db.rendered.lock().push(route.clone());
                match render_in_cell(db, &template, context).await {
                    Ok(html) => html,
                    Err(CellRender::Query(error)) => return Err(error),
                    Err(CellRender::Cell(CellError::Call {
                        error: RpcError::Remote(message),
                        ..
                    })) => {
                        let file = format!("templates/{template}");
                        let message = format!("rendering {route}: {message}");
                        return Err(query_error(SiteError::in_file(file, message)));
                    }
                    Err(CellRender::Cell(error)) => return Err(cell_query_error(error)),
                }
            }
        };
        // Minified in the memo, as a content page's (`render.rs`).
        let html = crate::minify::as_written(db, &config, &rel, &source, html).await?;
        let hash = cas::ContentHash::of(html.as_bytes());
        Ok(Some(Arc::new(PageOutput { rel, hash, html: Some(html), warnings: Vec::new() })))
    })
}

/// A template and its context.
type Rendering = Option<(String, WireValue)>;

/// The route of the page `key`, and either its template and context, or (a redirect) `None`
/// and the URL it sends to; `None` if there is no such page.
async fn context(
    db: &Database,
    key: &Generated,
    config: &SiteConfig,
) -> PicanteResult<Option<(String, Rendering, String)>> {
    let base = &config.base_url;
    let found = match key.kind {
        Kind::TaxonomyList | Kind::Term | Kind::TermRedirect => {
            taxonomy::find_taxonomy(&key.owner, config).filter(|(_, t)| t.render)
        }
        Kind::SectionPager | Kind::SectionRedirect => None,
    };
    // The page's language: its taxonomy's, or its section's.
    let lang = match found {
        Some((language, _)) => language.code.as_str(),
        None => crate::languages::code_of(&key.owner, config),
    };
    let head = |w: &mut WireWriter, entries: usize, route: &str| {
        w.map(entries);
        w.key("config");
        config.write_wire_in(lang, w);
        w.key("current_path");
        w.str(route);
        w.key("current_url");
        w.str(&format!("{base}{route}"));
        w.key("lang");
        w.str(lang);
    };
    let taxonomy = found.map(|(_, taxonomy)| taxonomy);
    let name = taxonomy.map_or(key.owner.as_str(), |taxonomy| taxonomy.name.as_str());
    // Zola's lookup: the taxonomy's own template, else the generic one; neither is an error
    // of the config (the taxonomy has terms, so it must be rendered), not of a template.
    let template_of = |kind: &str, fallback: &str| -> PicanteResult<String> {
        let specific = format!("{name}/{kind}.html");
        for template in [specific.as_str(), fallback] {
            if db.templates.get(db, &template.to_string())?.is_some() {
                return Ok(template.to_string());
            }
        }
        let file = db.config_text.get(db, &())?.map(|c| c.file).unwrap_or_default();
        Err(query_error(SiteError::in_file(
            file,
            format!(
                "the taxonomy `{}` has terms, so its pages need `templates/{specific}` or \
                 `templates/{fallback}` (or `render = false` in its config)",
                name
            ),
        )))
    };
    match key.kind {
        Kind::TaxonomyList => {
            let Some(taxonomy) = taxonomy else { return Ok(None) };
            let terms = db.taxonomy_terms.get_ref(db, key.owner.as_str()).await?;
            let route = taxonomy::taxonomy_route(config, lang, taxonomy);
            let mut w = WireWriter::with_capacity(terms.as_bytes().len() + 1024);
            head(&mut w, 6, &route);
            w.key("taxonomy");
            crate::config::write_taxonomy(&mut w, taxonomy);
            w.key("terms");
            w.encoded(&terms);
            let template = template_of("list", "taxonomy_list.html")?;
            Ok(Some((route, Some((template, w.finish())), String::new())))
        }
        Kind::Term => {
            let Some(taxonomy) = taxonomy else { return Ok(None) };
            let root = Generated { pager: 0, ..key.clone() };
            let Some(term) = db.term.get(db, root.clone()).await? else { return Ok(None) };
            let (route, paginator) = match db.paginated.get(db, root).await? {
                Some(paginated) => match db.pager.get(db, key.clone()).await? {
                    Some(paginator) => (paginated.route_of(key.pager), Some(paginator)),
                    None => return Ok(None),
                },
                None if key.pager == 1 => {
                    (taxonomy::term_route(config, lang, taxonomy, &term.slug), None)
                }
                None => return Ok(None),
            };
            let mut w = WireWriter::with_capacity(4096);
            head(&mut w, 6 + usize::from(paginator.is_some()), &route);
            w.key("taxonomy");
            crate::config::write_taxonomy(&mut w, taxonomy);
            // Its pages deferred: the pager shows its own through `paginator.pages`.
            w.key("term");
            let pages = taxonomy::TermPages::Deferred;
            taxonomy::write_term(db, &mut w, config, (lang, taxonomy), &term, pages).await?;
            if let Some(paginator) = &paginator {
                w.key("paginator");
                paginate::write_pager(db, &mut w, paginator).await?;
            }
            let template = template_of("single", "taxonomy_single.html")?;
            Ok(Some((route, Some((template, w.finish())), String::new())))
        }
        Kind::SectionPager => {
            let Ok(page) = db.page.get_ref(db, key.owner.as_str()).await else { return Ok(None) };
            // Its own pager only (not `paginated`): a change to another pager's pages does
            // not reach it.
            if key.pager < 2 || db.pager.get(db, key.clone()).await?.is_none() {
                return Ok(None);
            }
            let settings = &page.meta.section;
            let route = paginate::pager_route(&page.route, &settings.paginate_path, key.pager);
            let mut w = WireWriter::with_capacity(page.html.len() + 4096);
            head(&mut w, 6, &route);
            let placement = db.placement.get_ref(db, page.path.as_str()).await?;
            write_section_pager(db, &mut w, &page, config, &placement, key.pager).await?;
            let template = crate::render::section_template(&page);
            Ok(Some((route, Some((template, w.finish())), String::new())))
        }
        Kind::SectionRedirect | Kind::TermRedirect => {
            let root_kind =
                if key.kind == Kind::TermRedirect { Kind::Term } else { Kind::SectionPager };
            let root = Generated { kind: root_kind, pager: 0, ..key.clone() };
            let Some(paginated) = db.paginated.get(db, root).await? else { return Ok(None) };
            let route = format!("{}1/", paginated.base());
            Ok(Some((route, None, format!("{base}{}", paginated.route))))
        }
    }
}
