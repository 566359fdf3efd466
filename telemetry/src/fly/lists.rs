//! What goes up to a vehicle besides the mission: the geofence (no-fly zones as exclusion
//! polygons) and rally points (the bases), built from a plan. The items are numbered by the
//! upload ([`crate::gcs::transfer::Transfer::upload`]).

use patrol_planner::export::qgc_plan::clockwise_open_ring;
use patrol_planner::plan::model::{MissionItem, Plan, frame};

/// MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION.
pub const FENCE_POLYGON_VERTEX_EXCLUSION: u16 = 5002;
/// MAV_CMD_NAV_RALLY_POINT.
pub const RALLY_POINT: u16 = 5100;

/// Exclusion polygons of the no-fly zones that have no ceiling. Zones with a ceiling are left
/// out: the plan may legally overfly them, and a flat fence would make the autopilot breach.
pub fn fence_items(plan: &Plan) -> Vec<MissionItem> {
    let mut out = Vec::new();
    for zone in plan.no_fly.iter().filter(|z| z.ceiling_amsl_m.is_none()) {
        let ring = clockwise_open_ring(&zone.polygon);
        let n = ring.len() as f64;
        for [lon, lat] in ring {
            out.push(MissionItem::new(
                frame::GLOBAL_AMSL,
                FENCE_POLYGON_VERTEX_EXCLUSION,
                [Some(n), None, None, None],
                lat,
                lon,
                0.0,
            ));
        }
    }
    out
}

/// Rally points at every base, `alt_agl_m` above the base's ground, expressed above home.
pub fn rally_items(plan: &Plan, home_alt_amsl_m: f64) -> Vec<MissionItem> {
    plan.bases
        .iter()
        .map(|b| {
            let alt = plan.settings.alt_agl_m + b.alt_amsl_m - home_alt_amsl_m;
            MissionItem::new(
                frame::RELATIVE_TO_HOME,
                RALLY_POINT,
                [None; 4],
                b.lat_deg,
                b.lon_deg,
                alt,
            )
        })
        .collect()
}
