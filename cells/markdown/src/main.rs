//! `cell-markdown`: serves [`cell_proto::markdown::Service`] to the host that started it.

use std::sync::Arc;

use cell_proto::{RenderMarkdown, RenderedMarkdown, markdown};
use rpc::RpcError;

struct Markdown;

impl markdown::Service for Markdown {
    async fn render(&self, request: RenderMarkdown) -> Result<RenderedMarkdown, RpcError> {
        cell_markdown::render_page(&request.source)
            .map_err(|error| RpcError::remote(format!("{}: {error}", request.path)))
    }
}

fn main() {
    match rpc::cell::serve(Arc::new(markdown::Server(Markdown))) {
        Ok(_) => {}
        Err(error) => {
            eprintln!("cell-markdown: {error}");
            std::process::exit(1);
        }
    }
}
