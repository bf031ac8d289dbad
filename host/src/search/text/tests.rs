//! Each expected text is what Zola 0.22.1's `clean_and_truncate_body` (ammonia 4.1.2 over
//! html5ever 0.35) gives for the same HTML, run on it when these tests were written.

use super::*;

fn text(html: &str) -> String {
    body_text(html, None)
}

#[test]
fn tags_are_removed_and_pre_script_and_style_are_removed_with_their_content() {
    assert_eq!(
        text(
            "<h1 id=\"x\">Tom &amp; Jerry</h1>\n<pre><code>hidden</code></pre>\n<p>a&nbsp;b &lt;3</p>"
        ),
        "Tom &amp; Jerry\na&nbsp;b &lt;3"
    );
    assert_eq!(text("<p>hello <script>alert('x < y')</script> world</p>"), "hello world");
    assert_eq!(
        text("<style>p { color: red }</style><p>kept</p><!-- a comment --><p>after</p>"),
        "keptafter"
    );
    assert_eq!(text("<div>a<pre>x<pre>y</pre>z</pre>b</div>"), "ab");
    // `/>` means nothing on an HTML element: the `pre` holds the rest.
    assert_eq!(text("<pre/>after pre"), "");
    assert_eq!(text("<template><p>in template</p></template>out"), "out");
}

#[test]
fn character_references_are_decoded_and_the_text_escaped_again_as_html5ever_writes_it() {
    assert_eq!(
        text(
            "&copy 2024 &notit; &amp;&amp; &#38; &#x26; &#0; &#128; &#x110000; &bogus; &; & alone &#; &#x;"
        ),
        "© 2024 ¬it; &amp;&amp; &amp; &amp; \u{fffd} € \u{fffd} &amp;bogus; &amp;; &amp; alone &amp;#; &amp;#x;"
    );
    assert_eq!(text("a < b > c <3 </ x"), "a &lt; b &gt; c &lt;3");
    assert_eq!(text("<p title=\"a > b\">quoted &gt; attribute</p>"), "quoted &gt; attribute");
}

#[test]
fn raw_text_elements_keep_their_text_and_rcdata_decodes_it() {
    assert_eq!(
        text("<textarea>\n&lt;b&gt; in textarea</textarea><title>T &amp; t</title>"),
        "&lt;b&gt; in textareaT &amp; t"
    );
    assert_eq!(
        text("<noscript><p>no js</p></noscript><iframe>frame &amp; text</iframe>"),
        "&lt;p&gt;no js&lt;/p&gt;frame &amp;amp; text"
    );
}

#[test]
fn comments_doctypes_and_other_markup_are_dropped() {
    assert_eq!(
        text("<!DOCTYPE html><?php echo ?><![CDATA[ data ]]>text</>more<!-->x<!--->y<!-- unclosed"),
        "textmorexy"
    );
    // A tag the input ends in is no text.
    assert_eq!(text("<p>Unclosed <b attr=\"never closed"), "Unclosed");
}

#[test]
fn svg_and_math_keep_only_their_own_text() {
    assert_eq!(text("<svg><text>drawn</text>own</svg><math><mi>x</mi></math>after"), "ownafter");
    assert_eq!(text("<svg/>after"), "after");
}

#[test]
fn white_space_is_collapsed_per_line_and_blank_lines_dropped() {
    assert_eq!(
        text("line one   with    spaces\n   \n\tline two\ttabs"),
        "line one with spaces\nline two tabs"
    );
    // `&#13;` is a carriage return, which splits no line but is white space.
    assert_eq!(text("a&#13;b"), "a b");
    assert_eq!(text("a\r\nb\rc"), "a\nb\nc");
    assert_eq!(text("non\u{2003}em\u{a0}nbsp"), "non em&nbsp;nbsp");
}

#[test]
fn truncate_content_length_counts_characters_of_the_escaped_text() {
    assert_eq!(body_text("<p>hello</p>", Some(2)), "he");
    assert_eq!(body_text("<p>hello</p>", Some(100)), "hello");
    assert_eq!(body_text("hello \u{202e} world", Some(7)), "hello \u{202e}");
    assert_eq!(body_text("héllo wörld", Some(4)), "héll");
    // As in Zola, an escape can be cut short.
    assert_eq!(body_text("a & b", Some(4)), "a &a");
    assert_eq!(body_text("x", Some(0)), "");
}

#[test]
fn malformed_html_is_text_never_a_panic() {
    let inputs = [
        "<",
        "&",
        "&#",
        "&#x",
        "<!",
        "<!-",
        "<!--",
        "</",
        "<a",
        "<a b='",
        "<a b=\"c\"",
        "<svg><g>",
        "</svg></pre></math>",
        "<pre></pre></pre>",
        "<script>",
        "<textarea>&am",
        "&#99999999999;",
        "\0<\0>&\0",
        "<plaintext><p>&amp;",
        "<svg><svg></svg></svg>x",
    ];
    for input in inputs {
        let _ = text(input);
    }
    assert_eq!(text("<plaintext><p>&amp;"), "&lt;p&gt;&amp;amp;");
}
