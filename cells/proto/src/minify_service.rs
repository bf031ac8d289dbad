//! The minify cell's service: Zola's `minify_html`, an HTML page made smaller as Zola makes
//! it before writing it.
//!
//! The host renders a page, then (when the site's config has `minify_html = true`) sends its
//! HTML here as a [`rpc::Blob`] (through the shared heap when large) and writes what comes
//! back. The cell reads nothing else and makes no callback: a page's minified bytes are a
//! pure function of its HTML, so the host keeps them in the page's render memo and an
//! unchanged page is never sent again.

use facet::Facet;

/// An HTML page to minify.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct MinifyHtml {
    /// The output it will be written to, relative to the output directory
    /// (`blog/first/index.html`), for the cell's error messages.
    pub output: String,
    /// The page's HTML (UTF-8).
    pub html: rpc::Blob,
}

/// A minified page.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct MinifiedHtml {
    /// The page's minified HTML (UTF-8).
    pub html: rpc::Blob,
}

rpc::facet_payload!(MinifyHtml, MinifiedHtml);

rpc::service! {
    /// The minify cell: minifies HTML pages as Zola's `minify_html` does. A page that cannot
    /// be minified is a remote error naming it, never a crash of the cell.
    pub mod minify: "Minify" {
        /// The page minified with Zola's options (`<html>` and `<head>` opening tags kept,
        /// CSS minified, JavaScript left as written).
        fn html(request: MinifyHtml) -> MinifiedHtml;
    }
}
