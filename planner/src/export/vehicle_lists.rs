//! What a vehicle holds (its mission, geofence and rally points, as MAVLink mission items) as
//! files a pilot opens and loads elsewhere, and back: a QGroundControl `.plan` with all three
//! lists, a `.waypoints` (QGC WPL 110) with the mission.
//!
//! `patrol mission download` writes them from a vehicle; `patrol mission upload` reads either
//! (written by us, QGroundControl or Mission Planner) to put it on a vehicle. The layouts are
//! those of [`super::qgc_plan`] and [`super::waypoints`]; fences go both ways as polygons of
//! MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION/EXCLUSION items (param1 = vertex count) and
//! circles of MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION/EXCLUSION (param1 = radius), rally points as
//! MAV_CMD_NAV_RALLY_POINT at an altitude above home.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::qgc_plan::{
    FENCE_AND_RALLY_VERSION, FENCE_POLYGON_VERSION, FILE_TYPE, GROUND_STATION, MISSION_VERSION,
    PLAN_FILE_VERSION,
};
use super::waypoints::HEADER;
use crate::plan::model::{MissionItem, cmd, frame};

/// MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION.
pub const FENCE_VERTEX_INCLUSION: u16 = 5001;
/// MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION.
pub const FENCE_VERTEX_EXCLUSION: u16 = 5002;
/// MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION.
pub const FENCE_CIRCLE_INCLUSION: u16 = 5003;
/// MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION.
pub const FENCE_CIRCLE_EXCLUSION: u16 = 5004;
/// MAV_CMD_NAV_RALLY_POINT.
pub const RALLY_POINT: u16 = 5100;

/// A vehicle's three lists. The mission is without a home item: home is [`Self::home`]
/// (ArduPilot keeps it as mission item 0; PX4 does not).
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleLists {
    /// MAV_AUTOPILOT: 3 ArduPilot, 12 PX4 (0 when a `.waypoints` file does not say).
    pub autopilot: u8,
    /// MAV_TYPE (1 fixed wing, 2 quadrotor, ...; 0 unknown).
    pub mav_type: u8,
    /// Home: latitude, longitude (degrees), altitude above mean sea level (metres).
    pub home: [f64; 3],
    /// The mission items after home, in order.
    pub mission: Vec<MissionItem>,
    /// The geofence items.
    pub fence: Vec<MissionItem>,
    /// The rally point items.
    pub rally: Vec<MissionItem>,
}

/// A mission file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum MissionFileError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error, with line and column.
        source: serde_json::Error,
    },
    /// Something in the file is not what its format says.
    #[error("{}: {at}: {reason}", path.display())]
    Content {
        /// The file.
        path: PathBuf,
        /// Where: `line 4`, `mission.items[3]`, `geoFence.polygons[0]`...
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// Neither `.plan` nor `.waypoints`.
    #[error("{}: not a mission file (expected .plan or .waypoints)", path.display())]
    Kind {
        /// The file.
        path: PathBuf,
    },
}

fn item(
    frame: u8,
    command: u16,
    params: [Option<f64>; 4],
    lat: f64,
    lon: f64,
    alt: f64,
) -> MissionItem {
    MissionItem::new(frame, command, params, lat, lon, alt)
}

impl VehicleLists {
    /// The lists of a vehicle from its downloaded mission (`with_home_item`: item 0 is home, as
    /// ArduPilot keeps it), fence and rally points; `home` is used when the mission has no
    /// home item.
    pub fn from_downloaded(
        autopilot: u8,
        mav_type: u8,
        home: Option<[f64; 3]>,
        with_home_item: bool,
        mission: Vec<MissionItem>,
        fence: Vec<MissionItem>,
        rally: Vec<MissionItem>,
    ) -> VehicleLists {
        let (home, mission) = match (with_home_item, mission.split_first()) {
            (true, Some((h, rest))) => ([h.lat_deg, h.lon_deg, h.alt_m], rest.to_vec()),
            _ => (home.unwrap_or([0.0; 3]), mission),
        };
        VehicleLists {
            autopilot,
            mav_type,
            home,
            mission,
            fence,
            rally,
        }
    }

    /// The mission as it is uploaded: with home as item 0 when `with_home_item`.
    pub fn mission_to_upload(&self, with_home_item: bool) -> Vec<MissionItem> {
        let mut items = Vec::with_capacity(self.mission.len() + 1);
        if with_home_item {
            let [lat, lon, alt] = self.home;
            items.push(item(
                frame::GLOBAL_AMSL,
                cmd::WAYPOINT,
                [Some(0.0); 4],
                lat,
                lon,
                alt,
            ));
        }
        items.extend(self.mission.iter().cloned());
        for (i, it) in items.iter_mut().enumerate() {
            it.seq = i as u16;
        }
        items
    }

    /// The QGroundControl `.plan` document of the three lists.
    pub fn to_plan_json(&self) -> Value {
        let items: Vec<Value> = self
            .mission
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let [p1, p2, p3, p4] = it.params.map(num);
                json!({
                    "type": "SimpleItem",
                    "autoContinue": it.autocontinue,
                    "command": it.command,
                    "doJumpId": i + 1,
                    "frame": it.frame,
                    "params": [p1, p2, p3, p4, num(Some(it.lat_deg)), num(Some(it.lon_deg)), num(Some(it.alt_m))],
                })
            })
            .collect();
        let (mut polygons, mut circles) = (Vec::new(), Vec::new());
        let mut i = 0;
        while i < self.fence.len() {
            let f = &self.fence[i];
            match f.command {
                FENCE_VERTEX_INCLUSION | FENCE_VERTEX_EXCLUSION => {
                    let n = f.params[0].unwrap_or(0.0).max(1.0) as usize;
                    let vertices: Vec<[f64; 2]> = self.fence[i..(i + n).min(self.fence.len())]
                        .iter()
                        .map(|v| [v.lat_deg, v.lon_deg])
                        .collect();
                    polygons.push(json!({
                        "version": FENCE_POLYGON_VERSION,
                        "inclusion": f.command == FENCE_VERTEX_INCLUSION,
                        "polygon": vertices,
                    }));
                    i += n;
                }
                FENCE_CIRCLE_INCLUSION | FENCE_CIRCLE_EXCLUSION => {
                    circles.push(json!({
                        "version": 1,
                        "inclusion": f.command == FENCE_CIRCLE_INCLUSION,
                        "circle": {"center": [f.lat_deg, f.lon_deg], "radius": f.params[0].unwrap_or(0.0)},
                    }));
                    i += 1;
                }
                _ => i += 1,
            }
        }
        let points: Vec<Value> = self
            .rally
            .iter()
            .map(|r| json!([r.lat_deg, r.lon_deg, r.alt_m]))
            .collect();
        json!({
            "fileType": FILE_TYPE,
            "version": PLAN_FILE_VERSION,
            "groundStation": GROUND_STATION,
            "mission": {
                "version": MISSION_VERSION,
                "firmwareType": self.autopilot,
                "vehicleType": self.mav_type,
                "cruiseSpeed": 0,
                "hoverSpeed": 0,
                "plannedHomePosition": self.home,
                "items": items,
            },
            "geoFence": {"version": FENCE_AND_RALLY_VERSION, "circles": circles, "polygons": polygons},
            "rallyPoints": {"version": FENCE_AND_RALLY_VERSION, "points": points},
        })
    }

    /// The `.waypoints` text of the mission: row 0 home, then the items.
    pub fn to_waypoints_text(&self) -> String {
        let mut text = format!("{HEADER}\n");
        for (i, it) in self.mission_to_upload(true).iter().enumerate() {
            let [p1, p2, p3, p4] = it.params.map(|p| fin(p.unwrap_or(0.0)));
            text.push_str(&format!(
                "{i}\t{}\t{}\t{}\t{p1}\t{p2}\t{p3}\t{p4}\t{:.8}\t{:.8}\t{}\t{}\n",
                u8::from(i == 0),
                it.frame,
                it.command,
                fin(it.lat_deg),
                fin(it.lon_deg),
                fin(it.alt_m),
                u8::from(it.autocontinue)
            ));
        }
        text
    }

    /// Reads a `.plan` or a `.waypoints` file (by its extension).
    pub fn read(path: &Path) -> Result<VehicleLists, MissionFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| MissionFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        match path.extension().and_then(|e| e.to_str()) {
            Some("plan") => parse_plan(&text, path),
            Some("waypoints") | Some("txt") => parse_waypoints(&text, path),
            _ => Err(MissionFileError::Kind {
                path: path.to_path_buf(),
            }),
        }
    }
}

fn num(x: Option<f64>) -> Value {
    match x {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

fn fin(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// Parses `.waypoints` text: `QGC WPL 110`, then rows of 12 tab- (or space-) separated
/// columns; row 0 is home.
pub fn parse_waypoints(text: &str, path: &Path) -> Result<VehicleLists, MissionFileError> {
    let bad = |line: usize, reason: String| MissionFileError::Content {
        path: path.to_path_buf(),
        at: format!("line {line}"),
        reason,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, l)) if l.trim() == HEADER => {}
        Some((i, l)) => {
            return Err(bad(
                i + 1,
                format!("expected `{HEADER}`, found `{}`", l.trim()),
            ));
        }
        None => return Err(bad(1, "the file is empty".into())),
    }
    let mut rows = Vec::new();
    for (i, line) in lines {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() != 12 {
            return Err(bad(i + 1, format!("{} columns, expected 12", cols.len())));
        }
        let f = |k: usize, name: &str| -> Result<f64, MissionFileError> {
            cols[k]
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(i + 1, format!("{name} `{}` is not a number", cols[k])))
        };
        let int = |k: usize, name: &str, max: f64| -> Result<f64, MissionFileError> {
            let v = f(k, name)?;
            if v < 0.0 || v > max || v.fract() != 0.0 {
                return Err(bad(
                    i + 1,
                    format!("{name} `{}` is not a whole number 0..{max}", cols[k]),
                ));
            }
            Ok(v)
        };
        let lat = f(8, "latitude")?;
        let lon = f(9, "longitude")?;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(bad(i + 1, format!("position {lat}, {lon} is not on Earth")));
        }
        let mut it = item(
            int(2, "frame", 255.0)? as u8,
            int(3, "command", 65535.0)? as u16,
            [
                Some(f(4, "param1")?),
                Some(f(5, "param2")?),
                Some(f(6, "param3")?),
                Some(f(7, "param4")?),
            ],
            lat,
            lon,
            f(10, "altitude")?,
        );
        it.autocontinue = int(11, "autocontinue", 1.0)? == 1.0;
        rows.push(it);
    }
    let Some((home, mission)) = rows.split_first() else {
        return Err(bad(2, "no home row".into()));
    };
    Ok(VehicleLists {
        autopilot: 0,
        mav_type: 0,
        home: [home.lat_deg, home.lon_deg, home.alt_m],
        mission: mission.to_vec(),
        fence: Vec::new(),
        rally: Vec::new(),
    })
}

/// Parses a QGroundControl `.plan` document: simple items only (a survey or other complex
/// item is named and refused: QGroundControl expands those itself when it uploads).
pub fn parse_plan(text: &str, path: &Path) -> Result<VehicleLists, MissionFileError> {
    let doc: Value = serde_json::from_str(text).map_err(|source| MissionFileError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |at: String, reason: &str| MissionFileError::Content {
        path: path.to_path_buf(),
        at,
        reason: reason.to_string(),
    };
    if doc["fileType"] != FILE_TYPE {
        return Err(bad("fileType".into(), "is not \"Plan\""));
    }
    let mission = &doc["mission"];
    let home = mission["plannedHomePosition"]
        .as_array()
        .filter(|a| a.len() == 3)
        .and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?, a[2].as_f64()?]))
        .ok_or_else(|| {
            bad(
                "mission.plannedHomePosition".into(),
                "expected [lat, lon, alt]",
            )
        })?;
    let mut items = Vec::new();
    for (i, v) in mission["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let at = || format!("mission.items[{i}]");
        if v["type"] != "SimpleItem" {
            return Err(bad(
                at(),
                "is not a SimpleItem (complex items such as surveys are expanded by QGroundControl when it uploads; upload this file from QGroundControl, or save it expanded)",
            ));
        }
        let params = v["params"]
            .as_array()
            .filter(|p| p.len() == 7)
            .ok_or_else(|| bad(at(), "params: expected 7 numbers or nulls"))?;
        let p = |k: usize| params[k].as_f64();
        let command = v["command"]
            .as_u64()
            .and_then(|c| u16::try_from(c).ok())
            .ok_or_else(|| bad(at(), "command: expected a MAV_CMD number"))?;
        let frame = v["frame"]
            .as_u64()
            .and_then(|c| u8::try_from(c).ok())
            .ok_or_else(|| bad(at(), "frame: expected a MAV_FRAME number"))?;
        let mut it = item(
            frame,
            command,
            [p(0), p(1), p(2), p(3)],
            p(4).unwrap_or(0.0),
            p(5).unwrap_or(0.0),
            p(6).unwrap_or(0.0),
        );
        it.autocontinue = v["autoContinue"].as_bool().unwrap_or(true);
        items.push(it);
    }
    let mut fence = Vec::new();
    let fences = &doc["geoFence"];
    for (i, poly) in fences["polygons"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let at = format!("geoFence.polygons[{i}]");
        let vertices = poly["polygon"]
            .as_array()
            .filter(|v| v.len() >= 3)
            .ok_or_else(|| {
                bad(
                    at.clone(),
                    "polygon: expected at least 3 [lat, lon] vertices",
                )
            })?;
        let command = if poly["inclusion"].as_bool().unwrap_or(true) {
            FENCE_VERTEX_INCLUSION
        } else {
            FENCE_VERTEX_EXCLUSION
        };
        for v in vertices {
            let (lat, lon) = v
                .as_array()
                .and_then(|v| Some((v.first()?.as_f64()?, v.get(1)?.as_f64()?)))
                .ok_or_else(|| bad(at.clone(), "a vertex is not [lat, lon]"))?;
            fence.push(item(
                frame::GLOBAL_AMSL,
                command,
                [Some(vertices.len() as f64), None, None, None],
                lat,
                lon,
                0.0,
            ));
        }
    }
    for (i, c) in fences["circles"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let at = format!("geoFence.circles[{i}]");
        let centre = &c["circle"]["center"];
        let (lat, lon, radius) = (
            centre[0].as_f64(),
            centre[1].as_f64(),
            c["circle"]["radius"].as_f64(),
        );
        let (Some(lat), Some(lon), Some(radius)) = (lat, lon, radius) else {
            return Err(bad(
                at,
                "expected circle.center [lat, lon] and circle.radius",
            ));
        };
        let command = if c["inclusion"].as_bool().unwrap_or(true) {
            FENCE_CIRCLE_INCLUSION
        } else {
            FENCE_CIRCLE_EXCLUSION
        };
        fence.push(item(
            frame::GLOBAL_AMSL,
            command,
            [Some(radius), None, None, None],
            lat,
            lon,
            0.0,
        ));
    }
    let mut rally = Vec::new();
    for (i, pt) in doc["rallyPoints"]["points"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let p = pt
            .as_array()
            .filter(|p| p.len() == 3)
            .and_then(|p| Some([p[0].as_f64()?, p[1].as_f64()?, p[2].as_f64()?]))
            .ok_or_else(|| {
                bad(
                    format!("rallyPoints.points[{i}]"),
                    "expected [lat, lon, alt]",
                )
            })?;
        rally.push(item(
            frame::RELATIVE_TO_HOME,
            RALLY_POINT,
            [None; 4],
            p[0],
            p[1],
            p[2],
        ));
    }
    Ok(VehicleLists {
        autopilot: mission["firmwareType"]
            .as_u64()
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0),
        mav_type: mission["vehicleType"]
            .as_u64()
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0),
        home,
        mission: items,
        fence,
        rally,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists() -> VehicleLists {
        let wp = |i: f64| {
            item(
                frame::RELATIVE_TO_HOME,
                cmd::WAYPOINT,
                [Some(0.0), None, Some(0.0), None],
                36.6 + i * 1e-3,
                -84.2,
                100.0,
            )
        };
        VehicleLists {
            autopilot: 3,
            mav_type: 2,
            home: [36.59, -84.21, 412.5],
            mission: vec![
                item(
                    frame::RELATIVE_TO_HOME,
                    cmd::TAKEOFF,
                    [Some(0.0); 4],
                    36.59,
                    -84.21,
                    100.0,
                ),
                wp(1.0),
                wp(2.0),
                item(
                    frame::RELATIVE_TO_HOME,
                    cmd::RETURN_TO_LAUNCH,
                    [Some(0.0); 4],
                    0.0,
                    0.0,
                    0.0,
                ),
            ],
            fence: (0..4)
                .map(|k| {
                    let (dlat, dlon) = [(0.0, 0.0), (0.01, 0.0), (0.01, 0.01), (0.0, 0.01)][k];
                    item(
                        frame::GLOBAL_AMSL,
                        FENCE_VERTEX_EXCLUSION,
                        [Some(4.0), None, None, None],
                        36.62 + dlat,
                        -84.18 + dlon,
                        0.0,
                    )
                })
                .chain([item(
                    frame::GLOBAL_AMSL,
                    FENCE_CIRCLE_EXCLUSION,
                    [Some(250.0), None, None, None],
                    36.65,
                    -84.15,
                    0.0,
                )])
                .collect(),
            rally: vec![item(
                frame::RELATIVE_TO_HOME,
                RALLY_POINT,
                [None; 4],
                36.59,
                -84.21,
                100.0,
            )],
        }
    }

    #[test]
    fn a_plan_file_round_trips() {
        let l = lists();
        let text = serde_json::to_string_pretty(&l.to_plan_json()).expect("json");
        let back = parse_plan(&text, Path::new("v.plan")).expect("reads back");
        assert_eq!(back.home, l.home);
        assert_eq!((back.autopilot, back.mav_type), (3, 2));
        assert_eq!(back.mission.len(), l.mission.len());
        for (a, b) in back.mission.iter().zip(&l.mission) {
            assert_eq!(
                (a.command, a.frame, a.lat_deg, a.lon_deg, a.alt_m, a.params),
                (b.command, b.frame, b.lat_deg, b.lon_deg, b.alt_m, b.params)
            );
        }
        assert_eq!(back.fence.len(), 5);
        assert_eq!(back.fence[4].command, FENCE_CIRCLE_EXCLUSION);
        assert_eq!(back.fence[4].params[0], Some(250.0));
        assert_eq!(back.rally.len(), 1);
    }

    #[test]
    fn a_waypoints_file_round_trips_with_home_first() {
        let l = lists();
        let text = l.to_waypoints_text();
        assert!(text.starts_with("QGC WPL 110\n0\t1\t0\t16\t"), "{text}");
        let back = parse_waypoints(&text, Path::new("v.waypoints")).expect("reads back");
        assert_eq!(back.home, l.home);
        assert_eq!(back.mission.len(), 4);
        assert_eq!(back.mission[1].lat_deg, 36.601);
        // Upload forms: ArduPilot gets home as item 0, PX4 does not.
        assert_eq!(back.mission_to_upload(true).len(), 5);
        assert_eq!(back.mission_to_upload(true)[1].seq, 1);
        assert_eq!(back.mission_to_upload(false).len(), 4);
    }

    #[test]
    fn bad_files_are_named_by_line_or_item() {
        let p = Path::new("v.waypoints");
        let err = parse_waypoints(
            "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.6\t-84.2\t400\n",
            p,
        )
        .expect_err("11 columns");
        assert_eq!(
            err.to_string(),
            "v.waypoints: line 2: 11 columns, expected 12"
        );
        let err = parse_waypoints(
            "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t96.6\t-84.2\t400\t1\n",
            p,
        )
        .expect_err("off Earth");
        assert!(err.to_string().contains("line 2: position 96.6"), "{err}");
        let err = parse_waypoints("QGC WPL 120\n", p).expect_err("header");
        assert!(
            err.to_string().contains("line 1: expected `QGC WPL 110`"),
            "{err}"
        );
        let mut doc = lists().to_plan_json();
        doc["mission"]["items"][1]["type"] = json!("ComplexItem");
        let err = parse_plan(&doc.to_string(), Path::new("v.plan")).expect_err("complex");
        assert!(
            err.to_string()
                .starts_with("v.plan: mission.items[1]: is not a SimpleItem"),
            "{err}"
        );
    }
}
