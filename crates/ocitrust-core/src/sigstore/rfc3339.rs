//! RFC 3339 instants as protobuf's JSON mapping writes `google.protobuf.Timestamp`
//! (`2021-03-07T03:20:29Z`, `2022-10-31T23:59:59.999Z`, offsets accepted), to `SystemTime`. Written
//! by hand: the only other need for a date library here would be this one function.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, ErrorCode, Result};

/// Parses `text` as an RFC 3339 date-time (seconds required, fraction up to nanoseconds).
pub fn parse_rfc3339(text: &str) -> Result<SystemTime> {
    let invalid = || {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("{text:?} is not an RFC 3339 time (like 2021-03-07T03:20:29Z)"),
        )
    };
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return Err(invalid());
    }
    let number = |range: std::ops::Range<usize>| -> Result<u32> {
        let digits = text.get(range).ok_or_else(invalid)?;
        if !digits.bytes().all(|d| d.is_ascii_digit()) {
            return Err(invalid());
        }
        digits.parse().map_err(|_| invalid())
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return Err(invalid());
        }
        nanos = fraction[..digits].parse::<u32>().map_err(|_| invalid())? * 10u32.pow(9 - digits as u32);
        rest = &fraction[digits..];
    }
    let offset_seconds: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return Err(invalid()),
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return Err(invalid());
            }
            let hours: i64 = rest[1..3].parse().map_err(|_| invalid())?;
            let minutes: i64 = rest[4..6].parse().map_err(|_| invalid())?;
            if hours > 23 || minutes > 59 {
                return Err(invalid());
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(invalid());
    }
    // A leap second is read as the last second of its minute, as Go's time package does.
    let second = second.min(59);
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second) - offset_seconds;
    let seconds = u64::try_from(seconds).map_err(|_| invalid())?;
    Ok(UNIX_EPOCH + Duration::new(seconds, nanos))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to `year-month-day` (proleptic Gregorian; Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_index + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Seconds since the Unix epoch; instants before it count as 0.
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `time` as RFC 3339 UTC, for messages.
pub fn format_time(time: SystemTime) -> String {
    format_rfc3339(unix_seconds(time))
}

/// `seconds` since the Unix epoch as RFC 3339 UTC (`2024-03-19T17:26:26Z`), for messages.
pub fn format_rfc3339(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX / 2);
    let (year, month, day) = civil_from_days(days);
    let rest = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The date `days` after 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_inverts_parsing() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "2024-03-19T17:26:26Z",
            "2100-12-31T00:00:01Z",
        ] {
            assert_eq!(format_rfc3339(unix(text).0), text);
        }
    }

    fn unix(text: &str) -> (u64, u32) {
        let d = parse_rfc3339(text).unwrap().duration_since(UNIX_EPOCH).unwrap();
        (d.as_secs(), d.subsec_nanos())
    }

    #[test]
    fn instants_as_protobuf_writes_them() {
        assert_eq!(unix("1970-01-01T00:00:00Z"), (0, 0));
        assert_eq!(unix("2021-03-07T03:20:29Z"), (1_615_087_229, 0));
        assert_eq!(unix("2022-10-31T23:59:59.999Z"), (1_667_260_799, 999_000_000));
        assert_eq!(unix("2000-02-29T12:00:00.000000001Z"), (951_825_600, 1));
        assert_eq!(unix("2021-03-07T04:20:29+01:00"), (1_615_087_229, 0));
        assert_eq!(unix("2021-03-06T22:20:29-05:00"), (1_615_087_229, 0));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "2021-03-07",
            "2021-03-07T03:20:29",
            "2021-03-07 03:20:29Z",
            "2021-13-07T03:20:29Z",
            "2021-02-29T03:20:29Z",
            "2021-03-07T24:00:00Z",
            "2021-03-07T03:20:29.Z",
            "2021-03-07T03:20:29.1234567890Z",
            "2021-03-07T03:20:29+0100",
            "1969-12-31T23:59:59Z",
            "+021-03-07T03:20:29Z",
            "2021-03-07T03:20:29Zjunk",
            "２０２１-03-07T03:20:29Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad:?}");
        }
    }
}
