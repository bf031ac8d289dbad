//! The parser against documents: valid ones (tricky included) as values, and every error
//! with its line, column and message.

use super::{Value, parse};

/// `text` parsed, as the cells see it.
fn read(text: &str) -> cell_proto::Value {
    match parse(text) {
        Ok(table) => Value::Table(table).to_cell_value(),
        Err(error) => panic!("{text:?}: {error}"),
    }
}

/// The value of a JSON document, for the expected side.
fn json(text: &str) -> cell_proto::Value {
    crate::values::parse(text, crate::values::Syntax::Json).expect("expected JSON")
}

/// The error of `text`: (line, column, message).
fn error(text: &str) -> (u32, u32, String) {
    match parse(text) {
        Ok(table) => panic!("{text:?} parsed: {:?}", Value::Table(table).to_cell_value()),
        Err(error) => (error.line(), error.column(), error.message().to_string()),
    }
}

/// Asserts the error of `text` is at `line`:`column` and its message contains `part`.
#[track_caller]
fn assert_error(text: &str, line: u32, column: u32, part: &str) {
    let (l, c, message) = error(text);
    assert_eq!((l, c), (line, column), "{text:?}: {message}");
    assert!(message.contains(part), "{text:?}: {message:?} lacks {part:?}");
}

#[test]
fn keys_bare_quoted_and_dotted() {
    let text = r#"
key = 1
bare_key-2 = 2
1234 = 3
"127.0.0.1" = 4
"ʎǝʞ" = 5
'key2' = 6
'quoted "value"' = 7
"" = 8
site."google.com" = true
fruit . color = "yellow"
3.14159 = "pi"
"#;
    assert_eq!(
        read(text),
        json(
            r#"{"key": 1, "bare_key-2": 2, "1234": 3, "127.0.0.1": 4, "ʎǝʞ": 5, "key2": 6,
            "quoted \"value\"": 7, "": 8, "site": {"google.com": true},
            "fruit": {"color": "yellow"}, "3": {"14159": "pi"}}"#
        )
    );
}

#[test]
fn every_kind_of_string_and_escape() {
    let text = "basic = \"tab\\there \\\"q\\\" \\\\ \\b\\f\\r\\n \\u00E9 \\U0001F600\"\n\
                literal = 'C:\\Users\\nodejs'\n\
                ml = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n\
                trimmed = \"\"\"\\\n    The quick \\\n\n    brown fox.\\\n    \"\"\"\n\
                quotes = \"\"\"Here are two quotation marks: \"\". Simple.\"\"\"\n\
                ends = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n\
                ml_literal = '''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''\n\
                apos = ''''That's still pointless', she said.'''\n\
                empty = \"\"\n\
                empty_ml = \"\"\"\"\"\"\n\
                tab = \"a\tb\"\n";
    let value = read(text);
    let get = |key: &str| match value.get(key) {
        Some(cell_proto::Value::String(s)) => s.clone(),
        other => panic!("{key}: {other:?}"),
    };
    assert_eq!(get("basic"), "tab\there \"q\" \\ \u{8}\u{c}\r\n é 😀");
    assert_eq!(get("literal"), "C:\\Users\\nodejs");
    assert_eq!(get("ml"), "Roses are red\nViolets are blue");
    assert_eq!(get("trimmed"), "The quick brown fox.");
    assert_eq!(get("quotes"), "Here are two quotation marks: \"\". Simple.");
    assert_eq!(get("ends"), "\"This,\" she said, \"is just a pointless statement.\"");
    assert_eq!(
        get("ml_literal"),
        "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"
    );
    assert_eq!(get("apos"), "'That's still pointless', she said.");
    assert_eq!(get("empty"), "");
    assert_eq!(get("empty_ml"), "");
    assert_eq!(get("tab"), "a\tb");
}

#[test]
fn crlf_line_endings_are_newlines_and_kept_inside_multi_line_strings() {
    let value = read("a = 1\r\nb = \"\"\"\r\nx\r\ny\"\"\"\r\n# c\r\n[t]\r\nc = 'z' # d\r\n");
    assert_eq!(value, json(r#"{"a": 1, "b": "x\r\ny", "t": {"c": "z"}}"#));
}

#[test]
fn numbers_booleans_and_date_times() {
    let value = read(
        "int = +99\nhex = 0xdead_BEEF\noct = 0o755\nbin = 0b11\nflt = -6.626e-34\n\
         big = 5e+22\ninf = -inf\nyes = true\nno = false\n\
         odt = 1979-05-27T00:32:00.999999-07:00\nspace = 1979-05-27 07:32:00Z\n\
         ldt = 1979-05-27T07:32:00\nld = 1979-05-27\nlt = 00:32:00.5\n",
    );
    let expected = json(
        r#"{"int": 99, "hex": 3735928559, "oct": 493, "bin": 3, "flt": -6.626e-34,
        "big": 5e22, "inf": 0, "yes": true, "no": false,
        "odt": "1979-05-27T00:32:00.999999-07:00", "space": "1979-05-27T07:32:00Z",
        "ldt": "1979-05-27T07:32:00", "ld": "1979-05-27", "lt": "00:32:00.5"}"#,
    );
    let (cell_proto::Value::Map(got), cell_proto::Value::Map(want)) = (&value, &expected) else {
        panic!()
    };
    for ((key, got), (want_key, want)) in got.iter().zip(want) {
        assert_eq!(key, want_key);
        if key != "inf" {
            assert_eq!(got, want, "{key}");
        }
    }
    assert_eq!(value.get("hex"), Some(&cell_proto::Value::Int(0xdead_beef)));
    assert_eq!(value.get("inf"), Some(&cell_proto::Value::Float(f64::NEG_INFINITY)));
    assert_eq!(value.get("space"), Some(&"1979-05-27T07:32:00Z".into()));
    let Ok(doc) = parse("d = 1979-05-27\n") else { panic!() };
    assert!(matches!(&doc.get("d").unwrap().value, Value::Datetime(d) if d.kind() == "local date"));
}

#[test]
fn arrays_span_lines_with_comments_trailing_commas_and_mixed_types() {
    let text = "a = [\n  1, # one\n  'two',\n  [3.5, { x = 4 }],\n  # nothing\n]\n\
                b = []\nc = [ [ ], [ [ ] ] ]\nd = [1,2,]\n";
    assert_eq!(
        read(text),
        json(r#"{"a": [1, "two", [3.5, {"x": 4}]], "b": [], "c": [[], [[]]], "d": [1, 2]}"#)
    );
}

#[test]
fn tables_headers_and_arrays_of_tables() {
    let text = r#"
top = 0
[dog."tater.man"]
type.name = "pug"
[ a . b . c ]
x = 1
[a]
y = 2
[[fruits]]
name = "apple"
[fruits.physical]
color = "red"
[[fruits.varieties]]
name = "red delicious"
[[fruits.varieties]]
name = "granny smith"
[[fruits]]
name = "banana"
[[fruits.varieties]]
name = "plantain"
[fruit]
apple.color = "red"
apple.taste.sweet = true
[fruit.apple.texture]
smooth = true
"#;
    assert_eq!(
        read(text),
        json(
            r#"{"top": 0,
            "dog": {"tater.man": {"type": {"name": "pug"}}},
            "a": {"b": {"c": {"x": 1}}, "y": 2},
            "fruits": [
                {"name": "apple", "physical": {"color": "red"},
                 "varieties": [{"name": "red delicious"}, {"name": "granny smith"}]},
                {"name": "banana", "varieties": [{"name": "plantain"}]}],
            "fruit": {"apple": {"color": "red", "taste": {"sweet": true},
                                "texture": {"smooth": true}}}}"#
        )
    );
}

#[test]
fn inline_tables_and_their_dotted_keys() {
    let text = "name = { first = \"Tom\", last = \"Preston-Werner\" }\n\
                point = {x=1,y=2}\nempty = {}\nanimal = { type.name = \"pug\", type.size = 3 }\n\
                nested = { a = { b = { c = [1] } } }\n";
    assert_eq!(
        read(text),
        json(
            r#"{"name": {"first": "Tom", "last": "Preston-Werner"}, "point": {"x": 1, "y": 2},
            "empty": {}, "animal": {"type": {"name": "pug", "size": 3}},
            "nested": {"a": {"b": {"c": [1]}}}}"#
        )
    );
}

#[test]
fn an_implicit_table_may_get_its_header_later_and_dotted_keys_may_add_to_it() {
    assert_eq!(read("[x.y.z]\n[x]\na = 1\n"), json(r#"{"x": {"y": {"z": {}}, "a": 1}}"#));
    assert_eq!(read("[a.b.c]\n[a]\nb.d = 1\n"), json(r#"{"a": {"b": {"c": {}, "d": 1}}}"#));
    // A header may define a table inside one made by dotted keys.
    assert_eq!(
        read("a.b.c = 1\n[a.b.d]\ne = 2\n"),
        json(r#"{"a": {"b": {"c": 1, "d": {"e": 2}}}}"#)
    );
}

#[test]
fn comments_blank_lines_a_bom_and_an_empty_document() {
    assert_eq!(read(""), json("{}"));
    assert_eq!(read("\n\n  # only a comment\n\t\n"), json("{}"));
    assert_eq!(read("\u{feff}a = 1 # é ü\n"), json(r#"{"a": 1}"#));
    assert_eq!(read("a = \"# not a comment\"\n"), json(r##"{"a": "# not a comment"}"##));
    assert_eq!(read("[t] # c\n[[u]] # c\n"), json(r#"{"t": {}, "u": [{}]}"#));
}

#[test]
fn spans_point_at_keys_and_values() {
    let text = "title = \"Home\"\n[extra]\nlist = [1, 2]\n";
    let doc = parse(text).unwrap();
    let title = doc.entry("title").unwrap();
    assert_eq!(&text[title.key_span.start..title.key_span.end], "title");
    assert_eq!(&text[title.item.span.start..title.item.span.end], "\"Home\"");
    let extra = doc.get("extra").unwrap();
    assert_eq!(&text[extra.span.start..extra.span.end], "[extra]");
    let Value::Table(extra) = &extra.value else { panic!() };
    let list = extra.get("list").unwrap();
    assert_eq!(&text[list.span.start..list.span.end], "[1, 2]");
    let Value::Array(items) = &list.value else { panic!() };
    assert_eq!(&text[items.items[1].span.start..items.items[1].span.end], "2");
}

#[test]
fn a_table_with_many_keys_is_found_through_its_index() {
    let text: String = (0..100).map(|i| format!("k{i} = {i}\n")).collect();
    let doc = parse(&text).unwrap();
    assert_eq!(doc.len(), 100);
    assert_eq!(doc.get("k77").map(|item| &item.value), Some(&Value::Integer(77)));
    assert_eq!(doc.entries()[3].key, "k3");
    assert_error(
        &format!("{text}k50 = 1\n"),
        101,
        1,
        "`k50` is defined twice (first at line 51, column 1)",
    );
}

#[test]
fn strings_that_do_not_close_or_hold_what_they_cannot() {
    assert_error("title = \"Unclosed\nweight = 3\n", 1, 9, "a string that is never closed");
    assert_error("a = 'open\n", 1, 5, "a string that is never closed");
    assert_error("a = \"\"\"\nnever closed\n", 1, 5, "never closed (it needs a closing `\"\"\"`)");
    assert_error("a = '''\nnever", 1, 5, "never closed");
    assert_error("a = \"ends with an escaped quote \\\"\n", 1, 5, "never closed");
    assert_error("a = \"bad \\q escape\"\n", 1, 10, "invalid escape");
    assert_error("a = \"\\u12\"\n", 1, 6, "needs 4 hexadecimal digits");
    assert_error("a = \"\\uD800\"\n", 1, 6, "not a Unicode scalar value");
    assert_error("a = \"\\U00110000\"\n", 1, 6, "not a Unicode scalar value");
    assert_error("a = \"\\e\"\n", 1, 6, "invalid escape");
    assert_error("a = \"nul\u{0}\"\n", 1, 9, "a control character (NUL)");
    assert_error("a = 'del\u{7f}'\n", 1, 9, "U+007F");
    assert_error("a = \"\"\"x\rx\"\"\"\n", 1, 9, "carriage return");
    assert_error("a = \"\"\"x\\ y\"\"\"\n", 1, 9, "invalid escape");
    assert_error("a = \"\"\"x\"\"\"\"\"\"\n", 1, 14, "too many `\"`");
    assert_error("\"\"\"k\"\"\" = 1\n", 1, 1, "a key cannot be a multi-line string");
    assert_error("# bell \u{7}\n", 1, 8, "a control character (U+0007) in a comment");
}

#[test]
fn keys_and_values_out_of_place() {
    assert_error("= 1\n", 1, 1, "expected a key, found `=`");
    assert_error("a\n", 1, 2, "expected `=` after the key, found the end of the line");
    assert_error("a = \n", 1, 5, "expected a value");
    assert_error("a = 1 b = 2\n", 1, 7, "expected the end of the line after a value, found `b`");
    assert_error("a. = 1\n", 1, 4, "expected a key after `.`");
    assert_error("a = yes\n", 1, 5, "a string is written between quotes: \"yes\"");
    assert_error("a = 01\n", 1, 5, "leading zeros");
    assert_error("a = 1979-02-30\n", 1, 5, "invalid date-time `1979-02-30`: day 30");
    assert_error("a = .5\n", 1, 5, "`.5` is not a value");
    assert_error("a = 1\r b = 2\n", 1, 6, "carriage return");
    assert_error("[a]\nx = 1 [b]\n", 2, 7, "found `[`");
}

#[test]
fn headers_that_are_malformed() {
    assert_error("[a\nb = 1\n", 1, 3, "expected `]` to close the header");
    assert_error("[[a]\n", 1, 4, "expected `]]` to close the header");
    assert_error("[]\n", 1, 2, "expected a key, found `]`");
    assert_error("[ [a] ]\n", 1, 3, "expected a key, found `[`");
    assert_error("[a] b = 1\n", 1, 5, "after a table header");
}

#[test]
fn arrays_and_inline_tables_that_do_not_close_or_separate() {
    assert_error("a = [1, 2\n", 1, 5, "an array that is never closed");
    assert_error("a = [1 2]\n", 1, 8, "expected `,` or `]` after an item of the array, found `2`");
    assert_error("a = [,]\n", 1, 6, "expected a value");
    assert_error("y = { z = \n", 1, 11, "expected a value");
    assert_error("y = { z = 1\n", 1, 5, "an inline table that is never closed on its line");
    assert_error("y = { z = 1, }\n", 1, 14, "a trailing comma is not allowed in an inline table");
    assert_error("y = { z = 1\n, w = 2 }\n", 1, 5, "never closed on its line");
    assert_error("y = { z = 1 w = 2 }\n", 1, 13, "expected `,` or `}`");
}

#[test]
fn redefinitions_name_both_places() {
    assert_error("a = 1\nb = 2\na = 3\n", 3, 1, "`a` is defined twice (first at line 1, column 1)");
    assert_error("[t]\n[t]\n", 2, 2, "table `[t]` is defined twice (first at line 1, column 1)");
    assert_error(
        "[a.b]\nc = 1\n[a]\nb = 2\n",
        4,
        1,
        "`b` is defined twice (first at line 1, column 4)",
    );
    assert_error(
        "[fruit]\napple.color = 'red'\n[fruit.apple]\n",
        3,
        8,
        "table `fruit.apple` is already defined by dotted keys (line 2, column 1)",
    );
    assert_error(
        "a.b = 1\n[a]\n",
        2,
        2,
        "table `a` is already defined by dotted keys (line 1, column 1)",
    );
    assert_error(
        "[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n",
        4,
        3,
        "table `b.c` is defined by a header (line 1, column 1); dotted keys cannot add",
    );
    assert_error(
        "[[tab.arr]]\n[tab]\narr.val1 = 1\n",
        3,
        1,
        "`arr` is already an array (line 1, column 1), which dotted keys cannot extend",
    );
    assert_error("a = 1\na.b = 2\n", 2, 1, "`a` is already an integer (line 1, column 5)");
    assert_error("a = 1\n[a]\n", 2, 2, "`a` already has a value (line 1, column 5): an integer");
    assert_error(
        "a = 1\n[a.b]\n",
        2,
        2,
        "`a` is an integer (line 1, column 5), which a header cannot extend",
    );
}

#[test]
fn inline_tables_and_static_arrays_are_closed_once_written() {
    assert_error(
        "a = {b = 1}\n[a]\n",
        2,
        2,
        "`a` is an inline table (line 1, column 5), which cannot be extended",
    );
    assert_error("a = {b = 1}\n[a.c]\n", 2, 2, "`a` is an inline table");
    assert_error("a = {b = 1}\na.c = 2\n", 2, 1, "`a` is an inline table");
    assert_error("a = {b = {c = 1}, b.d = 2}\n", 1, 19, "`b` is an inline table");
    assert_error("a = {b = 1, b = 2}\n", 1, 13, "`b` is defined twice (first at line 1, column 6)");
    assert_error(
        "a = []\n[[a]]\n",
        2,
        3,
        "`a` already has a value (line 1, column 5): an array, which a header cannot add to",
    );
    assert_error(
        "a = [{b = 1}]\n[a.c]\n",
        2,
        2,
        "`a` is an array (line 1, column 5), which a header cannot extend",
    );
    assert_error("[a]\n[[a]]\n", 2, 3, "`a` is a table (line 1, column 1), not an array of tables");
    assert_error(
        "[[a]]\n[a]\n",
        2,
        2,
        "`a` is an array of tables (line 1, column 1); its next table is written `[[a]]`",
    );
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_without_recursing_further() {
    let deep = format!("a = {}1{}\n", "[".repeat(200), "]".repeat(200));
    let (line, _, message) = error(&deep);
    assert_eq!((line, message.as_str()), (1, "nested more than 64 levels deep"));
    let inline = format!("a = {}{}\n", "{b = ".repeat(100), "}".repeat(100));
    assert!(error(&inline).2.contains("nested more than 64"));
    let header = format!("[{}]\n", vec!["k"; 100].join("."));
    assert!(error(&header).2.contains("nested more than 64"));
    let dotted = format!("{} = 1\n", vec!["k"; 100].join("."));
    assert!(error(&dotted).2.contains("nested more than 64"));
    // Within the limit is fine.
    let fine = format!("a = {}1{}\n", "[".repeat(60), "]".repeat(60));
    assert!(parse(&fine).is_ok());
}

#[test]
fn hostile_input_ends_in_an_error_never_a_panic() {
    for text in [
        "\"",
        "'",
        "\"\"\"",
        "'''",
        "[",
        "[[",
        "{",
        "a = {",
        "a = [",
        "a = \"\\",
        "a = \"\\u",
        "a = \"\\U0000",
        "a.",
        "a =",
        "a = 1979-",
        "a = 12:",
        "a = 0x",
        "a = +",
        "\u{feff}",
        "a = \"\"\"\\",
        "a = \"\"\"\\   ",
        "[a.]",
        "[.a]",
        "a = 1e",
        "a = 1__2",
        "a = 1979-05-27T",
        "a = 1979-05-27 ",
        "a = 1979-05-27T07:32:00+",
        "\r",
        "a = 'x'\r",
        "[a]\r\n[[a]]",
    ] {
        let _ = parse(text);
    }
}
