//! Writes a synthetic site: `cargo run --release -p host --example gen-site -- N DIR [nav]`.
//!
//! N pages over ten sections, with varied markdown (headings, code blocks, tables, nested
//! lists). By default a base template with a partial and a macro, whose pages read only their
//! own context; with `nav`, templates that read the whole site through callbacks: every page's
//! nav calls `get_section(path=..., metadata_only=true)` for each of the ten sections, and the
//! home calls `get_section(path=...)` for each and lists its first five pages.

mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let nav = match args.get(3).map(String::as_str) {
        None => false,
        Some("nav") => true,
        Some(_) => usage(),
    };
    let (Some(n), Some(dir)) = (args.get(1).and_then(|n| n.parse::<usize>().ok()), args.get(2))
    else {
        usage()
    };
    let dir = std::path::Path::new(dir);
    let written = if nav { common::write_nav_site(n, dir) } else { common::write_site(n, dir) };
    if let Err(e) = written {
        eprintln!("gen-site: {e}");
        std::process::exit(1);
    }
    let shape = if nav { "nav site" } else { "site" };
    println!("wrote a {shape} of {n} pages to {}", dir.display());
}

fn usage() -> ! {
    eprintln!("usage: gen-site N DIR [nav]");
    std::process::exit(2);
}
