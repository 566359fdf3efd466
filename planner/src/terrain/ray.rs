//! The first intersection of a ray with the ground: where a camera pixel looks.
//!
//! The ray is marched in steps of a quarter DEM pixel, so that a ridge narrower than a pixel
//! cannot be jumped over even at grazing angles; the crossing is then refined by bisection.
//! Heights are compared in WGS 84 (each point converted from the local frame), so Earth's
//! curvature over kilometres of range is accounted for.

use super::Terrain;
use crate::geodesy::enu::{Enu, Geodetic};

/// Where a ray meets the ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RayHit {
    /// The ground point in the local frame.
    pub enu: Enu,
    /// The ground point in WGS 84 (height = ground elevation above mean sea level).
    pub geodetic: Geodetic,
    /// Distance along the ray from its origin, metres.
    pub range_m: f64,
}

impl Terrain {
    /// The first point where the ray from `origin` along `direction` (local frame; need not be
    /// unit length) meets the ground within `max_range_m`.
    ///
    /// Returns the origin itself (range 0) when it is already at or below the ground, and
    /// `None` when the ray leaves the DEM, climbs above its highest point, or runs out of
    /// range first.
    pub fn ray_ground_intersection(
        &self,
        origin: Enu,
        direction: Enu,
        max_range_m: f64,
    ) -> Option<RayHit> {
        let norm =
            (direction.east_m.powi(2) + direction.north_m.powi(2) + direction.up_m.powi(2)).sqrt();
        if !(norm > 0.0) || !norm.is_finite() || !(max_range_m >= 0.0) {
            return None;
        }
        let dir = Enu {
            east_m: direction.east_m / norm,
            north_m: direction.north_m / norm,
            up_m: direction.up_m / norm,
        };
        let at = |t: f64| Enu {
            east_m: origin.east_m + dir.east_m * t,
            north_m: origin.north_m + dir.north_m * t,
            up_m: origin.up_m + dir.up_m * t,
        };
        // Height above ground at range t; None off the DEM.
        let clearance = |t: f64| -> Option<(f64, Geodetic)> {
            let g = self.enu_to_geodetic(at(t));
            self.elevation_amsl_m(g.lat_deg, g.lon_deg)
                .map(|ground| (g.alt_amsl_m - ground, g))
        };
        let (c0, g0) = clearance(0.0)?;
        if c0 <= 0.0 {
            let ground = g0.alt_amsl_m - c0;
            return Some(self.hit(
                Geodetic {
                    alt_amsl_m: ground,
                    ..g0
                },
                0.0,
            ));
        }
        let step = (self.resolution_m.0.min(self.resolution_m.1) / 4.0).max(0.5);
        let max_ground = f64::from(self.elevation_range_m.1);
        let mut t_prev = 0.0;
        let mut t = 0.0;
        while t < max_range_m {
            t = (t + step).min(max_range_m);
            let (c, g) = clearance(t)?;
            if c <= 0.0 {
                return Some(self.refine(&clearance, t_prev, t, g));
            }
            // Climbing and already above every summit: it can never come down.
            if dir.up_m >= 0.0 && g.alt_amsl_m > max_ground {
                return None;
            }
            t_prev = t;
        }
        None
    }

    fn refine(
        &self,
        clearance: &impl Fn(f64) -> Option<(f64, Geodetic)>,
        mut above: f64,
        mut below: f64,
        mut below_point: Geodetic,
    ) -> RayHit {
        for _ in 0..40 {
            let mid = (above + below) / 2.0;
            match clearance(mid) {
                Some((c, g)) if c <= 0.0 => {
                    below = mid;
                    below_point = g;
                }
                Some(_) => above = mid,
                None => break,
            }
            if below - above < 1e-3 {
                break;
            }
        }
        let ground = self
            .elevation_amsl_m(below_point.lat_deg, below_point.lon_deg)
            .unwrap_or(below_point.alt_amsl_m);
        let g = Geodetic {
            alt_amsl_m: ground,
            ..below_point
        };
        self.hit(g, below)
    }

    fn hit(&self, g: Geodetic, range_m: f64) -> RayHit {
        RayHit {
            enu: self.geodetic_to_enu(g),
            geodetic: g,
            range_m,
        }
    }
}
