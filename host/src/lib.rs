//! The dodeca host: an incremental site builder that drives cells.
//!
//! A [`Site`] keeps a picante database between builds. [`Site::build`] reads the site's files
//! into its inputs, parses every page (through the markdown cell), renders every page and
//! section (through the template cell, whose callbacks for templates, data and URLs are
//! queries served inside the render's call, so they are recorded as its dependencies), and
//! writes only the outputs whose content changed. A second build after an edit re-renders
//! exactly what read what changed.
//!
//! # Modules
//!
//! - `site/`: [`Site`] and its build, as named, timed steps (`mod.rs`); reading the site into
//!   the inputs (`load.rs`); the render-and-write pipeline (`pages.rs`); static files
//!   (`statics.rs`); the [`BuildReport`] (`report.rs`); step timing (`steps.rs`).
//! - `db`: the query registry, one line per ingredient; `exec`: the executor driving many
//!   queries per thread; `progress`: the progress line on stderr.
//! - `content`: pages, the `page` query; `front_matter/`: front matter, every key of Zola's
//!   pages and sections; `tree`: sections and their listings;
//!   `routes`: routes refused or claimed twice; `links`: internal links (`@/…`);
//!   `backlinks`: the files that link to each one; `anchors`: their anchors checked;
//!   `languages`: a content file's language from its name; `translations`: its versions.
//! - `render`: a page's context and the `render` query; `templates`: template bundles;
//!   `data`: data files as `data.<stem>`; `load_data/`: Zola's `load_data` (the paths it
//!   finds, its formats, a CSV reader); `stored`: the bytes of files held by hash, from the
//!   CAS; `provide`: the reads cells make (`provided`, `reused`, replays);
//!   `shortcodes`: the templates the markdown cell asks for (shortcodes, anchor links).
//! - `feeds`: Zola's Atom and RSS feeds of the site, its sections and its terms (built-in
//!   templates in `feeds/`), beside `listings/` (taxonomies, pagination) and `site_files`
//!   (`robots.txt`, `404.html`, `sitemap.xml`).
//! - `serve/`: [`HttpServer`], the site served by the http cell from a snapshot of the last
//!   build, with live reload.
//! - `cache/`: what a build leaves in `.cache/` for the next process (the saved database, its
//!   version, the saved scan) and `dodeca-host cache`; `inspect/`: `graph` and `--explain`.
//! - `cells`: starting, restarting and calling the cell processes; `output/`: the output
//!   directory (checked), writing, records, the watch, `clean`; `scan/`: walking the site,
//!   stamps, symbolic links; `inotify`: the inotify calls and event decoder both watchers use.
//! - [`watch`]: the watcher of the site's sources for `serve`: [`watch::SourceWatcher`]
//!   reports what changed, in batches, each save one batch.
//! - `config/`: the config (`config.toml` or `dodeca.toml`), Zola's keys; [`toml`]: the TOML
//!   parser (with spans) every TOML file goes through; `values`: data files and YAML/JSON;
//!   `slug`: slugs as Zola makes them; `glob`: globset's patterns (`ignored_content`,
//!   `ignored_static`), matched by a small automaton;
//!   `error`: [`SiteError`] (the site's problems) and [`HostError`] (the builder's);
//!   `starter`: `init`.
//!
//! # The query graph
//!
//! ```text
//! config_text, theme(name) ──> config
//! content_list ──> routes ──> section_index ──> section_listing(section) ──┐
//! content(path) ──> page(path) ──────────────────────┴──────────────────────┴─> render(path)
//! templates(name) ──> template_references ──> template_bundle(name) ───────────┤
//! data_files, statics, assets, content ──> loaded(path, format) ──> provided ──┤
//!        loaded ──> data_file(stem) ──> data_value(path) ──> provided(read) ───┤
//!                                            read sets ──> reused(set) ────────┘
//! ```
//!
//! A build asks `render(path)` of every content file; `render` reads `page(path)`, its
//! section's listing when it is a section, the template bundle, and, while the template cell
//! renders, every `provided(read)` the cell asks for or (through `reused(set)`) took from its
//! memo of the revision.
//!
//! # Example
//!
//! ```no_run
//! let site = host::Site::open(std::path::Path::new("examples/site"))?;
//! let report = site.build(4)?;
//! println!("{} pages, {} written", report.pages, report.written);
//! # Ok::<(), host::HostError>(())
//! ```
#![deny(missing_docs)]

mod anchors;
mod assets;
mod backlinks;
mod cache;
mod cells;
mod config;
mod content;
mod data;
mod db;
mod digest;
mod environment;
mod error;
mod exec;
mod feeds;
mod front_matter;
mod glob;
mod images;
mod inotify;
mod inspect;
mod languages;
mod links;
mod listings;
mod load_data;
mod minify;
mod output;
mod page_fields;
mod progress;
mod provide;
mod redirects;
mod render;
mod routes;
mod sass;
mod scan;
mod search;
mod serve;
mod shortcodes;
mod site;
mod site_files;
mod slug;
mod starter;
mod stored;
mod templates;
pub mod toml;
mod translations;
mod tree;
mod values;
pub mod watch;

/// Entry points for the fuzz targets (`fuzz/`) into decoders that are not otherwise public;
/// not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    /// Parses and checks a config file's text as `config.toml`; `Err` is the site error a
    /// build would report.
    pub fn parse_config(text: &str) -> Result<crate::SiteConfig, crate::SiteError> {
        crate::config::parse("config.toml", text)
    }

    /// Reads `text` as `load_data` reads a file in the format `format` picks (csv, json,
    /// yaml, toml, plain, by its value modulo 5); `Err` is the message, with the line and
    /// column a build would report.
    pub fn load_data(text: &str, format: u8) -> Result<(), (String, Option<(u32, u32)>)> {
        crate::load_data::parse_for_fuzzing(text, format)
    }

    /// The body of a search index document made of the page HTML `html` (`search/text.rs`),
    /// cut to `truncate` characters.
    pub fn search_body_text(html: &str, truncate: Option<u64>) -> String {
        crate::search::body_text(html, truncate)
    }

    /// Decodes `dodeca.scan` bytes; `Err` is the reason a build would ignore the file.
    pub fn decode_saved_state(bytes: &[u8]) -> Result<(), String> {
        crate::cache::state::SavedState::decode(bytes).map(|_| ())
    }
}

pub use cache::{CacheAction, CacheReport, cache};
pub use cells::{CellError, Cells};
pub use config::{
    CONFIG_NAMES, ConfigText, LinkCheckerConfig, MarkdownConfig, SearchConfig, SiteConfig,
    SlugStrategy, SlugifyConfig, TaxonomyConfig,
};
pub use content::{Page, route_of};
pub use error::{HostError, SiteError, site_error};
pub use front_matter::{FrontMatter, SectionSettings, SortBy, Terms, parse_front_matter};
pub use output::{CleanReport, Origin, clean};
pub use serve::{DEFAULT_PORT, HttpServer, ServeOptions, serve};
pub use site::{BuildReport, Site, Start};
pub use starter::init;
pub use tree::{Entry, IndexedSection, Section, SectionIndex};
