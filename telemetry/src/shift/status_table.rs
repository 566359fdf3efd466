//! The live view: one row per drone with what a pilot glances at (mode, battery, height above
//! the ground, sortie and mission progress, link quality).

use patrol_planner::terrain::Terrain;

use crate::gcs::Snapshot;

use super::progress::DroneOutcome;
use super::render::hms;

/// The status table at shift time `shift_s`.
pub fn status_table(
    shift_s: f64,
    snap: &Snapshot,
    outcomes: &[DroneOutcome],
    terrain: Option<&Terrain>,
) -> String {
    let mut out = format!(
        "shift {}  {:<16} {:>4} {:<9} {:>5} {:>7} {:>8} {:>9} {:<12} {}\n",
        hms(shift_s),
        "drone",
        "sys",
        "mode",
        "batt",
        "agl m",
        "sortie",
        "item",
        "link",
        "phase"
    );
    for o in outcomes {
        let v = snap.find(o.system_id);
        let (mode, batt, agl, item, link) = match v {
            None => (
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
                "not heard".to_string(),
            ),
            Some(v) => {
                let mode = v.mode().to_string();
                let mode = if v.armed { format!("{mode}*") } else { mode };
                let agl = terrain
                    .and_then(|t| t.elevation_amsl_m(v.lat_deg, v.lon_deg))
                    .map_or_else(
                        || format!("{:.0}r", v.alt_rel_home_m),
                        |g| format!("{:.0}", v.alt_agl_m(g)),
                    );
                let link = if v.lost {
                    "LOST".to_string()
                } else {
                    format!("ok {:.0}% loss", v.seq.loss_ratio() * 100.0)
                };
                (
                    mode,
                    v.battery_pct.map_or("-".into(), |p| format!("{p}%")),
                    agl,
                    format!("{}/{}", v.mission_seq, v.mission_total),
                    link,
                )
            }
        };
        out.push_str(&format!(
            "               {:<16} {:>4} {:<9} {:>5} {:>7} {:>8} {:>9} {:<12} {}\n",
            o.drone_id,
            o.system_id,
            mode,
            batt,
            agl,
            format!("{}/{}", o.sortie, o.sorties),
            item,
            link,
            o.phase
        ));
    }
    out
}
