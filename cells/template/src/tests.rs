//! The tests (`x is name(args)`), resolved by name at parse time.

use crate::cache::TemplateCache;
use crate::error::ErrorKind;
use crate::filters::Args;
use crate::value::Value;

macro_rules! tests {
    ($($variant:ident = $($name:literal)|+,)*) => {
        /// A test, by name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Test { $($variant,)* }

        impl Test {
            pub(crate) fn from_name(name: &str) -> Option<Test> {
                match name {
                    $($($name)|+ => Some(Test::$variant),)*
                    _ => None,
                }
            }

            pub(crate) fn name(self) -> &'static str {
                match self { $(Test::$variant => tests!(@first $($name)+),)* }
            }
        }
    };
    (@first $first:literal $($rest:literal)*) => { $first };
}

tests! {
    Defined = "defined",
    Undefined = "undefined",
    None = "none",
    String = "string",
    Number = "number",
    Integer = "integer",
    Float = "float",
    Mapping = "mapping" | "object",
    Iterable = "iterable",
    Sequence = "sequence",
    Odd = "odd",
    Even = "even",
    DivisibleBy = "divisibleby",
    Eq = "eq" | "equalto" | "==",
    Ne = "ne" | "!=",
    Lt = "lt" | "lessthan",
    Gt = "gt" | "greaterthan",
    Le = "le",
    Ge = "ge",
    StartingWith = "starting_with" | "startingwith",
    EndingWith = "ending_with" | "endingwith",
    Containing = "containing",
    Matching = "matching",
}

impl Test {
    /// Whether the test asks about definedness (its operand is evaluated leniently).
    pub(crate) fn is_lenient(self) -> bool {
        matches!(self, Test::Defined | Test::Undefined)
    }
}

fn operand<'a>(test: Test, args: &'a Args) -> Result<&'a Value, ErrorKind> {
    args.check(&["value"])?;
    args.get(0, "value")
        .ok_or_else(|| ErrorKind::Arguments(format!("test `{}` needs an argument", test.name())))
}

fn compare(test: Test, value: &Value, other: &Value) -> Result<std::cmp::Ordering, ErrorKind> {
    value.compare(other).ok_or_else(|| {
        ErrorKind::Type(format!(
            "test `{}` cannot compare {} with {}",
            test.name(),
            value.type_name(),
            other.type_name()
        ))
    })
}

fn int_of(test: Test, value: &Value) -> Result<i64, ErrorKind> {
    match value {
        Value::Int(i) => Ok(*i),
        other => Err(ErrorKind::Type(format!(
            "test `{}` needs an integer, got {}",
            test.name(),
            other.type_name()
        ))),
    }
}

/// Applies `test` to `value`; `matching` compiles its regular expression in `regexes` (and
/// refuses to run without it, as in `selectattr`).
pub(crate) fn apply_test(
    test: Test,
    value: &Value,
    args: &Args,
    regexes: Option<&TemplateCache>,
) -> Result<bool, ErrorKind> {
    use Test as T;
    use std::cmp::Ordering::{Greater, Less};
    let no_args = || args.check(&[]);
    Ok(match test {
        T::Defined => {
            no_args()?;
            !value.is_undefined()
        }
        T::Undefined => {
            no_args()?;
            value.is_undefined()
        }
        T::None => matches!(value, Value::None),
        T::String => matches!(value, Value::String(_) | Value::Safe(_)),
        T::Number => matches!(value, Value::Int(_) | Value::Float(_)),
        T::Integer => matches!(value, Value::Int(_)),
        T::Float => matches!(value, Value::Float(_)),
        T::Mapping => matches!(value, Value::Map(_)),
        T::Iterable => {
            matches!(value, Value::List(_) | Value::Map(_) | Value::String(_) | Value::Safe(_))
        }
        T::Sequence => matches!(value, Value::List(_) | Value::String(_) | Value::Safe(_)),
        T::Odd => int_of(test, value)? % 2 != 0,
        T::Even => int_of(test, value)? % 2 == 0,
        T::DivisibleBy => {
            let by = int_of(test, operand(test, args)?)?;
            if by == 0 {
                return Err(ErrorKind::Arithmetic("divisibleby(0)".into()));
            }
            int_of(test, value)?.wrapping_rem(by) == 0
        }
        T::Eq => value == operand(test, args)?,
        T::Ne => value != operand(test, args)?,
        T::Lt => compare(test, value, operand(test, args)?)? == Less,
        T::Gt => compare(test, value, operand(test, args)?)? == Greater,
        T::Le => compare(test, value, operand(test, args)?)? != Greater,
        T::Ge => compare(test, value, operand(test, args)?)? != Less,
        T::StartingWith | T::EndingWith => {
            let other = operand(test, args)?;
            let (Some(s), Some(p)) = (value.as_str(), other.as_str()) else {
                return Err(ErrorKind::Type(format!("test `{}` needs strings", test.name())));
            };
            if test == T::StartingWith { s.starts_with(p) } else { s.ends_with(p) }
        }
        T::Containing => contains(value, operand(test, args)?)?,
        T::Matching => {
            let pattern = operand(test, args)?;
            let (Some(text), Some(pattern)) = (value.as_str(), pattern.as_str()) else {
                return Err(ErrorKind::Type("test `matching` needs strings".into()));
            };
            let Some(regexes) = regexes else {
                return Err(ErrorKind::Arguments("`matching` cannot be used here".into()));
            };
            regexes.regex(pattern).map_err(ErrorKind::Arguments)?.is_match(text)
        }
    })
}

/// `needle in haystack`.
pub(crate) fn contains(haystack: &Value, needle: &Value) -> Result<bool, ErrorKind> {
    match haystack {
        Value::String(s) | Value::Safe(s) => match needle.as_str() {
            Some(n) => Ok(s.contains(n)),
            None => {
                Err(ErrorKind::Type(format!("cannot look for {} in a string", needle.type_name())))
            }
        },
        Value::List(items) => Ok(items.iter().any(|v| v == needle)),
        Value::Map(map) => Ok(needle.as_str().is_some_and(|k| map.get(k).is_some())),
        other => Err(ErrorKind::Type(format!("cannot look for a value in {}", other.type_name()))),
    }
}
