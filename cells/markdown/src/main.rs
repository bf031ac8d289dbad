//! `cell-markdown`: serves [`cell_proto::markdown::Service`] to the host that started it.

use std::sync::Arc;

use cell_proto::{MarkdownReply, RenderMarkdown, markdown};
use rpc::RpcError;

struct Markdown;

impl markdown::Service for Markdown {
    async fn render(&self, request: RenderMarkdown) -> Result<MarkdownReply, RpcError> {
        // A problem in the page's text is an answer, not a failed call: it goes back as data
        // (message, line, column), and the host places it in the file.
        Ok(match cell_markdown::render_page(&request.source) {
            Ok(rendered) => MarkdownReply::Rendered(rendered),
            Err(error) => MarkdownReply::Problem(error.to_problem()),
        })
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
