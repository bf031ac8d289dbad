//! `dodeca-host`: build a site.

use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
dodeca-host: an incremental static site builder

USAGE:
    dodeca-host build [SITE] [-o OUT] [-j N] [-q | -v]
    dodeca-host init DIR
    dodeca-host clean [SITE] [-o OUT]
    dodeca-host --help | --version

COMMANDS:
    build    Build the site in SITE (default: the current directory) into its output
             directory (default: public/).
    init     Create a starter site in DIR (which must not exist or be empty).
    clean    Remove what the host wrote in SITE's output directory (or OUT), the
             directories that leaves empty, and SITE/.cache. Files the host did not
             write, or that were changed since, are kept and listed.

OPTIONS:
    -o, --output OUT   Write the output to OUT instead (relative to the working
                       directory; may be outside the site). Refused: an empty path,
                       `.`, the site, a directory containing the site, and the site's
                       content, templates, static, data, sass, .cache and themes
                       directories. `output_dir` in dodeca.toml is also refused
                       outside the site.
    -j, --jobs N       Build with N threads (default: all cores).
    -q, --quiet        Print only errors.
    -v, --verbose      Print every error in full, and the build's work counts.
    -h, --help         Print this help.
    -V, --version      Print the version.

Cells (cell-markdown, cell-template) are found next to this executable or in the
directories of DODECA_CELL_PATH.

EXIT CODES: 0 success; 1 site errors (the other pages were still written); 2 usage error or
a failure of the builder itself.";

struct Args {
    site: PathBuf,
    output: Option<PathBuf>,
    jobs: usize,
    quiet: bool,
    verbose: bool,
}

enum Command {
    Build(Args),
    Init(PathBuf),
    Clean(PathBuf, Option<PathBuf>),
    Help,
    Version,
}

fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Command, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_iter(args);
    let mut command = None;
    let mut build = Args {
        site: PathBuf::from("."),
        output: None,
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        quiet: false,
        verbose: false,
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
            Value(value) if command.is_none() => {
                let value = value.into_string().map_err(|_| "commands are UTF-8")?;
                match value.as_str() {
                    "build" => command = Some("build"),
                    "init" => command = Some("init"),
                    "clean" => command = Some("clean"),
                    other => return Err(format!("unknown command `{other}` (try --help)")),
                }
            }
            Value(value) => build.site = value.into(),
            other => return Err(other.unexpected().to_string()),
        }
    }
    match command {
        Some("build") => Ok(Command::Build(build)),
        Some("init") if build.site == std::path::Path::new(".") => {
            Err("init needs a directory: `dodeca-host init DIR`".into())
        }
        Some("init") => Ok(Command::Init(build.site)),
        Some(_) => Ok(Command::Clean(build.site, build.output)),
        None => Err("no command given (try `dodeca-host build` or --help)".into()),
    }
}

fn main() -> ExitCode {
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
    // One build, then the process exits: nothing to watch the outputs for.
    site.set_watch_outputs(false);
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
        println!(
            "errors: {}; template cell: {} callbacks, {} reads from its memo, {} bytes sent",
            report.errors.len(),
            report.callbacks,
            report.cached_reads,
            report.bytes_to_template
        );
    }
    site.close_for_exit();
    if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
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
