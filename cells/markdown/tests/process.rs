//! The real `cell-markdown` process, started the way the host starts cells.

use std::path::Path;

use cell_proto::{
    AnchorLinkCall, AnchorLinks, FrontMatterFormat, MarkdownOptions, MarkdownReply, PageProblem,
    RenderMarkdown, ShortcodeCall, ShortcodeOutput, markdown, markdown_host,
};
use rpc::{Config, RpcError};

fn request(path: &str, source: &str) -> RenderMarkdown {
    RenderMarkdown {
        path: path.into(),
        source: source.into(),
        permalink: String::new(),
        options: MarkdownOptions::default(),
    }
}

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

    let page = request(
        "blog/post.md",
        "---\ntitle: Post\n---\n# Post\n\n## Part one\n\nText with [a link](@/about.md).\n",
    );
    let rendered = rendered_page(rpc::block_on(client.render(&page)).unwrap());
    assert_eq!(rendered.front_matter.as_deref(), Some("title: Post\n"));
    assert_eq!(rendered.front_matter_format, Some(FrontMatterFormat::Yaml));
    assert_eq!(rendered.body_line, 4);
    let ids: Vec<&str> = rendered.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, vec!["post", "part-one"]);
    assert!(rendered.html.contains("href=\"@/about.md\""));

    // A problem in the page is an answer with its place, not a failed call.
    let broken = request("bad.md", "+++\ntitle = 1\n");
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

    // Many pages at once: every request is sent before any reply is awaited, and the
    // replies are taken as they come.
    let pages: Vec<RenderMarkdown> = (0..200)
        .map(|i| request(&format!("p{i}.md"), &format!("# Page {i}\n\nBody {i}.\n")))
        .collect();
    let calls: Vec<_> = pages.iter().map(|p| Box::pin(client.render(p))).collect();
    let (results, most_in_flight) = join_all(calls);
    assert!(
        most_in_flight > 1,
        "the renders never overlapped ({most_in_flight} in flight at most)"
    );
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(rendered_page(result.unwrap()).headings[0].id, format!("page-{i}"));
    }
    drop(client);
    drop(connection);
    let _ = child.wait();
}

/// Polls all `futures` together on this thread until all are done: their outputs, and the
/// most that were waiting for a reply at once (sent, polled, and not done).
fn join_all<F: std::future::Future + Unpin>(mut futures: Vec<F>) -> (Vec<F::Output>, usize) {
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    let mut most = 0;
    rpc::block_on(std::future::poll_fn(|cx| {
        let mut waiting = 0;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match std::pin::Pin::new(future).poll(cx) {
                    std::task::Poll::Ready(v) => *output = Some(v),
                    std::task::Poll::Pending => waiting += 1,
                }
            }
        }
        most = most.max(waiting);
        if waiting > 0 { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    }));
    (outputs.into_iter().map(|o| o.expect("done")).collect(), most)
}

/// The host's side of the callbacks, for the test: a shortcode `greet` (HTML), `md`
/// (markdown), and an `anchor-link.html`.
struct Host;

impl markdown_host::Service for Host {
    async fn shortcode(&self, call: ShortcodeCall) -> Result<ShortcodeOutput, RpcError> {
        Ok(match call.name.as_str() {
            "greet" => ShortcodeOutput::Html(format!("<b>hello {}</b>", call.nth)),
            "md" => ShortcodeOutput::Markdown("*from markdown*".into()),
            "broken" => return Err(RpcError::remote("templates/shortcodes/broken.html: oops")),
            _ => ShortcodeOutput::Unknown,
        })
    }

    async fn anchor_link(&self, call: AnchorLinkCall) -> Result<String, RpcError> {
        Ok(format!("<a href=\"#{}\">§</a>", call.id))
    }

    async fn summary_cutoff(&self, summary: String) -> Result<String, RpcError> {
        Ok(format!("[{} bytes]", summary.len()))
    }
}

#[test]
fn the_markdown_cell_asks_the_host_for_shortcodes_and_templates_inside_the_render() {
    let program = Path::new(env!("CARGO_BIN_EXE_cell-markdown"));
    let (mut child, connection) = rpc::cell::spawn(program, &[], Config::default(), None).unwrap();
    let client = markdown::Client::new(connection.clone());
    let server = markdown_host::Server(Host);
    let mut page =
        request("a.md", "+++\n+++\n## Title\n\n{{ greet() }}\n\nA {{ md() }} and {{ greet() }}.\n");
    page.options.insert_anchor_links = AnchorLinks::Right;
    page.options.custom_anchor_link = true;
    let reply = rpc::block_on(client.with(&server).render(&page)).unwrap();
    assert_eq!(
        rendered_page(reply).html,
        "<h2 id=\"title\">Title<a href=\"#title\">§</a></h2>\n<b>hello 1</b>\n<p>A <em>from markdown</em> and <b>hello 2</b>.</p>\n"
    );

    // The host's error, and a shortcode it has no template for, are problems in the page.
    let reply = rpc::block_on(client.with(&server).render(&request("a.md", "x\n{{ broken() }}\n")))
        .unwrap();
    assert_eq!(
        reply,
        MarkdownReply::Problem(PageProblem {
            message:
                "rendering shortcode `broken` (line 2): templates/shortcodes/broken.html: oops"
                    .into(),
            line: 2,
            column: None,
        })
    );
    let reply =
        rpc::block_on(client.with(&server).render(&request("a.md", "{{ nope() }}"))).unwrap();
    let MarkdownReply::Problem(problem) = reply else { panic!("{reply:?}") };
    assert!(problem.message.starts_with("unknown shortcode `nope`"), "{problem:?}");

    // A host that serves no templates: the call fails, and the page says why.
    let reply = rpc::block_on(client.render(&request("a.md", "{{ greet() }}"))).unwrap();
    let MarkdownReply::Problem(problem) = reply else { panic!("{reply:?}") };
    assert!(problem.message.starts_with("rendering shortcode `greet` (line 1): "), "{problem:?}");
    drop(client);
    drop(connection);
    let _ = child.wait();
}
