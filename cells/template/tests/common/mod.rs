//! Shared fixtures of the integration tests: a context, a set of templates, a data provider
//! that records what it is asked.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use cell_template::{DataProvider, Loader, MemoryLoader, Value};

/// The context every conformance case renders with.
pub fn context() -> Value {
    let page = |title: &str, cat: &str, draft: bool, weight: i64| {
        Value::map([
            ("title", Value::from(title)),
            ("cat", Value::from(cat)),
            ("draft", Value::from(draft)),
            ("w", Value::from(weight)),
        ])
    };
    Value::map([
        ("title", Value::from("Hello")),
        ("html", Value::from("<b>bold</b>")),
        ("n", Value::from(7)),
        ("f", Value::from(2.5)),
        ("neg", Value::from(-3)),
        ("zero", Value::from(0)),
        ("items", Value::list([Value::from(1), Value::from(2), Value::from(3)])),
        ("names", Value::list([Value::from("b"), Value::from("a"), Value::from("c")])),
        ("empty", Value::list([])),
        ("nothing", Value::None),
        ("text", Value::from("  Hello World  ")),
        ("day", Value::from("2024-03-05")),
        (
            "user",
            Value::map([
                ("name", Value::from("Ann")),
                ("age", Value::from(30)),
                ("tags", Value::list([Value::from("x"), Value::from("y")])),
            ]),
        ),
        (
            "pages",
            Value::list([
                page("A", "x", false, 2),
                page("B", "y", true, 1),
                page("C", "x", false, 3),
            ]),
        ),
    ])
}

/// Templates the cases extend, include and import.
pub fn loader() -> MemoryLoader {
    MemoryLoader::new()
        .with(
            "base.html",
            "<html>{% block head %}<title>{% block title %}Base{% endblock %}</title>{% endblock %}\
             {% block body %}base-body{% endblock %}</html>",
        )
        .with(
            "mid.html",
            "{% extends \"base.html\" %}{% block title %}Mid-{{ super() }}{% endblock %}\
             {% block body %}[mid {% block content %}mid-content{% endblock %}]{% endblock %}",
        )
        .with(
            "macros.html",
            "{% macro hello(name, greeting=\"Hi\") %}{{ greeting }}, {{ name }}!{% endmacro %}\
             {% macro list(items) %}<ul>{% for i in items %}<li>{{ caller(i) }}</li>{% endfor %}</ul>{% endmacro %}\
             {% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}\
             {% macro rec(n) %}{{ n }}{% if n > 0 %},{{ rec(n - 1) }}{% endif %}{% endmacro %}\
             {% macro shout(s) %}{{ s | upper }}{% endmacro %}\
             {% macro loud(s) %}{{ shout(s) }}!{% endmacro %}",
        )
        .with("partial.html", "<p>{{ title }}</p>")
        .with("loopvar.html", "[{{ x }}]")
        .with("broken.html", "ok\n{% if %}")
        .with("strict.html", "line one\n  {{ nope }}")
        .with("cycle1.html", "{% extends \"cycle2.html\" %}")
        .with("cycle2.html", "{% extends \"cycle1.html\" %}")
        .with("setter.html", "{% set inner = 1 %}{{ inner }}")
        .with("selfrec.html", "{% include \"selfrec.html\" %}")
}

/// A provider over a fixed data tree, with `get_url`, `get_section` and `now`, that records
/// every data path and function it is asked.
#[derive(Default)]
pub struct Provider {
    pub asked: Mutex<Vec<String>>,
}

pub fn data() -> Value {
    Value::map([
        (
            "authors",
            Value::map([
                ("alice", Value::map([("name", Value::from("Alice")), ("posts", Value::from(3))])),
                ("bob", Value::map([("name", Value::from("Bob"))])),
            ]),
        ),
        ("site", Value::map([("name", Value::from("My <Site>"))])),
    ])
}

impl DataProvider for Provider {
    fn get_data(&self, path: &str) -> Result<Value, String> {
        self.asked.lock().unwrap().push(format!("data:{path}"));
        data().get_data(path)
    }

    fn call_function(&self, name: &str, arguments: &[(String, Value)]) -> Result<Value, String> {
        self.asked.lock().unwrap().push(format!("fn:{name}"));
        let arg = |key: &str| arguments.iter().find(|(k, _)| k == key).map(|(_, v)| v.to_string());
        match name {
            "get_url" => Ok(Value::from(format!("/{}", arg("path").ok_or("get_url needs path=")?))),
            "get_section" => Ok(Value::map([(
                "title",
                Value::from(format!("Section {}", arg("path").unwrap_or_default())),
            )])),
            "now" => Ok(Value::from(1_709_634_030)),
            _ => Err(format!("unknown function `{name}`")),
        }
    }
}

/// A loader that records the names it is asked.
pub struct RecordingLoader {
    pub inner: MemoryLoader,
    pub asked: Mutex<Vec<String>>,
}

impl RecordingLoader {
    pub fn new(inner: MemoryLoader) -> Arc<RecordingLoader> {
        Arc::new(RecordingLoader { inner, asked: Mutex::new(Vec::new()) })
    }
}

impl Loader for RecordingLoader {
    fn load(&self, name: &str) -> Result<Option<Arc<str>>, String> {
        self.asked.lock().unwrap().push(name.to_string());
        self.inner.load(name)
    }
}
