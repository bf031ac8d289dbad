//! Any bytes as an image file (`cell_image::metadata`: the format guessed from the bytes, the
//! PNG, JPEG, GIF and WebP headers read within `image::Limits`, an SVG's root tag read by
//! hand): a size or an error, never a panic, an allocation beyond the limits or a hang. An
//! input that reads as a small raster image (at most `SMALL` pixels, so that each run stays
//! fast) is then resized by `cell_image::resize` as `resize_image` asks: whole to a small
//! size as PNG, its centre cropped and resized as JPEG (the quality from the input's length),
//! its centre cropped as WebP, and a crop outside it; an image made has the size asked for.
#![no_main]

use cell_image::ImageError;
use cell_proto::{Crop, ImageFormat, OutputFormat};
use libfuzzer_sys::fuzz_target;

/// The most pixels an input may have to be resized here (a 256 x 256 image).
const SMALL: u64 = 1 << 16;

/// The image made from `bytes` is `width` x `height`, or the resize is an error.
fn check(bytes: &[u8], crop: Option<Crop>, size: Option<(u32, u32)>, format: OutputFormat) {
    let Ok(made) = cell_image::resize(bytes, crop, size, format) else { return };
    let meta = cell_image::metadata(&made).expect("an image the cell made reads");
    let expected = match (size, crop) {
        (Some(size), _) => size,
        (None, Some(crop)) => (crop.width, crop.height),
        (None, None) => return,
    };
    assert_eq!((meta.width, meta.height), expected, "{format:?} of {crop:?} to {size:?}");
}

fuzz_target!(|data: &[u8]| {
    let meta = match cell_image::metadata(data) {
        Ok(meta) => meta,
        Err(_) => return,
    };
    if meta.format == ImageFormat::Svg {
        assert_eq!(
            cell_image::resize(data, None, Some((1, 1)), OutputFormat::Png),
            Err(ImageError::SvgNotResized)
        );
        return;
    }
    let (width, height) = (meta.width, meta.height);
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > SMALL {
        return;
    }
    let small = (width.div_ceil(3).min(16), height.div_ceil(3).min(16));
    check(data, None, Some(small), OutputFormat::Png);
    let centre = Crop {
        x: width / 4,
        y: height / 4,
        width: (width / 2).max(1),
        height: (height / 2).max(1),
    };
    let quality = (data.len() % 100) as u8 + 1;
    check(data, Some(centre), Some((small.1, small.0)), OutputFormat::Jpeg { quality });
    check(data, Some(centre), None, OutputFormat::WebP { quality: Some(quality) });
    let outside = Crop { x: width, y: 0, width: 1, height };
    if let Ok(made) = cell_image::resize(data, Some(outside), None, OutputFormat::Png) {
        panic!("a crop outside the {width}x{height} image made {} bytes", made.len());
    }
});
