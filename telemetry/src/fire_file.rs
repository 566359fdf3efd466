//! The fire file: simulated fires as a scenario (`patrol sim --fires`, `patrol demo`) and as
//! ground truth (a run's `fires.json`, read by the report and the replay).
//!
//! # Fire file
//!
//! JSON, documented for users in `docs/fires.md`:
//!
//! ```json
//! {"fires": [
//!   {"id": "f1", "lat": 36.61, "lon": -84.19, "ignition_s": 1200,
//!    "spread_mps": 0.02, "smoke_height_m": 60, "intensity": 1.0}
//! ]}
//! ```
//!
//! - `id`: a unique, non-empty name.
//! - `lat`, `lon`: WGS 84 degrees of the ignition point; it must lie on the area's terrain.
//! - `ignition_s`: mission seconds after the simulation's start (the vehicles' boot, the
//!   mission clock's zero), 0 to 1e9.
//! - `spread_mps`: growth of the burning radius, metres per second, 0 to 10.
//! - `smoke_height_m`: height above the ground the plume's top rises to, metres, 0 to 10000.
//! - `intensity` (optional, default 1): relative strength, above 0 and at most 1; it sets the
//!   flame temperature.
//! - `ground_amsl_m` (optional, ignored): written by [`FireField::truth_json`], so that a truth
//!   file can be read back as a fire file.
//!
//! At the top level, `clock_start_unix_us`, `detections` and `detections_dropped` (written
//! into truth files) are allowed and ignored. Anything else is refused: a misspelt field would otherwise silently
//! take its default. Errors name the file, the fire's index and the field.
//!

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

/// One fire as a fire file describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fire {
    /// Unique name.
    pub id: String,
    /// Ignition point latitude, degrees (WGS 84).
    pub lat_deg: f64,
    /// Ignition point longitude, degrees (WGS 84).
    pub lon_deg: f64,
    /// Ignition time, mission seconds after the simulation's start.
    pub ignition_s: f64,
    /// Growth of the radius, metres per second.
    pub spread_mps: f64,
    /// Full height of the plume's top above the ground, metres.
    pub smoke_height_m: f64,
    /// Relative strength, (0, 1].
    pub intensity: f64,
}

/// Why fires cannot be read or placed.
#[derive(Debug, thiserror::Error)]
pub enum FireError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The fire file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{}:{line}:{column}: not valid JSON: {message}", path.display())]
    Json {
        /// The fire file.
        path: PathBuf,
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The top level is not `{"fires": [...]}`.
    #[error("{}: {reason}", path.display())]
    Shape {
        /// The fire file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A field of one fire is missing or wrong.
    #[error("{}: fires[{index}] ({id}): field `{field}` {reason}", path.display())]
    Field {
        /// The fire file.
        path: PathBuf,
        /// Index of the fire in the `fires` array, from 0.
        index: usize,
        /// The fire's id, or `?` when it has none yet.
        id: String,
        /// The field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two fires share an id.
    #[error("fire id `{id}` is used twice ({where_})")]
    DuplicateId {
        /// The id.
        id: String,
        /// The file and indices, or "random ignitions and the fire file".
        where_: String,
    },
    /// A fire is not on the terrain.
    #[error("fire {id} at {lat_deg:.6}, {lon_deg:.6} is outside the area's terrain")]
    OffTerrain {
        /// The fire's id.
        id: String,
        /// Latitude, degrees.
        lat_deg: f64,
        /// Longitude, degrees.
        lon_deg: f64,
    },
    /// No risk cell can host a random ignition.
    #[error("the area's risk map has no cell with positive risk: no place for a random ignition")]
    NoRisk,
    /// An argument of the random ignitions (`crate::sim::fire::random_ignitions`) is out of
    /// range.
    #[error("{name} = {value}: {expected}")]
    Argument {
        /// The argument.
        name: &'static str,
        /// Its value.
        value: f64,
        /// The accepted range.
        expected: &'static str,
    },
}

/// Reads a fire file.
pub fn read_fire_file(path: &Path) -> Result<Vec<Fire>, FireError> {
    let text = std::fs::read_to_string(path).map_err(|source| FireError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_fires(&text, path)
}

/// Parses the text of a fire file; `path` only names it in errors.
pub fn parse_fires(text: &str, path: &Path) -> Result<Vec<Fire>, FireError> {
    let value: Value = serde_json::from_str(text).map_err(|e| FireError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let shape = |reason: &str| FireError::Shape {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let Value::Object(top) = value else {
        return Err(shape("expected an object {\"fires\": [...]}"));
    };
    if let Some(key) = top.keys().find(|k| !TRUTH_KEYS.contains(&k.as_str())) {
        return Err(shape(&format!(
            "unknown top-level key `{key}` (expected `fires`)"
        )));
    }
    let Some(Value::Array(items)) = top.get("fires") else {
        return Err(shape("expected a `fires` array at the top level"));
    };
    let mut fires: Vec<Fire> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let fire = parse_fire(item, index, path)?;
        if let Some(first) = fires.iter().position(|f| f.id == fire.id) {
            return Err(FireError::DuplicateId {
                id: fire.id,
                where_: format!("{}: fires[{first}] and fires[{index}]", path.display()),
            });
        }
        fires.push(fire);
    }
    Ok(fires)
}

/// Top-level keys of a fire file; all but `fires` are written into truth files and ignored.
const TRUTH_KEYS: [&str; 4] = [
    "fires",
    "clock_start_unix_us",
    "detections",
    "detections_dropped",
];

const FIELDS: [&str; 8] = [
    "id",
    "lat",
    "lon",
    "ignition_s",
    "spread_mps",
    "smoke_height_m",
    "intensity",
    "ground_amsl_m",
];

fn parse_fire(item: &Value, index: usize, path: &Path) -> Result<Fire, FireError> {
    let err = |id: &str, field: &str, reason: String| FireError::Field {
        path: path.to_path_buf(),
        index,
        id: id.to_string(),
        field: field.to_string(),
        reason,
    };
    let Value::Object(obj) = item else {
        return Err(err("?", "(fire)", "must be an object".into()));
    };
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) => return Err(err("?", "id", "is empty".into())),
        Some(other) => return Err(err("?", "id", format!("must be a string, not {other}"))),
        None => return Err(err("?", "id", "is missing".into())),
    };
    if let Some(key) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(err(
            &id,
            key,
            format!(
                "is not a fire field (expected one of {})",
                FIELDS.join(", ")
            ),
        ));
    }
    let number = |obj: &Map<String, Value>,
                  field: &str,
                  default: Option<f64>,
                  ok: fn(f64) -> bool,
                  expected: &str|
     -> Result<f64, FireError> {
        let v = match obj.get(field) {
            None => default.ok_or_else(|| err(&id, field, "is missing".into()))?,
            Some(Value::Number(n)) => n
                .as_f64()
                .ok_or_else(|| err(&id, field, format!("{n} is not a number")))?,
            Some(other) => return Err(err(&id, field, format!("must be a number, not {other}"))),
        };
        if v.is_finite() && ok(v) {
            Ok(v)
        } else {
            Err(err(&id, field, format!("is {v}: expected {expected}")))
        }
    };
    Ok(Fire {
        lat_deg: number(obj, "lat", None, |v| v.abs() <= 90.0, "-90 to 90 degrees")?,
        lon_deg: number(
            obj,
            "lon",
            None,
            |v| v.abs() <= 180.0,
            "-180 to 180 degrees",
        )?,
        ignition_s: number(
            obj,
            "ignition_s",
            None,
            |v| (0.0..=1e9).contains(&v),
            "0 to 1e9 seconds after the start",
        )?,
        spread_mps: number(
            obj,
            "spread_mps",
            None,
            |v| (0.0..=10.0).contains(&v),
            "0 to 10 metres per second",
        )?,
        smoke_height_m: number(
            obj,
            "smoke_height_m",
            None,
            |v| (0.0..=10_000.0).contains(&v),
            "0 to 10000 metres",
        )?,
        intensity: number(
            obj,
            "intensity",
            Some(1.0),
            |v| v > 0.0 && v <= 1.0,
            "above 0 and at most 1",
        )?,
        id,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn path() -> &'static Path {
        Path::new("fires.json")
    }

    pub(crate) fn one(fields: &str) -> String {
        format!(
            r#"{{"fires": [{{"id": "f1", "lat": 36.6, "lon": -84.2, "ignition_s": 0, "spread_mps": 0.02, "smoke_height_m": 60}}, {{{fields}}}]}}"#
        )
    }

    #[test]
    fn a_valid_file_parses_with_the_default_intensity() {
        let fires = parse_fires(
            &one(r#""id": "f2", "lat": 36.61, "lon": -84.19, "ignition_s": 1200, "spread_mps": 0.05, "smoke_height_m": 80, "intensity": 0.5"#),
            path(),
        )
        .expect("valid");
        assert_eq!(fires.len(), 2);
        assert_eq!(fires[0].intensity, 1.0);
        assert_eq!(fires[1].id, "f2");
        assert_eq!(fires[1].ignition_s, 1200.0);
        assert_eq!(fires[1].intensity, 0.5);
    }

    #[test]
    fn errors_name_the_file_the_fire_and_the_field() {
        let cases = [
            (
                r#""id": "f2", "lon": -84.19, "ignition_s": 1, "spread_mps": 0.05, "smoke_height_m": 80"#,
                "fires.json: fires[1] (f2): field `lat` is missing",
            ),
            (
                r#""id": "f2", "lat": 36.6, "lon": -84.19, "ignition_s": -5, "spread_mps": 0.05, "smoke_height_m": 80"#,
                "fires.json: fires[1] (f2): field `ignition_s` is -5",
            ),
            (
                r#""id": "f2", "lat": 36.6, "lon": -84.19, "ignition_s": 1, "spread_mps": "fast", "smoke_height_m": 80"#,
                "field `spread_mps` must be a number",
            ),
            (
                r#""id": "f2", "lat": 36.6, "lon": -84.19, "ignition_s": 1, "spread": 0.05, "smoke_height_m": 80"#,
                "fires[1] (f2): field `spread` is not a fire field",
            ),
            (
                r#""lat": 36.6, "lon": -84.19, "ignition_s": 1, "spread_mps": 0.05, "smoke_height_m": 80"#,
                "fires[1] (?): field `id` is missing",
            ),
            (
                r#""id": "f2", "lat": 36.6, "lon": -84.19, "ignition_s": 1, "spread_mps": 0.05, "smoke_height_m": 80, "intensity": 0"#,
                "field `intensity` is 0: expected above 0",
            ),
            (
                r#""id": "f1", "lat": 36.6, "lon": -84.19, "ignition_s": 1, "spread_mps": 0.05, "smoke_height_m": 80"#,
                "fire id `f1` is used twice (fires.json: fires[0] and fires[1])",
            ),
        ];
        for (fields, expected) in cases {
            let err = parse_fires(&one(fields), path()).expect_err(fields);
            assert!(
                err.to_string().contains(expected),
                "{err} should contain {expected}"
            );
        }
        let err = parse_fires("{\"fires\": [\n  {\"id\": }]}", path()).expect_err("bad JSON");
        assert!(err.to_string().starts_with("fires.json:2:"), "{err}");
        let err = parse_fires(r#"{"fire": []}"#, path()).expect_err("misspelt key");
        assert!(err.to_string().contains("unknown top-level key `fire`"));
    }
}
