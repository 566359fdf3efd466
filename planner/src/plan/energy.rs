//! The energy model shared by the planner and the simulator: how long a drone's battery
//! lasts on a leg, given distance, climb and wind.
//!
//! A drone flies at its cruise airspeed; the wind changes its ground speed: with the wind at
//! angle θ to the track, `v_ground = sqrt(v_air² − (w sin θ)²) + w cos θ`, and a crosswind at
//! least as strong as the airspeed makes the leg impossible. A leg takes the longer of its
//! horizontal time and the time its climb or descent needs at the vertical rates. Battery
//! time is that flight time at cruise power plus the time spent climbing at the climb rate
//! (climbing draws roughly the power of cruise again on small aircraft); descents cost
//! nothing extra. The simulator drains its batteries by the same rule.

use crate::area::fleet::Drone;

/// The wind: where it blows from and how fast.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wind {
    /// Direction the wind comes from, degrees clockwise from north.
    pub from_deg: f64,
    /// Speed, metres per second.
    pub speed_mps: f64,
}

impl Wind {
    /// Calm air.
    pub const CALM: Wind = Wind {
        from_deg: 0.0,
        speed_mps: 0.0,
    };

    /// The wind vector (east, north) in metres per second (pointing where it blows to).
    pub fn vector_mps(&self) -> (f64, f64) {
        let to = (self.from_deg + 180.0).to_radians();
        (self.speed_mps * to.sin(), self.speed_mps * to.cos())
    }
}

/// Ground speed in metres per second along a track (east, north components, any length),
/// flying at `airspeed_mps` in `wind`; `None` when the wind makes the track impossible.
pub fn ground_speed_mps(
    track_east: f64,
    track_north: f64,
    airspeed_mps: f64,
    wind: Wind,
) -> Option<f64> {
    let len = track_east.hypot(track_north);
    if len == 0.0 {
        return Some(airspeed_mps);
    }
    let (ux, uy) = (track_east / len, track_north / len);
    let (wx, wy) = wind.vector_mps();
    let along = wx * ux + wy * uy;
    let cross = -wx * uy + wy * ux;
    let under = airspeed_mps * airspeed_mps - cross * cross;
    if under <= 0.0 {
        return None;
    }
    let v = under.sqrt() + along;
    (v > 0.5).then_some(v)
}

/// Battery time in seconds of a leg of (east, north) metres that changes height by `dz_m`
/// (up positive), at the drone's cruise speed; `None` when the wind forbids it.
///
/// The drone cannot climb or descend faster than its rates, so a steep leg takes as long as
/// its height change needs (it slows down horizontally, as an autopilot does to stay on the
/// line); climbing then costs its time again on top.
pub fn leg_time_s(drone: &Drone, east_m: f64, north_m: f64, dz_m: f64, wind: Wind) -> Option<f64> {
    let d = east_m.hypot(north_m);
    let v = ground_speed_mps(east_m, north_m, drone.cruise_speed_mps, wind)?;
    let climb_s = dz_m.max(0.0) / drone.climb_rate_mps;
    let descent_s = (-dz_m).max(0.0) / drone.descent_rate_mps;
    Some((d / v).max(climb_s).max(descent_s) + climb_s)
}

/// Seconds to take off and climb to `alt_agl_m`, and to descend and land from it.
pub fn takeoff_landing_s(drone: &Drone, alt_agl_m: f64) -> (f64, f64) {
    // Transition and settling add about ten seconds each way on real aircraft.
    (
        alt_agl_m / drone.climb_rate_mps + 10.0,
        alt_agl_m / drone.descent_rate_mps + 10.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wind_speeds_and_slows() {
        let west_wind = Wind {
            from_deg: 270.0,
            speed_mps: 5.0,
        }; // blows towards the east
        assert!((ground_speed_mps(1.0, 0.0, 12.0, west_wind).unwrap() - 17.0).abs() < 1e-9);
        assert!((ground_speed_mps(-1.0, 0.0, 12.0, west_wind).unwrap() - 7.0).abs() < 1e-9);
        let cross = ground_speed_mps(0.0, 1.0, 12.0, west_wind).unwrap();
        assert!((cross - (144.0f64 - 25.0).sqrt()).abs() < 1e-9);
        assert_eq!(
            ground_speed_mps(0.0, 1.0, 4.0, west_wind),
            None,
            "crosswind beats airspeed"
        );
        assert_eq!(ground_speed_mps(1.0, 0.0, 12.0, Wind::CALM), Some(12.0));
    }
}
