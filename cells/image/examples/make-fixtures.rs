//! Writes the tiny images `host/tests/images/` holds, so that they can be made again:
//! `cargo run -p cell-image --example make-fixtures -- host/tests/images`.
//!
//! A 30 x 20 gradient as PNG and JPEG, a 16 x 16 PNG, a 12 x 7 GIF and a 9 x 5 WebP (lossless).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: make-fixtures DIR")?);
    std::fs::create_dir_all(&dir)?;
    let gradient = |width: u32, height: u32| {
        image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
        })
    };
    let picture = image::DynamicImage::ImageRgb8(gradient(30, 20));
    picture.save_with_format(dir.join("gradient.png"), image::ImageFormat::Png)?;
    picture.save_with_format(dir.join("gradient.jpg"), image::ImageFormat::Jpeg)?;
    image::DynamicImage::ImageRgb8(gradient(16, 16))
        .save_with_format(dir.join("square.png"), image::ImageFormat::Png)?;
    let gif = image::DynamicImage::ImageRgb8(gradient(12, 7)).to_rgba8();
    image::DynamicImage::ImageRgba8(gif)
        .save_with_format(dir.join("small.gif"), image::ImageFormat::Gif)?;
    image::DynamicImage::ImageRgb8(gradient(9, 5))
        .save_with_format(dir.join("small.webp"), image::ImageFormat::WebP)?;
    Ok(())
}
