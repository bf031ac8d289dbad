//! Shared fixtures of the integration tests: a context, a set of templates, a data provider
//! that records what it is asked.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use cell_template::{DataProvider, Loader, MemoryLoader, Value};

mod fixtures;
pub mod table;

#[allow(unused_imports)] // Each test binary uses some of them.
pub use fixtures::{context, data};

/// The fixtures' templates, in memory.
pub fn loader() -> MemoryLoader {
    let mut loader = MemoryLoader::new();
    for (name, source) in fixtures::templates() {
        loader.insert(name, source);
    }
    loader
}

/// A provider over a fixed data tree, with `get_url`, `get_section` and `now`, that records
/// every data path and function it is asked.
#[derive(Default)]
pub struct Provider {
    pub asked: Mutex<Vec<String>>,
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
            // A stand-in for the markdown cell, as `tools/tera-oracle` registers it for Tera.
            "markdown" => {
                let text = arg("text").unwrap_or_default();
                let inline = arguments.iter().any(|(k, v)| k == "inline" && v.is_true());
                Ok(Value::from(if inline { text } else { format!("<p>{text}</p>\n") }))
            }
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
