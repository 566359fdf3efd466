//! Smoke: where a plume rises from, from bearings.
//!
//! Smoke rises and drifts, so a ray at a plume meets the ground behind it: geotagging the
//! pixel ([`super::geotag`]) would put the fire kilometres too far. What a view does give is
//! a *bearing*: the vertical plane through the camera and the plume contains the column and
//! therefore its base. Two or more views from different places cross at the base.
//!
//! [`locate_plume`] takes the views' horizontal bearing lines in the terrain's east-north
//! plane and finds the point minimising the weighted sum of squared perpendicular distances
//! to them, the weight of a line being `1 / (range x azimuth sigma)²` (its perpendicular
//! error at the point). Ranges depend on the point, so the solve is repeated with updated
//! weights. The inverse of the normal matrix is the point's covariance. The ground elevation
//! comes from the DEM.
//!
//! Refused, with a reason: bearings crossing at less than [`BearingLimits::min_crossing_deg`]
//! (the intersection slides along them), an intersection behind a view (it looked away from
//! it), or one farther than [`BearingLimits::max_range_m`]. One view gives a [`Bearing`].
//!
//! Azimuths are degrees clockwise from the terrain frame's north (within 0.1° of true north
//! across a patrol area).

use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::terrain::Terrain;

use super::attitude::Rot3;
use super::camera::CameraModel;
use super::geotag::{ErrorEllipse, view_ray};
use super::pose::Pose;

/// What [`locate_plume`] accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BearingLimits {
    /// The smallest angle between two bearing lines that counts as a crossing, degrees.
    pub min_crossing_deg: f64,
    /// The farthest the base may be from any view, metres (horizontal).
    pub max_range_m: f64,
}

impl Default for BearingLimits {
    fn default() -> Self {
        BearingLimits {
            min_crossing_deg: 5.0,
            max_range_m: 10_000.0,
        }
    }
}

/// One look at a plume: where from, which way, how precisely.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BearingView {
    /// The camera, in the terrain's local frame.
    pub origin: Enu,
    /// Unit direction at the plume, in the terrain's local frame.
    pub direction: [f64; 3],
    /// Pointing error, radians, per axis (attitude and detector together).
    pub sigma_rad: f64,
}

impl BearingView {
    /// A view; the direction need not be unit length. Refused when the direction or sigma is
    /// not usable, or points straight up or down (no bearing).
    pub fn new(
        origin: Enu,
        direction: [f64; 3],
        sigma_rad: f64,
    ) -> Result<BearingView, BearingError> {
        let n = direction.iter().map(|c| c * c).sum::<f64>().sqrt();
        let reason = if !(n.is_finite() && n > 0.0) {
            Some("its direction is zero or not a number")
        } else if direction[0].hypot(direction[1]) < 1e-6 * n {
            Some("it looks straight up or down, which gives no bearing")
        } else if !(sigma_rad.is_finite() && sigma_rad > 0.0) {
            Some("its sigma is not a positive number")
        } else if ![origin.east_m, origin.north_m, origin.up_m]
            .iter()
            .all(|c| c.is_finite())
        {
            Some("its origin is not a number")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(BearingError::InvalidView { index: 0, reason }),
            None => Ok(BearingView {
                origin,
                direction: direction.map(|c| c / n),
                sigma_rad,
            }),
        }
    }

    /// The view of an image point `(u, v)` of a frame taken at `pose` (see
    /// [`super::geotag::Geotagger::point`] for `camera_to_enu`).
    pub fn from_image_point(
        terrain: &Terrain,
        pose: &Pose,
        camera_to_enu: &Rot3,
        camera: &CameraModel,
        (u, v): (f64, f64),
        sigma_rad: f64,
    ) -> Result<BearingView, BearingError> {
        let (origin, direction) = view_ray(terrain, pose, camera_to_enu, camera, u, v);
        BearingView::new(origin, direction, sigma_rad)
    }

    /// Horizontal unit direction (east, north) and azimuth sigma, radians: a pointing error
    /// σ turns the bearing of a ray `ε` above or below the horizon by σ / cos ε.
    fn horizontal(&self) -> ([f64; 2], f64) {
        let [e, n, _] = self.direction;
        let h = e.hypot(n);
        ([e / h, n / h], self.sigma_rad / h)
    }
}

/// A bearing from one view: the plume is somewhere along it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bearing {
    /// Where it was seen from (height above mean sea level).
    pub origin: Geodetic,
    /// Direction, degrees clockwise from north, 0..360.
    pub azimuth_deg: f64,
    /// 1-sigma error of the direction, degrees.
    pub sigma_deg: f64,
}

/// The base of a plume, from crossed bearings.
#[derive(Debug, Clone, PartialEq)]
pub struct PlumeBase {
    /// The base in the terrain's local frame (up = the ground there).
    pub enu: Enu,
    /// The base in WGS 84; height = ground elevation above mean sea level.
    pub geodetic: Geodetic,
    /// 1-sigma covariance in the east-north plane, `[[ee, en], [en, nn]]`, m².
    pub covariance_en_m2: [[f64; 2]; 2],
    /// The same as an ellipse.
    pub ellipse: ErrorEllipse,
    /// The widest angle between two of the bearing lines, degrees, 0..90.
    pub crossing_deg: f64,
    /// Horizontal distance from each view to the base, metres, in the views' order.
    pub ranges_m: Vec<f64>,
}

/// What the views say about a plume.
#[derive(Debug, Clone, PartialEq)]
pub enum SmokeFix {
    /// Two or more views crossed: a point.
    Located(PlumeBase),
    /// One view: a direction only, low confidence.
    BearingOnly(Bearing),
}

/// Why no plume base can be given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BearingError {
    /// Nothing to work with.
    #[error("no views of the plume")]
    NoViews,
    /// A view cannot give a bearing.
    #[error("view {index} is unusable: {reason}")]
    InvalidView {
        /// Its index among the views.
        index: usize,
        /// Why.
        reason: &'static str,
    },
    /// The bearings are too close to parallel to cross.
    #[error(
        "the bearings cross at {crossing_deg:.1}° at most (minimum {min_deg}°): view from further apart"
    )]
    NearlyParallel {
        /// The widest crossing angle, degrees.
        crossing_deg: f64,
        /// The minimum accepted, degrees.
        min_deg: f64,
    },
    /// The crossing lies behind a view.
    #[error(
        "the bearings cross {behind_m:.0} m behind view {index}: they do not see the same plume"
    )]
    BehindView {
        /// The view.
        index: usize,
        /// How far behind, metres.
        behind_m: f64,
    },
    /// The crossing is too far from a view.
    #[error("the bearings cross {range_m:.0} m from view {index} (maximum {max_range_m} m)")]
    TooFar {
        /// The view.
        index: usize,
        /// Its distance, metres.
        range_m: f64,
        /// The maximum accepted, metres.
        max_range_m: f64,
    },
    /// The crossing is outside the DEM.
    #[error("the bearings cross at {lat_deg:.6}, {lon_deg:.6}, outside the DEM")]
    OffDem {
        /// Latitude, degrees.
        lat_deg: f64,
        /// Longitude, degrees.
        lon_deg: f64,
    },
}

/// The plume base from two or more views, or the bearing of a single one.
pub fn locate_plume(
    terrain: &Terrain,
    views: &[BearingView],
    limits: &BearingLimits,
) -> Result<SmokeFix, BearingError> {
    for (index, v) in views.iter().enumerate() {
        BearingView::new(v.origin, v.direction, v.sigma_rad).map_err(|e| match e {
            BearingError::InvalidView { reason, .. } => BearingError::InvalidView { index, reason },
            other => other,
        })?;
    }
    let lines: Vec<([f64; 2], [f64; 2], f64)> = views
        .iter()
        .map(|v| {
            let (h, sigma_az) = v.horizontal();
            ([v.origin.east_m, v.origin.north_m], h, sigma_az)
        })
        .collect();
    match lines.as_slice() {
        [] => return Err(BearingError::NoViews),
        [(_, h, sigma_az)] => {
            return Ok(SmokeFix::BearingOnly(Bearing {
                origin: terrain.enu_to_geodetic(views[0].origin),
                azimuth_deg: h[0].atan2(h[1]).to_degrees().rem_euclid(360.0),
                sigma_deg: sigma_az.to_degrees(),
            }));
        }
        _ => {}
    }
    let mut crossing_deg: f64 = 0.0;
    for (i, a) in lines.iter().enumerate() {
        for b in &lines[i + 1..] {
            let cos = (a.1[0] * b.1[0] + a.1[1] * b.1[1]).abs().min(1.0);
            crossing_deg = crossing_deg.max(cos.acos().to_degrees());
        }
    }
    if crossing_deg < limits.min_crossing_deg {
        return Err(BearingError::NearlyParallel {
            crossing_deg,
            min_deg: limits.min_crossing_deg,
        });
    }
    // Start from equal ranges, then weigh each line by its perpendicular error at the point.
    let mut ranges_m = vec![1.0; lines.len()];
    let mut solution = ([0.0; 2], [[0.0; 2]; 2]);
    for _ in 0..4 {
        let weights: Vec<f64> = lines
            .iter()
            .zip(&ranges_m)
            .map(|((_, _, s), r): (&([f64; 2], [f64; 2], f64), &f64)| {
                1.0 / (r.max(1.0) * s).powi(2)
            })
            .collect();
        solution = weighted_crossing(&lines, &weights).ok_or(BearingError::NearlyParallel {
            crossing_deg,
            min_deg: limits.min_crossing_deg,
        })?;
        let p = solution.0;
        ranges_m = lines
            .iter()
            .map(|(o, _, _)| (p[0] - o[0]).hypot(p[1] - o[1]))
            .collect();
    }
    let (p, covariance_en_m2) = solution;
    for (index, (o, h, _)) in lines.iter().enumerate() {
        let along_m = (p[0] - o[0]) * h[0] + (p[1] - o[1]) * h[1];
        if along_m <= 0.0 {
            return Err(BearingError::BehindView {
                index,
                behind_m: -along_m,
            });
        }
        if ranges_m[index] > limits.max_range_m {
            return Err(BearingError::TooFar {
                index,
                range_m: ranges_m[index],
                max_range_m: limits.max_range_m,
            });
        }
    }
    let (enu, geodetic) = ground_at(terrain, p)?;
    Ok(SmokeFix::Located(PlumeBase {
        enu,
        geodetic,
        covariance_en_m2,
        ellipse: ErrorEllipse::from_covariance_en(covariance_en_m2),
        crossing_deg,
        ranges_m,
    }))
}

/// The weighted least-squares crossing of lines (origin, unit direction, _) and its
/// covariance (the inverse normal matrix); `None` when the normal matrix is singular.
fn weighted_crossing(
    lines: &[([f64; 2], [f64; 2], f64)],
    weights: &[f64],
) -> Option<([f64; 2], [[f64; 2]; 2])> {
    let (mut a, mut b) = ([[0.0; 2]; 2], [0.0; 2]);
    for ((o, h, _), w) in lines.iter().zip(weights) {
        // Distance from the line is n · (p - o), n the line's normal.
        let n = [-h[1], h[0]];
        let n_dot_o = n[0] * o[0] + n[1] * o[1];
        for i in 0..2 {
            for j in 0..2 {
                a[i][j] += w * n[i] * n[j];
            }
            b[i] += w * n[i] * n_dot_o;
        }
    }
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let scale = a[0][0] + a[1][1];
    if det.is_nan() || det <= 1e-12 * scale * scale {
        return None;
    }
    let inv = [
        [a[1][1] / det, -a[0][1] / det],
        [-a[1][0] / det, a[0][0] / det],
    ];
    let p = [
        inv[0][0] * b[0] + inv[0][1] * b[1],
        inv[1][0] * b[0] + inv[1][1] * b[1],
    ];
    Some((p, inv))
}

/// The ground under a point of the east-north plane: its local-frame and WGS 84 positions.
fn ground_at(terrain: &Terrain, p: [f64; 2]) -> Result<(Enu, Geodetic), BearingError> {
    let on_ground = |up_m: f64| {
        let g = terrain.enu_to_geodetic(Enu {
            east_m: p[0],
            north_m: p[1],
            up_m,
        });
        terrain
            .elevation_amsl_m(g.lat_deg, g.lon_deg)
            .map(|z| Geodetic { alt_amsl_m: z, ..g })
            .ok_or(BearingError::OffDem {
                lat_deg: g.lat_deg,
                lon_deg: g.lon_deg,
            })
    };
    // The frame's vertical leans from the local one away from its origin (0.8 mrad at 5 km),
    // so the point is looked up again at the ground's height.
    let first = on_ground(0.0)?;
    let g = on_ground(terrain.geodetic_to_enu(first).up_m)?;
    Ok((terrain.geodetic_to_enu(g), g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::geotag::test_terrain::terrain;

    fn flat() -> Terrain {
        terrain(1500.0, 20.0, |e, _| 200.0 + 0.1 * e)
    }

    /// A view from `range_m` away at azimuth `from_deg` (seen from the base), `height_m`
    /// above the base, looking at a point `column_m` up the plume above `base`.
    fn view(base: Enu, from_deg: f64, range_m: f64, height_m: f64, column_m: f64) -> BearingView {
        let (s, c) = from_deg.to_radians().sin_cos();
        let origin = Enu {
            east_m: base.east_m + range_m * s,
            north_m: base.north_m + range_m * c,
            up_m: base.up_m + height_m,
        };
        let d = [
            base.east_m - origin.east_m,
            base.north_m - origin.north_m,
            base.up_m + column_m - origin.up_m,
        ];
        BearingView::new(origin, d, 0.005).expect("valid view")
    }

    #[test]
    fn two_views_60_degrees_apart_find_the_plume_base() {
        let t = flat();
        let truth = Enu {
            east_m: 120.0,
            north_m: -80.0,
            up_m: 212.0,
        };
        // Looking at different heights of the column: bearings are unchanged.
        let views = [
            view(truth, 200.0, 900.0, 120.0, 300.0),
            view(truth, 260.0, 700.0, 90.0, 80.0),
        ];
        let SmokeFix::Located(base) =
            locate_plume(&t, &views, &BearingLimits::default()).expect("crossed")
        else {
            panic!("two views must give a point");
        };
        let miss_m = (base.enu.east_m - truth.east_m).hypot(base.enu.north_m - truth.north_m);
        assert!(miss_m < 1.0, "{miss_m} m");
        assert!((base.crossing_deg - 60.0).abs() < 1e-6);
        // The ground there, from the DEM: 200 m + 0.1 x 120 m.
        assert!(
            (base.geodetic.alt_amsl_m - 212.0).abs() < 0.05,
            "{}",
            base.geodetic.alt_amsl_m
        );
        assert!((base.ranges_m[0] - 900.0).abs() < 1e-3 && (base.ranges_m[1] - 700.0).abs() < 1e-3);
    }

    #[test]
    fn crossing_covariance_is_range_times_azimuth_sigma() {
        let t = flat();
        let truth = Enu {
            east_m: 0.0,
            north_m: 0.0,
            up_m: 200.0,
        };
        // From south and west, level: each line's error is range x sigma across it.
        let views = [
            view(truth, 180.0, 1000.0, 0.0, 0.0),
            view(truth, 270.0, 400.0, 0.0, 0.0),
        ];
        let SmokeFix::Located(base) =
            locate_plume(&t, &views, &BearingLimits::default()).expect("crossed")
        else {
            panic!("two views must give a point");
        };
        // Across the south view's line (east-west) 5 m, across the west view's 2 m.
        assert!(
            (base.ellipse.semi_major_m - 5.0).abs() < 1e-6,
            "{:?}",
            base.ellipse
        );
        assert!((base.ellipse.semi_minor_m - 2.0).abs() < 1e-6);
        assert!((base.ellipse.orientation_deg - 90.0).abs() < 1e-6);
        // Looking down 60°: the azimuth error is doubled.
        let views = [
            view(truth, 180.0, 1000.0, 1000.0 * 3f64.sqrt(), 0.0),
            view(truth, 270.0, 400.0, 0.0, 0.0),
        ];
        let SmokeFix::Located(base) =
            locate_plume(&t, &views, &BearingLimits::default()).expect("crossed")
        else {
            panic!("two views must give a point");
        };
        assert!(
            (base.ellipse.semi_major_m - 10.0).abs() < 1e-6,
            "{:?}",
            base.ellipse
        );
    }

    #[test]
    fn nearly_parallel_bearings_are_refused() {
        let t = flat();
        let truth = Enu {
            east_m: 0.0,
            north_m: 0.0,
            up_m: 200.0,
        };
        let views = [
            view(truth, 180.0, 1000.0, 100.0, 0.0),
            view(truth, 183.0, 800.0, 100.0, 0.0),
        ];
        let err = locate_plume(&t, &views, &BearingLimits::default()).expect_err("3° apart");
        assert!(matches!(err, BearingError::NearlyParallel { .. }), "{err}");
        assert!(err.to_string().contains("3.0°"), "{err}");
    }

    #[test]
    fn crossing_behind_or_beyond_range_is_refused() {
        let t = flat();
        let truth = Enu {
            east_m: 0.0,
            north_m: 0.0,
            up_m: 200.0,
        };
        let mut away = view(truth, 90.0, 600.0, 100.0, 0.0);
        away.direction = [-away.direction[0], -away.direction[1], away.direction[2]];
        let views = [view(truth, 0.0, 600.0, 100.0, 0.0), away];
        let err = locate_plume(&t, &views, &BearingLimits::default()).expect_err("behind");
        assert!(
            matches!(err, BearingError::BehindView { index: 1, .. }),
            "{err}"
        );
        let views = [
            view(truth, 0.0, 600.0, 100.0, 0.0),
            view(truth, 90.0, 900.0, 100.0, 0.0),
        ];
        let limits = BearingLimits {
            max_range_m: 800.0,
            ..BearingLimits::default()
        };
        let err = locate_plume(&t, &views, &limits).expect_err("too far");
        assert!(
            matches!(err, BearingError::TooFar { index: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn one_view_gives_a_bearing_not_a_point() {
        let t = flat();
        let truth = Enu {
            east_m: 0.0,
            north_m: 0.0,
            up_m: 200.0,
        };
        // Seen from the south-west: the bearing is 45°.
        let fix = locate_plume(
            &t,
            &[view(truth, 225.0, 800.0, 800.0, 0.0)],
            &BearingLimits::default(),
        )
        .expect("a bearing");
        let SmokeFix::BearingOnly(b) = fix else {
            panic!("one view must not give a point");
        };
        assert!((b.azimuth_deg - 45.0).abs() < 1e-9, "{}", b.azimuth_deg);
        // 45° down: sigma / cos 45°.
        assert!((b.sigma_deg - 0.005f64.to_degrees() * 2f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn unusable_views_are_named() {
        let t = flat();
        let origin = Enu {
            east_m: 0.0,
            north_m: 0.0,
            up_m: 400.0,
        };
        assert!(matches!(
            locate_plume(&t, &[], &BearingLimits::default()),
            Err(BearingError::NoViews)
        ));
        let good = BearingView::new(origin, [1.0, 0.0, -0.1], 0.01).expect("valid");
        let nadir = BearingView {
            direction: [0.0, 0.0, -1.0],
            ..good
        };
        let err =
            locate_plume(&t, &[good, nadir], &BearingLimits::default()).expect_err("no bearing");
        assert_eq!(
            err,
            BearingError::InvalidView {
                index: 1,
                reason: "it looks straight up or down, which gives no bearing"
            }
        );
        assert!(BearingView::new(origin, [f64::NAN, 0.0, 0.0], 0.01).is_err());
        assert!(BearingView::new(origin, [1.0, 0.0, 0.0], 0.0).is_err());
    }
}
