//! Zola's SHA-2 functions: `get_hash(path=… | literal=…, sha_type=…, base64=…)`, and the
//! `?h=` that `get_url(path=…, cachebust=true)` appends (the first 20 hex digits of the
//! file's SHA-256, as Zola's `components/templates/src/global_fns/files.rs` writes it).
//!
//! The digests are computed by the template cell (`template::Service::digest`, SHA-2 written
//! from the standard in `cells/template/src/digest.rs`), so that the host links no hashing
//! library of its own. A file's digest is the query `file_digest`, which depends on the file's
//! input only: a stylesheet is hashed once per change, however many pages print its URL, and
//! an unchanged digest (the file saved as it was) re-renders nothing.
//!
//! Files are found as `load_data` finds them (`load_data/resolve.rs`: the path from the
//! site's root, then under `static/` and `content/`), among the files the host reads.

use std::sync::Arc;

use cell_proto::{DigestRequest, FunctionCall, Value, WireValue, template};
use facet::Facet;
use picante::{PicanteError, PicanteResult};

use crate::config::SiteConfig;
use crate::db::{Database, Query};
use crate::error::{SiteError, cell_query_error, query_error};
use crate::load_data::LoadDataError;
use crate::load_data::resolve::{self, Held};
use crate::stored::StoredError;

/// A file's digest, as `file_digest` computes it.
#[derive(Facet, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct DigestKey {
    /// The file's path from the site's root (`static/site.css`).
    pub(crate) path: String,
    /// 256, 384 or 512.
    pub(crate) bits: u16,
    /// Standard base64 rather than lower-case hex.
    pub(crate) base64: bool,
}

/// Hex digits of the SHA-256 `get_url(…, cachebust=true)` appends, as Zola: "2^-80 chance of
/// false positive".
const CACHEBUST_DIGITS: usize = 20;

fn failure(message: String) -> Arc<PicanteError> {
    PicanteError::query(message)
}

/// `get_hash(…)`, called from a template.
///
/// # Errors
///
/// Zola's messages for its arguments; a file not found, or outside the files the host reads;
/// a failure of the template cell.
pub(crate) async fn get_hash(
    db: &Database,
    call: &FunctionCall,
    config: &SiteConfig,
) -> PicanteResult<WireValue> {
    let argument = |name: &str| -> PicanteResult<Option<Value>> {
        call.arguments
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_value().map_err(failure))
            .transpose()
    };
    let string = |name: &str| -> PicanteResult<Option<String>> {
        match argument(name)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(failure(
                "`get_hash` requires either a `path` or a `literal` argument with a string value"
                    .into(),
            )),
        }
    };
    let bits = match argument("sha_type")? {
        None => 384,
        Some(Value::Int(bits)) if matches!(bits, 256 | 384 | 512) => bits as u16,
        Some(Value::Int(_)) => return Err(failure("`get_hash`: Invalid sha value".into())),
        Some(_) => return Err(failure("`get_hash`: `sha_type` must be 256, 384 or 512".into())),
    };
    let base64 = match argument("base64")? {
        None => true,
        Some(Value::Bool(base64)) => base64,
        Some(_) => return Err(failure("`get_hash`: `base64` must be true or false".into())),
    };
    let digest = match (string("path")?, string("literal")?) {
        (Some(_), Some(_)) => {
            return Err(failure(
                "`get_hash`: must have only one of `path` or `literal` argument".into(),
            ));
        }
        (None, None) => {
            return Err(failure(
                "`get_hash`: must have at least one of `path` or `literal` argument".into(),
            ));
        }
        (None, Some(literal)) => cell_digest(db, literal.as_bytes(), bits, base64).await?,
        (Some(path), None) => {
            let found = find(db, "get_hash", &path, config)?;
            let key = DigestKey { path: found, bits, base64 };
            db.file_digest.get(db, key).await?
        }
    };
    Ok(Value::from(digest).to_wire())
}

/// What `get_url(path=…, cachebust=true)` appends to the URL of `path`: `?h=` and the first
/// 20 hex digits of its SHA-256.
///
/// # Errors
///
/// As Zola, a file that cannot be found; a path outside the files the host reads.
pub(crate) async fn cachebust(
    db: &Database,
    path: &str,
    config: &SiteConfig,
) -> PicanteResult<String> {
    let found = find(db, "get_url", path, config)?;
    let key = DigestKey { path: found, bits: 256, base64: false };
    let digest = db.file_digest.get(db, key).await?;
    Ok(format!("?h={}", &digest[..CACHEBUST_DIGITS.min(digest.len())]))
}

/// The path from the site's root of the file `path` names, found as `load_data` finds it.
fn find(db: &Database, function: &str, path: &str, config: &SiteConfig) -> PicanteResult<String> {
    match resolve::resolve(db, path, config)? {
        Ok(Some(found)) => Ok(found),
        // Zola's messages.
        Ok(None) if function == "get_hash" => {
            Err(failure(format!("`get_hash`: Cannot find file: {path}")))
        }
        Ok(None) => Err(failure(format!("`{function}`: Could not find or open file {path}"))),
        Err(LoadDataError::Untracked { what, .. }) => Err(failure(format!(
            "`{function}`: `{path}` is in {what}, whose files dodeca-host does not read: it \
             reads files under content/, data/ and static/"
        ))),
        Err(error) => Err(failure(format!("`{function}`: {error}"))),
    }
}

/// The digest of `bytes`, computed by the template cell.
async fn cell_digest(
    db: &Database,
    bytes: &[u8],
    bits: u16,
    base64: bool,
) -> PicanteResult<String> {
    db.cells
        .call(&db.cells.template, |connection| async move {
            let request = DigestRequest { bits, base64, bytes: connection.blob(bytes)? };
            template::Client::new(connection).digest(&request).await
        })
        .await
        .map_err(cell_query_error)
}

/// The query `file_digest(path, bits, base64)`: the digest of a file of the site, read through
/// its input (so it runs again only when the file changes).
///
/// # Errors
///
/// A file removed while the build ran; its bytes gone from the cache; the template cell's
/// failure.
pub(crate) fn file_digest_query(db: &Database, key: DigestKey) -> Query<'_, String> {
    Box::pin(async move {
        match resolve::held(db, &key.path)? {
            Some(Held::Text(text)) => cell_digest(db, text.as_bytes(), key.bits, key.base64).await,
            Some(Held::Stored(hash)) => {
                let stored = db.stored.as_ref().ok_or(StoredError::NoStore);
                let bytes = stored.and_then(|s| s.bytes(&key.path, hash));
                let bytes = bytes.map_err(PicanteError::query)?;
                cell_digest(db, &bytes, key.bits, key.base64).await
            }
            None => {
                let message = "there is no such file (it was removed while the build ran)";
                Err(query_error(SiteError::in_file(&key.path, message)))
            }
        }
    })
}
