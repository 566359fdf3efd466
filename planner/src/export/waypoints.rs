//! A sortie's mission as a `.waypoints` file (`QGC WPL 110`), the plain-text format of Mission
//! Planner, MAVProxy and pymavlink's `mavwp`.
//!
//! The first line is `QGC WPL 110`; each further line is one item, 12 tab-separated columns:
//! index, current, frame, command, param1-4, latitude, longitude, altitude, autocontinue.
//! Row 0 is home: an ArduPilot mission's item 0 already is, and a PX4 mission (which has no home
//! item) gets one prepended from [`Mission::home`] (frame 0, command 16, altitude above mean sea
//! level). Missing params (`None`, "unchanged") are written as 0, as these readers expect
//! numbers. The format holds no fences or rally points.

use std::fmt::Write as _;
use std::path::Path;

use crate::area::fleet::Firmware;
use crate::export::{ExportError, is_ardupilot_home, write_file};
use crate::plan::model::{Mission, MissionItem, cmd, frame};

/// The first line of the file.
pub const HEADER: &str = "QGC WPL 110";

/// The rows of the file, home first, in upload order.
pub fn waypoint_rows(firmware: Firmware, mission: &Mission) -> Vec<MissionItem> {
    let has_home = mission
        .items
        .first()
        .is_some_and(|first| is_ardupilot_home(firmware, first));
    let mut rows = Vec::with_capacity(mission.items.len() + 1);
    if !has_home {
        let home = &mission.home;
        rows.push(MissionItem {
            seq: 0,
            frame: frame::GLOBAL_AMSL,
            command: cmd::WAYPOINT,
            current: true,
            autocontinue: true,
            params: [Some(0.0); 4],
            lat_deg: home.lat_deg,
            lon_deg: home.lon_deg,
            alt_m: home.alt_amsl_m,
        });
    }
    rows.extend_from_slice(&mission.items);
    rows
}

/// The text of the `.waypoints` file of `mission`, flown by a `firmware` autopilot. Rows are
/// numbered from 0 in file order; only row 0 is current. Latitude and longitude have 8
/// decimals (about 1 mm); other numbers are written in full.
pub fn waypoints_text(firmware: Firmware, mission: &Mission) -> String {
    let mut text = String::from(HEADER);
    text.push('\n');
    for (index, item) in waypoint_rows(firmware, mission).iter().enumerate() {
        let [p1, p2, p3, p4] = item.params.map(|p| number(p.unwrap_or(0.0)));
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "{index}\t{current}\t{frame}\t{command}\t{p1}\t{p2}\t{p3}\t{p4}\t{lat:.8}\t{lon:.8}\t{alt}\t{auto}",
            current = u8::from(index == 0),
            frame = item.frame,
            command = item.command,
            lat = finite_or_zero(item.lat_deg),
            lon = finite_or_zero(item.lon_deg),
            alt = number(item.alt_m),
            auto = u8::from(item.autocontinue),
        );
    }
    text
}

/// Writes [`waypoints_text`] to `path`.
pub fn write_waypoints(
    firmware: Firmware,
    mission: &Mission,
    path: &Path,
) -> Result<(), ExportError> {
    write_file(path, waypoints_text(firmware, mission).as_bytes())
}

/// The shortest decimal text that reads back as the same `f64` (no exponent); 0 for NaN and
/// infinities, which these readers do not all accept.
fn number(x: f64) -> String {
    format!("{}", finite_or_zero(x))
}

/// `x`, or 0 when it is not finite.
fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}
