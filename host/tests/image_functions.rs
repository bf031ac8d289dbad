//! Zola's `get_image_metadata` and `resize_image`, through the real cells: the metadata of
//! each format read, the sizes of every operation as Zola's rules give them, the processed
//! files written with those sizes under Zola's names, the errors named at the call, and
//! incrementality: an edit of an image renders exactly the page that asked for it and
//! rewrites its processed file; an unchanged request is not resized again by the next
//! process. When Zola's binary is at hand, the answers are compared with its own.

mod common;

use std::path::{Path, PathBuf};

use common::{cell_dir, remove_unless_failing, temp, write};

/// The fixture images (`cells/image/examples/make-fixtures.rs` made them).
fn fixture_image(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/images").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn put(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A site whose `images.md` uses the template `images.html` and `plain.md` uses none.
fn site(name: &str, images_template: &str) -> (PathBuf, PathBuf) {
    let sandbox = temp(&format!("images-{name}"));
    let root = sandbox.join("site");
    write(&root, "config.toml", "base_url = \"https://t.example\"\ntitle = \"T\"\n");
    write(&root, "content/_index.md", "+++\n+++\n");
    write(&root, "content/images.md", "+++\ntitle = \"I\"\ntemplate = \"images.html\"\n+++\n");
    write(&root, "content/plain.md", "+++\ntitle = \"P\"\ntemplate = \"plain.html\"\n+++\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/section.html", "section");
    write(&root, "templates/page.html", "{{ page.title }}");
    write(&root, "templates/plain.html", "plain {{ page.title }}");
    write(&root, "templates/images.html", images_template);
    put(&root, "static/img/gradient.png", &fixture_image("gradient.png"));
    put(&root, "static/img/gradient.jpg", &fixture_image("gradient.jpg"));
    put(&root, "static/img/small.gif", &fixture_image("small.gif"));
    put(&root, "static/img/small.webp", &fixture_image("small.webp"));
    write(&root, "content/gallery/_index.md", "+++\n+++\n");
    put(&root, "content/gallery/square.png", &fixture_image("square.png"));
    write(
        &root,
        "static/img/logo.svg",
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 \
         48\"></svg>\n",
    );
    (sandbox, root)
}

fn open(root: &Path) -> host::Site {
    host::Site::open_with(root, host::Cells::in_dirs(vec![cell_dir()])).unwrap()
}

/// The site as a process opens it that saves its database for the next one (and does not
/// watch its outputs).
fn open_persistent(root: &Path) -> host::Site {
    let mut site = open(root);
    site.set_persistent(true);
    site.set_watch_outputs(false);
    site
}

fn output(root: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(root.join("public").join(rel)).unwrap_or_else(|e| panic!("public/{rel}: {e}"))
}

fn page(root: &Path, rel: &str) -> String {
    String::from_utf8(output(root, rel)).unwrap()
}

/// The size in a PNG's header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[1..4], b"PNG", "not a PNG");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

/// The size in a JPEG's first start-of-frame segment.
fn jpeg_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..2], [0xff, 0xd8], "not a JPEG");
    let mut at = 2;
    while at + 9 < bytes.len() {
        let (marker, len) = (bytes[at + 1], u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if (0xc0..=0xc3).contains(&marker) {
            let h = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]);
            let w = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]);
            return (w.into(), h.into());
        }
        at += 2 + usize::from(len);
    }
    panic!("no start of frame in the JPEG");
}

/// The size in a lossless WebP's header (`VP8L`).
fn webp_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(
        (&bytes[..4], &bytes[8..12], &bytes[12..16]),
        (&b"RIFF"[..], &b"WEBP"[..], &b"VP8L"[..])
    );
    let bits = u32::from_le_bytes(bytes[21..25].try_into().unwrap());
    ((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)
}

/// The processed file named in a `url` the page printed.
fn processed(text: &str, from: usize) -> String {
    let start = text[from..].find("processed_images/").unwrap() + from;
    let end = text[start..].find(|c: char| c.is_whitespace() || c == '<' || c == ']');
    let end = end.map_or(text.len(), |end| end + start);
    text[start..end].to_string()
}

const METADATA: &str = "\
{% for p in ['img/gradient.png', '/static/img/gradient.jpg', 'img/small.gif', 'img/small.webp', \
'@/gallery/square.png', 'gallery/square.png', 'img/logo.svg'] %}\
{% set m = get_image_metadata(path=p) %}[{{ p | safe }}: {{ m.width }}x{{ m.height }} {{ m.format }} \
{{ m.mime | safe }}]\n{% endfor %}\
[missing: {{ get_image_metadata(path='img/none.png', allow_missing=true) | json_encode() }}]";

#[test]
fn metadata_of_each_format_is_zola_s() {
    let (sandbox, root) = site("metadata", METADATA);
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let text = page(&root, "images/index.html");
    for expected in [
        "[img/gradient.png: 30x20 png image/png]",
        "[/static/img/gradient.jpg: 30x20 jpg image/jpeg]",
        "[img/small.gif: 12x7 gif image/gif]",
        "[img/small.webp: 9x5 webp image/webp]",
        "[@/gallery/square.png: 16x16 png image/png]",
        "[gallery/square.png: 16x16 png image/png]",
        // As Zola: an SVG's size from its view box, and Zola's MIME type for it.
        "[img/logo.svg: 64x48 svg text/svg+xml]",
        "[missing: null]",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    remove_unless_failing(&sandbox);
}

/// Every operation on the 30 x 20 PNG, with the sizes Zola's rules give
/// (`imageproc::ResizeInstructions`): `fit_width` 12 → 12 x (20·12/30 = 8), `fit_height` 5 →
/// (30·5/20 = 7.5, cut to 7) x 5, `fit` 10 x 10 → the wider side to 10, 10 x 6 (6.67 cut),
/// `fit` larger than the image → as it is, `fill` 10 x 10 → crop 20 x 20 then 10 x 10,
/// `scale` 7 x 3 → 7 x 3.
const RESIZES: &str = "\
{% set r = resize_image(path='img/gradient.png', width=12, op='fit_width') %}{{ self::line(o='fit_width', r=r) }}
{% set r = resize_image(path='img/gradient.png', height=5, op='fit_height') %}{{ self::line(o='fit_height', r=r) }}
{% set r = resize_image(path='img/gradient.png', width=10, height=10, op='fit') %}{{ self::line(o='fit', r=r) }}
{% set r = resize_image(path='img/gradient.png', width=100, height=100, op='fit') %}{{ self::line(o='fit', r=r) }}
{% set r = resize_image(path='img/gradient.png', width=10, height=10) %}{{ self::line(o='fill', r=r) }}
{% set r = resize_image(path='img/gradient.png', width=7, height=3, op='scale') %}{{ self::line(o='scale', r=r) }}
{% set j = resize_image(path='img/gradient.jpg', width=15, op='fit_width') %}[auto-jpeg {{ j.url | safe }}]
{% set w = resize_image(path='@/gallery/square.png', width=8, height=8, format='webp') %}[webp {{ w.url | safe }}]
";

/// The macro `RESIZES` prints each answer with.
const LINE_MACRO: &str = "{% macro line(o, r) %}[{{ o }} {{ r.width }}x{{ r.height }} of \
{{ r.orig_width }}x{{ r.orig_height }} {{ r.url | safe }} {{ r.static_path | safe }}]{% endmacro %}";

#[test]
fn resizes_have_zola_s_sizes_and_their_files_those_sizes() {
    let (sandbox, root) = site("resize", &format!("{LINE_MACRO}{RESIZES}"));
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let text = page(&root, "images/index.html");
    let expected = [
        ("fit_width", (12, 8)),
        ("fit_height", (7, 5)),
        ("fit", (10, 6)),
        ("fit", (30, 20)),
        ("fill", (10, 10)),
        ("scale", (7, 3)),
    ];
    let mut from = 0;
    for (op, (w, h)) in expected {
        let line = format!("[{op} {w}x{h} of 30x20 https://t.example/processed_images/gradient.");
        from = text[from..].find(&line).unwrap_or_else(|| panic!("{line} not in:\n{text}")) + from;
        let rel = processed(&text, from);
        assert!(rel.ends_with(".png"), "{rel}");
        // Zola's `static_path`, though the file is written to the output only.
        assert!(text[from..].contains(&format!(" static/{rel}]")), "{text}");
        assert_eq!(png_size(&output(&root, &rel)), (w, h), "{op}: {rel}");
        from += line.len();
    }
    // A JPEG source makes a JPEG (`auto`), a WebP is asked for by name.
    let jpeg = processed(&text, text.find("[auto-jpeg").unwrap());
    assert!(jpeg.ends_with(".jpg"), "{jpeg}");
    assert_eq!(jpeg_size(&output(&root, &jpeg)), (15, 10));
    let webp = processed(&text, text.find("[webp").unwrap());
    assert!(webp.starts_with("processed_images/square.") && webp.ends_with(".webp"), "{webp}");
    assert_eq!(webp_size(&output(&root, &webp)), (8, 8));
    remove_unless_failing(&sandbox);
}

const ONE_RESIZE: &str = "{% set m = get_image_metadata(path='img/pic.png') %}\
{% set r = resize_image(path='img/pic.png', width=8, op='fit_width') %}\
{{ m.width }}x{{ m.height }} {{ r.width }}x{{ r.height }} {{ r.url | safe }}";

#[test]
fn an_edited_image_renders_only_its_page_and_rewrites_its_processed_file() {
    let (sandbox, root) = site("edit", ONE_RESIZE);
    put(&root, "static/img/pic.png", &fixture_image("gradient.png"));
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let text = page(&root, "images/index.html");
    assert!(text.starts_with("30x20 8x5 "), "{text}");
    let rel = processed(&text, 0);
    assert_eq!(png_size(&output(&root, &rel)), (8, 5));
    let plain = page(&root, "plain/index.html");

    // Nothing changed: nothing rendered, nothing written.
    let report = site.build(2).unwrap();
    assert!(report.rendered.is_empty() && report.written_files.is_empty(), "{report:?}");

    // Another image under the same name: the page that asked renders again, the processed
    // file (Zola's name: from the path and the operation, so the same) is rewritten, and the
    // page that uses no image is not touched.
    put(&root, "static/img/pic.png", &fixture_image("square.png"));
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.rendered, ["images.md"]);
    assert!(report.written_files.contains(&rel), "{:?}", report.written_files);
    let text = page(&root, "images/index.html");
    assert!(text.starts_with("16x16 8x8 "), "{text}");
    assert_eq!(processed(&text, 0), rel);
    assert_eq!(png_size(&output(&root, &rel)), (8, 8));
    assert_eq!(page(&root, "plain/index.html"), plain);
    remove_unless_failing(&sandbox);
}

/// Two sizes of one image, each printed with its URL.
const TWO_RESIZES: &str = "{% set a = resize_image(path='img/pic.png', width=8, op='fit_width') %}\
{% set b = resize_image(path='img/pic.png', width=4, op='fit_width') %}\
{{ a.url | safe }} {{ b.url | safe }}";

#[test]
fn a_processed_image_no_template_asks_for_any_more_is_removed_in_this_process_and_the_next() {
    let (sandbox, root) = site("prune", TWO_RESIZES);
    put(&root, "static/img/pic.png", &fixture_image("gradient.png"));
    let site = open_persistent(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let text = page(&root, "images/index.html");
    let (eight, four) = (processed(&text, 0), processed(&text, text.find(' ').unwrap()));
    assert_ne!(eight, four);
    assert_eq!(png_size(&output(&root, &eight)), (8, 5));
    assert_eq!(png_size(&output(&root, &four)), (4, 2));

    // The template asks for one size only: the other's file goes, as Zola prunes
    // `processed_images/` of what no page asked for; the one still asked for stays.
    write(&root, "templates/images.html", ONE_RESIZE);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(processed(&page(&root, "images/index.html"), 0), eight);
    assert_eq!(png_size(&output(&root, &eight)), (8, 5));
    assert!(!root.join("public").join(&four).exists(), "{four} was left behind");
    assert_eq!(report.removed, 1, "{report:?}");
    drop(site);

    // A new process, from the saved database: the page that asked for the image is not
    // rendered again (nothing it read changed; the home lists the edited page), and its
    // image stays.
    write(&root, "content/plain.md", "+++\ntitle = \"P2\"\ntemplate = \"plain.html\"\n+++\n");
    let next = open_persistent(&root);
    let report = next.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.rendered, ["_index.md", "plain.md"]);
    assert_eq!(report.removed, 0, "{report:?}");
    assert_eq!(png_size(&output(&root, &eight)), (8, 5));

    // And the page that asked for it removed: its image goes with it.
    std::fs::remove_file(root.join("content/images.md")).unwrap();
    let report = next.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!root.join("public").join(&eight).exists(), "{eight} was left behind");
    assert!(!root.join("public/images/index.html").exists());
    remove_unless_failing(&sandbox);
}

#[test]
fn the_next_process_does_not_resize_an_unchanged_request_again() {
    let (sandbox, root) = site("persisted", ONE_RESIZE);
    put(&root, "static/img/pic.png", &fixture_image("gradient.png"));
    let first = open_persistent(&root);
    let report = first.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(first.cells().pid("cell-image").is_some(), "the first build resized");
    drop(first);

    // Another page changes, so the next process loads the saved database and builds: the
    // resize (and the metadata) are memos still valid, the image cell is never started.
    write(&root, "content/plain.md", "+++\ntitle = \"P2\"\ntemplate = \"plain.html\"\n+++\n");
    let second = open_persistent(&root);
    let report = second.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.rendered.iter().any(|p| p == "plain.md"), "{:?}", report.rendered);
    assert!(!report.rendered.iter().any(|p| p == "images.md"), "{:?}", report.rendered);
    assert_eq!(second.cells().pid("cell-image"), None, "the image cell was started");
    let text = page(&root, "images/index.html");
    assert_eq!(png_size(&output(&root, &processed(&text, 0))), (8, 5));
    remove_unless_failing(&sandbox);
}

#[test]
fn a_crashed_image_cell_is_started_again() {
    let (sandbox, root) = site("crash", ONE_RESIZE);
    put(&root, "static/img/pic.png", &fixture_image("gradient.png"));
    let site = open(&root);
    assert!(site.build(2).unwrap().errors.is_empty());
    common::kill(site.cells().pid("cell-image").expect("the image cell ran"));
    put(&root, "static/img/pic.png", &fixture_image("square.png"));
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(page(&root, "images/index.html").starts_with("16x16 8x8 "));
    remove_unless_failing(&sandbox);
}

#[test]
fn errors_name_the_function_and_the_template() {
    let calls = [
        ("missing", "get_image_metadata(path='img/none.png')", "Cannot find path: img/none.png"),
        (
            "missing-resize",
            "resize_image(path='img/none.png', width=2, height=2)",
            "Cannot find file: img/none.png",
        ),
        (
            "undecodable",
            "get_image_metadata(path='img/bad.png')",
            "not an image of a format dodeca reads",
        ),
        (
            "bad-op",
            "resize_image(path='img/gradient.png', width=2, height=2, op='crop')",
            "Invalid image resize operation: crop",
        ),
        (
            "needs-width",
            "resize_image(path='img/gradient.png', height=2, op='fit_width')",
            "op=\"fit_width\" requires a `width` argument",
        ),
        (
            "bad-format",
            "resize_image(path='img/gradient.png', width=2, height=2, format='bmp')",
            "Invalid image format: bmp",
        ),
        (
            "bad-quality",
            "resize_image(path='img/gradient.jpg', width=2, height=2, quality=0)",
            "Quality for JPEG must be between 1 and 100",
        ),
        (
            "zero",
            "resize_image(path='img/gradient.png', width=0, height=2, op='scale')",
            "`width` and `height` must be at least 1",
        ),
        (
            "negative",
            "resize_image(path='img/gradient.png', width=-3, op='fit_width')",
            "`width` must be a non-negative integer",
        ),
        (
            "svg",
            "resize_image(path='img/logo.svg', width=2, height=2)",
            "an SVG image cannot be resized",
        ),
    ];
    let (sandbox, root) = site("errors", "unused");
    write(&root, "static/img/bad.png", "this is not a PNG");
    for (name, call, _) in calls {
        let text = format!("+++\ntemplate = \"{name}.html\"\n+++\n");
        write(&root, &format!("content/{name}.md"), &text);
        write(&root, &format!("templates/{name}.html"), &format!("<p>\n{{{{ {call} }}}}</p>"));
    }
    let report = open(&root).build(2).unwrap();
    for (name, call, message) in calls {
        let file = Path::new("content").join(format!("{name}.md"));
        let error = report.errors.iter().find(|e| e.file == file);
        let error = error.unwrap_or_else(|| panic!("no error for {name}: {:?}", report.errors));
        let text = error.to_string();
        let function = &call[..call.find('(').unwrap()];
        for part in [function, message, &format!("{name}.html")] {
            assert!(text.contains(part), "{name}: `{part}` not in:\n{text}");
        }
    }
    remove_unless_failing(&sandbox);
}

/// Zola's binary, when this machine has one (`ZOLA`, else `/work/zola/target/release/zola`).
fn zola() -> Option<PathBuf> {
    let path = std::env::var_os("ZOLA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/zola/target/release/zola"));
    path.is_file().then_some(path)
}

#[test]
fn answers_and_processed_files_are_zola_s() {
    let Some(zola) = zola() else {
        eprintln!("skipped: no Zola binary (set ZOLA)");
        return;
    };
    let template = format!("{LINE_MACRO}{METADATA}\n{RESIZES}");
    let (sandbox, root) = site("zola", &template);
    let zola_root = sandbox.join("zola");
    common::copy_dir(&root, &zola_root);
    let out =
        std::process::Command::new(zola).arg("build").current_dir(&zola_root).output().unwrap();
    assert!(out.status.success(), "zola: {}", String::from_utf8_lossy(&out.stderr));
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let ours = page(&root, "images/index.html");
    let theirs = std::fs::read_to_string(zola_root.join("public/images/index.html")).unwrap();
    // Every answer (sizes, formats, MIME types, URLs with Zola's file names, static paths).
    assert_eq!(ours, theirs);
    // Every processed file Zola wrote, we wrote, at the same size (the bytes may differ:
    // another encoder's settings, and lossless WebP).
    let mut from = 0;
    while let Some(at) = theirs[from..].find("processed_images/") {
        let rel = processed(&theirs, from + at);
        let (a, b) =
            (output(&root, &rel), std::fs::read(zola_root.join("public").join(&rel)).unwrap());
        let size = |bytes: &[u8]| match &rel[rel.rfind('.').unwrap()..] {
            ".png" => png_size(bytes),
            ".jpg" => jpeg_size(bytes),
            _ => (0, 0),
        };
        assert_eq!(size(&a), size(&b), "{rel}");
        from += at + rel.len();
    }
    remove_unless_failing(&sandbox);
}
