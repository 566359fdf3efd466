//! A drone's flight as `patrol eval` looks at it: the images its camera would take, one per
//! capture interval while it is in the air, each with its pose.
//!
//! A flight is given as timed points (a plan's sortie path, or a lawn-mower survey's), flown
//! straight between them at the speed their times say, heading along the leg as the simulated
//! autopilot does, level. The camera's pose is the simulated detector's own
//! ([`Detector::view_from`]), so that a prediction looks through the same camera as the demo.

use patrol_planner::area::fleet::Drone;
use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::geodesy::flat::{self, LonLat};
use patrol_planner::plan::energy::{Wind, ground_speed_mps};
use patrol_planner::plan::model::DronePlan;
use patrol_planner::terrain::Terrain;

use crate::detect::attitude::VehicleAttitude;
use crate::sim::detector::{Detector, View};

/// A point of a flight: where, and when (seconds from the shift's start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedPoint {
    /// Seconds from the shift's start.
    pub t_s: f64,
    /// Position; height in metres above mean sea level.
    pub at: Geodetic,
}

/// One image of a flight.
#[derive(Debug, Clone)]
pub struct Image {
    /// When it is taken, seconds from the shift's start.
    pub t_s: f64,
    /// Camera position in the terrain's local frame.
    pub enu: Enu,
    /// The camera's pose.
    pub view: View,
}

/// The images one drone takes over the shift, in time order, with the times it is in the air.
#[derive(Debug, Clone, Default)]
pub struct Track {
    /// The drone's index in the fleet's order of the evaluation.
    pub drone: usize,
    /// Every image, by time.
    pub images: Vec<Image>,
    /// Each sortie's take-off and landing, seconds from the shift's start, by time.
    pub sorties: Vec<(f64, f64)>,
}

impl Track {
    /// Images every `interval_s` along each flight of `flights` (each a list of timed points
    /// in time order), through `detector`'s camera.
    pub fn from_flights(
        drone: usize,
        flights: &[Vec<TimedPoint>],
        terrain: &Terrain,
        detector: &Detector,
        interval_s: f64,
    ) -> Track {
        let mut track = Track {
            drone,
            ..Track::default()
        };
        for flight in flights {
            let (Some(first), Some(last)) = (flight.first(), flight.last()) else {
                continue;
            };
            track.sorties.push((first.t_s, last.t_s));
            let enu: Vec<Enu> = flight
                .iter()
                .map(|p| terrain.geodetic_to_enu(p.at))
                .collect();
            let mut yaw_rad = 0.0;
            let mut leg = 0;
            let mut t_s = first.t_s;
            while t_s <= last.t_s {
                while leg + 1 < flight.len() - 1 && flight[leg + 1].t_s <= t_s {
                    leg += 1;
                }
                let (a, b) = if flight.len() > 1 {
                    (leg, leg + 1)
                } else {
                    (0, 0)
                };
                let span_s = flight[b].t_s - flight[a].t_s;
                let k = if span_s > 0.0 {
                    ((t_s - flight[a].t_s) / span_s).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let (de, dn) = (
                    enu[b].east_m - enu[a].east_m,
                    enu[b].north_m - enu[a].north_m,
                );
                // A climb or a descent over the base keeps the heading it had.
                if de.hypot(dn) > 1.0 {
                    yaw_rad = de.atan2(dn);
                }
                let here = Enu {
                    east_m: enu[a].east_m + k * de,
                    north_m: enu[a].north_m + k * dn,
                    up_m: enu[a].up_m + k * (enu[b].up_m - enu[a].up_m),
                };
                let attitude = VehicleAttitude {
                    roll_rad: 0.0,
                    pitch_rad: 0.0,
                    yaw_rad,
                };
                track.images.push(Image {
                    t_s,
                    enu: here,
                    view: detector.view_from(terrain.enu_to_geodetic(here), &attitude),
                });
                t_s += interval_s;
            }
        }
        track.images.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        track.sorties.sort_by(|a, b| a.0.total_cmp(&b.0));
        track
    }

    /// Where the drone is at `t_s` if it is in the air then: the camera's position of the
    /// last image taken by then.
    pub fn airborne_at(&self, t_s: f64) -> Option<Enu> {
        if !self.sorties.iter().any(|&(a, b)| a <= t_s && t_s <= b) {
            return None;
        }
        let i = self.images.partition_point(|im| im.t_s <= t_s);
        (i > 0).then(|| self.images[i - 1].enu)
    }
}

/// A plan's sorties for one drone as flights: each sortie's planned path, timed as the
/// simulated autopilot flies it from the sortie's take-off: each leg straight at the cruise
/// speed (with the wind), slowed where the climb or descent rate cannot keep up.
///
/// The plan's own times are not used: to budget the battery, the planner charges a climb's
/// time twice (the climb, then the extra power on top), so they run late by minutes over a
/// sortie over hills.
pub fn plan_flights(plan: &DronePlan, drone: &Drone, wind: Wind) -> Vec<Vec<TimedPoint>> {
    plan.sorties
        .iter()
        .map(|s| {
            let mut out: Vec<TimedPoint> = Vec::with_capacity(s.path.len());
            for p in &s.path {
                let at = Geodetic {
                    lat_deg: p.lat_deg,
                    lon_deg: p.lon_deg,
                    alt_amsl_m: p.alt_amsl_m,
                };
                let t_s = match out.last() {
                    None => s.start_s,
                    Some(prev) => {
                        let (east_m, north_m) = flat::offset_m(
                            LonLat::new(prev.at.lon_deg, prev.at.lat_deg),
                            LonLat::new(at.lon_deg, at.lat_deg),
                        );
                        let dz_m = at.alt_amsl_m - prev.at.alt_amsl_m;
                        let d_m = east_m.hypot(north_m);
                        let level_s = if d_m > 0.0 {
                            ground_speed_mps(east_m, north_m, drone.cruise_speed_mps, wind)
                                .map_or(d_m / drone.cruise_speed_mps, |v| d_m / v)
                        } else {
                            0.0
                        };
                        prev.t_s
                            + level_s
                                .max(dz_m.max(0.0) / drone.climb_rate_mps.max(0.1))
                                .max((-dz_m).max(0.0) / drone.descent_rate_mps.max(0.1))
                    }
                };
                out.push(TimedPoint { t_s, at });
            }
            out
        })
        .collect()
}
