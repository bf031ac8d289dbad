//! An SVG's size, as Zola reads it (its `svg_metadata`): the root element's `width` and
//! `height` when both are there, else its `viewBox`'s width and height.
//!
//! Only the root element's start tag is read, by hand: no XML library for three attributes.
//! Lengths are their number, whatever their unit (`10em` is 10, as `svg_metadata` gives it),
//! truncated to whole pixels as Zola does (`as u32`).

use crate::ImageError;

/// How far into a file its `<svg` tag is looked for (after an XML declaration, comments, a
/// doctype).
const HEAD: usize = 64 * 1024;

/// Whether `bytes` start like an SVG document (after white space, a byte order mark, an XML
/// declaration or comments): an `<svg` tag in its first bytes, before any other element.
pub(crate) fn looks_like_svg(bytes: &[u8]) -> bool {
    root_tag(bytes).is_some()
}

/// The text of the root `<svg ...>` start tag, attributes and all.
fn root_tag(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(HEAD)];
    // Cut at a character boundary: a UTF-8 character split at `HEAD` is not the tag's.
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&head[..error.valid_up_to()]).ok()?,
    };
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = &after[after.find('>')? + 1..];
        } else if rest.starts_with("<svg")
            && rest[4..].starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/')
        {
            return Some(&rest[4..4 + rest[4..].find('>')?]);
        } else {
            return None;
        }
    }
}

/// The value of attribute `name` in `tag` (quoted with `"` or `'`).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + name.len()..].trim_start();
        rest = &rest[at + name.len()..];
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else { continue };
        let value = value.trim_start();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &value[1..];
        return Some(&value[..value.find(quote)?]);
    }
    None
}

/// The number a length starts with (`100`, `12.5px`, `3em`), if any.
fn length(text: &str) -> Option<f64> {
    let text = text.trim();
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(text.len());
    // `e` may start a unit (`em`, `ex`): try the longest prefix that parses.
    (1..=end).rev().find_map(|n| text[..n].parse::<f64>().ok()).filter(|n| n.is_finite())
}

/// Pixels from a length, as Zola's `as u32` takes them (negative to 0, fractions cut).
fn pixels(value: f64) -> u32 {
    value.clamp(0.0, f64::from(u32::MAX)) as u32
}

/// The SVG's width and height.
pub(crate) fn size(bytes: &[u8]) -> Result<(u32, u32), ImageError> {
    let tag = root_tag(bytes).ok_or(ImageError::Svg("no <svg> element at its start"))?;
    let width = attribute(tag, "width").and_then(length);
    let height = attribute(tag, "height").and_then(length);
    if let (Some(width), Some(height)) = (width, height) {
        return Ok((pixels(width), pixels(height)));
    }
    let view_box =
        attribute(tag, "viewBox").ok_or(ImageError::Svg("SVG width/height and viewbox not set"))?;
    let numbers: Vec<f64> = view_box
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect();
    match numbers[..] {
        [_, _, width, height] => Ok((pixels(width), pixels(height))),
        _ => Err(ImageError::Svg("its viewBox is not four numbers")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_and_height_come_before_the_view_box() {
        let svg = br#"<?xml version="1.0"?><!-- x --><svg xmlns="http://www.w3.org/2000/svg" width="120px" height='40.7' viewBox="0 0 10 10"></svg>"#;
        assert!(looks_like_svg(svg));
        assert_eq!(size(svg), Ok((120, 40)));
    }

    #[test]
    fn the_view_box_gives_the_size_without_width_and_height() {
        let svg = b"<svg viewBox=\"0 0 300.5,150\" stroke-width=\"2\"/>";
        assert_eq!(size(svg), Ok((300, 150)));
    }

    #[test]
    fn an_svg_without_a_size_and_other_files_are_told_apart() {
        assert_eq!(
            size(b"<svg></svg>"),
            Err(ImageError::Svg("SVG width/height and viewbox not set"))
        );
        assert!(!looks_like_svg(b"\x89PNG\r\n"));
        assert!(!looks_like_svg(b"<html><svg width=\"1\" height=\"1\"/></html>"));
        assert!(!looks_like_svg(b"<svgx>"));
        assert!(!looks_like_svg(b"<!-- never closed"));
    }
}
