//! Zola's image functions, `get_image_metadata(path, allow_missing)` and
//! `resize_image(path, width, height, op, format, quality)`, answered by the host with the
//! image cell (`cells/image`).
//!
//! The file is found as `load_data` finds it (`load_data/resolve.rs`: the path from the
//! site's root, `@/` under `content/`, then under `static/` and `content/`) and read through
//! its input, inside the query, so the render that asked depends on it: editing an image
//! renders again exactly the pages whose answer changed.
//!
//! - `image_metadata(path)`: the size and format, read by the cell from the file's header,
//!   once per change of the file however many pages ask.
//! - `resize_image` needs only that and Zola's rules (`operation.rs`) to answer: the URL, the
//!   final size and the file's name are known without resizing. The resizing itself is the
//!   query `resized(key)`, asked by the build's images step (`site/images.rs`) for every
//!   resize the site's templates asked for; its result is stored in the CAS and written to
//!   `processed_images/` in the output. Its memo is saved with the database, so the next
//!   process does not resize again unless the source changed.

mod operation;

use std::sync::Arc;

use cell_proto::{
    FunctionCall, ImageBytes, ImageFormat, ImageMetadata, OutputFormat, Value, WireValue, image,
};
use facet::Facet;
use picante::{PicanteError, PicanteResult};
use rpc::RpcError;

use crate::cells::CellError;
use crate::config::SiteConfig;
use crate::db::{Database, Query};
use crate::error::{SiteError, cell_query_error, query_error};
use crate::load_data::LoadDataError;
use crate::load_data::resolve::{self, Held};
use crate::stored::StoredError;
use operation::{Instructions, Operation};

/// Zola's directory for processed images, in the output (and in `static_path`).
pub(crate) const PROCESSED: &str = "processed_images";

/// One resize, as the cell is asked it: the source (from the site's root) and what to do.
#[derive(Facet, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ResizeKey {
    pub(crate) path: String,
    pub(crate) crop: Option<cell_proto::Crop>,
    pub(crate) size: Option<(u32, u32)>,
    pub(crate) format: OutputFormat,
}

/// A processed image's bytes, stored in the CAS.
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resized {
    pub(crate) hash: cas::ContentHash,
}

/// A `resize_image` call, decided: where its file goes (under the output directory), how it
/// is made, and the template's answer.
pub(crate) struct Plan {
    pub(crate) rel: String,
    pub(crate) key: ResizeKey,
    answer: Value,
}

fn failure(message: String) -> Arc<PicanteError> {
    PicanteError::query(message)
}

/// A call's arguments, read by name.
struct Arguments<'a> {
    call: &'a FunctionCall,
}

impl Arguments<'_> {
    fn value(&self, name: &str) -> PicanteResult<Option<Value>> {
        let positional = || self.call.arguments.iter().find(|(n, _)| n == "0");
        let found = self.call.arguments.iter().find(|(n, _)| n == name);
        let found = found.or_else(|| positional().filter(|_| name == "path"));
        found.map(|(_, v)| v.to_value().map_err(failure)).transpose()
    }

    fn string(&self, name: &str, message: &str) -> PicanteResult<Option<String>> {
        match self.value(name)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(failure(message.to_string())),
        }
    }

    /// An integer argument in `0..=max`.
    fn integer(&self, name: &str, max: u32, message: &str) -> PicanteResult<Option<u32>> {
        match self.value(name)? {
            None => Ok(None),
            Some(Value::Int(n)) if (0..=i64::from(max)).contains(&n) => Ok(Some(n as u32)),
            Some(_) => Err(failure(message.to_string())),
        }
    }
}

/// The path from the site's root of the image `path` names, or `None` if there is none.
fn find(
    db: &Database,
    function: &str,
    path: &str,
    config: &SiteConfig,
) -> PicanteResult<Option<String>> {
    match resolve::resolve(db, path, config)? {
        Ok(found) => Ok(found),
        Err(LoadDataError::Untracked { what, .. }) => Err(failure(format!(
            "`{function}`: `{path}` is in {what}, whose files dodeca-host does not read: it \
             reads files under content/, data/ and static/"
        ))),
        Err(error) => Err(failure(format!("`{function}`: {error}"))),
    }
}

/// The metadata of the image at `found`, or the error of `function` saying why not.
async fn metadata_of(db: &Database, function: &str, found: &str) -> PicanteResult<ImageMetadata> {
    db.image_metadata.get(db, found.to_string()).await.map_err(|error| {
        match crate::error::site_error(&error) {
            Some(site) => failure(format!("`{function}`: Failed to read image {site}")),
            None => error,
        }
    })
}

/// `get_image_metadata(path=…, allow_missing=…)`: `{width, height, format, mime}` as Zola
/// gives it, or `null` for a missing file with `allow_missing=true`.
///
/// # Errors
///
/// Zola's messages for the arguments and a missing file; a file the cell cannot read.
pub(crate) async fn get_image_metadata(
    db: &Database,
    call: &FunctionCall,
    config: &SiteConfig,
) -> PicanteResult<WireValue> {
    const NAME: &str = "get_image_metadata";
    let arguments = Arguments { call };
    let path = arguments
        .string("path", "`get_image_metadata` requires a `path` argument with a string value")?
        .ok_or_else(|| {
            failure("`get_image_metadata` requires a `path` argument with a string value".into())
        })?;
    let allow_missing = match arguments.value("allow_missing")? {
        None => false,
        Some(Value::Bool(allow)) => allow,
        Some(_) => {
            return Err(failure(
                "`get_image_metadata`: `allow_missing` must be a boolean (true or false)".into(),
            ));
        }
    };
    let Some(found) = find(db, NAME, &path, config)? else {
        if allow_missing {
            return Ok(Value::Null.to_wire());
        }
        return Err(failure(format!("`get_image_metadata`: Cannot find path: {path}")));
    };
    let meta = metadata_of(db, NAME, &found).await?;
    Ok(Value::map([
        ("width", Value::Int(meta.width.into())),
        ("height", Value::Int(meta.height.into())),
        ("format", Value::from(meta.format.name())),
        ("mime", Value::from(meta.format.mime())),
    ])
    .to_wire())
}

/// `resize_image(…)`: `{url, static_path, width, height, orig_width, orig_height}` as Zola
/// gives it. The image is resized by the build's images step, not here.
///
/// # Errors
///
/// As [`plan`].
pub(crate) async fn resize_image(
    db: &Database,
    call: &FunctionCall,
    config: &SiteConfig,
) -> PicanteResult<WireValue> {
    Ok(plan(db, call, config).await?.answer.to_wire())
}

/// What a `resize_image` call asks for: Zola's checks of its arguments, the file found, its
/// size read, and Zola's rules applied.
///
/// # Errors
///
/// Zola's messages for the arguments, a missing file, and a bad operation, format or
/// quality; a file the cell cannot read; an SVG.
pub(crate) async fn plan(
    db: &Database,
    call: &FunctionCall,
    config: &SiteConfig,
) -> PicanteResult<Plan> {
    const NAME: &str = "resize_image";
    let arguments = Arguments { call };
    let needs_path = "`resize_image` requires a `path` argument with a string value";
    let path = arguments.string("path", needs_path)?.ok_or_else(|| failure(needs_path.into()))?;
    let width = arguments.integer(
        "width",
        u32::MAX,
        "`resize_image`: `width` must be a non-negative integer",
    )?;
    let height = arguments.integer(
        "height",
        u32::MAX,
        "`resize_image`: `height` must be a non-negative integer",
    )?;
    let op = arguments.string("op", "`resize_image`: `op` must be a string")?;
    let format = arguments.string("format", "`resize_image`: `format` must be a string")?;
    let quality =
        arguments.integer("quality", 255, "`resize_image`: `quality` must be a number")?;
    // Zola's `speed` is for AVIF only, which is refused below.
    arguments.integer("speed", 255, "`resize_image`: `speed` must be a number")?;
    let operation = Operation::from_args(op.as_deref().unwrap_or("fill"), width, height)
        .map_err(|message| failure(format!("`resize_image`: {message}")))?;
    if matches!(width, Some(0)) || matches!(height, Some(0)) {
        // Zola takes 0 and fails in its encoder, after the build; said here, at the call.
        return Err(failure("`resize_image`: `width` and `height` must be at least 1".into()));
    }
    let Some(found) = find(db, NAME, &path, config)? else {
        return Err(failure(format!("`resize_image`: Cannot find file: {path}")));
    };
    let meta = metadata_of(db, NAME, &found).await?;
    if meta.format == ImageFormat::Svg {
        return Err(failure(format!("`resize_image`: {found}: an SVG image cannot be resized")));
    }
    let quality = quality.map(|q| q as u8);
    let format = operation::output_format(
        meta.format.is_lossy(),
        format.as_deref().unwrap_or("auto"),
        quality,
    )
    .map_err(|message| failure(format!("`resize_image`: {message}")))?;
    let name = operation::file_name(&found, &operation::unified(&path), operation, format);
    let instructions = Instructions::new(operation, (meta.width, meta.height));
    let (width, height) = instructions.size.unwrap_or((meta.width, meta.height));
    let url = format!("{}/{PROCESSED}/{name}", config.base_url.trim_end_matches('/'));
    let answer = Value::map([
        ("url", Value::from(url)),
        ("static_path", Value::from(format!("static/{PROCESSED}/{name}"))),
        ("width", Value::Int(width.into())),
        ("height", Value::Int(height.into())),
        ("orig_width", Value::Int(meta.width.into())),
        ("orig_height", Value::Int(meta.height.into())),
    ]);
    let key = ResizeKey { path: found, crop: instructions.crop, size: instructions.size, format };
    Ok(Plan { rel: format!("{PROCESSED}/{name}"), key, answer })
}

/// The bytes of the file at `path` (from the site's root), read through its input.
fn bytes_of(db: &Database, path: &str) -> PicanteResult<Vec<u8>> {
    match resolve::held(db, path)? {
        Some(Held::Text(text)) => Ok(text.into_bytes()),
        Some(Held::Stored(hash)) => {
            let stored = db.stored.as_ref().ok_or(StoredError::NoStore);
            let bytes = stored.and_then(|s| s.bytes(path, hash));
            Ok(bytes.map_err(PicanteError::query)?.to_vec())
        }
        None => {
            let message = "there is no such file (it was removed while the build ran)";
            Err(query_error(SiteError::in_file(path, message)))
        }
    }
}

/// A cell's answer that is about the image (its message), as an error of the file; any
/// other failure (the cell crashed twice, timed out) as the cell's.
fn image_error(path: &str, error: CellError) -> Arc<PicanteError> {
    match error {
        CellError::Call { error: RpcError::Remote(message), .. } => {
            query_error(SiteError::in_file(path, message))
        }
        other => cell_query_error(other),
    }
}

/// The query `image_metadata(path)`: the size and format of the image at `path` (from the
/// site's root), read by the image cell from the file's input.
pub(crate) fn image_metadata_query(db: &Database, path: String) -> Query<'_, ImageMetadata> {
    Box::pin(async move {
        let bytes = bytes_of(db, &path)?;
        let (bytes, name) = (&bytes, &path);
        db.cells
            .call(&db.cells.image, |connection| async move {
                let request = ImageBytes { path: name.clone(), bytes: connection.blob(bytes)? };
                image::Client::new(connection).metadata(&request).await
            })
            .await
            .map_err(|error| image_error(&path, error))
    })
}

/// The query `resized(key)`: the image resized as `key` says, by the image cell, its bytes
/// stored in the CAS.
pub(crate) fn resized_query(db: &Database, key: ResizeKey) -> Query<'_, Resized> {
    Box::pin(async move {
        let bytes = bytes_of(db, &key.path)?;
        let (bytes, key_ref) = (&bytes, &key);
        let encoded = db
            .cells
            .call(&db.cells.image, |connection| async move {
                let request = cell_proto::ResizeRequest {
                    image: ImageBytes {
                        path: key_ref.path.clone(),
                        bytes: connection.blob(bytes)?,
                    },
                    crop: key_ref.crop,
                    size: key_ref.size,
                    format: key_ref.format,
                };
                let reply = image::Client::new(connection.clone()).resize(&request).await?;
                Ok(connection.open_blob(reply.bytes).await?.into_vec())
            })
            .await
            .map_err(|error| image_error(&key.path, error))?;
        let stored = db.stored.as_ref().ok_or(StoredError::NoStore).map_err(PicanteError::query)?;
        let hash = stored.put(&encoded).map_err(PicanteError::query)?;
        Ok(Resized { hash })
    })
}
