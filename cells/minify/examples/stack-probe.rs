//! Measures the stack `cell_minify::minify` takes for a page nesting one construct `DEPTH`
//! levels deep: `stack-probe KIND DEPTH STACK` minifies the page on a thread with `STACK`
//! bytes and prints `ok` (a stack overflow aborts the process instead). Bisect `STACK` at two
//! depths, in a debug and a release build, for the bytes per level that `STACK_PER_ELEMENT`
//! and `STACK_PER_BLOCK` in `src/lib.rs` are twice of:
//!
//! ```text
//! cargo build --release -p cell-minify --example stack-probe
//! target/release/examples/stack-probe div 3000 3000000
//! ```
//!
//! Kinds: `div` (nested elements), `css` (nested CSS rules, below lightningcss's 128-level
//! limit in debug builds), `is` (nested `:is(` selectors), `calc` (nested `calc(`).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, kind, depth, stack] = &args[..] else {
        eprintln!("usage: stack-probe div|css|is|calc DEPTH STACK_BYTES");
        std::process::exit(2);
    };
    let (depth, stack): (usize, usize) = match (depth.parse(), stack.parse()) {
        (Ok(depth), Ok(stack)) => (depth, stack),
        _ => {
            eprintln!("DEPTH and STACK_BYTES are numbers");
            std::process::exit(2);
        }
    };
    let (open, close) = match kind.as_str() {
        "div" => ("<div>", "</div>"),
        "css" => ("a{", "}"),
        "is" => (":is(", ")"),
        "calc" => ("calc(", ")"),
        _ => {
            eprintln!("unknown kind {kind}");
            std::process::exit(2);
        }
    };
    let nested = format!("{}x{}", open.repeat(depth), close.repeat(depth));
    let page = match kind.as_str() {
        "div" => nested,
        "css" => format!("<style>{nested}</style>"),
        "is" => format!("<style>{nested} {{color:red}}</style>"),
        _ => format!("<style>a{{width:{nested}}}</style>"),
    };
    let minified = std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || cell_minify::minify(&page).map(|html| html.len()))
        .map(|thread| thread.join());
    match minified {
        Ok(Ok(Ok(_))) => println!("ok"),
        Ok(Ok(Err(error))) => println!("ok (an error: {error})"),
        Ok(Err(_)) => println!("the minify thread panicked"),
        Err(error) => println!("cannot start a thread with that stack: {error}"),
    }
}
