//! Why an external alarm was rejected ([`AlarmRejection`], [`AlarmError`] with its line) and
//! the counts of accepted and rejected alarms by reason ([`AlarmCounters`]).

use std::collections::BTreeMap;
use std::fmt;

/// Why an alarm was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlarmRejection {
    /// The bytes are not UTF-8.
    #[error("not UTF-8 text")]
    NotUtf8,
    /// A datagram longer than the listener accepts.
    #[error("datagram of {len} bytes is over the {max}-byte limit")]
    Oversize {
        /// Its length, bytes.
        len: usize,
        /// The limit, bytes.
        max: usize,
    },
    /// Not JSON at all (also `NaN`, which JSON does not have).
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("expected a JSON object {{...}}")]
    NotAnObject,
    /// A required field is absent.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A field has the wrong JSON type.
    #[error("field `{field}`: expected {expected}, found {found}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// The type wanted.
        expected: &'static str,
        /// The value found, as JSON.
        found: String,
    },
    /// A number outside its range.
    #[error("field `{field}` = {value}: expected {expected}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The value.
        value: f64,
        /// The range.
        expected: &'static str,
    },
    /// Both a point (`lat`/`lon`/`radius_m`) and a bearing (`from_lat`/...).
    #[error(
        "both a point (lat, lon, radius_m) and a bearing (from_lat, from_lon, bearing_deg, sigma_deg); give one"
    )]
    PointAndBearing,
    /// Neither a point nor a bearing.
    #[error("no location: give lat, lon, radius_m or from_lat, from_lon, bearing_deg, sigma_deg")]
    NoLocation,
    /// A `kind` this format does not know.
    #[error("field `kind`: unknown kind {0:?} (expected smoke, flame, hotspot or infrared)")]
    UnknownKind(String),
    /// Both `time` and `at_unix_s`.
    #[error("both `time` and `at_unix_s`; give one")]
    TwoTimes,
    /// A `time` that is not RFC 3339 in UTC.
    #[error(
        "field `time` = {value:?}: expected RFC 3339 in UTC, e.g. 2026-07-14T13:05:00Z ({reason})"
    )]
    BadTime {
        /// The text.
        value: String,
        /// The parser's reason.
        reason: String,
    },
    /// A field this format does not have.
    #[error("unknown field `{0}`")]
    UnknownField(String),
    /// A bearing without its camera's position from a source that is not a tower of the area.
    #[error(
        "a bearing from {0:?}, which is not a tower of the area: give from_lat and from_lon, or the tower's id as `source`"
    )]
    UnknownTower(String),
    /// A report dated after it was received (beyond the clocks' allowed difference).
    #[error("dated {ahead_s:.0} s after it was received (clocks may differ by {slack_s:.0} s)")]
    FromTheFuture {
        /// How far ahead, seconds.
        ahead_s: f64,
        /// The allowed difference, seconds.
        slack_s: f64,
    },
}

impl AlarmRejection {
    /// A short name of the reason, for counting (`missing-field`, `bad-time`, ...).
    pub fn reason(&self) -> &'static str {
        match self {
            AlarmRejection::NotUtf8 => "not-utf8",
            AlarmRejection::Oversize { .. } => "oversize",
            AlarmRejection::NotJson(_) => "not-json",
            AlarmRejection::NotAnObject => "not-an-object",
            AlarmRejection::MissingField(_) => "missing-field",
            AlarmRejection::WrongType { .. } => "wrong-type",
            AlarmRejection::OutOfRange { .. } => "out-of-range",
            AlarmRejection::PointAndBearing => "point-and-bearing",
            AlarmRejection::NoLocation => "no-location",
            AlarmRejection::UnknownKind(_) => "unknown-kind",
            AlarmRejection::TwoTimes => "two-times",
            AlarmRejection::BadTime { .. } => "bad-time",
            AlarmRejection::UnknownField(_) => "unknown-field",
            AlarmRejection::UnknownTower(_) => "unknown-tower",
            AlarmRejection::FromTheFuture { .. } => "from-the-future",
        }
    }
}

/// A rejected line: its number (from 1, within its file or datagram) and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line_no}: {reason}")]
pub struct AlarmError {
    /// The line, from 1.
    pub line_no: usize,
    /// Why it was rejected.
    pub reason: AlarmRejection,
}

/// Alarms accepted, and rejected by reason ([`AlarmRejection::reason`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlarmCounters {
    /// Alarms accepted.
    pub accepted: u64,
    /// Alarms rejected, by reason.
    pub rejected: BTreeMap<&'static str, u64>,
}

impl AlarmCounters {
    /// Counts one accepted alarm.
    pub fn accept(&mut self) {
        self.accepted += 1;
    }

    /// Counts one rejection.
    pub fn reject(&mut self, why: &AlarmRejection) {
        *self.rejected.entry(why.reason()).or_default() += 1;
    }

    /// All rejections.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

impl fmt::Display for AlarmCounters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} accepted, {} rejected",
            self.accepted,
            self.rejected_total()
        )?;
        if !self.rejected.is_empty() {
            let parts: Vec<String> = self
                .rejected
                .iter()
                .map(|(why, n)| format!("{why} {n}"))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_count_by_reason() {
        let mut c = AlarmCounters::default();
        c.accept();
        c.reject(&AlarmRejection::NotUtf8);
        c.reject(&AlarmRejection::MissingField("lat"));
        c.reject(&AlarmRejection::MissingField("lon"));
        assert_eq!(c.rejected_total(), 3);
        assert_eq!(
            c.to_string(),
            "1 accepted, 3 rejected (missing-field 2, not-utf8 1)"
        );
    }
}
