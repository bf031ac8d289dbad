//! `dodeca-host`: build and serve a site.

use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: a build allocates and frees many small values (keys,
/// memos, dependency lists, encoded values) from several threads, and glibc's allocator took a
/// quarter of the host's CPU time in a cold build (host/README.md, "Dependencies").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Asks Linux not to back this process's memory, nor its cells' (the flag is inherited by
/// the processes it starts; `serve --open` gives it back to the browser), with transparent
/// huge pages. With them, the first touch of a fresh 2 MB of heap has the kernel zero all of
/// it at once: a cold build of the 10,000-page site with tags and pagination took 300 MB of
/// such pages, and zeroing them was a third of the host's CPU samples. Without them, the same
/// build took up to 15% less wall time when the kernel was handing huge pages out, and the
/// same when it was not (host/README.md, "Dependencies"). A kernel without the flag refuses
/// it, and nothing changes.
fn without_transparent_huge_pages() {
    // SAFETY: prctl(PR_SET_THP_DISABLE) takes integers only and touches no memory of ours.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}

const HELP: &str = "\
dodeca-host: an incremental static site builder

USAGE:
    dodeca-host serve [SITE] [-o OUT] [--port N] [--bind ADDR] [--base-url URL] [--open]
                      [--drafts] [-j N] [-q | -v] [--no-cache]
    dodeca-host build [SITE] [-o OUT] [--drafts] [-j N] [-q | -v] [--no-cache]
                      [--explain ROUTE]
    dodeca-host init DIR
    dodeca-host clean [SITE] [-o OUT]
    dodeca-host cache [SITE] stats | verify | gc | clear
    dodeca-host graph [SITE] [ROUTE]
    dodeca-host --help | --version

COMMANDS:
    serve    Build the site (as `build` does, with its cache), serve it on
             http://127.0.0.1:1111/ and rebuild on every change of its sources: one line
             per rebuild (what changed, pages rendered, files written, errors, time). Open
             pages reload by themselves when their page or a stylesheet they use changes,
             and show build errors over the page (the last good output stays served).
             Pages are built with base_url \"/\" (links stay on the server; see
             --base-url). Devtools: /__dodeca/eval?route=/blog/post/&expr=page.title
             answers an expression's value in that route's template context, as JSON (to
             clients on this machine only). Ctrl-C (or SIGTERM) stops the server and saves
             the cache.
    build    Build the site in SITE (default: the current directory) into its output
             directory (default: public/). The site's database is kept in SITE/.cache
             between runs: a build with nothing changed only looks at the files, and an
             edit renders only what it reaches. A cache that cannot be used is a warning
             and a build from scratch.
    init     Create a starter site in DIR (which must not exist or be empty).
    clean    Remove what the host wrote in SITE's output directory (or OUT), the
             directories that leaves empty, and SITE/.cache. Files the host did not
             write, or that were changed since, are kept and listed.
    cache    stats: sizes and counts of SITE/.cache (files, blobs, memos per query).
             verify: re-hash every blob and check the cache files' checksums; damaged
             files are set aside (exit code 1 if any). gc: remove the blobs the last
             build did not use. clear: empty SITE/.cache.
    graph    Print the dependency graph the last build saved, as Graphviz DOT: every
             query, or the cone of ROUTE (its render and everything it depends on).
             `dodeca-host graph SITE /blog/post/ | dot -Tsvg > post.svg` draws it.

OPTIONS:
    -o, --output OUT   Write the output to OUT instead (relative to the working
                       directory; may be outside the site). Refused: an empty path,
                       `.`, the site, a directory containing the site, and the site's
                       content, templates, static, data, sass, .cache and themes
                       directories. `output_dir` in the config is also refused
                       outside the site.
    --drafts           Build drafts (`draft = true`) as other pages: rendered,
                       written, and listed in their sections, taxonomies, feeds and
                       the sitemap (Zola's --drafts).
    -j, --jobs N       Build with N threads (default: all cores).
    -q, --quiet        Print only errors.
    -v, --verbose      Print every error in full, and the build's work counts.
    --no-cache         Build without the saved database, and save none (as before the
                       cache existed; the records of the outputs are still kept).
    --port N           serve: the port (default 1111, or a free port if it is taken;
                       N taken is an error; 0: any free port).
    --bind ADDR        serve: listen on the IP address ADDR instead of 127.0.0.1
                       (0.0.0.0: every interface). Anyone who can reach the machine
                       can then read the site: a warning says so.
    --base-url URL     serve: build with this base_url instead of \"/\" (the config's
                       own address, say, to check absolute links).
    --open             serve: open the site's URL in a browser (xdg-open).
    --explain ROUTE    After the build, say which inputs changed and why ROUTE (a route
                       such as /blog/post/, a content path such as blog/post.md, or an
                       output path) was or was not rendered again.
    -h, --help         Print this help.
    -V, --version      Print the version.

Cells (cell-markdown, cell-template, cell-sass, cell-image, cell-minify, cell-http) are found
next to this executable or in the directories of DODECA_CELL_PATH.

EXIT CODES: 0 success (for serve: stopped by Ctrl-C or SIGTERM, site errors or not); 1
site errors (the other pages were still written), or damage found by `cache verify`; 2
usage error or a failure of the builder itself (for serve: the site cannot be built or
served at all).";

struct Args {
    site: PathBuf,
    output: Option<PathBuf>,
    jobs: usize,
    quiet: bool,
    verbose: bool,
    explain: Option<String>,
    no_cache: bool,
    port: Option<u16>,
    bind: Option<std::net::IpAddr>,
    base_url: Option<String>,
    open: bool,
    drafts: bool,
}

enum Command {
    Build(Args),
    Serve(host::ServeOptions),
    Init(PathBuf),
    Clean(PathBuf, Option<PathBuf>),
    Cache(PathBuf, host::CacheAction),
    Graph(PathBuf, Option<String>),
    Help,
    Version,
}

fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Command, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_iter(args);
    let mut command = None;
    let mut values: Vec<std::ffi::OsString> = Vec::new();
    let mut build = Args {
        site: PathBuf::from("."),
        output: None,
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        quiet: false,
        verbose: false,
        explain: None,
        no_cache: false,
        port: None,
        bind: None,
        base_url: None,
        open: false,
        drafts: false,
    };
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Short('o') | Long("output") => {
                build.output = Some(parser.value().map_err(|e| e.to_string())?.into());
            }
            Short('j') | Long("jobs") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                build.jobs = value
                    .to_str()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .ok_or("--jobs needs a positive number")?;
            }
            Short('q') | Long("quiet") => build.quiet = true,
            Short('v') | Long("verbose") => build.verbose = true,
            Long("no-cache") => build.no_cache = true,
            Long("explain") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                build.explain =
                    Some(value.into_string().map_err(|_| "--explain needs a UTF-8 route")?);
            }
            Long("port") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                build.port = Some(
                    value
                        .to_str()
                        .and_then(|v| v.parse().ok())
                        .ok_or("--port needs a port number (0 to 65535)")?,
                );
            }
            Long("bind") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                build.bind = Some(
                    value
                        .to_str()
                        .and_then(|v| v.parse().ok())
                        .ok_or("--bind needs an IP address (127.0.0.1, 0.0.0.0, ::1)")?,
                );
            }
            Long("base-url") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                let url = value.into_string().map_err(|_| "--base-url needs a UTF-8 URL")?;
                if url.trim().is_empty() {
                    return Err("--base-url needs a URL (\"/\" for URLs without a host)".into());
                }
                build.base_url = Some(url);
            }
            Long("open") => build.open = true,
            Long("drafts") => build.drafts = true,
            Value(value) if command.is_none() => {
                let value = value.into_string().map_err(|_| "commands are UTF-8")?;
                command = Some(match value.as_str() {
                    "build" | "serve" | "init" | "clean" | "cache" | "graph" => value,
                    other => return Err(format!("unknown command `{other}` (try --help)")),
                });
            }
            Value(value) => values.push(value),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let Some(command) = command else {
        return Err(
            "no command given (try `dodeca-host serve`, `dodeca-host build` or --help)".into()
        );
    };
    if build.explain.is_some() && command != "build" {
        return Err("--explain goes with `build`".into());
    }
    let serve_only = build.port.is_some() || build.bind.is_some() || build.base_url.is_some();
    if (serve_only || build.open) && command != "serve" {
        return Err("--port, --bind, --base-url and --open go with `serve`".into());
    }
    if build.drafts && command != "build" && command != "serve" {
        return Err("--drafts goes with `build` and `serve`".into());
    }
    let too_many = || format!("too many arguments for `{command}` (try --help)");
    match command.as_str() {
        "init" => match <[_; 1]>::try_from(values) {
            Ok([dir]) => Ok(Command::Init(dir.into())),
            Err(values) if values.is_empty() => {
                Err("init needs a directory: `dodeca-host init DIR`".into())
            }
            Err(_) => Err(too_many()),
        },
        "cache" => {
            let (site, action) = match values.len() {
                1 => (PathBuf::from("."), &values[0]),
                2 => (PathBuf::from(&values[0]), &values[1]),
                0 => return Err("cache needs one of stats, verify, gc, clear".into()),
                _ => return Err(too_many()),
            };
            let action = match action.to_str() {
                Some("stats") => host::CacheAction::Stats,
                Some("verify") => host::CacheAction::Verify,
                Some("gc") => host::CacheAction::Gc,
                Some("clear") => host::CacheAction::Clear,
                _ => {
                    return Err(format!(
                        "unknown cache action `{}` (stats, verify, gc or clear)",
                        action.to_string_lossy()
                    ));
                }
            };
            Ok(Command::Cache(site, action))
        }
        "graph" => {
            let route = |value: &std::ffi::OsString| {
                value.to_str().map(str::to_string).ok_or("routes are UTF-8".to_string())
            };
            match values.len() {
                0 => Ok(Command::Graph(PathBuf::from("."), None)),
                // One argument is the site if it is a directory, else a route of the site
                // in the current directory.
                1 if std::path::Path::new(&values[0]).is_dir() => {
                    Ok(Command::Graph(PathBuf::from(&values[0]), None))
                }
                1 => Ok(Command::Graph(PathBuf::from("."), Some(route(&values[0])?))),
                2 => Ok(Command::Graph(PathBuf::from(&values[0]), Some(route(&values[1])?))),
                _ => Err(too_many()),
            }
        }
        _ => {
            match values.len() {
                0 => {}
                1 => build.site = values.remove(0).into(),
                _ => return Err(too_many()),
            }
            if command == "build" {
                Ok(Command::Build(build))
            } else if command == "serve" {
                Ok(Command::Serve(host::ServeOptions {
                    site: build.site,
                    output: build.output,
                    port: build.port,
                    bind: build.bind,
                    base_url: build.base_url.unwrap_or_else(|| "/".into()),
                    open: build.open,
                    quiet: build.quiet,
                    verbose: build.verbose,
                    jobs: build.jobs,
                    persistent: !build.no_cache,
                    drafts: build.drafts,
                }))
            } else {
                Ok(Command::Clean(build.site, build.output))
            }
        }
    }
}

fn main() -> ExitCode {
    without_transparent_huge_pages();
    let command = match parse(std::env::args_os()) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let args = match command {
        Command::Help => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("dodeca-host {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Command::Init(dir) => {
            return match host::init(&dir) {
                Ok(()) => {
                    println!(
                        "created a site in {}; build it with `dodeca-host build {}`",
                        dir.display(),
                        dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Clean(site, output) => {
            return match host::clean(&site, output.as_deref()) {
                Ok(report) => {
                    print_clean_report(&report);
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Cache(site, action) => return cache(&site, action),
        Command::Graph(site, route) => return graph(&site, route.as_deref()),
        Command::Serve(options) => return host::serve(&options),
        Command::Build(args) => args,
    };
    let mut site = match host::Site::open(&args.site) {
        Ok(site) => site,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(output) = args.output {
        site.set_output(output);
    }
    // One build, then the process exits: nothing to watch the outputs for, and the database
    // is kept in `.cache/` for the next process.
    site.set_watch_outputs(false);
    site.set_persistent(!args.no_cache);
    site.set_explain(args.explain);
    site.set_drafts(args.drafts);
    site.set_progress(!args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let report = match site.build(args.jobs) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            site.close_for_exit();
            return ExitCode::from(2);
        }
    };
    for error in &report.errors {
        eprintln!("error: {error}\n");
    }
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if !args.quiet {
        println!(
            "{} pages: {} written, {} up to date, {} removed; {} renders; {} queries run, {} reused; {:.0?}",
            report.pages,
            report.written,
            report.unchanged,
            report.removed,
            report.renders,
            report.executed,
            report.reused,
            report.elapsed
        );
    }
    if args.verbose {
        let start = match report.start {
            host::Start::InProcess => "this process's database",
            host::Start::UpToDate => "nothing changed since the saved build (no database loaded)",
            host::Start::Loaded => "the saved database",
            host::Start::Cold => "nothing (no saved database used)",
        };
        println!("started from: {start}");
        println!(
            "errors: {}; template cell: {} callbacks, {} reads from its memo, {} bytes sent",
            report.errors.len(),
            report.callbacks,
            report.cached_reads,
            report.bytes_to_template
        );
    }
    if let Some(explanation) = &report.explanation {
        print!("{explanation}");
    }
    site.close_for_exit();
    if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// `dodeca-host cache`: its lines on stdout, damage found on stderr (exit code 1).
fn cache(site: &std::path::Path, action: host::CacheAction) -> ExitCode {
    match host::cache(site, action) {
        Ok(report) => {
            for line in &report.lines {
                println!("{line}");
            }
            for problem in &report.problems {
                eprintln!("error: {problem}");
            }
            if report.problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// `dodeca-host graph`: the saved database's graph (or one route's cone) as DOT on stdout.
fn graph(site: &std::path::Path, route: Option<&str>) -> ExitCode {
    let dot = host::Site::open(site).and_then(|site| {
        for warning in site.load_saved()? {
            eprintln!("warning: {warning}");
        }
        site.graph_dot(route)
    });
    match dot {
        Ok(dot) => {
            use std::io::Write as _;
            // A closed pipe (`| head`) is not an error.
            let _ = std::io::stdout().write_all(dot.as_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// What `clean` did, one line, then one line per file it left.
fn print_clean_report(report: &host::CleanReport) {
    println!(
        "removed {} output file{} from {}{}",
        report.removed,
        if report.removed == 1 { "" } else { "s" },
        report.output.display(),
        if report.removed_cache { ", and .cache/" } else { "" }
    );
    for kept in &report.kept {
        println!("kept {kept}");
    }
    for other in &report.other_directories {
        println!(
            "note: the cache also recorded outputs in {other}; they were left in place (only \
             the configured output directory, or the one given with -o, is cleaned)"
        );
    }
}
