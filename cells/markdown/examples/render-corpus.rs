//! Renders a corpus of 10,000 pages in-process and prints the time per page:
//! `cargo run --release -p cell-markdown --example render-corpus [PAGES] [ROUNDS]`.
//!
//! The pages are those of the host's benchmark site (`host/examples/common`: headings, a code
//! block, a table, nested lists, an external link), so the figure is the markdown share of a
//! build's cost per page. Each round renders every page once; the best round is reported, with
//! a baseline measured in the same run: the same pages through pulldown-cmark's own HTML
//! renderer with no extension, the floor the cell's work is measured against. Then the same
//! pages with `[markdown.highlighting] theme = "github-dark"` (each has one Rust block), after
//! the time the first highlighted page takes (giallo's registry decoded, once a process).

use std::time::{Duration, Instant};

/// The markdown body of page `i` (as `host/examples/common/mod.rs` writes it).
fn body(i: usize) -> String {
    format!(
        "## Part {i}\n\nParagraph with *emphasis*, `code` and a [link](https://example.com/{i}).\n\n\
         ```rust\nfn page_{i}() -> usize {{\n    {i}\n}}\n```\n\n\
         | key | value |\n|-----|-------|\n| page | {i} |\n| square | {} |\n\n\
         - first item\n- second item with **bold**\n  - nested {i}\n\n\
         ### Details\n\n{}\n",
        i * i,
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(1 + i % 5)
    )
}

fn page(i: usize) -> String {
    format!(
        "+++\ntitle = \"page number {i}\"\nweight = {}\ndate = \"2026-01-{:02}\"\n+++\n{}",
        i % 17,
        1 + i % 28,
        body(i)
    )
}

fn best_of(rounds: usize, mut round: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut bytes = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        bytes = round();
        best = best.min(start.elapsed());
    }
    (best, bytes)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let pages: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(5);
    let corpus: Vec<String> = (0..pages).map(page).collect();

    let (baseline, baseline_bytes) = best_of(rounds, || {
        let mut bytes = 0;
        for text in &corpus {
            let body = text.split_once("+++\n").and_then(|(_, rest)| rest.split_once("+++\n"));
            let body = body.map_or(text.as_str(), |(_, body)| body);
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(body));
            bytes += html.len();
        }
        bytes
    });
    let (cell, cell_bytes) = best_of(rounds, || {
        let mut bytes = 0;
        for text in &corpus {
            let rendered = cell_markdown::render_page(text).expect("the corpus renders");
            assert!(!rendered.headings.is_empty());
            bytes += rendered.html.len();
        }
        bytes
    });
    let highlighting = cell_proto::MarkdownOptions {
        highlighting: Some(cell_proto::Highlighting {
            theme: cell_proto::HighlightTheme::Single("github-dark".into()),
            style: cell_proto::HighlightStyle::Inline,
            error_on_missing_language: false,
        }),
        ..Default::default()
    };
    let request = |source: &String| cell_proto::RenderMarkdown {
        path: "page.md".into(),
        source: source.clone(),
        permalink: String::new(),
        options: highlighting.clone(),
    };
    let first = Instant::now();
    cell_markdown::render(&request(&corpus[0]), &cell_markdown::NoTemplates).expect("it renders");
    let first = first.elapsed();
    let (highlighted, highlighted_bytes) = best_of(rounds, || {
        let mut bytes = 0;
        for text in &corpus {
            let rendered = cell_markdown::render(&request(text), &cell_markdown::NoTemplates)
                .expect("the corpus renders");
            bytes += rendered.html.len();
        }
        bytes
    });
    let per_page = |d: Duration| d.as_nanos() as f64 / pages as f64 / 1000.0;
    println!(
        "pulldown-cmark alone: {pages} pages in {:.1} ms, {:.2} µs/page ({baseline_bytes} bytes)",
        baseline.as_secs_f64() * 1000.0,
        per_page(baseline)
    );
    println!(
        "render_page:          {pages} pages in {:.1} ms, {:.2} µs/page ({cell_bytes} bytes), {:.2}x the baseline",
        cell.as_secs_f64() * 1000.0,
        per_page(cell),
        cell.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "highlighting's first page (giallo's registry decoded): {:.1} ms",
        first.as_secs_f64() * 1000.0
    );
    println!(
        "highlighted:          {pages} pages in {:.1} ms, {:.2} µs/page ({highlighted_bytes} bytes), {:.2}x the baseline",
        highlighted.as_secs_f64() * 1000.0,
        per_page(highlighted),
        highlighted.as_secs_f64() / baseline.as_secs_f64()
    );
}
