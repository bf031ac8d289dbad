//! The template cell: serves `cell_proto::template::Service` over `rpc`, with templates and
//! data fetched from the host's `provider` service while each render runs.
//!
//! `eval` evaluates one expression in a context (the http cell's devtools endpoint, through
//! the host), reading from the host as a render does; the engine's error is its answer.
//!
//! Templates come with the request when the host knows them (the literal references of the
//! page's template, recursively); any other name, data and host functions are reads of the
//! host, answered once per revision and kept in the memo of `reads.rs`.
//!
//! The engine is synchronous (its hot path has no boxed futures), so the loader and data
//! provider block the handler's thread on their callback with `rpc::block_on`. That is sound
//! here: each request is served on a link thread of its own (rpc starts another reader when
//! one is busy, so the callback's reply is still read), and the callback is made while the
//! render's handler is being polled, so it carries the render's request id and the host serves
//! it inside its `render` call, where it is recorded as a dependency of the page.

use std::sync::{Arc, Mutex, OnceLock};

use cell_proto::provider;
use cell_proto::template::{Server, Service};
use cell_proto::{
    DigestRequest, EvalTemplate, Evaluated, ExpressionError, FunctionCall, ProviderRead,
    ReadRequest, RenderTemplate, Rendered, TemplateSource,
};
use cell_template::{DataProvider, Engine, Loader, SharedValues, Value};
use rpc::{RpcError, WeakConnection};

mod reads;

use reads::{Answer, ReadMemo, Source};

/// mimalloc instead of glibc's malloc: every render builds and drops a context of many small
/// values, and glibc's allocator took more of a cold build's CPU than the engine itself
/// (README.md, "Dependencies").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns the memo of reads off (every read asked of the host), for tests that compare.
const NO_READ_MEMO: &str = "--no-read-memo";

/// The cell: one engine (and its parse cache) and one memo of reads for every render.
struct TemplateCell {
    engine: Engine,
    reads: ReadMemo,
    /// The shared values of contexts (a page as listings show it), each decoded once.
    shared: SharedValues,
    connection: OnceLock<WeakConnection>,
}

/// One render's view of the host: the `provider` service through the memo of reads, with
/// the templates the host sent along with the request.
struct Host<'cell> {
    client: provider::Client,
    sent: Vec<TemplateSource>,
    revision: u64,
    memo: &'cell ReadMemo,
    /// Reads answered without this render asking, by the host's id, for the host to replay
    /// (each once).
    reused: Mutex<Vec<u32>>,
}

impl Host<'_> {
    fn read(&self, read: ProviderRead) -> Result<Answer, String> {
        let (answer, source) = self.memo.get(&read, self.revision, |known| {
            let request = ReadRequest { read: read.clone(), known };
            rpc::block_on(self.client.read(&request)).map_err(|e| match e {
                // The host's own message ("get_section: there is no section ...") reads best
                // unwrapped.
                RpcError::Remote(message) => message,
                other => other.to_string(),
            })
        })?;
        if let Source::Reused(id) = source {
            let mut reused = self.reused.lock().unwrap_or_else(|p| p.into_inner());
            if !reused.contains(&id) {
                reused.push(id);
            }
        }
        Ok(answer)
    }
}

impl Loader for Host<'_> {
    fn load(&self, name: &str) -> Result<Option<Arc<str>>, String> {
        if let Some(sent) = self.sent.iter().find(|t| t.name == name) {
            return Ok(sent.source.as_deref().map(Arc::from));
        }
        match self.read(ProviderRead::Template(name.to_string())) {
            Ok(Answer::Template(source)) => Ok(source),
            Ok(Answer::Value(_)) => Err(format!("resolve_template({name:?}): not a template")),
            Err(e) => Err(format!("resolve_template({name:?}): {e}")),
        }
    }
}

impl DataProvider for Host<'_> {
    fn get_data(&self, path: &str) -> Result<Value, String> {
        match self.read(ProviderRead::Data(path.to_string())) {
            Ok(Answer::Value(value)) => Ok(value),
            Ok(Answer::Template(_)) => Err(format!("get_data({path:?}): not a value")),
            Err(e) => Err(format!("get_data({path:?}): {e}")),
        }
    }

    fn call_function(&self, name: &str, arguments: &[(String, Value)]) -> Result<Value, String> {
        let call = FunctionCall {
            name: name.to_string(),
            arguments: arguments.iter().map(|(k, v)| (k.clone(), v.to_wire())).collect(),
        };
        match self.read(ProviderRead::Function(call))? {
            // Zola marks these functions' answers safe (Tera's `is_safe`): a URL is printed
            // as it is, never escaped.
            Answer::Value(Value::String(url)) if matches!(name, "get_url" | "get_taxonomy_url") => {
                Ok(Value::Safe(url))
            }
            Answer::Value(value) => Ok(value),
            Answer::Template(_) => Err(format!("{name}(): not a value")),
        }
    }
}

impl TemplateCell {
    /// A view of the host for one request of `revision`, sent `templates` along.
    fn host(&self, revision: u64, templates: Vec<TemplateSource>) -> Result<Host<'_>, RpcError> {
        let connection = self
            .connection
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| RpcError::remote("the template cell is not connected"))?;
        Ok(Host {
            client: provider::Client::new(connection),
            sent: templates,
            revision,
            memo: &self.reads,
            reused: Mutex::new(Vec::new()),
        })
    }
}

impl Service for TemplateCell {
    async fn render(&self, request: RenderTemplate) -> Result<Rendered, RpcError> {
        let context = Value::from_wire_sharing(&request.context, &self.shared)
            .map_err(|e| RpcError::Decode(format!("context: {e}")))?;
        let host = self.host(request.revision, request.templates)?;
        let html = self
            .engine
            .render(&request.name, &context, &host, &host)
            .map_err(|e| RpcError::remote(e.to_string()))?;
        let reused = host.reused.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(Rendered { html, reused })
    }

    async fn references(&self, template: TemplateSource) -> Result<Vec<String>, RpcError> {
        let source = template.source.unwrap_or_default();
        Ok(self.engine.references(&template.name, &source).unwrap_or_default())
    }

    async fn eval(&self, request: EvalTemplate) -> Result<Evaluated, RpcError> {
        let context = Value::from_wire(&request.context)
            .map_err(|e| RpcError::Decode(format!("context: {e}")))?;
        // No templates are sent: an expression names none (a loader is asked only by
        // statements). The reads it takes from the memo need no replay: an evaluation is no
        // query of the host, it records no dependency.
        let host = self.host(request.revision, Vec::new())?;
        Ok(match self.engine.eval(&request.expression, &context, &host, &host) {
            Ok(value) => Evaluated::Value(value.to_wire()),
            Err(error) => Evaluated::Failed(ExpressionError {
                kind: error.kind().code().to_string(),
                message: error.kind().to_string(),
                line: error.line(),
                column: error.column(),
            }),
        })
    }

    async fn digest(&self, request: DigestRequest) -> Result<String, RpcError> {
        let sha = cell_template::digest::Sha2::of_bits(request.bits).ok_or_else(|| {
            RpcError::remote(format!("no SHA-2 of {} bits (256, 384 or 512)", request.bits))
        })?;
        let connection = self
            .connection
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| RpcError::remote("the template cell is not connected"))?;
        let bytes = connection.open_blob(request.bytes).await?;
        Ok(cell_template::digest::encode(&sha.digest(&bytes), request.base64))
    }
}

fn main() {
    let memo = !std::env::args().any(|arg| arg == NO_READ_MEMO);
    let cell = Arc::new(Server(TemplateCell {
        engine: Engine::default(),
        reads: ReadMemo::new(memo),
        shared: SharedValues::new(),
        connection: OnceLock::new(),
    }));
    let served = cell.clone();
    if let Err(error) = rpc::cell::serve_with(served, |connection| {
        let _ = cell.0.connection.set(connection.downgrade());
    }) {
        eprintln!("cell-template: {error}");
        std::process::exit(1);
    }
    // The host is gone: exit without freeing the kept values one by one (tens of thousands
    // at 10,000 pages, 4% of the cell's instructions in a cold build), which the kernel
    // does at once.
    std::process::exit(0);
}
