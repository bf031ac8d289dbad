//! Where templates and data come from: the [`Loader`] and [`DataProvider`] traits.
//!
//! The engine never reads files. Each template a render touches is asked of the loader once
//! per render (and only when the render reaches the `extends`, `include` or `import` that
//! names it), and each `data.<path>` the template reads is asked of the provider once per
//! render, by its full dotted path. That is what lets the host record exactly what a page
//! depends on.

use std::collections::HashMap;
use std::sync::Arc;

use crate::value::Value;

/// Gives templates' sources by name.
pub trait Loader {
    /// The source of template `name`, `Ok(None)` if there is none.
    ///
    /// # Errors
    ///
    /// A message when the source cannot be had (the host is gone, an i/o error): the render
    /// fails with [`ErrorKind::Host`](crate::ErrorKind::Host).
    fn load(&self, name: &str) -> Result<Option<Arc<str>>, String>;
}

/// Gives the site's data (`data.*`) and runs host functions (`get_url(path=...)`, `now()`).
pub trait DataProvider {
    /// The value at dotted `path` under `data` (`authors.alice.name`); `Value::None` when
    /// there is none.
    ///
    /// # Errors
    ///
    /// A message when the value cannot be had.
    fn get_data(&self, path: &str) -> Result<Value, String>;

    /// Calls host function `name` with its arguments (positional ones named `"0"`, `"1"`...).
    ///
    /// # Errors
    ///
    /// A message for an unknown function or bad arguments; the default knows no function.
    fn call_function(&self, name: &str, arguments: &[(String, Value)]) -> Result<Value, String> {
        let _ = arguments;
        Err(format!("unknown function `{name}`"))
    }
}

/// Templates held in memory, by name: for tests, examples and benchmarks.
#[derive(Clone, Debug, Default)]
pub struct MemoryLoader {
    templates: HashMap<String, Arc<str>>,
}

impl MemoryLoader {
    /// An empty loader.
    pub fn new() -> MemoryLoader {
        MemoryLoader::default()
    }

    /// Adds (or replaces) template `name`; returns the loader, for chaining.
    pub fn with(mut self, name: &str, source: &str) -> MemoryLoader {
        self.insert(name, source);
        self
    }

    /// Adds (or replaces) template `name`.
    pub fn insert(&mut self, name: &str, source: &str) {
        self.templates.insert(name.to_string(), source.into());
    }
}

impl Loader for MemoryLoader {
    fn load(&self, name: &str) -> Result<Option<Arc<str>>, String> {
        Ok(self.templates.get(name).cloned())
    }
}

/// No data and no host functions.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoData;

impl DataProvider for NoData {
    fn get_data(&self, _path: &str) -> Result<Value, String> {
        Ok(Value::None)
    }
}

/// A value as the data tree: `get_data("a.b")` reads field `b` of field `a`.
impl DataProvider for Value {
    fn get_data(&self, path: &str) -> Result<Value, String> {
        if path.is_empty() {
            return Ok(self.clone());
        }
        Ok(crate::filters::attribute(self, path).unwrap_or_default())
    }
}
