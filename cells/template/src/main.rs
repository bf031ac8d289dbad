//! The template cell: serves `cell_proto::template::Service` over `rpc`, with templates and
//! data fetched from the host's `provider` service while each render runs.
//!
//! Templates come with the request when the host knows them (the literal references of the
//! page's template, recursively); any other name is asked of the host.
//!
//! The engine is synchronous (its hot path has no boxed futures), so the loader and data
//! provider block the handler's thread on their callback with `rpc::block_on`. That is sound
//! here: each request is served on a link thread of its own (rpc starts another reader when
//! one is busy, so the callback's reply is still read), and the callback is made while the
//! render's handler is being polled, so it carries the render's request id and the host serves
//! it inside its `render` call, where it is recorded as a dependency of the page.

use std::sync::{Arc, OnceLock};

use cell_proto::provider;
use cell_proto::template::{Server, Service};
use cell_proto::{FunctionCall, RenderTemplate, Rendered, TemplateSource};
use cell_template::{DataProvider, Engine, Loader, Value};
use rpc::{RpcError, WeakConnection};

/// The cell: one engine (and its parse cache) for every render.
#[derive(Default)]
struct TemplateCell {
    engine: Engine,
    connection: OnceLock<WeakConnection>,
}

/// The host's `provider` service, as the engine's loader and data provider, with the
/// templates the host sent along with the request.
struct Host {
    client: provider::Client,
    sent: Vec<TemplateSource>,
}

impl Loader for Host {
    fn load(&self, name: &str) -> Result<Option<Arc<str>>, String> {
        if let Some(sent) = self.sent.iter().find(|t| t.name == name) {
            return Ok(sent.source.as_deref().map(Arc::from));
        }
        let source = rpc::block_on(self.client.resolve_template(&name.to_string()))
            .map_err(|e| format!("resolve_template({name:?}): {e}"))?;
        Ok(source.source.map(Arc::from))
    }
}

impl DataProvider for Host {
    fn get_data(&self, path: &str) -> Result<Value, String> {
        let wire = rpc::block_on(self.client.get_data(&path.to_string()))
            .map_err(|e| format!("get_data({path:?}): {e}"))?;
        let value = wire.to_value().map_err(|e| format!("get_data({path:?}): {e}"))?;
        Ok(Value::from(value))
    }

    fn call_function(&self, name: &str, arguments: &[(String, Value)]) -> Result<Value, String> {
        let call = FunctionCall {
            name: name.to_string(),
            arguments: arguments
                .iter()
                .map(|(k, v)| (k.clone(), cell_proto::Value::from(v).to_wire()))
                .collect(),
        };
        let wire = rpc::block_on(self.client.call_function(&call)).map_err(|e| match e {
            // The host's own message ("unknown function `x`") reads best unwrapped.
            RpcError::Remote(message) => message,
            other => format!("{name}(): {other}"),
        })?;
        let value = wire.to_value().map_err(|e| format!("{name}(): {e}"))?;
        Ok(Value::from(value))
    }
}

impl Service for TemplateCell {
    async fn render(&self, request: RenderTemplate) -> Result<Rendered, RpcError> {
        let connection = self
            .connection
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| RpcError::remote("the template cell is not connected"))?;
        let context =
            request.context.to_value().map_err(|e| RpcError::Decode(format!("context: {e}")))?;
        let host = Host { client: provider::Client::new(connection), sent: request.templates };
        let html = self
            .engine
            .render(&request.name, &Value::from(context), &host, &host)
            .map_err(|e| RpcError::remote(e.to_string()))?;
        Ok(Rendered { html })
    }

    async fn references(&self, template: TemplateSource) -> Result<Vec<String>, RpcError> {
        let source = template.source.unwrap_or_default();
        Ok(self.engine.references(&template.name, &source).unwrap_or_default())
    }
}

fn main() {
    let cell = Arc::new(Server(TemplateCell::default()));
    let served = cell.clone();
    if let Err(error) = rpc::cell::serve_with(served, |connection| {
        let _ = cell.0.connection.set(connection.downgrade());
    }) {
        eprintln!("cell-template: {error}");
        std::process::exit(1);
    }
}
