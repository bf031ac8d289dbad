//! Reading untrusted bytes with `image`, within limits.
//!
//! Every decoder is given [`image::Limits`]: a side longer than [`MAX_SIDE`] is refused from
//! the header, before any pixel is allocated, and no decoder allocates more than
//! [`MAX_ALLOC`] bytes. A file that claims a huge size therefore costs nothing, and a resize
//! is checked against [`MAX_PIXELS`] before its buffers are made.

use std::io::Cursor;

use cell_proto::{ImageFormat, ImageMetadata};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};

use crate::ImageError;

/// The longest side, in pixels, of an image read or made: four times a 8K frame's width.
pub const MAX_SIDE: u32 = 32_768;

/// The most pixels an image read or made (or a resize's intermediate buffer) may have: 64
/// megapixels, above any camera's photographs, at 4 bytes a channel 1 GiB for the resize's
/// widest buffer.
pub const MAX_PIXELS: u64 = 64 << 20;

/// The most bytes a decoder may allocate: a 64-megapixel image of 8-bit RGBA, and then some.
pub const MAX_ALLOC: u64 = 512 << 20;

/// A decoded image, and its colour profile (kept in the output, as Zola keeps it).
pub(crate) struct Decoded {
    pub(crate) image: DynamicImage,
    pub(crate) icc_profile: Option<Vec<u8>>,
}

fn limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn decode_error(error: image::ImageError) -> ImageError {
    match error {
        image::ImageError::Limits(limit) => ImageError::Limits(limit.to_string()),
        image::ImageError::Unsupported(unsupported) => {
            ImageError::Decode(format!("unsupported: {unsupported}"))
        }
        other => ImageError::Decode(other.to_string()),
    }
}

/// A decoder for `bytes`, by their format (not a file's name), with the limits set.
fn decoder(bytes: &[u8]) -> Result<(impl ImageDecoder + '_, ImageFormat), ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let format = match reader.format() {
        Some(image::ImageFormat::Png) => ImageFormat::Png,
        Some(image::ImageFormat::Jpeg) => ImageFormat::Jpeg,
        Some(image::ImageFormat::Gif) => ImageFormat::Gif,
        Some(image::ImageFormat::WebP) => ImageFormat::WebP,
        Some(other) => {
            return Err(ImageError::Unsupported(other.extensions_str().first().copied()));
        }
        None => return Err(ImageError::Unsupported(None)),
    };
    reader.limits(limits());
    let decoder = reader.into_decoder().map_err(decode_error)?;
    Ok((decoder, format))
}

/// Whether the orientation turns the image a quarter (so its width and height swap).
fn turns(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// The image's size, as shown (after its EXIF orientation), and format. A damaged EXIF block
/// is read as no orientation, as Zola reads it.
pub(crate) fn metadata(bytes: &[u8]) -> Result<ImageMetadata, ImageError> {
    let (mut decoder, format) = decoder(bytes)?;
    let (width, height) = decoder.dimensions();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (width, height) = if turns(orientation) { (height, width) } else { (width, height) };
    Ok(ImageMetadata { width, height, format })
}

/// Refuses a size that is empty or beyond the limits, before anything is allocated for it.
pub(crate) fn check_size(width: u32, height: u32) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::Empty);
    }
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_SIDE || height > MAX_SIDE || pixels > MAX_PIXELS {
        return Err(ImageError::TooLarge { width: width.into(), height: height.into() });
    }
    Ok(())
}

/// The whole image, its EXIF orientation applied (first frame of an animation).
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, ImageError> {
    let (mut decoder, _) = decoder(bytes)?;
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    let icc_profile = decoder.icc_profile().ok().flatten();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok(Decoded { image, icc_profile })
}
