//! Ground-truth fires for the simulator: where they start, when, and how they grow.
//!
//! A [`FireField`] holds the fires of a simulated shift, each placed on the terrain. Its
//! [`FireField::at`] gives the fires burning at a mission time with their current size, smoke
//! and temperature, which is what the simulated onboard detector ([`super::detector`]) looks
//! for; [`FireField::truth_json`] writes them down so that a report can score the detections.
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
//! # Growth
//!
//! A fire starts with a radius of [`INITIAL_RADIUS_M`] and grows at `spread_mps`. Its plume
//! rises towards `smoke_height_m` as `1 - exp(-age / SMOKE_RISE_S)`: a fresh ignition smoulders
//! before its column builds. Flames are [`FLAME_MIN_C`] to [`FLAME_MAX_C`] by intensity.

use std::path::{Path, PathBuf};

use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::risk::cells::RiskMap;
use patrol_planner::route::rng::SplitMix64;
use patrol_planner::terrain::Terrain;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// Radius of a fire at ignition, metres: a spot fire already a couple of metres across when
/// it first shows.
pub const INITIAL_RADIUS_M: f64 = 1.0;
/// Time constant of the plume's rise to its full height, seconds.
pub const SMOKE_RISE_S: f64 = 300.0;
/// Flame temperature at the lowest intensity, °C.
pub const FLAME_MIN_C: f64 = 300.0;
/// Flame temperature at intensity 1, °C.
pub const FLAME_MAX_C: f64 = 600.0;

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
    /// An argument of [`random_ignitions`] is out of range.
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

/// A fire placed on the terrain.
#[derive(Debug, Clone)]
struct Placed {
    fire: Fire,
    /// Ignition point; height = the ground, metres above mean sea level.
    ground: Geodetic,
    /// The same in the terrain's local frame.
    enu: Enu,
}

/// A fire burning at some instant.
#[derive(Debug, Clone, Copy)]
pub struct ActiveFire<'a> {
    /// The fire as described.
    pub fire: &'a Fire,
    /// Its centre on the ground; height = the ground, metres above mean sea level.
    pub ground: Geodetic,
    /// The same in the terrain's local frame.
    pub enu: Enu,
    /// Seconds since ignition.
    pub age_s: f64,
    /// Burning radius, metres.
    pub radius_m: f64,
    /// Height of the plume's top above the ground, metres.
    pub smoke_top_agl_m: f64,
    /// Flame temperature, °C.
    pub temperature_c: f64,
}

/// The fires of a simulated shift, placed on the terrain.
///
/// Invariant: ids are unique and every fire is over the terrain.
#[derive(Debug, Clone, Default)]
pub struct FireField {
    placed: Vec<Placed>,
}

impl FireField {
    /// Places fires on the terrain; refuses duplicate ids and fires off the DEM.
    pub fn new(fires: Vec<Fire>, terrain: &Terrain) -> Result<FireField, FireError> {
        let mut placed: Vec<Placed> = Vec::with_capacity(fires.len());
        for fire in fires {
            if placed.iter().any(|p| p.fire.id == fire.id) {
                return Err(FireError::DuplicateId {
                    id: fire.id,
                    where_: "among the simulated fires".into(),
                });
            }
            let Some(ground_m) = terrain.elevation_amsl_m(fire.lat_deg, fire.lon_deg) else {
                return Err(FireError::OffTerrain {
                    id: fire.id,
                    lat_deg: fire.lat_deg,
                    lon_deg: fire.lon_deg,
                });
            };
            let ground = Geodetic {
                lat_deg: fire.lat_deg,
                lon_deg: fire.lon_deg,
                alt_amsl_m: ground_m,
            };
            placed.push(Placed {
                enu: terrain.geodetic_to_enu(ground),
                ground,
                fire,
            });
        }
        Ok(FireField { placed })
    }

    /// The fires, in the order given.
    pub fn fires(&self) -> impl Iterator<Item = &Fire> {
        self.placed.iter().map(|p| &p.fire)
    }

    /// Number of fires (burning or not yet).
    pub fn len(&self) -> usize {
        self.placed.len()
    }

    /// Whether there are no fires at all.
    pub fn is_empty(&self) -> bool {
        self.placed.is_empty()
    }

    /// The fires burning at mission time `t_s` (seconds after the start), with their size.
    pub fn at(&self, t_s: f64) -> Vec<ActiveFire<'_>> {
        self.placed
            .iter()
            .filter(|p| p.fire.ignition_s <= t_s)
            .map(|p| {
                let age_s = t_s - p.fire.ignition_s;
                ActiveFire {
                    fire: &p.fire,
                    ground: p.ground,
                    enu: p.enu,
                    age_s,
                    radius_m: INITIAL_RADIUS_M + p.fire.spread_mps * age_s,
                    smoke_top_agl_m: p.fire.smoke_height_m * (1.0 - (-age_s / SMOKE_RISE_S).exp()),
                    temperature_c: FLAME_MIN_C + (FLAME_MAX_C - FLAME_MIN_C) * p.fire.intensity,
                }
            })
            .collect()
    }

    /// The ground truth: `{"fires": [...]}` in the fire file's format, each fire with its
    /// `ground_amsl_m`, so that the file can be read back as a fire file.
    pub fn truth_json(&self) -> Value {
        let fires: Vec<Value> = self
            .placed
            .iter()
            .map(|p| {
                json!({
                    "id": p.fire.id,
                    "lat": p.fire.lat_deg,
                    "lon": p.fire.lon_deg,
                    "ignition_s": p.fire.ignition_s,
                    "spread_mps": p.fire.spread_mps,
                    "smoke_height_m": p.fire.smoke_height_m,
                    "intensity": p.fire.intensity,
                    "ground_amsl_m": p.ground.alt_amsl_m,
                })
            })
            .collect();
        json!({ "fires": fires })
    }
}

/// `count` fires igniting at uniformly random times in `[0, shift_s)`, at places drawn with
/// probability proportional to the risk of the area's planning cells (uniform inside a cell).
///
/// Their ids are `r1`, `r2`, ... in ignition order. Spread (0.01-0.05 m/s), plume height
/// (40-120 m) and intensity (0.5-1) are drawn too. The same seed gives the same fires.
pub fn random_ignitions(
    terrain: &Terrain,
    risk: &RiskMap,
    count: usize,
    shift_s: f64,
    seed: u64,
) -> Result<Vec<Fire>, FireError> {
    if !(shift_s.is_finite() && shift_s > 0.0 && shift_s <= 1e9) {
        return Err(FireError::Argument {
            name: "shift_s",
            value: shift_s,
            expected: "above 0 and at most 1e9 seconds",
        });
    }
    if count > 100_000 {
        return Err(FireError::Argument {
            name: "count",
            value: count as f64,
            expected: "at most 100000 ignitions",
        });
    }
    let cells = risk.cells();
    // Cumulative weights: a draw in [0, total) falls in the first cell whose sum exceeds it.
    let mut cumulative = Vec::with_capacity(cells.len());
    let mut total = 0.0;
    for c in cells {
        if c.risk.is_finite() && c.risk > 0.0 {
            total += c.risk;
        }
        cumulative.push(total);
    }
    if total <= 0.0 {
        return Err(FireError::NoRisk);
    }
    let size_m = risk.grid().size_m;
    let mut rng = SplitMix64::new(seed);
    let mut fires = Vec::with_capacity(count);
    for _ in 0..count {
        let draw = rng.next_f64() * total;
        let i = cumulative
            .partition_point(|&c| c <= draw)
            .min(cells.len() - 1);
        let cell = &cells[i];
        // A spot inside the cell; the cell's centre (which has terrain by construction) if
        // repeated draws fall off the DEM at the area's edge.
        let mut ground = Geodetic {
            lat_deg: cell.lat_deg,
            lon_deg: cell.lon_deg,
            alt_amsl_m: cell.elevation_amsl_m,
        };
        for _ in 0..8 {
            let g = terrain.enu_to_geodetic(Enu {
                east_m: cell.center.east_m + (rng.next_f64() - 0.5) * size_m,
                north_m: cell.center.north_m + (rng.next_f64() - 0.5) * size_m,
                up_m: 0.0,
            });
            if terrain.elevation_amsl_m(g.lat_deg, g.lon_deg).is_some() {
                ground = g;
                break;
            }
        }
        fires.push(Fire {
            id: String::new(),
            lat_deg: ground.lat_deg,
            lon_deg: ground.lon_deg,
            ignition_s: rng.next_f64() * shift_s,
            spread_mps: 0.01 + 0.04 * rng.next_f64(),
            smoke_height_m: 40.0 + 80.0 * rng.next_f64(),
            intensity: 0.5 + 0.5 * rng.next_f64(),
        });
    }
    fires.sort_by(|a, b| a.ignition_s.total_cmp(&b.ignition_s));
    for (i, f) in fires.iter_mut().enumerate() {
        f.id = format!("r{}", i + 1);
    }
    Ok(fires)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::geotag::test_terrain::{CENTRE, terrain};
    use patrol_planner::risk::cells::{Accumulator, CellGrid};

    fn path() -> &'static Path {
        Path::new("fires.json")
    }

    fn one(fields: &str) -> String {
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

    fn flat() -> Terrain {
        terrain(2000.0, 50.0, |_, _| 400.0)
    }

    #[test]
    fn fires_grow_after_ignition() {
        let fires = vec![Fire {
            id: "f1".into(),
            lat_deg: CENTRE.lat_deg,
            lon_deg: CENTRE.lon_deg,
            ignition_s: 100.0,
            spread_mps: 0.02,
            smoke_height_m: 60.0,
            intensity: 0.5,
        }];
        let field = FireField::new(fires, &flat()).expect("on the terrain");
        assert!(field.at(99.9).is_empty(), "not burning before ignition");
        let start = field.at(100.0);
        assert_eq!(start.len(), 1);
        assert_eq!(start[0].radius_m, INITIAL_RADIUS_M);
        assert_eq!(start[0].smoke_top_agl_m, 0.0);
        assert!((start[0].ground.alt_amsl_m - 400.0).abs() < 1e-3);
        let hour = field.at(3700.0)[0];
        assert!((hour.radius_m - (INITIAL_RADIUS_M + 72.0)).abs() < 1e-9);
        assert!(
            (hour.smoke_top_agl_m - 60.0).abs() < 0.01,
            "plume fully risen"
        );
        let five_min = field.at(400.0)[0];
        assert!((five_min.smoke_top_agl_m - 60.0 * (1.0 - (-1f64).exp())).abs() < 1e-9);
        assert_eq!(hour.temperature_c, 450.0);
    }

    #[test]
    fn fires_off_the_terrain_or_twice_named_are_refused() {
        let fire = |id: &str, lat_deg: f64| Fire {
            id: id.into(),
            lat_deg,
            lon_deg: CENTRE.lon_deg,
            ignition_s: 0.0,
            spread_mps: 0.0,
            smoke_height_m: 0.0,
            intensity: 1.0,
        };
        let err = FireField::new(vec![fire("far", 37.0)], &flat()).expect_err("off the DEM");
        assert!(err.to_string().contains("fire far at 37.000000"), "{err}");
        let err = FireField::new(vec![fire("a", 36.6), fire("a", 36.601)], &flat())
            .expect_err("duplicate");
        assert!(matches!(err, FireError::DuplicateId { .. }));
    }

    #[test]
    fn truth_reads_back_as_the_same_fires() {
        let text = one(
            r#""id": "f2", "lat": 36.605, "lon": -84.205, "ignition_s": 1200, "spread_mps": 0.05, "smoke_height_m": 80, "intensity": 0.5"#,
        );
        let fires = parse_fires(&text, path()).expect("valid");
        let field = FireField::new(fires.clone(), &flat()).expect("placed");
        let truth = field.truth_json();
        assert!((truth["fires"][1]["ground_amsl_m"].as_f64().expect("number") - 400.0).abs() < 0.1);
        let again = parse_fires(&truth.to_string(), path()).expect("truth is a fire file");
        assert_eq!(again, fires);
    }

    /// Risk 0.9 in the eastern half of the cells, 0.1 in the western half.
    fn two_level_risk(t: &Terrain) -> RiskMap {
        let grid = CellGrid::covering(t, 250.0);
        let mut acc = Accumulator::new(&grid);
        for row in 0..grid.rows {
            for col in 0..grid.cols {
                let east = grid.center(col, row).east_m > 0.0;
                acc.add(row * grid.cols + col, if east { 0.9 } else { 0.1 });
            }
        }
        RiskMap::from_accumulator(t, grid, &acc)
    }

    #[test]
    fn random_ignitions_fall_mostly_in_high_risk_cells() {
        let t = flat();
        let risk = two_level_risk(&t);
        let high_risk: f64 = risk
            .cells()
            .iter()
            .filter(|c| c.risk > 0.5)
            .map(|c| c.risk)
            .sum();
        let expected = high_risk / risk.total_risk();
        let fires = random_ignitions(&t, &risk, 2000, 3600.0, 42).expect("ignitions");
        assert_eq!(fires.len(), 2000);
        let grid = risk.grid();
        let in_high = fires
            .iter()
            .filter(|f| {
                let e = t.geodetic_to_enu(Geodetic {
                    lat_deg: f.lat_deg,
                    lon_deg: f.lon_deg,
                    alt_amsl_m: 0.0,
                });
                let cell = grid.index_of(e.east_m, e.north_m).expect("inside the grid");
                risk.cells()
                    .iter()
                    .any(|c| c.row * grid.cols + c.col == cell && c.risk > 0.5)
            })
            .count() as f64
            / 2000.0;
        // Expected about 0.9 (same number of cells each side); the binomial sigma is 0.007.
        assert!(expected > 0.85, "expected share {expected}");
        assert!(
            (in_high - expected).abs() < 0.03,
            "high-risk share {in_high} vs {expected}"
        );
        assert!(fires.iter().all(|f| (0.0..3600.0).contains(&f.ignition_s)));
        assert!(fires.windows(2).all(|w| w[0].ignition_s <= w[1].ignition_s));
        assert_eq!(fires[0].id, "r1");
        let field = FireField::new(fires.clone(), &t).expect("all on the terrain");
        assert_eq!(field.len(), 2000);
        // Deterministic for a seed, different for another.
        assert_eq!(
            random_ignitions(&t, &risk, 2000, 3600.0, 42).expect("again"),
            fires
        );
        assert_ne!(
            random_ignitions(&t, &risk, 2000, 3600.0, 43).expect("other"),
            fires
        );
    }

    #[test]
    fn random_ignitions_need_risk_and_a_shift() {
        let t = flat();
        let grid = CellGrid::covering(&t, 250.0);
        let mut acc = Accumulator::new(&grid);
        for i in 0..grid.cols * grid.rows {
            acc.add(i, 0.0);
        }
        let none = RiskMap::from_accumulator(&t, grid, &acc);
        assert!(matches!(
            random_ignitions(&t, &none, 3, 3600.0, 1),
            Err(FireError::NoRisk)
        ));
        let err = random_ignitions(&t, &two_level_risk(&t), 3, 0.0, 1).expect_err("no shift");
        assert!(err.to_string().contains("shift_s = 0"));
    }
}
