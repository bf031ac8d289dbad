//! The filters (`x | name(args)`), resolved by name at parse time.

use std::sync::Arc;

use crate::date;
use crate::error::ErrorKind;
use crate::escape::{escape_html, url_encode};
use crate::tests::{Test, apply_test};
use crate::value::{Map, Value};

macro_rules! filters {
    ($($variant:ident = $($name:literal)|+,)*) => {
        /// A filter, by name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Filter { $($variant,)* }

        impl Filter {
            pub(crate) fn from_name(name: &str) -> Option<Filter> {
                match name {
                    $($($name)|+ => Some(Filter::$variant),)*
                    _ => None,
                }
            }

            pub(crate) fn name(self) -> &'static str {
                match self { $(Filter::$variant => filters!(@first $($name)+),)* }
            }
        }
    };
    (@first $first:literal $($rest:literal)*) => { $first };
}

filters! {
    Upper = "upper",
    Lower = "lower",
    Capitalize = "capitalize",
    Title = "title",
    Trim = "trim",
    Escape = "escape" | "e",
    Safe = "safe",
    Length = "length" | "count",
    First = "first",
    Last = "last",
    Reverse = "reverse",
    Sort = "sort",
    Join = "join",
    Split = "split",
    Default = "default" | "d",
    Slice = "slice",
    Map = "map",
    SelectAttr = "selectattr",
    RejectAttr = "rejectattr",
    GroupBy = "groupby",
    Replace = "replace",
    Truncate = "truncate",
    StripTags = "striptags",
    Round = "round",
    Abs = "abs",
    Int = "int",
    Float = "float",
    String = "string",
    UrlEncode = "urlencode",
    Date = "date",
    WordCount = "wordcount",
    Items = "items",
    List = "list",
}

/// Evaluated arguments of a filter, test or function call.
pub(crate) struct Args<'a> {
    pub(crate) list: &'a [(Option<Arc<str>>, Value)],
    pub(crate) what: &'a str,
}

impl Args<'_> {
    /// The `index`-th positional argument, or the one named `name`.
    pub(crate) fn get(&self, index: usize, name: &str) -> Option<&Value> {
        let named = self.list.iter().find(|(n, _)| n.as_deref() == Some(name)).map(|(_, v)| v);
        named.or_else(|| self.list.iter().filter(|(n, _)| n.is_none()).nth(index).map(|(_, v)| v))
    }

    /// Refuses unknown names and too many positional arguments.
    pub(crate) fn check(&self, names: &[&str]) -> Result<(), ErrorKind> {
        let positional = self.list.iter().filter(|(n, _)| n.is_none()).count();
        if positional > names.len() {
            return Err(ErrorKind::Arguments(format!(
                "`{}` takes at most {} argument{}, got {positional}",
                self.what,
                names.len(),
                if names.len() == 1 { "" } else { "s" }
            )));
        }
        for (name, _) in self.list {
            if let Some(name) = name
                && !names.contains(&&**name)
            {
                return Err(ErrorKind::Arguments(format!(
                    "`{}` has no argument `{name}` (it takes: {})",
                    self.what,
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                )));
            }
        }
        Ok(())
    }

    fn string(&self, index: usize, name: &str) -> Result<Option<Arc<str>>, ErrorKind> {
        match self.get(index, name) {
            None => Ok(None),
            Some(v) => match v.as_str() {
                Some(s) => Ok(Some(s.into())),
                None => Err(ErrorKind::Arguments(format!(
                    "`{}`: `{name}` must be a string, got {}",
                    self.what,
                    v.type_name()
                ))),
            },
        }
    }

    fn int(&self, index: usize, name: &str) -> Result<Option<i64>, ErrorKind> {
        match self.get(index, name) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Int(i)) => Ok(Some(*i)),
            Some(v) => Err(ErrorKind::Arguments(format!(
                "`{}`: `{name}` must be an integer, got {}",
                self.what,
                v.type_name()
            ))),
        }
    }

    fn bool(&self, index: usize, name: &str) -> bool {
        self.get(index, name).is_some_and(Value::is_true)
    }
}

fn type_error(filter: Filter, value: &Value) -> ErrorKind {
    ErrorKind::Type(format!("filter `{}` cannot apply to {}", filter.name(), value.type_name()))
}

/// Applies a text transform, keeping a safe string safe.
fn map_text(value: &Value, f: impl FnOnce(&str) -> String) -> Value {
    match value {
        Value::Safe(s) => Value::Safe(f(s).into()),
        other => Value::String(f(&other.to_text()).into()),
    }
}

/// The items of a list (or the characters of a string, or a map's keys).
pub(crate) fn items(value: &Value) -> Option<Vec<Value>> {
    match value {
        Value::List(items) => Some(items.to_vec()),
        Value::String(s) | Value::Safe(s) => {
            Some(s.chars().map(|c| Value::String(c.to_string().into())).collect())
        }
        Value::Map(map) => Some(map.iter().map(|(k, _)| Value::String(k.clone())).collect()),
        _ => None,
    }
}

/// `value.a.b` for the dotted `path`, or `None` if a step is missing.
pub(crate) fn attribute(value: &Value, path: &str) -> Option<Value> {
    let mut current = value.clone();
    for part in path.split('.') {
        current = match &current {
            Value::Map(map) => map.get(part)?.clone(),
            Value::List(items) => items.get(part.parse::<usize>().ok()?)?.clone(),
            _ => return None,
        };
    }
    Some(current)
}

fn sort_key(a: &Value, b: &Value) -> std::cmp::Ordering {
    a.compare(b).unwrap_or_else(|| a.type_name().cmp(b.type_name()))
}

/// Applies `filter` to `value`.
pub(crate) fn apply(filter: Filter, value: Value, args: &Args) -> Result<Value, ErrorKind> {
    use Filter as F;
    let names: &[&str] = match filter {
        F::Join => &["sep", "attribute"],
        F::Split => &["pat"],
        F::Default => &["value", "boolean"],
        F::Slice => &["start", "end"],
        F::Map => &["filter", "attribute", "default"],
        F::SelectAttr | F::RejectAttr => &["attribute", "test", "value"],
        F::GroupBy => &["attribute"],
        F::Replace => &["from", "to"],
        F::Truncate => &["length", "end"],
        F::Round => &["precision", "method"],
        F::Int | F::Float => &["default"],
        F::Date => &["format"],
        F::Sort => &["reverse", "attribute"],
        _ => &[],
    };
    args.check(names)?;
    Ok(match filter {
        F::Upper => map_text(&value, str::to_uppercase),
        F::Lower => map_text(&value, str::to_lowercase),
        F::Capitalize => map_text(&value, |s| {
            let mut chars = s.chars();
            match chars.next() {
                Some(first) => {
                    first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect()
                }
                None => String::new(),
            }
        }),
        F::Title => map_text(&value, |s| {
            let mut out = String::with_capacity(s.len());
            let mut start = true;
            for c in s.chars() {
                if start {
                    out.extend(c.to_uppercase())
                } else {
                    out.extend(c.to_lowercase())
                }
                start = !c.is_alphanumeric();
            }
            out
        }),
        F::Trim => map_text(&value, |s| s.trim().to_string()),
        F::Escape => match value {
            Value::Safe(_) => value,
            other => {
                let mut out = String::new();
                escape_html(&mut out, &other.to_text());
                Value::Safe(out.into())
            }
        },
        F::Safe => Value::Safe(value.to_text()),
        F::Length => Value::Int(match &value {
            Value::String(s) | Value::Safe(s) => s.chars().count() as i64,
            Value::List(l) => l.len() as i64,
            Value::Map(m) => m.len() as i64,
            other => return Err(type_error(filter, other)),
        }),
        F::First | F::Last => match &value {
            Value::List(l) => {
                let item = if filter == F::First { l.first() } else { l.last() };
                item.cloned().unwrap_or(Value::None)
            }
            Value::String(s) | Value::Safe(s) => {
                let c = if filter == F::First { s.chars().next() } else { s.chars().next_back() };
                c.map_or(Value::None, |c| Value::String(c.to_string().into()))
            }
            other => return Err(type_error(filter, other)),
        },
        F::Reverse => match &value {
            Value::List(l) => Value::list(l.iter().rev().cloned()),
            Value::String(_) | Value::Safe(_) => map_text(&value, |s| s.chars().rev().collect()),
            other => return Err(type_error(filter, other)),
        },
        F::Sort => {
            let mut list = items(&value).ok_or_else(|| type_error(filter, &value))?;
            match args.string(1, "attribute")? {
                Some(attr) => list.sort_by(|a, b| {
                    sort_key(
                        &attribute(a, &attr).unwrap_or_default(),
                        &attribute(b, &attr).unwrap_or_default(),
                    )
                }),
                None => list.sort_by(sort_key),
            }
            if args.bool(0, "reverse") {
                list.reverse();
            }
            Value::from(list)
        }
        F::Join => {
            let sep = args.get(0, "sep").cloned().unwrap_or(Value::String("".into()));
            let attr = args.string(1, "attribute")?;
            match (&value, attr) {
                (Value::List(list), None) => join(list, &sep),
                (_, attr) => {
                    let list = items(&value).ok_or_else(|| type_error(filter, &value))?;
                    let list: Vec<Value> = match attr {
                        Some(attr) => {
                            list.iter().map(|v| attribute(v, &attr).unwrap_or_default()).collect()
                        }
                        None => list,
                    };
                    join(&list, &sep)
                }
            }
        }
        F::Split => {
            let text = value.to_text();
            let parts: Vec<Value> = match args.string(0, "pat")? {
                Some(pat) if !pat.is_empty() => text.split(&*pat).map(Value::from).collect(),
                _ => text.split_whitespace().map(Value::from).collect(),
            };
            Value::from(parts)
        }
        F::Default => {
            let fallback = args.get(0, "value").cloned().unwrap_or(Value::String("".into()));
            let missing = value.is_undefined()
                || matches!(value, Value::None)
                || (args.bool(1, "boolean") && !value.is_true());
            if missing { fallback } else { value }
        }
        F::Slice => {
            let start = args.int(0, "start")?;
            let end = args.int(1, "end")?;
            slice(&value, start, end).ok_or_else(|| type_error(filter, &value))?
        }
        F::Map => {
            let list = items(&value).ok_or_else(|| type_error(filter, &value))?;
            if let Some(attr) = args.string(1, "attribute")? {
                let default = args.get(2, "default");
                let mut out = Vec::with_capacity(list.len());
                for item in &list {
                    match (attribute(item, &attr), default) {
                        (Some(v), _) => out.push(v),
                        (None, Some(d)) => out.push(d.clone()),
                        (None, None) => {
                            return Err(ErrorKind::MissingField {
                                field: attr.to_string(),
                                available: match item {
                                    Value::Map(m) => m.key_list(),
                                    _ => Vec::new(),
                                },
                            });
                        }
                    }
                }
                Value::from(out)
            } else if let Some(name) = args.string(0, "filter")? {
                let Some(inner) = Filter::from_name(&name) else {
                    return Err(ErrorKind::UnknownFilter(name.to_string()));
                };
                let none = Args { list: &[], what: inner.name() };
                let mapped: Result<Vec<Value>, ErrorKind> =
                    list.into_iter().map(|v| apply(inner, v, &none)).collect();
                Value::from(mapped?)
            } else {
                return Err(ErrorKind::Arguments(
                    "`map` needs `attribute=` or a filter name".into(),
                ));
            }
        }
        F::SelectAttr | F::RejectAttr => {
            let list = items(&value).ok_or_else(|| type_error(filter, &value))?;
            let Some(attr) = args.string(0, "attribute")? else {
                return Err(ErrorKind::Arguments(format!(
                    "`{}` needs an attribute",
                    filter.name()
                )));
            };
            let test = match args.string(1, "test")? {
                Some(name) => Some(
                    Test::from_name(&name)
                        .ok_or_else(|| ErrorKind::UnknownTest(name.to_string()))?,
                ),
                None => None,
            };
            let test_args: Vec<(Option<Arc<str>>, Value)> =
                args.get(2, "value").map(|v| (None, v.clone())).into_iter().collect();
            let keep_when = filter == F::SelectAttr;
            let mut out = Vec::new();
            for item in list {
                let field = attribute(&item, &attr).unwrap_or_else(Value::undefined);
                let passes = match test {
                    Some(test) => {
                        apply_test(test, &field, &Args { list: &test_args, what: test.name() })?
                    }
                    None => field.is_true(),
                };
                if passes == keep_when {
                    out.push(item);
                }
            }
            Value::from(out)
        }
        F::GroupBy => {
            let list = items(&value).ok_or_else(|| type_error(filter, &value))?;
            let Some(attr) = args.string(0, "attribute")? else {
                return Err(ErrorKind::Arguments("`groupby` needs `attribute=`".into()));
            };
            let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
            for item in list {
                let key = attribute(&item, &attr).unwrap_or_default();
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, members)) => members.push(item),
                    None => groups.push((key, vec![item])),
                }
            }
            groups.sort_by(|a, b| sort_key(&a.0, &b.0));
            Value::list(groups.into_iter().map(|(grouper, list)| {
                let mut map = Map::new();
                map.insert("grouper", grouper);
                map.insert("list", Value::from(list));
                Value::Map(Arc::new(map))
            }))
        }
        F::Replace => {
            let (Some(from), Some(to)) = (args.string(0, "from")?, args.string(1, "to")?) else {
                return Err(ErrorKind::Arguments("`replace` needs `from` and `to`".into()));
            };
            map_text(&value, |s| s.replace(&*from, &to))
        }
        F::Truncate => {
            let length = args.int(0, "length")?.unwrap_or(255).max(0) as usize;
            let end = args.string(1, "end")?.unwrap_or_else(|| "...".into());
            map_text(&value, |s| {
                if s.chars().count() <= length {
                    s.to_string()
                } else {
                    s.chars().take(length).chain(end.chars()).collect()
                }
            })
        }
        F::StripTags => {
            let text = value.to_text();
            let mut out = String::with_capacity(text.len());
            let mut in_tag = false;
            for c in text.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' if in_tag => in_tag = false,
                    c if !in_tag => out.push(c),
                    _ => {}
                }
            }
            Value::String(out.split_whitespace().collect::<Vec<_>>().join(" ").into())
        }
        F::Round => {
            let Some(f) = value.as_f64() else { return Err(type_error(filter, &value)) };
            let precision = args.int(0, "precision")?.unwrap_or(0).clamp(0, 15) as i32;
            let method = args.string(1, "method")?;
            let scale = 10f64.powi(precision);
            let scaled = f * scale;
            let rounded = match method.as_deref() {
                None | Some("common") => scaled.round(),
                Some("floor") => scaled.floor(),
                Some("ceil") => scaled.ceil(),
                Some(other) => {
                    return Err(ErrorKind::Arguments(format!(
                        "`round`: method must be common, floor or ceil, got `{other}`"
                    )));
                }
            };
            Value::Float(rounded / scale)
        }
        F::Abs => match value {
            Value::Int(i) => Value::Int(
                i.checked_abs().ok_or_else(|| ErrorKind::Arithmetic("abs overflows".into()))?,
            ),
            Value::Float(f) => Value::Float(f.abs()),
            other => return Err(type_error(filter, &other)),
        },
        F::Int => {
            let default = args.get(0, "default").cloned().unwrap_or(Value::Int(0));
            match &value {
                Value::Int(_) => value,
                Value::Float(f) if f.is_finite() => Value::Int(f.trunc() as i64),
                Value::Bool(b) => Value::Int(i64::from(*b)),
                Value::String(s) | Value::Safe(s) => match s.trim().parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => match s.trim().parse::<f64>() {
                        Ok(f) if f.is_finite() => Value::Int(f.trunc() as i64),
                        _ => default,
                    },
                },
                _ => default,
            }
        }
        F::Float => {
            let default = args.get(0, "default").cloned().unwrap_or(Value::Float(0.0));
            match &value {
                Value::Int(i) => Value::Float(*i as f64),
                Value::Float(_) => value,
                Value::String(s) | Value::Safe(s) => {
                    s.trim().parse::<f64>().map(Value::Float).unwrap_or(default)
                }
                _ => default,
            }
        }
        F::String => match value {
            Value::String(_) | Value::Safe(_) => value,
            other => Value::String(other.to_text()),
        },
        F::UrlEncode => Value::String(url_encode(&value.to_text()).into()),
        F::Date => {
            let format = args.string(0, "format")?.unwrap_or_else(|| "%Y-%m-%d".into());
            Value::String(date::format(&value, &format)?.into())
        }
        F::WordCount => Value::Int(value.to_text().split_whitespace().count() as i64),
        F::Items => match &value {
            Value::Map(map) => Value::list(
                map.iter().map(|(k, v)| Value::list([Value::String(k.clone()), v.clone()])),
            ),
            other => return Err(type_error(filter, other)),
        },
        F::List => Value::from(items(&value).ok_or_else(|| type_error(filter, &value))?),
    })
}

/// `items | join(sep)`: safe if any part is safe (the others are escaped then), like Jinja's
/// markup join.
pub(crate) fn join(list: &[Value], sep: &Value) -> Value {
    let any_safe =
        matches!(sep, Value::Safe(_)) || list.iter().any(|v| matches!(v, Value::Safe(_)));
    let mut out = String::new();
    let push = |out: &mut String, v: &Value| match v {
        Value::Safe(s) => out.push_str(s),
        other if any_safe => escape_html(out, &other.to_text()),
        other => other.write_text(out),
    };
    for (i, item) in list.iter().enumerate() {
        if i > 0 {
            push(&mut out, sep);
        }
        push(&mut out, item);
    }
    if any_safe { Value::Safe(out.into()) } else { Value::String(out.into()) }
}

/// Python-style slicing of lists and strings, negative bounds counting from the end.
pub(crate) fn slice(value: &Value, start: Option<i64>, end: Option<i64>) -> Option<Value> {
    let bound = |i: Option<i64>, len: usize, default: usize| -> usize {
        match i {
            None => default,
            Some(i) if i < 0 => len.saturating_sub(i.unsigned_abs() as usize),
            Some(i) => (i as usize).min(len),
        }
    };
    match value {
        Value::List(items) => {
            let (s, e) = (bound(start, items.len(), 0), bound(end, items.len(), items.len()));
            Some(Value::list(items.get(s..e.max(s)).unwrap_or_default().iter().cloned()))
        }
        Value::String(_) | Value::Safe(_) => {
            let text = value.as_str()?;
            let len = text.chars().count();
            let (s, e) = (bound(start, len, 0), bound(end, len, len));
            Some(map_text(value, |t| t.chars().skip(s).take(e.saturating_sub(s)).collect()))
        }
        _ => None,
    }
}
