//! What can go wrong with an image.

use std::fmt;

use cell_proto::Crop;

/// Why an image could not be read or resized. Printed after the file's name by the host.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageError {
    /// The bytes are of no format this cell reads (the name of one it recognises but does not
    /// read, such as AVIF, when it knows it).
    Unsupported(Option<&'static str>),
    /// The decoder refused the bytes (damaged or truncated).
    Decode(String),
    /// The image, or the size asked for, is beyond the cell's limits.
    TooLarge {
        /// Width in pixels.
        width: u64,
        /// Height in pixels.
        height: u64,
    },
    /// A decoder's limit was reached (`image`'s message).
    Limits(String),
    /// A size of zero pixels was asked for.
    Empty,
    /// An SVG without `width` and `height` or a `viewBox`, or one the cell cannot read.
    Svg(&'static str),
    /// An SVG was to be resized.
    SvgNotResized,
    /// The crop is not inside the image (the host computes crops from the image's own size,
    /// so this means the request did not come from it).
    CropOutside {
        /// The crop asked for.
        crop: Crop,
        /// The image's width.
        width: u32,
        /// The image's height.
        height: u32,
    },
    /// The encoder failed.
    Encode(String),
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Unsupported(None) => f.write_str(
                "not an image of a format dodeca reads (png, jpeg, gif, webp; svg for its size)",
            ),
            ImageError::Unsupported(Some(name)) => write!(
                f,
                "a {name} image, which dodeca does not read (png, jpeg, gif, webp; svg for its \
                 size)"
            ),
            ImageError::Decode(message) => write!(f, "cannot decode the image: {message}"),
            ImageError::TooLarge { width, height } => write!(
                f,
                "{width} x {height} pixels is beyond dodeca's limit for images ({} pixels a \
                 side, {} pixels in all)",
                crate::MAX_SIDE,
                crate::MAX_PIXELS
            ),
            ImageError::Limits(message) => {
                write!(f, "the image is beyond dodeca's limits for images: {message}")
            }
            ImageError::Empty => f.write_str("an image of zero pixels was asked for"),
            ImageError::Svg(message) => write!(f, "cannot read the SVG's size: {message}"),
            ImageError::SvgNotResized => f.write_str("an SVG image cannot be resized"),
            ImageError::CropOutside { crop, width, height } => write!(
                f,
                "the crop {}x{} at ({}, {}) is not inside the {width}x{height} image",
                crop.width, crop.height, crop.x, crop.y
            ),
            ImageError::Encode(message) => write!(f, "cannot encode the image: {message}"),
        }
    }
}

impl std::error::Error for ImageError {}
