//! From a horizontal route to a flyable mission: waypoints at a constant height above the
//! terrain, extra waypoints where the ground between two would break the clearance band, and
//! the mission items each autopilot expects (altitude frames, take-off, speed, camera, land).

use super::model::{Mission, MissionItem, PathPoint, cmd, frame};
use crate::area::fleet::{Airframe, Drone, Firmware};
use crate::geodesy::enu::{Enu, Geodetic};
use crate::terrain::Terrain;

/// Heights the planner keeps above the ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeightBand {
    /// Patrol height, metres above ground.
    pub alt_agl_m: f64,
    /// Lowest allowed height anywhere on a leg, metres above ground.
    pub min_agl_m: f64,
    /// Highest allowed height anywhere on a leg, metres above ground.
    pub ceiling_agl_m: f64,
}

/// A 3-D waypoint (altitude above mean sea level) with the ground below it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waypoint {
    /// Position in the local frame (up unused).
    pub enu: Enu,
    /// WGS 84 position.
    pub lat_deg: f64,
    /// WGS 84 position.
    pub lon_deg: f64,
    /// Planned altitude, metres above mean sea level.
    pub alt_amsl_m: f64,
    /// Ground elevation below, metres above mean sea level.
    pub ground_amsl_m: f64,
}

/// Places waypoints at the patrol height over the given local points, then adds waypoints
/// wherever the straight line between two would leave the height band. Points off the DEM
/// take the base's ground height.
pub fn waypoints_with_clearance(
    terrain: &Terrain,
    points: &[(f64, f64)],
    band: HeightBand,
    fallback_ground_m: f64,
) -> Vec<Waypoint> {
    let make = |e: f64, n: f64| {
        let g = terrain.enu_to_geodetic(Enu {
            east_m: e,
            north_m: n,
            up_m: 0.0,
        });
        let ground = terrain
            .elevation_amsl_m(g.lat_deg, g.lon_deg)
            .unwrap_or(fallback_ground_m);
        Waypoint {
            enu: Enu {
                east_m: e,
                north_m: n,
                up_m: 0.0,
            },
            lat_deg: g.lat_deg,
            lon_deg: g.lon_deg,
            alt_amsl_m: ground + band.alt_agl_m,
            ground_amsl_m: ground,
        }
    };
    let mut out: Vec<Waypoint> = Vec::new();
    for (i, &(e, n)) in points.iter().enumerate() {
        let wp = make(e, n);
        if i > 0 {
            let prev = out[out.len() - 1];
            refine(terrain, &make, prev, wp, band, 0, &mut out);
        }
        out.push(wp);
    }
    out
}

/// Adds the waypoints needed between `a` and `b` (exclusive) to `out`.
fn refine(
    terrain: &Terrain,
    make: &impl Fn(f64, f64) -> Waypoint,
    a: Waypoint,
    b: Waypoint,
    band: HeightBand,
    depth: u32,
    out: &mut Vec<Waypoint>,
) {
    if depth > 12 {
        return;
    }
    let ga = Geodetic {
        lat_deg: a.lat_deg,
        lon_deg: a.lon_deg,
        alt_amsl_m: 0.0,
    };
    let gb = Geodetic {
        lat_deg: b.lat_deg,
        lon_deg: b.lon_deg,
        alt_amsl_m: 0.0,
    };
    let profile = terrain.profile(ga, gb, 0.0);
    let length = profile.last().map_or(0.0, |s| s.distance_m);
    if length < 1.0 {
        return;
    }
    // The sample whose height above ground is furthest outside the band.
    let mut worst: Option<(f64, f64)> = None; // (violation, t)
    for s in &profile {
        let Some(ground) = s.elevation_amsl_m else {
            continue;
        };
        let t = s.distance_m / length;
        let line = a.alt_amsl_m + (b.alt_amsl_m - a.alt_amsl_m) * t;
        let agl = line - ground;
        let violation = (band.min_agl_m - agl).max(agl - band.ceiling_agl_m);
        if violation > 0.0 && worst.is_none_or(|w| violation > w.0) {
            worst = Some((violation, t));
        }
    }
    if let Some((_, t)) = worst {
        let mid = make(
            a.enu.east_m + (b.enu.east_m - a.enu.east_m) * t,
            a.enu.north_m + (b.enu.north_m - a.enu.north_m) * t,
        );
        refine(terrain, make, a, mid, band, depth + 1, out);
        out.push(mid);
        refine(terrain, make, mid, b, band, depth + 1, out);
    }
}

/// The mission for a sortie: `route` holds the waypoints from just after take-off to just
/// before landing; `home` is the base with its ground elevation.
pub fn build_mission(
    drone: &Drone,
    home: PathPoint,
    route: &[Waypoint],
    band: HeightBand,
) -> Mission {
    let ardupilot = drone.autopilot.firmware == Firmware::Ardupilot;
    let (wp_frame, alt_of): (u8, Box<dyn Fn(&Waypoint) -> f64>) =
        match (drone.autopilot.firmware, drone.autopilot.terrain_data) {
            (Firmware::Ardupilot, true) => (
                frame::TERRAIN,
                Box::new(move |w: &Waypoint| w.alt_amsl_m - w.ground_amsl_m),
            ),
            (Firmware::Ardupilot, false) => (
                frame::RELATIVE_TO_HOME,
                Box::new(move |w: &Waypoint| w.alt_amsl_m - home.alt_amsl_m),
            ),
            (Firmware::Px4, _) => (frame::GLOBAL_AMSL, Box::new(|w: &Waypoint| w.alt_amsl_m)),
        };
    let vtol = drone.airframe == Airframe::Vtol;
    let mut items = Vec::new();
    let mut push =
        |frame: u8, command: u16, params: [Option<f64>; 4], lat: f64, lon: f64, alt: f64| {
            items.push(MissionItem::new(frame, command, params, lat, lon, alt));
        };
    if ardupilot {
        // ArduPilot keeps home in item 0 and overwrites it on arming.
        push(
            frame::GLOBAL_AMSL,
            cmd::WAYPOINT,
            [Some(0.0); 4],
            home.lat_deg,
            home.lon_deg,
            home.alt_amsl_m,
        );
    }
    let takeoff_alt = match wp_frame {
        frame::GLOBAL_AMSL => home.alt_amsl_m + band.alt_agl_m,
        _ => band.alt_agl_m,
    };
    let takeoff = if vtol {
        cmd::VTOL_TAKEOFF
    } else {
        cmd::TAKEOFF
    };
    push(
        wp_frame,
        takeoff,
        [Some(0.0), Some(0.0), Some(0.0), None],
        home.lat_deg,
        home.lon_deg,
        takeoff_alt,
    );
    // Speed type 1 = ground speed; -1 throttle = unchanged.
    push(
        frame::MISSION,
        cmd::DO_CHANGE_SPEED,
        [
            Some(1.0),
            Some(drone.cruise_speed_mps),
            Some(-1.0),
            Some(0.0),
        ],
        0.0,
        0.0,
        0.0,
    );
    // Capture every 2 s: at patrol speeds consecutive frames overlap along the track.
    push(
        frame::MISSION,
        cmd::IMAGE_START_CAPTURE,
        [Some(0.0), Some(2.0), Some(0.0), Some(0.0)],
        0.0,
        0.0,
        0.0,
    );
    for w in route {
        push(
            wp_frame,
            cmd::WAYPOINT,
            [Some(0.0), Some(0.0), Some(0.0), None],
            w.lat_deg,
            w.lon_deg,
            alt_of(w),
        );
    }
    push(
        frame::MISSION,
        cmd::IMAGE_STOP_CAPTURE,
        [Some(0.0), Some(0.0), Some(0.0), Some(0.0)],
        0.0,
        0.0,
        0.0,
    );
    let land = if vtol { cmd::VTOL_LAND } else { cmd::LAND };
    let land_alt = if wp_frame == frame::GLOBAL_AMSL {
        home.alt_amsl_m
    } else {
        0.0
    };
    push(
        wp_frame,
        land,
        [Some(0.0), Some(0.0), Some(0.0), None],
        home.lat_deg,
        home.lon_deg,
        land_alt,
    );
    for (i, item) in items.iter_mut().enumerate() {
        item.seq = i as u16;
    }
    // The first item to fly is current: 1 after ArduPilot's home, else 0.
    let first = usize::from(ardupilot);
    if let Some(it) = items.get_mut(first) {
        it.current = true;
    }
    Mission {
        home,
        mav_type: match drone.airframe {
            Airframe::Multirotor => 2,
            Airframe::FixedWing => 1,
            Airframe::Vtol => 22, // MAV_TYPE_VTOL_FIXEDROTOR
        },
        cruise_speed_mps: drone.cruise_speed_mps,
        items,
    }
}
