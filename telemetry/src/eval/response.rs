//! How soon a drone could be on scene after a fire's first report: the nearest free drone,
//! as the ground station's dispatcher picks it.
//!
//! A fire a drone found has that drone on scene when it is found. Otherwise, at the report,
//! every drone of the fleet is where its flights put it: in the air on its track, or on the
//! ground at its home base (drones without a sortie stand by there), in the shift's hours
//! only. From the air it flies straight to the fire at its dispatch speed; from the ground it
//! first arms and climbs to the patrol height. A drone sent to a fire is busy until it has
//! looked for [`VERIFY_S`]; the next report goes to the nearest drone still free. Battery
//! left and no-fly zones on the way are not modelled: the figure is the best case of where
//! the fleet is.

use patrol_planner::area::fleet::Drone;
use patrol_planner::geodesy::enu::Enu;

use super::track::Track;

/// From the order to leave the ground to the climb: arming, checks, take-off, seconds.
pub const ARM_S: f64 = 30.0;
/// Time a drone stays on scene to verify a fire, seconds.
pub const VERIFY_S: f64 = 300.0;

/// A drone that can be sent.
#[derive(Debug, Clone)]
pub struct Responder<'a> {
    /// The fleet's description of it.
    pub drone: &'a Drone,
    /// Its home base, local frame (up = the ground).
    pub base: Enu,
    /// Its flights in this strategy (none: it stands by at its base).
    pub track: Option<&'a Track>,
}

/// The dispatcher's state over one strategy's fires.
#[derive(Debug)]
pub struct Dispatcher<'a> {
    responders: Vec<Responder<'a>>,
    busy_until_s: Vec<f64>,
    alt_agl_m: f64,
    shift_s: f64,
}

impl<'a> Dispatcher<'a> {
    /// Drones `responders`, patrolling at `alt_agl_m`, on duty from 0 to `shift_s`.
    pub fn new(responders: Vec<Responder<'a>>, alt_agl_m: f64, shift_s: f64) -> Dispatcher<'a> {
        let n = responders.len();
        Dispatcher {
            responders,
            busy_until_s: vec![f64::MIN; n],
            alt_agl_m,
            shift_s,
        }
    }

    /// Sends the nearest free drone to a fire at `fire` reported at `report_s`: seconds from
    /// the report to the drone on scene, `None` when no drone is on duty and free.
    /// Call in the order of the reports.
    pub fn send(&mut self, fire: Enu, report_s: f64) -> Option<f64> {
        if report_s > self.shift_s {
            return None;
        }
        let mut best: Option<(f64, usize)> = None;
        for (i, r) in self.responders.iter().enumerate() {
            if self.busy_until_s[i] > report_s {
                continue;
            }
            let speed_mps = r.drone.max_speed_mps.max(r.drone.cruise_speed_mps);
            let (from, ready_s) = match r.track.and_then(|t| t.airborne_at(report_s)) {
                Some(at) => (at, 0.0),
                None => (
                    r.base,
                    ARM_S + self.alt_agl_m / r.drone.climb_rate_mps.max(0.1),
                ),
            };
            let d_m = (fire.east_m - from.east_m).hypot(fire.north_m - from.north_m);
            let s = ready_s + d_m / speed_mps;
            if best.is_none_or(|b| s < b.0) {
                best = Some((s, i));
            }
        }
        let (s, i) = best?;
        self.busy_until_s[i] = report_s + s + VERIFY_S;
        Some(s)
    }
}
