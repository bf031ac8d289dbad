//! The image cell's service: Zola's `get_image_metadata` and `resize_image`, the decoding and
//! resizing half.
//!
//! The host finds the file, reads it through its input (so the caller depends on it), and
//! sends its bytes as a [`rpc::Blob`] (through the shared heap when large). Everything Zola
//! decides from arguments and sizes alone (the operation, the output format, the crop and the
//! final size, the file name) the host decides; the cell only decodes, crops, resizes and
//! encodes what it is told, so that a resize's result is a pure function of the request.

use facet::Facet;

/// An image's bytes, to read.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ImageBytes {
    /// Where it comes from (for error messages), from the site's root.
    pub path: String,
    /// The file's bytes.
    pub bytes: rpc::Blob,
}

rpc::facet_payload!(ImageBytes);

/// The formats the image cell reads (its codecs; see `cells/image/README.md`).
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF (its first frame).
    Gif,
    /// WebP.
    WebP,
    /// SVG: its size read from the root element's `width`, `height` or `viewBox`, as Zola;
    /// never resized.
    Svg,
}

impl ImageFormat {
    /// The name Zola's `get_image_metadata` gives it (`image`'s first extension).
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Gif => "gif",
            ImageFormat::WebP => "webp",
            ImageFormat::Svg => "svg",
        }
    }

    /// Its MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Gif => "image/gif",
            ImageFormat::WebP => "image/webp",
            // Zola's (`ImageMetaResponse::new_svg`), though the registered type is
            // `image/svg+xml`.
            ImageFormat::Svg => "text/svg+xml",
        }
    }

    /// Whether Zola counts it as lossy, so that `format="auto"` makes a JPEG of it (Zola's
    /// `ImageMeta::is_lossy`: everything but PNG and a few raw formats, GIF and WebP
    /// included).
    pub fn is_lossy(self) -> bool {
        !matches!(self, ImageFormat::Png)
    }
}

/// What the image cell's `metadata` call tells of an image.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImageMetadata {
    /// Width in pixels, after its EXIF orientation (a portrait photo stored sideways is
    /// as tall as it shows), as Zola.
    pub width: u32,
    /// Height in pixels, likewise.
    pub height: u32,
    /// Its format, from its bytes (not its name).
    pub format: ImageFormat,
}

rpc::facet_payload!(ImageMetadata);

/// A rectangle of an image, in pixels.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Crop {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// The encoding of a resized image.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OutputFormat {
    /// JPEG at a quality from 1 to 100.
    Jpeg {
        /// The quality.
        quality: u8,
    },
    /// PNG.
    Png,
    /// WebP: lossless whatever the quality (the cell has no lossy WebP encoder; see
    /// `cells/image/README.md`).
    WebP {
        /// The quality asked for (part of the file's name, as in Zola).
        quality: Option<u8>,
    },
}

/// An image to crop, resize and encode: Zola's `ResizeInstructions` applied to a file.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ResizeRequest {
    /// The source image.
    pub image: ImageBytes,
    /// The part to keep, first (after the EXIF orientation is applied), if any.
    pub crop: Option<Crop>,
    /// The size to resize (Lanczos3) the kept part to, if any.
    pub size: Option<(u32, u32)>,
    /// How to encode the result.
    pub format: OutputFormat,
}

rpc::facet_payload!(ResizeRequest);

/// An encoded image.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct EncodedImage {
    /// Its bytes.
    pub bytes: rpc::Blob,
}

rpc::facet_payload!(EncodedImage);

rpc::service! {
    /// The image cell: reads images' sizes and formats, and resizes them. Untrusted bytes
    /// get an error, never a panic or an unbounded allocation (the cell limits what it
    /// decodes).
    pub mod image: "Image" {
        /// The size and format of an image, read from its header.
        fn metadata(request: ImageBytes) -> ImageMetadata;
        /// The image cropped, resized and encoded as asked.
        fn resize(request: ResizeRequest) -> EncodedImage;
    }
}
