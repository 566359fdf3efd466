//! A sortie's mission as a QGroundControl `.plan` file (JSON), with the plan's no-fly zones as
//! keep-out geofence polygons and its bases as rally points.
//!
//! The layout follows QGroundControl's plan file documentation and its loader
//! (`MissionController::_loadJsonMissionFileV2`, `MissionItem::load`, `QGCFencePolygon`,
//! `RallyPointController`):
//!
//! - Home is `mission.plannedHomePosition` `[lat, lon, alt AMSL]`, never an item: an ArduPilot
//!   mission's item 0 (home) is left out of `items`, and QGroundControl puts home back as
//!   item 0 when it uploads.
//! - Items are `SimpleItem`s with exactly 7 `params` (param1-4, then lat, lon, alt; `null` =
//!   NaN = "unchanged") and `doJumpId` from 1. `AltitudeMode`/`Altitude`/`AMSLAltAboveTerrain`
//!   are left out, so each item's `frame` alone carries its altitude reference.
//! - `globalPlanAltitudeMode` is left out: it is optional, and without it QGroundControl takes
//!   the altitude frame of each item as it is ("mixed").
//! - Fence polygons are `[lat, lon]` vertices in clockwise order without a repeated closing
//!   vertex, as QGroundControl writes them. The zones' ceilings are not carried: QGroundControl
//!   fence polygons have no altitude.
//! - Rally points are `[lat, lon, alt above home]`.

use std::path::Path;

use serde_json::{Value, json};

use crate::area::fleet::Firmware;
use crate::export::{ExportError, items_after_home, write_file};
use crate::plan::model::{Mission, MissionItem, Plan, PlannedBase, PlannedZone};

/// `fileType` of a plan file.
pub const FILE_TYPE: &str = "Plan";
/// `version` of the plan file.
pub const PLAN_FILE_VERSION: u32 = 1;
/// `mission.version`.
pub const MISSION_VERSION: u32 = 2;
/// `geoFence.version` and `rallyPoints.version`.
pub const FENCE_AND_RALLY_VERSION: u32 = 2;
/// `version` of one fence polygon.
pub const FENCE_POLYGON_VERSION: u32 = 1;
/// `groundStation`: who wrote the file.
pub const GROUND_STATION: &str = "forest-patrol";

/// MAV_AUTOPILOT of a firmware, QGroundControl's `firmwareType`: 3 ArduPilot, 12 PX4.
pub fn mav_autopilot(firmware: Firmware) -> u8 {
    match firmware {
        Firmware::Ardupilot => 3,
        Firmware::Px4 => 12,
    }
}

/// The `.plan` document of one sortie's `mission`, flown by a `firmware` autopilot, with the
/// no-fly zones and bases of `plan`.
pub fn qgc_plan(plan: &Plan, firmware: Firmware, mission: &Mission) -> Value {
    let items: Vec<Value> = items_after_home(firmware, mission)
        .iter()
        .enumerate()
        .map(|(i, item)| simple_item(item, i + 1))
        .collect();
    let home = &mission.home;
    let polygons: Vec<Value> = plan.no_fly.iter().map(fence_polygon).collect();
    let rally_points: Vec<Value> = plan
        .bases
        .iter()
        .map(|b| rally_point(b, plan.settings.alt_agl_m, home.alt_amsl_m))
        .collect();
    json!({
        "fileType": FILE_TYPE,
        "version": PLAN_FILE_VERSION,
        "groundStation": GROUND_STATION,
        "mission": {
            "version": MISSION_VERSION,
            "firmwareType": mav_autopilot(firmware),
            "vehicleType": mission.mav_type,
            "cruiseSpeed": mission.cruise_speed_mps,
            "hoverSpeed": mission.cruise_speed_mps,
            "plannedHomePosition": [home.lat_deg, home.lon_deg, home.alt_amsl_m],
            "items": items,
        },
        "geoFence": {
            "version": FENCE_AND_RALLY_VERSION,
            "circles": [],
            "polygons": polygons,
        },
        "rallyPoints": {
            "version": FENCE_AND_RALLY_VERSION,
            "points": rally_points,
        },
    })
}

/// Writes [`qgc_plan`] to `path`, pretty-printed.
pub fn write_qgc_plan(
    plan: &Plan,
    firmware: Firmware,
    mission: &Mission,
    path: &Path,
) -> Result<(), ExportError> {
    let doc = qgc_plan(plan, firmware, mission);
    let mut text = serde_json::to_vec_pretty(&doc).map_err(|e| ExportError::json(path, e))?;
    text.push(b'\n');
    write_file(path, &text)
}

/// One mission item as a `SimpleItem`; `do_jump_id` counts from 1.
fn simple_item(item: &MissionItem, do_jump_id: usize) -> Value {
    let [p1, p2, p3, p4] = item.params.map(number_or_null);
    json!({
        "type": "SimpleItem",
        "autoContinue": item.autocontinue,
        "command": item.command,
        "doJumpId": do_jump_id,
        "frame": item.frame,
        "params": [
            p1,
            p2,
            p3,
            p4,
            number_or_null(Some(item.lat_deg)),
            number_or_null(Some(item.lon_deg)),
            number_or_null(Some(item.alt_m)),
        ],
    })
}

/// A JSON number, or `null` for `None` and for NaN (QGroundControl reads `null` as NaN).
fn number_or_null(x: Option<f64>) -> Value {
    match x {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

/// A no-fly zone as an exclusion fence polygon.
fn fence_polygon(zone: &PlannedZone) -> Value {
    let vertices: Vec<[f64; 2]> = clockwise_open_ring(&zone.polygon)
        .into_iter()
        .map(|[lon, lat]| [lat, lon])
        .collect();
    json!({
        "version": FENCE_POLYGON_VERSION,
        "inclusion": false,
        "polygon": vertices,
    })
}

/// The vertices of a `[lon, lat]` ring without the closing repeat, turned clockwise (seen from
/// above, north up) if they were counter-clockwise: the order QGroundControl keeps fences in.
pub fn clockwise_open_ring(ring: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut vertices = ring.to_vec();
    if vertices.len() > 1 && vertices.first() == vertices.last() {
        vertices.pop();
    }
    // Twice the signed area with x = lon, y = lat, negated: positive when clockwise. This is
    // the test QGroundControl applies to polygons it imports from KML.
    let n = vertices.len();
    let clockwise_sum: f64 = (0..n)
        .map(|i| {
            let [x1, y1] = vertices[i];
            let [x2, y2] = vertices[(i + 1) % n];
            (x2 - x1) * (y2 + y1)
        })
        .sum();
    if clockwise_sum < 0.0 {
        vertices.reverse();
    }
    vertices
}

/// A base as a rally point at patrol height above its ground, expressed above home.
fn rally_point(base: &PlannedBase, alt_agl_m: f64, home_alt_amsl_m: f64) -> Value {
    let alt_above_home_m = alt_agl_m + base.alt_amsl_m - home_alt_amsl_m;
    json!([base.lat_deg, base.lon_deg, alt_above_home_m])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_lose_their_closing_vertex_and_turn_clockwise() {
        // Counter-clockwise unit square, closed.
        let ccw = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]];
        assert_eq!(
            clockwise_open_ring(&ccw),
            vec![[0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
        );
        let cw = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]];
        assert_eq!(clockwise_open_ring(&cw), cw.to_vec());
    }

    #[test]
    fn missing_and_nan_params_are_null() {
        assert_eq!(number_or_null(None), Value::Null);
        assert_eq!(number_or_null(Some(f64::NAN)), Value::Null);
        assert_eq!(number_or_null(Some(2.5)), json!(2.5));
    }
}
