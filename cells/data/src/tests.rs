//! Each rule of the conversions, with values written as compact JSON (the shape
//! `json_encode` prints); the expected texts of the `zola_*` tests are Zola 0.22.1's own
//! output for the same files (`load_data(path=…) | json_encode()`).

use super::*;
use crate::bibtex::MAX_CHAIN;
use crate::xml::MAX_ATTRIBUTES;

/// `value` as compact JSON, keys in order (floats as Rust's `Debug`, `1.0` for 1).
fn json(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::String(s) => format!("{s:?}"),
        Value::List(items) => {
            format!("[{}]", items.iter().map(json).collect::<Vec<_>>().join(","))
        }
        Value::Map(entries) => format!(
            "{{{}}}",
            entries.iter().map(|(k, v)| format!("{k:?}:{}", json(v))).collect::<Vec<_>>().join(",")
        ),
    }
}

fn xml(text: &str) -> String {
    json(&read(text, DataFormat::Xml).unwrap_or_else(|e| panic!("{text:?}: {e}")))
}

fn xml_error(text: &str) -> ReadError {
    read(text, DataFormat::Xml).expect_err(text)
}

fn bib(text: &str) -> String {
    json(&read(text, DataFormat::Bibtex).unwrap_or_else(|e| panic!("{text:?}: {e}")))
}

fn bib_error(text: &str) -> ReadError {
    read(text, DataFormat::Bibtex).expect_err(text)
}

// XML.

#[test]
fn xml_is_the_root_element_s_name_to_its_value() {
    assert_eq!(xml("<e/>"), r##"{"e":{}}"##);
    assert_eq!(
        xml("<?xml version=\"1.0\"?>\n<!-- c --><single> just text </single>\n"),
        r##"{"single":"just text"}"##
    );
}

#[test]
fn xml_scalars_infer_integers_floats_and_booleans_as_zola() {
    let cases = [
        ("1", "1"),
        ("007", "7"),
        ("+5", "5"),
        ("0", "0"),
        ("1.0", "1.0"),
        ("-5", "-5.0"),
        ("0.5", "0.5"),
        (".5", "0.5"),
        ("5.", "5.0"),
        ("1e5", "100000.0"),
        ("1.5E3", "1500.0"),
        ("-0", "-0.0"),
        ("9223372036854775807", "9223372036854775807"),
        // Above i64::MAX: a float (Zola keeps the integer).
        ("18446744073709551615", "1.8446744073709552e19"),
        ("true", "true"),
        ("false", "false"),
        // Strings: a leading 0 not before `.`, not finite, not exactly a boolean or number.
        ("00.5", "\"00.5\""),
        ("0e5", "\"0e5\""),
        ("0x10", "\"0x10\""),
        ("inf", "\"inf\""),
        ("NaN", "\"NaN\""),
        ("1e999", "\"1e999\""),
        ("True", "\"True\""),
        ("1_000", "\"1_000\""),
        ("  spaced  ", "\"spaced\""),
    ];
    for (text, expected) in cases {
        assert_eq!(xml(&format!("<r>{text}</r>")), format!(r##"{{"r":{expected}}}"##), "{text:?}");
        // Attribute values by the same rules.
        assert_eq!(
            xml(&format!("<r a=\"{text}\"/>")),
            format!(r##"{{"r":{{"@a":{expected}}}}}"##),
            "{text:?}"
        );
    }
}

#[test]
fn xml_attributes_are_at_names_and_text_beside_them_is_hash_text() {
    assert_eq!(
        xml(r##"<r id="007" f="1.0" t="false" e="" s=" a  b"/>"##),
        r##"{"r":{"@id":7,"@f":1.0,"@t":false,"@e":"","@s":"a  b"}}"##
    );
    assert_eq!(xml(r##"<r a="1">  t  </r>"##), r##"{"r":{"@a":1,"#text":"t"}}"##);
    // Text first: the children are dropped.
    assert_eq!(
        xml(r##"<r a="1" a2="2">text<c>c</c></r>"##),
        r##"{"r":{"@a":1,"@a2":2,"#text":"text"}}"##
    );
}

#[test]
fn xml_elements_are_maps_of_attributes_then_children() {
    let text = "<root a=\"1\" b=\"007\" c=\"x\">\n  <item id=\"1\">one</item>\n  <item id=\"2\">two</item>\n  <other/>\n  <item>three</item>\n  <empty></empty>\n  <ws>   </ws>\n</root>\n";
    assert_eq!(
        xml(text),
        r##"{"root":{"@a":1,"@b":7,"@c":"x","item":[{"@id":1,"#text":"one"},{"@id":2,"#text":"two"},"three"],"other":{},"empty":{},"ws":{}}}"##
    );
    assert_eq!(xml("<r><c>   <d>in</d>   </c></r>"), r##"{"r":{"c":{"d":"in"}}}"##);
}

#[test]
fn xml_repeated_names_make_lists_moved_as_serde_json_swap_removes() {
    // [a b c] + b: b swap-removed ([a c]), its list appended; d; a again: a swap-removed
    // (the last entry, d, takes its place), appended.
    assert_eq!(
        xml("<r><a/><b/><c/><b/><d/><b/><a/></r>"),
        r##"{"r":{"d":{},"c":{},"b":[{},{},{}],"a":[{},{}]}}"##
    );
    assert_eq!(
        xml("<r><x>12</x><y>1</y><x>13</x><z/><x>14</x><y>2</y></r>"),
        r##"{"r":{"z":{},"x":[12,13,14],"y":[1,2]}}"##
    );
    assert_eq!(
        xml(r##"<r><a x="1"/><a>2</a><a><b>3</b></a><c>1</c><c>1.5</c><c>x</c></r>"##),
        r##"{"r":{"a":[{"@x":1},2,{"b":3}],"c":[1,1.5,"x"]}}"##
    );
}

#[test]
fn xml_mixed_content_comments_cdata_and_entities() {
    let cases = [
        ("<m>hello <b>bold</b> world</m>", r##""hello""##),
        ("<m><b>bold</b> tail</m>", r##"{"b":"bold"}"##),
        ("<m><!--x-->text</m>", "{}"),
        ("<m>text<!--x-->more</m>", r##""text""##),
        ("<m><?php echo 1; ?>x</m>", "{}"),
        ("<m><![CDATA[<p>raw & stuff</p>]]></m>", r##""<p>raw & stuff</p>""##),
        ("<m>a<![CDATA[b]]>c</m>", r##""abc""##),
        ("<m>A &amp; B &lt;c&gt; &#169; &#x263A;</m>", r##""A & B <c> © ☺""##),
        ("<m>\n    line one\n    line two\n  </m>", r##""line one\n    line two""##),
    ];
    for (text, expected) in cases {
        assert_eq!(xml(text), format!(r##"{{"m":{expected}}}"##), "{text:?}");
    }
}

#[test]
fn xml_names_are_local_names() {
    let text = r##"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xml:lang="en"><dc:creator>Ann</dc:creator><entry><dc:title>T1</dc:title><title>t2</title></entry><n dc:x="1" x="2"/></feed>"##;
    assert_eq!(
        xml(text),
        r##"{"feed":{"@lang":"en","creator":"Ann","entry":{"title":["T1","t2"]},"n":{"@x":2}}}"##
    );
}

#[test]
fn xml_the_zola_comparison_file_reads_as_zola_reads_it() {
    // Zola 0.22.1's `json_encode` of the same file, byte for byte.
    let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a comment -->\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n  <title type=\"text\">A &amp; B</title>\n  <quote>\"q\" 'a' \\ /</quote>\n  <ctrl>tab&#9;here</ctrl>\n  <uni>Åkerö ✓ 😀</uni>\n</feed>\n";
    assert_eq!(
        xml(text),
        r##"{"feed":{"@lang":"en","title":{"@type":"text","#text":"A & B"},"quote":"\"q\" 'a' \\ /","ctrl":"tab\there","uni":"Åkerö ✓ 😀"}}"##
    );
}

#[test]
fn xml_errors_say_what_and_where() {
    let error = xml_error("<a>\n  <b>x</c>\n</a>");
    assert_eq!(error.message, "the element `b` is closed by `</c>`");
    assert_eq!(error.position, Some((2, 7)));
    let error = xml_error("<a>\n  <b>x</b>\n");
    assert_eq!(error.message, "the root element is never closed");
    assert_eq!(error.position, Some((2, 11)));
    let error = xml_error("  ");
    assert_eq!(error.message, "there is no root element");
    let error = xml_error("<a>\n &nope;</a>");
    assert_eq!(error.message, "unknown entity reference 'nope'");
    assert_eq!(error.position, Some((2, 2)));
    let error = xml_error("<a x=\"1\" x=\"2\"/>");
    assert_eq!(error.message, "attribute 'x' is already defined");
    assert_eq!(error.position, Some((1, 10)));
    // Columns count characters.
    assert_eq!(xml_error("<é>\n<b>é</c></é>").position, Some((2, 5)));
}

#[test]
fn xml_a_dtd_is_refused_so_entities_cannot_expand() {
    let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<r>&b;</r>";
    let error = xml_error(bomb);
    assert!(error.message.starts_with("a document type declaration"), "{error}");
    assert_eq!(error.position, Some((2, 1)));
    assert!(xml_error("<!DOCTYPE r><r/>").message.contains("DOCTYPE"));
}

#[test]
fn xml_nesting_beyond_the_limit_is_an_error_never_a_stack_overflow() {
    let nested = |depth: usize| format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let value = read(&nested(MAX_DEPTH), DataFormat::Xml).unwrap();
    assert!(matches!(value, Value::Map(_)));
    let error = xml_error(&nested(MAX_DEPTH + 1));
    assert_eq!(error.message, format!("elements nested more than {MAX_DEPTH} levels deep"));
    assert_eq!(error.position, Some((1, 3 * MAX_DEPTH as u32 + 1)));
    // Far deeper: roxmltree's parser does not recurse, and the conversion stops at the limit.
    assert!(xml_error(&nested(200_000)).message.starts_with("elements nested"));
}

#[test]
fn xml_a_tag_with_too_many_attributes_is_refused_before_parsing() {
    let tag = |n: usize| {
        let attributes: String = (0..n).map(|i| format!(" a{i}=\"{i}\"")).collect();
        format!("<r>\n<e{attributes}/></r>")
    };
    assert!(read(&tag(MAX_ATTRIBUTES), DataFormat::Xml).is_ok());
    let error = xml_error(&tag(MAX_ATTRIBUTES + 1));
    assert!(error.message.starts_with("a tag with more than 1024 attributes"), "{error}");
    assert_eq!(error.position, Some((2, 1)));
    // `=` in quoted values, text, comments and CDATA are not attributes; a quoted `>` does not
    // end the tag.
    let many = "=".repeat(5000);
    let text = format!("<r v=\"{many}\" w='>{many}'>{many}<!--{many}--><![CDATA[{many}]]></r>");
    assert!(read(&text, DataFormat::Xml).is_ok());
    let split = (0..=MAX_ATTRIBUTES).map(|i| format!(" a{i}='>'")).collect::<String>();
    assert!(xml_error(&format!("<r{split}/>")).message.starts_with("a tag with more than"));
}

// BibTeX.

#[test]
fn bibtex_is_preambles_comments_variables_and_bibliographies() {
    let text = r##"@preamble{ "\newcommand{\noopsort}[1]{}" # "x" }
@comment{ a comment with {braces} }
Free text before entries is a comment.
@string{ acm = "ACM Press" }
@STRING( ieee = {IEEE} )
@string{ full = acm # " and " # ieee }
@article{knuth1984,
  title = {Literate {Programming}},
}
@Book{key2,
  publisher = acm,
}
@misc{key3, note = full # " more"}
@inproceedings{k4, Month = jul}
@article{k5, year = 1984}
@article{k6, title = "quoted {with} braces"}
@article{k7, title = {  spaced   }}
@article{k8, author = unknownvar}
@article{k9, TITLE = {a}, title = {b}}
"##;
    // Zola 0.22.1's output for this file, but for the order of `variables` (a HashMap's
    // there, the file's here).
    assert_eq!(
        bib(text),
        r##"{"preambles":["\\newcommand{\\noopsort}[1]{}x"],"comments":["a comment with {braces}","Free text before entries is a comment."],"variables":{"acm":"ACM Press","ieee":"IEEE","full":"ACM Press and IEEE"},"bibliographies":[{"entry_type":"article","citation_key":"knuth1984","tags":{"title":"Literate {Programming}"}},{"entry_type":"Book","citation_key":"key2","tags":{"publisher":"ACM Press"}},{"entry_type":"misc","citation_key":"key3","tags":{"note":"ACM Press and IEEE more"}},{"entry_type":"inproceedings","citation_key":"k4","tags":{"month":"July"}},{"entry_type":"article","citation_key":"k5","tags":{"year":"1984"}},{"entry_type":"article","citation_key":"k6","tags":{"title":"quoted {with} braces"}},{"entry_type":"article","citation_key":"k7","tags":{"title":"spaced"}},{"entry_type":"article","citation_key":"k8","tags":{}},{"entry_type":"article","citation_key":"k9","tags":{"title":"b"}}]}"##
    );
}

#[test]
fn bibtex_tags_and_variables_keep_the_file_s_order() {
    let text = "@article{multi,\n  author = {Donald E. Knuth},\n  title = {Literate Programming},\n  year = {1984},\n  pages = {97--111},\n}\n@string{d = \"4\"}\n@string{a = \"1\"}\n";
    assert_eq!(
        bib(text),
        r##"{"preambles":[],"comments":[],"variables":{"d":"4","a":"1"},"bibliographies":[{"entry_type":"article","citation_key":"multi","tags":{"author":"Donald E. Knuth","title":"Literate Programming","year":"1984","pages":"97--111"}}]}"##
    );
}

#[test]
fn bibtex_names_in_strings_are_the_first_string_and_in_tags_the_last() {
    // In a @string, a name is the file's first @string of that name (even a later one); the
    // variables map keeps the last; tags read the map.
    let text =
        "@string{b = a # \"!\"}\n@string{a = \"1\"}\n@string{a = \"2\"}\n@misc{k, x = a, y = b}\n";
    assert_eq!(
        bib(text),
        r##"{"preambles":[],"comments":[],"variables":{"b":"1!","a":"2"},"bibliographies":[{"entry_type":"misc","citation_key":"k","tags":{"x":"2","y":"1!"}}]}"##
    );
    // A @string naming nothing is left out; months are for tags only, and are lower case.
    let text = "@string{m = jan}\n@misc{k, a = jan, b = JAN, c = m}\n";
    assert_eq!(
        bib(text),
        r##"{"preambles":[],"comments":[],"variables":{},"bibliographies":[{"entry_type":"misc","citation_key":"k","tags":{"a":"January"}}]}"##
    );
    // A later tag that names nothing leaves the earlier one of its name.
    assert_eq!(
        bib("@misc{k, t = {one}, T = nothing}"),
        r##"{"preambles":[],"comments":[],"variables":{},"bibliographies":[{"entry_type":"misc","citation_key":"k","tags":{"t":"one"}}]}"##
    );
}

#[test]
fn bibtex_errors_say_where_the_entry_that_does_not_parse_starts() {
    let error = bib_error("@misc{ok, a = {1}}\n\n  @article{k,\n  title = {x},\n  year = \n}\n");
    assert_eq!(error.position, Some((3, 3)), "{error}");
    assert!(error.message.starts_with("an entry that does not parse as BibTeX"), "{error}");
    let error = bib_error("@preamble{ \"a\" # nothing }");
    assert_eq!(error.message, "a @preamble names `nothing`, which no @string defines");
    assert_eq!(error.position, None);
}

#[test]
fn bibtex_texts_nom_bibtex_panics_on_are_errors() {
    for text in ["@comment{", "@comment{é", "@misc{k, t = \"", "@misc{k, t = {é"] {
        let error = bib_error(text);
        assert!(!error.message.is_empty(), "{text:?}");
    }
}

#[test]
fn bibtex_string_loops_deep_chains_and_huge_expansions_are_refused() {
    let error = bib_error("@string{a = b}\n@string{b = a}\n");
    assert!(error.message.contains("refers to itself"), "{error}");
    assert!(bib_error("@string{a = a # \"x\"}").message.contains("`a` refers to itself"));
    // A name that does not exist before the loop ends the expansion, as in nom-bibtex.
    assert!(bib("@string{a = nothing # a}").contains(r##""variables":{}"##));

    // Each @string naming the next, expanded first: a chain of recursions.
    let chain = |length: usize| -> String {
        (1..length)
            .rev()
            .map(|i| format!("@string{{v{i} = v{}}}\n", i - 1))
            .chain(["@string{v0 = \"x\"}\n".to_string()])
            .collect()
    };
    assert!(bib_error(&chain(MAX_CHAIN + 1)).message.contains("more than 256 deep"));
    assert!(bib(&chain(MAX_CHAIN)).contains(r##""v255":"x""##));
    // In the other order each is expanded once, from the one before.
    let forward: String = ["@string{v0 = \"x\"}\n".to_string()]
        .into_iter()
        .chain((1..10_000).map(|i| format!("@string{{v{i} = v{}}}\n", i - 1)))
        .collect();
    assert!(bib(&forward).contains(r##""v9999":"x""##));

    // Each @string twice the one before: 2^40 bytes.
    let doubling: String = (1..=40)
        .map(|i| format!("@string{{v{i} = v{p} # v{p}}}\n", p = i - 1))
        .chain(["@string{v0 = \"x\"}\n".to_string()])
        .collect();
    assert!(bib_error(&doubling).message.contains("expand to more text"));
}

#[test]
fn bibtex_a_long_run_of_trailing_space_costs_no_more_than_its_length() {
    let entries = "@misc{k, a = {1}}\n".repeat(5_000);
    let text = format!("{entries}{}", " \n".repeat(500_000));
    let start = std::time::Instant::now();
    let value = read(&text, DataFormat::Bibtex).unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(20), "{:?}", start.elapsed());
    let Some(Value::List(bibliographies)) = value.get("bibliographies") else { panic!() };
    assert_eq!(bibliographies.len(), 5_000);
    // An unclosed comment at the end reads the same with the run cut.
    let long = format!("@comment{{abc{}", " ".repeat(2000));
    assert_eq!(bib(&long), bib("@comment{abc  "));
}
