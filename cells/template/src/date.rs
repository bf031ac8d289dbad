//! The `date` filter: chrono-style `strftime` formats over TOML dates and datetimes (strings)
//! and Unix timestamps (numbers), without a date library, as Tera's `date` reads and prints
//! them.
//!
//! Inputs: an integer (seconds since 1970, UTC); `2024-01-05` (a date: its time is midnight);
//! `2024-01-05T10:00:00` (a local datetime), with fractional seconds and a `Z` or `±HH:MM`
//! offset if given, kept as written (`%H` is 10 and `%z` is `+0200` for `…T10:00:00+02:00`);
//! a space in place of the `T` is read too. `timezone=` converts to an IANA zone
//! (`Europe/Paris`: its offset at that instant, and `%Z` its abbreviation, `CET` or `CEST`),
//! `UTC` or a fixed offset (`+05:30`, this engine's). As in Tera, a zone name moves timestamps
//! and datetimes with an offset, and leaves a date or a datetime without one as it is (printed
//! as UTC). The zone database is `jiff`'s copy of the IANA one, built into the cell, so that a
//! site prints the same times on every machine. A value without an offset prints `%z` as
//! `+0000`.
//!
//! Formats: `%Y %C %y %m %b %h %B %d %e %a %A %w %u %U %W %G %g %V %j %D %x %F %v %H %k %I %l
//! %P %p %M %S %f %.f %.3f %.6f %.9f %R %T %X %r %Z %z %:z %c %+ %s %t %n %%`, and the padding
//! flags `%-d` (none), `%_d` (spaces), `%0e` (zeros).

use std::fmt::Write;

use crate::error::ErrorKind;
use crate::value::Value;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// A point in time as written: civil date and time, and the offset from UTC it was written
/// with (`None` for a local or naive time).
#[derive(Clone, Debug, Default)]
struct DateTime {
    /// Seconds since 1970-01-01T00:00:00 of the civil date and time (not of UTC).
    local: i64,
    nanos: u32,
    offset: Option<i32>,
    /// Whether the offset was given as a zone named UTC (`%Z` prints `UTC`).
    utc_name: bool,
    /// The abbreviation of the named zone it was moved to (`CEST`), for `%Z`.
    abbreviation: Option<Box<str>>,
    /// A date or a datetime written without an offset (not a timestamp): a zone name leaves it
    /// as it is, as in Tera.
    naive: bool,
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day number (Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Timestamps further than this from 1970 (about 290,000 years) are refused: the arithmetic
/// below stays far from overflow.
const MAX_SECONDS: i64 = 1 << 43;

fn parse(value: &Value) -> Result<DateTime, ErrorKind> {
    let bad = || ErrorKind::Arguments(format!("`date` cannot read {value:?} as a date"));
    let timestamp = |seconds: i64| {
        if seconds.abs() > MAX_SECONDS {
            return Err(bad());
        }
        Ok(DateTime { local: seconds, ..DateTime::default() })
    };
    match value {
        Value::Int(seconds) => timestamp(*seconds),
        Value::Float(f) if f.is_finite() => timestamp(f.trunc() as i64),
        Value::String(s) | Value::Safe(s) => parse_text(s.trim()).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// `YYYY-MM-DD`, optionally `THH:MM[:SS[.frac]]` (or a space for the `T`) and `Z` or an offset.
fn parse_text(s: &str) -> Option<DateTime> {
    let bytes = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(range)?;
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let year = i64::from(digits(0..4)?);
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let (month, day) = (digits(5..7)?, digits(8..10)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if bytes.len() == 10 {
        return Some(DateTime { local: days * 86400, naive: true, ..DateTime::default() });
    }
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) || bytes.get(13) != Some(&b':') {
        return None;
    }
    let (hour, minute) = (digits(11..13)?, digits(14..16)?);
    let mut at = 16;
    let mut second = 0;
    if bytes.get(16) == Some(&b':') {
        second = digits(17..19)?;
        at = 19;
    }
    let mut nanos = 0u32;
    if bytes.get(at) == Some(&b'.') {
        let frac_len = bytes[at + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if frac_len == 0 {
            return None;
        }
        for (i, b) in bytes[at + 1..at + 1 + frac_len].iter().take(9).enumerate() {
            nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
        }
        at += 1 + frac_len;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let local = days * 86400 + i64::from(hour * 3600 + minute * 60 + second);
    let (offset, utc_name) = match &s[at..] {
        "" => (None, false),
        "Z" | "z" => (Some(0), false),
        rest => (Some(parse_offset(rest)?), false),
    };
    Some(DateTime { local, nanos, offset, utc_name, naive: offset.is_none(), abbreviation: None })
}

/// `+HH:MM`, `+HHMM` or `+HH` (or `-`), in seconds.
fn parse_offset(text: &str) -> Option<i32> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = text[1..].replace(':', "");
    if !rest.bytes().all(|b| b.is_ascii_digit()) || !matches!(rest.len(), 2 | 4) {
        return None;
    }
    let hours: i32 = rest[..2].parse().ok()?;
    let minutes: i32 = if rest.len() == 4 { rest[2..].parse().ok()? } else { 0 };
    (hours < 24 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// `value` moved to `timezone`: `UTC` (or `Z`, `GMT`, `Etc/UTC`), a fixed offset, or a zone
/// of the IANA database.
fn in_timezone(dt: DateTime, timezone: &str) -> Result<DateTime, ErrorKind> {
    let utc = dt.local - i64::from(dt.offset.unwrap_or(0));
    let (offset, utc_name, abbreviation) = match timezone {
        "UTC" | "Z" | "GMT" | "Etc/UTC" | "Etc/GMT" => (0, true, None),
        other => match parse_offset(other) {
            Some(offset) => (offset, false, None),
            None => {
                let zone = jiff::tz::TimeZone::get(other).map_err(|_| {
                    ErrorKind::Arguments(format!(
                        "`date`: time zone `{timezone}` is not known (a name of the IANA \
                         database such as `Europe/Berlin`, `UTC`, or an offset such as `+02:00`)"
                    ))
                })?;
                if dt.naive {
                    // Tera prints a date or a datetime without an offset as it is, in UTC,
                    // whatever the zone.
                    return Ok(DateTime { offset: Some(0), utc_name: true, ..dt });
                }
                let instant = jiff::Timestamp::from_second(utc).map_err(|_| {
                    let message = format!(
                        "`date`: {} seconds since 1970 is outside the years of the time zone \
                         database",
                        utc
                    );
                    ErrorKind::Arguments(message)
                })?;
                let info = zone.to_offset_info(instant);
                (info.offset().seconds(), false, Some(info.abbreviation().into()))
            }
        },
    };
    Ok(DateTime {
        local: utc + i64::from(offset),
        nanos: dt.nanos,
        offset: Some(offset),
        utc_name,
        abbreviation,
        naive: false,
    })
}

/// Formats `value` with a chrono-style `format`, in `timezone` if given.
pub(crate) fn format(
    value: &Value,
    format: &str,
    timezone: Option<&str>,
) -> Result<String, ErrorKind> {
    let mut dt = parse(value)?;
    if let Some(timezone) = timezone {
        dt = in_timezone(dt, timezone)?;
    }
    let mut out = String::new();
    write_format(&mut out, &dt, format)?;
    Ok(out)
}

/// How a number is padded: `%d` (the default of each specifier), `%-d`, `%_d`, `%0d`.
#[derive(Clone, Copy, PartialEq)]
enum Pad {
    Default,
    None,
    Space,
    Zero,
}

fn number(out: &mut String, n: i64, width: usize, default: Pad, pad: Pad) {
    let pad = if pad == Pad::Default { default } else { pad };
    let _ = match pad {
        Pad::None | Pad::Default => write!(out, "{n}"),
        Pad::Space => write!(out, "{n:>width$}"),
        Pad::Zero => write!(out, "{n:0width$}"),
    };
}

fn write_format(out: &mut String, dt: &DateTime, format: &str) -> Result<(), ErrorKind> {
    let days = dt.local.div_euclid(86400);
    let seconds = dt.local.rem_euclid(86400);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    // Monday is 0.
    let weekday = (days + 3).rem_euclid(7);
    let yday = days - days_from_civil(year, 1, 1);
    let month_name = MONTHS[(month - 1) as usize];
    let day_name = DAYS[weekday as usize];
    let offset = dt.offset.unwrap_or(0);
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let (iso_year, iso_week) = iso_week(year, yday, weekday);
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let pad = match chars.peek() {
            Some('-') => Pad::None,
            Some('_') => Pad::Space,
            Some('0') => Pad::Zero,
            _ => Pad::Default,
        };
        if pad != Pad::Default {
            chars.next();
        }
        let Some(spec) = chars.next() else {
            return Err(ErrorKind::Arguments("`date`: the format ends with `%`".into()));
        };
        let (z, s) = (Pad::Zero, Pad::Space);
        match spec {
            'Y' => number(out, year, 4, z, pad),
            'C' => number(out, year.div_euclid(100), 2, z, pad),
            'y' => number(out, year.rem_euclid(100), 2, z, pad),
            'm' => number(out, i64::from(month), 2, z, pad),
            'b' | 'h' => out.push_str(&month_name[..3]),
            'B' => out.push_str(month_name),
            'd' => number(out, i64::from(day), 2, z, pad),
            'e' => number(out, i64::from(day), 2, s, pad),
            'a' => out.push_str(&day_name[..3]),
            'A' => out.push_str(day_name),
            'w' => number(out, (weekday + 1) % 7, 1, z, pad),
            'u' => number(out, weekday + 1, 1, z, pad),
            'U' => number(out, (yday + 7 - (weekday + 1) % 7) / 7, 2, z, pad),
            'W' => number(out, (yday + 7 - weekday) / 7, 2, z, pad),
            'G' => number(out, iso_year, 4, z, pad),
            'g' => number(out, iso_year.rem_euclid(100), 2, z, pad),
            'V' => number(out, iso_week, 2, z, pad),
            'j' => number(out, yday + 1, 3, z, pad),
            'D' | 'x' => write_format(out, dt, "%m/%d/%y")?,
            'F' => write_format(out, dt, "%Y-%m-%d")?,
            'v' => write_format(out, dt, "%e-%b-%Y")?,
            'H' => number(out, hour, 2, z, pad),
            'k' => number(out, hour, 2, s, pad),
            'I' => number(out, hour12, 2, z, pad),
            'l' => number(out, hour12, 2, s, pad),
            'P' => out.push_str(if hour < 12 { "am" } else { "pm" }),
            'p' => out.push_str(if hour < 12 { "AM" } else { "PM" }),
            'M' => number(out, minute, 2, z, pad),
            'S' => number(out, second, 2, z, pad),
            'f' => {
                let _ = write!(out, "{:09}", dt.nanos);
            }
            '.' => fraction(out, dt.nanos, &mut chars)?,
            'R' => write_format(out, dt, "%H:%M")?,
            'T' | 'X' => write_format(out, dt, "%H:%M:%S")?,
            'r' => write_format(out, dt, "%I:%M:%S %p")?,
            'c' => write_format(out, dt, "%a %b %e %H:%M:%S %Y")?,
            '+' => {
                write_format(out, dt, "%Y-%m-%dT%H:%M:%S%.f")?;
                write_offset(out, offset, true);
            }
            's' => {
                let _ = write!(out, "{}", dt.local - i64::from(offset));
            }
            'Z' if dt.abbreviation.is_some() => {
                out.push_str(dt.abbreviation.as_deref().unwrap_or(""))
            }
            'Z' if dt.utc_name => out.push_str("UTC"),
            'Z' => write_offset(out, offset, true),
            'z' => write_offset(out, offset, false),
            ':' if chars.next_if_eq(&'z').is_some() => write_offset(out, offset, true),
            't' => out.push('\t'),
            'n' => out.push('\n'),
            '%' => out.push('%'),
            other => {
                return Err(ErrorKind::Arguments(format!("`date`: unsupported format `%{other}`")));
            }
        }
    }
    Ok(())
}

/// `%.f` (as many digits as needed, none for a whole second), `%.3f`, `%.6f`, `%.9f`.
fn fraction(
    out: &mut String,
    nanos: u32,
    chars: &mut std::iter::Peekable<std::str::Chars>,
) -> Result<(), ErrorKind> {
    let digits = match chars.next() {
        Some('f') => None,
        Some(d @ ('3' | '6' | '9')) if chars.next_if_eq(&'f').is_some() => d.to_digit(10),
        _ => return Err(ErrorKind::Arguments("`date`: unsupported format `%.`".into())),
    };
    match digits {
        Some(3) => {
            let _ = write!(out, ".{:03}", nanos / 1_000_000);
        }
        Some(6) => {
            let _ = write!(out, ".{:06}", nanos / 1_000);
        }
        Some(_) => {
            let _ = write!(out, ".{nanos:09}");
        }
        None if nanos == 0 => {}
        None if nanos.is_multiple_of(1_000_000) => {
            let _ = write!(out, ".{:03}", nanos / 1_000_000);
        }
        None if nanos.is_multiple_of(1_000) => {
            let _ = write!(out, ".{:06}", nanos / 1_000);
        }
        None => {
            let _ = write!(out, ".{nanos:09}");
        }
    }
    Ok(())
}

/// `+0200`, or `+02:00` with `colon`.
fn write_offset(out: &mut String, offset: i32, colon: bool) {
    let sign = if offset < 0 { '-' } else { '+' };
    let (hours, minutes) = (offset.abs() / 3600, offset.abs() / 60 % 60);
    let _ = if colon {
        write!(out, "{sign}{hours:02}:{minutes:02}")
    } else {
        write!(out, "{sign}{hours:02}{minutes:02}")
    };
}

/// The ISO 8601 week-based year and week of a date (`yday` 0-based, Monday 0).
fn iso_week(year: i64, yday: i64, weekday: i64) -> (i64, i64) {
    let week = (yday - weekday + 10) / 7;
    let weeks_in = |y: i64| {
        let jan1 = (days_from_civil(y, 1, 1) + 3).rem_euclid(7);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if jan1 == 3 || (jan1 == 2 && leap) { 53 } else { 52 }
    };
    if week < 1 {
        (year - 1, weeks_in(year - 1))
    } else if week > weeks_in(year) {
        (year + 1, 1)
    } else {
        (year, week)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(value: impl Into<Value>, format: &str, timezone: Option<&str>) -> String {
        super::format(&value.into(), format, timezone).unwrap()
    }

    #[test]
    fn timestamps_and_iso_strings_format_alike() {
        assert_eq!(
            date(1_709_634_030i64, "%Y-%m-%d %H:%M:%S %A", None),
            "2024-03-05 10:20:30 Tuesday"
        );
        assert_eq!(date("2024-03-05T10:20:30Z", "%d %B %Y, %a %j", None), "05 March 2024, Tue 065");
    }

    #[test]
    fn offsets_are_kept_and_converted() {
        let stamp = "2024-01-05T10:00:00+02:00";
        assert_eq!(date(stamp, "%+", None), "2024-01-05T10:00:00+02:00");
        assert_eq!(date(stamp, "%H:%M %Z", Some("UTC")), "08:00 UTC");
        assert_eq!(date(stamp, "%H:%M %z", Some("+05:30")), "13:30 +0530");
        assert_eq!(date(stamp, "%s", None), "1704441600");
    }

    #[test]
    fn zone_names_move_instants_with_the_zone_s_offset_and_abbreviation_then() {
        // Summer and winter in Berlin; the day changes.
        let summer = "2024-05-06T23:08:09Z";
        assert_eq!(
            date(summer, "%Y-%m-%d %H:%M %Z %z", Some("Europe/Berlin")),
            "2024-05-07 01:08 CEST +0200"
        );
        let winter = "2024-01-05T10:00:00+02:00";
        assert_eq!(date(winter, "%H:%M %Z %:z", Some("Europe/Paris")), "09:00 CET +01:00");
        assert_eq!(
            date(1_709_634_030i64, "%F %R %Z", Some("America/New_York")),
            "2024-03-05 05:20 EST"
        );
        assert_eq!(date(0i64, "%F %R %Z", Some("Asia/Kolkata")), "1970-01-01 05:30 IST");
        // As Tera: a date, or a datetime without an offset, is left as it is.
        assert_eq!(
            date("2024-01-05", "%F %R %Z", Some("America/New_York")),
            "2024-01-05 00:00 UTC"
        );
        assert_eq!(date("2024-01-05T10:00", "%R %z", Some("Asia/Tokyo")), "10:00 +0000");
        let unknown = super::format(&summer.into(), "%Y", Some("Mars/Olympus")).unwrap_err();
        assert!(unknown.to_string().contains("`Mars/Olympus` is not known"), "{unknown}");
    }

    #[test]
    fn padding_flags_and_weeks() {
        assert_eq!(date("2024-03-05", "%-m/%-d/%y|%e|%_d|%0e", None), "3/5/24| 5| 5|05");
        assert_eq!(date("2021-01-03", "%G-W%V-%u %U %W", None), "2020-W53-7 01 00");
        assert_eq!(date("2024-01-05T10:00:00.25Z", "%.f %.3f %f", None), ".250 .250 250000000");
    }

    #[test]
    fn invalid_dates_are_errors() {
        for text in ["2024-13-01", "2023-02-29", "not a date", "2024-01-05T25:00"] {
            assert!(parse(&Value::from(text)).is_err(), "{text}");
        }
    }
}
