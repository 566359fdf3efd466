//! Alerts for maps and spreadsheets: a GeoJSON FeatureCollection (RFC 7946) and a CSV table.
//!
//! Both carry the same columns, one feature or row per alert:
//!
//! | column | meaning |
//! |---|---|
//! | `id`, `state`, `class` | the alert, its lifecycle state and what was seen |
//! | `confidence` | 0..=1 |
//! | `lat_deg`, `lon_deg` | WGS-84 degrees (in GeoJSON also the Point's coordinates, lon first) |
//! | `radius_m` | position uncertainty, metres |
//! | `danger_class` | the day's fire danger class at the place, 1..=5 |
//! | `nearest_base`, `nearest_base_distance_m` | the nearest patrol base and its distance, metres |
//! | `created` | when it was raised, RFC 3339 UTC |
//! | `acknowledged`, `acked_at` | whether and when it was first acknowledged |
//! | `dispatched_at`, `on_scene_at`, `verdict_at`, `resolved_at` | when it last entered each step |
//! | `alert_to_on_scene_s` | seconds from creation to somebody on scene |
//! | `evidence_count` | evidence rows behind it |
//!
//! Unknown values are `null` in GeoJSON and empty cells in CSV.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::model::format_utc;
use super::record::AlertSummary;

/// Why an export could not be written (names the file).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Creating or writing the file failed.
    #[error("{}: cannot write the export: {source}", path.display())]
    Io {
        /// The output file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The CSV writer failed.
    #[error("{}: cannot write the CSV: {source}", path.display())]
    Csv {
        /// The output file.
        path: PathBuf,
        /// The CSV error.
        source: csv::Error,
    },
}

/// The column names, in order (the CSV header; the GeoJSON property names).
pub const COLUMNS: [&str; 20] = [
    "id",
    "state",
    "class",
    "confidence",
    "lat_deg",
    "lon_deg",
    "radius_m",
    "danger_class",
    "nearest_base",
    "nearest_base_distance_m",
    "created",
    "created_at_unix_us",
    "acknowledged",
    "acked_at",
    "dispatched_at",
    "on_scene_at",
    "verdict_at",
    "resolved_at",
    "alert_to_on_scene_s",
    "evidence_count",
];

/// One alert's columns, in [`COLUMNS`] order, as JSON values (null when unknown).
fn columns(s: &AlertSummary) -> [Value; 20] {
    let a = &s.alert;
    let time = |t: Option<i64>| t.map_or(Value::Null, |t| Value::from(format_utc(t)));
    let number = |x: Option<f64>| x.filter(|x| x.is_finite()).map_or(Value::Null, Value::from);
    [
        Value::from(a.id.0),
        Value::from(a.state.as_str()),
        Value::from(a.class.as_str()),
        Value::from(a.confidence),
        Value::from(a.lat_deg),
        Value::from(a.lon_deg),
        Value::from(a.radius_m),
        Value::from(a.danger_class),
        a.nearest_base
            .as_ref()
            .map_or(Value::Null, |b| Value::from(b.name.as_str())),
        number(a.nearest_base.as_ref().map(|b| b.distance_m)),
        Value::from(format_utc(a.created_at_unix_us)),
        Value::from(a.created_at_unix_us),
        Value::from(a.acked_at_unix_us.is_some()),
        time(a.acked_at_unix_us),
        time(s.steps.dispatched_at_unix_us),
        time(s.steps.on_scene_at_unix_us),
        time(s.steps.verdict_at_unix_us),
        time(s.steps.resolved_at_unix_us),
        number(s.steps.alert_to_on_scene_s(a.created_at_unix_us)),
        Value::from(s.evidence_count),
    ]
}

/// The alerts as a GeoJSON FeatureCollection: one Point feature per alert, properties as in
/// [`COLUMNS`].
pub fn to_geojson(alerts: &[AlertSummary]) -> Value {
    let features = alerts
        .iter()
        .map(|s| {
            let properties: Map<String, Value> = COLUMNS
                .iter()
                .map(|c| c.to_string())
                .zip(columns(s))
                .collect();
            json!({
                "type": "Feature",
                "id": s.alert.id.0,
                "geometry": {
                    "type": "Point",
                    "coordinates": [s.alert.lon_deg, s.alert.lat_deg],
                },
                "properties": properties,
            })
        })
        .collect::<Vec<_>>();
    json!({ "type": "FeatureCollection", "features": features })
}

/// Writes [`to_geojson`] to `path`.
pub fn write_geojson(alerts: &[AlertSummary], path: &Path) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut out = BufWriter::new(File::create(path).map_err(io)?);
    serde_json::to_writer_pretty(&mut out, &to_geojson(alerts))
        .map_err(|e| io(std::io::Error::other(e)))?;
    out.write_all(b"\n").map_err(io)?;
    out.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)
}

/// Writes the alerts as CSV (header [`COLUMNS`], one row per alert) to `out`.
pub fn write_csv<W: Write>(alerts: &[AlertSummary], out: W) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    for s in alerts {
        writer.write_record(columns(s).iter().map(|v| match v {
            Value::Null => String::new(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }))?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes [`write_csv`] to the file `path`.
pub fn write_csv_file(alerts: &[AlertSummary], path: &Path) -> Result<(), ExportError> {
    let file = File::create(path).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    write_csv(alerts, BufWriter::new(&file)).map_err(|source| ExportError::Csv {
        path: path.to_path_buf(),
        source,
    })?;
    file.sync_all().map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::{AlertClass, AlertId, AlertState, NearestBase};
    use crate::alerts::record::{Alert, StepTimes};

    fn summary() -> AlertSummary {
        AlertSummary {
            alert: Alert {
                id: AlertId(7),
                incident_key: 99,
                state: AlertState::OnScene,
                created_at_unix_us: 1_784_034_300_000_000,
                updated_at_unix_us: 1_784_034_400_000_000,
                lat_deg: -41.25,
                lon_deg: 146.5,
                alt_amsl_m: None,
                radius_m: 120.0,
                class: AlertClass::Smoke,
                confidence: 0.75,
                danger_class: 4,
                nearest_base: Some(NearestBase {
                    name: "Ridge, north".into(),
                    distance_m: 3200.0,
                }),
                source: "tower-7".into(),
                acked_at_unix_us: None,
                acked_by: None,
            },
            evidence_count: 3,
            steps: StepTimes {
                dispatched_at_unix_us: Some(1_784_034_310_000_000),
                on_scene_at_unix_us: Some(1_784_034_400_000_000),
                verdict_at_unix_us: None,
                resolved_at_unix_us: None,
            },
        }
    }

    #[test]
    fn geojson_points_are_lon_lat_with_every_column() {
        let doc = to_geojson(&[summary()]);
        let feature = &doc["features"][0];
        assert_eq!(feature["geometry"]["coordinates"], json!([146.5, -41.25]));
        let p = &feature["properties"];
        assert_eq!(p.as_object().map(|o| o.len()), Some(COLUMNS.len()));
        assert_eq!(p["state"], "on-scene");
        assert_eq!(p["created"], "2026-07-14T13:05:00Z");
        assert_eq!(p["on_scene_at"], "2026-07-14T13:06:40Z");
        assert_eq!(p["alert_to_on_scene_s"], 100.0);
        assert_eq!(p["acknowledged"], false);
        assert_eq!(p["acked_at"], Value::Null);
        assert_eq!(p["evidence_count"], 3);
    }

    #[test]
    fn csv_quotes_commas_and_leaves_unknowns_empty() {
        let mut out = Vec::new();
        write_csv(&[summary()], &mut out).expect("csv");
        let text = String::from_utf8(out).expect("utf-8");
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
        let row = lines.next().expect("one row");
        assert!(row.starts_with("7,on-scene,smoke,0.75,-41.25,146.5,120.0,4,\"Ridge, north\",3200.0,2026-07-14T13:05:00Z,"), "{row}");
        assert!(
            row.ends_with(",false,,2026-07-14T13:05:10Z,2026-07-14T13:06:40Z,,,100.0,3"),
            "{row}"
        );
        assert_eq!(lines.next(), None);
    }
}
