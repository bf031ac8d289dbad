//! The filters (`x | name(args)`), resolved by name at parse time: Tera's built-ins, the ones
//! Zola adds, and a few of Jinja's. Each takes its arguments by name, as Tera's do, and most
//! also by position (`join(", ")` as `join(sep=", ")`).
//!
//! The filters are grouped by what they work on: `text.rs`, `lists.rs`, `numbers.rs`,
//! `encode.rs` (JSON, base64, URLs), with `graphemes.rs` for `truncate`. `markdown` is
//! answered by the host and regular expressions are compiled once per engine, so those two
//! are applied by the interpreter (`eval/expressions.rs`), which calls in here for the rest.

mod encode;
mod graphemes;
mod lists;
mod numbers;
mod text;

use std::sync::Arc;

use crate::error::ErrorKind;
use crate::value::Value;

pub(crate) use encode::base64_encode;
pub(crate) use lists::{attribute, items, slice};
pub(crate) use text::regex_replace;

macro_rules! filters {
    ($($variant:ident = $($name:literal)|+ => [$($arg:literal),*],)*) => {
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

            /// The names of its arguments, in their positional order.
            pub(crate) fn arguments(self) -> &'static [&'static str] {
                match self { $(Filter::$variant => &[$($arg),*],)* }
            }
        }
    };
    (@first $first:literal $($rest:literal)*) => { $first };
}

filters! {
    // Text.
    Upper = "upper" => [],
    Lower = "lower" => [],
    Capitalize = "capitalize" => [],
    Title = "title" => [],
    Trim = "trim" => [],
    TrimStart = "trim_start" => [],
    TrimEnd = "trim_end" => [],
    TrimStartMatches = "trim_start_matches" => ["pat"],
    TrimEndMatches = "trim_end_matches" => ["pat"],
    Truncate = "truncate" => ["length", "end"],
    WordCount = "wordcount" => [],
    Replace = "replace" => ["from", "to"],
    LineBreaksBr = "linebreaksbr" => [],
    Indent = "indent" => ["prefix", "first", "blank"],
    StripTags = "striptags" => [],
    Spaceless = "spaceless" => [],
    Slugify = "slugify" => [],
    AddSlashes = "addslashes" => [],
    Split = "split" => ["pat"],
    Escape = "escape" | "e" => [],
    EscapeXml = "escape_xml" => [],
    Safe = "safe" => [],
    RegexReplace = "regex_replace" => ["pattern", "rep"],
    Markdown = "markdown" => ["inline"],
    // Encodings.
    UrlEncode = "urlencode" => [],
    UrlEncodeStrict = "urlencode_strict" => [],
    JsonEncode = "json_encode" => ["pretty"],
    AsStr = "as_str" => [],
    Base64Encode = "base64_encode" => [],
    Base64Decode = "base64_decode" => [],
    // Numbers.
    Round = "round" => ["precision", "method"],
    Abs = "abs" => [],
    Int = "int" => ["default", "base"],
    Float = "float" => ["default"],
    Pluralize = "pluralize" => ["singular", "plural"],
    FileSizeFormat = "filesizeformat" => ["binary"],
    NumFormat = "num_format" => ["locale"],
    Date = "date" => ["format", "timezone", "locale"],
    // Lists and maps.
    Length = "length" | "count" => [],
    First = "first" => [],
    Last = "last" => [],
    Nth = "nth" => ["n"],
    Reverse = "reverse" => [],
    Sort = "sort" => ["attribute", "reverse"],
    Unique = "unique" => ["attribute", "case_sensitive"],
    Join = "join" => ["sep", "attribute"],
    Slice = "slice" => ["start", "end"],
    GroupBy = "group_by" => ["attribute"],
    JinjaGroupBy = "groupby" => ["attribute"],
    Select = "filter" => ["attribute", "value"],
    Map = "map" => ["filter", "attribute", "default"],
    SelectAttr = "selectattr" => ["attribute", "test", "value"],
    RejectAttr = "rejectattr" => ["attribute", "test", "value"],
    Concat = "concat" => ["with"],
    Get = "get" => ["key", "default"],
    Items = "items" => [],
    List = "list" => [],
    String = "string" => [],
    Default = "default" | "d" => ["value", "boolean"],
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

    pub(crate) fn string(&self, index: usize, name: &str) -> Result<Option<Arc<str>>, ErrorKind> {
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

    pub(crate) fn int(&self, index: usize, name: &str) -> Result<Option<i64>, ErrorKind> {
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

    pub(crate) fn bool(&self, index: usize, name: &str) -> bool {
        self.get(index, name).is_some_and(Value::is_true)
    }

    /// A required string argument.
    pub(crate) fn required_string(&self, index: usize, name: &str) -> Result<Arc<str>, ErrorKind> {
        self.string(index, name)?.ok_or_else(|| {
            ErrorKind::Arguments(format!("`{}` needs the argument `{name}`", self.what))
        })
    }
}

pub(crate) fn type_error(filter: Filter, value: &Value) -> ErrorKind {
    ErrorKind::Type(format!("filter `{}` cannot apply to {}", filter.name(), value.type_name()))
}

/// Whether `default` replaces this value: undefined or none.
pub(crate) fn is_missing(value: &Value) -> bool {
    value.is_undefined() || matches!(value, Value::None)
}

/// Applies `filter` to `value` (all but `markdown` and `regex_replace`, which the interpreter
/// applies).
pub(crate) fn apply(filter: Filter, value: Value, args: &Args) -> Result<Value, ErrorKind> {
    use Filter as F;
    args.check(filter.arguments())?;
    match filter {
        F::Default => {
            let fallback = args.get(0, "value").cloned().unwrap_or(Value::String("".into()));
            let missing = is_missing(&value) || (args.bool(1, "boolean") && !value.is_true());
            Ok(if missing { fallback } else { value })
        }
        // `safe` marks nothing: whether an output is escaped is decided where it is printed
        // (`eval::expressions::escapes`), as in Tera.
        F::Safe => Ok(value),
        F::Upper
        | F::Lower
        | F::Capitalize
        | F::Title
        | F::Trim
        | F::TrimStart
        | F::TrimEnd
        | F::TrimStartMatches
        | F::TrimEndMatches
        | F::Truncate
        | F::WordCount
        | F::Replace
        | F::LineBreaksBr
        | F::Indent
        | F::StripTags
        | F::Spaceless
        | F::Slugify
        | F::AddSlashes
        | F::Split
        | F::Escape
        | F::EscapeXml => text::apply(filter, value, args),
        F::UrlEncode
        | F::UrlEncodeStrict
        | F::JsonEncode
        | F::AsStr
        | F::Base64Encode
        | F::Base64Decode
        | F::String => encode::apply(filter, value, args),
        F::Round | F::Abs | F::Int | F::Float | F::Pluralize | F::FileSizeFormat | F::NumFormat => {
            numbers::apply(filter, value, args)
        }
        F::Date => {
            let format = args.string(0, "format")?.unwrap_or_else(|| "%Y-%m-%d".into());
            let timezone = args.string(1, "timezone")?;
            let text = crate::date::format(&value, &format, timezone.as_deref())?;
            Ok(Value::String(text.into()))
        }
        F::Length
        | F::First
        | F::Last
        | F::Nth
        | F::Reverse
        | F::Sort
        | F::Unique
        | F::Join
        | F::Slice
        | F::GroupBy
        | F::JinjaGroupBy
        | F::Select
        | F::Map
        | F::SelectAttr
        | F::RejectAttr
        | F::Concat
        | F::Get
        | F::Items
        | F::List => lists::apply(filter, value, args),
        F::RegexReplace | F::Markdown => Err(ErrorKind::Type(format!(
            "filter `{}` is applied by the interpreter",
            filter.name()
        ))),
    }
}
