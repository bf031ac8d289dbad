//! Tera's `get_env(name=…, default=…)` and `get_random(start=…, end=…)`, which Zola sites
//! call: the two functions whose answers come from outside the site's files.
//!
//! `get_env` is a tracked read. The variables templates read are an input (`Database::env`,
//! by name), which every build sets from the process's environment as it starts (setting an
//! equal value changes nothing): a changed variable renders again exactly the pages that read
//! it, in the same process or the next. A name read for the first time is not in the input
//! yet; its render reads the environment itself and the value it read is set in the input
//! when the build ends, which changes no answer, so nothing renders again for it. The saved
//! scan (`dodeca.scan`) holds the names and a digest of their values, so that a build in a
//! new process whose files are unchanged but whose environment is not does not take its
//! outputs as up to date.
//!
//! `get_random` is volatile, like `now()`: never kept, answered anew at each call, and the
//! render that calls it depends on the build's start time, which a build sets anew whenever a
//! render read it (`provide.rs`). So it runs again in every build, as with Zola, where each
//! build draws new numbers.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};

use cell_proto::{FunctionCall, Value, WireValue};
use picante::{InputBatch, PicanteError, PicanteResult};

use crate::db::Database;

/// `get_env(name=…, default=…)`: the variable's value as the build saw it, else `default`
/// (any value, returned as it is), else an error.
///
/// # Errors
///
/// Tera's messages for a missing or non-string `name`, and for an unset variable without
/// `default`; or a query's error.
pub(crate) fn get_env(db: &Database, call: &FunctionCall) -> PicanteResult<WireValue> {
    let failure = |message: String| PicanteError::query(message);
    let name = match call.arguments.iter().find(|(n, _)| n == "name") {
        None => return Err(failure("Function `get_env` didn't receive a `name` argument".into())),
        Some((_, value)) => match value.to_value().map_err(failure)? {
            Value::String(name) => name,
            other => {
                return Err(failure(format!(
                    "Function `get_env` received name={other:?} but `name` can only be a string"
                )));
            }
        },
    };
    let value = match db.env.get(db, &name)? {
        Some(value) => value,
        None => {
            // First read of this name: the environment now (the process's own, fixed while
            // it runs), kept for the input when the build ends.
            let value = read(&name);
            db.new_env.lock().insert(name.clone(), value.clone());
            value
        }
    };
    match (value, call.arguments.iter().find(|(n, _)| n == "default")) {
        (Some(value), _) => Ok(Value::from(value).to_wire()),
        (None, Some((_, default))) => Ok(default.clone()),
        (None, None) => Err(failure(format!(
            "Environment variable `{name}` not found (give `default=` for a variable that may \
             be unset)"
        ))),
    }
}

/// The variable `name` in this process's environment, as Tera reads it (`None` when it is
/// unset or not UTF-8).
fn read(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Sets in `batch` every variable the input holds from the environment as it is now.
pub(crate) fn refresh<'db>(db: &'db Database, batch: &mut InputBatch<'db>) {
    for name in db.env.keys() {
        let value = read(&name);
        batch.set(&db.env, name, value);
    }
}

/// Sets in the input the variables renders read for the first time (see the module's doc);
/// whether there were any (then the revision moved).
///
/// # Errors
///
/// A query's error from the write.
pub(crate) fn keep_new_reads(db: &Database) -> PicanteResult<bool> {
    let new: BTreeMap<String, Option<String>> = std::mem::take(&mut *db.new_env.lock());
    if new.is_empty() {
        return Ok(false);
    }
    let mut batch = InputBatch::new();
    for (name, value) in new {
        batch.set(&db.env, name, value);
    }
    batch.commit(db)?;
    Ok(true)
}

/// The variables the input holds, sorted, for the saved scan.
pub(crate) fn names(db: &Database) -> Vec<String> {
    let mut names = db.env.keys();
    names.sort_unstable();
    names
}

/// A digest of the values of `names` in this process's environment: the saved scan's, to
/// tell whether any changed since (values are not written to the scan, which may outlive
/// them: a token read by a template is no business of the cache's).
pub(crate) fn digest(names: &[String]) -> [u8; 32] {
    let mut bytes = Vec::new();
    for name in names {
        bytes.extend_from_slice(&(name.len() as u64).to_le_bytes());
        bytes.extend_from_slice(name.as_bytes());
        match read(name) {
            None => bytes.push(0),
            Some(value) => {
                bytes.push(1);
                bytes.extend_from_slice(&(value.len() as u64).to_le_bytes());
                bytes.extend_from_slice(value.as_bytes());
            }
        }
    }
    *cas::ContentHash::of(&bytes).as_bytes()
}

/// `get_random(start=…, end=…)`: an integer from `start` (default 0) up to `end`, excluded,
/// as Tera draws it; new at every call.
///
/// # Errors
///
/// Tera's messages for a missing or non-integer `end` or `start`; an empty range (Tera
/// panics there).
pub(crate) fn get_random(call: &FunctionCall) -> Result<Value, String> {
    let integer = |name: &str| -> Result<Option<i64>, String> {
        match call.arguments.iter().find(|(n, _)| n == name) {
            None => Ok(None),
            Some((_, value)) => match value.to_value()? {
                Value::Int(i) => Ok(Some(i)),
                other => Err(format!(
                    "Function `get_random` received {name}={other:?} but `{name}` can only be a \
                     number"
                )),
            },
        }
    };
    let start = integer("start")?.unwrap_or(0);
    let Some(end) = integer("end")? else {
        return Err("Function `get_random` didn't receive an `end` argument".into());
    };
    if start >= end {
        return Err(format!("`get_random`: `start` ({start}) must be less than `end` ({end})"));
    }
    // The span of two i64 fits a u64.
    let span = (i128::from(end) - i128::from(start)) as u64;
    Ok(Value::Int((i128::from(start) + i128::from(random_below(span))) as i64))
}

/// A number below `span`, not to be guessed from the last: std's randomly keyed hasher (its
/// keys are drawn from the system once per thread, then stepped for each new state) over the
/// time, scaled into the span. Good for a template's pick of a quote; not for secrets.
fn random_below(span: u64) -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    hasher.write_u128(nanos);
    ((u128::from(hasher.finish()) * u128::from(span)) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(arguments: &[(&str, Value)]) -> FunctionCall {
        FunctionCall {
            name: "get_random".into(),
            arguments: arguments.iter().map(|(n, v)| (n.to_string(), v.to_wire())).collect(),
        }
    }

    #[test]
    fn get_random_stays_in_its_range_and_varies() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let Value::Int(n) =
                get_random(&call(&[("start", Value::Int(-2)), ("end", Value::Int(3))])).unwrap()
            else {
                panic!("not an integer");
            };
            assert!((-2..3).contains(&n), "{n}");
            seen.insert(n);
        }
        assert_eq!(seen.len(), 5, "every number of the range comes up: {seen:?}");
        let one = get_random(&call(&[("start", Value::Int(5)), ("end", Value::Int(6))]));
        assert_eq!(one, Ok(Value::Int(5)));
        let wide = call(&[("start", Value::Int(i64::MIN)), ("end", Value::Int(i64::MAX))]);
        assert!(get_random(&wide).is_ok());
    }

    #[test]
    fn get_random_refuses_what_tera_refuses_and_an_empty_range() {
        let no_end = get_random(&call(&[("start", Value::Int(1))])).unwrap_err();
        assert_eq!(no_end, "Function `get_random` didn't receive an `end` argument");
        let text = get_random(&call(&[("end", Value::from("9"))])).unwrap_err();
        assert!(text.contains("`end` can only be a number"), "{text}");
        let empty = get_random(&call(&[("start", Value::Int(3)), ("end", Value::Int(3))]));
        assert!(empty.unwrap_err().contains("must be less than `end`"));
    }
}
