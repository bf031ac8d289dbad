//! Responses: status, headers, body, written in one go; and content types by extension.

use std::io::Write;

/// A response about to be written.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers besides `Content-Length`, `Date`-less on purpose (the output is a function of
    /// the site, so tests compare bytes).
    pub headers: Vec<(&'static str, String)>,
    /// The body (its length is sent even for HEAD).
    pub body: Body,
}

/// A response body: bytes held by us, or read in place from the shared heap.
pub type Body = Box<dyn std::ops::Deref<Target = [u8]> + Send>;

impl Response {
    /// A response with `status`, a body, and its content type.
    pub fn new(status: u16, content_type: &str, body: Body) -> Response {
        Response { status, headers: vec![("Content-Type", content_type.to_string())], body }
    }

    /// A short plain-text response (errors).
    pub fn text(status: u16, text: impl Into<String>) -> Response {
        let mut text = text.into();
        text.push('\n');
        Response::new(status, "text/plain; charset=utf-8", Box::new(text.into_bytes()))
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// Writes the response; without the body for HEAD and for 304 (whose length is not
    /// sent: it would describe a body the client did not get).
    ///
    /// # Errors
    ///
    /// When the client's socket fails or times out.
    pub fn write_to(
        &self,
        out: &mut impl Write,
        head_only: bool,
        keep_alive: bool,
    ) -> std::io::Result<()> {
        self.write_buffered(out, head_only, keep_alive, &mut Vec::new())
    }

    /// [`write_to`](Self::write_to), building the bytes in `buffer` (cleared first), which
    /// a connection keeps from one response to the next: no allocation once it is large
    /// enough.
    ///
    /// # Errors
    ///
    /// When the client's socket fails or times out.
    pub fn write_buffered(
        &self,
        out: &mut impl Write,
        head_only: bool,
        keep_alive: bool,
        buffer: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        buffer.clear();
        write!(buffer, "HTTP/1.1 {} {}\r\n", self.status, reason(self.status))?;
        for (name, value) in &self.headers {
            for part in [name.as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
                buffer.extend_from_slice(part);
            }
        }
        if self.status != 304 {
            write!(buffer, "Content-Length: {}\r\n", self.body.len())?;
        }
        buffer.extend_from_slice(if keep_alive {
            b"Connection: keep-alive\r\n\r\n"
        } else {
            b"Connection: close\r\n\r\n"
        });
        let send_body = !head_only && self.status != 304;
        if send_body && self.body.len() <= SMALL {
            // One write for small responses: one segment, one system call.
            buffer.extend_from_slice(&self.body);
            out.write_all(buffer)?;
        } else {
            out.write_all(buffer)?;
            if send_body {
                out.write_all(&self.body)?;
            }
        }
        out.flush()
    }
}

/// Bodies up to this size are copied after the head and sent with it in one write.
const SMALL: usize = 16 << 10;

/// The reason phrase of the statuses this server sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        414 => "URI Too Long",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// The `Content-Type` of an output file, by its extension (case-insensitive); unknown ones are
/// `application/octet-stream`, which browsers download rather than guess at.
///
/// # Examples
///
/// ```
/// assert_eq!(cell_http::content_type("blog/index.html"), "text/html; charset=utf-8");
/// assert_eq!(cell_http::content_type("css/Site.CSS"), "text/css; charset=utf-8");
/// assert_eq!(cell_http::content_type("LICENSE"), "application/octet-stream");
/// ```
pub fn content_type(file: &str) -> &'static str {
    let name = file.rsplit('/').next().unwrap_or(file);
    let extension = match name.rsplit_once('.') {
        Some((_, extension)) => extension.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "xml" => "application/xml",
        "rss" => "application/rss+xml",
        "atom" => "application/atom+xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, for HTML bodies we write ourselves.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_sends_the_length_but_not_the_body() {
        let response = Response::text(200, "hello");
        let mut out = Vec::new();
        response.write_to(&mut out, true, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\
             Connection: keep-alive\r\n\r\n"
        );
    }

    #[test]
    fn not_modified_has_neither_length_nor_body() {
        let response = Response::text(304, "").header("ETag", "\"x\"");
        let mut out = Vec::new();
        response.write_to(&mut out, false, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 304 Not Modified\r\n"));
        assert!(!text.contains("Content-Length") && text.ends_with("Connection: close\r\n\r\n"));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape_html("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
