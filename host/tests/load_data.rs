//! Zola's `load_data`, answered by the host: every format (BibTeX and XML through the data
//! cell, as Zola prints them), the paths Zola finds, literals, `required=false`, the calls
//! refused and the files that do not parse, each through the real cells; then incrementality: a file's edit renders exactly the pages whose templates loaded
//! it, in this process and in the next.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_outputs_match_a_cold_build, open, remove_unless_failing, run, temp, write};

/// A site whose pages each load something: `a.md` and `b.md` the JSON `data/a.json`, `c.md`
/// the TOML `data/c.toml`, `plain.md` nothing; `trip/` and `walk/` each the CSV beside them
/// (by `page.colocated_path`).
fn site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = temp(&format!("load-data-{name}"));
    let root = sandbox.join("site");
    write(&root, "config.toml", "base_url = \"https://t.example\"\ntitle = \"T\"\n");
    write(&root, "content/_index.md", "+++\n+++\n");
    for (page, template) in [("a", "json"), ("b", "json"), ("c", "toml"), ("plain", "plain")] {
        let text = format!("+++\ntitle = \"{page}\"\ntemplate = \"{template}.html\"\n+++\n");
        write(&root, &format!("content/{page}.md"), &text);
    }
    for trip in ["trip", "walk"] {
        let text = "+++\ntitle = \"Stops\"\ntemplate = \"stops.html\"\n+++\n";
        write(&root, &format!("content/{trip}/index.md"), text);
        write(&root, &format!("content/{trip}/stops.csv"), "stop,km\nstart,0\n");
    }
    write(&root, "data/a.json", "{\"name\": \"Ann\", \"tags\": [\"x\", \"y\"]}\n");
    write(&root, "data/c.toml", "[owner]\nname = \"Cy\"\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/plain.html", "{{ page.title }}");
    write(
        &root,
        "templates/json.html",
        "{% set a = load_data(path=\"data/a.json\") %}{{ page.title }}: {{ a.name }} \
         {{ a.tags | join(sep=\"+\") }}",
    );
    write(
        &root,
        "templates/toml.html",
        "{{ page.title }}: {{ load_data(path=\"/data/c.toml\").owner.name }}",
    );
    write(
        &root,
        "templates/stops.html",
        "{% set s = load_data(path=page.colocated_path ~ \"stops.csv\") %}\
         {% for r in s.records %}{{ r.0 }}={{ r[1] }};{% endfor %}",
    );
    (sandbox, root)
}

fn output(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join("public").join(rel))
        .unwrap_or_else(|e| panic!("public/{rel}: {e}"))
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

/// The first line of the error of the page `page` (its content path).
fn error_of(report: &host::BuildReport, page: &str) -> String {
    let file = Path::new("content").join(page);
    let error = report.errors.iter().find(|e| e.file == file || e.file == Path::new(page));
    let error = error.unwrap_or_else(|| panic!("no error for {page}: {:?}", report.errors));
    error.to_string()
}

#[test]
fn every_format_loads_as_zola_gives_it() {
    let (sandbox, root) = site("formats");
    write(&root, "data/t.toml", "a = 1\nlist = [\"p\", \"q\"]\nwhen = 2024-01-05\n[t]\nb = true\n");
    write(&root, "data/y.yaml", "- name: Blossom\n  day: 20\n- name: Apple\n  day: 12\n");
    write(&root, "data/y2.yml", "k: v\n");
    write(&root, "data/c.csv", "\u{feff}Name,Plot\nInés,\"A, east\"\nTom,B\n");
    write(&root, "data/raw.JSON", "[1, 2.5, null]");
    write(&root, "static/notes.txt", "line one\n");
    write(&root, "static/site.css", "body{}");
    write(&root, "static/j.txt", "{\"x\": 7}");
    write(&root, "content/formats.md", "+++\ntemplate = \"formats.html\"\n+++\n");
    write(
        &root,
        "templates/formats.html",
        "{% set t = load_data(path=\"data/t.toml\") %}toml: {{ t.a }} {{ t.list | join(sep=\"+\") }} {{ t.when }} {{ t.t.b }}\n\
         {% set y = load_data(path=\"data/y.yaml\") %}yaml: {{ y | length }} {{ y.0.name }} {{ y.1.day }} {{ load_data(path=\"data/y2.yml\").k }}\n\
         {% set c = load_data(path=\"data/c.csv\") %}csv: {{ c.headers | join(sep=\"|\") }} {{ c.records | length }} {{ c.records[0][1] }} {{ c.records[1][0] }}\n\
         json by extension in any case: {{ load_data(path=\"data/raw.JSON\") | length }}\n\
         plain: {{ load_data(path=\"static/notes.txt\") }}|{{ load_data(path=\"static/site.css\") }}\n\
         format over extension: {{ load_data(path=\"data/c.csv\", format=\"plain\") | length }} {{ load_data(path=\"static/j.txt\", format=\"JSON\").x }}\n\
         literal: {{ load_data(literal='{\"level\": 2}', format=\"json\").level }} {{ load_data(literal=\"a,b\n1,2\", format=\"csv\").records[0][1] }} {{ load_data(literal=\"as is\") }}\n\
         content: {{ load_data(path=\"@/trip/stops.csv\").records[0][0] }} {{ load_data(path=\"content/walk/stops.csv\").headers.1 }} {{ load_data(path=\"@/a.md\", format=\"plain\") | length }}\n\
         found under static/ and content/: {{ load_data(path=\"notes.txt\") }}|{{ load_data(path=\"trip/stops.csv\").records[0][0] }}\n\
         {% set m = load_data(path=\"data/none.json\", required=false) %}missing: {% if m %}found{% else %}null{% endif %}\n",
    );
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        output(&root, "formats/index.html"),
        "toml: 1 p+q 2024-01-05 true\n\
         yaml: 2 Blossom 12 v\n\
         csv: Name|Plot 2 A, east Tom\n\
         json by extension in any case: 3\n\
         plain: line one\n|body{}\n\
         format over extension: 31 7\n\
         literal: 2 2 as is\n\
         content: start km 43\n\
         found under static/ and content/: line one\n|start\n\
         missing: null\n"
    );
    // The colocated CSV of each bundle, by `page.colocated_path`.
    assert_eq!(output(&root, "trip/index.html"), "start=0;");
    assert_eq!(output(&root, "a/index.html"), "a: Ann x+y");
    assert_eq!(output(&root, "c/index.html"), "c: Cy");
    remove_unless_failing(&sandbox);
}

/// An Atom-like feed, as XML: attributes, a namespace, numbers, a boolean, an empty
/// element, repeated elements, mixed text, CDATA, an entity.
const FEED_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">
  <title type=\"text\">Orchard &amp; Press</title>
  <id>007</id>
  <rating>4.50</rating>
  <open>true</open>
  <entry><title>Blossom</title><views>12</views></entry>
  <note/>
  <entry><title>Apple day</title><views>-3</views></entry>
  <summary>Pressing <b>weekend</b> soon</summary>
  <raw><![CDATA[<p>a & b</p>]]></raw>
</feed>
";

/// BibTeX with a preamble, a comment, a variable, concatenation, braces, a month.
const REFS_BIBTEX: &str = "@preamble{ \"\\newcommand{\\noopsort}[1]{}\" }
@comment{ kept for the society's records }
@string{ press = \"Orchard Press\" }
@book{pomona1851,
  title = {The {Pomona} Britannica},
}
@article{cider1984,
  Publisher = press # \", Hereford\",
}
@misc{blossom, month = apr}
";

#[test]
fn bibtex_and_xml_load_as_zola_prints_them() {
    let (sandbox, root) = site("bibtex-xml");
    write(&root, "data/feed.xml", FEED_XML);
    write(&root, "data/refs.bibtex", REFS_BIBTEX);
    write(&root, "static/refs.bib", REFS_BIBTEX);
    write(&root, "static/list.txt", "<list><i>1</i><i>1.0</i></list>");
    write(&root, "content/formats.md", "+++\ntemplate = \"formats.html\"\n+++\n");
    write(
        &root,
        "templates/formats.html",
        "xml: {{ load_data(path=\"data/feed.xml\") | json_encode() | safe }}\n\
         bibtex: {{ load_data(path=\"data/refs.bibtex\") | json_encode() | safe }}\n\
         bib is plain: {{ load_data(path=\"static/refs.bib\") | length }}\n\
         {% set refs = load_data(path=\"static/refs.bib\", format=\"BibTeX\") %}\
         {% set lit = load_data(literal=\"@misc{k, year = 1984}\", format=\"bibtex\") %}\
         by format: {{ refs.bibliographies.1.tags.publisher }} \
         {{ load_data(path=\"static/list.txt\", format=\"xml\") | json_encode() | safe }}\n\
         literal: {{ load_data(literal=\"<a b='1'>x</a>\", format=\"xml\") | json_encode() | safe }} \
         {{ lit.bibliographies.0.tags.year }}\n",
    );
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Zola 0.22.1's page for the same files and template, byte for byte. (`.bib` is no
    // format's name: plain text, as in Zola.)
    assert_eq!(
        output(&root, "formats/index.html"),
        r##"xml: {"feed":{"@lang":"en","title":{"@type":"text","#text":"Orchard & Press"},"id":7,"rating":4.5,"open":true,"note":{},"entry":[{"title":"Blossom","views":12},{"title":"Apple day","views":-3.0}],"summary":"Pressing","raw":"<p>a & b</p>"}}
bibtex: {"preambles":["\\newcommand{\\noopsort}[1]{}"],"comments":["kept for the society's records"],"variables":{"press":"Orchard Press"},"bibliographies":[{"entry_type":"book","citation_key":"pomona1851","tags":{"title":"The {Pomona} Britannica"}},{"entry_type":"article","citation_key":"cider1984","tags":{"publisher":"Orchard Press, Hereford"}},{"entry_type":"misc","citation_key":"blossom","tags":{"month":"April"}}]}
bib is plain: 264
by format: Orchard Press, Hereford {"list":{"i":[1,1.0]}}
literal: {"a":{"@b":1,"#text":"x"}} 1984
"##
    );
    remove_unless_failing(&sandbox);
}

#[test]
fn bibtex_tags_keep_the_file_s_order() {
    // Zola's come out of a HashMap, in another order each run; ours are the file's.
    let (sandbox, root) = site("bibtex-order");
    write(
        &root,
        "data/refs.bibtex",
        "@string{z = \"1\"}\n@string{a = \"2\"}\n@article{k,\n  title = {T},\n  author = {A},\n  year = 1984,\n  Journal = {J},\n}\n",
    );
    write(&root, "content/order.md", "+++\ntemplate = \"order.html\"\n+++\n");
    write(
        &root,
        "templates/order.html",
        "{% set refs = load_data(path=\"data/refs.bibtex\") %}\
         {% for k, v in refs.bibliographies.0.tags %}{{ k }}={{ v }};{% endfor %} \
         {% for k, v in refs.variables %}{{ k }}={{ v }};{% endfor %}",
    );
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(output(&root, "order/index.html"), "title=T;author=A;year=1984;journal=J; z=1;a=2;");
    remove_unless_failing(&sandbox);
}

#[test]
fn refused_calls_and_bad_files_are_errors_naming_the_path_and_the_place() {
    let (sandbox, root) = site("errors");
    write(&root, "data/bad.json", "{\n  \"a\": 1,\n  \"b\": \n}\n");
    write(&root, "data/bad.toml", "a = 1\nb = \"never closed\n");
    write(&root, "data/bad.yaml", "a: [1, 2\nb: 3\n");
    write(&root, "data/uneven.csv", "Number,Title\n1,Gutenberg\n3,Typewriter,Extra\n");
    write(&root, "data/open.csv", "a,b\n1,\"two\n");
    write(&root, "static/feed.xml", "<feed>\n  <title>x</titel>\n</feed>\n");
    write(
        &root,
        "data/bad.bibtex",
        "@misc{ok, a = {1}}\n\n@article{k,\n  title = {x},\n  year = \n}\n",
    );
    write(&root, "data/loop.bibtex", "@string{a = b}\n@string{b = a}\n");
    std::fs::write(root.join("data/binary.txt"), b"ok\n\xff\xfe").unwrap();
    write(&root, "outside.json", "{}");
    write(&root, "templates/probe.html", "{{ load_data(path=page.extra.path) }}");
    write(&root, "templates/url.html", "{{ load_data(url=\"https://example.com/x.json\") }}");
    write(&root, "templates/both.html", "{{ load_data(path=\"data/a.json\", literal=\"x\") }}");
    write(&root, "templates/format.html", "{{ load_data(path=\"data/a.json\", format=\"ini\") }}");
    write(&root, "templates/literal.html", "{{ load_data(literal=\"{oops\", format=\"json\") }}");
    write(
        &root,
        "templates/xml-literal.html",
        "{{ load_data(literal=\"<a>\n<b></a>\", format=\"xml\") }}",
    );
    write(
        &root,
        "templates/optional-outside.html",
        "{{ load_data(path=\"../outside.json\", required=false) }}",
    );
    let probes = [
        ("bad-json", "data/bad.json"),
        ("bad-toml", "data/bad.toml"),
        ("bad-yaml", "data/bad.yaml"),
        ("uneven", "data/uneven.csv"),
        ("open", "data/open.csv"),
        ("xml", "static/feed.xml"),
        ("bibtex", "data/bad.bibtex"),
        ("loop", "data/loop.bibtex"),
        ("binary", "data/binary.txt"),
        ("escape", "../outside.json"),
        ("template", "templates/plain.html"),
        ("config", "config.toml"),
        ("output", "public/a/index.html"),
        ("absolute", "/etc/passwd"),
        ("missing", "data/none.json"),
    ];
    for (page, path) in probes {
        let text = format!("+++\ntemplate = \"probe.html\"\n[extra]\npath = \"{path}\"\n+++\n");
        write(&root, &format!("content/{page}.md"), &text);
    }
    for page in ["url", "both", "format", "literal", "xml-literal", "optional-outside"] {
        write(
            &root,
            &format!("content/{page}.md"),
            &format!("+++\ntemplate = \"{page}.html\"\n+++\n"),
        );
    }
    let report = open(&root).build(2).unwrap();
    let error = |page: &str| error_of(&report, &format!("{page}.md"));
    let expect = |page: &str, first_line: &str| {
        let error = error(page);
        let line = error.lines().next().unwrap();
        assert!(line.contains(first_line), "{page}: {error}");
        error
    };
    // Files that do not parse: the file, the line and column, the line itself.
    let json = expect("bad-json", "host error: load_data: data/bad.json:4:1: ");
    assert!(json.contains("    | }"), "{json}");
    expect("bad-toml", "load_data: data/bad.toml:2:5: a string that is never closed");
    expect("bad-yaml", "load_data: data/bad.yaml:");
    let csv = expect(
        "uneven",
        "load_data: data/uneven.csv:3:1: record 2 has 3 fields, but the header has 2",
    );
    assert!(csv.contains("    | 3,Typewriter,Extra"), "{csv}");
    expect("open", "load_data: data/open.csv:2:3: a quoted field is never closed");
    expect("binary", "load_data: data/binary.txt:2:1: not UTF-8 text");
    let xml = expect(
        "xml",
        "load_data: static/feed.xml:2:11: the element `title` is closed by `</titel>`",
    );
    assert!(xml.contains("    |   <title>x</titel>"), "{xml}");
    let bibtex =
        expect("bibtex", "load_data: data/bad.bibtex:3:1: an entry that does not parse as BibTeX");
    assert!(bibtex.contains("    | @article{k,"), "{bibtex}");
    expect("loop", "load_data: data/loop.bibtex: the @string `a` refers to itself");
    expect(
        "xml-literal",
        "load_data: the xml literal (line 2, column 4): the element `b` is closed by `</a>`",
    );
    expect("literal", "load_data: the json literal (line 1, column 2): ");
    // Calls refused.
    expect(
        "escape",
        "load_data: `../outside.json` leaves the site; load_data reads files under content/, \
         data/ and static/",
    );
    expect("optional-outside", "load_data: `../outside.json` leaves the site");
    expect(
        "template",
        "load_data: `templates/plain.html` is in templates/, which load_data does not read: it \
         reads files under content/, data/ and static/, whose changes the host tracks",
    );
    expect(
        "config",
        "load_data: `config.toml` is in the config file, which load_data does not read",
    );
    expect("output", "`public/a/index.html` is in public/, the output directory, which");
    expect(
        "absolute",
        "load_data: `/etc/passwd` doesn't exist (looked for static/etc/passwd, \
         content/etc/passwd); load_data reads files under content/, data/ and static/",
    );
    expect(
        "missing",
        "load_data: `data/none.json` doesn't exist (looked for data/none.json, \
         static/data/none.json, content/data/none.json)",
    );
    expect(
        "url",
        "load_data: `url=https://example.com/x.json`: dodeca-host does not fetch from the network",
    );
    expect("both", "load_data: requires exactly one of a `path`, `url` or `literal` argument");
    expect("format", "load_data: unknown format `ini`");
    // Every other page is written.
    assert_eq!(output(&root, "a/index.html"), "a: Ann x+y");
    assert_eq!(report.errors.len(), probes.len() + 6, "{:?}", report.errors);

    // A fixed file: the page that loads it builds.
    write(&root, "data/bad.json", "{\"a\": 1}\n");
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.iter().all(|e| !e.to_string().contains("bad.json")));
    remove_unless_failing(&sandbox);
}

#[test]
fn editing_a_data_file_renders_exactly_the_pages_that_loaded_it() {
    let (sandbox, root) = site("edit-data");
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);

    write(&root, "data/a.json", "{\"name\": \"Bea\", \"tags\": [\"x\"]}\n");
    let report = site.build(2).unwrap();
    assert_eq!(sorted(report.rendered), ["a.md", "b.md"]);
    assert_eq!(output(&root, "b/index.html"), "b: Bea x");

    // `/data/c.toml` is `data/c.toml`: its page only.
    write(&root, "data/c.toml", "[owner]\nname = \"Cid\"\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["c.md"]);
    assert_eq!(output(&root, "c/index.html"), "c: Cid");

    // The same data written otherwise: parsed again, equal, so nothing renders.
    write(&root, "data/a.json", "{ \"name\": \"Bea\",\n  \"tags\": [ \"x\" ] }");
    let report = site.build(2).unwrap();
    assert!(report.rendered.is_empty(), "{:?}", report.rendered);

    // A data file nobody loads: nothing renders.
    write(&root, "data/unused.csv", "a\n1\n");
    let report = site.build(2).unwrap();
    assert!(report.rendered.is_empty(), "{:?}", report.rendered);

    // Removed: the pages that loaded it fail, naming it; restored, they build again.
    std::fs::remove_file(root.join("data/a.json")).unwrap();
    let report = site.build(2).unwrap();
    assert_eq!(sorted(report.rendered.clone()), ["a.md", "b.md"]);
    assert!(error_of(&report, "a.md").contains("`data/a.json` doesn't exist"));
    write(&root, "data/a.json", "{\"name\": \"Cat\", \"tags\": []}\n");
    let report = site.build(2).unwrap();
    assert_eq!(sorted(report.rendered), ["a.md", "b.md"]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    remove_unless_failing(&sandbox);
}

#[test]
fn editing_an_xml_or_bibtex_file_renders_exactly_the_pages_that_loaded_it() {
    let (sandbox, root) = site("edit-xml");
    write(&root, "data/feed.xml", "<feed><title>Blossom</title></feed>");
    write(&root, "data/refs.bibtex", "@misc{k, title = {Pomona}}\n");
    for (page, template) in [("x1", "xml"), ("x2", "xml"), ("bib", "bib")] {
        let text = format!("+++\ntemplate = \"{template}.html\"\n+++\n");
        write(&root, &format!("content/{page}.md"), &text);
    }
    write(&root, "templates/xml.html", "{{ load_data(path=\"data/feed.xml\").feed.title }}");
    write(
        &root,
        "templates/bib.html",
        "{{ load_data(path=\"data/refs.bibtex\").bibliographies.0.tags.title }}",
    );
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(output(&root, "x1/index.html"), "Blossom");

    write(&root, "data/feed.xml", "<feed><title>Apple day</title></feed>");
    let report = site.build(2).unwrap();
    assert_eq!(sorted(report.rendered), ["x1.md", "x2.md"]);
    assert_eq!(output(&root, "x2/index.html"), "Apple day");

    write(&root, "data/refs.bibtex", "@misc{k, title = {Pomona Britannica}}\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["bib.md"]);
    assert_eq!(output(&root, "bib/index.html"), "Pomona Britannica");

    // The same value written otherwise: read again, equal, so nothing renders.
    write(
        &root,
        "data/feed.xml",
        "<?xml version=\"1.0\"?>\n<feed>\n  <title> Apple day </title>\n</feed>\n",
    );
    let report = site.build(2).unwrap();
    assert!(report.rendered.is_empty(), "{:?}", report.rendered);

    // Broken, then fixed: the pages that load it fail, naming it, then build again.
    write(&root, "data/feed.xml", "<feed><title>x</feed>");
    let report = site.build(2).unwrap();
    assert_eq!(sorted(report.rendered.clone()), ["x1.md", "x2.md"]);
    assert!(
        error_of(&report, "x1.md")
            .contains("load_data: data/feed.xml:1:15: the element `title` is closed by `</feed>`")
    );
    write(&root, "data/feed.xml", "<feed><title>Cox</title></feed>");
    let report = site.build(2).unwrap();
    assert_eq!(sorted(report.rendered), ["x1.md", "x2.md"]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(output(&root, "x1/index.html"), "Cox");
    assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    remove_unless_failing(&sandbox);
}

#[test]
fn editing_a_csv_beside_a_page_renders_only_that_page() {
    let (sandbox, root) = site("edit-csv");
    let site = open(&root);
    site.build(2).unwrap();

    write(&root, "content/trip/stops.csv", "stop,km\nstart,0\nlake,12\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["trip/index.md"]);
    assert_eq!(output(&root, "trip/index.html"), "start=0;lake=12;");
    // The asset itself is copied again too.
    assert_eq!(sorted(report.written_files), ["trip/index.html", "trip/stops.csv"]);
    assert_eq!(output(&root, "walk/index.html"), "start=0;");
    assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    remove_unless_failing(&sandbox);
}

#[test]
fn a_file_that_appears_where_a_page_looked_is_found_by_that_page_only() {
    let (sandbox, root) = site("appears");
    write(
        &root,
        "templates/optional.html",
        "{% set n = load_data(path=\"loose/news.json\", required=false) %}{% if n %}{{ n.title }}{% else %}none{% endif %}",
    );
    write(&root, "content/optional.md", "+++\ntemplate = \"optional.html\"\n+++\n");
    let site = open(&root);
    site.build(2).unwrap();
    assert_eq!(output(&root, "optional/index.html"), "none");

    // Zola looks under static/ before content/. (A file in `content/loose/`, which no page
    // or section owns, is no page's asset: only the page that looked for it renders.)
    write(&root, "content/loose/news.json", "{\"title\": \"from content\"}");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["optional.md"]);
    assert_eq!(output(&root, "optional/index.html"), "from content");
    write(&root, "static/loose/news.json", "{\"title\": \"from static\"}");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["optional.md"]);
    assert_eq!(output(&root, "optional/index.html"), "from static");
    remove_unless_failing(&sandbox);
}

#[test]
fn pages_loading_one_file_by_different_paths_parse_it_once() {
    let (sandbox, root) = site("once");
    let spellings = ["data/a.json", "/data/a.json", "data/./a.json", "content/../data/a.json"];
    for (i, path) in spellings.iter().enumerate() {
        write(
            &root,
            &format!("templates/once-{i}.html"),
            &format!("{{{{ load_data(path=\"{path}\").name }}}}"),
        );
        write(
            &root,
            &format!("content/once-{i}.md"),
            &format!("+++\ntemplate = \"once-{i}.html\"\n+++\n"),
        );
    }
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(output(&root, "once-3/index.html"), "Ann");
    // Six pages and four spellings of `data/a.json`: one file read and parsed, as each of
    // `data/c.toml` and the two CSVs.
    let stats = site.database_stats();
    let loaded = stats.iter().find(|s| s.name == "loaded").expect("the loaded query");
    assert_eq!(loaded.values, 4);
    remove_unless_failing(&sandbox);
}

#[test]
fn a_new_process_renders_only_the_pages_that_loaded_the_edited_file() {
    let (sandbox, root) = site("process");
    let cwd = root.as_path();
    let first = run(cwd, &["build", "."]);
    assert!(first.status.success(), "{}", common::stderr(&first));
    write(&root, "content/walk/stops.csv", "stop,km\nfarm,3\n");
    let second = run(cwd, &["build", "."]);
    assert!(second.status.success(), "{}", common::stderr(&second));
    assert!(common::stdout(&second).contains("; 1 renders;"), "{}", common::stdout(&second));
    assert_eq!(output(&root, "walk/index.html"), "farm=3;");
    write(&root, "data/a.json", "{\"name\": \"Dot\", \"tags\": []}\n");
    let third = run(cwd, &["build", "."]);
    assert!(common::stdout(&third).contains("; 2 renders;"), "{}", common::stdout(&third));
    assert_eq!(output(&root, "a/index.html"), "a: Dot ");
    remove_unless_failing(&sandbox);
}
