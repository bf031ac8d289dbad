//! Zola's `load_data` template function, answered by the host.
//!
//! `load_data(path=…)` reads a file of the site, `load_data(literal=…, format=…)` a string,
//! in a format given by `format=` or the file's extension (toml, json, yaml, csv, bibtex,
//! xml, anything else plain text), as Zola 0.22 does
//! (`components/templates/src/global_fns/load_data.rs`). The host reads the first four;
//! BibTeX and XML, whose parsers are field libraries, the data cell reads (`cells/data`),
//! sent the text the host read.
//! `required=false` makes a missing file `null`. `url=` is refused: a build depends only on
//! the site's files.
//!
//! Every load is a tracked read. The template cell forwards the call to the host, whose
//! answer is the query `provided(read)` (`provide.rs`), a dependency of the render that made
//! it; it finds the file through the inputs (`resolve`) and reads it through the query
//! `loaded(path, format)`, which reads the file's input and parses it once per revision
//! however many pages load it. So an edit of a file renders again exactly the pages whose
//! templates loaded it (or looked for it where it now is).
//!
//! - `resolve`: which file a path names (Zola's search, among the inputs).
//! - `format`: the formats, and a text read in one of the host's; `csv`: the CSV reader.
//! - `error`: the calls refused.

mod csv;
mod error;
mod format;
pub(crate) mod resolve;

use cell_proto::{DataReply, FunctionCall, ReadData, Value, WireValue, data};
use facet::Facet;
use picante::{PicanteError, PicanteResult};

use crate::SiteError;
use crate::config::SiteConfig;
use crate::db::{Database, Query};
use crate::error::{cell_query_error, query_error, site_error};
use crate::stored::StoredError;
pub(crate) use error::LoadDataError;
pub(crate) use format::Format;
use resolve::Held;

/// A file to read, by its path from the site's root (`data/a.json`), in a format.
#[derive(Facet, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct LoadKey {
    pub(crate) path: String,
    pub(crate) format: Format,
}

/// The call's source of text: exactly one of Zola's three.
enum Source {
    Path(String),
    Url(String),
    Literal(String),
}

/// The arguments of a call, checked as Zola checks them.
struct Arguments {
    source: Source,
    format: Option<String>,
    required: bool,
}

/// Zola's message for a call without exactly one source.
const ONE_SOURCE: &str = "requires exactly one of a `path`, `url` or `literal` argument (a string)";

impl Arguments {
    fn of(call: &FunctionCall) -> Result<Arguments, LoadDataError> {
        let value = |name: &str| -> Result<Option<Value>, LoadDataError> {
            call.arguments
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.to_value())
                .transpose()
                .map_err(|e| LoadDataError::Arguments(format!("`{name}`: {e}")))
        };
        let string = |name: &str, message: &str| match value(name)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(LoadDataError::Arguments(message.to_string())),
        };
        let path = string("path", ONE_SOURCE)?;
        let url = string("url", ONE_SOURCE)?;
        let literal = string("literal", ONE_SOURCE)?;
        let source = match (path, url, literal) {
            (Some(path), None, None) => Source::Path(path),
            (None, Some(url), None) => Source::Url(url),
            (None, None, Some(literal)) => Source::Literal(literal),
            _ => return Err(LoadDataError::Arguments(ONE_SOURCE.to_string())),
        };
        let format = string(
            "format",
            "`format` must be a string: toml, json, yaml, csv, bibtex, xml or plain",
        )?;
        let required = match value("required")? {
            None => true,
            Some(Value::Bool(required)) => required,
            Some(_) => {
                let message = "`required` must be true or false";
                return Err(LoadDataError::Arguments(message.to_string()));
            }
        };
        Ok(Arguments { source, format, required })
    }
}

/// `load_data(…)`, called from a template: the value, or `null` for a missing file that is
/// not required.
///
/// # Errors
///
/// A call refused ([`LoadDataError`]), a file that is not text or does not parse (named, at
/// its line and column), each message starting `load_data: `; or a query's own error.
pub(crate) async fn function(
    db: &Database,
    call: &FunctionCall,
    config: &SiteConfig,
) -> PicanteResult<WireValue> {
    let refused = |error: LoadDataError| PicanteError::query(format!("load_data: {error}"));
    let arguments = Arguments::of(call).map_err(refused)?;
    let format = |default: Format| match &arguments.format {
        None => Ok(default),
        Some(name) => {
            Format::named(name).ok_or_else(|| refused(LoadDataError::UnknownFormat(name.clone())))
        }
    };
    match &arguments.source {
        Source::Url(url) => Err(refused(LoadDataError::Url(url.clone()))),
        Source::Literal(text) => {
            let format = format(Format::Plain)?;
            let value = read(db, text, format).await?.map_err(|error| {
                let at = error.position.map_or_else(String::new, |(line, column)| {
                    format!(" (line {line}, column {column})")
                });
                let message =
                    format!("load_data: the {} literal{at}: {}", format.name(), error.message);
                PicanteError::query(message)
            })?;
            Ok(value)
        }
        Source::Path(path) => {
            let Some(site_path) = resolve::resolve(db, path, config)?.map_err(refused)? else {
                if !arguments.required {
                    return Ok(Value::Null.to_wire());
                }
                let tried = resolve::normalise(path).map(|n| resolve::candidates(&n));
                let tried = tried.map_err(refused)?;
                return Err(refused(LoadDataError::Missing { path: path.clone(), tried }));
            };
            let format = format(Format::of_path(&site_path))?;
            let key = LoadKey { path: site_path, format };
            db.loaded.get(db, key).await.map_err(|error| {
                // The file's own problem, named by `loaded`: said to be load_data's. Any
                // other error (a cycle, a superseded revision) goes up as it is.
                if let Some(site) = site_error(&error) {
                    return PicanteError::query(format!("load_data: {site}"));
                }
                match stored_error(&error) {
                    Some(stored) => PicanteError::query(format!("load_data: {stored}")),
                    None => error,
                }
            })
        }
    }
}

fn stored_error(error: &PicanteError) -> Option<&StoredError> {
    match error {
        PicanteError::Query(inner) => inner.downcast_ref::<StoredError>(),
        _ => None,
    }
}

/// The query `loaded(path, format)`: the file at `path` (from the site's root) read in
/// `format`, as a wire value. It depends on the file's input only, so it runs once per
/// revision in which the file changed, however many pages load it.
///
/// # Errors
///
/// A [`SiteError`] naming the file (at the line and column where it is not UTF-8 or does not
/// parse, when known), or a [`StoredError`] when its bytes cannot be had.
pub(crate) fn loaded_query(db: &Database, key: LoadKey) -> Query<'_, WireValue> {
    Box::pin(async move {
        let text = match resolve::held(db, &key.path)? {
            Some(Held::Text(text)) => text,
            Some(Held::Stored(hash)) => {
                let stored = db.stored.as_ref().ok_or(StoredError::NoStore);
                let bytes = stored.and_then(|s| s.bytes(&key.path, hash));
                let bytes = bytes.map_err(PicanteError::query)?;
                text_of(&key.path, &bytes).map_err(query_error)?
            }
            None => {
                let message = "there is no such file (it was removed while the build ran)";
                return Err(query_error(SiteError::in_file(&key.path, message)));
            }
        };
        // As Zola's `read_file`: a byte order mark is not part of the text.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        read(db, text, key.format).await?.map_err(|error| {
            let site = SiteError::in_file(&key.path, error.message);
            query_error(match error.position {
                Some((line, column)) => site.at(text, line, Some(column)),
                None => site,
            })
        })
    })
}

/// `text` read in `format`: by the host, or by the data cell for the formats it reads.
///
/// # Errors
///
/// The outer error: the data cell failed (it could not start, died twice, answered bytes
/// that are not a value). The inner: the text does not parse.
async fn read(
    db: &Database,
    text: &str,
    format: Format,
) -> PicanteResult<Result<WireValue, format::ParseError>> {
    let Some(cell_format) = format.of_cell() else {
        return Ok(format::parse(text, format).map(|value| value.to_wire()));
    };
    let reply = db
        .cells
        .call(&db.cells.data, |connection| async move {
            let request = ReadData { format: cell_format, text: connection.blob(text.as_bytes())? };
            match data::Client::new(connection.clone()).read(&request).await? {
                DataReply::Value(value) => Ok(Ok(connection.open_blob(value).await?.into_vec())),
                DataReply::Problem(problem) => Ok(Err(problem)),
            }
        })
        .await
        .map_err(cell_query_error)?;
    match reply {
        Ok(bytes) => {
            // Checked here, where a bad answer is the cell's fault, rather than in every
            // template that would read it.
            let value = WireValue::from_bytes(bytes);
            value.to_value().map_err(|error| {
                PicanteError::query(format!("the data cell answered a malformed value: {error}"))
            })?;
            Ok(Ok(value))
        }
        Err(problem) => {
            Ok(Err(format::ParseError { message: problem.message, position: problem.position }))
        }
    }
}

/// `bytes` as text, or an error at the first byte that is not UTF-8.
fn text_of(path: &str, bytes: &[u8]) -> Result<String, SiteError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(error) => {
            let valid = String::from_utf8_lossy(&bytes[..error.valid_up_to()]).into_owned();
            let line = valid.matches('\n').count() as u32 + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            let message = "not UTF-8 text: load_data reads text files only";
            Err(SiteError::in_file(path, message).at(&valid, line, Some(column)))
        }
    }
}

/// `text` read as a file in the format `index` picks (csv, json, yaml, toml, plain, by its
/// value modulo 5), for the fuzz target: `Err` is the message and the line and column a build
/// would report.
pub(crate) fn parse_for_fuzzing(text: &str, index: u8) -> Result<(), (String, Option<(u32, u32)>)> {
    let formats = [Format::Csv, Format::Json, Format::Yaml, Format::Toml, Format::Plain];
    let format = formats[usize::from(index) % formats.len()];
    format::parse(text, format).map(drop).map_err(|error| (error.message, error.position))
}
