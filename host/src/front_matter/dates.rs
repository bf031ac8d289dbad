//! `date` and `updated` as Zola reads them: a TOML date-time, or a string holding one (as the
//! `toml` crate reads it, seconds optional), or a string in the looser YAML form Zola also
//! accepts (`2024-1-5`, `2024-01-05 10:00:00 -5`), which becomes an offset date-time
//! printed as RFC 3339. A date in a page's file name (`2024-01-05-post.md`) is its date when
//! the front matter gives none.

use crate::toml::{Date, Datetime, Offset, Time};

/// `text` read as Zola reads a date written as a string.
pub(super) fn from_string(text: &str) -> Option<Datetime> {
    Datetime::parse_lenient(text).ok().or_else(|| yaml_datetime(text))
}

/// Zola's YAML date form: `YYYY-M-D`, then optionally `T`, `t` or blanks and `H:MM:SS`, a
/// fraction of up to nine digits, blanks and `Z` or an offset `±H[:MM]`; optionally between
/// double quotes. A date alone is midnight UTC.
fn yaml_datetime(text: &str) -> Option<Datetime> {
    let text = text.strip_prefix('"').unwrap_or(text);
    let text = text.strip_suffix('"').unwrap_or(text);
    let mut s = Scanner { bytes: text.as_bytes(), at: 0 };
    let year = s.digits(4, 4)?;
    s.eat(b'-').then_some(())?;
    let month = s.digits(1, 2)?;
    s.eat(b'-').then_some(())?;
    let day = s.digits(1, 2)?;
    let (mut hour, mut minute, mut second, mut nanos, mut offset) = (0, 0, 0, 0, 0i32);
    if !s.done() {
        let blanks = s.skip_blanks();
        if blanks == 0 && !(s.eat(b'T') || s.eat(b't')) {
            return None;
        }
        hour = s.digits(1, 2)?;
        s.eat(b':').then_some(())?;
        minute = s.digits(2, 2)?;
        s.eat(b':').then_some(())?;
        second = s.digits(2, 2)?;
        if s.eat(b'.') {
            let start = s.at;
            let count = s.bytes[start..].iter().take_while(|b| b.is_ascii_digit()).count();
            if count > 9 {
                return None;
            }
            for (i, b) in s.bytes[start..start + count].iter().enumerate() {
                nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
            }
            s.at += count;
        }
        s.skip_blanks();
        if s.eat(b'Z') {
        } else if let Some(&sign @ (b'+' | b'-')) = s.bytes.get(s.at) {
            s.at += 1;
            let hours = s.digits(1, 2)? as i32;
            let minutes = if s.eat(b':') { s.digits(2, 2)? as i32 } else { 0 };
            if hours > 25 || minutes > 59 {
                return None;
            }
            offset = (hours * 60 + minutes) * if sign == b'-' { -1 } else { 1 };
        }
    }
    if !s.done() {
        return None;
    }
    let (year, month, day) = (year as u16, month as u8, day as u8);
    if !(1..=12).contains(&month)
        || day == 0
        || day > crate::toml::days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(Datetime {
        date: Some(Date { year, month, day }),
        time: Some(Time {
            hour: hour as u8,
            minute: minute as u8,
            second: Some(second as u8),
            nanosecond: (nanos != 0).then_some(nanos),
        }),
        // RFC 3339 as Zola prints it: `Z` for UTC.
        offset: Some(if offset == 0 {
            Offset::Z
        } else {
            Offset::Custom { minutes: offset as i16 }
        }),
    })
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn eat(&mut self, b: u8) -> bool {
        let found = self.bytes.get(self.at) == Some(&b);
        self.at += usize::from(found);
        found
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn skip_blanks(&mut self) -> usize {
        let start = self.at;
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t')) {
            self.at += 1;
        }
        self.at - start
    }

    /// Between `min` and `max` ASCII digits, as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let count =
            self.bytes[self.at..].iter().take(max).take_while(|b| b.is_ascii_digit()).count();
        if count < min {
            return None;
        }
        let digits = &self.bytes[self.at..self.at + count];
        self.at += count;
        Some(digits.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
    }
}

/// The date a page's file name starts with, and the rest of the name after `-` or `_` (the
/// slug Zola takes from it), as Zola finds them: `2024-01-05-post` gives `2024-01-05` and
/// `post`; `2024-01-05T10:00:00Z_post` a date-time. An impossible date (`2024-02-31`) is
/// none.
pub(crate) fn from_file_name(stem: &str) -> Option<(Datetime, Option<&str>)> {
    let bytes = stem.as_bytes();
    let date_like = |b: &[u8]| {
        b.len() >= 10
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && b[5..7].iter().all(u8::is_ascii_digit)
            && b[7] == b'-'
            && b[8..10].iter().all(u8::is_ascii_digit)
    };
    if !date_like(bytes) {
        return None;
    }
    // With a time, the file name's form is strict: `THH:MM:SS[.f](Z|±HH:MM)`.
    let mut end = 10;
    if bytes.get(10) == Some(&b'T') {
        let time_end = bytes[11..]
            .iter()
            .position(|&b| !(b.is_ascii_digit() || matches!(b, b':' | b'.' | b'Z' | b'+' | b'-')))
            .map_or(bytes.len(), |p| p + 11);
        // The longest prefix of the candidate that is a full offset date-time.
        for candidate_end in (11..=time_end).rev() {
            if let Ok(datetime) = Datetime::parse_toml(&stem[..candidate_end])
                && datetime.offset.is_some()
            {
                end = candidate_end;
                let rest = slug_after(&stem[end..]);
                return Some((datetime, rest));
            }
        }
    }
    let datetime = Datetime::parse_toml(&stem[..end]).ok()?;
    Some((datetime, slug_after(&stem[end..])))
}

/// The slug after a file name's date: `-post`, `_post`, ` -post` give `post`.
fn slug_after(rest: &str) -> Option<&str> {
    let rest = rest.strip_prefix(char::is_whitespace).unwrap_or(rest);
    let slug = rest.strip_prefix(['-', '_'])?;
    (!slug.is_empty()).then_some(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_strings_print_as_zola_prints_them() {
        for (text, printed) in [
            ("2024-01-05", "2024-01-05"),
            ("2024-01-05T10:00:00", "2024-01-05T10:00:00"),
            ("2024-01-05 10:00:00+02:00", "2024-01-05T10:00:00+02:00"),
            ("2024-01-05T10:00", "2024-01-05T10:00"),
            ("2024-1-5", "2024-01-05T00:00:00Z"),
            ("2001-12-14 21:59:43.10 -5", "2001-12-14T21:59:43.1-05:00"),
            ("2001-12-15 2:59:43.10", "2001-12-15T02:59:43.1Z"),
            ("2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.1-05:00"),
            ("\"2024-1-5\"", "2024-01-05T00:00:00Z"),
            ("2024-1-5 10:00:00 +0", "2024-01-05T10:00:00Z"),
        ] {
            let date = from_string(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(date.to_string(), printed, "{text}");
        }
        for text in
            ["not a date", "2024-13-01", "2024-1-5 25:00:00", "05/01/2024", "2024-02-30", ""]
        {
            assert_eq!(from_string(text), None, "{text}");
        }
    }

    #[test]
    fn a_file_name_may_start_with_the_page_s_date() {
        fn found(stem: &str) -> Option<(String, Option<&str>)> {
            from_file_name(stem).map(|(date, slug)| (date.to_string(), slug))
        }
        assert_eq!(found("2024-01-05-post"), Some(("2024-01-05".into(), Some("post"))));
        assert_eq!(found("2024-01-05_my_post"), Some(("2024-01-05".into(), Some("my_post"))));
        assert_eq!(found("2024-01-05"), Some(("2024-01-05".into(), None)));
        assert_eq!(found("2024-01-05post"), Some(("2024-01-05".into(), None)));
        assert_eq!(
            found("2024-01-05T10:00:00Z-post"),
            Some(("2024-01-05T10:00:00Z".into(), Some("post")))
        );
        assert_eq!(
            found("2024-01-05T10:00:00+01:00_post"),
            Some(("2024-01-05T10:00:00+01:00".into(), Some("post")))
        );
        // A time without an offset is not part of the date.
        assert_eq!(found("2024-01-05T10:00:00-post"), Some(("2024-01-05".into(), None)));
        assert_eq!(found("2024-02-31-post"), None);
        assert_eq!(found("post-2024-01-05"), None);
    }
}
