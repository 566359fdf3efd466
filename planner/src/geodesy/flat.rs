//! The local flat-earth approximation: short horizontal distances and offsets between
//! positions given in degrees, for the places where a full local frame ([`super::enu`]) is more
//! than the question needs (how far a drone is from a scene, a sensor's position noise, a
//! track's speed).
//!
//! # Method and error
//!
//! Degrees become metres with the WGS 84 ellipsoid's meridional and prime-vertical radii at the
//! **mean latitude of the two positions** ([`metres_per_degree`]), so the answer does not
//! depend on which of the two comes first. Longitude differences are wrapped to ±180°, so
//! positions either side of the antimeridian are near. Against the geodesic distance the
//! error stays below 0.1 % up to about 50 km (the curvature of the meridians and the change of
//! scale with latitude over the span); beyond a patrol area use [`super::enu::LocalFrame`].
//!
//! ```
//! use patrol_planner::geodesy::flat::{LonLat, distance_m, offset_m};
//! let a = LonLat::new(-84.20, 36.60);
//! let b = LonLat::new(-84.19, 36.61);
//! let (east_m, north_m) = offset_m(a, b);
//! assert!((east_m - 894.0).abs() < 1.0 && (north_m - 1110.0).abs() < 1.0);
//! assert_eq!(distance_m(a, b), east_m.hypot(north_m));
//! ```

use serde::{Deserialize, Serialize};

use super::enu::Geodetic;

/// A horizontal position on WGS 84: longitude then latitude, degrees (the order of GeoJSON,
/// KML and `geo`; every public function that takes a bare position takes this type).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Latitude, degrees north.
    pub lat_deg: f64,
}

impl LonLat {
    /// A position from longitude and latitude, degrees.
    pub const fn new(lon_deg: f64, lat_deg: f64) -> LonLat {
        LonLat { lon_deg, lat_deg }
    }
}

impl From<Geodetic> for LonLat {
    fn from(g: Geodetic) -> LonLat {
        LonLat::new(g.lon_deg, g.lat_deg)
    }
}

/// Metres per degree of longitude and of latitude on the WGS 84 ellipsoid at `lat_deg`.
///
/// # Units
/// Returns (metres per degree east, metres per degree north).
pub fn metres_per_degree(lat_deg: f64) -> (f64, f64) {
    const A: f64 = 6_378_137.0;
    const E2: f64 = 6.694_379_990_14e-3;
    let phi = lat_deg.to_radians();
    let w = (1.0 - E2 * phi.sin().powi(2)).sqrt();
    let n = A / w; // prime vertical radius
    let m = A * (1.0 - E2) / w.powi(3); // meridional radius
    (
        n * phi.cos() * std::f64::consts::PI / 180.0,
        m * std::f64::consts::PI / 180.0,
    )
}

/// A longitude difference wrapped to -180..180 degrees.
fn wrap_deg(d: f64) -> f64 {
    (d + 180.0).rem_euclid(360.0) - 180.0
}

/// Metres east and north from `from` to `to`.
///
/// # Units
/// Returns (east, north) in metres.
pub fn offset_m(from: LonLat, to: LonLat) -> (f64, f64) {
    let (m_lon, m_lat) = metres_per_degree((from.lat_deg + to.lat_deg) / 2.0);
    (
        wrap_deg(to.lon_deg - from.lon_deg) * m_lon,
        (to.lat_deg - from.lat_deg) * m_lat,
    )
}

/// Horizontal distance between two positions, metres.
pub fn distance_m(a: LonLat, b: LonLat) -> f64 {
    let (e, n) = offset_m(a, b);
    e.hypot(n)
}

/// `from` moved `east_m` east and `north_m` north (metres), for offsets of a few kilometres
/// at most. The inverse of [`offset_m`] to within a millimetre at those distances.
pub fn moved(from: LonLat, east_m: f64, north_m: f64) -> LonLat {
    // The mean latitude of the move, as offset_m uses: one step of a fixed point.
    let (_, m_lat) = metres_per_degree(from.lat_deg);
    let mid_lat = from.lat_deg + north_m / m_lat / 2.0;
    let (m_lon, m_lat) = metres_per_degree(mid_lat);
    LonLat::new(
        from.lon_deg + east_m / m_lon,
        from.lat_deg + north_m / m_lat,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::enu::LocalFrame;

    #[test]
    fn a_degree_is_what_geodesy_tables_say() {
        // At 45°: 78,847 m per degree of longitude, 111,132 m per degree of latitude.
        let (e, n) = metres_per_degree(45.0);
        assert!(
            (e - 78_847.0).abs() < 1.0 && (n - 111_132.0).abs() < 1.0,
            "{e} {n}"
        );
        let (e, n) = metres_per_degree(0.0);
        assert!(
            (e - 111_319.5).abs() < 1.0 && (n - 110_574.3).abs() < 1.0,
            "{e} {n}"
        );
    }

    #[test]
    fn offsets_agree_with_the_local_frame_and_do_not_depend_on_the_order() {
        let a = LonLat::new(-84.20, 36.60);
        for (e_m, n_m) in [
            (1000.0, 0.0),
            (0.0, -3000.0),
            (7000.0, 7000.0),
            (-20_000.0, 15_000.0),
        ] {
            let b = moved(a, e_m, n_m);
            let (e, n) = offset_m(a, b);
            assert!((e - e_m).abs() < 1e-3 && (n - n_m).abs() < 1e-3, "{e} {n}");
            assert_eq!(distance_m(a, b), distance_m(b, a));
            // Against the exact tangent frame: well within 0.1 % at these ranges.
            let frame = LocalFrame::new(Geodetic {
                lat_deg: a.lat_deg,
                lon_deg: a.lon_deg,
                alt_amsl_m: 0.0,
            });
            let exact = frame.geodetic_to_enu(Geodetic {
                lat_deg: b.lat_deg,
                lon_deg: b.lon_deg,
                alt_amsl_m: 0.0,
            });
            let d = exact.east_m.hypot(exact.north_m);
            assert!(
                (distance_m(a, b) - d).abs() < 1e-3 * d,
                "{} vs {d}",
                distance_m(a, b)
            );
        }
    }

    #[test]
    fn longitudes_wrap_at_the_antimeridian() {
        let a = LonLat::new(179.999, 0.0);
        let b = LonLat::new(-179.999, 0.0);
        assert!(
            (distance_m(a, b) - 222.6).abs() < 0.5,
            "{}",
            distance_m(a, b)
        );
    }
}
