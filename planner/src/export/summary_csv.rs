//! One row per sortie, for a spreadsheet or a briefing sheet: who flies when, from where, how
//! far and how much risk it patrols.
//!
//! Columns: `drone_id`, `sortie`, `base`, `start` and `end` (local clock time `HH:MM:SS`, see
//! [`ShiftClock`]), `flight_time_min`, `distance_km`, `battery_used_pct`, `cells` (number
//! patrolled), `risk_patrolled`, `mission_items` (number uploaded, home included for ArduPilot).

use std::io::Write;
use std::path::Path;

use crate::export::clock::ShiftClock;
use crate::export::{ExportError, write_file};
use crate::plan::model::Plan;

/// The header row.
pub const COLUMNS: [&str; 11] = [
    "drone_id",
    "sortie",
    "base",
    "start",
    "end",
    "flight_time_min",
    "distance_km",
    "battery_used_pct",
    "cells",
    "risk_patrolled",
    "mission_items",
];

/// The rows of the table, header excluded, as written: numbers rounded for reading (0.1 min,
/// 0.01 km, 0.1 %, risk to 4 decimals).
pub fn summary_rows(plan: &Plan) -> Vec<[String; 11]> {
    let clock = ShiftClock::new(&plan.shift.start_local);
    plan.drones
        .iter()
        .flat_map(|drone| drone.sorties.iter().map(move |s| (drone, s)))
        .map(|(drone, s)| {
            [
                drone.drone_id.clone(),
                s.id.clone(),
                s.base.clone(),
                clock.format(s.start_s),
                clock.format(s.end_s),
                format!("{:.1}", s.flight_time_s / 60.0),
                format!("{:.2}", s.distance_m / 1000.0),
                format!("{:.1}", s.battery_used * 100.0),
                s.cells.len().to_string(),
                format!("{:.4}", s.risk_patrolled),
                s.mission.items.len().to_string(),
            ]
        })
        .collect()
}

/// Writes the table (header and [`summary_rows`]) as CSV to `out`.
pub fn write_summary<W: Write>(plan: &Plan, out: W) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    for row in summary_rows(plan) {
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes the table to `path`.
pub fn write_summary_csv(plan: &Plan, path: &Path) -> Result<(), ExportError> {
    let mut bytes = Vec::new();
    write_summary(plan, &mut bytes).map_err(|source| ExportError::Csv {
        path: path.to_path_buf(),
        source,
    })?;
    write_file(path, &bytes)
}
