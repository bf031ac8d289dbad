//! The real `cell-markdown` process, started the way the host starts cells.

use std::path::Path;

use cell_proto::{FrontMatterFormat, MarkdownReply, PageProblem, RenderMarkdown, markdown};
use rpc::Config;

fn rendered_page(reply: MarkdownReply) -> cell_proto::RenderedMarkdown {
    match reply {
        MarkdownReply::Rendered(rendered) => rendered,
        MarkdownReply::Problem(problem) => panic!("expected a rendered page, got {problem:?}"),
    }
}

#[test]
fn the_markdown_cell_renders_pages_and_reports_problems_with_their_line() {
    let program = Path::new(env!("CARGO_BIN_EXE_cell-markdown"));
    let (mut child, connection) = rpc::cell::spawn(program, &[], Config::default(), None).unwrap();
    let client = markdown::Client::new(connection.clone());

    let page = RenderMarkdown {
        path: "blog/post.md".into(),
        source: "---\ntitle: Post\n---\n# Post\n\n## Part one\n\nText with [a link](@/about.md).\n"
            .into(),
    };
    let rendered = rendered_page(rpc::block_on(client.render(&page)).unwrap());
    assert_eq!(rendered.front_matter.as_deref(), Some("title: Post\n"));
    assert_eq!(rendered.front_matter_format, Some(FrontMatterFormat::Yaml));
    assert_eq!(rendered.body_line, 4);
    let ids: Vec<&str> = rendered.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, vec!["post", "part-one"]);
    assert!(rendered.html.contains("href=\"@/about.md\""));

    // A problem in the page is an answer with its place, not a failed call.
    let broken = RenderMarkdown { path: "bad.md".into(), source: "+++\ntitle = 1\n".into() };
    let reply = rpc::block_on(client.render(&broken)).unwrap();
    assert_eq!(
        reply,
        MarkdownReply::Problem(PageProblem {
            message: "front matter opened with `+++` is never closed (add a line with only \
                      `+++` after it)"
                .into(),
            line: 1,
            column: Some(1),
        })
    );

    // Many pages concurrently: the cell serves them in parallel.
    let pages: Vec<RenderMarkdown> = (0..200)
        .map(|i| RenderMarkdown {
            path: format!("p{i}.md"),
            source: format!("# Page {i}\n\nBody {i}.\n"),
        })
        .collect();
    let calls: Vec<_> = pages.iter().map(|p| Box::pin(client.render(p))).collect();
    let results = rpc::block_on(async {
        let mut out = Vec::new();
        for call in calls {
            out.push(call.await);
        }
        out
    });
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(rendered_page(result.unwrap()).headings[0].id, format!("page-{i}"));
    }
    drop(client);
    drop(connection);
    let _ = child.wait();
}
