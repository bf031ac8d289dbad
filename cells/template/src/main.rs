//! The template cell: serves `cell_proto::template::Service` over `rpc`, with templates and
//! data fetched from the host's `provider` service while each render runs.
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
    FunctionCall, ProviderRead, ReadRequest, RenderTemplate, Rendered, TemplateSource,
};
use cell_template::{DataProvider, Engine, Loader, Value};
use rpc::{RpcError, WeakConnection};

mod reads;

use reads::{Answer, ReadMemo, Source};

/// Turns the memo of reads off (every read asked of the host), for tests that compare.
const NO_READ_MEMO: &str = "--no-read-memo";

/// The cell: one engine (and its parse cache) and one memo of reads for every render.
struct TemplateCell {
    engine: Engine,
    reads: ReadMemo,
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
            Answer::Value(value) => Ok(value),
            Answer::Template(_) => Err(format!("{name}(): not a value")),
        }
    }
}

impl Service for TemplateCell {
    async fn render(&self, request: RenderTemplate) -> Result<Rendered, RpcError> {
        let connection = self
            .connection
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| RpcError::remote("the template cell is not connected"))?;
        let context = Value::from_wire(&request.context)
            .map_err(|e| RpcError::Decode(format!("context: {e}")))?;
        let host = Host {
            client: provider::Client::new(connection),
            sent: request.templates,
            revision: request.revision,
            memo: &self.reads,
            reused: Mutex::new(Vec::new()),
        };
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
}

fn main() {
    let memo = !std::env::args().any(|arg| arg == NO_READ_MEMO);
    let cell = Arc::new(Server(TemplateCell {
        engine: Engine::default(),
        reads: ReadMemo::new(memo),
        connection: OnceLock::new(),
    }));
    let served = cell.clone();
    if let Err(error) = rpc::cell::serve_with(served, |connection| {
        let _ = cell.0.connection.set(connection.downgrade());
    }) {
        eprintln!("cell-template: {error}");
        std::process::exit(1);
    }
}
