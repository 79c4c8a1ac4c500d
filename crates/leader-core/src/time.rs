//! Timestamps as the sources write them, normalised to `YYYY-MM-DD HH:MM:SS`.
//!
//! MIMIC writes `2196-02-24 14:38:00` (dates shifted into the future for
//! de-identification), Synthea ISO 8601 with a zone (`2014-03-07T12:53:09Z`,
//! `2016-12-08 15:53:09+00:00`). All are kept as naive wall-clock time in the source's
//! frame; only their order matters to LEADER.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
#[ts(type = "string")]
pub struct Timestamp {
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date or date-time (expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)")]
pub struct TimestampError(pub String);

impl Timestamp {
    pub fn from_parts(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Option<Self> {
        let t = Timestamp { year, month, day, hour, minute, second };
        t.valid().then_some(t)
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// The date part, `YYYY-MM-DD`.
    pub fn date_string(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    fn valid(&self) -> bool {
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0) => 29,
            2 => 28,
            _ => return false,
        };
        (1..=9999).contains(&self.year)
            && (1..=days).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 61
    }
}

fn digits<T: FromStr>(s: &str, from: usize, len: usize) -> Option<T> {
    let part = s.get(from..from + len)?;
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let err = || TimestampError(raw.to_owned());
        let s = raw.trim();
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let (year, month, day) =
            (digits(s, 0, 4).ok_or_else(err)?, digits(s, 5, 2).ok_or_else(err)?, digits(s, 8, 2).ok_or_else(err)?);
        let (mut hour, mut minute, mut second) = (0, 0, 0);
        let rest = &s[10..];
        if !rest.is_empty() {
            let t = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('T')).ok_or_else(err)?;
            if t.len() < 5 || t.as_bytes()[2] != b':' {
                return Err(err());
            }
            hour = digits(t, 0, 2).ok_or_else(err)?;
            minute = digits(t, 3, 2).ok_or_else(err)?;
            let mut tail = &t[5..];
            if let Some(sec) = tail.strip_prefix(':') {
                second = digits(sec, 0, 2).ok_or_else(err)?;
                tail = &sec[2..];
                // Fractional seconds are dropped.
                if let Some(frac) = tail.strip_prefix('.') {
                    let n = frac.bytes().take_while(u8::is_ascii_digit).count();
                    tail = &frac[n..];
                }
            }
            // A zone suffix (`Z`, `+00:00`) is accepted; times stay in the source's frame.
            let zone_ok = tail.is_empty()
                || tail == "Z"
                || ((tail.starts_with('+') || tail.starts_with('-'))
                    && tail[1..].bytes().all(|c| c.is_ascii_digit() || c == b':'));
            if !zone_ok {
                return Err(err());
            }
        }
        Timestamp::from_parts(year, month, day, hour, minute, second).ok_or_else(err)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_formats_normalise_to_one_spelling() {
        for (raw, want) in [
            ("2196-02-24 14:38:00", "2196-02-24 14:38:00"),
            ("2146-12-15", "2146-12-15 00:00:00"),
            ("2014-03-07T12:53:09Z", "2014-03-07 12:53:09"),
            ("2016-12-08 15:53:09+00:00", "2016-12-08 15:53:09"),
            ("2016-12-08 15:53:09.250", "2016-12-08 15:53:09"),
            ("2016-12-08 15:53", "2016-12-08 15:53:00"),
        ] {
            assert_eq!(raw.parse::<Timestamp>().map(|t| t.to_string()), Ok(want.to_owned()), "{raw}");
        }
    }

    #[test]
    fn impossible_dates_are_refused() {
        for raw in
            ["2196-02-30", "2196-13-01", "21960224", "2196-02-24 25:00:00", "yesterday", "2196-02-24 14:38:00 PM"]
        {
            assert!(raw.parse::<Timestamp>().is_err(), "{raw} should be refused");
        }
        assert!("2024-02-29".parse::<Timestamp>().is_ok(), "leap day");
        assert!("2100-02-29".parse::<Timestamp>().is_err(), "2100 is not a leap year");
    }

    #[test]
    fn order_follows_time() {
        let a: Timestamp = "2150-01-01 10:00:00".parse().expect("valid");
        let b: Timestamp = "2150-01-01 10:00:01".parse().expect("valid");
        assert!(a < b);
    }
}
