//! TOML's four date-time kinds: offset date-time (`1979-05-27T07:32:00Z`), local date-time
//! (`1979-05-27T07:32:00`), local date (`1979-05-27`) and local time (`07:32:00`), kept as
//! written and printed as the `toml` crate (and so Zola) prints them.

use std::fmt;

use facet::Facet;

/// A date-time of any of TOML's four kinds: which parts are present says which.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Datetime {
    /// The date, unless this is a local time.
    pub date: Option<Date>,
    /// The time, unless this is a local date.
    pub time: Option<Time>,
    /// The offset, for an offset date-time only.
    pub offset: Option<Offset>,
}

/// A calendar date, checked (month 1–12, the month's days, leap years).
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Date {
    /// 0–9999.
    pub year: u16,
    /// 1–12.
    pub month: u8,
    /// 1–31.
    pub day: u8,
}

/// A time of day.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Time {
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
    /// 0–60 (a leap second); `None` only where seconds may be left out (a front matter
    /// date written as a string, as the `toml` crate reads one).
    pub second: Option<u8>,
    /// The fraction of a second in nanoseconds (digits past the ninth are dropped), if one
    /// was written (`.0` is kept: it prints).
    pub nanosecond: Option<u32>,
}

/// An offset from UTC.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Offset {
    /// `Z`.
    Z,
    /// `+HH:MM` or `-HH:MM`, in minutes (`-00:00` is 0).
    Custom {
        /// Minutes east of UTC.
        minutes: i16,
    },
}

impl Datetime {
    /// Which of the four kinds this is: "offset date-time", "local date-time", "local date"
    /// or "local time".
    pub fn kind(&self) -> &'static str {
        match (self.date.is_some(), self.time.is_some(), self.offset.is_some()) {
            (true, true, true) => "offset date-time",
            (true, true, false) => "local date-time",
            (true, false, _) => "local date",
            _ => "local time",
        }
    }

    /// Nanoseconds since the Unix epoch, a local date or date-time taken as UTC (as Zola
    /// takes it); `None` for a local time.
    pub fn timestamp_nanos(&self) -> Option<i128> {
        let date = self.date?;
        let days = days_from_civil(i64::from(date.year), date.month, date.day);
        let mut seconds = days * 86_400;
        let mut nanos = 0;
        if let Some(time) = self.time {
            seconds += i64::from(time.hour) * 3600
                + i64::from(time.minute) * 60
                + i64::from(time.second.unwrap_or(0));
            nanos = time.nanosecond.unwrap_or(0);
        }
        if let Some(Offset::Custom { minutes }) = self.offset {
            seconds -= i64::from(minutes) * 60;
        }
        Some(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
    }

    /// Parses a date-time as TOML 1.0 writes one (seconds required; `T`, `t` or a space
    /// between date and time; `Z`, `z` or `±HH:MM`). `Err` says what is wrong.
    pub fn parse_toml(text: &str) -> Result<Datetime, String> {
        parse(text, false)
    }

    /// As [`parse_toml`](Self::parse_toml), but seconds may be left out (`07:32`), as the
    /// `toml` crate Zola uses reads a date-time written as a string (TOML 1.1).
    pub fn parse_lenient(text: &str) -> Result<Datetime, String> {
        parse(text, true)
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Whether `year` is a leap year.
fn is_leap(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// The days in `month` of `year`.
pub(crate) fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `count` ASCII digits at `at`, as a number.
fn digits(bytes: &[u8], at: usize, count: usize) -> Option<u32> {
    let slice = bytes.get(at..at + count)?;
    slice.iter().try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

fn parse(text: &str, seconds_optional: bool) -> Result<Datetime, String> {
    let bytes = text.as_bytes();
    let mut result = Datetime { date: None, time: None, offset: None };
    let mut at = 0;
    if bytes.len() >= 5 && bytes[4] == b'-' {
        let (Some(year), Some(month), Some(day)) =
            (digits(bytes, 0, 4), digits(bytes, 5, 2), digits(bytes, 8, 2))
        else {
            return Err("a date is written YYYY-MM-DD".into());
        };
        if bytes.get(7) != Some(&b'-') {
            return Err("a date is written YYYY-MM-DD".into());
        }
        let (year, month, day) = (year as u16, month as u8, day as u8);
        if !(1..=12).contains(&month) {
            return Err(format!("month {month:02} is not between 01 and 12"));
        }
        let days = days_in_month(year, month);
        if day == 0 || day > days {
            return Err(format!(
                "day {day:02} is not between 01 and {days} in {year:04}-{month:02}"
            ));
        }
        result.date = Some(Date { year, month, day });
        at = 10;
        match bytes.get(at) {
            None => return Ok(result),
            Some(b'T' | b't' | b' ') => at += 1,
            Some(_) => return Err("expected `T` or a space between the date and the time".into()),
        }
    }
    let (time, end) = parse_time(bytes, at, seconds_optional)?;
    result.time = Some(time);
    at = end;
    if result.date.is_some() {
        match bytes.get(at) {
            None => {}
            Some(b'Z' | b'z') => {
                result.offset = Some(Offset::Z);
                at += 1;
            }
            Some(&sign @ (b'+' | b'-')) => {
                let (Some(hours), Some(minutes)) =
                    (digits(bytes, at + 1, 2), digits(bytes, at + 4, 2))
                else {
                    return Err("an offset is written Z, +HH:MM or -HH:MM".into());
                };
                if bytes.get(at + 3) != Some(&b':') {
                    return Err("an offset is written Z, +HH:MM or -HH:MM".into());
                }
                if hours > 23 || minutes > 59 {
                    return Err(format!("the offset {hours:02}:{minutes:02} is out of range"));
                }
                let minutes = (hours * 60 + minutes) as i16;
                result.offset =
                    Some(Offset::Custom { minutes: if sign == b'-' { -minutes } else { minutes } });
                at += 6;
            }
            Some(_) => return Err("expected an offset (Z, +HH:MM or -HH:MM) or the end".into()),
        }
    }
    if at != bytes.len() {
        return Err(format!("unexpected `{}` after the date-time", &text[at..]));
    }
    Ok(result)
}

/// `HH:MM:SS[.fraction]` at `at` (seconds optional if `seconds_optional`): the time and where
/// it ends.
fn parse_time(bytes: &[u8], at: usize, seconds_optional: bool) -> Result<(Time, usize), String> {
    let written = if seconds_optional { "HH:MM[:SS]" } else { "HH:MM:SS" };
    let (Some(hour), Some(minute)) = (digits(bytes, at, 2), digits(bytes, at + 3, 2)) else {
        return Err(format!("a time is written {written}"));
    };
    if bytes.get(at + 2) != Some(&b':') {
        return Err(format!("a time is written {written}"));
    }
    let mut end = at + 5;
    let mut second = None;
    if bytes.get(end) == Some(&b':') {
        second = Some(digits(bytes, end + 1, 2).ok_or(format!("a time is written {written}"))?);
        end += 3;
    } else if !seconds_optional {
        return Err(format!("a time is written {written} (seconds are required)"));
    }
    let mut nanosecond = None;
    if second.is_some() && bytes.get(end) == Some(&b'.') {
        let start = end + 1;
        let count = bytes[start..].iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 {
            return Err("a fraction of a second needs digits after the `.`".into());
        }
        let mut nanos = 0u32;
        for (i, b) in bytes[start..start + count].iter().take(9).enumerate() {
            nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
        }
        nanosecond = Some(nanos);
        end = start + count;
    }
    if hour > 23 || minute > 59 || second.is_some_and(|s| s > 60) {
        let second = second.map(|s| format!(":{s:02}")).unwrap_or_default();
        return Err(format!("the time {hour:02}:{minute:02}{second} is out of range"));
    }
    let time = Time {
        hour: hour as u8,
        minute: minute as u8,
        second: second.map(|s| s as u8),
        nanosecond,
    };
    Ok((time, end))
}

impl fmt::Display for Datetime {
    /// As the `toml` crate prints it: `T` between date and time, the fraction without its
    /// trailing zeros (`.0` if it was all zeros), `Z` or `±HH:MM`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(date) = self.date {
            write!(f, "{:04}-{:02}-{:02}", date.year, date.month, date.day)?;
        }
        if let Some(time) = self.time {
            if self.date.is_some() {
                f.write_str("T")?;
            }
            write!(f, "{:02}:{:02}", time.hour, time.minute)?;
            if let Some(second) = time.second.or(time.nanosecond.map(|_| 0)) {
                write!(f, ":{second:02}")?;
            }
            if let Some(nanos) = time.nanosecond {
                let digits = format!("{nanos:09}");
                let digits = digits.trim_end_matches('0');
                write!(f, ".{}", if digits.is_empty() { "0" } else { digits })?;
            }
        }
        match self.offset {
            Some(Offset::Z) => f.write_str("Z"),
            Some(Offset::Custom { minutes }) => {
                let sign = if minutes < 0 { '-' } else { '+' };
                let minutes = minutes.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_read_and_printed_as_the_toml_crate_prints_it() {
        for (text, kind, printed) in [
            ("1979-05-27T07:32:00Z", "offset date-time", "1979-05-27T07:32:00Z"),
            ("1979-05-27 07:32:00z", "offset date-time", "1979-05-27T07:32:00Z"),
            (
                "1979-05-27t00:32:00.999999-07:00",
                "offset date-time",
                "1979-05-27T00:32:00.999999-07:00",
            ),
            ("1979-05-27T07:32:00-00:00", "offset date-time", "1979-05-27T07:32:00+00:00"),
            ("1979-05-27T07:32:00.500", "local date-time", "1979-05-27T07:32:00.5"),
            ("1979-05-27T07:32:00.000", "local date-time", "1979-05-27T07:32:00.0"),
            ("1979-05-27T07:32:00.1234567891", "local date-time", "1979-05-27T07:32:00.123456789"),
            ("1979-05-27", "local date", "1979-05-27"),
            ("07:32:00", "local time", "07:32:00"),
            ("23:59:60", "local time", "23:59:60"),
        ] {
            let parsed = Datetime::parse_toml(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed.kind(), kind, "{text}");
            assert_eq!(parsed.to_string(), printed, "{text}");
        }
    }

    #[test]
    fn impossible_dates_and_times_are_refused_with_the_reason() {
        for (text, why) in [
            ("2023-02-29", "day 29 is not between 01 and 28"),
            ("2024-13-01", "month 13"),
            ("2024-00-01", "month 00"),
            ("2024-04-31", "day 31"),
            ("24:00:00", "out of range"),
            ("12:60:00", "out of range"),
            ("12:00:61", "out of range"),
            ("12:00", "seconds are required"),
            ("1979-05-27T07:32", "seconds are required"),
            ("1979-05-27T07:32:00+24:00", "offset"),
            ("1979-05-27T07:32:00+0700", "offset"),
            ("1979-05-27X07:32:00", "`T` or a space"),
            ("1979-5-27", "YYYY-MM-DD"),
            ("07:32:00.", "digits after"),
            ("07:32:00Z", "unexpected `Z`"),
        ] {
            let error = Datetime::parse_toml(text).unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
        assert_eq!(Datetime::parse_toml("2024-02-29").unwrap().to_string(), "2024-02-29");
    }

    #[test]
    fn seconds_may_be_left_out_only_when_lenient() {
        assert_eq!(
            Datetime::parse_lenient("1979-05-27T07:32").unwrap().to_string(),
            "1979-05-27T07:32"
        );
        assert_eq!(Datetime::parse_lenient("07:32").unwrap().to_string(), "07:32");
    }

    #[test]
    fn timestamps_take_local_times_as_utc() {
        let at = |text: &str| Datetime::parse_toml(text).unwrap().timestamp_nanos();
        assert_eq!(at("1970-01-01"), Some(0));
        assert_eq!(at("1970-01-02T00:00:01Z"), Some(86_401_000_000_000));
        assert_eq!(at("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(at("1969-12-31T23:59:59.5"), Some(-500_000_000));
        assert_eq!(at("2000-03-01"), Some(951_868_800_000_000_000));
        assert_eq!(at("07:32:00"), None);
    }
}
