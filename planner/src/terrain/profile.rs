//! The ground profile along a segment: what a leg flies over, for clearance checks.

use super::Terrain;
use crate::geodesy::enu::{Enu, Geodetic};

/// One sample of a ground profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileSample {
    /// Horizontal distance from the segment's start, metres.
    pub distance_m: f64,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Ground elevation above mean sea level, metres; `None` off the DEM.
    pub elevation_amsl_m: Option<f64>,
}

impl Terrain {
    /// Samples the ground from `from` to `to` (WGS 84, heights ignored) every `step_m` metres
    /// or closer, both ends included. A step below half a DEM pixel adds nothing, so it is
    /// raised to that.
    pub fn profile(&self, from: Geodetic, to: Geodetic, step_m: f64) -> Vec<ProfileSample> {
        let a = self.geodetic_to_enu(from);
        let b = self.geodetic_to_enu(to);
        let length_m = (b.east_m - a.east_m).hypot(b.north_m - a.north_m);
        let min_step = self.resolution_m.0.min(self.resolution_m.1) / 2.0;
        let step = if step_m.is_finite() && step_m > min_step {
            step_m
        } else {
            min_step
        };
        let n = ((length_m / step).ceil() as usize).max(1);
        (0..=n)
            .map(|i| {
                let t = i as f64 / n as f64;
                let p = self.enu_to_geodetic(Enu {
                    east_m: a.east_m + (b.east_m - a.east_m) * t,
                    north_m: a.north_m + (b.north_m - a.north_m) * t,
                    up_m: 0.0,
                });
                ProfileSample {
                    distance_m: length_m * t,
                    lat_deg: p.lat_deg,
                    lon_deg: p.lon_deg,
                    elevation_amsl_m: self.elevation_amsl_m(p.lat_deg, p.lon_deg),
                }
            })
            .collect()
    }
}
