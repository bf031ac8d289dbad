//! What Zola's options make of a page: each test a behaviour, asserting the bytes.

use super::{MinifyError, minify, stack_needed};

/// `html` minified on a thread with the stack [`stack_needed`] gives, as the cell runs it.
fn minified(html: &str) -> String {
    let html = html.to_string();
    std::thread::Builder::new()
        .stack_size(stack_needed(&html))
        .spawn(move || minify(&html))
        .unwrap()
        .join()
        .unwrap()
        .unwrap()
}

#[test]
fn the_html_and_head_opening_tags_are_kept_and_optional_closing_tags_left_out() {
    let page = "<!DOCTYPE html>\n<html>\n<head>\n<title>A page</title>\n</head>\n<body>\n\
                <ul>\n  <li>one</li>\n  <li>two</li>\n</ul>\n</body>\n</html>\n";
    assert_eq!(
        minified(page),
        "<!doctype html><html><head><title>A page</title><body><ul><li>one<li>two</ul>"
    );
}

#[test]
fn attributes_lose_quotes_they_do_not_need_and_keep_those_they_do() {
    let page = "<html><head><meta charset=\"utf-8\"></head><body>\
                <a href=\"/blog/first/\" class=\"post link\" title=\"a &quot;b&quot;\">x</a>";
    assert_eq!(
        minified(page),
        "<html><head><meta charset=utf-8><body><a class=\"post link\" title='a \"b\"' \
         href=/blog/first/>x</a>"
    );
}

#[test]
fn css_in_style_elements_and_style_attributes_is_minified() {
    let page = "<html><head><style>\n  body {\n    margin: 0px;\n    color: #ffffff;\n  }\n  \
                a { color: rgb(255, 0, 0) }\n</style></head>\
                <body><p style=\"margin-top: 10px; color: #000000\">x</p>";
    assert_eq!(
        minified(page),
        "<html><head><style>body{color:#fff;margin:0}a{color:red}</style><body>\
         <p style=color:#000;margin-top:10px>x"
    );
}

#[test]
fn css_that_does_not_parse_is_kept_as_written_and_css_that_recovers_is_minified() {
    let page = "<style>\n  a[ {color:red}\n</style><p style=\"color:\">x";
    assert_eq!(minified(page), "<style>a[ {color:red}</style><p style=color:>x");
    // An unclosed block is closed, as browsers close it.
    assert_eq!(minified("<style>\n  a { color: red; \n</style>"), "<style>a{color:red}</style>");
}

#[test]
fn javascript_in_script_elements_is_left_as_written() {
    let script = "// Zola's options: minify_js = false.\n  const  greeting = \"hi\";\n  \
                  console.log( greeting );";
    let page = format!("<html><head><script>\n  {script}\n</script></head><body><p>x</p>");
    // Only trimmed.
    assert_eq!(minified(&page), format!("<html><head><script>{script}</script><body><p>x"));
}

#[test]
fn whitespace_between_elements_collapses_and_pre_and_textarea_keep_theirs() {
    let page = "<body>\n  <p>Some   text,\n    on two lines.</p>\n\n  <pre><code>fn main() {\n    \
                println!(\"hi\");\n}\n</code></pre>\n  <textarea>  a\n  b  </textarea>\n</body>";
    assert_eq!(
        minified(page),
        "<body><p>Some text, on two lines.<pre><code>fn main() {\n    \
         println!(\"hi\");\n}\n</code></pre><textarea>  a\n  b  </textarea>"
    );
}

#[test]
fn comments_are_removed() {
    let page = "<body><!-- a note for the author --><p>kept</p><!---->";
    assert_eq!(minified(page), "<body><p>kept");
}

#[test]
fn text_in_any_script_survives_whole() {
    let page = "<p>Ünïcödé — 日本語のテキスト 😀</p>\n<p>second</p>";
    assert_eq!(minified(page), "<p>Ünïcödé — 日本語のテキスト 😀<p>second");
}

#[test]
fn malformed_html_is_minified_not_refused() {
    // Each of these is taken as browsers take it; none panics or is an error.
    for (page, expected) in [
        ("", ""),
        ("<", "&lt;"),
        ("</div></span><p>text", "<p>text"),
        ("<div><p>open<span>never closed", "<div><p>open<span>never closed"),
        ("<p a=\"unterminated>text", "<p a=\"unterminated>text\">"),
        ("<!doctype", "<!doctype html"),
        ("<script>never closed", "<script>never closed"),
        ("<style>a{", "<style>"),
        // A surrogate is U+FFFD, a NUL reference the NUL character, as HTML decodes them.
        ("<p>&#xD800; &#0; &bogus; &amp", "<p>\u{FFFD} \0 &bogus; &"),
    ] {
        assert_eq!(minified(page), expected, "{page:?}");
    }
}

#[test]
fn a_page_nesting_elements_deeply_minifies_on_the_stack_it_is_given() {
    // 20,000 levels: about 80 MB of stack in a debug build, ten times a default thread's.
    let depth = 20_000;
    let page = format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth));
    // A `</div>` is never optional: the page is as it was.
    assert_eq!(minified(&page), page);
}

#[test]
fn css_selectors_nesting_deeply_minify_on_the_stack_they_are_given() {
    // 2,000 levels of `:is(`: about 34 MB of stack in a debug build.
    let depth = 2_000;
    let page =
        format!("<style>{}a{} {{color: red}}</style>", ":is(".repeat(depth), ")".repeat(depth));
    assert_eq!(minified(&page), "<style>:is(a){color:red}</style>");
}

#[test]
fn a_panic_of_the_library_is_an_error_of_the_page() {
    // lightningcss 1.0.0-alpha.70 prints nested rules with a `u8` indent: 128 levels overflow
    // it, a panic where overflow checks are on (debug builds), wrapping (harmless: nothing is
    // indented in minified CSS) in release builds, Zola's and the shipped cell's.
    let page = format!("<style>{}color:red{}</style>", "a{".repeat(128), "}".repeat(128));
    let result = minify(&page);
    if cfg!(debug_assertions) {
        assert_eq!(result, Err(MinifyError::Panicked("attempt to add with overflow".into())));
    } else {
        assert!(result.is_ok_and(|css| css.starts_with("<style>a{a{a{")));
    }
}

#[test]
fn the_stack_needed_grows_with_what_can_nest_and_not_with_text() {
    let text = "word ".repeat(100_000);
    assert_eq!(stack_needed(&text), stack_needed(""));
    assert!(stack_needed("<p>") > stack_needed(""));
    assert!(stack_needed("{") > stack_needed("<"));
    assert_eq!(stack_needed("(("), stack_needed("{{"));
}

#[test]
fn errors_say_what_failed_and_how_to_write_the_page_anyway() {
    assert_eq!(
        MinifyError::NotUtf8 { valid_up_to: 12 }.to_string(),
        "the minified HTML is not UTF-8 (from byte 12 of minify-html's output); set \
         `minify_html = false` to write the page as rendered"
    );
    assert_eq!(
        MinifyError::Panicked("index out of bounds".into()).to_string(),
        "minify-html failed on the page (index out of bounds); set `minify_html = false` to \
         write the page as rendered"
    );
}
