//! What goes up to a vehicle besides the mission: the geofence (no-fly zones as exclusion
//! polygons) and rally points (the bases), built from a plan.

use patrol_planner::export::qgc_plan::clockwise_open_ring;
use patrol_planner::plan::model::{MissionItem, Plan, frame};

/// MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION.
pub const FENCE_POLYGON_VERTEX_EXCLUSION: u16 = 5002;
/// MAV_CMD_NAV_RALLY_POINT.
pub const RALLY_POINT: u16 = 5100;

fn item(
    command: u16,
    frame: u8,
    params: [Option<f64>; 4],
    lat: f64,
    lon: f64,
    alt: f64,
) -> MissionItem {
    MissionItem {
        seq: 0,
        frame,
        command,
        current: false,
        autocontinue: true,
        params,
        lat_deg: lat,
        lon_deg: lon,
        alt_m: alt,
    }
}

/// Exclusion polygons of the no-fly zones that have no ceiling. Zones with a ceiling are left
/// out: the plan may legally overfly them, and a flat fence would make the autopilot breach.
pub fn fence_items(plan: &Plan) -> Vec<MissionItem> {
    let mut out = Vec::new();
    for zone in plan.no_fly.iter().filter(|z| z.ceiling_amsl_m.is_none()) {
        let ring = clockwise_open_ring(&zone.polygon);
        let n = ring.len() as f64;
        for [lon, lat] in ring {
            out.push(item(
                FENCE_POLYGON_VERTEX_EXCLUSION,
                frame::GLOBAL_AMSL,
                [Some(n), None, None, None],
                lat,
                lon,
                0.0,
            ));
        }
    }
    renumber(out)
}

/// Rally points at every base, `alt_agl_m` above the base's ground, expressed above home.
pub fn rally_items(plan: &Plan, home_alt_amsl_m: f64) -> Vec<MissionItem> {
    let out = plan
        .bases
        .iter()
        .map(|b| {
            let alt = plan.settings.alt_agl_m + b.alt_amsl_m - home_alt_amsl_m;
            item(
                RALLY_POINT,
                frame::RELATIVE_TO_HOME,
                [None; 4],
                b.lat_deg,
                b.lon_deg,
                alt,
            )
        })
        .collect();
    renumber(out)
}

fn renumber(mut items: Vec<MissionItem>) -> Vec<MissionItem> {
    for (i, it) in items.iter_mut().enumerate() {
        it.seq = i as u16;
    }
    items
}
