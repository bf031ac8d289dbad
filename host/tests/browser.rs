//! `dodeca-host serve` seen from a real browser (issue #17): a headless Chromium opens the
//! example site, the test saves files under it and does nothing else (no reload, no
//! navigation), and the page shows each edit and each build error by itself, through the
//! live reload script the http cell injects. The page is also photographed, for the README.
//!
//! Chromium comes from `$DODECA_CHROMIUM` or `PATH` (Debian's `chromium` package; `.ci/run`
//! installs it). Without one the test says so and passes, unless `DODECA_BROWSER_TESTS` is
//! `required` (as in CI), when it fails. `DODECA_SCREENSHOT=path.png` keeps the screenshot.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::browser::{Browser, find_chromium};
use common::client::get;
use common::json::Json;
use common::server::{Server, save};

/// How long the page may take to show one change (a rebuild, an event, maybe a reload) on a
/// loaded machine before the test fails. The usual figure is well under a second.
const SHOW: Duration = Duration::from_secs(30);

/// The viewport, in CSS pixels: the screenshot's size.
const VIEWPORT: (u64, u64) = (1200, 800);

/// The page's text, as a reader sees it.
const TEXT: &str = "document.body.innerText";

/// The build error overlay's text, or null when there is none.
const OVERLAY: &str = "document.getElementById('__dodeca_overlay')?.innerText ?? null";

#[test]
fn an_open_page_shows_each_saved_edit_and_build_error_by_itself() {
    let Some(chromium) = chromium_or_skip() else { return };
    let sandbox = common::temp("browser");
    let root = sandbox.join("site");
    copy_example_site(&root);
    std::fs::create_dir(sandbox.join("browser")).unwrap();

    let mut server = Server::start(&root, &["--port", "0"]);
    let started = Instant::now();
    let mut browser = Browser::launch(&chromium, &sandbox.join("browser"));
    browser.open(&format!("http://{}/", server.address), VIEWPORT);
    let opened = started.elapsed();

    // The page as a new user first sees it: styled, with a nav whose links all work.
    let rules = browser.evaluate("document.styleSheets[0]?.cssRules.length ?? 0").unwrap();
    assert!(rules.as_f64() > Some(0.0), "the stylesheet applies: {rules}");
    let nav =
        browser.evaluate("[...document.querySelectorAll('header nav a')].map(a => a.pathname)");
    let Ok(Json::Array(links)) = nav else { panic!("the nav's links: {nav:?}") };
    assert!(links.len() >= 3, "{links:?}");
    for link in &links {
        let path = link.as_str().unwrap();
        assert_eq!(get(&server.address, path).status, 200, "the nav's link {path}");
    }
    keep_screenshot(&browser.screenshot(), &sandbox);
    let home = std::fs::read_to_string(root.join("content/_index.md")).unwrap();
    let heading = browser.evaluate("document.querySelector('h1').textContent").unwrap();
    assert_eq!(heading.as_str(), Some(title_of(&home)), "the home page's title");

    // An edit of another page: the open page hears of it and is left alone (not reloaded:
    // what the test set on `window` is still there).
    browser.evaluate(LISTEN).unwrap();
    browser.wait_for("the page's second event stream to open", "__source.readyState", SHOW, |v| {
        v.as_f64() == Some(1.0)
    });
    let cells = std::fs::read_to_string(root.join("content/docs/cells.md")).unwrap();
    save(&root, "content/docs/cells.md", &format!("{cells}\nAnother paragraph.\n"));
    // Until the event arrives, or the page has lost what the test set (and the check below
    // fails at once, rather than after a wait for an event no one records any more).
    let heard = "window.__marker === undefined ? 'reloaded' \
                 : JSON.stringify(__events.filter(e => e.routes.includes('/docs/cells/')))";
    browser
        .wait_for("the event of the other page's edit", heard, SHOW, |v| v.as_str() != Some("[]"));
    // The open page's own stream got the same event: had it reloaded, it would have by now.
    std::thread::sleep(Duration::from_millis(500));
    let marker = browser.evaluate("window.__marker");
    assert_eq!(marker, Ok(Json::Number(1.0)), "the page reloaded for another page's edit");

    // An edit of the open page: its new text shows, with no action from the test.
    let sentence = "This sentence was saved while the page was open.";
    let started = Instant::now();
    save(&root, "content/_index.md", &format!("{home}\n{sentence}\n"));
    browser.wait_for("the edit to show", TEXT, SHOW, |v| contains(v, sentence));
    let edit_shown = started.elapsed();
    assert_eq!(browser.evaluate("window.__marker").unwrap(), Json::Null, "it reloaded");

    // A link to a page that does not exist: the error shows over the page, naming the file.
    let started = Instant::now();
    save(&root, "content/_index.md", &format!("{home}\nRead [this](@/missing.md).\n"));
    let overlay = browser.wait_for("the error overlay", OVERLAY, SHOW, |v| v != &Json::Null);
    let error_shown = started.elapsed();
    let overlay = overlay.as_str().unwrap();
    assert!(overlay.contains("content/_index.md:") && overlay.contains("missing.md"), "{overlay}");

    // Fixed: the overlay goes and the fixed text shows.
    let fixed = "This one links nowhere.";
    save(&root, "content/_index.md", &format!("{home}\n{fixed}\n"));
    browser.wait_for("the overlay to clear", OVERLAY, SHOW, |v| v == &Json::Null);
    browser.wait_for("the fix to show", TEXT, SHOW, |v| contains(v, fixed));

    eprintln!(
        "browser: page open {opened:?} after the server, edit shown in {edit_shown:?}, error \
         in {error_shown:?}"
    );
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit().code(), Some(0), "{}", server.stderr());
    drop(browser);
    common::remove_unless_failing(&sandbox);
}

/// Run in the page before the other page's edit: a mark on `window` that a reload would
/// lose, and a second event stream recording every change event, to know when the edit's
/// event has arrived.
const LISTEN: &str = "window.__marker = 1;
    window.__events = [];
    window.__source = new EventSource('/__dodeca/events');
    __source.addEventListener('change', e => __events.push(JSON.parse(e.data)));";

/// The browser to run, or `None` (after saying why) when there is none and the browser tests
/// are not required.
fn chromium_or_skip() -> Option<PathBuf> {
    let found = find_chromium();
    let required = std::env::var("DODECA_BROWSER_TESTS").is_ok_and(|value| value == "required");
    match found {
        Some(path) => Some(path),
        None if required => panic!(
            "DODECA_BROWSER_TESTS=required, but no Chromium was found: install it (Debian: \
             apt-get install chromium) or name it in DODECA_CHROMIUM"
        ),
        None => {
            // Straight to stderr: the test harness captures `eprintln!` of a passing test,
            // and a skip should be seen.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: no Chromium found (chromium, chromium-browser, google-chrome in PATH, \
                 or DODECA_CHROMIUM); set DODECA_BROWSER_TESTS=required to make this a failure"
            );
            None
        }
    }
}

/// Whether `value` is a text containing `text`.
fn contains(value: &Json, text: &str) -> bool {
    value.as_str().is_some_and(|value| value.contains(text))
}

/// The `title` of a page's front matter.
fn title_of(page: &str) -> &str {
    let line = page.lines().find_map(|line| line.strip_prefix("title = ")).expect("a title");
    line.trim_matches('"')
}

/// Copies the sources of `examples/site` (not its output or cache, if it was built in place).
fn copy_example_site(root: &Path) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/site");
    std::fs::create_dir_all(root).unwrap();
    std::fs::copy(example.join("dodeca.toml"), root.join("dodeca.toml")).unwrap();
    for dir in ["content", "templates", "data", "static"] {
        if example.join(dir).is_dir() {
            common::copy_dir(&example.join(dir), &root.join(dir));
        }
    }
}

/// Writes the screenshot to `$DODECA_SCREENSHOT` (a relative path is taken from the
/// workspace's root, not from `host/` where cargo runs the test), or into the sandbox.
fn keep_screenshot(png: &[u8], sandbox: &Path) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = std::env::var_os("DODECA_SCREENSHOT")
        .map(|path| workspace.join(path))
        .unwrap_or_else(|| sandbox.join("serve.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

// The support code's own check: the JSON and base64 the protocol relies on.
#[test]
fn the_test_json_reader_round_trips_and_base64_decodes() {
    let text = r#"{"id":3,"result":{"value":"a \"q\" \\ \n \u00e9 \ud83d\ude00","n":-1.5e2,"ok":[true,false,null]}}"#;
    let value = Json::parse(text).unwrap();
    assert_eq!(value.at(&["result", "value"]).and_then(Json::as_str), Some("a \"q\" \\ \n é 😀"));
    assert_eq!(value.at(&["result", "n"]).and_then(Json::as_f64), Some(-150.0));
    assert_eq!(Json::parse(&value.to_string()).unwrap(), value);
    assert_eq!(
        Json::object([("id", 7.into()), ("s", "\u{1}".into())]).to_string(),
        r#"{"id":7,"s":"\u0001"}"#
    );
    assert_eq!(common::json::base64_decode("aGVsbG8=").unwrap(), b"hello");
    assert_eq!(common::json::base64_decode("aGk").unwrap(), b"hi");
    assert_eq!(common::json::base64_decode("").unwrap(), b"");
}
