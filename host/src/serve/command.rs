//! `dodeca-host serve`: build, serve through the http cell, and rebuild on every change.
//!
//! The loop: [`SourceWatcher::next_batch`] gives the changes of one save; a page's source
//! goes to [`Site::content_changed`] (only that file is read again), anything else (a
//! template, a static file, data, the config, a theme's file, a directory, lost events) to a
//! rescan, which reads only the files whose stamps changed; then [`Site::build_loaded`] and
//! [`HttpServer::rebuilt`], which tells the open pages what changed. A build with errors keeps
//! serving (the last good output answers; the pages show the errors). Ctrl-C or `SIGTERM`
//! stops the cell and saves the database for the next process, as `build` does.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::signals::{StopSignals, wait_readable};
use crate::watch::{ChangeBatch, ChangeKind, SourceWatcher};
use crate::{BuildReport, HttpServer, Site};

/// The port served when none is asked for (Zola's); a free one if it is taken.
pub const DEFAULT_PORT: u16 = 1111;

/// Paths named in a rebuild line before the rest are counted.
const PATHS_SHOWN: usize = 3;

/// What `dodeca-host serve` was asked for.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The site's directory.
    pub site: PathBuf,
    /// The output directory given with `-o`, if any.
    pub output: Option<PathBuf>,
    /// The port asked for with `--port` (0: any free port); `None`: [`DEFAULT_PORT`], or a
    /// free port if it is taken.
    pub port: Option<u16>,
    /// The address to listen on (`--bind`); `None`: 127.0.0.1.
    pub bind: Option<IpAddr>,
    /// The `base_url` pages are built with (`--base-url`; the CLI's default is `"/"`: URLs
    /// from the server's root, so links stay on the server whatever its address; the site's
    /// own address would send every link away from it).
    pub base_url: String,
    /// Open the site's URL in a browser (`xdg-open`) once served.
    pub open: bool,
    /// Print only errors and warnings.
    pub quiet: bool,
    /// Print every rendered page of each rebuild and the build's work counts.
    pub verbose: bool,
    /// Build threads.
    pub jobs: usize,
    /// Start from, and save, the database in `.cache/` (off with `--no-cache`).
    pub persistent: bool,
    /// Build drafts as other pages (`--drafts`).
    pub drafts: bool,
}

/// Runs `dodeca-host serve` until Ctrl-C or `SIGTERM`: exit code 0 after a clean stop, 2 when
/// the site cannot be built or served at all (site errors do not stop it).
pub fn serve(options: &ServeOptions) -> ExitCode {
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The last build and whether the cache may be saved from it.
struct Last {
    report: BuildReport,
    /// The build after `report` failed (the machinery, not the site): the database holds
    /// inputs no complete build went with.
    failed: bool,
}

fn run(options: &ServeOptions) -> Result<(), String> {
    // First, so a Ctrl-C during the first build stops cleanly after it.
    let signals =
        StopSignals::install().map_err(|e| format!("cannot catch Ctrl-C and SIGTERM: {e}"))?;
    let mut site = Site::open(&options.site).map_err(|e| e.to_string())?;
    if let Some(output) = &options.output {
        site.set_output(output.clone());
    }
    site.set_persistent(options.persistent);
    site.set_serving(true);
    site.set_base_url(Some(&options.base_url));
    site.set_drafts(options.drafts);
    site.set_progress(!options.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // Before the build: a port taken, or an address that cannot be had, fails at once.
    let listener = listen(options)?;
    // Watched before the first build reads anything, so no edit made during it is missed.
    // Both config names are always watched; the one the site has is named.
    let config_file = host_config_file(&options.site);
    let mut watcher = SourceWatcher::new(&options.site, config_file).map_err(|e| e.to_string())?;
    for problem in watcher.startup_problems() {
        eprintln!("warning: {problem}");
    }
    let report = match site.build(options.jobs) {
        Ok(report) => report,
        Err(error) => {
            site.close_for_exit();
            return Err(error.to_string());
        }
    };
    print_errors(&report, &[]);
    if !options.quiet {
        println!("{}", first_build_line(&report));
    }
    // Saved once, when the server stops: a save after each rebuild would delay every reload.
    site.set_persistent(false);
    let server =
        match HttpServer::start_on(&site, listener, cell_proto::HttpConfig::new(""), &report) {
            Ok(server) => server,
            Err(error) => {
                site.close_for_exit();
                return Err(format!("cannot serve the site: {error}"));
            }
        };
    let url = format!("http://{}/", server.address());
    // Always printed, -q or not: without it the server cannot be used.
    println!("serving {url}");
    if options.verbose {
        println!("watching {} directories; Ctrl-C stops", watcher.watched_directories());
    }
    if options.open {
        open_browser(&url);
    }
    let mut last = Last { report, failed: false };
    let outcome = serve_until_stopped(&site, &server, &mut watcher, &signals, &mut last, options);
    drop(server);
    let saved = save_for_next_process(&site, &last, options);
    site.close_for_exit();
    if !options.quiet && outcome.is_ok() {
        println!("stopped{saved}");
    }
    outcome
}

/// The loop: each batch of changes rebuilt and served, until a stop is asked for. A watcher
/// that cannot go on stops it too (an error).
fn serve_until_stopped(
    site: &Site,
    server: &HttpServer,
    watcher: &mut SourceWatcher,
    signals: &StopSignals,
    last: &mut Last,
    options: &ServeOptions,
) -> Result<(), String> {
    while !signals.requested() {
        let [events, signalled] = wait_readable([watcher.as_fd(), signals.as_fd()], -1)
            .map_err(|e| format!("waiting for changes: {e}"))?;
        if signalled {
            // Emptied, so a wake-up that was not a stop (a signal caught by a child between
            // its fork and exec) does not keep the pipe readable.
            signals.drain();
        }
        if !events || signals.requested() {
            continue;
        }
        // Events are queued: the batch gathers the rest of the save.
        let batch = match watcher.next_batch(Duration::from_millis(50)) {
            Ok(Some(batch)) => batch,
            Ok(None) => continue,
            Err(error) => return Err(format!("watching the site: {error}")),
        };
        for problem in &batch.problems {
            eprintln!("warning: {problem}");
        }
        rebuild(site, server, &batch, last, options);
    }
    Ok(())
}

/// One batch: read, build, serve, print its line.
fn rebuild(
    site: &Site,
    server: &HttpServer,
    batch: &ChangeBatch,
    last: &mut Last,
    options: &ServeOptions,
) {
    let Some(plan) = plan(batch) else { return };
    let started = Instant::now();
    let result = match &plan {
        // A page that cannot be read alone (a name the scan would not take, a file that
        // cannot be read): a rescan decides.
        Plan::Pages(pages) => match pages.iter().try_for_each(|page| site.content_changed(page)) {
            Ok(()) => site.build_loaded(options.jobs),
            Err(_) => site.build(options.jobs),
        },
        Plan::Rescan => site.build(options.jobs),
    };
    let changed = describe(batch);
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            last.failed = true;
            eprintln!("error: rebuilding after {changed}: {error}");
            eprintln!("note: still serving the last build; fix it and save again");
            return;
        }
    };
    if let Err(error) = server.rebuilt(site, &report) {
        eprintln!("warning: the open pages were not told of this rebuild: {error}");
    }
    print_errors(&report, &last.report.warnings[..last.report.config_warnings]);
    if !options.quiet {
        println!("{}", rebuild_line(&changed, &report, started.elapsed()));
        if options.verbose {
            for page in &report.rendered {
                println!("  rendered {page}");
            }
        }
    }
    *last = Last { report, failed: false };
}

/// What a batch makes the site read again.
#[derive(Debug, PartialEq)]
enum Plan {
    /// Only pages' sources changed (created, written or removed): each is read alone, by its
    /// path under `content/`.
    Pages(Vec<String>),
    /// A template, static file, data file, the config, a theme's file, a directory, or lost
    /// events: the site is scanned (only files whose stamps changed are read).
    Rescan,
}

/// The batch's plan; `None` when nothing the build reads changed (a file under `content/`
/// that is not a page).
fn plan(batch: &ChangeBatch) -> Option<Plan> {
    if batch.rescan_all {
        return Some(Plan::Rescan);
    }
    let mut pages = Vec::new();
    for change in &batch.changes {
        match change.path.strip_prefix("content/") {
            Some(page) if !change.is_dir && page.ends_with(".md") => pages.push(page.to_string()),
            Some(_) if !change.is_dir => {}
            _ => return Some(Plan::Rescan),
        }
    }
    (!pages.is_empty()).then_some(Plan::Pages(pages))
}

/// The changed paths for a rebuild line: the first few, then how many more.
fn describe(batch: &ChangeBatch) -> String {
    if batch.rescan_all {
        return "events were lost (the whole site was scanned)".into();
    }
    let mut text = String::new();
    for (at, change) in batch.changes.iter().take(PATHS_SHOWN).enumerate() {
        if at > 0 {
            text.push_str(", ");
        }
        text.push_str(&change.path);
        if change.is_dir {
            text.push('/');
        }
        if change.kind == ChangeKind::Removed {
            text.push_str(" (removed)");
        }
    }
    if batch.changes.len() > PATHS_SHOWN {
        let _ = write!(text, " and {} more", batch.changes.len() - PATHS_SHOWN);
    }
    text
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// `content/a.md: 1 page rendered, 1 file written, 0 errors, 12 ms`.
fn rebuild_line(changed: &str, report: &BuildReport, elapsed: Duration) -> String {
    let mut line = format!(
        "{changed}: {} rendered, {} written",
        plural(report.renders as usize, "page", "pages"),
        plural(report.written, "file", "files"),
    );
    if report.removed > 0 {
        let _ = write!(line, ", {} removed", report.removed);
    }
    let _ = write!(
        line,
        ", {}, {:.0} ms",
        plural(report.errors.len(), "error", "errors"),
        elapsed.as_secs_f64() * 1e3
    );
    line
}

/// The first build's summary, as `build` prints it.
fn first_build_line(report: &BuildReport) -> String {
    format!(
        "built {}: {} written, {} up to date, {} removed; {} rendered; {}; {:.0?}",
        plural(report.pages, "page", "pages"),
        report.written,
        report.unchanged,
        report.removed,
        report.renders,
        plural(report.errors.len(), "error", "errors"),
        report.elapsed
    )
}

/// Each site error in full (stderr), and the warnings: also with `-q`. The config's
/// warnings only when they are not the ones printed last (`printed`): every build has them.
fn print_errors(report: &BuildReport, printed: &[String]) {
    for error in &report.errors {
        eprintln!("error: {error}\n");
    }
    let (config, others) = report.warnings.split_at(report.config_warnings);
    if config != printed {
        for warning in config {
            eprintln!("warning: {warning}");
        }
    }
    for warning in others {
        eprintln!("warning: {warning}");
    }
}

/// The site's config file name, for the watcher (which watches both names anyway).
fn host_config_file(site: &std::path::Path) -> &'static str {
    crate::config::CONFIG_NAMES
        .into_iter()
        .find(|name| site.join(name).is_file())
        .unwrap_or("dodeca.toml")
}

/// The listening socket: on the address asked for (with a warning when it is not loopback)
/// and the port asked for, or [`DEFAULT_PORT`] when free, else any free port (said). Bound
/// here, before the build, so a taken port fails at once; the http cell is handed it.
fn listen(options: &ServeOptions) -> Result<TcpListener, String> {
    let ip = options.bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if !ip.is_loopback() {
        eprintln!(
            "warning: listening on {ip}: the site, its live-reload stream and its devtools \
             endpoint are reachable from the network, by anyone who can reach this machine \
             (without --bind only this machine can connect)"
        );
    }
    let cannot =
        |port: u16, error: std::io::Error| format!("cannot listen on {ip} port {port}: {error}");
    match options.port {
        Some(port) => TcpListener::bind((ip, port)).map_err(|error| {
            if error.kind() == std::io::ErrorKind::AddrInUse {
                format!(
                    "port {port} is taken on {ip} (is another server using it? pick another \
                     with --port N, or --port 0 for any free one)"
                )
            } else {
                cannot(port, error)
            }
        }),
        None => match TcpListener::bind((ip, DEFAULT_PORT)) {
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
                eprintln!(
                    "note: port {DEFAULT_PORT} is taken; serving on a free port instead \
                     (--port N chooses one)"
                );
                TcpListener::bind((ip, 0)).map_err(|error| cannot(0, error))
            }
            bound => bound.map_err(|error| cannot(DEFAULT_PORT, error)),
        },
    }
}

/// `xdg-open URL`, not waited for; a failure is a note.
fn open_browser(url: &str) {
    use std::os::unix::process::CommandExt;
    let mut command = std::process::Command::new("xdg-open");
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // `dodeca-host` turns transparent huge pages off for itself and its cells (main.rs); the
    // browser is not ours, so it gets them back as the system gives them.
    // SAFETY: the closure runs between fork and exec and only makes one system call, which is
    // async-signal-safe; it touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
            Ok(())
        })
    };
    let started = command.spawn();
    match started {
        Ok(mut child) => {
            // Reaped when it exits, so it does not linger as a zombie.
            let url = url.to_string();
            let _ = std::thread::Builder::new().name("xdg-open".into()).spawn(move || {
                if !child.wait().is_ok_and(|status| status.success()) {
                    eprintln!("note: xdg-open could not open a browser; open {url} yourself");
                }
            });
        }
        Err(error) => {
            eprintln!("note: cannot open a browser (xdg-open: {error}); open {url} yourself")
        }
    }
}

/// Saves the database for the next process, as `build` does, unless `--no-cache` or the last
/// build failed; the words for the `stopped` line.
fn save_for_next_process(site: &Site, last: &Last, options: &ServeOptions) -> &'static str {
    if !options.persistent {
        return "";
    }
    if last.failed {
        eprintln!(
            "warning: the cache was not saved: the last rebuild failed (the next build reads \
             what changed since the last save)"
        );
        return "";
    }
    let saved = site.wait_for_save().and_then(|()| site.save_for_next_process(&last.report));
    match saved {
        Ok(()) if let Some(warning) = site.unsaved_after_cell_failure() => {
            eprintln!("warning: {warning}");
            ""
        }
        Ok(()) => "; cache saved",
        Err(error) => {
            eprintln!("warning: the cache was not saved: {error}");
            ""
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::Change;

    fn batch(changes: &[(&str, ChangeKind, bool)]) -> ChangeBatch {
        let changes = changes
            .iter()
            .map(|&(path, kind, is_dir)| Change { path: path.into(), kind, is_dir })
            .collect();
        ChangeBatch { changes, ..ChangeBatch::default() }
    }

    #[test]
    fn pages_are_read_alone_and_anything_else_rescans() {
        use ChangeKind::*;
        let pages = batch(&[("content/a.md", Changed, false), ("content/b/c.md", Removed, false)]);
        assert_eq!(plan(&pages), Some(Plan::Pages(vec!["a.md".into(), "b/c.md".into()])));
        let template =
            batch(&[("content/a.md", Changed, false), ("templates/x.html", Changed, false)]);
        assert_eq!(plan(&template), Some(Plan::Rescan));
        assert_eq!(plan(&batch(&[("content/b", Removed, true)])), Some(Plan::Rescan));
        assert_eq!(plan(&batch(&[("dodeca.toml", Changed, false)])), Some(Plan::Rescan));
        let theme = batch(&[("themes/t/templates/page.html", Changed, false)]);
        assert_eq!(plan(&theme), Some(Plan::Rescan));
        assert_eq!(plan(&batch(&[("content/a.png", Changed, false)])), None);
        let mut lost = batch(&[]);
        lost.rescan_all = true;
        assert_eq!(plan(&lost), Some(Plan::Rescan));
    }

    #[test]
    fn many_paths_are_shortened() {
        use ChangeKind::*;
        let many = batch(&[
            ("content/a.md", Changed, false),
            ("content/b", Removed, true),
            ("content/c.md", Changed, false),
            ("content/d.md", Changed, false),
            ("content/e.md", Changed, false),
        ]);
        assert_eq!(describe(&many), "content/a.md, content/b/ (removed), content/c.md and 2 more");
        let report = BuildReport { renders: 1, written: 2, ..BuildReport::default() };
        assert_eq!(
            rebuild_line("content/a.md", &report, Duration::from_millis(12)),
            "content/a.md: 1 page rendered, 2 files written, 0 errors, 12 ms"
        );
    }
}
