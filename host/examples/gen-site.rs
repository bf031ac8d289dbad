//! Writes a synthetic site: `cargo run --release -p host --example gen-site -- N DIR`.
//!
//! N pages over ten sections, a base template with a partial and a macro, and varied markdown
//! (headings, code blocks, tables, nested lists).

mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(dir)) = (args.get(1).and_then(|n| n.parse::<usize>().ok()), args.get(2))
    else {
        eprintln!("usage: gen-site N DIR");
        std::process::exit(2);
    };
    if let Err(e) = common::write_site(n, std::path::Path::new(dir)) {
        eprintln!("gen-site: {e}");
        std::process::exit(1);
    }
    println!("wrote a site of {n} pages to {dir}");
}
