//! Filters over lists and maps: length, picking, sorting, joining, grouping, selecting.

use std::sync::Arc;

use super::{Args, Filter, type_error};
use crate::error::ErrorKind;
use crate::tests::{Test, apply_test};
use crate::value::{Map, Value};

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

pub(super) fn apply(filter: Filter, value: Value, args: &Args) -> Result<Value, ErrorKind> {
    use Filter as F;
    let list = || items(&value).ok_or_else(|| type_error(filter, &value));
    Ok(match filter {
        F::Length => Value::Int(match &value {
            Value::String(s) | Value::Safe(s) => s.chars().count() as i64,
            Value::List(l) => l.len() as i64,
            Value::Map(m) => m.len() as i64,
            other => return Err(type_error(filter, other)),
        }),
        F::First | F::Last | F::Nth => match &value {
            Value::List(l) => {
                let item = match filter {
                    F::First => l.first(),
                    F::Last => l.last(),
                    _ => {
                        let n = args.int(0, "n")?.ok_or_else(|| {
                            ErrorKind::Arguments("`nth` needs the argument `n`".into())
                        })?;
                        usize::try_from(n).ok().and_then(|n| l.get(n))
                    }
                };
                item.cloned().unwrap_or(Value::None)
            }
            Value::String(s) | Value::Safe(s) if filter != F::Nth => {
                let c = if filter == F::First { s.chars().next() } else { s.chars().next_back() };
                c.map_or(Value::None, |c| Value::String(c.to_string().into()))
            }
            other => return Err(type_error(filter, other)),
        },
        F::Reverse => match &value {
            Value::List(l) => Value::list(l.iter().rev().cloned()),
            Value::String(s) => Value::String(s.chars().rev().collect::<String>().into()),
            Value::Safe(s) => Value::Safe(s.chars().rev().collect::<String>().into()),
            other => return Err(type_error(filter, other)),
        },
        F::Sort => {
            let mut list = list()?;
            match args.string(0, "attribute")? {
                Some(attr) => list.sort_by(|a, b| {
                    sort_key(
                        &attribute(a, &attr).unwrap_or_default(),
                        &attribute(b, &attr).unwrap_or_default(),
                    )
                }),
                None => list.sort_by(sort_key),
            }
            // Jinja's `reverse=` (Tera's `sort` has none).
            if args.bool(1, "reverse") {
                list.reverse();
            }
            Value::from(list)
        }
        F::Unique => {
            let attr = args.string(0, "attribute")?;
            let case_sensitive = args.get(1, "case_sensitive").is_none_or(Value::is_true);
            let mut seen: Vec<Value> = Vec::new();
            let mut out = Vec::new();
            for item in list()? {
                let key = match &attr {
                    Some(attr) => attribute(&item, attr).unwrap_or_default(),
                    None => item.clone(),
                };
                let key = match key.as_str() {
                    Some(s) if !case_sensitive => Value::String(s.to_lowercase().into()),
                    _ => key,
                };
                if !seen.contains(&key) {
                    seen.push(key);
                    out.push(item);
                }
            }
            Value::from(out)
        }
        F::Join => {
            let sep = args.get(0, "sep").map(Value::to_text).unwrap_or_else(|| "".into());
            // Tera reads `\n` and `\t` in the separator as a line break and a tab.
            let sep: std::borrow::Cow<str> = if sep.contains('\\') {
                sep.replace("\\n", "\n").replace("\\t", "\t").into()
            } else {
                (*sep).into()
            };
            match (args.string(1, "attribute")?, &value) {
                (None, Value::List(list)) => join(list, &sep),
                (None, _) => join(&list()?, &sep),
                (Some(attr), _) => {
                    let values: Vec<Value> =
                        list()?.iter().map(|v| attribute(v, &attr).unwrap_or_default()).collect();
                    join(&values, &sep)
                }
            }
        }
        F::Slice => {
            let start = args.int(0, "start")?;
            let end = args.int(1, "end")?;
            slice(&value, start, end).ok_or_else(|| type_error(filter, &value))?
        }
        F::GroupBy => {
            let attr = args.required_string(0, "attribute")?;
            let mut groups: Vec<(Arc<str>, Vec<Value>)> = Vec::new();
            for item in list()? {
                let Some(key) = attribute(&item, &attr) else { continue };
                if matches!(key, Value::None) {
                    continue;
                }
                let key = key.to_text();
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, members)) => members.push(item),
                    None => groups.push((key, vec![item])),
                }
            }
            let map: Map = groups.into_iter().map(|(k, v)| (k, Value::from(v))).collect();
            Value::Map(Arc::new(map))
        }
        F::JinjaGroupBy => {
            let attr = args.required_string(0, "attribute")?;
            let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
            for item in list()? {
                let key = attribute(&item, &attr).unwrap_or_default();
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, members)) => members.push(item),
                    None => groups.push((key, vec![item])),
                }
            }
            groups.sort_by(|a, b| sort_key(&a.0, &b.0));
            Value::list(groups.into_iter().map(|(grouper, list)| {
                Value::map([("grouper", grouper), ("list", Value::from(list))])
            }))
        }
        F::Select => {
            let attr = args.required_string(0, "attribute")?;
            let wanted = args.get(1, "value").cloned().unwrap_or_default();
            let keep = |item: &Value| {
                let field = attribute(item, &attr).unwrap_or_default();
                if matches!(wanted, Value::None) {
                    !matches!(field, Value::None)
                } else {
                    field == wanted
                }
            };
            Value::from(list()?.into_iter().filter(keep).collect::<Vec<_>>())
        }
        F::Map => map(filter, &value, args)?,
        F::SelectAttr | F::RejectAttr => select(filter, list()?, args)?,
        F::Concat => {
            let mut list = list()?;
            match args.get(0, "with") {
                Some(Value::List(more)) => list.extend(more.iter().cloned()),
                Some(one) => list.push(one.clone()),
                None => {
                    return Err(ErrorKind::Arguments("`concat` needs the argument `with`".into()));
                }
            }
            Value::from(list)
        }
        F::Get => {
            let key = args.required_string(0, "key")?;
            match (&value, args.get(1, "default")) {
                (Value::Map(map), default) => match (map.get(&key), default) {
                    (Some(v), _) => v.clone(),
                    (None, Some(d)) => d.clone(),
                    (None, None) => {
                        return Err(ErrorKind::MissingField {
                            field: key.to_string(),
                            available: map.key_list(),
                        });
                    }
                },
                (other, _) => return Err(type_error(filter, other)),
            }
        }
        F::Items => match &value {
            Value::Map(map) => Value::list(
                map.iter().map(|(k, v)| Value::list([Value::String(k.clone()), v.clone()])),
            ),
            other => return Err(type_error(filter, other)),
        },
        F::List => Value::from(list()?),
        _ => return Err(type_error(filter, &value)),
    })
}

/// `map(attribute=)`, or Jinja's `map("filter")`.
fn map(filter: Filter, value: &Value, args: &Args) -> Result<Value, ErrorKind> {
    let list = items(value).ok_or_else(|| type_error(filter, value))?;
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
        return Ok(Value::from(out));
    }
    let Some(name) = args.string(0, "filter")? else {
        return Err(ErrorKind::Arguments("`map` needs `attribute=` or a filter name".into()));
    };
    let Some(inner) = Filter::from_name(&name) else {
        return Err(ErrorKind::UnknownFilter(name.to_string()));
    };
    let none = Args { list: &[], what: inner.name() };
    let mapped: Result<Vec<Value>, ErrorKind> =
        list.into_iter().map(|v| super::apply(inner, v, &none)).collect();
    Ok(Value::from(mapped?))
}

/// Jinja's `selectattr` / `rejectattr`.
fn select(filter: Filter, list: Vec<Value>, args: &Args) -> Result<Value, ErrorKind> {
    let Some(attr) = args.string(0, "attribute")? else {
        return Err(ErrorKind::Arguments(format!("`{}` needs an attribute", filter.name())));
    };
    let test = match args.string(1, "test")? {
        Some(name) => {
            Some(Test::from_name(&name).ok_or_else(|| ErrorKind::UnknownTest(name.to_string()))?)
        }
        None => None,
    };
    let test_args: Vec<(Option<Arc<str>>, Value)> =
        args.get(2, "value").map(|v| (None, v.clone())).into_iter().collect();
    let keep_when = filter == Filter::SelectAttr;
    let mut out = Vec::new();
    for item in list {
        let field = attribute(&item, &attr).unwrap_or_else(Value::undefined);
        let passes = match test {
            Some(test) => {
                let test_args = Args { list: &test_args, what: test.name() };
                apply_test(test, &field, &test_args, None)?
            }
            None => field.is_true(),
        };
        if passes == keep_when {
            out.push(item);
        }
    }
    Ok(Value::from(out))
}

/// `items | join(sep)`: each item as Tera prints it, joined.
pub(crate) fn join(list: &[Value], sep: &str) -> Value {
    let mut out = String::new();
    for (i, item) in list.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        item.write_text(&mut out);
    }
    Value::String(out.into())
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
        Value::String(text) | Value::Safe(text) => {
            let len = text.chars().count();
            let (s, e) = (bound(start, len, 0), bound(end, len, len));
            let sliced: String = text.chars().skip(s).take(e.saturating_sub(s)).collect();
            Some(match value {
                Value::Safe(_) => Value::Safe(sliced.into()),
                _ => Value::String(sliced.into()),
            })
        }
        _ => None,
    }
}
