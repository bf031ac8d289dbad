//! Small builders for the generated code.

use unsynn::{Ident, Literal, Span, ToTokens, TokenStream, quote};

/// A generated identifier. At the call site, so the user's code can name it.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `#[doc = "…"]`: every generated public item is documented (the workspace denies
/// `missing_docs` warnings, and so may the user's).
pub(crate) fn doc(text: &str) -> TokenStream {
    let text = Literal::string(text);
    quote! { #[doc = #text] }
}

/// `a, b, c,` (a trailing comma is valid everywhere this is used).
pub(crate) fn comma_list(items: impl IntoIterator<Item = TokenStream>) -> TokenStream {
    let mut out = TokenStream::new();
    for item in items {
        out.extend(item);
        out.extend(quote! { , });
    }
    out
}

/// `(a, b, c,)`.
pub(crate) fn parenthesized(items: impl IntoIterator<Item = TokenStream>) -> TokenStream {
    let list = comma_list(items);
    quote! { (#list) }
}
