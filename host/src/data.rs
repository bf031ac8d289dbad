//! Data files (`data/<stem>.toml`, `.json`, `.yaml`, `.yml`) as `data.<stem>`: parsed once
//! per change (by `load_data`'s query `loaded`, which `load_data(path="data/…")` shares), and
//! read by templates one dotted path at a time, so a render depends only on the keys it reads.

use cell_proto::{Value, WireValue};

use crate::SiteError;
use crate::db::{Database, Query};
use crate::error::query_error;
use crate::load_data::{Format, LoadKey};

/// The extensions `data.<stem>` reads, in the order they are looked for when a stem has two.
const EXTENSIONS: [&str; 4] = ["toml", "json", "yaml", "yml"];

/// The query `data_file(stem)`: the data file `data/<stem>.<extension>` parsed, as a wire
/// value (`null` if there is none). It reads the inputs of the extensions looked at, so a file
/// that appears later is found.
pub(crate) fn data_file_query(db: &Database, name: String) -> Query<'_, WireValue> {
    Box::pin(async move {
        for extension in EXTENSIONS {
            let rel = format!("{name}.{extension}");
            if db.data_files.get(db, &rel)?.is_some() {
                let format = Format::of_path(&rel);
                return db.loaded.get(db, LoadKey { path: format!("data/{rel}"), format }).await;
            }
        }
        Ok(Value::Null.to_wire())
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
