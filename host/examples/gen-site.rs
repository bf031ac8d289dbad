//! Writes a synthetic site: `cargo run --release -p host --example gen-site -- N DIR
//! [nav|listings]`.
//!
//! N pages over ten sections, with varied markdown (headings, code blocks, tables, nested
//! lists). By default a base template with a partial and a macro, whose pages read only their
//! own context; with `nav`, templates that read the whole site through callbacks: every page's
//! nav calls `get_section(path=..., metadata_only=true)` for each of the ten sections, and the
//! home calls `get_section(path=...)` for each and lists its first five pages; with
//! `listings`, three tags a page (of fifty) and sections and tags paginated by ten.

mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shape = args.get(3).map(String::as_str);
    if !matches!(shape, None | Some("nav" | "listings")) {
        usage();
    }
    let (Some(n), Some(dir)) = (args.get(1).and_then(|n| n.parse::<usize>().ok()), args.get(2))
    else {
        usage()
    };
    let dir = std::path::Path::new(dir);
    let written = match shape {
        Some("nav") => common::write_nav_site(n, dir),
        Some("listings") => common::write_listings_site(n, dir),
        _ => common::write_site(n, dir),
    };
    if let Err(e) = written {
        eprintln!("gen-site: {e}");
        std::process::exit(1);
    }
    println!("wrote a {} site of {n} pages to {}", shape.unwrap_or("plain"), dir.display());
}

fn usage() -> ! {
    eprintln!("usage: gen-site N DIR [nav|listings]");
    std::process::exit(2);
}
