//! `cell-image`: serves [`cell_proto::image::Service`] to the host that started it.
//!
//! Each request carries the image's bytes as a blob (through the shared heap when large); the
//! work is [`cell_image::metadata`] or [`cell_image::resize`], and a resized image goes back
//! as a blob. The cell makes no callback: the host found and read the file (a tracked read)
//! before asking. A file that cannot be read is an answer of the call (a remote error with
//! the engine's message), not a failure of the cell.

use std::sync::{Arc, OnceLock};

use cell_proto::{EncodedImage, ImageBytes, ImageMetadata, ResizeRequest, image};
use rpc::{Connection, RpcError, WeakConnection};

struct ImageCell {
    connection: OnceLock<WeakConnection>,
}

impl ImageCell {
    fn connection(&self) -> Result<Connection, RpcError> {
        self.connection
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| RpcError::remote("the image cell is not connected"))
    }
}

impl image::Service for ImageCell {
    async fn metadata(&self, request: ImageBytes) -> Result<ImageMetadata, RpcError> {
        let bytes = self.connection()?.open_blob(request.bytes).await?;
        cell_image::metadata(&bytes).map_err(|error| RpcError::remote(error.to_string()))
    }

    async fn resize(&self, request: ResizeRequest) -> Result<EncodedImage, RpcError> {
        let connection = self.connection()?;
        let bytes = connection.open_blob(request.image.bytes).await?;
        // Copied out of the shared heap before decoding: the peer can write there (the `rpc`
        // docs), and a decoder should not see bytes change under it.
        let bytes = bytes.into_vec();
        let encoded = cell_image::resize(&bytes, request.crop, request.size, request.format)
            .map_err(|error| RpcError::remote(error.to_string()))?;
        Ok(EncodedImage { bytes: connection.blob(&encoded)? })
    }
}

fn main() {
    let cell = Arc::new(image::Server(ImageCell { connection: OnceLock::new() }));
    let served = cell.clone();
    if let Err(error) = rpc::cell::serve_with(served, |connection| {
        let _ = cell.0.connection.set(connection.downgrade());
    }) {
        eprintln!("cell-image: {error}");
        std::process::exit(1);
    }
}
