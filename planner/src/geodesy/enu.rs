//! A local east-north-up (ENU) Cartesian frame tangent to the WGS 84 ellipsoid at an origin,
//! the frame a drone's flight controller and the planner's geometry work in. Conversions go
//! exactly through Earth-centred Earth-fixed (ECEF) coordinates, so there is no flat-earth
//! approximation: the ground curves away below the east-north plane (about 7.8 m at 10 km).
//! ECEF to geodetic uses Bowring's (1976) formula iterated to convergence (3 steps), which is
//! accurate to far below a millimetre for any point from the deep ocean to low orbit.

use serde::{Deserialize, Serialize};

/// WGS 84 semi-major axis, metres.
const A_M: f64 = 6_378_137.0;
/// WGS 84 flattening, dimensionless.
const F: f64 = 1.0 / 298.257_223_563;
/// WGS 84 semi-minor axis, metres.
const B_M: f64 = A_M * (1.0 - F);
/// First eccentricity squared e², dimensionless.
const E2: f64 = F * (2.0 - F);
/// Second eccentricity squared e'² = e² / (1 - e²), dimensionless.
const EP2: f64 = E2 / (1.0 - E2);

/// A position in a local frame: metres east, north and up from the frame's origin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Enu {
    /// Metres east of the origin, along the tangent plane.
    pub east_m: f64,
    /// Metres north of the origin, along the tangent plane.
    pub north_m: f64,
    /// Metres above the origin's tangent plane (not above the ground).
    pub up_m: f64,
}

/// A geodetic position on WGS 84: latitude and longitude in degrees, height in metres.
///
/// The height is named for what the rest of the project has (above mean sea level), but the
/// conversions treat it as height above the ellipsoid: we carry no geoid model. That is
/// harmless in a local frame, because across a patrol area of tens of kilometres the geoid
/// undulation (ellipsoid to mean sea level) is nearly constant, so it cancels in the offsets
/// from the origin; only absolute ECEF coordinates are off by it (up to ~100 m).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Geodetic {
    /// Latitude, degrees north (-90..=90).
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Height, metres; used as ellipsoidal height (see the type's docs).
    pub alt_amsl_m: f64,
}

/// An ENU frame at a fixed origin, with its rotation and ECEF position precomputed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    /// The frame's origin, as given.
    origin: Geodetic,
    /// The origin in ECEF, metres.
    origin_ecef: [f64; 3],
    /// Sine of the origin's latitude.
    sin_lat: f64,
    /// Cosine of the origin's latitude.
    cos_lat: f64,
    /// Sine of the origin's longitude.
    sin_lon: f64,
    /// Cosine of the origin's longitude.
    cos_lon: f64,
}

impl LocalFrame {
    /// A frame whose origin (0, 0, 0) is `origin`, with axes east, north and ellipsoid normal.
    pub fn new(origin: Geodetic) -> LocalFrame {
        let (sin_lat, cos_lat) = origin.lat_deg.to_radians().sin_cos();
        let (sin_lon, cos_lon) = origin.lon_deg.to_radians().sin_cos();
        LocalFrame {
            origin,
            origin_ecef: geodetic_to_ecef(origin),
            sin_lat,
            cos_lat,
            sin_lon,
            cos_lon,
        }
    }

    /// The frame's origin, degrees and metres.
    pub fn origin(&self) -> Geodetic {
        self.origin
    }

    /// A geodetic position (degrees, metres) in this frame's ENU coordinates, metres.
    pub fn geodetic_to_enu(&self, p: Geodetic) -> Enu {
        let x = geodetic_to_ecef(p);
        let d = [
            x[0] - self.origin_ecef[0],
            x[1] - self.origin_ecef[1],
            x[2] - self.origin_ecef[2],
        ];
        // Rows of the ECEF → ENU rotation: the east, north and up unit vectors at the origin.
        let t = self.cos_lon * d[0] + self.sin_lon * d[1];
        Enu {
            east_m: -self.sin_lon * d[0] + self.cos_lon * d[1],
            north_m: -self.sin_lat * t + self.cos_lat * d[2],
            up_m: self.cos_lat * t + self.sin_lat * d[2],
        }
    }

    /// ENU coordinates in this frame, metres, back to a geodetic position (degrees, metres).
    pub fn enu_to_geodetic(&self, e: Enu) -> Geodetic {
        // The transpose of the rotation in `geodetic_to_enu`.
        let t = -self.sin_lat * e.north_m + self.cos_lat * e.up_m;
        let d = [
            -self.sin_lon * e.east_m + self.cos_lon * t,
            self.cos_lon * e.east_m + self.sin_lon * t,
            self.cos_lat * e.north_m + self.sin_lat * e.up_m,
        ];
        ecef_to_geodetic([
            self.origin_ecef[0] + d[0],
            self.origin_ecef[1] + d[1],
            self.origin_ecef[2] + d[2],
        ])
    }
}

/// A geodetic position (degrees, metres) in WGS 84 ECEF coordinates [x, y, z], metres.
pub fn geodetic_to_ecef(p: Geodetic) -> [f64; 3] {
    let (sin_lat, cos_lat) = p.lat_deg.to_radians().sin_cos();
    let (sin_lon, cos_lon) = p.lon_deg.to_radians().sin_cos();
    // Prime-vertical radius of curvature N.
    let n = A_M / (1.0 - E2 * sin_lat * sin_lat).sqrt();
    let r = (n + p.alt_amsl_m) * cos_lat;
    [
        r * cos_lon,
        r * sin_lon,
        (n * (1.0 - E2) + p.alt_amsl_m) * sin_lat,
    ]
}

/// WGS 84 ECEF coordinates [x, y, z], metres, to a geodetic position (degrees, metres).
///
/// Longitude is in (-180, 180]. The Earth's centre, where latitude is undefined, maps to
/// latitude 0 and height -a instead of producing NaN.
pub fn ecef_to_geodetic(x: [f64; 3]) -> Geodetic {
    let p = x[0].hypot(x[1]);
    let z = x[2];
    let lon = x[1].atan2(x[0]);
    // Bowring: start from the parametric (reduced) latitude of the point's direction, then
    // alternate latitude and parametric latitude. One step is already sub-millimetre for
    // terrestrial heights; three reach rounding level everywhere outside the inner core.
    let mut beta = (A_M * z).atan2(B_M * p);
    let mut lat = beta;
    for _ in 0..3 {
        let (sin_b, cos_b) = beta.sin_cos();
        lat = (z + EP2 * B_M * sin_b.powi(3)).atan2(p - E2 * A_M * cos_b.powi(3));
        let (sin_l, cos_l) = lat.sin_cos();
        beta = ((1.0 - F) * sin_l).atan2(cos_l);
    }
    let (sin_lat, cos_lat) = lat.sin_cos();
    // h = p cos φ + z sin φ − a²/N: well conditioned at every latitude, poles included.
    let h = p * cos_lat + z * sin_lat - A_M * (1.0 - E2 * sin_lat * sin_lat).sqrt();
    Geodetic {
        lat_deg: lat.to_degrees(),
        lon_deg: lon.to_degrees(),
        alt_amsl_m: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geo(lat_deg: f64, lon_deg: f64, alt_amsl_m: f64) -> Geodetic {
        Geodetic {
            lat_deg,
            lon_deg,
            alt_amsl_m,
        }
    }

    /// Ground distance, metres, between two geodetic points via ECEF (exact enough here).
    fn gap_m(a: Geodetic, b: Geodetic) -> f64 {
        let (p, q) = (geodetic_to_ecef(a), geodetic_to_ecef(b));
        ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
    }

    /// Radii of curvature at a latitude, metres: (meridian M, prime vertical N).
    fn radii_m(lat_deg: f64) -> (f64, f64) {
        let w2 = 1.0 - E2 * lat_deg.to_radians().sin().powi(2);
        (A_M * (1.0 - E2) / w2.powf(1.5), A_M / w2.sqrt())
    }

    #[test]
    fn ecef_matches_published_mount_everest() {
        // GeographicLib's example-Geocentric.cpp converts Mt Everest (27.99°N, 86.93°E,
        // 8820 m) and prints "302 5636 2980" km; the millimetre values are from PROJ 9.1.1:
        // `echo "27.99 86.93 8820" | cs2cs -d 6 EPSG:4979 EPSG:4978`.
        let x = geodetic_to_ecef(geo(27.99, 86.93, 8820.0));
        let want = [302_271.432_714, 5_635_928.367_499, 2_979_666.134_903];
        for k in 0..3 {
            assert!(
                (x[k] - want[k]).abs() < 1e-3,
                "axis {k}: {} vs {}",
                x[k],
                want[k]
            );
        }
        let back = ecef_to_geodetic(want);
        assert!(gap_m(back, geo(27.99, 86.93, 8820.0)) < 1e-3, "{back:?}");
        let on_axis = geodetic_to_ecef(geo(0.0, 0.0, 0.0));
        assert_eq!(on_axis, [A_M, 0.0, 0.0]);
    }

    #[test]
    fn enu_matches_published_paris_calais() {
        // GeographicLib's example-LocalCartesian.cpp: origin Paris (48°50'N, 2°20'E, 0 m),
        // Calais (50.9°N, 1.8°E, 0 m) prints "-37518.6 229949.65 -4260.43". Millimetre values
        // from PROJ 9.1.1: `echo "1.8 50.9 0 0" | cct -d 6 +proj=pipeline +step +proj=cart
        // +ellps=WGS84 +step +proj=topocentric +ellps=WGS84 +lat_0=48.833333333333336
        // +lon_0=2.3333333333333335 +h_0=0`.
        let frame = LocalFrame::new(geo(48.0 + 50.0 / 60.0, 2.0 + 20.0 / 60.0, 0.0));
        let e = frame.geodetic_to_enu(geo(50.9, 1.8, 0.0));
        assert!((e.east_m + 37_518.639_041).abs() < 1e-3, "{e:?}");
        assert!((e.north_m - 229_949.653_451).abs() < 1e-3, "{e:?}");
        assert!((e.up_m + 4_260.428_647).abs() < 1e-3, "{e:?}");
        // Its reverse example, (-38, 230, -4) km, from the same `cct` pipeline inverted.
        let p = frame.enu_to_geodetic(Enu {
            east_m: -38e3,
            north_m: 230e3,
            up_m: -4e3,
        });
        assert!(gap_m(p, geo(50.900_336_422, 1.793_175_675, 264.915_191_628)) < 1e-3);
    }

    #[test]
    fn ecef_round_trips_everywhere() {
        for lat in (-90..=90).step_by(5) {
            for lon in (-180..180).step_by(15) {
                for h in [-420.0, 0.0, 1_234.5, 8_848.0, 30_000.0, 400_000.0] {
                    let p = geo(f64::from(lat), f64::from(lon), h);
                    let q = ecef_to_geodetic(geodetic_to_ecef(p));
                    assert!(gap_m(p, q) < 1e-6, "{p:?} came back as {q:?}");
                    assert!((q.alt_amsl_m - h).abs() < 1e-6, "{p:?} came back as {q:?}");
                }
            }
        }
    }

    #[test]
    fn enu_round_trips_within_a_millimetre() {
        for origin in [
            geo(36.6, -84.2, 300.0),
            geo(-33.87, 151.2, 0.0),
            geo(69.6, 18.9, 50.0),
        ] {
            let frame = LocalFrame::new(origin);
            assert_eq!(frame.origin(), origin);
            let zero = frame.geodetic_to_enu(origin);
            assert!(zero.east_m.abs() + zero.north_m.abs() + zero.up_m.abs() < 1e-6);
            for i in -5..=5 {
                for j in -5..=5 {
                    let dlat = 0.1 * f64::from(i);
                    let dlon = 0.1 * f64::from(j);
                    let p = geo(origin.lat_deg + dlat, origin.lon_deg + dlon, 1500.0);
                    let q = frame.enu_to_geodetic(frame.geodetic_to_enu(p));
                    assert!(gap_m(p, q) < 1e-3, "{p:?} came back as {q:?}");
                    let e = Enu {
                        east_m: 5e3 * f64::from(i),
                        north_m: 5e3 * f64::from(j),
                        up_m: 100.0 * f64::from(i + j),
                    };
                    let f = frame.geodetic_to_enu(frame.enu_to_geodetic(e));
                    let err = (f.east_m - e.east_m).abs()
                        + (f.north_m - e.north_m).abs()
                        + (f.up_m - e.up_m).abs();
                    assert!(err < 1e-3, "{e:?} came back as {f:?}");
                }
            }
        }
    }

    #[test]
    fn one_kilometre_north_drops_by_the_curvature() {
        let origin = geo(45.0, 7.0, 200.0);
        // 1 km of meridian arc north at the same height; the meridian radius is taken at the
        // arc's midpoint, since it grows by ~0.8 mm/km² along the arc at 45°.
        let (m0, _) = radii_m(origin.lat_deg);
        let (m, _) = radii_m(origin.lat_deg + (500.0 / m0).to_degrees());
        let r = m + origin.alt_amsl_m;
        let p = geo(45.0 + (1000.0 / r).to_degrees(), 7.0, 200.0);
        let e = LocalFrame::new(origin).geodetic_to_enu(p);
        assert!((e.north_m - 1000.0).abs() < 1e-3, "{e:?}");
        assert!(e.east_m.abs() < 1e-6, "{e:?}");
        // The ground falls d²/(2R) ≈ 0.078 m below the tangent plane.
        assert!(
            (e.up_m + 1000.0_f64.powi(2) / (2.0 * r)).abs() < 1e-3,
            "{e:?}"
        );
        assert!((e.up_m + 0.078).abs() < 0.002, "{e:?}");
    }

    #[test]
    fn ten_kilometres_east_drops_by_the_curvature() {
        // On the equator the parallel is a great circle of radius N, the east curvature.
        let origin = geo(0.0, 20.0, 0.0);
        let (_, n) = radii_m(origin.lat_deg);
        let lambda = 10_000.0 / n;
        let p = geo(0.0, 20.0 + lambda.to_degrees(), 0.0);
        let e = LocalFrame::new(origin).geodetic_to_enu(p);
        // The chord's east part is N sin λ, 4 mm short of the 10 km arc.
        assert!((e.east_m - n * lambda.sin()).abs() < 1e-6, "{e:?}");
        assert!((e.east_m - 10_000.0).abs() < 0.01, "{e:?}");
        assert!(e.north_m.abs() < 1e-6, "{e:?}");
        // Drop below the tangent plane: N (1 - cos λ) ≈ d²/(2N) ≈ 7.84 m.
        assert!((e.up_m + n * (1.0 - lambda.cos())).abs() < 1e-6, "{e:?}");
        assert!(
            (e.up_m + 10_000.0_f64.powi(2) / (2.0 * n)).abs() < 1e-3,
            "{e:?}"
        );
        assert!((e.up_m + 7.85).abs() < 0.02, "{e:?}");
    }

    #[test]
    fn serde_field_names_are_stable() {
        let json = r#"{"lat_deg":1.5,"lon_deg":-2.0,"alt_amsl_m":3.0}"#;
        let p: Geodetic = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p, geo(1.5, -2.0, 3.0));
        let e = Enu {
            east_m: 1.0,
            north_m: 2.0,
            up_m: 3.0,
        };
        let s = serde_json::to_string(&e).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s, r#"{"east_m":1.0,"north_m":2.0,"up_m":3.0}"#);
    }
}
