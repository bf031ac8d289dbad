//! The minify cell's engine: an HTML page minified as Zola 0.22 minifies it when a site's
//! config has `minify_html = true`.
//!
//! Zola runs every HTML file it writes (pages, sections, pagers, taxonomy pages, `404.html`,
//! alias and `redirect_to` pages) through `minify-html` 0.18.1 with three options set
//! (`components/site/src/minify.rs`): the `<html>` and `<head>` opening tags are kept, CSS
//! (in `<style>` elements and `style` attributes) is minified by lightningcss, and
//! JavaScript is left as written. [`minify`] does exactly that, with the same crate at the
//! same version, so a page's bytes are Zola's. The binary (`src/main.rs`) serves it as
//! [`cell_proto::minify::Service`].
//!
//! The HTML is untrusted (a page's markdown may hold any raw HTML): `minify-html` is run
//! under `catch_unwind`, so a panic in it is a [`MinifyError`] naming what happened, not a
//! crash of the cell; it parses recursively, once per nesting level of the page's elements
//! (and lightningcss once per level of CSS blocks), so the binary runs it on a thread with
//! the stack [`stack_needed`] gives for the page, which it cannot overflow.
//!
//! # Example
//!
//! ```
//! let page = "<!doctype html>\n<html>\n  <head>\n    <style>\n      p { color: #ff0000; }\n    \
//!             </style>\n  </head>\n  <body>\n    <p>Hello,   world!</p>\n    \
//!             <script>let  x = 1;</script>\n  </body>\n</html>\n";
//! let minified = cell_minify::minify(page)?;
//! // The opening `<html>` and `<head>` stay, CSS is minified, the script is as written, the
//! // whitespace between elements is gone and closing tags are left out where HTML allows.
//! assert_eq!(
//!     minified,
//!     "<!doctype html><html><head><style>p{color:red}</style><body><p>Hello, world!</p>\
//!      <script>let  x = 1;</script>"
//! );
//! # Ok::<(), cell_minify::MinifyError>(())
//! ```
#![deny(missing_docs)]

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The stack [`stack_needed`] starts from: what `minify-html` and lightningcss take for a
/// page that nests nothing, with room to spare (measured: 1 MB in a release build, 3 MB in a
/// debug one).
const BASE_STACK: usize = 8 << 20;

/// Stack bytes per nesting level of HTML elements, twice what was measured (`minify-html`
/// parses, minifies and drops a page's tree recursively: 0.93 kB a level in a release build,
/// 3.9 kB in a debug one, with `<div>`s nested 1,000 and 3,000 deep; `examples/stack-probe.rs`
/// measures it).
const STACK_PER_ELEMENT: usize = if cfg!(debug_assertions) { 8 << 10 } else { 2 << 10 };

/// Stack bytes per nesting level of CSS, twice what was measured (lightningcss recurses into
/// nested rules, 2.6 kB a level in a release build and 13.4 kB in a debug one, and into
/// selectors such as `:is(`, 4.2 kB and 16.8 kB; nested `calc(` and `[` take none).
const STACK_PER_BLOCK: usize = if cfg!(debug_assertions) { 32 << 10 } else { 8 << 10 };

/// The stack [`minify`] may need for `html`, at most: each level of elements needs a `<`,
/// each level of CSS a `{` or a `(`, so counting them bounds how deep the recursion of
/// `minify-html` and lightningcss can go (a flat page is counted as if it nested, which only
/// reserves address space it never touches). A thread with this stack cannot overflow on the
/// page; the binary runs pages on threads with at least this much.
///
/// # Examples
///
/// ```
/// let flat = cell_minify::stack_needed("<p>a</p>");
/// let deep = cell_minify::stack_needed(&"<div>".repeat(100_000));
/// assert!(flat < deep && flat <= 16 << 20);
/// ```
pub fn stack_needed(html: &str) -> usize {
    let (mut elements, mut blocks) = (0usize, 0usize);
    for byte in html.bytes() {
        match byte {
            b'<' => elements += 1,
            b'{' | b'(' => blocks += 1,
            _ => {}
        }
    }
    BASE_STACK
        .saturating_add(elements.saturating_mul(STACK_PER_ELEMENT))
        .saturating_add(blocks.saturating_mul(STACK_PER_BLOCK))
}

/// Why a page could not be minified.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MinifyError {
    /// `minify-html` gave bytes that are not UTF-8 (Zola's error: "Failed to convert bytes
    /// to string"); `valid_up_to` is where the first bad byte is in its output.
    NotUtf8 {
        /// How many bytes of the output are valid UTF-8.
        valid_up_to: usize,
    },
    /// `minify-html` panicked on the page (a bug of the library on this input; Zola would
    /// stop). The panic's message, when it has one.
    Panicked(String),
}

impl fmt::Display for MinifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MinifyError::NotUtf8 { valid_up_to } => write!(
                f,
                "the minified HTML is not UTF-8 (from byte {valid_up_to} of minify-html's \
                 output); set `minify_html = false` to write the page as rendered"
            ),
            MinifyError::Panicked(message) => write!(
                f,
                "minify-html failed on the page ({message}); set `minify_html = false` to \
                 write the page as rendered"
            ),
        }
    }
}

impl std::error::Error for MinifyError {}

/// Zola's options (`components/site/src/minify.rs`, Zola 0.19 to 0.22): everything else is
/// `minify-html`'s default (comments removed, closing tags and quotes left out where HTML
/// allows, nothing "possibly noncompliant").
fn zola_options() -> minify_html::Cfg {
    let mut cfg = minify_html::Cfg::new();
    cfg.keep_html_and_head_opening_tags = true;
    cfg.minify_css = true;
    cfg.minify_js = false;
    cfg
}

/// The page `html` minified as Zola minifies it.
///
/// Run it on a thread with at least [`stack_needed`] stack: a page nesting elements deeply
/// needs more than a default thread's.
///
/// # Errors
///
/// [`MinifyError::NotUtf8`] when the output is not UTF-8 (Zola's only error here), and
/// [`MinifyError::Panicked`] when `minify-html` panics.
pub fn minify(html: &str) -> Result<String, MinifyError> {
    let options = zola_options();
    // `minify-html` holds no state between calls, so nothing is left half-updated by a panic
    // caught here.
    let minified =
        catch_unwind(AssertUnwindSafe(|| minify_html::minify(html.as_bytes(), &options)))
            .map_err(|payload| MinifyError::Panicked(panic_message(payload.as_ref())))?;
    String::from_utf8(minified)
        .map_err(|error| MinifyError::NotUtf8 { valid_up_to: error.utf8_error().valid_up_to() })
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests;
