//! WGS 84 / UTM: the transverse Mercator projection, forward and inverse, by the Krüger
//! series carried to 6th order in the third flattening n, as in C. F. F. Karney (2011),
//! "Transverse Mercator with an accuracy of a few nanometers", J. Geodesy 85(8), the method
//! behind GeographicLib's `TransverseMercator` and PROJ's default `tmerc`. The truncation
//! error is a few nanometres within the zone and stays far below a millimetre a few zones
//! beyond it (|Δλ| up to ~20°); the projection is singular at 90° from the central meridian
//! on the equator, where it returns non-finite values instead of panicking.

/// WGS 84 semi-major axis, metres.
const A_M: f64 = 6_378_137.0;
/// WGS 84 flattening, dimensionless.
const F: f64 = 1.0 / 298.257_223_563;
/// UTM scale factor on the central meridian, dimensionless.
const K0: f64 = 0.9996;
/// UTM false easting, metres.
const FALSE_EASTING_M: f64 = 500_000.0;
/// UTM false northing in the southern hemisphere, metres.
const FALSE_NORTHING_SOUTH_M: f64 = 10_000_000.0;

/// Third flattening n = f / (2 - f): the Krüger series converge fastest in it.
const N: f64 = F / (2.0 - F);
/// First eccentricity squared e² = f (2 - f).
const E2: f64 = F * (2.0 - F);
/// Rectifying radius A (2πA is a meridian's length), metres, times k0: the plane scale.
const K0_A_RECT_M: f64 = K0 * A_M / (1.0 + N)
    * (1.0 + N * N / 4.0 + N * N * N * N / 64.0 + N * N * N * N * N * N / 256.0);

/// Krüger α_j (Karney 2011, eq. 35): conformal sphere to ellipsoid plane, forward series.
const ALPHA: [f64; 6] = {
    let (n, n2, n3) = (N, N * N, N * N * N);
    let (n4, n5, n6) = (n3 * N, n3 * N * N, n3 * n3);
    [
        n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0 + 41.0 * n4 / 180.0 - 127.0 * n5 / 288.0
            + 7891.0 * n6 / 37800.0,
        13.0 * n2 / 48.0 - 3.0 * n3 / 5.0 + 557.0 * n4 / 1440.0 + 281.0 * n5 / 630.0
            - 1983433.0 * n6 / 1935360.0,
        61.0 * n3 / 240.0 - 103.0 * n4 / 140.0 + 15061.0 * n5 / 26880.0 + 167603.0 * n6 / 181440.0,
        49561.0 * n4 / 161280.0 - 179.0 * n5 / 168.0 + 6601661.0 * n6 / 7257600.0,
        34729.0 * n5 / 80640.0 - 3418889.0 * n6 / 1995840.0,
        212378941.0 * n6 / 319334400.0,
    ]
};

/// Krüger β_j (Karney 2011, eq. 36): the inverse series.
const BETA: [f64; 6] = {
    let (n, n2, n3) = (N, N * N, N * N * N);
    let (n4, n5, n6) = (n3 * N, n3 * N * N, n3 * n3);
    [
        n / 2.0 - 2.0 * n2 / 3.0 + 37.0 * n3 / 96.0 - n4 / 360.0 - 81.0 * n5 / 512.0
            + 96199.0 * n6 / 604800.0,
        n2 / 48.0 + n3 / 15.0 - 437.0 * n4 / 1440.0 + 46.0 * n5 / 105.0
            - 1118711.0 * n6 / 3870720.0,
        17.0 * n3 / 480.0 - 37.0 * n4 / 840.0 - 209.0 * n5 / 4480.0 + 5569.0 * n6 / 90720.0,
        4397.0 * n4 / 161280.0 - 11.0 * n5 / 504.0 - 830251.0 * n6 / 7257600.0,
        4583.0 * n5 / 161280.0 - 108847.0 * n6 / 3991680.0,
        20648693.0 * n6 / 638668800.0,
    ]
};

/// A UTM zone: number 1-60 and hemisphere (WGS 84 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtmZone {
    /// Zone number, 1-60; zone 1 spans 180°W-174°W.
    pub zone: u8,
    /// True for the northern hemisphere (no false northing), false for the southern.
    pub north: bool,
}

impl UtmZone {
    /// The zone of an EPSG code: 32601-32660 (north) or 32701-32760 (south), else `None`.
    pub fn from_epsg(code: u32) -> Option<UtmZone> {
        let (base, north) = match code {
            32601..=32660 => (32600, true),
            32701..=32760 => (32700, false),
            _ => return None,
        };
        u8::try_from(code - base)
            .ok()
            .map(|zone| UtmZone { zone, north })
    }

    /// The EPSG code of this zone's WGS 84 / UTM CRS (326zz north, 327zz south).
    pub fn epsg(&self) -> u32 {
        let base = if self.north { 32600 } else { 32700 };
        base + u32::from(self.zone)
    }

    /// The standard zone of a point, degrees; ignores the Norway/Svalbard exceptions.
    ///
    /// Zones are 6° wide from 180°W; longitude is wrapped first, so 180°E falls in zone 1.
    /// The special zones 32V and 31X-37X of the MGRS grid are deliberately not applied: a
    /// patrol area only needs one consistent zone, and any zone is exact near its meridian.
    /// Latitude 0 counts as north. A non-finite longitude gives zone 1 rather than panicking.
    pub fn for_lon_lat(lon_deg: f64, lat_deg: f64) -> UtmZone {
        let band = ((wrap_deg(lon_deg) + 180.0) / 6.0).floor();
        // `as` saturates (NaN → 0), and the clamp keeps the result a valid zone regardless.
        let zone = (band as i64 + 1).clamp(1, 60) as u8;
        UtmZone {
            zone,
            north: lat_deg >= 0.0,
        }
    }

    /// Longitude of the zone's central meridian, degrees east (zone 1 → -177).
    pub fn central_meridian_deg(&self) -> f64 {
        6.0 * f64::from(self.zone) - 183.0
    }

    /// False northing, metres: 0 in the north, 10 000 km in the south so northings stay positive.
    fn false_northing_m(&self) -> f64 {
        if self.north {
            0.0
        } else {
            FALSE_NORTHING_SOUTH_M
        }
    }
}

/// Projects (longitude, latitude), degrees, to (easting, northing), metres, in `zone`.
///
/// The point need not lie in the zone: longitude is taken relative to the zone's central
/// meridian (wrapped to ±180°), so points a few zones away still project accurately.
pub fn lon_lat_to_utm(zone: UtmZone, lon_deg: f64, lat_deg: f64) -> (f64, f64) {
    let lambda = wrap_deg(lon_deg - zone.central_meridian_deg()).to_radians();
    let phi = lat_deg.clamp(-90.0, 90.0).to_radians();
    let (sin_l, cos_l) = lambda.sin_cos();
    // Conformal latitude via its tangent τ' (Karney eq. 7-9); tan(±π/2) is finite in f64,
    // so the poles need no special case.
    let tau_p = conformal_tan(phi.tan());
    let xi_p = tau_p.atan2(cos_l);
    let eta_p = (sin_l / tau_p.hypot(cos_l)).asinh();
    // Gauss-Schreiber (spherical TM) to ellipsoidal TM by the α series (Karney eq. 11).
    let mut xi = xi_p;
    let mut eta = eta_p;
    for (j, alpha) in ALPHA.iter().enumerate() {
        let k = 2.0 * (j as f64 + 1.0);
        xi += alpha * (k * xi_p).sin() * (k * eta_p).cosh();
        eta += alpha * (k * xi_p).cos() * (k * eta_p).sinh();
    }
    (
        FALSE_EASTING_M + K0_A_RECT_M * eta,
        zone.false_northing_m() + K0_A_RECT_M * xi,
    )
}

/// Unprojects (easting, northing), metres, in `zone` to (longitude, latitude), degrees.
///
/// Longitude is wrapped to [-180, 180).
pub fn utm_to_lon_lat(zone: UtmZone, easting_m: f64, northing_m: f64) -> (f64, f64) {
    let xi = (northing_m - zone.false_northing_m()) / K0_A_RECT_M;
    let eta = (easting_m - FALSE_EASTING_M) / K0_A_RECT_M;
    // Ellipsoidal TM back to the conformal sphere by the β series (Karney eq. 11 inverted).
    let mut xi_p = xi;
    let mut eta_p = eta;
    for (j, beta) in BETA.iter().enumerate() {
        let k = 2.0 * (j as f64 + 1.0);
        xi_p -= beta * (k * xi).sin() * (k * eta).cosh();
        eta_p -= beta * (k * xi).cos() * (k * eta).sinh();
    }
    let sinh_eta = eta_p.sinh();
    let (sin_xi, cos_xi) = xi_p.sin_cos();
    let lambda = sinh_eta.atan2(cos_xi);
    let tau_p = sin_xi / sinh_eta.hypot(cos_xi);
    let lat_deg = if tau_p.is_finite() {
        geodetic_tan(tau_p).atan().to_degrees()
    } else {
        // Exactly at a pole the conformal tangent is infinite; so is the geodetic one.
        90.0_f64.copysign(sin_xi)
    };
    let lon_deg = wrap_deg(zone.central_meridian_deg() + lambda.to_degrees());
    (lon_deg, lat_deg)
}

/// τ' = tan(conformal latitude) from τ = tan(geodetic latitude) (Karney 2011, eq. 7-9).
fn conformal_tan(tau: f64) -> f64 {
    let e = E2.sqrt();
    let sigma = (e * (e * tau / tau.hypot(1.0)).atanh()).sinh();
    tau * sigma.hypot(1.0) - sigma * tau.hypot(1.0)
}

/// τ from τ' by Newton's method (Karney 2011, eq. 19-21); converges in 2-3 steps.
fn geodetic_tan(tau_p: f64) -> f64 {
    let e2m = 1.0 - E2;
    // τ'/(1 - e²) is exact on the equator and a close first guess elsewhere.
    let mut tau = tau_p / e2m;
    for _ in 0..6 {
        let tau_i = conformal_tan(tau);
        let dtau =
            (tau_p - tau_i) * (1.0 + e2m * tau * tau) / (e2m * tau_i.hypot(1.0) * tau.hypot(1.0));
        tau += dtau;
        // Stop once the step is at rounding level: more steps would only dither.
        if dtau.abs() <= 1e-15 * tau.abs().max(1.0) {
            break;
        }
    }
    tau
}

/// Wraps an angle, degrees, to [-180, 180).
fn wrap_deg(deg: f64) -> f64 {
    (deg + 180.0).rem_euclid(360.0) - 180.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle values from GDAL 3.6.2 / PROJ 9.1.1, each produced by
    /// `echo "LON LAT" | gdaltransform -s_srs OGC:CRS84 -t_srs EPSG:CODE -output_xy`
    /// (OGC:CRS84 fixes the axis order to longitude, latitude): (code, lon, lat, E, N).
    const GDAL_FORWARD: [(u32, f64, f64, f64, f64); 12] = [
        (32617, -84.2, 36.6, 213748.717314298, 4055269.4379947),
        (32631, 2.35, 48.85, 452314.891233666, 5410984.88760444),
        (32756, 151.2, -33.87, 333510.650080743, 6250800.24118355),
        (32719, -70.5, -45.2, 382189.142692867, 4993737.36105256),
        (32634, 18.9, 69.6, 418319.852774186, 7722670.37365888),
        (32610, -122.0, 0.5, 611276.441162811, 55273.5118762507),
        (32754, 140.0, -70.0, 461830.217739674, 2233813.84856088),
        // Across the antimeridian: 0.5° east of zone 60's edge, and its mirror in zone 1.
        (32760, -179.5, -16.5, 873721.350876014, 8172511.26800981),
        (32701, 179.5, -16.5, 126278.649123986, 8172511.26800981),
        // Beyond the zone: 9° east, 20° east and 20° west of zone 17's central meridian.
        (32617, -72.0, -10.0, 1490218.31956194, -1119000.94996186),
        (32617, -61.0, 5.0, 2763112.18368435, 588196.639506708),
        (32617, -101.0, 40.0, -1212740.64305601, 4624280.9757602),
    ];

    /// Oracle values from the same tools, inverse direction:
    /// `echo "E N" | gdaltransform -s_srs EPSG:CODE -t_srs OGC:CRS84 -output_xy`.
    const GDAL_INVERSE: [(u32, f64, f64, f64, f64); 4] = [
        (32756, 350e3, 6000e3, 151.33295946288, -36.1331153413225),
        (32610, 650e3, 5500e3, -120.922647106853, 49.6339036274062),
        (32633, 800e3, 9000e3, 31.8014466629196, 80.6690708627746),
        (32631, 500e3, 0.0, 2.99999999999999, 0.0),
    ];

    fn zone(code: u32) -> UtmZone {
        UtmZone::from_epsg(code).unwrap_or_else(|| panic!("EPSG:{code} is a UTM zone"))
    }

    #[test]
    fn epsg_codes_round_trip() {
        for code in (32601..=32660).chain(32701..=32760) {
            assert_eq!(zone(code).epsg(), code);
        }
        let parts = |code| UtmZone::from_epsg(code).map(|z| (z.zone, z.north));
        assert_eq!(parts(32617), Some((17, true)));
        assert_eq!(parts(32756), Some((56, false)));
        for bad in [0, 4326, 32600, 32661, 32700, 32761, 3857] {
            assert_eq!(UtmZone::from_epsg(bad), None, "EPSG:{bad}");
        }
    }

    #[test]
    fn zone_for_lon_lat() {
        let z = |lon, lat| UtmZone::for_lon_lat(lon, lat);
        // Zone 17 spans 84°W-78°W, so 84.2°W is just inside zone 16.
        assert_eq!(z(-84.2, 36.6).zone, 16);
        assert_eq!(z(-81.0, 36.6).epsg(), 32617);
        assert_eq!(z(151.2, -33.87).epsg(), 32756);
        assert_eq!(z(-180.0, 0.0).epsg(), 32601);
        assert_eq!(z(180.0, 0.0).zone, 1);
        assert_eq!(z(179.99, 0.0).zone, 60);
        assert_eq!(z(0.0, 0.0).zone, 31);
        assert_eq!(z(-0.01, 0.0).zone, 30);
        assert_eq!(z(360.0 - 81.0, 10.0).zone, 17);
        // Norway exception deliberately ignored: Bergen stays in 31, not 32V.
        assert_eq!(z(5.32, 60.39).zone, 31);
        assert_eq!(z(f64::NAN, 0.0).zone, 1);
        assert_eq!(zone(32617).central_meridian_deg(), -81.0);
        assert_eq!(zone(32601).central_meridian_deg(), -177.0);
        assert_eq!(zone(32760).central_meridian_deg(), 177.0);
    }

    #[test]
    fn forward_matches_gdal_within_a_millimetre() {
        for (code, lon, lat, e, n) in GDAL_FORWARD {
            let (x, y) = lon_lat_to_utm(zone(code), lon, lat);
            let msg = format!("EPSG:{code} ({lon}, {lat}): ({x}, {y}) vs ({e}, {n})");
            assert!((x - e).abs() < 1e-3 && (y - n).abs() < 1e-3, "{msg}");
        }
    }

    #[test]
    fn inverse_matches_gdal() {
        for (code, e, n, lon, lat) in GDAL_INVERSE {
            let (x, y) = utm_to_lon_lat(zone(code), e, n);
            // 1e-9° is 0.1 mm on the ground, well under the 1 mm requirement.
            let msg = format!("EPSG:{code} ({e}, {n}): ({x}, {y}) vs ({lon}, {lat})");
            assert!((x - lon).abs() < 1e-9 && (y - lat).abs() < 1e-9, "{msg}");
        }
        for (code, lon, lat, e, n) in GDAL_FORWARD {
            let (x, y) = utm_to_lon_lat(zone(code), e, n);
            assert!(
                (x - lon).abs() < 1e-9 && (y - lat).abs() < 1e-9,
                "EPSG:{code}"
            );
        }
    }

    #[test]
    fn round_trips_over_a_grid_reaching_beyond_the_zone() {
        for code in [32617, 32756, 32601, 32660] {
            let z = zone(code);
            let sign = if z.north { 1.0 } else { -1.0 };
            for i in -24..=24 {
                // ±9° around the central meridian: the zone and one and a half beyond.
                let lon = z.central_meridian_deg() + 0.375 * f64::from(i);
                for j in 0..=28 {
                    let lat = sign * 3.0 * f64::from(j);
                    let (e, n) = lon_lat_to_utm(z, lon, lat);
                    let (lon2, lat2) = utm_to_lon_lat(z, e, n);
                    let msg = format!("EPSG:{code} ({lon}, {lat}) came back as ({lon2}, {lat2})");
                    assert!(wrap_deg(lon2 - lon).abs() < 1e-9, "{msg}");
                    assert!((lat2 - lat).abs() < 1e-9, "{msg}");
                    let (e2, n2) = lon_lat_to_utm(z, lon2, lat2);
                    assert!((e2 - e).abs() < 1e-3 && (n2 - n).abs() < 1e-3, "{msg}");
                }
            }
        }
    }

    #[test]
    fn central_meridian_and_poles() {
        // On the central meridian easting is exactly the false easting.
        let (e, n) = lon_lat_to_utm(zone(32630), -3.0, 0.0);
        assert!((e - 500_000.0).abs() < 1e-9 && n.abs() < 1e-9);
        // The pole: k0 times the quarter meridian (10001965.7293 m), which GDAL gives as
        // `echo "15 90" | gdaltransform -s_srs OGC:CRS84 -t_srs EPSG:32633 -output_xy`.
        let (e, n) = lon_lat_to_utm(zone(32633), 15.0, 90.0);
        assert!((e - 500_000.0).abs() < 1e-6);
        assert!((n - 9_997_964.943_021).abs() < 1e-3, "{n}");
        let (_, lat) = utm_to_lon_lat(zone(32633), 500_000.0, n);
        assert!((lat - 90.0).abs() < 1e-9, "pole latitude {lat}");
    }
}
