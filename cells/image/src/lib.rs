//! The image cell's engine: an image's size and format, and an image cropped, resized and
//! encoded, as Zola 0.22's `get_image_metadata` and `resize_image` need them.
//!
//! [`metadata`] reads only an image's header (and, for SVG, its root element); [`resize`]
//! decodes the whole image, applies its EXIF orientation, crops, resizes with Lanczos3 (the
//! filter Zola uses) and encodes. Both take untrusted bytes: a file that is not an image of a
//! supported format, is damaged, or would need more than [`MAX_PIXELS`] pixels is an
//! [`ImageError`], never a panic or an unbounded allocation. The binary (`src/main.rs`) serves
//! them as [`cell_proto::image::Service`].
//!
//! # Example
//!
//! ```
//! use cell_proto::{ImageFormat, OutputFormat};
//!
//! // A 4 x 2 PNG, made with `image` for the example.
//! let mut png = Vec::new();
//! image::DynamicImage::new_rgb8(4, 2)
//!     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
//!
//! let meta = cell_image::metadata(&png)?;
//! assert_eq!((meta.width, meta.height, meta.format), (4, 2, ImageFormat::Png));
//!
//! let half = cell_image::resize(&png, None, Some((2, 1)), OutputFormat::Png)?;
//! assert_eq!(cell_image::metadata(&half)?.width, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod decode;
mod encode;
mod error;
mod svg;

use cell_proto::{Crop, ImageFormat, ImageMetadata, OutputFormat};

pub use decode::{MAX_ALLOC, MAX_PIXELS, MAX_SIDE};
pub use error::ImageError;

/// The size (after EXIF orientation) and format of the image in `bytes`, read from its
/// header; an SVG's from its root element's `width` and `height`, else its `viewBox`.
///
/// # Errors
///
/// Bytes of no supported format, a damaged header, or a side longer than [`MAX_SIDE`].
pub fn metadata(bytes: &[u8]) -> Result<ImageMetadata, ImageError> {
    if svg::looks_like_svg(bytes) {
        let (width, height) = svg::size(bytes)?;
        return Ok(ImageMetadata { width, height, format: ImageFormat::Svg });
    }
    decode::metadata(bytes)
}

/// The image in `bytes` with its EXIF orientation applied, cropped to `crop`, resized to
/// `size` (Lanczos3), and encoded as `format`.
///
/// # Errors
///
/// As [`metadata`]; an SVG (not resized, as in Zola); a crop outside the image; a result of
/// more than [`MAX_PIXELS`] pixels or an empty one; a failure of the encoder.
pub fn resize(
    bytes: &[u8],
    crop: Option<Crop>,
    size: Option<(u32, u32)>,
    format: OutputFormat,
) -> Result<Vec<u8>, ImageError> {
    if svg::looks_like_svg(bytes) {
        return Err(ImageError::SvgNotResized);
    }
    if let Some((width, height)) = size {
        decode::check_size(width, height)?;
    }
    let decode::Decoded { image, icc_profile } = decode::decode(bytes)?;
    let image = match crop {
        None => image,
        Some(crop) => {
            let right = u64::from(crop.x) + u64::from(crop.width);
            let bottom = u64::from(crop.y) + u64::from(crop.height);
            let inside = right <= u64::from(image.width()) && bottom <= u64::from(image.height());
            if !inside || crop.width == 0 || crop.height == 0 {
                let (width, height) = (image.width(), image.height());
                return Err(ImageError::CropOutside { crop, width, height });
            }
            image.crop_imm(crop.x, crop.y, crop.width, crop.height)
        }
    };
    let image = match size {
        // Zola's filter (`imageproc::processor`), so that pixels come out close to its own.
        Some((width, height)) => {
            // The resize's first pass makes a buffer `width` wide and as tall as the source.
            decode::check_size(width, image.height())?;
            image.resize_exact(width, height, image::imageops::FilterType::Lanczos3)
        }
        None => image,
    };
    encode::encode(&image, icc_profile, format)
}
