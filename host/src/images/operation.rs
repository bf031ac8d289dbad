//! Zola 0.22's rules for `resize_image`, decided from the arguments and the source's size
//! alone (`components/imageproc`: `ResizeOperation`, `ResizeInstructions`, `Format`,
//! `get_processed_filename`): the operation, the crop and final size, the output format, and
//! the processed file's name.
//!
//! The name is Zola's exactly: `<stem>.<16 hex digits>.<ext>`, the digits being std's
//! `DefaultHasher` (SipHash-1-3, zero keys) over the path as written (`@/` read as
//! `content/`, a leading `/` dropped), the operation's derived `Hash` and the format's, fed
//! in Zola's order. So a Zola site's URLs stay what they were (the tests check Zola's own
//! expected names). `DefaultHasher`'s algorithm is not promised across Rust releases; Zola
//! depends on that as much as we do, and a change would show in those tests.

use std::hash::{Hash, Hasher};

use cell_proto::{Crop, OutputFormat};

/// Zola's `ResizeOperation`. The derived `Hash` is part of the file name: its variants'
/// order and fields must stay Zola's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Operation {
    Scale(u32, u32),
    FitWidth(u32),
    FitHeight(u32),
    Fit(u32, u32),
    Fill(u32, u32),
}

impl Operation {
    /// The operation `op` names, with the sizes it needs (Zola's messages).
    pub(crate) fn from_args(
        op: &str,
        width: Option<u32>,
        height: Option<u32>,
    ) -> Result<Operation, String> {
        let both = || match (width, height) {
            (Some(width), Some(height)) => Ok((width, height)),
            _ => Err(format!("op={op} requires a `width` and `height` argument")),
        };
        match op {
            "fit_width" => width
                .map(Operation::FitWidth)
                .ok_or_else(|| "op=\"fit_width\" requires a `width` argument".to_string()),
            "fit_height" => height
                .map(Operation::FitHeight)
                .ok_or_else(|| "op=\"fit_height\" requires a `height` argument".to_string()),
            "scale" => both().map(|(w, h)| Operation::Scale(w, h)),
            "fit" => both().map(|(w, h)| Operation::Fit(w, h)),
            "fill" => both().map(|(w, h)| Operation::Fill(w, h)),
            _ => Err(format!(
                "Invalid image resize operation: {op} (the operations are scale, fit_width, \
                 fit_height, fit and fill)"
            )),
        }
    }
}

/// What to do to the source: crop first, then resize (Zola's `ResizeInstructions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Instructions {
    pub(crate) crop: Option<Crop>,
    pub(crate) size: Option<(u32, u32)>,
}

impl Instructions {
    /// Zola's arithmetic, to the pixel (integer division; `fill`'s ratio in `f32`).
    pub(crate) fn new(operation: Operation, (orig_w, orig_h): (u32, u32)) -> Instructions {
        let resize = |size| Instructions { crop: None, size: Some(size) };
        // A side of 0 cannot come from a decoded image; kept from dividing by it.
        let (w0, h0) = (u64::from(orig_w.max(1)), u64::from(orig_h.max(1)));
        match operation {
            Operation::Scale(w, h) => resize((w, h)),
            Operation::FitWidth(w) => resize((w, (u64::from(orig_h) * u64::from(w) / w0) as u32)),
            Operation::FitHeight(h) => resize(((u64::from(orig_w) * u64::from(h) / h0) as u32, h)),
            Operation::Fit(w, h) => {
                if orig_w <= w && orig_h <= h {
                    return Instructions::default();
                }
                if u64::from(orig_w) * u64::from(h) > u64::from(orig_h) * u64::from(w) {
                    Instructions::new(Operation::FitWidth(w), (orig_w, orig_h))
                } else {
                    Instructions::new(Operation::FitHeight(h), (orig_w, orig_h))
                }
            }
            Operation::Fill(w, h) => {
                const RATIO_EPSILON: f32 = 0.1;
                let factor_w = orig_w as f32 / w.max(1) as f32;
                let factor_h = orig_h as f32 / h.max(1) as f32;
                if (factor_w - factor_h).abs() <= RATIO_EPSILON {
                    // Nearly the same aspect: a plain scale, as Zola.
                    return resize((w, h));
                }
                let (width, height) = if factor_w < factor_h {
                    (orig_w, ((factor_w * h as f32).round() as u32).min(orig_h))
                } else {
                    (((factor_h * w as f32).round() as u32).min(orig_w), orig_h)
                };
                let (x, y) = if factor_w < factor_h {
                    (0, (orig_h - height) / 2)
                } else {
                    ((orig_w - width) / 2, 0)
                };
                Instructions { crop: Some(Crop { x, y, width, height }), size: Some((w, h)) }
            }
        }
    }
}

/// Zola's default JPEG quality.
const DEFAULT_JPEG_QUALITY: u8 = 75;

/// The output format `format` names (`auto`: JPEG for a lossy source, else PNG), with its
/// quality checked as Zola checks it (Zola's messages).
pub(crate) fn output_format(
    lossy: bool,
    format: &str,
    quality: Option<u8>,
) -> Result<OutputFormat, String> {
    let chosen = match (format, lossy) {
        ("auto", true) => "jpeg",
        ("auto", false) => "png",
        (other, _) => other,
    };
    match chosen {
        "jpeg" | "jpg" => match quality.unwrap_or(DEFAULT_JPEG_QUALITY) {
            quality @ 1..=100 => Ok(OutputFormat::Jpeg { quality }),
            other => Err(format!(
                "Quality for JPEG must be between 1 and 100 (inclusive); {other} is not valid"
            )),
        },
        "png" => Ok(OutputFormat::Png),
        "webp" => match quality {
            None | Some(0..=100) => Ok(OutputFormat::WebP { quality }),
            Some(other) => Err(format!(
                "Quality for WebP must be between 0 and 100 (inclusive); {other} is not valid"
            )),
        },
        "avif" => Err("`format=\"avif\"`: dodeca does not write AVIF (its encoder is not \
                       built into the image cell; see cells/image/README.md); use webp"
            .to_string()),
        _ => Err(format!("Invalid image format: {format} (the formats are auto, jpg, png, webp)")),
    }
}

/// The extension of a processed file.
pub(crate) fn extension(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Png => "png",
        OutputFormat::Jpeg { .. } => "jpg",
        OutputFormat::WebP { .. } => "webp",
    }
}

/// Feeds `format` to `hasher` as Zola's `impl Hash for Format` does.
fn hash_format(format: OutputFormat, hasher: &mut impl Hasher) {
    let quality: i16 = match format {
        OutputFormat::Png | OutputFormat::WebP { quality: None } => -1,
        OutputFormat::Jpeg { quality } | OutputFormat::WebP { quality: Some(quality) } => {
            quality.into()
        }
    };
    hasher.write(extension(format).as_bytes());
    hasher.write_i16(quality);
    // Zola's AVIF speed, -1 for every other format.
    hasher.write_i16(-1);
}

/// Zola's name for the processed file: `<stem of the source>.<hash>.<ext>`, where `unified`
/// is the path as the template wrote it, after `@/` and a leading `/` are read as Zola reads
/// them.
pub(crate) fn file_name(
    source: &str,
    unified: &str,
    operation: Operation,
    format: OutputFormat,
) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(unified.as_bytes());
    operation.hash(&mut hasher);
    hash_format(format, &mut hasher);
    let name = source.rsplit('/').next().unwrap_or(source);
    // `Path::file_stem`: the name up to its last dot, unless that dot starts it.
    let stem = match name.rfind('.') {
        Some(0) | None => name,
        Some(dot) => &name[..dot],
    };
    let stem = if stem.is_empty() { "unknown" } else { stem };
    format!("{stem}.{:016x}.{}", hasher.finish(), extension(format))
}

/// The path as Zola's `search_for_file` unifies it, for the file's name: every `@/` read as
/// `content/`, else leading `/`s dropped.
pub(crate) fn unified(path: &str) -> String {
    if path.starts_with("@/") {
        path.replace("@/", "content/")
    } else {
        path.trim_start_matches('/').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: OutputFormat = OutputFormat::Jpeg { quality: 75 };

    /// Zola's own expectations (`components/templates/src/global_fns/images.rs`,
    /// `can_resize_image`: `width=40, height=40`, the default `fill`, a JPEG source).
    #[test]
    fn file_names_are_zola_s() {
        let fill = Operation::Fill(40, 40);
        let cases = [
            ("static/gutenberg.jpg", "static/gutenberg.jpg", "gutenberg.e99218b5a3185c99.jpg"),
            ("content/gutenberg.jpg", "content/gutenberg.jpg", "gutenberg.155d032b1aae0133.jpg"),
            ("content/gallery/asset.jpg", "gallery/asset.jpg", "asset.160461e0d0be19e6.jpg"),
            ("static/in-theme.jpg", "in-theme.jpg", "in-theme.d8f4f6eef30de1b2.jpg"),
        ];
        for (source, unified, expected) in cases {
            assert_eq!(file_name(source, unified, fill, JPEG), expected, "{unified}");
        }
        assert_eq!(unified("@/gutenberg.jpg"), "content/gutenberg.jpg");
        assert_eq!(unified("/content/gutenberg.jpg"), "content/gutenberg.jpg");
        // `zola-features`: `resize_image(path="pic.png", width=2, height=1, op="fit_width")`.
        let name =
            file_name("static/pic.png", "pic.png", Operation::FitWidth(2), OutputFormat::Png);
        assert_eq!(name, "pic.8ff4b4d8fadce8c1.png");
    }

    #[test]
    fn sizes_follow_zola_s_rules() {
        let size = |op, orig| Instructions::new(op, orig).size;
        assert_eq!(size(Operation::Scale(10, 3), (400, 300)), Some((10, 3)));
        assert_eq!(size(Operation::FitWidth(100), (400, 300)), Some((100, 75)));
        assert_eq!(size(Operation::FitWidth(3), (4, 2)), Some((3, 1)));
        assert_eq!(size(Operation::FitHeight(100), (400, 300)), Some((133, 100)));
        assert_eq!(size(Operation::Fit(100, 100), (400, 300)), Some((100, 75)));
        assert_eq!(size(Operation::Fit(100, 100), (300, 400)), Some((75, 100)));
        assert_eq!(size(Operation::Fit(500, 500), (400, 300)), None);
        assert_eq!(size(Operation::Fill(100, 100), (400, 300)), Some((100, 100)));
        let fill = Instructions::new(Operation::Fill(100, 100), (400, 300));
        assert_eq!(fill.crop, Some(Crop { x: 50, y: 0, width: 300, height: 300 }));
        let tall = Instructions::new(Operation::Fill(100, 50), (400, 400));
        assert_eq!(tall.crop, Some(Crop { x: 0, y: 100, width: 400, height: 200 }));
        // Close enough in aspect: scaled, not cropped.
        assert_eq!(Instructions::new(Operation::Fill(100, 76), (400, 300)).crop, None);
    }

    #[test]
    fn arguments_are_checked_as_zola_checks_them() {
        assert_eq!(Operation::from_args("fill", Some(1), Some(2)), Ok(Operation::Fill(1, 2)));
        assert!(Operation::from_args("fit_width", None, Some(2)).unwrap_err().contains("width"));
        assert!(Operation::from_args("fit", Some(1), None).unwrap_err().contains("`height`"));
        assert!(Operation::from_args("crop", Some(1), Some(1)).unwrap_err().contains("Invalid"));
        assert_eq!(output_format(true, "auto", None), Ok(JPEG));
        assert_eq!(output_format(false, "auto", None), Ok(OutputFormat::Png));
        assert_eq!(output_format(false, "jpg", Some(90)), Ok(OutputFormat::Jpeg { quality: 90 }));
        assert!(output_format(false, "jpg", Some(0)).unwrap_err().contains("between 1 and 100"));
        assert!(output_format(false, "webp", Some(101)).unwrap_err().contains("WebP"));
        assert!(output_format(false, "bmp", None).unwrap_err().contains("Invalid image format"));
        assert!(output_format(false, "avif", None).unwrap_err().contains("AVIF"));
    }
}
