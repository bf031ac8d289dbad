//! The site database: inputs read from disk, and the queries that build the site from them.
//!
//! Inputs hold text only (content, templates, data files, the config). Every derived query,
//! and every provider callback a cell makes while rendering, is a picante query, so each read
//! is a recorded dependency of the output that made it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cell_proto::{
    MarkdownReply, ProviderRead, RenderMarkdown, RenderTemplate, TemplateSource, Value, ValueHash,
    WireValue, markdown, provider, template,
};
use facet::Facet;
use picante::{
    BoxFuture, DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
    InputIngredient, InternId, InternedIngredient, PicanteResult, QueryKindId, Runtime,
};

use crate::SiteError;
use crate::cells::{CellError, Cells};
use crate::config::{self, SiteConfig};
use crate::content::{self, Page};
use crate::error::{cell_query_error, query_error};
use crate::links;
use crate::provide::{self, Provided, Provider};
use crate::render;
use crate::routes::{self, RouteCheck};
use crate::tree::{self, Section, SectionIndex};

/// A data file's text and syntax (its extension).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct DataFile {
    /// `toml`, `json`, `yaml` or `yml`.
    pub extension: String,
    /// The file's text.
    pub text: String,
}

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
    /// `dodeca.toml`'s text.
    pub(crate) config_text: Arc<InputIngredient<(), String>>,
    /// Every content file, relative to `content/`, sorted.
    /// Every content file, relative to `content/`, sorted (shared: ten thousand paths are not
    /// copied for each reader).
    pub(crate) content_list: Arc<InputIngredient<(), Arc<Vec<String>>>>,
    /// A content file's text, by path.
    pub(crate) content: Arc<InputIngredient<String, String>>,
    /// A template's text, by name (path under `templates/`).
    pub(crate) templates: Arc<InputIngredient<String, String>>,
    /// A data file, by name (file stem under `data/`).
    pub(crate) data_files: Arc<InputIngredient<String, DataFile>>,
    /// A static file's content hash (its bytes are in the CAS), by path under `static/`.
    pub(crate) statics: Arc<InputIngredient<String, cas::ContentHash>>,
    /// Whether the output directory's file system ignores letter case (so that `a.md` and
    /// `A.md` would be one output file); set by the build when it changes.
    pub(crate) case_insensitive_output: Arc<InputIngredient<(), bool>>,
    pub(crate) config: Arc<DerivedIngredient<Database, (), SiteConfig>>,
    pub(crate) page: Arc<DerivedIngredient<Database, String, Arc<Page>>>,
    pub(crate) page_exists: Arc<DerivedIngredient<Database, String, bool>>,
    /// The content files whose routes are refused (bad segments, or claimed twice).
    pub(crate) routes: Arc<DerivedIngredient<Database, (), Arc<RouteCheck>>>,
    pub(crate) section_index: Arc<DerivedIngredient<Database, (), Arc<SectionIndex>>>,
    pub(crate) section_listing: Arc<DerivedIngredient<Database, String, Option<Arc<Section>>>>,
    pub(crate) render: Arc<DerivedIngredient<Database, String, Option<Arc<PageOutput>>>>,
    pub(crate) template_references: Arc<DerivedIngredient<Database, String, Arc<Vec<String>>>>,
    pub(crate) template_bundle: Arc<DerivedIngredient<Database, String, Arc<Vec<TemplateSource>>>>,
    pub(crate) data_file: Arc<DerivedIngredient<Database, String, WireValue>>,
    pub(crate) data_value: Arc<DerivedIngredient<Database, String, WireValue>>,
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
    pub(crate) cells: Cells,
    /// Renders run (template cell calls made), for reports and tests.
    pub(crate) renders: AtomicU64,
    /// The content paths rendered since the build report last took them.
    pub(crate) rendered: parking_lot::Mutex<Vec<String>>,
    /// What went to and came back from the template cell, for reports and the benchmark.
    pub(crate) traffic: Traffic,
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

type Query<'db, T> = BoxFuture<'db, PicanteResult<T>>;

impl Database {
    pub(crate) fn new(cells: Cells) -> Database {
        let config_text = Arc::new(InputIngredient::new(QueryKindId(1), "config_text"));
        let content_list = Arc::new(InputIngredient::new(QueryKindId(2), "content_list"));
        let content = Arc::new(InputIngredient::new(QueryKindId(3), "content"));
        let templates = Arc::new(InputIngredient::new(QueryKindId(4), "templates"));
        let data_files = Arc::new(InputIngredient::new(QueryKindId(5), "data_files"));
        let statics = Arc::new(InputIngredient::new(QueryKindId(6), "statics"));
        let case_insensitive_output =
            Arc::new(InputIngredient::new(QueryKindId(7), "case_insensitive_output"));
        let routes = Arc::new(DerivedIngredient::new(QueryKindId(20), "routes", routes_query));
        let reads = Arc::new(InternedIngredient::new(QueryKindId(22), "reads"));
        let read_sets = Arc::new(InternedIngredient::new(QueryKindId(23), "read_sets"));
        let reused = Arc::new(DerivedIngredient::new(QueryKindId(24), "reused", reused_query));
        let provided =
            Arc::new(DerivedIngredient::new(QueryKindId(21), "provided", provided_query));
        let config = Arc::new(DerivedIngredient::new(QueryKindId(10), "config", config_query));
        let page = Arc::new(DerivedIngredient::new(QueryKindId(11), "page", page_query));
        let page_exists =
            Arc::new(DerivedIngredient::new(QueryKindId(12), "page_exists", page_exists_query));
        let section_index =
            Arc::new(DerivedIngredient::new(QueryKindId(13), "section_index", section_index_query));
        let section_listing = Arc::new(DerivedIngredient::new(
            QueryKindId(17),
            "section_listing",
            section_listing_query,
        ));
        let render = Arc::new(DerivedIngredient::new(QueryKindId(14), "render", render_query));
        let data_file =
            Arc::new(DerivedIngredient::new(QueryKindId(15), "data_file", data_file_query));
        let data_value =
            Arc::new(DerivedIngredient::new(QueryKindId(16), "data_value", data_value_query));
        let template_references = Arc::new(DerivedIngredient::new(
            QueryKindId(18),
            "template_references",
            template_references_query,
        ));
        let template_bundle = Arc::new(DerivedIngredient::new(
            QueryKindId(19),
            "template_bundle",
            template_bundle_query,
        ));
        let mut registry = IngredientRegistry::new();
        registry.register(config_text.clone());
        registry.register(content_list.clone());
        registry.register(content.clone());
        registry.register(templates.clone());
        registry.register(data_files.clone());
        registry.register(statics.clone());
        registry.register(case_insensitive_output.clone());
        registry.register(routes.clone());
        registry.register(reads.clone());
        registry.register(read_sets.clone());
        registry.register(reused.clone());
        registry.register(provided.clone());
        registry.register(config.clone());
        registry.register(page.clone());
        registry.register(page_exists.clone());
        registry.register(section_index.clone());
        registry.register(section_listing.clone());
        registry.register(render.clone());
        registry.register(data_file.clone());
        registry.register(data_value.clone());
        registry.register(template_references.clone());
        registry.register(template_bundle.clone());
        Database {
            runtime: Runtime::new(),
            registry,
            config_text,
            content_list,
            content,
            templates,
            data_files,
            statics,
            case_insensitive_output,
            routes,
            config,
            page,
            page_exists,
            section_index,
            section_listing,
            render,
            data_file,
            data_value,
            reads,
            read_sets,
            reused,
            provided,
            template_references,
            template_bundle,
            cells,
            renders: AtomicU64::new(0),
            rendered: parking_lot::Mutex::new(Vec::new()),
            traffic: Traffic::default(),
        }
    }
}

fn config_query(db: &Database, _: ()) -> Query<'_, SiteConfig> {
    Box::pin(async move {
        let text = db.config_text.get(db, &())?.unwrap_or_default();
        config::parse(&text).map_err(query_error)
    })
}

fn page_exists_query(db: &Database, path: String) -> Query<'_, bool> {
    Box::pin(async move {
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        Ok(list.binary_search(&path).is_ok())
    })
}

fn page_query(db: &Database, path: String) -> Query<'_, Arc<Page>> {
    Box::pin(async move {
        let file = format!("content/{path}");
        let source = db
            .content
            .get(db, &path)?
            .ok_or_else(|| query_error(SiteError::in_file(&file, "no such content file")))?;
        let request = RenderMarkdown { path: path.clone(), source: source.clone() };
        let reply = db
            .cells
            .call(&db.cells.markdown, |connection| {
                let request = request.clone();
                async move { markdown::Client::new(connection).render(&request).await }
            })
            .await
            .map_err(cell_query_error)?;
        let rendered = match reply {
            MarkdownReply::Rendered(rendered) => rendered,
            MarkdownReply::Problem(problem) => {
                let error = SiteError::in_file(&file, problem.message);
                return Err(query_error(error.at(&source, problem.line, problem.column)));
            }
        };
        let meta = match (&rendered.front_matter, rendered.front_matter_format) {
            (Some(text), Some(format)) => {
                content::parse_front_matter(text, format, &path, &source, 2).map_err(query_error)?
            }
            _ => {
                return Err(query_error(SiteError::in_file(
                    &file,
                    "a page needs front matter with at least a `title` (+++ title = \"...\" +++)",
                )));
            }
        };
        let html = links::resolve(db, &file, &source, &rendered.html).await?;
        // Shared: the build and the renders read it without copying its HTML.
        Ok(Arc::new(Page {
            route: content::route_of(&path),
            is_section: content::is_section(&path),
            path,
            meta,
            html,
            headings: rendered.headings,
        }))
    })
}

fn reused_query(db: &Database, set: InternId) -> Query<'_, Arc<Vec<ValueHash>>> {
    Box::pin(provide::reused(db, set))
}

fn provided_query(db: &Database, read: InternId) -> Query<'_, Arc<Provided>> {
    Box::pin(provide::provided(db, read))
}

fn routes_query(db: &Database, _: ()) -> Query<'_, Arc<RouteCheck>> {
    Box::pin(async move {
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        let case_insensitive = db.case_insensitive_output.get(db, &())?.unwrap_or(false);
        Ok(Arc::new(routes::check(&list, case_insensitive)))
    })
}

/// Shared (`Arc`): every listing reads it, and a copy would copy every path of the site.
fn section_index_query(db: &Database, _: ()) -> Query<'_, Arc<SectionIndex>> {
    Box::pin(async move {
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        let routes = db.routes.get(db, ()).await?;
        if routes.refused.is_empty() {
            return Ok(Arc::new(tree::index(&list)));
        }
        // Files that are not built are listed nowhere.
        let built: Vec<String> = list.iter().filter(|p| !routes.refuses(p)).cloned().collect();
        Ok(Arc::new(tree::index(&built)))
    })
}

fn section_listing_query(db: &Database, path: String) -> Query<'_, Option<Arc<Section>>> {
    Box::pin(async move { Ok(tree::listing(db, &path).await?.map(Arc::new)) })
}

/// The output file of a page at `route`: `<route>index.html`, relative to the output
/// directory.
pub(crate) fn page_output(route: &str) -> String {
    format!("{}index.html", route.trim_start_matches('/'))
}

/// A page's output: the file it goes to under the output directory, and its HTML.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct PageOutput {
    pub(crate) rel: String,
    pub(crate) html: String,
}

/// The page at `path` rendered, or `None` for a draft (not rendered, not written). One query
/// per page is all a build asks for: its dependency on `page` is recorded here, so checking
/// an unchanged page touches one memo, not two.
fn render_query(db: &Database, path: String) -> Query<'_, Option<Arc<PageOutput>>> {
    Box::pin(async move {
        let page = db.page.get_ref(db, path.as_str()).await?;
        if page.meta.draft {
            return Ok(None);
        }
        db.renders.fetch_add(1, Ordering::Relaxed);
        db.rendered.lock().push(path.clone());
        let config = db.config.get(db, ()).await?;
        let (name, context) = render::context(db, &page, &config).await?;
        // The template and everything it names by a literal go with the request: read here,
        // they are this render's dependencies, and the cell needs no callback for them.
        let templates = db.template_bundle.get_ref(db, name.as_str()).await?;
        let sent = context.as_bytes().len()
            + templates
                .iter()
                .map(|t| t.name.len() + t.source.as_ref().map_or(0, String::len))
                .sum::<usize>();
        db.traffic.bytes_sent.fetch_add(sent as u64, Ordering::Relaxed);
        let request = RenderTemplate {
            name: name.clone(),
            context,
            templates: templates.as_ref().clone(),
            revision: db.runtime().current_revision().0,
        };
        let server = provider::Server(Provider { db });
        let rendered = db
            .cells
            .call(&db.cells.template, |connection| {
                let (request, server) = (&request, &server);
                async move { template::Client::new(connection).with(server).render(request).await }
            })
            .await
            .map_err(|error| render::template_error(&page, &name, error))?;
        // Reads the cell answered from its memo: read here too, so they are this render's
        // dependencies exactly as if it had asked.
        let replayed = provide::replay(db, rendered.reused).await?;
        db.traffic.cached_reads.fetch_add(replayed, Ordering::Relaxed);
        // Shared: a reused memo hands out the same allocation, which is how the build knows
        // that an output is unchanged without hashing it.
        let rel = page_output(&page.route);
        Ok(Some(Arc::new(PageOutput { rel, html: rendered.html })))
    })
}

/// The templates `name` refers to by a literal, as the template cell reads them (none if
/// there is no such template or it does not parse: its render reports that).
fn template_references_query(db: &Database, name: String) -> Query<'_, Arc<Vec<String>>> {
    Box::pin(async move {
        let Some(source) = db.templates.get(db, &name)? else { return Ok(Arc::new(Vec::new())) };
        let template = TemplateSource { name, source: Some(source) };
        let names = db
            .cells
            .call(&db.cells.template, |connection| {
                let template = &template;
                async move { template::Client::new(connection).references(template).await }
            })
            .await
            .map_err(|error| match error {
                // The cell's own account of the template (it does not parse): the site's.
                CellError::Call { error: rpc::RpcError::Remote(message), .. } => {
                    query_error(SiteError::in_file(format!("templates/{}", template.name), message))
                }
                other => cell_query_error(other),
            })?;
        Ok(Arc::new(names))
    })
}

/// Template `name` and every template it reaches through literal references, each with its
/// source (`None` for a name that does not exist), in the order first reached. Reading them
/// here makes each one a dependency of the renders that use the bundle.
fn template_bundle_query(db: &Database, name: String) -> Query<'_, Arc<Vec<TemplateSource>>> {
    Box::pin(async move {
        let mut bundle: Vec<TemplateSource> = Vec::new();
        let mut to_visit = vec![name];
        while let Some(name) = to_visit.pop() {
            if bundle.iter().any(|t| t.name == name) {
                continue;
            }
            let source = db.templates.get(db, &name)?;
            if source.is_some() {
                let names = db.template_references.get_ref(db, name.as_str()).await?;
                to_visit.extend(names.iter().rev().cloned());
            }
            bundle.push(TemplateSource { name, source });
        }
        Ok(Arc::new(bundle))
    })
}

fn data_file_query(db: &Database, name: String) -> Query<'_, WireValue> {
    Box::pin(async move {
        let Some(file) = db.data_files.get(db, &name)? else { return Ok(Value::Null.to_wire()) };
        let path = format!("data/{name}.{}", file.extension);
        let syntax = crate::values::Syntax::from_extension(&file.extension)
            .ok_or_else(|| query_error(SiteError::in_file(&path, "unknown data file syntax")))?;
        let value = crate::values::parse(&file.text, syntax).map_err(|(message, position)| {
            let error = SiteError::in_file(&path, message);
            query_error(match position {
                Some((line, column)) => error.at(&file.text, line, Some(column)),
                None => error,
            })
        })?;
        Ok(value.to_wire())
    })
}

fn data_value_query(db: &Database, path: String) -> Query<'_, WireValue> {
    Box::pin(async move {
        let mut segments = path.split('.');
        let file = segments.next().unwrap_or_default().to_string();
        let whole = db.data_file.get(db, file).await?;
        let mut value = whole.to_value().map_err(|e| query_error(SiteError::in_file("data", e)))?;
        for segment in segments {
            value = match value {
                Value::Map(entries) => {
                    entries.into_iter().find(|(k, _)| k == segment).map_or(Value::Null, |(_, v)| v)
                }
                Value::List(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.into_iter().nth(i))
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            };
        }
        Ok(value.to_wire())
    })
}
