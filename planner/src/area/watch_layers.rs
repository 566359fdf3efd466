//! The rest of the watch besides the drones: video towers whose cameras recognise smoke, and
//! under-canopy infrared alarms. Both are GeoJSON point layers of the area (`towers`,
//! `ir_alarms` in `[layers]`), validated like every other layer: every property is checked and
//! a bad one is named with its file and feature.
//!
//! Tower properties (units in the names; defaults after `=`):
//!
//! | property | meaning |
//! |---|---|
//! | `id` | unique name (required) |
//! | `mast_agl_m` | camera height above the ground, 0..300 (required) |
//! | `range_m` | how far the camera recognises smoke, above 0 and at most 50,000 (required) |
//! | `pan_min_deg`, `pan_max_deg` | the sector the camera sweeps, degrees clockwise from north, from min to max (may cross north); both or neither (= all round) |
//! | `recognition_delay_s` = 120 | from a column becoming visible to its report, 0..3600 |
//! | `detection_probability` = 0.9 | chance a visible column in range is recognised, above 0 and at most 1 |
//!
//! Infrared alarm properties: `id` (required), `radius_m` (above 0 and at most 5,000: the fire
//! it senses, required), `report_delay_s` = 60 (0..3600), `detection_probability` = 0.95.

use geo::Geometry;
use serde::Serialize;

use super::error::AreaError;
use super::vector::{VectorFeature, VectorLayer};
use crate::terrain::Terrain;

/// A video tower and its camera.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tower {
    /// Unique name.
    pub id: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Camera height above the ground, metres.
    pub mast_agl_m: f64,
    /// Range, metres.
    pub range_m: f64,
    /// The swept sector (min, max), degrees clockwise from north; `None` = all round.
    pub pan_deg: Option<(f64, f64)>,
    /// Seconds from a visible column to its report.
    pub recognition_delay_s: f64,
    /// Chance a visible column in range is recognised.
    pub detection_probability: f64,
}

/// An under-canopy infrared alarm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IrAlarm {
    /// Unique name.
    pub id: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Radius within which it senses a fire, metres.
    pub radius_m: f64,
    /// Seconds from ignition (in its radius) to its report.
    pub report_delay_s: f64,
    /// Chance it reports a fire in its radius.
    pub detection_probability: f64,
}

impl Tower {
    /// Whether the camera sweeps the bearing `bearing_deg` (clockwise from north).
    pub fn sweeps(&self, bearing_deg: f64) -> bool {
        match self.pan_deg {
            None => true,
            Some((min, max)) => {
                let b = bearing_deg.rem_euclid(360.0);
                if min <= max {
                    (min..=max).contains(&b)
                } else {
                    b >= min || b <= max
                }
            }
        }
    }
}

/// One checked property of a feature.
struct Props<'a> {
    layer: &'a VectorLayer,
    feature: &'a VectorFeature,
}

impl Props<'_> {
    /// An error naming the feature by its id (what the tower system and the alerts call it)
    /// and its name when it has one.
    fn err(&self, message: String) -> AreaError {
        let id = match self.feature.properties.get("id") {
            Some(serde_json::Value::String(s)) => Some(s.trim().to_string()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let label = match (id, &self.feature.name) {
            (Some(id), Some(name)) if id != *name => Some(format!("{id}, {name}")),
            (Some(id), _) => Some(id),
            (None, name) => name.clone(),
        };
        AreaError::Feature {
            path: self.layer.path.clone(),
            index: self.feature.index,
            name: label,
            message,
        }
    }

    /// A number within `range`; `default` when absent (`None`: required).
    fn number(
        &self,
        key: &str,
        default: Option<f64>,
        ok: impl Fn(f64) -> bool,
        expected: &str,
    ) -> Result<f64, AreaError> {
        match self.feature.number(key).map_err(|m| self.err(m))? {
            Some(v) if ok(v) => Ok(v),
            Some(v) => Err(self.err(format!("property '{key}' = {v}: expected {expected}"))),
            None => {
                default.ok_or_else(|| self.err(format!("property '{key}' is missing ({expected})")))
            }
        }
    }

    fn id(&self) -> Result<String, AreaError> {
        let id = match self.feature.properties.get("id") {
            Some(serde_json::Value::String(s)) => s.trim().to_string(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => self.feature.name.clone().unwrap_or_default(),
        };
        if id.is_empty() {
            return Err(self.err("needs an 'id' property (a unique name)".into()));
        }
        Ok(id)
    }

    fn only(&self, allowed: &[&str]) -> Result<(), AreaError> {
        for key in self.feature.properties.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(self.err(format!(
                    "unknown property '{key}' (valid: {})",
                    allowed.join(", ")
                )));
            }
        }
        Ok(())
    }

    fn point_on(&self, terrain: &Terrain, what: &str) -> Result<(f64, f64), AreaError> {
        let Geometry::Point(p) = &self.feature.geometry else {
            return Err(self.err(format!("a {what} must be a Point")));
        };
        let (lon, lat) = (p.x(), p.y());
        if terrain.elevation_amsl_m(lat, lon).is_none() {
            let e = terrain.extent();
            return Err(self.err(format!(
                "{what} at ({lon:.5}, {lat:.5}) is not on the DEM (lon {:.5}..{:.5}, lat {:.5}..{:.5})",
                e.west_deg, e.east_deg, e.south_deg, e.north_deg
            )));
        }
        Ok((lat, lon))
    }
}

const TOWER_KEYS: [&str; 8] = [
    "id",
    "name",
    "mast_agl_m",
    "range_m",
    "pan_min_deg",
    "pan_max_deg",
    "recognition_delay_s",
    "detection_probability",
];
const ALARM_KEYS: [&str; 5] = [
    "id",
    "name",
    "radius_m",
    "report_delay_s",
    "detection_probability",
];

/// Reads the `towers` layer: points on the DEM with unique ids and valid properties.
pub fn read_towers(layer: &VectorLayer, terrain: &Terrain) -> Result<Vec<Tower>, AreaError> {
    let mut towers: Vec<Tower> = Vec::new();
    for feature in &layer.features {
        let p = Props { layer, feature };
        p.only(&TOWER_KEYS)?;
        let id = p.id()?;
        if towers.iter().any(|t| t.id == id) {
            return Err(p.err(format!("a second tower with id '{id}'")));
        }
        let (lat_deg, lon_deg) = p.point_on(terrain, "tower")?;
        let deg = |v: f64| (0.0..=360.0).contains(&v);
        let pan_min = feature.number("pan_min_deg").map_err(|m| p.err(m))?;
        let pan_max = feature.number("pan_max_deg").map_err(|m| p.err(m))?;
        let pan_deg = match (pan_min, pan_max) {
            (None, None) => None,
            (Some(a), Some(b)) if deg(a) && deg(b) => Some((a, b)),
            (Some(_), Some(_)) => {
                return Err(p.err("pan_min_deg and pan_max_deg must be 0..360".into()));
            }
            _ => {
                return Err(p.err(
                    "pan_min_deg and pan_max_deg go together (leave both out for a camera that sweeps all round)".into(),
                ));
            }
        };
        towers.push(Tower {
            mast_agl_m: p.number(
                "mast_agl_m",
                None,
                |v| (0.0..=300.0).contains(&v),
                "0 to 300 metres above the ground",
            )?,
            range_m: p.number(
                "range_m",
                None,
                |v| v > 0.0 && v <= 50_000.0,
                "above 0 and at most 50,000 metres",
            )?,
            recognition_delay_s: p.number(
                "recognition_delay_s",
                Some(120.0),
                |v| (0.0..=3600.0).contains(&v),
                "0 to 3600 seconds",
            )?,
            detection_probability: p.number(
                "detection_probability",
                Some(0.9),
                |v| v > 0.0 && v <= 1.0,
                "above 0 and at most 1",
            )?,
            id,
            lat_deg,
            lon_deg,
            pan_deg,
        });
    }
    Ok(towers)
}

/// Reads the `ir_alarms` layer: points on the DEM with unique ids and valid properties.
pub fn read_ir_alarms(layer: &VectorLayer, terrain: &Terrain) -> Result<Vec<IrAlarm>, AreaError> {
    let mut alarms: Vec<IrAlarm> = Vec::new();
    for feature in &layer.features {
        let p = Props { layer, feature };
        p.only(&ALARM_KEYS)?;
        let id = p.id()?;
        if alarms.iter().any(|a| a.id == id) {
            return Err(p.err(format!("a second alarm with id '{id}'")));
        }
        let (lat_deg, lon_deg) = p.point_on(terrain, "alarm")?;
        alarms.push(IrAlarm {
            radius_m: p.number(
                "radius_m",
                None,
                |v| v > 0.0 && v <= 5000.0,
                "above 0 and at most 5,000 metres",
            )?,
            report_delay_s: p.number(
                "report_delay_s",
                Some(60.0),
                |v| (0.0..=3600.0).contains(&v),
                "0 to 3600 seconds",
            )?,
            detection_probability: p.number(
                "detection_probability",
                Some(0.95),
                |v| v > 0.0 && v <= 1.0,
                "above 0 and at most 1",
            )?,
            id,
            lat_deg,
            lon_deg,
        });
    }
    Ok(alarms)
}
