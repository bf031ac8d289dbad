//! Deferred values: fields the host sent as the call that gives them (a listed page's
//! `content`, `page.lower`), made only when the template uses them, so that a render depends
//! on what it used and not on everything it could have used.
//!
//! Where a value is *used*, it is resolved:
//! - at the end of every variable and field path (`p.content`, `page.lower.title`): see
//!   `force` in `expressions.rs`, which resolves the value the path gives;
//! - where a filter, a host function or an output looks inside a list or map: the value is
//!   resolved deeply first ([`State::resolve_deep`]), except by the filters that only move
//!   items around without looking at them (`length`, `first`, `slice`...), and by the filters
//!   that read one `attribute` of each item, which resolve only that attribute
//!   ([`State::resolve_attribute`]);
//! - where `==`, `!=`, `in` or `~` compare or join lists and maps.
//!
//! Each call is made once per render (and once per revision in the cell, through the
//! provider's memo).

use std::sync::Arc;

use super::State;
use crate::error::{Error, ErrorKind};
use crate::filters::Filter;
use crate::value::{Deferred, Map, Object, ObjectKind, Value};

/// Whether `value` is or holds a deferred value.
pub(crate) fn holds_deferred(value: &Value) -> bool {
    match value {
        Value::Object(Object(ObjectKind::Deferred(_))) => true,
        Value::List(items) => items.iter().any(holds_deferred),
        Value::Map(map) => map.iter().any(|(_, v)| holds_deferred(v)),
        _ => false,
    }
}

impl State<'_> {
    /// The value of a deferred call, asked of the host once per render.
    pub(crate) fn resolve(&mut self, deferred: &Arc<Deferred>, pos: u32) -> Result<Value, Error> {
        if let Some(value) = self.resolved.get(deferred) {
            return Ok(value.clone());
        }
        let arguments: Vec<(String, Value)> = deferred
            .arguments
            .iter()
            .map(|(name, value)| (name.to_string(), Value::String(value.clone())))
            .collect();
        let value = self
            .data
            .call_function(&deferred.function, &arguments)
            .map_err(|m| self.error(ErrorKind::Host(m), pos))?;
        self.resolved.insert(deferred.clone(), value.clone());
        Ok(value)
    }

    /// `value` with every deferred value in it resolved (and those in what they give).
    /// Returns the same value, unchanged and uncopied, when it holds none.
    pub(crate) fn resolve_deep(&mut self, value: Value, pos: u32) -> Result<Value, Error> {
        if !holds_deferred(&value) {
            return Ok(value);
        }
        Ok(match value {
            Value::Object(Object(ObjectKind::Deferred(d))) => {
                let resolved = self.resolve(&d, pos)?;
                self.resolve_deep(resolved, pos)?
            }
            Value::List(items) => {
                let mut resolved = Vec::with_capacity(items.len());
                for item in items.iter() {
                    resolved.push(self.resolve_deep(item.clone(), pos)?);
                }
                Value::List(Arc::new(resolved))
            }
            Value::Map(map) => {
                let mut resolved = Map::new();
                for (key, item) in map.iter() {
                    resolved.insert(key.clone(), self.resolve_deep(item.clone(), pos)?);
                }
                Value::Map(Arc::new(resolved))
            }
            other => other,
        })
    }

    /// The items of the list `value` with the dotted `attribute` of each resolved (the
    /// maps on the way included), for a filter that reads that attribute only.
    pub(crate) fn resolve_attribute(
        &mut self,
        value: Value,
        attribute: &str,
        pos: u32,
    ) -> Result<Value, Error> {
        let Value::List(items) = &value else { return self.resolve_deep(value, pos) };
        if !items.iter().any(holds_deferred) {
            return Ok(value);
        }
        let path: Vec<&str> = attribute.split('.').collect();
        let mut resolved = Vec::with_capacity(items.len());
        for item in items.iter() {
            resolved.push(self.resolve_path(item.clone(), &path, pos)?);
        }
        Ok(Value::List(Arc::new(resolved)))
    }

    /// `value` with the value at `path` in it resolved, and each map on the way.
    fn resolve_path(&mut self, value: Value, path: &[&str], pos: u32) -> Result<Value, Error> {
        let value = match value {
            Value::Object(Object(ObjectKind::Deferred(d))) => self.resolve(&d, pos)?,
            other => other,
        };
        let Some((first, rest)) = path.split_first() else {
            return self.resolve_deep(value, pos);
        };
        match &value {
            Value::Map(map) => match map.get(first) {
                Some(inner) if holds_deferred(inner) => {
                    let inner = self.resolve_path(inner.clone(), rest, pos)?;
                    let mut copy = (**map).clone();
                    copy.insert(*first, inner);
                    Ok(Value::Map(Arc::new(copy)))
                }
                _ => Ok(value),
            },
            _ => Ok(value),
        }
    }

    /// The input of `filter` as it needs it: untouched by the filters that do not look
    /// inside items, resolved at `attribute` by those that read one attribute of each item
    /// (when one is given), resolved deeply by the rest.
    pub(crate) fn filter_input(
        &mut self,
        filter: Filter,
        value: Value,
        start: usize,
        pos: u32,
    ) -> Result<Value, Error> {
        if !holds_deferred(&value) {
            return Ok(value);
        }
        match filter {
            Filter::Length
            | Filter::First
            | Filter::Last
            | Filter::Nth
            | Filter::Reverse
            | Filter::Slice
            | Filter::Concat
            | Filter::Default => Ok(value),
            Filter::Sort
            | Filter::Unique
            | Filter::Join
            | Filter::GroupBy
            | Filter::JinjaGroupBy
            | Filter::Select
            | Filter::Map
            | Filter::SelectAttr
            | Filter::RejectAttr => match self.attribute_argument(filter, start) {
                Some(attribute) => self.resolve_attribute(value, &attribute, pos),
                None => self.resolve_deep(value, pos),
            },
            _ => self.resolve_deep(value, pos),
        }
    }

    /// The `attribute` argument of the filter being applied (named, or at its position).
    fn attribute_argument(&self, filter: Filter, start: usize) -> Option<String> {
        let position = filter.arguments().iter().position(|a| *a == "attribute")?;
        let args = &self.arg_stack[start..];
        let named = args.iter().find(|(n, _)| n.as_deref() == Some("attribute"));
        let positional = args.iter().filter(|(n, _)| n.is_none()).nth(position);
        named.or(positional).and_then(|(_, v)| v.as_str().map(str::to_string))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use cell_proto::WireWriter;

    use crate::loader::{DataProvider, MemoryLoader};
    use crate::{Engine, Value};

    /// Answers `page_field(path, field)` with `<field of path>`, and records each call.
    #[derive(Default)]
    struct Fields {
        calls: RefCell<Vec<String>>,
    }

    impl DataProvider for Fields {
        fn get_data(&self, _: &str) -> Result<Value, String> {
            Ok(Value::None)
        }
        fn call_function(
            &self,
            name: &str,
            arguments: &[(String, Value)],
        ) -> Result<Value, String> {
            let arg =
                |key: &str| arguments.iter().find(|(k, _)| k == key).map(|(_, v)| v.to_string());
            let (path, field) = (arg("path").unwrap(), arg("field").unwrap());
            self.calls.borrow_mut().push(format!("{name}:{path}:{field}"));
            Ok(Value::string(format!("<{field} of {path}>")))
        }
    }

    /// Two listed pages: `title` sent, `content` deferred.
    fn pages() -> Value {
        let mut w = WireWriter::with_capacity(128);
        w.map(1);
        w.key("pages");
        w.list(2);
        for path in ["a.md", "b.md"] {
            w.map(2);
            w.key("title");
            w.str(&path.to_uppercase());
            w.key("content");
            w.deferred("page_field", &[("path", path), ("field", "content")]);
        }
        Value::from_wire(&w.finish()).unwrap()
    }

    fn render(source: &str) -> (String, Vec<String>) {
        let mut loader = MemoryLoader::default();
        loader.insert("t.txt", source);
        let data = Fields::default();
        let out = Engine::new().render("t.txt", &pages(), &loader, &data).unwrap();
        (out, data.calls.into_inner())
    }

    #[test]
    fn a_deferred_field_is_asked_for_only_when_a_template_uses_it() {
        let (out, calls) =
            render("{% for p in pages %}{{ p.title }},{% endfor %}{{ pages | length }}");
        assert_eq!(out, "A.MD,B.MD,2");
        assert!(calls.is_empty(), "{calls:?}");
        let (out, calls) =
            render("{% for p in pages %}{% if p.content %}{{ p.content }}{% endif %}{% endfor %}");
        assert_eq!(out, "<content of a.md><content of b.md>");
        // Once per render each, however often used.
        assert_eq!(calls, ["page_field:a.md:content", "page_field:b.md:content"]);
        // A field of a deferred value.
        let (out, _) = render("{% set x = pages.0.content %}{{ x | length }}");
        assert_eq!(out, "17");
        let (out, calls) = render("{{ pages | first | get(key=\"content\") }}");
        assert_eq!(out, "<content of a.md>");
        assert_eq!(calls, ["page_field:a.md:content"]);
    }

    #[test]
    fn filters_and_output_that_look_inside_lists_resolve_what_they_read() {
        let (out, calls) = render("{{ pages | map(attribute=\"content\") | join(sep=\"|\") }}");
        assert_eq!(out, "<content of a.md>|<content of b.md>");
        assert_eq!(calls.len(), 2);
        // Reading `title` only resolves nothing.
        let (out, calls) = render("{{ pages | map(attribute=\"title\") | join(sep=\"|\") }}");
        assert_eq!(out, "A.MD|B.MD");
        assert!(calls.is_empty(), "{calls:?}");
        let (out, calls) = render("{{ pages | json_encode }}");
        assert_eq!(
            out,
            r#"[{"title":"A.MD","content":"<content of a.md>"},{"title":"B.MD","content":"<content of b.md>"}]"#
        );
        assert_eq!(calls.len(), 2);
        let (out, _) = render("{% for k, v in pages.0 %}{{ k }}={{ v }};{% endfor %}");
        assert_eq!(out, "title=A.MD;content=<content of a.md>;");
    }
}
