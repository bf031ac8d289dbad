/*!
The site's template engine: a Jinja-like language (`{{ page.title | upper }}`,
`{% for %}`, `{% extends %}`, macros, ...), and the template cell that serves it over `rpc`.

The engine never reads files. An [`Engine`] renders a template by name with a context
[`Value`]; every template the render touches (the page's own, then those it extends,
includes or imports, when the render reaches them) is asked of a [`Loader`], and every
`data.<path>` it reads is asked of a [`DataProvider`], as are host functions such as
`get_url(path=...)` and `now()`. In the `cell-template` binary both are callbacks to the
host, which records each as a dependency of the page. Parsed templates are cached inside the
engine by (name, content hash), so rendering again what was seen before does not parse.

The language is Tera's, as Zola uses it (and most of Jinja's forms): a Zola theme renders as
it does with Zola. It is strict where Tera is: an undefined variable or a missing field that
is printed or computed with is an [`Error`] that lists what is available, with the template,
line, column and a marked source line (in a condition it is false); `x?.y`, `x is defined`
and `x | default(v)` are the lenient forms. Templates named `.html`, `.htm` or `.xml` are
HTML-escaped as Tera escapes them (`| safe` last, macro output and `~` are not). See the
README for the whole language.

# Example

```
use cell_template::{Engine, MemoryLoader, NoData, Value};

let loader = MemoryLoader::new()
    .with("base.html", "<title>{% block title %}Site{% endblock %}</title>")
    .with("page.html", r#"{% extends "base.html" %}{% block title %}{{ page.title }} | {{ super() }}{% endblock %}"#);
let context = Value::map([("page", Value::map([("title", Value::from("Tom & Jerry"))]))]);

let engine = Engine::new();
let html = engine.render("page.html", &context, &loader, &NoData)?;
assert_eq!(html, "<title>Tom &amp; Jerry | Site</title>");

let err = engine.render_str("oops.html", "{{ page.titel }}", &context).unwrap_err();
assert_eq!((err.line(), err.column()), (Some(1), Some(9)));
assert!(err.to_string().starts_with("no field `titel` (available: `title`"));
# Ok::<(), cell_template::Error>(())
```
*/
#![deny(missing_docs)]

mod ast;
mod cache;
mod date;
pub mod digest;
mod error;
mod escape;
mod eval;
mod filters;
pub mod hash;
mod lexer;
mod loader;
mod parser;
mod references;
mod tests;
mod value;

pub use error::{Error, ErrorKind, Location};
pub use loader::{DataProvider, Loader, MemoryLoader, NoData};
pub use value::{Map, Object, SharedValues, Value};

use std::sync::Arc;

use cache::TemplateCache;

/// Renders templates; holds the cache of parsed templates. Share one per process (it is
/// `Sync`: renders on many threads use it at once).
#[derive(Default)]
pub struct Engine {
    cache: TemplateCache,
}

impl Engine {
    /// An engine with an empty cache.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Renders template `name` with `context` (a map: its keys are the top-level variables).
    ///
    /// # Errors
    ///
    /// Any [`Error`]: syntax errors of any template touched, undefined variables, type errors,
    /// templates the loader does not have, failures of the loader or provider.
    pub fn render(
        &self,
        name: &str,
        context: &Value,
        loader: &dyn Loader,
        data: &dyn DataProvider,
    ) -> Result<String, Error> {
        eval::render(&self.cache, name, context, loader, data)
    }

    /// Evaluates one expression (what goes between `{{` and `}}`) with `context`, as a
    /// template's `{{ expression }}` would, and returns its value rather than its text.
    /// Templates are not involved: an expression sees the context, `data`, filters, tests
    /// and the provider's functions, but no template's `set`s, macros or imports. Errors are
    /// placed in the expression (template name `<expression>`, line and column within it).
    ///
    /// # Examples
    ///
    /// ```
    /// use cell_template::{Engine, MemoryLoader, NoData, Value};
    /// let context = Value::map([("page", Value::map([("title", Value::from("Hi"))]))]);
    /// let (engine, templates) = (Engine::new(), MemoryLoader::new());
    /// let value = engine.eval("page.title | upper ~ '!'", &context, &templates, &NoData)?;
    /// assert_eq!(value.as_str(), Some("HI!"));
    /// let err = engine.eval("page.title |", &context, &templates, &NoData).unwrap_err();
    /// assert_eq!((err.kind().code(), err.line(), err.column()), ("syntax", Some(1), Some(13)));
    /// # Ok::<(), cell_template::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A syntax error in the expression, or any error of evaluating it (as
    /// [`Engine::render`]).
    pub fn eval(
        &self,
        expression: &str,
        context: &Value,
        loader: &dyn Loader,
        data: &dyn DataProvider,
    ) -> Result<Value, Error> {
        eval::evaluate(&self.cache, expression, context, loader, data)
    }

    /// Renders `source` as a template named `name`, with no other templates and no data.
    ///
    /// # Errors
    ///
    /// As [`Engine::render`].
    pub fn render_str(&self, name: &str, source: &str, context: &Value) -> Result<String, Error> {
        struct One<'a>(&'a str, Arc<str>);
        impl Loader for One<'_> {
            fn load(&self, name: &str) -> Result<Option<Arc<str>>, String> {
                Ok((name == self.0).then(|| self.1.clone()))
            }
        }
        self.render(name, context, &One(name, source.into()), &NoData)
    }

    /// The templates `source` (template `name`) names by a literal in `extends`, `include`,
    /// `import` or `from ... import`, anywhere in it: what a render of it will ask the loader
    /// for, short of names computed at render time. The parse is cached like a render's.
    ///
    /// # Errors
    ///
    /// A syntax error in `source`.
    pub fn references(&self, name: &str, source: &str) -> Result<Vec<String>, Error> {
        let template = self.cache.get(name, Arc::from(source))?;
        Ok(references::literal_references(&template))
    }

    /// How many times this engine has parsed a template (cache misses), for tests and stats.
    pub fn parse_count(&self) -> u64 {
        self.cache.parses()
    }
}
