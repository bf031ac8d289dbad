//! Renders each case of `cells/template/tests/conformance.txt` with Tera 1.20 (as Zola
//! configures it: Tera's built-ins plus Zola's filters) and records the output, or the error,
//! as the case's `tera` or `tera-error`. The rest of the file is left as it is.
//!
//! `cargo run --manifest-path tools/tera-oracle/Cargo.toml [-- TABLE]`
//!
//! The context, the templates and the data are the test's own fixtures
//! (`cells/template/tests/common/fixtures.rs`), included here with a `Value` that builds JSON.
//! The host functions the cases call (`get_url`, `get_section`, `now`) and the `markdown`
//! filter answer as the test's provider does.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use tera::{Context, Tera};

#[path = "../../../cells/template/tests/common/fixtures.rs"]
mod fixtures;
#[path = "../../../cells/template/tests/common/table.rs"]
mod table;
mod zola;

/// The fixtures' `Value`, building a JSON value.
#[derive(Clone, Debug)]
pub struct Value(serde_json::Value);

#[allow(non_upper_case_globals)]
impl Value {
    pub const None: Value = Value(serde_json::Value::Null);

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value(serde_json::Value::Object(
            entries.into_iter().map(|(k, v)| (k.into(), v.0)).collect(),
        ))
    }

    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value(serde_json::Value::Array(items.into_iter().map(|v| v.0).collect()))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value(s.into())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value(i.into())
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value(f.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value(b.into())
    }
}

/// Renders `source` as template `name`, with the fixtures it names (and those they name).
fn render(name: &str, source: &str) -> Result<String, String> {
    let fixtures = fixtures::templates();
    let mut templates: Vec<(&str, &str)> = vec![(name, source)];
    let mut i = 0;
    while i < templates.len() {
        let text = templates[i].1;
        for (fixture, body) in &fixtures {
            let named = [format!("\"{fixture}\""), format!("'{fixture}'")];
            if named.iter().any(|n| text.contains(n))
                && !templates.iter().any(|(n, _)| n == fixture)
            {
                templates.push((fixture, body));
            }
        }
        i += 1;
    }
    let mut tera = Tera::default();
    zola::register(&mut tera);
    tera.add_raw_templates(templates).map_err(|e| chain(&e))?;
    let mut context = fixtures::context().0;
    if let serde_json::Value::Object(map) = &mut context {
        map.insert("data".into(), fixtures::data().0);
    }
    let context = Context::from_value(context).map_err(|e| chain(&e))?;
    tera.render(name, &context).map_err(|e| chain(&e))
}

/// An error and its causes, on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(e) = source {
        parts.push(e.to_string());
        source = e.source();
    }
    parts.join(" / ").replace('\n', " ")
}

/// Renders one case in a process of its own: Tera overflows its stack on some templates
/// (an include of itself), which aborts the process. Prints the result as a table block.
fn render_one(name: &str) {
    let mut source = String::new();
    let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut source);
    // Tera's panics (it has a few on odd input) are its output here, not ours to print.
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| render(name, &source)))
        .unwrap_or_else(|_| Err("Tera panicked".to_string()));
    let (key, value) = match result {
        Ok(out) => ("tera", out),
        Err(message) => ("tera-error", message),
    };
    print!("{key}: {}", table::quote(&value));
}

fn render_in_child(name: &str, source: &str) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["--one", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin.write_all(source.as_bytes()).map_err(|e| e.to_string())?;
    drop(stdin);
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err("Tera crashed (stack overflow)".to_string());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let blocks = table::parse(&text)?;
    let block = blocks.first().ok_or("no output")?;
    match (block.get("tera"), block.get("tera-error")) {
        (Some(out), _) => Ok(out.to_string()),
        (_, Some(error)) => Err(error.to_string()),
        _ => Err("no output".to_string()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "--one" {
        return render_one(&args[2]);
    }
    let path = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../cells/template/tests/conformance.txt")
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("tera-oracle: {}: {e}", path.display());
        std::process::exit(1)
    });
    let mut blocks = table::parse(&text).unwrap_or_else(|e| {
        eprintln!("tera-oracle: {}: {e}", path.display());
        std::process::exit(1)
    });
    let (mut cases, mut changed) = (0, 0);
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (index, block) in blocks.iter_mut().enumerate() {
        let Some(source) = block.get("template").map(str::to_string) else { continue };
        let name = block.get("name").unwrap_or("case.html").to_string();
        if let Some(first) = seen.insert((name.clone(), source.clone()), index) {
            eprintln!(
                "tera-oracle: warning: case {source:?} appears twice (blocks {first} and {index})"
            );
        }
        cases += 1;
        let result = render_in_child(&name, &source);
        let before =
            (block.get("tera").map(str::to_string), block.get("tera-error").map(str::to_string));
        match &result {
            Ok(out) => {
                block.remove("tera-error");
                block.set("tera", out, &["template", "name"]);
            }
            Err(message) => {
                block.remove("tera");
                block.set("tera-error", message, &["template", "name"]);
            }
        }
        let after =
            (block.get("tera").map(str::to_string), block.get("tera-error").map(str::to_string));
        if before != after {
            changed += 1;
            println!("{source:?}\n  was {before:?}\n  now {after:?}");
        }
    }
    if let Err(e) = std::fs::write(&path, table::write(&blocks)) {
        eprintln!("tera-oracle: {}: {e}", path.display());
        std::process::exit(1);
    }
    println!("tera-oracle: {cases} cases, {changed} recorded anew in {}", path.display());
}
