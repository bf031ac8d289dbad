//! Live reload: the script injected into pages, and the events sent to it.
//!
//! The browser side is Server-Sent Events (see the README for why not WebSocket): the page
//! opens `/__dodeca/events` once; each rebuild sends one `change` event holding the
//! [`SiteChange`] as JSON (written here by hand: a few fields, no JSON library needed).

use cell_proto::SiteChange;

/// Where the script is served.
pub const SCRIPT_PATH: &str = "/__dodeca/reload.js";
/// Where the event stream is served.
pub const EVENTS_PATH: &str = "/__dodeca/events";
/// The script.
pub const SCRIPT: &str = include_str!("reload.js");

/// The tag injected into pages.
const TAG: &[u8] = b"<script src=\"/__dodeca/reload.js\" async></script>";

/// `html` with the reload script's tag before the last `</body>` (any case), or appended
/// when there is none.
///
/// # Examples
///
/// ```
/// let page = cell_http::reload::inject(b"<body><p>Hi</p></BODY></html>");
/// assert_eq!(
///     String::from_utf8(page).unwrap(),
///     "<body><p>Hi</p><script src=\"/__dodeca/reload.js\" async></script></BODY></html>"
/// );
/// ```
pub fn inject(html: &[u8]) -> Vec<u8> {
    let at = html
        .windows(7)
        .rposition(|window| window.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + TAG.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(TAG);
    out.extend_from_slice(&html[at..]);
    out
}

/// The SSE frame of a change: `event: change`, its JSON as the data line.
pub fn change_event(change: &SiteChange) -> String {
    let mut json = format!("{{\"revision\":{},\"routes\":", change.revision);
    strings(&mut json, &change.routes);
    json.push_str(",\"assets\":");
    strings(&mut json, &change.assets);
    json.push_str(",\"errors\":[");
    for (i, error) in change.errors.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str("{\"file\":");
        json_string(&mut json, &error.file);
        json.push_str(&format!(",\"line\":{}", number(error.line)));
        json.push_str(&format!(",\"column\":{}", number(error.column)));
        json.push_str(",\"message\":");
        json_string(&mut json, &error.message);
        json.push_str(",\"snippet\":");
        match &error.snippet {
            Some(snippet) => json_string(&mut json, snippet),
            None => json.push_str("null"),
        }
        json.push('}');
    }
    json.push_str("]}");
    format!("event: change\ndata: {json}\n\n")
}

fn number(value: Option<u32>) -> String {
    value.map_or_else(|| "null".to_string(), |n| n.to_string())
}

fn strings(json: &mut String, items: &[String]) {
    json.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json_string(json, item);
    }
    json.push(']');
}

/// A JSON string. Every control character is escaped, so the data stays on one SSE line;
/// `<` too, so the text is safe wherever a script might embed it.
pub(crate) fn json_string(json: &mut String, text: &str) {
    json.push('"');
    for c in text.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            c if c.is_control() || c == '<' || c == '\u{2028}' || c == '\u{2029}' => {
                json.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => json.push(c),
        }
    }
    json.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use cell_proto::BuildProblem;

    #[test]
    fn appends_the_script_when_the_page_has_no_body_tag() {
        assert_eq!(inject(b"<p>x"), b"<p>x<script src=\"/__dodeca/reload.js\" async></script>");
    }

    #[test]
    fn a_change_event_is_one_data_line_of_json() {
        let change = SiteChange {
            revision: 7,
            routes: vec!["/a/".into()],
            assets: vec![],
            errors: vec![BuildProblem {
                file: "templates/base.html".into(),
                line: Some(3),
                column: None,
                message: "unclosed \"tag\"\nhere".into(),
                snippet: Some("{% if %}".into()),
            }],
        };
        assert_eq!(
            change_event(&change),
            "event: change\ndata: {\"revision\":7,\"routes\":[\"/a/\"],\"assets\":[],\"errors\":\
             [{\"file\":\"templates/base.html\",\"line\":3,\"column\":null,\"message\":\
             \"unclosed \\\"tag\\\"\\u000ahere\",\"snippet\":\"{% if %}\"}]}\n\n"
        );
    }
}
