//! The `date` filter: a small strftime over UTC dates, without a date library.
//!
//! Accepts a Unix timestamp (seconds), or an ISO 8601 string (`2024-03-05`,
//! `2024-03-05T10:20:30`, with an optional `Z` or offset, which is ignored: the date is printed
//! as written). Supports `%Y %y %m %d %e %H %M %S %B %b %A %a %j %%`.

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

struct DateTime {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
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

fn parse(value: &Value) -> Result<DateTime, ErrorKind> {
    let bad = || ErrorKind::Arguments(format!("`date` cannot read {value:?} as a date"));
    match value {
        Value::Int(ts) => {
            let days = ts.div_euclid(86400);
            let secs = ts.rem_euclid(86400) as u32;
            let (year, month, day) = civil_from_days(days);
            Ok(DateTime {
                year,
                month,
                day,
                hour: secs / 3600,
                minute: secs / 60 % 60,
                second: secs % 60,
            })
        }
        Value::String(s) | Value::Safe(s) => {
            let s = s.trim();
            let num = |range: std::ops::Range<usize>| -> Option<u32> {
                s.get(range).filter(|t| t.bytes().all(|b| b.is_ascii_digit()))?.parse().ok()
            };
            let year = num(0..4).ok_or_else(bad)?;
            if s.get(4..5) != Some("-") || s.get(7..8) != Some("-") {
                return Err(bad());
            }
            let (month, day) = (num(5..7).ok_or_else(bad)?, num(8..10).ok_or_else(bad)?);
            if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
                return Err(bad());
            }
            let (mut hour, mut minute, mut second) = (0, 0, 0);
            if matches!(s.get(10..11), Some("T" | " ")) {
                hour = num(11..13).ok_or_else(bad)?;
                minute = num(14..16).ok_or_else(bad)?;
                second = num(17..19).unwrap_or(0);
                if hour > 23 || minute > 59 || second > 60 {
                    return Err(bad());
                }
            }
            Ok(DateTime { year: i64::from(year), month, day, hour, minute, second })
        }
        _ => Err(bad()),
    }
}

/// Formats `value` with a strftime-like `format`.
pub(crate) fn format(value: &Value, format: &str) -> Result<String, ErrorKind> {
    use std::fmt::Write;
    let dt = parse(value)?;
    let days = days_from_civil(dt.year, dt.month, dt.day);
    // 1970-01-01 was a Thursday (index 3 from Monday).
    let weekday = (days + 3).rem_euclid(7) as usize;
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let month = MONTHS[(dt.month - 1) as usize];
        let _ = match chars.next() {
            Some('Y') => write!(out, "{}", dt.year),
            Some('y') => write!(out, "{:02}", dt.year.rem_euclid(100)),
            Some('m') => write!(out, "{:02}", dt.month),
            Some('d') => write!(out, "{:02}", dt.day),
            Some('e') => write!(out, "{:>2}", dt.day),
            Some('H') => write!(out, "{:02}", dt.hour),
            Some('M') => write!(out, "{:02}", dt.minute),
            Some('S') => write!(out, "{:02}", dt.second),
            Some('B') => write!(out, "{month}"),
            Some('b') => write!(out, "{}", &month[..3]),
            Some('A') => write!(out, "{}", DAYS[weekday]),
            Some('a') => write!(out, "{}", &DAYS[weekday][..3]),
            Some('j') => write!(out, "{:03}", days - days_from_civil(dt.year, 1, 1) + 1),
            Some('%') => write!(out, "%"),
            other => {
                return Err(ErrorKind::Arguments(format!(
                    "`date`: unsupported format `%{}`",
                    other.map(String::from).unwrap_or_default()
                )));
            }
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_iso_strings_format_alike() {
        assert_eq!(
            format(&Value::Int(1_709_634_030), "%Y-%m-%d %H:%M:%S %A").unwrap(),
            "2024-03-05 10:20:30 Tuesday"
        );
        assert_eq!(
            format(&Value::from("2024-03-05T10:20:30Z"), "%d %B %Y, %a %j").unwrap(),
            "05 March 2024, Tue 065"
        );
    }
}
