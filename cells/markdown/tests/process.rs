//! The real `cell-markdown` process, started the way the host starts cells.

use std::path::Path;

use cell_proto::{FrontMatterFormat, RenderMarkdown, markdown};
use rpc::{Config, RpcError};

#[test]
fn the_markdown_cell_renders_pages_and_reports_errors_with_the_path() {
    let program = Path::new(env!("CARGO_BIN_EXE_cell-markdown"));
    let (mut child, connection) = rpc::cell::spawn(program, &[], Config::default(), None).unwrap();
    let client = markdown::Client::new(connection.clone());

    let page = RenderMarkdown {
        path: "blog/post.md".into(),
        source: "---\ntitle: Post\n---\n# Post\n\n## Part one\n\nText with [a link](@/about.md).\n"
            .into(),
    };
    let rendered = rpc::block_on(client.render(&page)).unwrap();
    assert_eq!(rendered.front_matter.as_deref(), Some("title: Post\n"));
    assert_eq!(rendered.front_matter_format, Some(FrontMatterFormat::Yaml));
    assert_eq!(rendered.body_line, 4);
    let ids: Vec<&str> = rendered.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, vec!["post", "part-one"]);
    assert!(rendered.html.contains("href=\"@/about.md\""));

    let broken = RenderMarkdown { path: "bad.md".into(), source: "+++\ntitle = 1\n".into() };
    let err = rpc::block_on(client.render(&broken)).unwrap_err();
    match err {
        RpcError::Remote(message) => {
            assert!(message.starts_with("bad.md: line 1:"), "{message}");
        }
        other => panic!("expected a remote error, got {other:?}"),
    }

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
        assert_eq!(result.unwrap().headings[0].id, format!("page-{i}"));
    }
    drop(client);
    drop(connection);
    let _ = child.wait();
}
