//! Writes the seed corpora, `corpus/<target>/`, by encoding real values with the crates' own
//! encoders (or, for text formats, as a user writes them), so that each target starts from
//! inputs its decoder accepts and the fuzzer spends its time past the first checks:
//!
//!     cargo run --manifest-path fuzz/Cargo.toml --example seeds -- [DODECA_HOST]
//!
//! With the path of a built `dodeca-host` (its cells beside it), the `scan_state` seeds are the
//! `.cache/dodeca.scan` files real builds of a small site leave; without it they are skipped.
//! Each seed is small (a few hundred bytes): the fuzzer grows its own corpus in a scratch
//! directory (`run-all.sh`), and the committed seeds stay a few KB per target.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use cell_proto::{
    MarkdownOptions, MarkdownReply, PageProblem, RenderMarkdown, RenderTemplate, Rendered,
    TemplateSource, Value,
};
use picante::persist::{PersistableIngredient, save_cache};
use picante::{
    DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
    InputIngredient, InternedIngredient, QueryKindId, Runtime,
};
use rpc::Payload;
use rpc::frame::{Frame, Kind};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let host = std::env::args_os().nth(1).map(PathBuf::from);
    let mut seeds = Seeds { corpus, written: 0 };
    rpc_seeds(&mut seeds)?;
    proto_seeds(&mut seeds)?;
    cas_seeds(&mut seeds)?;
    picante_seeds(&mut seeds)?;
    shm_seeds(&mut seeds)?;
    text_seeds(&mut seeds)?;
    image_seeds(&mut seeds)?;
    sass_seeds(&mut seeds)?;
    match host {
        Some(host) => scan_seeds(&mut seeds, &host)?,
        None => eprintln!("seeds: no dodeca-host given, scan_state seeds left as they are"),
    }
    println!("seeds: {} files written under {}", seeds.written, seeds.corpus.display());
    Ok(())
}

struct Seeds {
    corpus: PathBuf,
    written: usize,
}

impl Seeds {
    /// Writes `corpus/<target>/<name>`; the names are stable, so that running this again
    /// rewrites the same files rather than adding new ones.
    fn put(&mut self, target: &str, name: &str, bytes: impl AsRef<[u8]>) -> Result<(), Error> {
        let dir = self.corpus.join(target);
        fs::create_dir_all(&dir)?;
        fs::write(dir.join(name), bytes)?;
        self.written += 1;
        Ok(())
    }
}

fn hello(max_frame: u32, flags: u8) -> Vec<u8> {
    // The hello payload as `rpc::hello` lays it out: magic, version, max frame, flags.
    let mut out = rpc::hello::MAGIC.to_vec();
    out.extend_from_slice(&rpc::hello::PROTOCOL_VERSION.to_le_bytes());
    out.extend_from_slice(&max_frame.to_le_bytes());
    out.push(flags);
    out
}

fn frame(kind: Kind, request_id: u64, parent_id: u64, method_id: u32, payload: Vec<u8>) -> Vec<u8> {
    Frame { kind, request_id, parent_id, method_id, payload }.encode()
}

fn rpc_seeds(seeds: &mut Seeds) -> Result<(), Error> {
    seeds.put("rpc_hello", "plain", hello(1 << 20, 0))?;
    seeds.put("rpc_hello", "shared_memory_rings", hello(1 << 24, 3))?;
    let call = rpc::encode(&("page.md".to_string(), 7u64))?;
    let conversation = [
        frame(Kind::Hello, 0, 0, 0, hello(1 << 16, 1)),
        frame(Kind::Request, 1, 0, rpc::method_id("template", "render"), call.clone()),
        frame(Kind::Request, 2, 1, rpc::method_id("provider", "read"), call),
        frame(Kind::Response, 2, 1, 0, rpc::encode(&"<p>x</p>".to_string())?),
        frame(Kind::Error, 1, 0, 0, rpc::encode(&("no such template".to_string(), 3u32))?),
    ]
    .concat();
    seeds.put("rpc_frame", "conversation", conversation)?;
    seeds.put("rpc_frame", "cancel_notify", {
        let mut bytes = frame(Kind::Cancel, 9, 0, 0, Vec::new());
        bytes.extend(frame(Kind::Notify, 0, 0, 5, rpc::encode(&42u64)?));
        bytes
    })?;
    seeds.put("rpc_frame", "goodbye", frame(Kind::Goodbye, 0, 0, 0, b"closing".to_vec()))?;
    Ok(())
}

fn sample_value() -> Value {
    Value::Map(vec![
        ("title".into(), Value::String("Hello".into())),
        ("weight".into(), Value::Int(-3)),
        ("ratio".into(), Value::Float(0.5)),
        ("draft".into(), Value::Bool(false)),
        ("tags".into(), Value::List(vec![Value::String("a".into()), Value::Null])),
    ])
}

fn proto_seeds(seeds: &mut Seeds) -> Result<(), Error> {
    let value = sample_value();
    seeds.put("proto_value", "map_encoded", rpc::encode(&value.to_wire())?)?;
    seeds.put("proto_value", "map_wire", value.to_wire().as_bytes())?;
    let list = Value::List(vec![Value::Int(1), Value::List(vec![Value::String("x".into())])]);
    seeds.put("proto_value", "nested_list", rpc::encode(&list.to_wire())?)?;

    let render = RenderTemplate {
        name: "page.html".into(),
        context: value.to_wire(),
        templates: vec![
            TemplateSource { name: "page.html".into(), source: Some("{{ page.title }}".into()) },
            TemplateSource { name: "missing.html".into(), source: None },
        ],
        revision: 12,
    };
    seeds.put("proto_messages", "render_template", render.encode_payload()?)?;
    let rendered = Rendered { html: "<h1>Hello</h1>".into(), reused: vec![1, 5, 300] };
    seeds.put("proto_messages", "rendered", rendered.encode_payload()?)?;
    let markdown = RenderMarkdown {
        path: "blog/post.md".into(),
        source: "+++\ntitle = \"T\"\n+++\n# Head\n\ntext[^1]\n\n[^1]: note\n".into(),
        permalink: "https://example.org/blog/post/".into(),
        options: MarkdownOptions { bottom_footnotes: true, ..MarkdownOptions::default() },
    };
    seeds.put("proto_messages", "render_markdown", markdown.encode_payload()?)?;
    let page =
        cell_markdown::render_page("+++\ntitle = \"T\"\n+++\n# One\n\nbody <!-- more --> rest\n")?;
    seeds.put("proto_messages", "rendered_markdown", page.encode_payload()?)?;
    seeds.put(
        "proto_messages",
        "markdown_reply",
        MarkdownReply::Rendered(page).encode_payload()?,
    )?;
    let problem = MarkdownReply::Problem(PageProblem { message: "bad".into(), line: 3, column: Some(7) });
    seeds.put("proto_messages", "markdown_problem", problem.encode_payload()?)?;
    Ok(())
}

/// A postcard varint, for the format-1 body `cas` no longer writes but still reads.
fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn cas_seeds(seeds: &mut Seeds) -> Result<(), Error> {
    let dir = scratch("cas")?;
    let cas = cas::Cas::open(&dir)?;
    let names = ["public/index.html", "public/blog/post/index.html", "public/style.css"];
    for (n, name) in names.iter().enumerate() {
        let hash = cas.put(name.as_bytes())?;
        cas.set_name_tagged(name, hash, n as u64 * 1_000_003);
    }
    cas.flush()?;
    let file = fs::read(dir.join("cas.db"))?;
    // The target's first byte: even reads the whole file, 1 mod 4 a format-2 body behind a
    // valid header, 3 mod 4 a format-1 body. The header is 56 bytes (cas/src/names.rs).
    seeds.put("cas_names", "whole_file", &file)?;
    seeds.put("cas_names", "body_v2", [&[1u8][..], &file[56..]].concat())?;
    let mut v1 = vec![3u8];
    varint(names.len() as u64, &mut v1);
    for name in names {
        varint(name.len() as u64, &mut v1);
        v1.extend_from_slice(name.as_bytes());
        v1.extend_from_slice(cas::ContentHash::of(name.as_bytes()).as_bytes());
    }
    seeds.put("cas_names", "body_v1", v1)?;
    fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The database of `fuzz_targets/picante_cache.rs`, the same kinds and types, so that a file
/// it saves is one the target loads.
struct Db {
    runtime: Runtime,
    registry: IngredientRegistry<Db>,
    text: Arc<InputIngredient<u32, String>>,
    names: Arc<InternedIngredient<String>>,
    length: Arc<DerivedIngredient<Db, u32, u64>>,
}

impl HasRuntime for Db {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl IngredientLookup for Db {
    fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
        self.registry.ingredient(kind)
    }
}

fn db() -> Db {
    let text = Arc::new(InputIngredient::new(QueryKindId(1), "text"));
    let names = Arc::new(InternedIngredient::new(QueryKindId(2), "names"));
    let length = Arc::new(DerivedIngredient::new(QueryKindId(3), "length", |db: &Db, k: u32| {
        Box::pin(async move {
            let text = db.text.get(db, &k)?.unwrap_or_default();
            let below = if k > 0 { db.length.get(db, k - 1).await? } else { 0 };
            Ok(text.len() as u64 + below)
        })
    }));
    let mut registry = IngredientRegistry::new();
    registry.register(text.clone());
    registry.register(names.clone());
    registry.register(length.clone());
    Db { runtime: Runtime::new(), registry, text, names, length }
}

fn picante_seeds(seeds: &mut Seeds) -> Result<(), Error> {
    let dir = scratch("picante")?;
    for (name, pages) in [("one_input", 1u32), ("four_inputs", 4)] {
        let db = db();
        for k in 0..pages {
            db.text.set(&db, k, "x".repeat(k as usize + 1))?;
        }
        db.names.intern("a".into())?;
        pollster::block_on(db.length.get(&db, pages - 1))?;
        let path = dir.join(name);
        let ingredients: [&dyn PersistableIngredient; 3] = [&*db.text, &*db.names, &*db.length];
        save_cache(&path, db.runtime(), &ingredients)?;
        let file = fs::read(&path)?;
        // The target's first byte: even reads the rest as the file; odd appends a valid
        // checksum (blake3, the file's last 32 bytes) to what follows.
        seeds.put("picante_cache", &format!("{name}_file"), [&[0u8][..], &file].concat())?;
        let body = &file[..file.len() - 32];
        seeds.put("picante_cache", &format!("{name}_body"), [&[1u8][..], body].concat())?;
    }
    fs::remove_dir_all(&dir)?;
    Ok(())
}

fn shm_seeds(seeds: &mut Seeds) -> Result<(), Error> {
    // The first byte is how many blobs are sent before the damage; the rest 5-byte pokes.
    seeds.put("shm_segment", "three_blobs_intact", [3u8])?;
    seeds.put("shm_segment", "seven_blobs_intact", [7u8])?;
    let poke = |offset: u32, byte: u8| [&offset.to_le_bytes()[..], &[byte]].concat();
    // Low offsets are the segment's header and the ring's words; 8192 on, records and blocks.
    let pokes = [poke(64, 0xff), poke(8200, 0x7f), poke(12_288, 1)].concat();
    seeds.put("shm_segment", "two_blobs_damaged", [&[2u8][..], &pokes].concat())?;
    Ok(())
}

fn text_seeds(seeds: &mut Seeds) -> Result<(), Error> {
    let page = "+++\ntitle = \"A post\"\ndate = 2024-01-05\n[taxonomies]\ntags = [\"rust\"]\n+++\n\
                # Heading {#custom}\n\nSome *text* with a [link](@/blog/other.md) and `code`.\n\n\
                <!-- more -->\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [ ] task\n";
    let yaml = "---\ntitle: Yaml page\nweight: 3\nextra:\n  key: [1, 2]\n---\n> quote\n\n```rust\nfn main() {}\n```\n";
    seeds.put("markdown_page", "toml_page", page)?;
    seeds.put("markdown_page", "yaml_page", yaml)?;
    seeds.put("markdown_page", "no_front_matter", "just *text*\n\n1. one\n2. two\n")?;
    // Three option bytes (all on, then anchors and custom hooks, then highlighting and
    // emoji), then the text.
    let shortcodes = "{{ hello(name=\"x\") }}\n\n{% mark() %}\nbody\n{% end %}\n\n# Title\n\ntext[^n]\n\n[^n]: note\n\n<!-- more -->\n";
    seeds.put(
        "markdown_options",
        "all_on",
        [&[0xffu8, 0xff, 0xff][..], shortcodes.as_bytes()].concat(),
    )?;
    seeds.put("markdown_options", "defaults", [&[0u8, 0, 0][..], page.as_bytes()].concat())?;
    seeds.put(
        "markdown_options",
        "alerts",
        [&[0x04u8, 0x04, 0][..], b"> [!NOTE]\n> hi\n\n## A\n".as_slice()].concat(),
    )?;
    seeds.put(
        "markdown_options",
        "highlighting",
        [
            &[0u8, 0, 0x11][..],
            b"Hi :smile: `:cat:`\n\n```rust,linenos,hl_lines=1 3-4,hide_lines=2,linenostart=7,name=a.rs\nfn main() {}\n// x\nlet a = 1;\n```\n\n```nope\nx\n```\n\n    indented\n".as_slice(),
        ]
        .concat(),
    )?;

    seeds.put(
        "template_render",
        "inheritance",
        "{% extends \"base.html\" %}{% block b %}{{ page.title | upper }} {{ super() }}{% endblock %}\u{1}<html>{% block b %}base{% endblock %}</html>",
    )?;
    seeds.put(
        "template_render",
        "loops_and_filters",
        "{% for i in items %}{{ loop.index }}:{{ i }}{% if not loop.last %},{% endif %}{% endfor %}{% set x = page.n * 2 %}{{ x }}{{ items | length }}{{ \"a,b\" | split(pat=\",\") | join(sep=\"-\") }}",
    )?;
    seeds.put(
        "template_render",
        "macros",
        "{% macro m(a, b=2) %}{{ a + b }}{% endmacro m %}{{ self::m(a=1) }}{% raw %}{{ x }}{% endraw %}{# c #}",
    )?;
    // A reported timeout (not reproduced): an unfinished map in a tag-like opener.
    seeds.put("template_render", "unfinished_map", "{e% ")?;

    seeds.put(
        "http_request",
        "get_keep_alive",
        "GET /blog/post/?x=1 HTTP/1.1\r\nHost: localhost:1111\r\nConnection: keep-alive\r\nIf-None-Match: \"abc\"\r\n\r\n",
    )?;
    seeds.put("http_request", "head", "HEAD /style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")?;
    seeds.put(
        "http_request",
        "devtools_eval",
        "GET /__dodeca/eval?route=%2Fblog%2F&expr=page.title%20%7C%20upper HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )?;
    seeds.put("http_request", "traversal", "/a/%2e%2e/b//c/./d?q")?;

    let document = "title = \"T\"\n[a.b]\nx = 1_000\ny = [1.5, -inf, \"s\", 'lit']\nz = { p = true, q = 1979-05-27T07:32:00Z }\n[[arr]]\nk = \"\"\"\nmulti\"\"\"\n";
    seeds.put("toml_document", "tables", document)?;
    seeds.put(
        "toml_document",
        "dates",
        "d = 1979-05-27\nt = 07:32:00\nl = 1979-05-27T07:32:00.999\nhex = 0xdead_beef\n",
    )?;

    let config = "base_url = \"https://example.org/\"\ntitle = \"My site\"\ncompile_sass = false\n\
                  build_search_index = false\ntaxonomies = [{ name = \"tags\", feed = true }]\n\n\
                  [markdown]\nsmart_punctuation = true\ninsert_anchor_links = \"right\"\n\n\
                  [slugify]\npaths = \"safe\"\n\n[extra]\nauthor = \"me\"\nmenu = [{ url = \"/\", name = \"Home\" }]\n";
    seeds.put("host_config", "zola_config", config)?;
    seeds.put("host_config", "minimal", "base_url = \"/\"\n")?;
    seeds.put(
        "host_config",
        "languages",
        "base_url = \"https://a.b\"\ndefault_language = \"en\"\n[languages.fr]\ntitle = \"Site\"\n[link_checker]\nskip_prefixes = [\"http://x\"]\n",
    )?;

    // The first byte picks the format: 0 csv, 1 json, 2 yaml, 3 toml (modulo 5).
    let csv = "Name,Plot,Notes\r\nIn\u{e9}s,A,\"big, \"\"old\"\" tree\"\r\n\nTom,B,\"two\nlines\"\n";
    seeds.put("load_data", "csv", [b"\0".as_slice(), csv.as_bytes()].concat())?;
    seeds.put("load_data", "csv_uneven", b"\0a,b\n1,2,3\n\"open")?;
    let json = "{\"unit\": \"kg\", \"years\": [{\"year\": 2021, \"total\": 10450.5}], \"ok\": true}";
    seeds.put("load_data", "json", [b"\x01".as_slice(), json.as_bytes()].concat())?;
    // The fuzzer's crash in facet-json (an escaped non-ASCII character), refused before it.
    seeds.put("load_data", "json_escaped_non_ascii", "\x01[\".\\\u{84104}\"]".as_bytes())?;
    let yaml = "- name: Blossom walk\n  day: 20\n  open: true\n- {name: Apple day, day: 12}\n";
    seeds.put("load_data", "yaml", [b"\x02".as_slice(), yaml.as_bytes()].concat())?;
    let toml = "[people.ines]\nname = \"In\u{e9}s\"\njoined = 2009\nwhen = 2024-01-05\n";
    seeds.put("load_data", "toml", [b"\x03".as_slice(), toml.as_bytes()].concat())?;

    // The first byte: bit 0 YAML, bit 1 a section's `_index.md`.
    let page_toml = "title = \"Post\"\ndescription = \"d\"\ndate = 2024-01-05T10:00:00Z\nupdated = 2024-02-01\n\
                     weight = 3\ndraft = false\nslug = \"my-post\"\naliases = [\"/old/\"]\ntemplate = \"post.html\"\n\
                     [taxonomies]\ntags = [\"a\", \"b\"]\n[extra]\nimage = \"x.png\"\n";
    seeds.put("front_matter", "page_toml", [b"\0".as_slice(), page_toml.as_bytes()].concat())?;
    let page_yaml = "title: Post\ndate: 2024-01-05\ntaxonomies:\n  tags: [a, b]\nextra:\n  n: 1\n";
    seeds.put("front_matter", "page_yaml", [b"\x01".as_slice(), page_yaml.as_bytes()].concat())?;
    let section = "title = \"Blog\"\nsort_by = \"date\"\npaginate_by = 10\ntemplate = \"blog.html\"\n\
                   page_template = \"post.html\"\ninsert_anchor_links = \"left\"\ngenerate_feeds = true\n\
                   transparent = false\nredirect_to = \"\"\n";
    seeds.put("front_matter", "section_toml", [b"\x02".as_slice(), section.as_bytes()].concat())?;
    Ok(())
}

/// The host's test images (`host/tests/images/`, a few hundred bytes each: PNG, JPEG, GIF,
/// WebP) as they are, and SVGs as people write them, sized by `width` and `height`, by a
/// `viewBox` only, with units, and malformed.
fn image_seeds(seeds: &mut Seeds) -> Result<(), Error> {
    let images = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/tests/images");
    for name in ["gradient.jpg", "gradient.png", "small.gif", "small.webp", "square.png"] {
        seeds.put("image_file", name, fs::read(images.join(name))?)?;
    }
    seeds.put(
        "image_file",
        "svg_width_height.svg",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"40\">\n  <rect width=\"120\" height=\"40\" fill=\"#c33\"/>\n</svg>\n",
    )?;
    seeds.put(
        "image_file",
        "svg_view_box.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300.5,150\" stroke-width=\"2\"><circle r=\"4\"/></svg>",
    )?;
    seeds.put(
        "image_file",
        "svg_units.svg",
        "\u{feff}<!-- units are dropped --><!DOCTYPE svg>\n<svg\n  width='10em' height=\"2.5e1px\"\n  viewBox=\"-5 -5 10 10\"/>",
    )?;
    seeds.put(
        "image_file",
        "svg_malformed.svg",
        "<svg width=\"-3\" height=\"1e999\" viewBox=\"0 0 x\" height=\"4",
    )?;
    Ok(())
}

/// The stylesheets of the `zola-sass` test site (`host/tests/sites/zola-sass/`), and edge
/// cases: nesting just under the cell's bound and just over it, an unterminated string, and
/// `@import` of a file the site does not have. The first byte: 0 SCSS, 1 the indented syntax.
fn sass_seeds(seeds: &mut Seeds) -> Result<(), Error> {
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/tests/sites/zola-sass");
    for (name, file) in [
        ("main", "sass/main.scss"),
        ("vars", "sass/_vars.scss"),
        ("grid", "sass/layout/_grid.scss"),
        ("blog_post", "sass/blog/post.scss"),
        ("print_indented", "sass/print.sass"),
        ("theme", "themes/plain/sass/theme.scss"),
    ] {
        let syntax = if file.ends_with(".sass") { b"\x01" } else { b"\0" };
        let text = fs::read(site.join(file))?;
        seeds.put("sass_source", name, [syntax.as_slice(), &text].concat())?;
    }
    // The cell's bound is 256 brackets deep (`cells/sass/src/nesting.rs`): the block's `{`
    // and 255 parentheses, then one more.
    let nested = |depth: usize| {
        format!("\0a {{ b: {}1{}; }}\n", "(".repeat(depth - 1), ")".repeat(depth - 1))
    };
    seeds.put("sass_source", "nested_at_the_bound", nested(256))?;
    seeds.put("sass_source", "nested_past_the_bound", nested(257))?;
    seeds.put(
        "sass_source",
        "unterminated_string",
        "\0$s: \"open;\na { content: 'never closed; }\n",
    )?;
    seeds.put(
        "sass_source",
        "import_missing",
        "\0@import \"missing\", \"../outside\";\n@use \"sass:math\";\na { b: math.div(1px, 2); }\n",
    )?;
    // The fuzzer's first find: grass asserts on an indented file's first line indented (a
    // panic `compile` catches and answers as an error).
    seeds.put(
        "sass_source",
        "indented_first_line",
        "\x01\n  color: black\n  nav, footer\n    none\n",
    )?;
    seeds.put(
        "sass_source",
        "control_flow",
        "\0@function twice($n) { @return $n * 2; }\n@mixin m($x...) { margin: $x; }\n\
         @for $i from 1 through 3 { .m-#{$i} { @include m(twice($i) * 1px, 0); } }\n\
         @if 1 < 2 { p { q: r } } @else { s { t: u } }\n@warn \"w\"; @debug 1 + 1;\n",
    )?;
    Ok(())
}

/// `.cache/dodeca.scan` as real builds leave it: a small site built once, then again after
/// an edit and an added page (the second file records stamps from a rescan).
fn scan_seeds(seeds: &mut Seeds, host: &Path) -> Result<(), Error> {
    let site = scratch("site")?;
    fs::create_dir_all(site.join("content/blog"))?;
    fs::create_dir_all(site.join("templates"))?;
    fs::write(site.join("config.toml"), "base_url = \"https://example.org\"\n")?;
    fs::write(site.join("templates/index.html"), "{{ section.title }}")?;
    fs::write(site.join("templates/section.html"), "{{ section.title }}")?;
    fs::write(site.join("templates/page.html"), "{{ page.title }}{{ page.content | safe }}")?;
    fs::write(site.join("content/_index.md"), "+++\ntitle = \"Home\"\n+++\n")?;
    fs::write(site.join("content/blog/_index.md"), "+++\ntitle = \"Blog\"\n+++\n")?;
    fs::write(site.join("content/blog/a.md"), "+++\ntitle = \"A\"\n+++\nbody\n")?;
    let build = |name: &str, seeds: &mut Seeds| -> Result<(), Error> {
        let status = Command::new(host).arg("build").arg(&site).arg("-q").status()?;
        if !status.success() {
            return Err(format!("{} build {}: {status}", host.display(), site.display()).into());
        }
        let file = fs::read(site.join(".cache/dodeca.scan"))?;
        seeds.put("scan_state", &format!("{name}_file"), &file)?;
        // Odd first byte: the target puts the magic (12 bytes) back and appends the checksum.
        let body = &file[12..file.len() - 32];
        seeds.put("scan_state", &format!("{name}_body"), [&[1u8][..], body].concat())
    };
    build("first", seeds)?;
    fs::write(site.join("content/blog/a.md"), "+++\ntitle = \"A2\"\n+++\nbody\n")?;
    fs::write(site.join("content/blog/b.md"), "+++\ntitle = \"B\"\n+++\nmore\n")?;
    build("second", seeds)?;
    fs::remove_dir_all(&site)?;
    Ok(())
}

fn scratch(name: &str) -> Result<PathBuf, Error> {
    let dir = std::env::temp_dir().join(format!("dodeca-seeds-{}-{name}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    Ok(dir)
}
