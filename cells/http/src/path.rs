//! Request targets to site paths: percent-decoding, and refusing every form of traversal.
//!
//! The path a request names becomes a key the host looks up among the site's outputs, never
//! a file system path; still, a target that *could* mean something else somewhere (`..`,
//! an encoded slash, a backslash, NUL) is refused here, so no later layer has to be careful.
//! Nothing is resolved: `/a/../b` is an error, not `/b`, because a browser never sends it
//! (it resolves dot segments itself) and resolving would only give an attacker a second
//! spelling of every path.

use std::fmt;

/// The longest request target accepted, in bytes.
pub const MAX_TARGET: usize = 8 << 10;

/// A request target made safe: decoded, checked, its query kept apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SitePath {
    /// `/`, then the decoded segments joined by `/`, with a final `/` when the target had
    /// one (`/blog/first/`).
    pub path: String,
    /// The raw query (after `?`, without it), if any: kept for redirects.
    pub query: Option<String>,
}

/// Why a request target was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathError {
    /// Longer than [`MAX_TARGET`].
    TooLong(usize),
    /// Not `/…` (absolute-form `http://…`, authority-form or `*`).
    NotOriginForm,
    /// `//` somewhere: an empty segment, which some layers read as the root.
    EmptySegment,
    /// A `.` or `..` segment, however encoded.
    DotSegment,
    /// `%2f` or `%5c`: a separator hidden inside a segment.
    EncodedSeparator,
    /// A raw backslash.
    Backslash,
    /// A NUL or another control character, raw or encoded.
    ControlCharacter,
    /// `%` not followed by two hex digits.
    BadEscape,
    /// The decoded bytes are not UTF-8 (overlong forms included).
    InvalidUtf8,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::TooLong(len) => {
                write!(f, "request target of {len} bytes is longer than {MAX_TARGET}")
            }
            PathError::NotOriginForm => write!(f, "request target does not start with '/'"),
            PathError::EmptySegment => write!(f, "empty path segment ('//')"),
            PathError::DotSegment => write!(f, "'.' or '..' path segment"),
            PathError::EncodedSeparator => write!(f, "encoded '/' or '\\' in a path segment"),
            PathError::Backslash => write!(f, "backslash in the path"),
            PathError::ControlCharacter => write!(f, "NUL or control character in the path"),
            PathError::BadEscape => write!(f, "'%' not followed by two hex digits"),
            PathError::InvalidUtf8 => write!(f, "percent-decoded path is not UTF-8"),
        }
    }
}

impl std::error::Error for PathError {}

/// Decodes and checks a request target (`/blog/first%20post/?x=1`).
///
/// # Examples
///
/// ```
/// use cell_http::path::{normalize, PathError};
/// let path = normalize("/blog/caf%C3%A9/?page=2")?;
/// assert_eq!(path.path, "/blog/café/");
/// assert_eq!(path.query.as_deref(), Some("page=2"));
/// assert_eq!(normalize("/%2e%2e/etc/passwd"), Err(PathError::DotSegment));
/// # Ok::<(), PathError>(())
/// ```
///
/// # Errors
///
/// A [`PathError`] naming the first thing wrong.
pub fn normalize(target: &str) -> Result<SitePath, PathError> {
    if target.len() > MAX_TARGET {
        return Err(PathError::TooLong(target.len()));
    }
    // The fragment never reaches a server, but a client may still send one.
    let target = target.split('#').next().unwrap_or_default();
    let (raw_path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_string())),
        None => (target, None),
    };
    let Some(rest) = raw_path.strip_prefix('/') else {
        return Err(PathError::NotOriginForm);
    };
    let mut path = String::with_capacity(raw_path.len());
    path.push('/');
    if rest.is_empty() {
        return Ok(SitePath { path, query });
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() {
            // Only the final one may be empty: the trailing slash of a directory.
            if i == last {
                break;
            }
            return Err(PathError::EmptySegment);
        }
        let decoded = decode_segment(segment)?;
        if decoded == "." || decoded == ".." {
            return Err(PathError::DotSegment);
        }
        path.push_str(&decoded);
        if i != last {
            path.push('/');
        }
    }
    Ok(SitePath { path, query })
}

/// One segment, percent-decoded and checked.
fn decode_segment(segment: &str) -> Result<String, PathError> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(PathError::BadEscape)?;
                let value = (hex_value(hex[0])? << 4) | hex_value(hex[1])?;
                i += 3;
                if value == b'/' || value == b'\\' {
                    return Err(PathError::EncodedSeparator);
                }
                value
            }
            b'\\' => return Err(PathError::Backslash),
            other => {
                i += 1;
                other
            }
        };
        if byte < 0x20 || byte == 0x7f {
            return Err(PathError::ControlCharacter);
        }
        out.push(byte);
    }
    // `from_utf8` refuses overlong forms (`%C0%AE` for '.'), surrogates and truncations.
    let text = String::from_utf8(out).map_err(|_| PathError::InvalidUtf8)?;
    if text.chars().any(char::is_control) {
        return Err(PathError::ControlCharacter);
    }
    Ok(text)
}

fn hex_value(digit: u8) -> Result<u8, PathError> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        b'A'..=b'F' => Ok(digit - b'A' + 10),
        _ => Err(PathError::BadEscape),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes_and_keeps_the_query_apart() {
        let path = normalize("/a%20b/c%C3%A9?q=%2e#frag").unwrap();
        assert_eq!(path.path, "/a b/cé");
        assert_eq!(path.query.as_deref(), Some("q=%2e"));
        assert_eq!(normalize("/").unwrap().path, "/");
        assert_eq!(normalize("/blog/").unwrap().path, "/blog/");
    }

    #[test]
    fn refuses_traversal_in_every_spelling() {
        for (target, error) in [
            ("/../etc/passwd", PathError::DotSegment),
            ("/a/..", PathError::DotSegment),
            ("/a/./b", PathError::DotSegment),
            ("/%2e%2e/etc", PathError::DotSegment),
            ("/%2E%2E/etc", PathError::DotSegment),
            ("/.%2e/etc", PathError::DotSegment),
            ("/a%2f..%2fb", PathError::EncodedSeparator),
            ("/a%2F..", PathError::EncodedSeparator),
            ("/a%5c..", PathError::EncodedSeparator),
            ("/..\\etc", PathError::Backslash),
            ("//etc/passwd", PathError::EmptySegment),
            ("/a//b", PathError::EmptySegment),
            ("etc/passwd", PathError::NotOriginForm),
            ("http://example.org/", PathError::NotOriginForm),
            ("*", PathError::NotOriginForm),
            ("/a%00b", PathError::ControlCharacter),
            ("/a%0ab", PathError::ControlCharacter),
            ("/%C0%AE%C0%AE/etc", PathError::InvalidUtf8),
            ("/%c0%af", PathError::InvalidUtf8),
            ("/%ff", PathError::InvalidUtf8),
            ("/%", PathError::BadEscape),
            ("/%2", PathError::BadEscape),
            ("/%zz", PathError::BadEscape),
            ("/%C2%85", PathError::ControlCharacter),
        ] {
            assert_eq!(normalize(target), Err(error), "{target}");
        }
    }

    #[test]
    fn refuses_a_target_longer_than_the_limit() {
        let long = format!("/{}", "a".repeat(MAX_TARGET));
        assert_eq!(normalize(&long), Err(PathError::TooLong(MAX_TARGET + 1)));
    }
}
