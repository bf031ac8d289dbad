//! The site database: the registry of its ingredients (inputs read from disk, the derived
//! queries that build the site from them, the interned reads of cells), one line each by id.
//!
//! Inputs hold text only (content, templates, data files, the config). Every derived query,
//! and every provider callback a cell makes while rendering, is a picante query, so each read
//! is a recorded dependency of the output that made it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cell_proto::{ImageMetadata, ProviderRead, TemplateSource, ValueHash, WireValue};
use picante::{
    BoxFuture, DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
    InputIngredient, InternId, InternedIngredient, PicanteResult, QueryKindId, Runtime,
};

use crate::backlinks;
use crate::cells::Cells;
use crate::config::{self, ConfigText, SiteConfig, ThemeText};
use crate::content::{self, FrontMatter, Page};
use crate::data;
use crate::digest::{self, DigestKey};
use crate::feeds::{self, Feed, FeedOutput, FeedPages};
use crate::images::{self, ResizeKey, Resized};
use crate::listings::paginate::{self, Paginated};
use crate::listings::taxonomy::{self, PageTerms, Taxonomy, Term};
use crate::listings::{self, Generated, GeneratedOutput};
use crate::load_data::{self, LoadKey};
use crate::provide::{self, Provided};
use crate::render::{self, PageOutput};
use crate::routes::{self, RouteCheck};
use crate::stored::StoredFiles;
use crate::templates;
use crate::tree::{self, Section, SectionIndex};

/// Counters of the template cell's traffic (monotonic; a build reports the difference).
#[derive(Default)]
pub(crate) struct Traffic {
    /// Callbacks the cell made to the host (each a round trip).
    pub(crate) callbacks: AtomicU64,
    /// Reads the cell answered from its own memo of the revision, replayed by the host.
    pub(crate) cached_reads: AtomicU64,
    /// Bytes of values sent to the cell: contexts, template sources, callback answers.
    pub(crate) bytes_sent: AtomicU64,
}

impl Traffic {
    /// (callbacks, cached reads, bytes sent) now.
    pub(crate) fn snapshot(&self) -> (u64, u64, u64) {
        (
            self.callbacks.load(Ordering::Relaxed),
            self.cached_reads.load(Ordering::Relaxed),
            self.bytes_sent.load(Ordering::Relaxed),
        )
    }

    /// Counts one callback whose answer carries `bytes` bytes.
    pub(crate) fn callback(&self, bytes: usize) {
        self.callbacks.fetch_add(1, Ordering::Relaxed);
        self.bytes_sent.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// The site database.
pub struct Database {
    runtime: Runtime,
    registry: IngredientRegistry<Database>,
    /// The config file's name (`config.toml` or `dodeca.toml`) and text.
    pub(crate) config_text: Arc<InputIngredient<(), ConfigText>>,
    /// Every content file, relative to `content/`, sorted.
    /// Every content file, relative to `content/`, sorted (shared: ten thousand paths are not
    /// copied for each reader).
    pub(crate) content_list: Arc<InputIngredient<(), Arc<Vec<String>>>>,
    /// A content file's text, by path.
    pub(crate) content: Arc<InputIngredient<String, String>>,
    /// A template's text, by name: its path under `templates/`, or under the theme's
    /// `templates/` when the site has no template of that path, and every theme template
    /// also as `<theme>/templates/<path>` (`site/theme.rs`).
    pub(crate) templates: Arc<InputIngredient<String, String>>,
    /// The theme's `theme.toml` and whether it has `templates/`, by theme name (only the
    /// config's theme is set): what the `config` query merges (`config/theme.rs`).
    pub(crate) theme: Arc<InputIngredient<String, ThemeText>>,
    /// A data file's content hash (its bytes are in the CAS), by path under `data/`: every
    /// file there, whatever its extension (`load_data` reads any of them; `data.<stem>` the
    /// TOML, JSON and YAML ones).
    pub(crate) data_files: Arc<InputIngredient<String, cas::ContentHash>>,
    /// A static file's content hash (its bytes are in the CAS), by path under `static/`, or
    /// under the theme's `static/` when the site has no file of that path.
    pub(crate) statics: Arc<InputIngredient<String, cas::ContentHash>>,
    /// A Sass file's text (`.scss`, `.sass`, `.css`), by path from the site's root: every such
    /// file of `sass/` and of the theme's `sass/` (`sass.rs`).
    pub(crate) sass_files: Arc<InputIngredient<String, String>>,
    /// The keys of `sass_files`, sorted.
    pub(crate) sass_list: Arc<InputIngredient<(), Arc<Vec<String>>>>,
    /// The stylesheets compiled, whether a directory holds Sass files, one stylesheet
    /// compiled (`sass.rs`).
    pub(crate) stylesheets: Arc<DerivedIngredient<Database, (), Arc<crate::sass::Stylesheets>>>,
    pub(crate) sass_dir: Arc<DerivedIngredient<Database, String, bool>>,
    pub(crate) compile_sass: Arc<DerivedIngredient<Database, String, Arc<PageOutput>>>,
    /// The search index (`search/`): one content file's document, every document in order,
    /// the index file.
    pub(crate) search_document:
        Arc<DerivedIngredient<Database, String, Option<Arc<crate::search::SearchDocument>>>>,
    pub(crate) search_documents:
        Arc<DerivedIngredient<Database, String, Arc<crate::search::SearchDocuments>>>,
    pub(crate) search_index: Arc<DerivedIngredient<Database, String, Option<Arc<PageOutput>>>>,
    /// Every file under `content/` that is not a page (a page's or section's co-located
    /// assets), relative to `content/`, sorted.
    pub(crate) asset_list: Arc<InputIngredient<(), Arc<Vec<String>>>>,
    /// A co-located asset's content hash (its bytes are in the CAS), by path under `content/`.
    pub(crate) assets: Arc<InputIngredient<String, cas::ContentHash>>,
    /// Whether the output directory's file system ignores letter case (so that `a.md` and
    /// `A.md` would be one output file); set by the build when it changes.
    pub(crate) case_insensitive_output: Arc<InputIngredient<(), bool>>,
    /// When the build started (nanoseconds since the epoch): what `now()` answers, in
    /// seconds. A render that calls `now()` reads it, so it depends on it; a build that
    /// may render sets it (see `Site::load`), so such a render runs again in every build.
    pub(crate) build_time: Arc<InputIngredient<(), u64>>,
    /// The environment variables templates read with `get_env(name=…)`, by name (`None`:
    /// unset, or not UTF-8), as they were at the start of the build: each build sets every
    /// name here from the environment (`Site::load`), so a changed value renders again exactly
    /// the pages that read it. A name read for the first time is read from the environment by
    /// its render and set here when the build ends (`new_env`).
    pub(crate) env: Arc<InputIngredient<String, Option<String>>>,
    /// The `base_url` to build with instead of the config's, as written (`dodeca-host
    /// serve`: `Some("/")`, URLs from the served site's root); `None`: the config's.
    pub(crate) base_url_override: Arc<InputIngredient<(), Option<String>>>,
    /// Whether `dodeca-host serve` is building (`config.mode` is then `"serve"`).
    pub(crate) serving: Arc<InputIngredient<(), bool>>,
    /// Whether drafts are built and listed as other pages (`--drafts`). Read only by the
    /// queries that met a draft (`left_out`), so switching it runs only those.
    pub(crate) include_drafts: Arc<InputIngredient<(), bool>>,
    /// Whether a content file is left out as a draft, or under one (`tree/placement.rs`).
    pub(crate) left_out: Arc<DerivedIngredient<Database, String, bool>>,
    /// The warnings for pages their sections cannot sort (`tree/placement.rs`).
    pub(crate) unsortable: Arc<DerivedIngredient<Database, (), Arc<Vec<String>>>>,
    /// Every link target's linking files, and one file's `backlinks` (`backlinks.rs`).
    pub(crate) backlink_index: Arc<DerivedIngredient<Database, (), Arc<backlinks::BacklinkIndex>>>,
    /// A content file's anchors, and one file's links to anchors that are not there
    /// (`anchors.rs`).
    pub(crate) anchors: Arc<DerivedIngredient<Database, String, Arc<crate::anchors::Anchors>>>,
    pub(crate) anchor_problems: Arc<DerivedIngredient<Database, String, Arc<Vec<String>>>>,
    pub(crate) backlinks:
        Arc<DerivedIngredient<Database, String, Arc<Vec<crate::backlinks::Backlink>>>>,
    /// A content file's versions in every language (`translations.rs`).
    pub(crate) translations:
        Arc<DerivedIngredient<Database, String, Arc<Vec<crate::translations::Translated>>>>,
    /// Where a content file's headings get anchor links (`content.rs`).
    pub(crate) anchor_links: Arc<DerivedIngredient<Database, String, cell_proto::AnchorLinks>>,
    pub(crate) config: Arc<DerivedIngredient<Database, (), Arc<SiteConfig>>>,
    pub(crate) page: Arc<DerivedIngredient<Database, String, Arc<Page>>>,
    /// A content file's front matter alone (routes and listings read it, not the body).
    pub(crate) front_matter: Arc<DerivedIngredient<Database, String, Arc<FrontMatter>>>,
    /// A content file's route, as Zola makes it (`routes.rs`).
    pub(crate) route: Arc<DerivedIngredient<Database, String, String>>,
    /// A page's or section's co-located assets (`assets.rs`).
    pub(crate) assets_of: Arc<DerivedIngredient<Database, String, Arc<Vec<String>>>>,
    /// Every alias's redirect page (`redirects.rs`).
    pub(crate) redirects: Arc<DerivedIngredient<Database, (), Arc<crate::redirects::Redirects>>>,
    /// One alias's redirect page, minified (`minify.rs`; asked only with `minify_html`).
    pub(crate) redirect_page:
        Arc<DerivedIngredient<Database, crate::minify::RedirectPage, Arc<String>>>,
    /// `robots.txt`, `404.html`, `sitemap.xml` (`site_files.rs`).
    pub(crate) site_file: Arc<DerivedIngredient<Database, String, Option<Arc<PageOutput>>>>,
    pub(crate) page_exists: Arc<DerivedIngredient<Database, String, bool>>,
    /// The content files whose routes are refused (bad segments, or claimed twice).
    pub(crate) routes: Arc<DerivedIngredient<Database, (), Arc<RouteCheck>>>,
    pub(crate) section_index: Arc<DerivedIngredient<Database, (), Arc<SectionIndex>>>,
    pub(crate) section_listing: Arc<DerivedIngredient<Database, String, Option<Arc<Section>>>>,
    /// Where a content file sits: ancestors, neighbours, `page_template` (`tree/placement.rs`).
    pub(crate) placement: Arc<DerivedIngredient<Database, String, Arc<crate::tree::Placement>>>,
    /// A page's listing entry (`lower` and `higher` show their neighbours' entries).
    pub(crate) entry: Arc<DerivedIngredient<Database, String, Arc<crate::tree::Entry>>>,
    pub(crate) render: Arc<DerivedIngredient<Database, String, Option<Arc<PageOutput>>>>,
    /// A page's output file ("" for a draft): what a build needs of a page whose render did
    /// not change, without its render's value.
    pub(crate) output_rel: Arc<DerivedIngredient<Database, String, String>>,
    /// Every page's output and route, for a server (`serve/content.rs`); not saved: only a
    /// server asks for it, and computes it once.
    pub(crate) served_pages:
        Arc<DerivedIngredient<Database, (), Arc<crate::serve::content::ServedPages>>>,
    pub(crate) template_references: Arc<DerivedIngredient<Database, String, Arc<Vec<String>>>>,
    pub(crate) template_bundle: Arc<DerivedIngredient<Database, String, Arc<Vec<TemplateSource>>>>,
    pub(crate) data_file: Arc<DerivedIngredient<Database, String, WireValue>>,
    pub(crate) data_value: Arc<DerivedIngredient<Database, String, WireValue>>,
    /// A file of the site read in a format by `load_data` (`load_data/`), once per change.
    pub(crate) loaded: Arc<DerivedIngredient<Database, LoadKey, WireValue>>,
    /// A file's SHA-2 digest, for `get_hash` and `get_url(cachebust=true)` (`digest.rs`).
    pub(crate) file_digest: Arc<DerivedIngredient<Database, DigestKey, String>>,
    /// An image's size and format, read by the image cell (`images/`), once per change.
    pub(crate) image_metadata: Arc<DerivedIngredient<Database, String, ImageMetadata>>,
    /// An image resized by the image cell, its bytes in the CAS (`images/`).
    pub(crate) resized: Arc<DerivedIngredient<Database, ResizeKey, Resized>>,
    /// Every read a cell has made, by a dense id (the id a render lists it by when it took
    /// the answer from the cell's memo).
    pub(crate) reads: Arc<InternedIngredient<ProviderRead>>,
    /// Sets of reads a render took from the cell's memo (sorted ids), interned: most pages
    /// reuse the same set (a nav's sections), and depend on it as one query.
    pub(crate) read_sets: Arc<InternedIngredient<Vec<u32>>>,
    /// The answers' hashes of one interned set of reads.
    pub(crate) reused: Arc<DerivedIngredient<Database, InternId, Arc<Vec<ValueHash>>>>,
    /// The answer to a cell's read (template, data, function), encoded once per revision.
    pub(crate) provided: Arc<DerivedIngredient<Database, InternId, Arc<Provided>>>,
    /// Generated pages (`listings/`): taxonomies, terms, pagers.
    pub(crate) page_terms: Arc<DerivedIngredient<Database, String, Arc<PageTerms>>>,
    pub(crate) taxonomy: Arc<DerivedIngredient<Database, String, Arc<Taxonomy>>>,
    pub(crate) term: Arc<DerivedIngredient<Database, Generated, Option<Arc<Term>>>>,
    pub(crate) taxonomy_terms: Arc<DerivedIngredient<Database, String, WireValue>>,
    pub(crate) listed_page: Arc<DerivedIngredient<Database, String, Option<bool>>>,
    pub(crate) paginated: Arc<DerivedIngredient<Database, Generated, Option<Arc<Paginated>>>>,
    pub(crate) pager: Arc<DerivedIngredient<Database, Generated, Option<Arc<paginate::Pager>>>>,
    pub(crate) generated: Arc<DerivedIngredient<Database, (), Arc<Vec<GeneratedOutput>>>>,
    pub(crate) render_generated:
        Arc<DerivedIngredient<Database, Generated, Option<Arc<PageOutput>>>>,
    pub(crate) subsections: Arc<DerivedIngredient<Database, String, Arc<Vec<String>>>>,
    /// Feeds (`feeds.rs`): every feed file, what each owner's feeds list, one file rendered.
    pub(crate) feeds: Arc<DerivedIngredient<Database, (), Arc<Vec<FeedOutput>>>>,
    pub(crate) feed_pages: Arc<DerivedIngredient<Database, Feed, Option<Arc<FeedPages>>>>,
    pub(crate) render_feed: Arc<DerivedIngredient<Database, Feed, Option<Arc<PageOutput>>>>,
    pub(crate) cells: Cells,
    /// Where queries read the bytes of the files the inputs hold by hash (`None` for a
    /// database read only to be checked, `cache verify`).
    pub(crate) stored: Option<StoredFiles>,
    /// Pages as listings show them, encoded once (`page_fields::ListedCache`).
    pub(crate) listed: crate::page_fields::ListedCache,
    /// Renders run (template cell calls made), for reports and tests.
    pub(crate) renders: AtomicU64,
    /// The content paths rendered since the build report last took them.
    pub(crate) rendered: parking_lot::Mutex<Vec<String>>,
    /// The stylesheets compiled (their paths from the site's root) since the build report
    /// last took them.
    pub(crate) compiled: parking_lot::Mutex<Vec<String>>,
    /// Search index files made (the query `search_index` run), for reports and tests.
    pub(crate) search_indexes: AtomicU64,
    /// The outputs minified (`minify_html`: their paths under the output directory) since
    /// the build report last took them.
    pub(crate) minified: parking_lot::Mutex<Vec<String>>,
    /// What went to and came back from the template cell, for reports and the benchmark.
    pub(crate) traffic: Traffic,
    /// Whether a render read `now()` since the build started (the build resets it).
    pub(crate) read_now: std::sync::atomic::AtomicBool,
    /// Environment variables read by `get_env` that [`env`](Self::env) did not hold yet, with
    /// the value the render read: set in `env` when the build ends.
    pub(crate) new_env: parking_lot::Mutex<std::collections::BTreeMap<String, Option<String>>>,
}

impl HasRuntime for Database {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl IngredientLookup for Database {
    fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
        self.registry.ingredient(kind)
    }
}

/// A derived query's future, as its ingredient runs it.
pub(crate) type Query<'db, T> = BoxFuture<'db, PicanteResult<T>>;

/// A new input ingredient.
fn input<K, V>(id: u32, name: &'static str) -> Arc<InputIngredient<K, V>>
where
    K: facet::Facet<'static> + Clone + Eq + std::hash::Hash + Send + Sync + 'static,
    V: facet::Facet<'static> + Clone + Send + Sync + 'static,
{
    Arc::new(InputIngredient::new(QueryKindId(id), name))
}

/// A new derived ingredient computed by `query`.
fn derived<K, V>(
    id: u32,
    name: &'static str,
    query: for<'db> fn(&'db Database, K) -> Query<'db, V>,
) -> Arc<DerivedIngredient<Database, K, V>>
where
    K: facet::Facet<'static> + Clone + Eq + std::hash::Hash + Send + Sync + 'static,
    V: facet::Facet<'static> + Clone + Send + Sync + 'static,
{
    Arc::new(DerivedIngredient::new(QueryKindId(id), name, query))
}

/// A new interned ingredient.
fn interned<T>(id: u32, name: &'static str) -> Arc<InternedIngredient<T>>
where
    T: facet::Facet<'static> + Clone + Eq + std::hash::Hash + Send + Sync + 'static,
{
    Arc::new(InternedIngredient::new(QueryKindId(id), name))
}

impl Database {
    /// The registry, for the debug views.
    pub(crate) fn registry(&self) -> &IngredientRegistry<Database> {
        &self.registry
    }

    /// Every ingredient whose memos a cache file keeps: all of them.
    pub(crate) fn persistable(&self) -> Vec<&dyn picante::persist::PersistableIngredient> {
        vec![
            &*self.config_text,
            &*self.content_list,
            &*self.content,
            &*self.templates,
            &*self.theme,
            &*self.data_files,
            &*self.statics,
            &*self.case_insensitive_output,
            &*self.build_time,
            &*self.base_url_override,
            &*self.serving,
            &*self.env,
            &*self.include_drafts,
            &*self.anchor_links,
            &*self.unsortable,
            &*self.left_out,
            &*self.backlink_index,
            &*self.backlinks,
            &*self.translations,
            &*self.anchors,
            &*self.anchor_problems,
            &*self.config,
            &*self.page,
            &*self.front_matter,
            &*self.route,
            &*self.asset_list,
            &*self.assets,
            &*self.assets_of,
            &*self.redirects,
            &*self.redirect_page,
            &*self.site_file,
            &*self.page_exists,
            &*self.section_index,
            &*self.render,
            &*self.output_rel,
            &*self.data_file,
            &*self.data_value,
            &*self.section_listing,
            &*self.placement,
            &*self.entry,
            &*self.template_references,
            &*self.template_bundle,
            &*self.routes,
            &*self.provided,
            &*self.reads,
            &*self.read_sets,
            &*self.reused,
            &*self.page_terms,
            &*self.taxonomy,
            &*self.term,
            &*self.taxonomy_terms,
            &*self.listed_page,
            &*self.paginated,
            &*self.pager,
            &*self.generated,
            &*self.render_generated,
            &*self.subsections,
            &*self.feeds,
            &*self.feed_pages,
            &*self.render_feed,
            &*self.loaded,
            &*self.file_digest,
            &*self.sass_files,
            &*self.sass_list,
            &*self.stylesheets,
            &*self.sass_dir,
            &*self.compile_sass,
            &*self.search_document,
            &*self.search_documents,
            &*self.search_index,
            &*self.image_metadata,
            &*self.resized,
        ]
    }

    /// The registry: every ingredient of the site, one line each, by id; each query's body
    /// lives beside its domain (`content.rs`, `tree.rs`, `render.rs`, ...). `stored`: where
    /// the bytes of files held by hash are.
    pub(crate) fn new(cells: Cells, stored: Option<StoredFiles>) -> Database {
        let mut db = Database {
            runtime: Runtime::new(),
            registry: IngredientRegistry::new(),
            config_text: input(1, "config_text"),
            content_list: input(2, "content_list"),
            content: input(3, "content"),
            templates: input(4, "templates"),
            data_files: input(5, "data_files"),
            statics: input(6, "statics"),
            case_insensitive_output: input(7, "case_insensitive_output"),
            build_time: input(8, "build_time"),
            base_url_override: input(9, "base_url_override"),
            serving: input(106, "serving"),
            env: input(47, "env"),
            config: derived(10, "config", config::config_query),
            page: derived(11, "page", content::page_query),
            page_exists: derived(12, "page_exists", content::page_exists_query),
            section_index: derived(13, "section_index", tree::section_index_query),
            render: derived(14, "render", render::render_query),
            data_file: derived(15, "data_file", data::data_file_query),
            data_value: derived(16, "data_value", data::data_value_query),
            section_listing: derived(17, "section_listing", tree::section_listing_query),
            placement: derived(80, "placement", tree::placement_query),
            entry: derived(81, "entry", tree::entry_query),
            template_references: derived(18, "template_references", templates::references_query),
            template_bundle: derived(19, "template_bundle", templates::bundle_query),
            routes: derived(20, "routes", routes::routes_query),
            provided: derived(21, "provided", provide::provided_query),
            reads: interned(22, "reads"),
            read_sets: interned(23, "read_sets"),
            reused: derived(24, "reused", provide::reused_query),
            output_rel: derived(25, "output_rel", render::output_rel_query),
            served_pages: derived(26, "served_pages", crate::serve::content::served_pages_query),
            // Ids from 40 on: the ones between are taken by queries being written alongside.
            front_matter: derived(40, "front_matter", crate::front_matter::front_matter_query),
            route: derived(41, "route", routes::route_query),
            asset_list: input(42, "asset_list"),
            assets: input(43, "assets"),
            assets_of: derived(44, "assets_of", crate::assets::assets_of_query),
            redirects: derived(45, "redirects", crate::redirects::redirects_query),
            site_file: derived(46, "site_file", crate::site_files::site_file_query),
            // Generated pages (`listings/`): ids from 60.
            page_terms: derived(60, "page_terms", taxonomy::page_terms_query),
            taxonomy: derived(61, "taxonomy", taxonomy::taxonomy_query),
            term: derived(62, "term", taxonomy::term_query),
            taxonomy_terms: derived(63, "taxonomy_terms", taxonomy::terms_query),
            listed_page: derived(64, "listed_page", listings::listed_page_query),
            paginated: derived(65, "paginated", paginate::paginated_query),
            pager: derived(66, "pager", paginate::pager_query),
            generated: derived(67, "generated", listings::generated_query),
            render_generated: derived(68, "render_generated", listings::render_generated_query),
            subsections: derived(69, "subsections", listings::subsections_query),
            // Feeds (`feeds.rs`): ids from 82.
            feeds: derived(82, "feeds", feeds::feeds_query),
            feed_pages: derived(83, "feed_pages", feeds::feed_pages_query),
            render_feed: derived(84, "render_feed", feeds::render_feed_query),
            // `load_data`: ids from 90.
            loaded: derived(90, "loaded", load_data::loaded_query),
            // `get_hash`, cachebusting: ids from 95.
            file_digest: derived(95, "file_digest", digest::file_digest_query),
            // `get_image_metadata`, `resize_image`: ids from 120.
            image_metadata: derived(130, "image_metadata", images::image_metadata_query),
            resized: derived(131, "resized", images::resized_query),
            // Zola's content model (drafts, anchor links, unsortable pages): ids from 100.
            include_drafts: input(100, "include_drafts"),
            anchor_links: derived(101, "anchor_links", content::anchor_links_query),
            unsortable: derived(102, "unsortable", tree::unsortable_query),
            left_out: derived(103, "left_out", tree::left_out_query),
            backlink_index: derived(104, "backlink_index", backlinks::backlink_index_query),
            backlinks: derived(105, "backlinks", backlinks::backlinks_query),
            anchors: derived(107, "anchors", crate::anchors::anchors_query),
            anchor_problems: derived(108, "anchor_problems", crate::anchors::anchor_problems_query),
            // Themes: ids from 110.
            theme: input(110, "theme"),
            // Sass (`sass.rs`): ids from 120.
            sass_files: input(120, "sass_files"),
            sass_list: input(121, "sass_list"),
            stylesheets: derived(122, "stylesheets", crate::sass::stylesheets_query),
            sass_dir: derived(123, "sass_dir", crate::sass::sass_dir_query),
            compile_sass: derived(124, "compile_sass", crate::sass::compile_sass_query),
            // The search index (`search/`): ids from 140.
            search_document: derived(140, "search_document", crate::search::search_document_query),
            search_documents: derived(
                141,
                "search_documents",
                crate::search::search_documents_query,
            ),
            search_index: derived(142, "search_index", crate::search::search_index_query),
            // `minify_html` (`minify.rs`): ids from 150.
            redirect_page: derived(150, "redirect_page", crate::minify::redirect_page_query),
            // Several languages (`translations.rs`): ids from 160.
            translations: derived(160, "translations", crate::translations::translations_query),
            cells,
            stored,
            listed: crate::page_fields::ListedCache::default(),
            renders: AtomicU64::new(0),
            rendered: parking_lot::Mutex::new(Vec::new()),
            compiled: parking_lot::Mutex::new(Vec::new()),
            search_indexes: AtomicU64::new(0),
            minified: parking_lot::Mutex::new(Vec::new()),
            traffic: Traffic::default(),
            read_now: std::sync::atomic::AtomicBool::new(false),
            new_env: parking_lot::Mutex::new(std::collections::BTreeMap::new()),
        };
        let registry = &mut db.registry;
        registry.register(db.config_text.clone());
        registry.register(db.content_list.clone());
        registry.register(db.content.clone());
        registry.register(db.templates.clone());
        registry.register(db.theme.clone());
        registry.register(db.data_files.clone());
        registry.register(db.statics.clone());
        registry.register(db.case_insensitive_output.clone());
        registry.register(db.build_time.clone());
        registry.register(db.base_url_override.clone());
        registry.register(db.serving.clone());
        registry.register(db.env.clone());
        registry.register(db.config.clone());
        registry.register(db.page.clone());
        registry.register(db.page_exists.clone());
        registry.register(db.section_index.clone());
        registry.register(db.render.clone());
        registry.register(db.data_file.clone());
        registry.register(db.data_value.clone());
        registry.register(db.section_listing.clone());
        registry.register(db.placement.clone());
        registry.register(db.entry.clone());
        registry.register(db.template_references.clone());
        registry.register(db.template_bundle.clone());
        registry.register(db.routes.clone());
        registry.register(db.provided.clone());
        registry.register(db.reads.clone());
        registry.register(db.read_sets.clone());
        registry.register(db.reused.clone());
        registry.register(db.output_rel.clone());
        registry.register(db.served_pages.clone());
        registry.register(db.front_matter.clone());
        registry.register(db.route.clone());
        registry.register(db.asset_list.clone());
        registry.register(db.assets.clone());
        registry.register(db.assets_of.clone());
        registry.register(db.redirects.clone());
        registry.register(db.site_file.clone());
        registry.register(db.page_terms.clone());
        registry.register(db.taxonomy.clone());
        registry.register(db.term.clone());
        registry.register(db.taxonomy_terms.clone());
        registry.register(db.listed_page.clone());
        registry.register(db.paginated.clone());
        registry.register(db.pager.clone());
        registry.register(db.generated.clone());
        registry.register(db.render_generated.clone());
        registry.register(db.subsections.clone());
        registry.register(db.feeds.clone());
        registry.register(db.feed_pages.clone());
        registry.register(db.render_feed.clone());
        registry.register(db.loaded.clone());
        registry.register(db.file_digest.clone());
        registry.register(db.image_metadata.clone());
        registry.register(db.resized.clone());
        registry.register(db.include_drafts.clone());
        registry.register(db.anchor_links.clone());
        registry.register(db.unsortable.clone());
        registry.register(db.left_out.clone());
        registry.register(db.backlink_index.clone());
        registry.register(db.backlinks.clone());
        registry.register(db.translations.clone());
        registry.register(db.anchors.clone());
        registry.register(db.anchor_problems.clone());
        registry.register(db.sass_files.clone());
        registry.register(db.sass_list.clone());
        registry.register(db.stylesheets.clone());
        registry.register(db.sass_dir.clone());
        registry.register(db.compile_sass.clone());
        registry.register(db.search_document.clone());
        registry.register(db.search_documents.clone());
        registry.register(db.search_index.clone());
        registry.register(db.redirect_page.clone());
        db
    }
}
