//! The services between the dodeca host and its cells, declared once.
//!
//! Each cell serves one service (`template::Service`, `markdown::Service`, ...) and the host
//! serves [`provider`], the callbacks a cell makes while it works. Every provider method is a
//! query of the host's incremental runtime, and it is served inside the host's call to the cell
//! (see `rpc`), so each callback is recorded as a dependency of the query that called the cell.
//! The markdown cell calls back [`markdown_host`] the same way, for the templates a page's
//! markdown uses (its shortcodes; see `markdown_service.rs`), and the sass cell calls back
//! [`sass_host`] for the files a stylesheet imports (see `sass_service.rs`). The image cell
//! serves [`image`] (`image_service.rs`), the search cell [`search`] (`search_service.rs`),
//! the data cell [`data`] (`data_service.rs`) and the minify cell [`minify`]
//! (`minify_service.rs`); none makes a callback. The http cell is the exception: it serves [`http`] and makes requests of its own, not nested in a host call, to
//! [`content`] (see `http_service.rs`).
//!
//! All argument and result types are plain data implementing `facet::Facet`, encoded with
//! postcard on the wire; the per-page messages are written and read by hand (the same
//! postcard, without reflection's cost: see `codec.rs`).
//!
//! # Example
//!
//! ```
//! use cell_proto::Value;
//! let page = Value::map([("title", Value::from("Hello")), ("weight", Value::Int(3))]);
//! assert_eq!(page.get("title"), Some(&Value::from("Hello")));
//! let bytes = rpc::encode(&page.to_wire())?;
//! assert_eq!(cell_proto::decode_value(&bytes)?, page);
//! # Ok::<(), rpc::RpcError>(())
//! ```
#![deny(missing_docs)]

mod codec;
mod data_service;
mod eval;
mod front_matter;
mod image_service;
mod markdown_service;
mod minify_service;
mod sass_service;
mod search_service;
mod value;
mod wire;

pub use data_service::{DataFormat, DataProblem, DataReply, ReadData, data};
pub use eval::{EvalReply, EvalRequest, EvalTemplate, Evaluated, ExpressionError};
pub use front_matter::{Split, UnclosedFrontMatter, split_front_matter};
pub use image_service::{
    Crop, EncodedImage, ImageBytes, ImageFormat, ImageMetadata, OutputFormat, ResizeRequest, image,
};
pub use markdown_service::{
    AnchorLinkCall, AnchorLinks, BUILTIN_THEMES, FrontMatterFormat, HIGHLIGHT_CSS_FILES, Heading,
    HighlightStyle, HighlightTheme, Highlighting, MarkdownOptions, MarkdownReply, PageProblem,
    RenderMarkdown, RenderedMarkdown, ShortcodeCall, ShortcodeOutput, Slugify, markdown,
    markdown_host, write_toc,
};
pub use minify_service::{MinifiedHtml, MinifyHtml, minify};
pub use sass_service::{
    CompileSass, CompiledCss, SassFile, SassProblem, SassReply, sass, sass_host,
};
pub use search_service::{
    ElasticlunrReply, ElasticlunrRequest, FieldTokenizer, IndexDocument, IndexField, search,
};
pub use value::Value;
pub use wire::{MAX_VALUE_DEPTH, ValueBuilder, WireValue, WireWriter, decode_value};

use facet::Facet;

/// A template to render, by name, with its context.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct RenderTemplate {
    /// The template's name (a path under `templates/`).
    pub name: String,
    /// The variables the template sees at top level.
    pub context: WireValue,
    /// Templates the host sends along (the template's literal references, and theirs): the
    /// cell takes these instead of reading [`ProviderRead::Template`], which it still does
    /// for any other name. The host has already recorded them as the render's dependencies.
    pub templates: Vec<TemplateSource>,
    /// The host's revision this render belongs to. Within one revision every
    /// [`ProviderRead`] has one answer, so the cell may answer a read it made before in the
    /// same revision from its memo, and list it in [`Rendered::reused`].
    pub revision: u64,
}

/// A rendered template.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The output.
    pub html: String,
    /// The reads this render used without asking the host (answered from the cell's memo of
    /// the revision, or by another render's read in flight), by the id the host gave each in
    /// its [`ReadAnswer`]: the host replays each inside the render, so its dependencies are
    /// exactly those of asking.
    pub reused: Vec<u32>,
}

/// One read a cell makes of the host while it works. Within a revision its answer never
/// changes; it is the read's identity in the cell's memo.
#[derive(Facet, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ProviderRead {
    /// A template's source, by name (a [`TemplateSource`] as a string, or null).
    Template(String),
    /// One value of the site's data, by dotted path (`authors.alice.name`); null if absent.
    Data(String),
    /// A host function called from a template (`get_section(path=...)`).
    Function(FunctionCall),
}

/// A [`ProviderRead`], with the hash of the answer the cell holds from an earlier revision.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ReadRequest {
    /// What to read.
    pub read: ProviderRead,
    /// The hash of the answer the cell already has for this read, if any: when the answer
    /// is still that, the host sends only the hash back.
    pub known: Option<ValueHash>,
}

/// The host's answer to a [`ReadRequest`].
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ReadAnswer {
    /// The host's id for the read (the same for the host's lifetime), by which a render lists
    /// it in [`Rendered::reused`].
    pub id: u32,
    /// The answer's hash (blake3 of its encoded bytes), its identity across revisions.
    pub hash: ValueHash,
    /// The answer, or `None` when it is the one the request said the cell holds.
    pub value: Option<WireValue>,
    /// Whether the answer may differ on the next read even within a revision (`now()`):
    /// never kept in a memo.
    pub volatile: bool,
}

/// The hash identifying an answer's bytes.
pub type ValueHash = [u8; 32];

/// A template's source, as the host resolved it.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct TemplateSource {
    /// The name asked for.
    pub name: String,
    /// The source text, or `None` if there is no such template.
    pub source: Option<String>,
}

/// A call of a host function from a template (`get_url(path=...)`, `get_section(...)`, ...).
#[derive(Facet, Clone, Debug, PartialEq, Eq, Hash)]
pub struct FunctionCall {
    /// The function's name.
    pub name: String,
    /// Its keyword arguments.
    pub arguments: Vec<(String, WireValue)>,
}

/// Bytes to hash with SHA-2, for Zola's `get_hash` and `get_url(cachebust=true)`: the host
/// links no hashing library, the template cell computes them (`cell_template::digest`).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct DigestRequest {
    /// The function, by its size in bits: 256, 384 or 512.
    pub bits: u16,
    /// Whether to answer in standard base64 (with padding) rather than lower-case hex.
    pub base64: bool,
    /// The bytes (a static file's, through the shared heap when large).
    pub bytes: rpc::Blob,
}

rpc::facet_payload!(DigestRequest);

rpc::service! {
    /// The template cell: renders templates of the site's Jinja-like language.
    pub mod template: "Template" {
        /// Renders a template; templates it extends, includes or imports are taken from the
        /// request or fetched with `provider::resolve_template`, data with
        /// `provider::get_data`.
        fn render(request: RenderTemplate) -> Rendered;
        /// The names a template refers to by a literal (`extends`, `include`, `import`,
        /// `from ... import`), for the host to send their sources with each render. A
        /// template that does not parse refers to nothing (its render reports the error).
        fn references(template: TemplateSource) -> Vec<String>;
        /// Evaluates an expression in a context (the devtools endpoint, see `eval.rs`);
        /// data and functions are read from the host as in `render`. The engine's error is
        /// an answer, not a failure of the call.
        fn eval(request: EvalTemplate) -> Evaluated;
        /// The SHA-2 digest of the request's bytes, encoded as it asks; an error for a size
        /// other than 256, 384 or 512.
        fn digest(request: DigestRequest) -> String;
    }
}

rpc::service! {
    /// Served by the host: the callbacks cells make. Each one is a tracked query.
    pub mod provider: "Provider" {
        /// One read (a template, a data value, a function): answered by a query of the host,
        /// inside the call that made it, so it is a dependency of that call. Only the data
        /// keys a template reads become dependencies.
        fn read(request: ReadRequest) -> ReadAnswer;
    }
}

mod http_service;
pub use http_service::{
    BuildProblem, ContentAnswer, ContentReply, ContentRequest, FoundContent, HttpConfig,
    NotFoundContent, SiteChange, Started, content, http,
};
