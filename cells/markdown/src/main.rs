//! `cell-markdown`: serves [`cell_proto::markdown::Service`] to the host that started it.
//!
//! The engine is synchronous; the templates a page uses (its shortcodes, a site's own
//! `anchor-link.html` or `summary-cutoff.html`) are asked of the host through
//! [`cell_proto::markdown_host`], blocking the handler's thread with `rpc::block_on`. That is
//! sound for the reason the template cell's reads are: each request is served on a link
//! thread of its own, and the callback is made while the render's handler is being polled, so
//! the host serves it inside its `render` call, where it is recorded as a dependency of the
//! page. A page that uses no template makes no callback.

use std::sync::{Arc, OnceLock};

use cell_markdown::Templates;
use cell_proto::{
    AnchorLinkCall, MarkdownReply, RenderMarkdown, ShortcodeCall, ShortcodeOutput, markdown,
    markdown_host,
};
use rpc::{RpcError, WeakConnection};

struct Markdown {
    connection: OnceLock<WeakConnection>,
}

/// One render's view of the host's templates.
struct Host {
    client: markdown_host::Client,
}

/// The host's own message ("template `x` failed: ...") reads best unwrapped.
fn message(error: RpcError) -> String {
    match error {
        RpcError::Remote(message) => message,
        other => other.to_string(),
    }
}

impl Templates for Host {
    fn shortcode(&self, call: &ShortcodeCall) -> Result<ShortcodeOutput, String> {
        rpc::block_on(self.client.shortcode(call)).map_err(message)
    }

    fn anchor_link(&self, call: &AnchorLinkCall) -> Result<String, String> {
        rpc::block_on(self.client.anchor_link(call)).map_err(message)
    }

    fn summary_cutoff(&self, summary: &str) -> Result<String, String> {
        rpc::block_on(self.client.summary_cutoff(&summary.to_string())).map_err(message)
    }
}

impl markdown::Service for Markdown {
    async fn render(&self, request: RenderMarkdown) -> Result<MarkdownReply, RpcError> {
        let connection = self
            .connection
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| RpcError::remote("the markdown cell is not connected"))?;
        let host = Host { client: markdown_host::Client::new(connection) };
        // A problem in the page's text is an answer, not a failed call: it goes back as data
        // (message, line, column), and the host places it in the file.
        Ok(match cell_markdown::render(&request, &host) {
            Ok(rendered) => MarkdownReply::Rendered(rendered),
            Err(error) => MarkdownReply::Problem(error.to_problem()),
        })
    }

    async fn theme_css(&self, theme: String) -> Result<String, RpcError> {
        cell_markdown::theme_css(&theme).map_err(RpcError::remote)
    }
}

fn main() {
    let cell = Arc::new(markdown::Server(Markdown { connection: OnceLock::new() }));
    let served = cell.clone();
    if let Err(error) = rpc::cell::serve_with(served, |connection| {
        let _ = cell.0.connection.set(connection.downgrade());
    }) {
        eprintln!("cell-markdown: {error}");
        std::process::exit(1);
    }
}
