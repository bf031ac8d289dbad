//! Encoding a resized image as Zola's `resize_image` asks: JPEG at a quality, PNG, or WebP.

use std::io::Cursor;

use cell_proto::OutputFormat;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder};

use crate::ImageError;

fn encode_error(error: image::ImageError) -> ImageError {
    ImageError::Encode(error.to_string())
}

/// `image` encoded as `format`, with its colour profile where the encoder takes one (as
/// Zola: an encoder that does not is not an error).
pub(crate) fn encode(
    image: &DynamicImage,
    icc_profile: Option<Vec<u8>>,
    format: OutputFormat,
) -> Result<Vec<u8>, ImageError> {
    let mut bytes = Vec::new();
    let mut out = Cursor::new(&mut bytes);
    let with_profile = |encoder: &mut dyn ImageEncoder| {
        if let Some(profile) = icc_profile {
            let _ = encoder.set_icc_profile(profile);
        }
    };
    match format {
        OutputFormat::Png => {
            let mut encoder = PngEncoder::new(&mut out);
            with_profile(&mut encoder);
            image.write_with_encoder(encoder).map_err(encode_error)?;
        }
        OutputFormat::Jpeg { quality } => {
            let mut encoder = JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
            with_profile(&mut encoder);
            // JPEG has no alpha, and `image`'s encoder takes 8-bit grey or RGB only.
            let image = match image {
                DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => image.clone(),
                other if other.color().has_color() => DynamicImage::ImageRgb8(other.to_rgb8()),
                other => DynamicImage::ImageLuma8(other.to_luma8()),
            };
            image.write_with_encoder(encoder).map_err(encode_error)?;
        }
        // Lossless whatever the quality: `image` has no lossy WebP encoder, and Zola's
        // (libwebp, through the `webp` crate) is C (README).
        OutputFormat::WebP { .. } => {
            let mut encoder = WebPEncoder::new_lossless(&mut out);
            with_profile(&mut encoder);
            // The encoder takes 8-bit RGB or RGBA (and grey).
            let image = match image {
                DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image.clone(),
                other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
                other => DynamicImage::ImageRgb8(other.to_rgb8()),
            };
            image.write_with_encoder(encoder).map_err(encode_error)?;
        }
    }
    Ok(bytes)
}
