//! The floor: the build's work done directly in one process, on as many threads as the
//! build uses, with no host, no cells and no picante. It is what the build is measured
//! against, so it does everything the build does for these sites:
//!
//! - splits each source's front matter and renders its markdown (`cell_markdown`, the
//!   markdown cell's own code), and parses the front matter with the host's own parser;
//! - orders each section's pages as the host does (weight, unweighted last; date, newest
//!   first; title) and builds the values `get_section` returns;
//! - renders every page, every section and the home with our template engine, with the
//!   contexts the host gives (`config`, `current_path`, `page` or `section`), `get_section`
//!   answered from memory;
//! - with [`Io::Files`], reads each source from the site and writes each output.
//!
//! What it leaves out: the scan of the site (the list of files is known), internal links
//! (`@/…`, which these sites do not have) and every record the build keeps for its next run.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cell_template::{DataProvider, Engine, MemoryLoader, Value};

/// The synthetic sites' `base_url` (`common::write_site`).
pub const BASE_URL: &str = "https://synthetic.example";

/// A site's templates and sources, read before anything is timed.
pub struct Floor {
    loader: MemoryLoader,
    config: Value,
    /// Every content file (its path under `content/`), sorted, with its text.
    sources: Vec<(String, String)>,
}

/// Where the floor's sources come from and its outputs go.
pub enum Io<'a> {
    /// Sources from memory; outputs kept in memory (and returned when asked for).
    Memory,
    /// Sources read from the site's `content/`; outputs written under this directory.
    Files(&'a Path),
}

/// A parsed source: what the build's `page` query holds.
struct Parsed {
    rel: String,
    route: String,
    is_section: bool,
    meta: host::FrontMatter,
    rendered: cell_proto::RenderedMarkdown,
}

/// Sections by path, as `get_section` returns them.
struct Sections {
    by_path: HashMap<String, SectionValues>,
}

struct SectionValues {
    /// `get_section(path=…, metadata_only=true)`: no `pages`.
    meta: Value,
    /// `get_section(path=…)`, with `pages`.
    full: Value,
    /// `section.pages` in the section's own context.
    pages: Value,
    /// `section.subsections`: the routes of its direct subsections.
    subsections: Value,
}

impl Floor {
    /// Reads the site in `site`: its templates and every content file.
    pub fn load(site: &Path) -> Floor {
        let mut loader = MemoryLoader::new();
        for rel in files_under(&site.join("templates")) {
            let text = std::fs::read_to_string(site.join("templates").join(&rel)).expect("read");
            loader.insert(&rel, &text);
        }
        let mut sources: Vec<(String, String)> = files_under(&site.join("content"))
            .into_iter()
            .map(|rel| {
                let text = std::fs::read_to_string(site.join("content").join(&rel)).expect("read");
                (rel, text)
            })
            .collect();
        sources.sort();
        let config = Value::map([
            ("title", Value::from("Synthetic")),
            ("base_url", Value::from(BASE_URL)),
            ("description", Value::None),
        ]);
        Floor { loader, config, sources }
    }

    /// Does the build's work on `jobs` threads. Returns the milliseconds taken and, for
    /// [`Io::Memory`] with `keep`, every output by its path under the output directory.
    pub fn run(
        &self,
        site: &Path,
        jobs: usize,
        io: Io<'_>,
        keep: bool,
    ) -> (f64, Vec<(String, String)>) {
        let started = Instant::now();
        let parsed = parallel(
            jobs,
            &self.sources,
            || (),
            |_, (rel, text)| {
                let text = match io {
                    Io::Memory => Cow::Borrowed(text.as_str()),
                    Io::Files(_) => Cow::Owned(
                        std::fs::read_to_string(site.join("content").join(rel)).expect("read"),
                    ),
                };
                parse(rel, &text)
            },
        );
        let parsed: Vec<Parsed> = parsed.into_iter().filter(|p| !p.meta.draft).collect();
        let sections = sections(&parsed);
        let outputs = parallel(jobs, &parsed, Engine::new, |engine, page| {
            let html = self.render(engine, &sections, page);
            let rel = format!("{}index.html", page.route.trim_start_matches('/'));
            match io {
                Io::Files(out) => {
                    let file = out.join(&rel);
                    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
                    std::fs::write(file, &html).expect("write");
                    None
                }
                Io::Memory => Some((rel, html)),
            }
        });
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let kept = if keep { outputs.into_iter().flatten().collect() } else { Vec::new() };
        (ms, kept)
    }

    /// One page or section, rendered with the context the host gives it.
    fn render(&self, engine: &Engine, sections: &Sections, page: &Parsed) -> String {
        let permalink = format!("{BASE_URL}{}", page.route);
        let mut own = own_fields(page, &permalink);
        let (key, template) = if page.is_section {
            let values = &sections.by_path[&page.rel];
            own.push(("pages", values.pages.clone()));
            own.push(("subsections", values.subsections.clone()));
            let default = if page.rel == "_index.md" { "index.html" } else { "section.html" };
            ("section", page.meta.template.as_deref().unwrap_or(default))
        } else {
            ("page", page.meta.template.as_deref().unwrap_or("page.html"))
        };
        let context = Value::map([
            ("config", self.config.clone()),
            ("current_path", Value::from(page.route.as_str())),
            (key, Value::map(own)),
        ]);
        engine.render(template, &context, &self.loader, sections).expect("render")
    }
}

/// Splits and renders `text`'s markdown, parses its front matter.
fn parse(rel: &str, text: &str) -> Parsed {
    let rendered = cell_markdown::render_page(text).expect("markdown");
    let (Some(front), Some(format)) = (&rendered.front_matter, rendered.front_matter_format) else {
        panic!("{rel}: no front matter");
    };
    let meta = host::parse_front_matter(front, format, rel, text, 2).expect("front matter");
    let is_section = rel == "_index.md" || rel.ends_with("/_index.md");
    Parsed { route: host::route_of(rel), rel: rel.to_string(), is_section, meta, rendered }
}

/// A page's or section's own fields, as the host puts them in its context (`render.rs`).
fn own_fields(page: &Parsed, permalink: &str) -> Vec<(&'static str, Value)> {
    let meta = &page.meta;
    let toc = Value::list(page.rendered.headings.iter().map(|h| {
        Value::map([
            ("level", Value::from(i64::from(h.level))),
            ("title", Value::from(h.title.as_str())),
            ("id", Value::from(h.id.as_str())),
        ])
    }));
    vec![
        ("title", meta.title.as_deref().map_or(Value::None, Value::from)),
        ("description", meta.description.as_deref().map_or(Value::None, Value::from)),
        ("date", meta.date.map_or(Value::None, |d| Value::from(d.to_string()))),
        ("weight", meta.weight.map_or(Value::None, Value::from)),
        ("content", Value::from(page.rendered.html.as_str())),
        ("permalink", Value::from(permalink)),
        ("path", Value::from(page.route.as_str())),
        ("toc", toc),
        ("extra", Value::None),
    ]
}

/// The directory a content path lists under: `a/b/_index.md` and `a/b/c.md` are in `a/b`'s
/// section, `a/b/_index.md` is a subsection of `a`'s.
fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Each section's pages in the host's order, and the values `get_section` returns.
fn sections(parsed: &[Parsed]) -> Sections {
    let mut by_path = HashMap::new();
    for section in parsed.iter().filter(|p| p.is_section) {
        let dir = parent_dir(&section.rel);
        let mut pages: Vec<&Parsed> =
            parsed.iter().filter(|p| !p.is_section && parent_dir(&p.rel) == dir).collect();
        pages.sort_by(|a, b| {
            let (a, b) = (&a.meta, &b.meta);
            (a.weight.is_none(), a.weight)
                .cmp(&(b.weight.is_none(), b.weight))
                .then_with(|| b.date.map(|d| d.to_string()).cmp(&a.date.map(|d| d.to_string())))
                .then_with(|| a.title.cmp(&b.title))
        });
        let pages = Value::list(pages.into_iter().map(|p| {
            Value::map([
                ("title", p.meta.title.as_deref().map_or(Value::None, Value::from)),
                ("description", p.meta.description.as_deref().map_or(Value::None, Value::from)),
                ("date", p.meta.date.map_or(Value::None, |d| Value::from(d.to_string()))),
                ("weight", p.meta.weight.map_or(Value::None, Value::from)),
                ("permalink", Value::from(format!("{BASE_URL}{}", p.route))),
                ("path", Value::from(p.route.as_str())),
            ])
        }));
        let subsections = Value::list(
            parsed
                .iter()
                .filter(|p| {
                    p.is_section
                        && p.rel != section.rel
                        && parent_dir(parent_dir_of_section(p)) == dir
                })
                .map(|p| Value::from(p.route.as_str())),
        );
        let own = [
            ("title", section.meta.title.as_deref().map_or(Value::None, Value::from)),
            ("description", section.meta.description.as_deref().map_or(Value::None, Value::from)),
            ("permalink", Value::from(format!("{BASE_URL}{}", section.route))),
            ("path", Value::from(section.route.as_str())),
        ];
        let values = SectionValues {
            meta: Value::map(own.clone()),
            full: Value::map(own.into_iter().chain([("pages", pages.clone())])),
            pages,
            subsections,
        };
        by_path.insert(section.rel.clone(), values);
    }
    Sections { by_path }
}

/// The directory of a section (`a/b` for `a/b/_index.md`, `` for the home), with a trailing
/// component so that [`parent_dir`] of it is the parent section's directory.
fn parent_dir_of_section(section: &Parsed) -> &str {
    section.rel.strip_suffix("/_index.md").unwrap_or("")
}

impl DataProvider for Sections {
    fn get_data(&self, _path: &str) -> Result<Value, String> {
        Ok(Value::None)
    }

    fn call_function(&self, name: &str, arguments: &[(String, Value)]) -> Result<Value, String> {
        if name != "get_section" {
            return Err(format!("unknown function {name}()"));
        }
        let path = arguments
            .iter()
            .find(|(n, _)| n == "path" || n == "0")
            .and_then(|(_, v)| v.as_str())
            .ok_or("get_section() needs a string `path` argument")?;
        let path = path.strip_prefix("@/").unwrap_or(path);
        let metadata_only = arguments.iter().any(|(n, v)| n == "metadata_only" && v.is_true());
        let section = self
            .by_path
            .get(path)
            .ok_or_else(|| format!("get_section: there is no section content/{path}"))?;
        Ok(if metadata_only { section.meta.clone() } else { section.full.clone() })
    }
}

/// `work` on every item, on `threads` threads taking the next item as they go (the build's
/// own way of sharing work); each thread starts with `init()`. Results in item order.
fn parallel<T: Sync, S, R: Send>(
    threads: usize,
    items: &[T],
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let mut state = init();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = work(&mut state, item);
                    *results[i].lock().expect("lock") = Some(result);
                }
            });
        }
    });
    results.into_iter().map(|r| r.into_inner().expect("lock").expect("worked on")).collect()
}

/// Every file under `dir`, as a path relative to it with `/` separators.
fn files_under(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(dir.join(&rel)).expect("read_dir") {
            let entry = entry.expect("entry");
            let name = entry.file_name().into_string().expect("utf-8 name");
            let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            if entry.file_type().expect("file type").is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}
