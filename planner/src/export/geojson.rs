//! The plan's routes and patrolled cells as GeoJSON (RFC 7946) for QGIS and GDAL.
//!
//! - `routes.geojson`: one `LineString` per sortie, positions `[lon, lat, alt AMSL]`.
//! - `cells.geojson`: one `Polygon` per patrolled cell, its square counter-clockwise (the
//!   RFC's right-hand rule).

use std::path::Path;

use serde_json::{Value, json};

use crate::export::cell_square::cell_ring;
use crate::export::{ExportError, write_file};
use crate::plan::model::Plan;

/// The routes of `plan`: a `FeatureCollection` with one `LineString` feature per sortie, with
/// properties `drone_id`, `sortie`, `start_s`, `end_s` (seconds from the shift's start),
/// `distance_m`, `flight_time_s` and `risk_patrolled`. A path of fewer than two points (not a
/// line) gets a `null` geometry.
pub fn routes_geojson(plan: &Plan) -> Value {
    let mut features = Vec::new();
    for drone in &plan.drones {
        for sortie in &drone.sorties {
            let positions: Vec<[f64; 3]> = sortie
                .path
                .iter()
                .map(|p| [p.lon_deg, p.lat_deg, p.alt_amsl_m])
                .collect();
            let geometry = if positions.len() >= 2 {
                json!({ "type": "LineString", "coordinates": positions })
            } else {
                Value::Null
            };
            features.push(json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "drone_id": drone.drone_id,
                    "sortie": sortie.id,
                    "start_s": sortie.start_s,
                    "end_s": sortie.end_s,
                    "distance_m": sortie.distance_m,
                    "flight_time_s": sortie.flight_time_s,
                    "risk_patrolled": sortie.risk_patrolled,
                },
            }));
        }
    }
    json!({ "type": "FeatureCollection", "features": features })
}

/// The patrolled cells of `plan`: a `FeatureCollection` with one `Polygon` feature per cell
/// (its square, `size_m` on a side), with properties `risk` (0..1), `class` (1..5), `visits_s`
/// (seconds from the shift's start) and `visited_by` (sortie ids, same order).
pub fn cells_geojson(plan: &Plan) -> Value {
    let features: Vec<Value> = plan
        .cells
        .iter()
        .map(|cell| {
            json!({
                "type": "Feature",
                "geometry": { "type": "Polygon", "coordinates": [cell_ring(cell)] },
                "properties": {
                    "risk": cell.risk,
                    "class": cell.class,
                    "visits_s": cell.visits_s,
                    "visited_by": cell.visited_by,
                },
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

/// Writes [`routes_geojson`] to `path`.
pub fn write_routes_geojson(plan: &Plan, path: &Path) -> Result<(), ExportError> {
    write_json(&routes_geojson(plan), path)
}

/// Writes [`cells_geojson`] to `path`.
pub fn write_cells_geojson(plan: &Plan, path: &Path) -> Result<(), ExportError> {
    write_json(&cells_geojson(plan), path)
}

/// Writes a JSON value compactly (these files can be large) with a final newline.
fn write_json(value: &Value, path: &Path) -> Result<(), ExportError> {
    let mut text = serde_json::to_vec(value).map_err(|e| ExportError::json(path, e))?;
    text.push(b'\n');
    write_file(path, &text)
}
