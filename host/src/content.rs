//! Pages and sections: front matter, routes, and what a page looks like to the host.

use cell_proto::Heading;
use facet::Facet;

use crate::SiteError;
use std::sync::Arc;

use cell_proto::{
    AnchorLinks, MarkdownOptions, MarkdownReply, RenderMarkdown, markdown, markdown_host,
};

use crate::config::SiteConfig;
use crate::db::{Database, Query};
use crate::error::{cell_query_error, query_error};
use crate::links;
use crate::shortcodes::{MarkdownHost, ShortcodePage};

pub use crate::front_matter::FrontMatter;

/// A parsed page or section, as queries keep it.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Page {
    /// Path under `content/` (`blog/post.md`).
    pub path: String,
    /// Its route (`/blog/post/`).
    pub route: String,
    /// Whether it is a section (`_index.md`).
    pub is_section: bool,
    /// Its front matter.
    pub meta: FrontMatter,
    /// The body as HTML, internal links resolved.
    pub html: String,
    /// Its headings.
    pub headings: Vec<Heading>,
    /// What comes before `<!-- more -->`, as HTML (Zola's `page.summary`), if it has one.
    pub summary: Option<String>,
    /// Zola's `word_count` of the body.
    pub word_count: u32,
    /// Zola's `reading_time`, in minutes.
    pub reading_time: u32,
    /// Its co-located assets, paths under `content/` (`assets.rs`).
    pub assets: Vec<String>,
    /// The content files its internal links point to (`@/…`, anchors dropped; itself when it
    /// links to one of its own anchors), sorted, each once: what `backlinks` are made of
    /// (`backlinks.rs`).
    pub links_to: Vec<String>,
    /// Its internal links with an anchor, as (file, anchor), sorted, each once: checked
    /// after the build (`anchors.rs`).
    pub anchored: Vec<(String, String)>,
    /// Broken internal links, when the config only warns of them (`[link_checker]
    /// internal_level = "warn"`).
    pub link_warnings: Vec<String>,
}

/// The route a content file at `path` (relative to `content/`) gets from its path alone: with
/// no front matter `slug` or `path`, and Zola's default `[slugify] paths = "on"`. A build
/// asks the `route` query, which reads the front matter and the config.
pub fn route_of(path: &str) -> String {
    crate::routes::route(path, &FrontMatter::default(), &SiteConfig::default())
}

/// Whether `path` is a section's `_index.md`, or a language's `_index.<code>.md`.
#[inline]
pub fn is_section(path: &str) -> bool {
    crate::languages::file_named(path, "_index").is_some()
}

/// The name Zola takes a page's slug from: the file's name without `.md`, or its directory's
/// for an `index.md` (a page with its assets beside it).
pub(crate) fn file_stem(path: &str) -> &str {
    let without_ext = path.strip_suffix(".md").unwrap_or(path);
    match without_ext.rsplit_once('/') {
        Some((dir, "index")) => dir.rsplit('/').next().unwrap_or(dir),
        Some((_, name)) => name,
        None => without_ext,
    }
}

/// A page's slug, as Zola makes it (`page.slug`): its front matter's `slug`, or its file
/// name without the date it may start with (unless `paths_keep_dates`), slugified by
/// `[slugify] paths`.
pub(crate) fn page_slug(page: &Page, config: &SiteConfig) -> String {
    slug_of(&page.path, &page.meta, config)
}

/// The slug of the page at `path` with front matter `meta` (see [`page_slug`]), on the site
/// of `config` (a page's language is not part of its slug: `bread.fr.md` is `bread`).
pub(crate) fn slug_of(path: &str, meta: &FrontMatter, config: &SiteConfig) -> String {
    let slugify = &config.slugify;
    if let Some(slug) = &meta.slug {
        return crate::slug::slugify(slug, slugify.paths);
    }
    let (plain, _) = crate::languages::plain_and_code(path, config);
    let stem = file_stem(&plain);
    let name = match crate::front_matter::date_from_file_name(stem) {
        Some((_, Some(rest))) if !slugify.paths_keep_dates => rest,
        _ => stem,
    };
    crate::slug::slugify(name, slugify.paths)
}

/// The query `page_exists(path)`: whether the content list has `path` (internal links and
/// `get_page` depend on the list, not on the page's text).
pub(crate) fn page_exists_query(db: &Database, path: String) -> Query<'_, bool> {
    Box::pin(async move {
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        Ok(list.binary_search(&path).is_ok())
    })
}
/// The query `page(path)`: the content file parsed by the markdown cell, its front matter
/// checked and its internal links resolved. A problem in the file is a site error placed in
/// it; a cell that cannot be called stays a typed [`CellError`](crate::CellError).
pub(crate) fn page_query(db: &Database, path: String) -> Query<'_, Arc<Page>> {
    Box::pin(async move {
        let file = format!("content/{path}");
        let source = db
            .content
            .get(db, &path)?
            .ok_or_else(|| query_error(SiteError::in_file(&file, "no such content file")))?;
        // Front matter first: a page whose front matter is wrong is not worth rendering, and
        // its error is the one to report.
        let meta = db.front_matter.get_ref(db, path.as_str()).await?;
        let route = db.route.get_ref(db, path.as_str()).await?;
        let assets = if crate::assets::can_own_assets(&path) {
            db.assets_of.get_ref(db, path.as_str()).await?
        } else {
            Arc::default()
        };
        // The permalink: co-located links and the page's own anchors are written against it.
        let config = db.config.get(db, ()).await?;
        let permalink = [config.base_url.as_str(), &route].concat();
        // Its headings' anchor links are its section's, as Zola gives them.
        // Asked by the section it is decided by, not by the page: one memo per section, where
        // one per page cost ten thousand memos and forty thousand edges at 10,000 pages.
        let anchor_links = db.anchor_links.get(db, anchor_links_key(&path, &config)).await?;
        let request = RenderMarkdown {
            path: path.clone(),
            source: source.clone(),
            permalink,
            // The site's `[markdown]` and `[slugify] anchors`.
            options: markdown_options(db, &config, anchor_links)?,
        };
        // The page as its shortcodes see it (`shortcodes.rs`): what is known before its body.
        let shortcode_page = ShortcodePage {
            path: &path,
            route: &route,
            meta: &meta,
            assets: &assets,
            permalink: &request.permalink,
            config: &config,
            written: std::sync::OnceLock::new(),
        };
        let reply = render_markdown(db, &request, Some(shortcode_page)).await?;
        let rendered = match reply {
            MarkdownReply::Rendered(rendered) => rendered,
            MarkdownReply::Problem(problem) => {
                let error = SiteError::in_file(&file, problem.message);
                return Err(query_error(error.at(&source, problem.line, problem.column)));
            }
        };
        let mut meta = FrontMatter::clone(&meta);
        // What Zola warns of while it renders (a code block's unknown language), placed.
        for warning in &rendered.warnings {
            let column = warning.column.map(|c| format!("{c}:")).unwrap_or_default();
            meta.warnings.push(format!("{file}:{}:{column} {}", warning.line, warning.message));
        }
        let internal = links::internal_links(&rendered.html, &path, &request.permalink);
        let mut link_warnings = Vec::new();
        let lenient = config.link_checker.internal_level == "warn";
        let html = links::resolve(
            db,
            &file,
            &source,
            &rendered.html,
            &config.base_url,
            lenient.then_some(&mut link_warnings),
        )
        .await?;
        // The summary is the start of the body, its links written as the body's (and
        // warned of with it).
        let summary = match &rendered.summary {
            Some(summary) => Some(
                links::resolve(
                    db,
                    &file,
                    &source,
                    summary,
                    &config.base_url,
                    lenient.then_some(&mut Vec::new()),
                )
                .await?,
            ),
            None => None,
        };
        // Shared: the build and the renders read it without copying its HTML.
        Ok(Arc::new(Page {
            route,
            is_section: is_section(&path),
            path,
            meta,
            html,
            headings: rendered.headings,
            summary,
            word_count: rendered.word_count,
            reading_time: rendered.reading_time,
            assets: assets.as_ref().clone(),
            links_to: internal.targets,
            anchored: internal.anchored,
            link_warnings,
        }))
    })
}

/// Zola's `markdown` filter: `text` rendered as a page's body is (the site's `[markdown]`
/// options, internal links resolved), without the paragraph around it when `inline`. A
/// problem in the text is an error naming the filter.
pub(crate) async fn markdown_filter(
    db: &Database,
    text: &str,
    inline: bool,
) -> picante::PicanteResult<String> {
    let config = db.config.get(db, ()).await?;
    // An empty front matter first, so that text opening with `---` is a rule, not YAML.
    let request = RenderMarkdown {
        path: "(the markdown filter)".into(),
        source: format!("+++\n+++\n{text}"),
        permalink: String::new(),
        // As Zola's filter: never anchor links, whatever the config says.
        options: markdown_options(db, &config, AnchorLinks::None)?,
    };
    let reply = render_markdown(db, &request, None).await?;
    let html = match reply {
        MarkdownReply::Rendered(rendered) => rendered.html,
        MarkdownReply::Problem(problem) => {
            return Err(picante::PicanteError::query(format!(
                "markdown: {} (line {} of its text)",
                problem.message,
                problem.line.saturating_sub(2)
            )));
        }
    };
    let html =
        links::resolve(db, "(the markdown filter)", text, &html, &config.base_url, None).await?;
    if !inline {
        return Ok(html);
    }
    let trimmed = html.trim_end();
    Ok(match trimmed.strip_prefix("<p>").and_then(|rest| rest.strip_suffix("</p>")) {
        // One paragraph only: a `</p><p>` inside means several, kept as they are.
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => html,
    })
}

/// `request` rendered by the markdown cell. The templates its markdown uses (shortcodes, ...)
/// are rendered for the cell inside this call: each is a dependency of the calling query.
async fn render_markdown(
    db: &Database,
    request: &RenderMarkdown,
    page: Option<ShortcodePage<'_>>,
) -> picante::PicanteResult<MarkdownReply> {
    let server = markdown_host::Server(MarkdownHost { db, page });
    db.cells
        .call(&db.cells.markdown, |connection| {
            let server = &server;
            async move { markdown::Client::new(connection).with(server).render(request).await }
        })
        .await
        .map_err(cell_query_error)
}

/// How the markdown cell renders this site's pages: the config's `[markdown]` and `[slugify]
/// anchors`, headings' `anchor_links` (see [`anchor_links_query`]), and whether the site
/// overrides Zola's anchor-link and summary-cutoff templates (each a dependency of the page:
/// adding one renders the pages again).
fn markdown_options(
    db: &Database,
    config: &crate::config::SiteConfig,
    anchor_links: AnchorLinks,
) -> picante::PicanteResult<MarkdownOptions> {
    use cell_proto::Slugify;
    let markdown = &config.markdown;
    let has = |name: &str| db.templates.get(db, &name.to_string()).map(|t| t.is_some());
    Ok(MarkdownOptions {
        smart_punctuation: markdown.smart_punctuation,
        definition_list: markdown.definition_list,
        github_alerts: markdown.github_alerts,
        bottom_footnotes: markdown.bottom_footnotes,
        lazy_async_image: markdown.lazy_async_image,
        external_links_target_blank: markdown.external_links_target_blank,
        external_links_no_follow: markdown.external_links_no_follow,
        external_links_no_referrer: markdown.external_links_no_referrer,
        external_links_external: markdown.external_links_external,
        external_links_class: markdown.external_links_class.clone(),
        insert_anchor_links: anchor_links,
        slugify_anchors: match config.slugify.anchors {
            crate::config::SlugStrategy::On => Slugify::On,
            crate::config::SlugStrategy::Safe => Slugify::Safe,
            crate::config::SlugStrategy::Off => Slugify::Off,
        },
        custom_anchor_link: has("anchor-link.html")?,
        custom_summary_cutoff: has("summary-cutoff.html")?,
        highlighting: markdown.highlighting.as_ref().map(|h| h.options.clone()),
        render_emoji: markdown.render_emoji,
    })
}

/// `insert_anchor_links` as written (`none`, `left`, `right`, `heading`).
fn anchor_links_named(name: &str) -> AnchorLinks {
    match name {
        "left" => AnchorLinks::Left,
        "right" => AnchorLinks::Right,
        "heading" => AnchorLinks::Heading,
        _ => AnchorLinks::None,
    }
}

/// The `_index.md` Zola takes a page's `insert_anchor_links` from: the one in the page's own
/// directory (for `dir/index.md`, the one beside `dir/`), whether or not there is one; not
/// the nearest section above (`components/site/src/lib.rs`, `find_parent_section_insert_anchor`).
fn anchor_section_of(path: &str, config: &SiteConfig) -> String {
    let mut dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let name = path.rsplit('/').next().unwrap_or(path);
    if !dir.is_empty() && name.split('.').next() == Some("index") {
        dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
    }
    crate::languages::section_file(dir, crate::languages::code_of(path, config), config)
}

/// The key of the `anchor_links` that decides the content file at `path`: a section's own
/// path, a page's [`anchor_section_of`] (its language's section of its directory).
fn anchor_links_key(path: &str, config: &SiteConfig) -> String {
    if is_section(path) { path.to_string() } else { anchor_section_of(path, config) }
}

/// The query `anchor_links(section)`: where the headings of the content files whose
/// [`anchor_links_key`] is `section` get their anchor links, as Zola decides: a section's own
/// `insert_anchor_links`, a page's section's (see [`anchor_section_of`]; a draft left out is
/// no section), else the config's `[markdown] insert_anchor_links`. Small and cut off early:
/// editing a section's front matter renders again only the pages whose setting changed.
pub(crate) fn anchor_links_query(db: &Database, path: String) -> Query<'_, AnchorLinks> {
    Box::pin(async move {
        let section = if is_section(&path) {
            path
        } else {
            anchor_section_of(&path, &*db.config.get(db, ()).await?)
        };
        let mut own = None;
        if db.page_exists.get(db, section.clone()).await? {
            // A section whose front matter is wrong reports it itself.
            if let Ok(meta) = db.front_matter.get_ref(db, section.as_str()).await
                && !db.left_out.get_ref(db, section.as_str()).await?
            {
                own = meta.section.insert_anchor_links.clone();
            }
        }
        let name = match own {
            Some(name) => name,
            None => db.config.get(db, ()).await?.markdown.insert_anchor_links.clone(),
        };
        Ok(anchor_links_named(&name))
    })
}

/// The section a content file belongs to: the `_index.md` of its directory, or of the nearest
/// ancestor that has one (`None` for the root section itself). The reference definition;
/// the tree uses an allocation-free version checked against it.
#[cfg(test)]
pub(crate) fn parent_section(path: &str, exists: impl Fn(&str) -> bool) -> Option<String> {
    let mut dir = match path.rsplit_once('/') {
        Some((dir, _)) => dir.to_string(),
        None => String::new(),
    };
    if is_section(path) {
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
    }
    loop {
        let candidate = if dir.is_empty() {
            "_index.md".to_string()
        } else {
            [dir.as_str(), "/_index.md"].concat()
        };
        if candidate != path && exists(&candidate) {
            return Some(candidate);
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SlugStrategy;

    #[test]
    fn a_page_s_slug_comes_from_its_front_matter_or_its_file_name() {
        let page = |path: &str, slug: Option<&str>| Page {
            path: path.into(),
            route: route_of(path),
            is_section: false,
            meta: FrontMatter { slug: slug.map(str::to_string), ..FrontMatter::default() },
            html: String::new(),
            headings: Vec::new(),
            summary: None,
            word_count: 0,
            reading_time: 0,
            assets: Vec::new(),
            links_to: Vec::new(),
            anchored: Vec::new(),
            link_warnings: Vec::new(),
        };
        let on = SiteConfig::default();
        let with = |slugify| SiteConfig { slugify, ..SiteConfig::default() };
        let keep =
            with(crate::config::SlugifyConfig { paths_keep_dates: true, ..on.slugify.clone() });
        let safe =
            with(crate::config::SlugifyConfig { paths: SlugStrategy::Safe, ..on.slugify.clone() });
        assert_eq!(page_slug(&page("blog/My Post.md", None), &on), "my-post");
        assert_eq!(page_slug(&page("blog/x.md", Some("Hello World")), &on), "hello-world");
        assert_eq!(page_slug(&page("blog/2024-01-05-first.md", None), &on), "first");
        assert_eq!(page_slug(&page("blog/2024-01-05-first.md", None), &keep), "2024-01-05-first");
        assert_eq!(page_slug(&page("blog/post/index.md", None), &on), "post");
        assert_eq!(page_slug(&page("blog/My Post.md", None), &safe), "My Post");
    }

    #[test]
    fn routes_and_sections_follow_the_content_tree() {
        assert_eq!(route_of("_index.md"), "/");
        assert_eq!(route_of("blog/_index.md"), "/blog/");
        assert_eq!(route_of("blog/post.md"), "/blog/post/");
        assert_eq!(route_of("about.md"), "/about/");
        // Only a file named exactly `_index.md` is a section.
        assert_eq!(route_of("x_index.md"), "/x-index/");
        for section in ["_index.md", "a/_index.md", "_index.fr.md", "a/b/_index.zh-Hant.md"] {
            assert!(is_section(section), "{section}");
        }
        for page in ["x_index.md", "a/x_index.fr.md", "_index.a.b.md", "_index..md", "_index.md/x"]
        {
            assert!(!is_section(page), "{page}");
        }
        assert_eq!(route_of("blog/my_index.md"), "/blog/my-index/");
        let exists = |p: &str| matches!(p, "_index.md" | "blog/_index.md");
        assert_eq!(parent_section("blog/post.md", exists).as_deref(), Some("blog/_index.md"));
        assert_eq!(parent_section("blog/2024/deep.md", exists).as_deref(), Some("blog/_index.md"));
        assert_eq!(parent_section("blog/_index.md", exists).as_deref(), Some("_index.md"));
        assert_eq!(parent_section("_index.md", exists), None);
        assert_eq!(parent_section("about.md", exists).as_deref(), Some("_index.md"));
    }

    #[test]
    fn a_page_takes_its_anchor_links_from_the_section_of_its_own_directory_as_zola() {
        assert_eq!(anchor_section_of("about.md", &SiteConfig::default()), "_index.md");
        assert_eq!(
            anchor_section_of("guide/install.md", &SiteConfig::default()),
            "guide/_index.md"
        );
        assert_eq!(
            anchor_section_of("guide/2024/deep.md", &SiteConfig::default()),
            "guide/2024/_index.md"
        );
        // A page with its assets: the section beside its directory.
        assert_eq!(
            anchor_section_of("guide/config/index.md", &SiteConfig::default()),
            "guide/_index.md"
        );
        assert_eq!(anchor_section_of("config/index.md", &SiteConfig::default()), "_index.md");
        assert_eq!(anchor_section_of("index.md", &SiteConfig::default()), "_index.md");
        assert_eq!(anchor_links_named("heading"), AnchorLinks::Heading);
        assert_eq!(anchor_links_named("none"), AnchorLinks::None);
    }
}
