//! External alarms: what tower cameras and under-canopy sensors report, one JSON object per
//! line ("JSON lines"), and why a line is rejected.
//!
//! # Format
//!
//! ```json
//! {"source": "tower-7", "kind": "smoke", "time": "2026-07-14T13:05:00Z",
//!  "from_lat": -41.20, "from_lon": 146.02, "bearing_deg": 72.5, "sigma_deg": 1.5,
//!  "confidence": 0.8, "note": "grey column behind the ridge"}
//! {"source": "ir-12", "kind": "infrared", "at_unix_s": 1784034300,
//!  "lat": -41.25, "lon": 146.11, "radius_m": 30}
//! ```
//! (each object on one line in a file.)
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `source` | text, required | who reports (`tower-7`, `ir-12`) |
//! | `kind` | `smoke` \| `flame` \| `hotspot` \| `infrared`, required | what was sensed |
//! | `time` or `at_unix_s` | RFC 3339 UTC text (`Z`), or seconds since 1970; exactly one | when |
//! | `lat`, `lon`, `radius_m` | degrees, degrees, metres 0..=100000 | a point alarm |
//! | `from_lat`, `from_lon`, `bearing_deg`, `sigma_deg` | degrees; bearing 0..=360 from true north, clockwise; 1-sigma 0..=90 | a bearing from a tower camera at (from_lat, from_lon); without from_lat and from_lon the `source` must be a tower of the area ([`super::check`]) |
//! | `elevation_deg` | degrees -90..=90 above the horizontal, optional, with a bearing | the vertical angle of the sighting, as a fire finder reads it |
//! | `confidence` | 0..=1, optional, default 0.5 | how sure the source is |
//! | `note` | text, optional | free text |
//!
//! An alarm is either a point or a bearing, never both. Unknown fields are rejected (a typo such
//! as `confidance` would otherwise silently fall back to the default).
//!
//! The sources (a file, UDP datagrams) are in [`super::source`].

use std::time::UNIX_EPOCH;

use serde_json::{Map, Value};

pub use super::rejection::{AlarmCounters, AlarmError, AlarmRejection};
use crate::detect::observation::SightingClass;

/// Confidence given to an alarm that states none.
pub const DEFAULT_CONFIDENCE: f64 = 0.5;

/// What an external sensor reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmKind {
    /// Smoke (a tower camera).
    Smoke,
    /// Flame.
    Flame,
    /// A thermal hotspot.
    Hotspot,
    /// An infrared alarm under the canopy.
    Infrared,
}

impl AlarmKind {
    /// What a sighting of this kind is.
    pub fn sighting_class(self) -> SightingClass {
        match self {
            AlarmKind::Smoke => SightingClass::Smoke,
            AlarmKind::Flame => SightingClass::Flame,
            AlarmKind::Hotspot => SightingClass::Hotspot,
            AlarmKind::Infrared => SightingClass::Infrared,
        }
    }
}

/// Where an alarm points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AlarmLocation {
    /// A position with an uncertainty radius.
    Point {
        /// Latitude, WGS-84 degrees.
        lat_deg: f64,
        /// Longitude, WGS-84 degrees.
        lon_deg: f64,
        /// Uncertainty radius, metres.
        radius_m: f64,
    },
    /// A line of sight from a camera.
    Bearing {
        /// The camera's latitude and longitude, WGS-84 degrees: from the report, or from the
        /// area's tower of that name ([`super::check`]); `None` until checked.
        from_deg: Option<(f64, f64)>,
        /// Direction from true north, clockwise, degrees.
        bearing_deg: f64,
        /// 1-sigma uncertainty of the bearing (and of the elevation angle), degrees.
        sigma_deg: f64,
        /// The vertical angle above the horizontal, degrees (negative looking down), if given.
        elevation_deg: Option<f64>,
        /// The camera's height above the ground, metres, when the area knows the tower.
        camera_agl_m: Option<f64>,
    },
}

/// One accepted external alarm.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalAlarm {
    /// Who reports.
    pub source: String,
    /// What was sensed.
    pub kind: AlarmKind,
    /// When, µs since the Unix epoch.
    pub at_unix_us: i64,
    /// Where.
    pub location: AlarmLocation,
    /// How sure the source is, 0..=1.
    pub confidence: f64,
    /// Free text.
    pub note: Option<String>,
}

/// Parses one line of text (`line_no` from 1, for the error).
pub fn parse_alarm_line(text: &str, line_no: usize) -> Result<ExternalAlarm, AlarmError> {
    let value: Value = serde_json::from_str(text).map_err(|e| AlarmError {
        line_no,
        reason: AlarmRejection::NotJson(e.to_string()),
    })?;
    alarm_from_value(value, line_no)
}

/// Builds an alarm from a parsed JSON value (`line_no` from 1, for the error).
pub fn alarm_from_value(value: Value, line_no: usize) -> Result<ExternalAlarm, AlarmError> {
    let reject = |reason| AlarmError { line_no, reason };
    let Value::Object(fields) = value else {
        return Err(reject(AlarmRejection::NotAnObject));
    };
    from_fields(&fields).map_err(reject)
}

const KNOWN_FIELDS: [&str; 14] = [
    "source",
    "kind",
    "time",
    "at_unix_s",
    "lat",
    "lon",
    "radius_m",
    "from_lat",
    "from_lon",
    "bearing_deg",
    "sigma_deg",
    "elevation_deg",
    "confidence",
    "note",
];

fn from_fields(fields: &Map<String, Value>) -> Result<ExternalAlarm, AlarmRejection> {
    if let Some(unknown) = fields.keys().find(|k| !KNOWN_FIELDS.contains(&k.as_str())) {
        return Err(AlarmRejection::UnknownField(unknown.clone()));
    }
    let source = text(fields, "source")?.ok_or(AlarmRejection::MissingField("source"))?;
    let kind_text = text(fields, "kind")?.ok_or(AlarmRejection::MissingField("kind"))?;
    let kind = match kind_text.as_str() {
        "smoke" => AlarmKind::Smoke,
        "flame" => AlarmKind::Flame,
        "hotspot" => AlarmKind::Hotspot,
        "infrared" => AlarmKind::Infrared,
        _ => return Err(AlarmRejection::UnknownKind(kind_text)),
    };
    let at_unix_us = match (text(fields, "time")?, number(fields, "at_unix_s")?) {
        (Some(_), Some(_)) => return Err(AlarmRejection::TwoTimes),
        (Some(t), None) => parse_time(&t)?,
        (None, Some(s)) => {
            let s = in_range(
                "at_unix_s",
                s,
                0.0,
                253_402_300_799.0,
                "seconds since 1970, before year 10000",
            )?;
            (s * 1e6).round() as i64
        }
        (None, None) => return Err(AlarmRejection::MissingField("time")),
    };
    let point = ["lat", "lon", "radius_m"]
        .iter()
        .any(|k| fields.contains_key(*k));
    let bearing = [
        "from_lat",
        "from_lon",
        "bearing_deg",
        "sigma_deg",
        "elevation_deg",
    ]
    .iter()
    .any(|k| fields.contains_key(*k));
    let location = match (point, bearing) {
        (true, true) => return Err(AlarmRejection::PointAndBearing),
        (false, false) => return Err(AlarmRejection::NoLocation),
        (true, false) => AlarmLocation::Point {
            lat_deg: lat(fields, "lat")?,
            lon_deg: lon(fields, "lon")?,
            radius_m: in_range(
                "radius_m",
                required(fields, "radius_m")?,
                0.0,
                100_000.0,
                "metres in 0..=100000",
            )?,
        },
        (false, true) => AlarmLocation::Bearing {
            // Both or neither: a tower the area knows may give only its name.
            from_deg: match (
                fields.contains_key("from_lat"),
                fields.contains_key("from_lon"),
            ) {
                (false, false) => None,
                _ => Some((lat(fields, "from_lat")?, lon(fields, "from_lon")?)),
            },
            bearing_deg: in_range(
                "bearing_deg",
                required(fields, "bearing_deg")?,
                0.0,
                360.0,
                "degrees in 0..=360",
            )?,
            sigma_deg: in_range(
                "sigma_deg",
                required(fields, "sigma_deg")?,
                0.0,
                90.0,
                "degrees in 0..=90",
            )?,
            elevation_deg: number(fields, "elevation_deg")?
                .map(|e| in_range("elevation_deg", e, -90.0, 90.0, "degrees in -90..=90"))
                .transpose()?,
            camera_agl_m: None,
        },
    };
    let confidence = match number(fields, "confidence")? {
        Some(c) => in_range("confidence", c, 0.0, 1.0, "a number in 0..=1")?,
        None => DEFAULT_CONFIDENCE,
    };
    Ok(ExternalAlarm {
        source,
        kind,
        at_unix_us,
        location,
        confidence,
        note: text(fields, "note")?,
    })
}

fn type_name(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > 40 {
        let cut = (0..=40).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
        s.truncate(cut);
        s.push('…');
    }
    s
}

fn text(
    fields: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, AlarmRejection> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(AlarmRejection::WrongType {
            field,
            expected: "text",
            found: type_name(other),
        }),
    }
}

fn number(fields: &Map<String, Value>, field: &'static str) -> Result<Option<f64>, AlarmRejection> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or(AlarmRejection::WrongType {
            field,
            expected: "a number",
            found: n.to_string(),
        }),
        Some(other) => Err(AlarmRejection::WrongType {
            field,
            expected: "a number",
            found: type_name(other),
        }),
    }
}

fn required(fields: &Map<String, Value>, field: &'static str) -> Result<f64, AlarmRejection> {
    number(fields, field)?.ok_or(AlarmRejection::MissingField(field))
}

/// `value` if finite and in `lo..=hi`.
fn in_range(
    field: &'static str,
    value: f64,
    lo: f64,
    hi: f64,
    expected: &'static str,
) -> Result<f64, AlarmRejection> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(AlarmRejection::OutOfRange {
            field,
            value,
            expected,
        })
    }
}

fn lat(fields: &Map<String, Value>, field: &'static str) -> Result<f64, AlarmRejection> {
    in_range(
        field,
        required(fields, field)?,
        -90.0,
        90.0,
        "degrees in -90..=90",
    )
}

fn lon(fields: &Map<String, Value>, field: &'static str) -> Result<f64, AlarmRejection> {
    in_range(
        field,
        required(fields, field)?,
        -180.0,
        180.0,
        "degrees in -180..=180",
    )
}

/// RFC 3339 in UTC to µs since the Unix epoch.
fn parse_time(value: &str) -> Result<i64, AlarmRejection> {
    let bad = |reason: String| AlarmRejection::BadTime {
        value: value.to_string(),
        reason,
    };
    let t = humantime::parse_rfc3339(value).map_err(|e| bad(e.to_string()))?;
    let since = t
        .duration_since(UNIX_EPOCH)
        .map_err(|_| bad("before 1970".to_string()))?;
    i64::try_from(since.as_micros()).map_err(|_| bad("too far in the future".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOWER: &str = r#"{"source": "tower-7", "kind": "smoke", "time": "2026-07-14T13:05:00Z", "from_lat": -41.2, "from_lon": 146.02, "bearing_deg": 72.5, "sigma_deg": 1.5, "confidence": 0.8, "note": "grey column"}"#;
    const SENSOR: &str = r#"{"source": "ir-12", "kind": "infrared", "at_unix_s": 1784034300.5, "lat": -41.25, "lon": 146.11, "radius_m": 30}"#;

    #[test]
    fn a_tower_bearing_and_a_point_sensor_parse() {
        let tower = parse_alarm_line(TOWER, 1).expect("tower");
        assert_eq!(tower.kind, AlarmKind::Smoke);
        assert_eq!(tower.at_unix_us, 1_784_034_300_000_000);
        assert_eq!(
            tower.location,
            AlarmLocation::Bearing {
                from_deg: Some((-41.2, 146.02)),
                bearing_deg: 72.5,
                sigma_deg: 1.5,
                elevation_deg: None,
                camera_agl_m: None,
            }
        );
        assert_eq!(tower.confidence, 0.8);
        assert_eq!(tower.note.as_deref(), Some("grey column"));
        let sensor = parse_alarm_line(SENSOR, 2).expect("sensor");
        assert_eq!(sensor.at_unix_us, 1_784_034_300_500_000);
        assert_eq!(sensor.confidence, DEFAULT_CONFIDENCE);
        assert!(
            matches!(sensor.location, AlarmLocation::Point { radius_m, .. } if radius_m == 30.0)
        );
    }

    #[test]
    fn each_fault_is_named_with_its_line_and_field() {
        let sensor: Value = serde_json::from_str(SENSOR).expect("json");
        let with = |key: &str, v: Value| {
            let mut o = sensor.clone();
            o[key] = v;
            o.to_string()
        };
        let without = |key: &str| {
            let mut o = sensor.clone();
            o.as_object_mut().map(|m| m.remove(key));
            o.to_string()
        };
        let cases = [
            (without("source"), "missing-field", "missing field `source`"),
            (without("radius_m"), "missing-field", "`radius_m`"),
            (
                with("lat", Value::from("-41")),
                "wrong-type",
                "field `lat`: expected a number",
            ),
            (
                with("lat", Value::from(91.0)),
                "out-of-range",
                "field `lat` = 91",
            ),
            (
                with("from_lat", Value::from(1.0)),
                "point-and-bearing",
                "both a point",
            ),
            (with("kind", Value::from("fog")), "unknown-kind", "\"fog\""),
            (
                with("time", Value::from("2026-07-14 13:05")),
                "two-times",
                "both `time`",
            ),
            (
                with("confidance", Value::from(1.0)),
                "unknown-field",
                "`confidance`",
            ),
            (SENSOR.replace("30}", "NaN}"), "not-json", "not JSON"),
            ("[1, 2]".to_string(), "not-an-object", "JSON object"),
            (
                r#"{"source": "x", "kind": "flame", "at_unix_s": 1}"#.to_string(),
                "no-location",
                "no location",
            ),
            (
                TOWER.replace(r#""from_lon": 146.02, "#, ""),
                "missing-field",
                "`from_lon`",
            ),
            (
                TOWER.replace(r#""sigma_deg""#, r#""elevation_deg": -91, "sigma_deg""#),
                "out-of-range",
                "field `elevation_deg` = -91",
            ),
        ];
        for (line, reason, needle) in cases {
            let err = parse_alarm_line(&line, 17).expect_err(&line);
            assert_eq!(err.line_no, 17);
            assert_eq!(err.reason.reason(), reason, "{line}");
            let text = err.to_string();
            assert!(
                text.starts_with("line 17: ") && text.contains(needle),
                "{text}"
            );
        }
    }

    #[test]
    fn a_tower_may_give_its_name_and_the_vertical_angle_instead_of_its_position() {
        let line = r#"{"source": "tower-2", "kind": "smoke", "at_unix_s": 1784034300, "bearing_deg": 10, "elevation_deg": -1.25, "sigma_deg": 0.5}"#;
        let a = parse_alarm_line(line, 1).expect("by name");
        assert_eq!(
            a.location,
            AlarmLocation::Bearing {
                from_deg: None,
                bearing_deg: 10.0,
                sigma_deg: 0.5,
                elevation_deg: Some(-1.25),
                camera_agl_m: None,
            }
        );
    }

    #[test]
    fn times_must_be_rfc3339_utc() {
        let line = |t: &str| TOWER.replace("2026-07-14T13:05:00Z", t);
        for bad in [
            "2026-07-14T13:05:00+02:00",
            "14/07/2026",
            "2026-13-01T00:00:00Z",
        ] {
            let err = parse_alarm_line(&line(bad), 3).expect_err(bad);
            assert_eq!(err.reason.reason(), "bad-time", "{bad}");
        }
        let ok = parse_alarm_line(&line("2026-07-14T13:05:00.250Z"), 1).expect("fractional");
        assert_eq!(ok.at_unix_us, 1_784_034_300_250_000);
    }
}
