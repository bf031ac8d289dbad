//! Data files (`data/*.toml`, `.json`, `.yaml`): parsed once per change, and read by
//! templates one dotted path at a time, so a render depends only on the keys it reads.

use cell_proto::{Value, WireValue};
use facet::Facet;

use crate::SiteError;
use crate::db::{Database, Query};
use crate::error::query_error;

/// A data file's text and syntax (its extension).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct DataFile {
    /// `toml`, `json`, `yaml` or `yml`.
    pub extension: String,
    /// The file's text.
    pub text: String,
}

/// The query `data_file(stem)`: a data file parsed, as a wire value (`null` if there is none).
pub(crate) fn data_file_query(db: &Database, name: String) -> Query<'_, WireValue> {
    Box::pin(async move {
        let Some(file) = db.data_files.get(db, &name)? else { return Ok(Value::Null.to_wire()) };
        let path = format!("data/{name}.{}", file.extension);
        let syntax = crate::values::Syntax::from_extension(&file.extension)
            .ok_or_else(|| query_error(SiteError::in_file(&path, "unknown data file syntax")))?;
        let value = crate::values::parse(&file.text, syntax).map_err(|(message, position)| {
            let error = SiteError::in_file(&path, message);
            query_error(match position {
                Some((line, column)) => error.at(&file.text, line, Some(column)),
                None => error,
            })
        })?;
        Ok(value.to_wire())
    })
}

/// The query `data_value(path)`: one dotted path into a data file (`site.nav.0.title`), `null`
/// where it leads nowhere. A render reading `data.site.title` depends on this key only.
pub(crate) fn data_value_query(db: &Database, path: String) -> Query<'_, WireValue> {
    Box::pin(async move {
        let mut segments = path.split('.');
        let file = segments.next().unwrap_or_default().to_string();
        let whole = db.data_file.get(db, file).await?;
        let mut value = whole.to_value().map_err(|e| query_error(SiteError::in_file("data", e)))?;
        for segment in segments {
            value = match value {
                Value::Map(entries) => {
                    entries.into_iter().find(|(k, _)| k == segment).map_or(Value::Null, |(_, v)| v)
                }
                Value::List(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.into_iter().nth(i))
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            };
        }
        Ok(value.to_wire())
    })
}
