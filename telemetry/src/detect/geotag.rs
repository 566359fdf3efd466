//! Geotagging: the ground point a pixel looks at, and how sure we are of it.
//!
//! The ray through the pixel is turned into the terrain's east-north-up frame and cast onto
//! the DEM with [`Terrain::ray_ground_intersection`], which returns the *first* surface it
//! meets. So a ray that grazes a ridge lands on the ridge, and only a ray that clears the
//! crest lands beyond it: a camera cannot see through a hill, and the first hit is what it
//! saw.
//!
//! The error ellipse propagates each source of an [`ErrorModel`] through the real terrain
//! rather than through a flat-ground formula: the ray is re-cast with its direction turned by
//! ±sigma about two axes perpendicular to it (attitude), with the pixel moved by ±sigma
//! (detector), with its origin moved by ±sigma east, north and up (GNSS) and by ±velocity x
//! timing sigma (a capture time that is off); the central differences are the columns of the
//! Jacobian. Terrain height error moves the point along the ray's horizontal direction by
//! `sigma x |d_h| / |n . d|` (n = the surface's upward normal with unit vertical component, d
//! the unit ray), which on flat ground is `sigma / tan(depression)`. The sum of the
//! contributions' covariances in the east-north plane gives a 1-sigma ellipse.
//!
//! Rays that would give a wild point are refused with a reason: above the horizon, off the
//! DEM or beyond range, from below the ground, or meeting the surface at less than
//! [`GeotagLimits::min_grazing_deg`] (there a metre of terrain error is tens of metres on the
//! ground).

use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::geodesy::flat;
use patrol_planner::terrain::{RayHit, Terrain};

use super::attitude::{Rot3, enu_at_to_frame};
use super::camera::CameraModel;
use super::pose::Pose;

/// What the geotagger accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeotagLimits {
    /// The farthest ground point, metres along the ray.
    pub max_range_m: f64,
    /// The shallowest angle between the ray and the ground surface, degrees.
    pub min_grazing_deg: f64,
}

impl Default for GeotagLimits {
    fn default() -> Self {
        GeotagLimits {
            max_range_m: 5000.0,
            min_grazing_deg: 3.0,
        }
    }
}

/// 1-sigma errors of the inputs of a geotag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorModel {
    /// Pointing error of the camera (vehicle and gimbal attitude), radians, per axis.
    pub attitude_sigma_rad: f64,
    /// Vehicle position error, metres, per axis (east, north and up).
    pub position_sigma_m: f64,
    /// Error of the capture time against the telemetry clock, seconds.
    pub timing_sigma_s: f64,
    /// DEM height error, metres.
    pub terrain_sigma_m: f64,
    /// Detector's error in placing the target in the image, pixels.
    pub pixel_sigma_px: f64,
    /// Where the target's centre is within what the detector boxed, 1-sigma per image axis
    /// (u, v), pixels, added to `pixel_sigma_px`: a fire larger than a few pixels is not a
    /// point, and a box cut off by the image's edge has its centre moved inward.
    pub target_extent_px: [f64; 2],
}

impl Default for ErrorModel {
    /// Typical of a small multirotor: 0.5° attitude, 1.5 m GNSS, 30 ms capture timing, a
    /// 3 arc-second DEM's 5 m, 2 pixels.
    fn default() -> Self {
        ErrorModel {
            attitude_sigma_rad: 0.5f64.to_radians(),
            position_sigma_m: 1.5,
            timing_sigma_s: 0.03,
            terrain_sigma_m: 5.0,
            pixel_sigma_px: 2.0,
            target_extent_px: [0.0; 2],
        }
    }
}

/// A 1-sigma error ellipse on the ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorEllipse {
    /// Semi-major axis, metres.
    pub semi_major_m: f64,
    /// Semi-minor axis, metres.
    pub semi_minor_m: f64,
    /// Direction of the major axis, degrees clockwise from north, 0..180.
    pub orientation_deg: f64,
}

impl ErrorEllipse {
    /// The ellipse of a covariance in the east-north plane, `[[ee, en], [en, nn]]`, m².
    pub fn from_covariance_en(cov: [[f64; 2]; 2]) -> ErrorEllipse {
        let (a, b, c) = (cov[0][0], (cov[0][1] + cov[1][0]) / 2.0, cov[1][1]);
        let mean = (a + c) / 2.0;
        let r = ((a - c) / 2.0).hypot(b);
        // Angle of the major axis from east, counter-clockwise.
        let from_east = 0.5 * (2.0 * b).atan2(a - c);
        ErrorEllipse {
            semi_major_m: (mean + r).max(0.0).sqrt(),
            semi_minor_m: (mean - r).max(0.0).sqrt(),
            orientation_deg: (90.0 - from_east.to_degrees()).rem_euclid(180.0),
        }
    }
}

/// Where a pixel lies on the ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroundFix {
    /// The ground point in the terrain's local frame.
    pub enu: Enu,
    /// The ground point in WGS 84; height = ground elevation above mean sea level.
    pub geodetic: Geodetic,
    /// Distance from the camera, metres.
    pub range_m: f64,
    /// Angle between the ray and the ground surface (DEM slope included), degrees, 0..90.
    pub incidence_deg: f64,
    /// Angle of the ray below the horizontal at the camera, degrees.
    pub depression_deg: f64,
    /// 1-sigma covariance of the point in the east-north plane, `[[ee, en], [en, nn]]`, m².
    pub covariance_en_m2: [[f64; 2]; 2],
    /// The same as an ellipse.
    pub ellipse: ErrorEllipse,
}

/// Why a pixel has no ground point.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeotagError {
    /// The image point is outside the image or not a number.
    #[error("image point ({u}, {v}) is outside the image (normalised 0..1)")]
    OutsideImage {
        /// Normalised horizontal coordinate.
        u: f64,
        /// Normalised vertical coordinate.
        v: f64,
    },
    /// The ray points at or above the horizon.
    #[error(
        "the ray points {elevation_deg:.2}° above the horizontal: it cannot meet the ground reliably (for smoke use bearings)"
    )]
    AboveHorizon {
        /// Elevation of the ray, degrees (≥ 0).
        elevation_deg: f64,
    },
    /// The camera is not over the DEM.
    #[error("the camera at {lat_deg:.6}, {lon_deg:.6} is outside the DEM")]
    OriginOffDem {
        /// Camera latitude, degrees.
        lat_deg: f64,
        /// Camera longitude, degrees.
        lon_deg: f64,
    },
    /// The camera is at or below the ground: a bad altitude.
    #[error(
        "the camera at {alt_amsl_m:.1} m AMSL is not above the ground ({ground_amsl_m:.1} m AMSL)"
    )]
    OriginBelowGround {
        /// Camera altitude, metres above mean sea level.
        alt_amsl_m: f64,
        /// Ground under it, metres above mean sea level.
        ground_amsl_m: f64,
    },
    /// The ray meets no ground in range or leaves the DEM first.
    #[error("the ray meets no ground within {max_range_m} m inside the DEM")]
    NoGround {
        /// The range searched, metres.
        max_range_m: f64,
    },
    /// The ray meets the ground too obliquely for a trustworthy point.
    #[error(
        "the ray meets the ground at {incidence_deg:.2}° (minimum {min_deg}°), {range_m:.0} m away: too oblique"
    )]
    Grazing {
        /// Angle between ray and surface, degrees.
        incidence_deg: f64,
        /// The minimum accepted, degrees.
        min_deg: f64,
        /// Where the ray hit, metres along it.
        range_m: f64,
    },
    /// A perturbed ray met no ground on either side, so no error ellipse can be given.
    #[error(
        "the {source_name} error moves the ray off the ground both ways: no bounded error ellipse"
    )]
    Unbounded {
        /// The error source.
        source_name: &'static str,
    },
}

/// The ray of an image point: origin and unit direction in the terrain's local frame.
pub fn view_ray(
    terrain: &Terrain,
    pose: &Pose,
    camera_to_enu: &Rot3,
    camera: &CameraModel,
    u: f64,
    v: f64,
) -> (Enu, [f64; 3]) {
    let to_frame = enu_at_to_frame(terrain.frame(), pose.position).mul(camera_to_enu);
    let origin = terrain.geodetic_to_enu(pose.position);
    (origin, to_frame.apply(camera.ray_cam_from_normalised(u, v)))
}

/// [`Geotagger::point`] with the default limits (5 km, 3°).
pub fn geotag_point(
    terrain: &Terrain,
    pose: &Pose,
    camera_to_enu: &Rot3,
    camera: &CameraModel,
    u: f64,
    v: f64,
    errors: &ErrorModel,
) -> Result<GroundFix, GeotagError> {
    Geotagger::new(terrain, GeotagLimits::default()).point(
        pose,
        camera_to_enu,
        camera,
        u,
        v,
        errors,
    )
}

/// Casts image points onto one terrain.
#[derive(Debug, Clone, Copy)]
pub struct Geotagger<'t> {
    terrain: &'t Terrain,
    limits: GeotagLimits,
}

impl<'t> Geotagger<'t> {
    /// A geotagger over `terrain`.
    pub fn new(terrain: &'t Terrain, limits: GeotagLimits) -> Geotagger<'t> {
        Geotagger { terrain, limits }
    }

    /// The ground point the image point `(u, v)` (normalised, 0..1 from the top-left) of a
    /// frame captured at `pose` looks at. `camera_to_enu` maps the camera frame to ENU at the
    /// vehicle ([`Pose::camera_to_enu`]); it is turned into the terrain's frame here.
    pub fn point(
        &self,
        pose: &Pose,
        camera_to_enu: &Rot3,
        camera: &CameraModel,
        u: f64,
        v: f64,
        errors: &ErrorModel,
    ) -> Result<GroundFix, GeotagError> {
        if !((0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v)) {
            return Err(GeotagError::OutsideImage { u, v });
        }
        let p = pose.position;
        let ground_amsl_m = self.terrain.elevation_amsl_m(p.lat_deg, p.lon_deg).ok_or(
            GeotagError::OriginOffDem {
                lat_deg: p.lat_deg,
                lon_deg: p.lon_deg,
            },
        )?;
        if p.alt_amsl_m <= ground_amsl_m {
            return Err(GeotagError::OriginBelowGround {
                alt_amsl_m: p.alt_amsl_m,
                ground_amsl_m,
            });
        }
        // The horizon is the vehicle's own, so judge the ray before turning it into the frame.
        let local = camera_to_enu.apply(camera.ray_cam_from_normalised(u, v));
        if local[2] >= 0.0 {
            return Err(GeotagError::AboveHorizon {
                elevation_deg: local[2].clamp(-1.0, 1.0).asin().to_degrees(),
            });
        }
        let (origin, dir) = view_ray(self.terrain, pose, camera_to_enu, camera, u, v);
        let hit = self.cast(origin, dir).ok_or(GeotagError::NoGround {
            max_range_m: self.limits.max_range_m,
        })?;
        let (normal, d_local) = self.surface_at(&hit, dir);
        let n_dot_d = normal[0] * d_local[0] + normal[1] * d_local[1] + normal[2] * d_local[2];
        let n_norm = normal.iter().map(|c| c * c).sum::<f64>().sqrt();
        let incidence_deg = (n_dot_d.abs() / n_norm).clamp(0.0, 1.0).asin().to_degrees();
        if incidence_deg < self.limits.min_grazing_deg {
            return Err(GeotagError::Grazing {
                incidence_deg,
                min_deg: self.limits.min_grazing_deg,
                range_m: hit.range_m,
            });
        }
        let mut cov = [[0.0; 2]; 2];
        let mut add = |d: [f64; 2]| {
            for i in 0..2 {
                for j in 0..2 {
                    cov[i][j] += d[i] * d[j];
                }
            }
        };
        // Attitude: turn the ray about two axes perpendicular to it.
        if errors.attitude_sigma_rad > 0.0 {
            let a1 = perpendicular(dir);
            let a2 = cross(dir, a1);
            for axis in [a1, a2] {
                let turn = |s: f64| {
                    Rot3::from_rotation_vector(axis.map(|c| c * s * errors.attitude_sigma_rad))
                        .apply(dir)
                };
                add(self.difference("attitude", &hit, |s| self.cast(origin, turn(s)))?);
            }
        }
        // Detector and target size: move the image point by a pixel sigma along each image
        // axis.
        let du = errors.pixel_sigma_px.hypot(errors.target_extent_px[0]) / camera.width_px;
        let dv = errors.pixel_sigma_px.hypot(errors.target_extent_px[1]) / camera.height_px;
        for (su, sv) in [(du, 0.0), (0.0, dv)] {
            if su > 0.0 || sv > 0.0 {
                add(self.difference("pixel", &hit, |s| {
                    let (o, d) = view_ray(
                        self.terrain,
                        pose,
                        camera_to_enu,
                        camera,
                        u + s * su,
                        v + s * sv,
                    );
                    self.cast(o, d)
                })?);
            }
        }
        // Position, then timing (the vehicle moved while the clock was off).
        let mut shifts = Vec::with_capacity(4);
        if errors.position_sigma_m > 0.0 {
            let s = errors.position_sigma_m;
            shifts.extend([[s, 0.0, 0.0], [0.0, s, 0.0], [0.0, 0.0, s]].map(|d| ("position", d)));
        }
        if let (Some(v_ned), true) = (pose.velocity_ned_mps, errors.timing_sigma_s > 0.0) {
            let v_local = Rot3::NED_TO_ENU.apply(v_ned);
            let v_frame = enu_at_to_frame(self.terrain.frame(), pose.position).apply(v_local);
            shifts.push(("timing", v_frame.map(|c| c * errors.timing_sigma_s)));
        }
        for (name, d) in shifts {
            add(self.difference(name, &hit, |s| {
                let o = Enu {
                    east_m: origin.east_m + s * d[0],
                    north_m: origin.north_m + s * d[1],
                    up_m: origin.up_m + s * d[2],
                };
                self.cast(o, dir)
            })?);
        }
        // Terrain height: the point slides along the ray's horizontal direction.
        let horizontal = d_local[0].hypot(d_local[1]);
        if errors.terrain_sigma_m > 0.0 && horizontal > 1e-12 {
            let slide_m = errors.terrain_sigma_m * horizontal / n_dot_d.abs();
            add([
                slide_m * d_local[0] / horizontal,
                slide_m * d_local[1] / horizontal,
            ]);
        }
        Ok(GroundFix {
            enu: hit.enu,
            geodetic: hit.geodetic,
            range_m: hit.range_m,
            incidence_deg,
            depression_deg: (-local[2]).clamp(-1.0, 1.0).asin().to_degrees(),
            covariance_en_m2: cov,
            ellipse: ErrorEllipse::from_covariance_en(cov),
        })
    }

    /// The first ground hit along a ray of the terrain's frame, within range.
    pub fn cast(&self, origin: Enu, dir: [f64; 3]) -> Option<RayHit> {
        let direction = Enu {
            east_m: dir[0],
            north_m: dir[1],
            up_m: dir[2],
        };
        self.terrain
            .ray_ground_intersection(origin, direction, self.limits.max_range_m)
            .filter(|h| h.range_m > 0.0)
    }

    /// Half the east-north difference between the hits of `recast(+1)` and `recast(-1)`; one
    /// side's difference when the other misses.
    fn difference(
        &self,
        source_name: &'static str,
        hit: &RayHit,
        recast: impl Fn(f64) -> Option<RayHit>,
    ) -> Result<[f64; 2], GeotagError> {
        let en = |h: RayHit| [h.enu.east_m, h.enu.north_m];
        let centre = en(*hit);
        match (recast(1.0).map(en), recast(-1.0).map(en)) {
            (Some(p), Some(m)) => Ok([(p[0] - m[0]) / 2.0, (p[1] - m[1]) / 2.0]),
            (Some(x), None) | (None, Some(x)) => Ok([x[0] - centre[0], x[1] - centre[1]]),
            (None, None) => Err(GeotagError::Unbounded { source_name }),
        }
    }

    /// The surface's upward normal `(-dh/de, -dh/dn, 1)` at a hit, and the ray turned into
    /// the hit's own ENU (both local to the hit, so a distant hit's tilt does not enter).
    fn surface_at(&self, hit: &RayHit, dir: [f64; 3]) -> ([f64; 3], [f64; 3]) {
        let g = hit.geodetic;
        let d_local = enu_at_to_frame(self.terrain.frame(), g)
            .transpose()
            .apply(dir);
        let (res_e, res_n) = self.terrain.resolution_m();
        // Half a DEM pixel each way: the slope of the facet the ray met, not of a neighbour.
        let (de_m, dn_m) = (res_e / 2.0, res_n / 2.0);
        let h = |e_m: f64, n_m: f64| {
            let p = flat::moved(g.into(), e_m, n_m);
            self.terrain.elevation_amsl_m(p.lat_deg, p.lon_deg)
        };
        let slope = |plus: Option<f64>, minus: Option<f64>, step: f64| match (plus, minus) {
            (Some(p), Some(m)) => (p - m) / (2.0 * step),
            (Some(p), None) => (p - g.alt_amsl_m) / step,
            (None, Some(m)) => (g.alt_amsl_m - m) / step,
            (None, None) => 0.0,
        };
        let gx = slope(h(de_m, 0.0), h(-de_m, 0.0), de_m);
        let gy = slope(h(0.0, dn_m), h(0.0, -dn_m), dn_m);
        ([-gx, -gy, 1.0], d_local)
    }
}

/// A unit vector perpendicular to the unit vector `d`: horizontal unless `d` is vertical.
fn perpendicular(d: [f64; 3]) -> [f64; 3] {
    let c = cross(d, [0.0, 0.0, 1.0]);
    let n = c.iter().map(|x| x * x).sum::<f64>().sqrt();
    if n < 1e-9 {
        [1.0, 0.0, 0.0]
    } else {
        c.map(|x| x / n)
    }
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Synthetic terrains for the tests of this module and of [`super::bearing`].
#[cfg(test)]
pub(crate) mod test_terrain {
    use patrol_planner::geodesy::enu::{Geodetic, LocalFrame};
    use patrol_planner::raster::{Crs, GeoTransform, Raster};
    use patrol_planner::terrain::{Terrain, metres_per_degree};

    /// The centre of every test terrain (in the Cumberland Mountains).
    pub const CENTRE: Geodetic = Geodetic {
        lat_deg: 36.6,
        lon_deg: -84.2,
        alt_amsl_m: 0.0,
    };

    /// A DEM `2 x half_size_m` square centred on [`CENTRE`] with pixels of about `pixel_m`,
    /// whose ground at each pixel centre is at local-frame height `f(east_m, north_m)` (the
    /// frame at [`CENTRE`], which is also the terrain's frame). Heights are exact in the
    /// frame, so Earth's curvature and the lean of distant verticals do not blur the
    /// analytic answers of the tests.
    pub fn terrain(half_size_m: f64, pixel_m: f64, f: impl Fn(f64, f64) -> f64) -> Terrain {
        let (m_lon, m_lat) = metres_per_degree(CENTRE.lat_deg);
        let (dlon, dlat) = (pixel_m / m_lon, pixel_m / m_lat);
        let side = (2.0 * half_size_m / pixel_m).ceil() as usize;
        let transform = GeoTransform {
            origin_x: CENTRE.lon_deg - dlon * side as f64 / 2.0,
            origin_y: CENTRE.lat_deg + dlat * side as f64 / 2.0,
            pixel_width: dlon,
            pixel_height: -dlat,
        };
        let frame = LocalFrame::new(CENTRE);
        let mut data = Vec::with_capacity(side * side);
        for row in 0..side {
            for col in 0..side {
                let (lon_deg, lat_deg) = transform.pixel_to_map(col as f64 + 0.5, row as f64 + 0.5);
                // The height above sea level whose frame position lies on the surface.
                let mut alt_amsl_m = 0.0;
                for _ in 0..4 {
                    let e = frame.geodetic_to_enu(Geodetic {
                        lat_deg,
                        lon_deg,
                        alt_amsl_m,
                    });
                    alt_amsl_m += f(e.east_m, e.north_m) - e.up_m;
                }
                data.push(alt_amsl_m as f32);
            }
        }
        let raster = Raster {
            width: side,
            height: side,
            transform,
            crs: Crs::Wgs84,
            data,
        };
        Terrain::from_raster(raster).expect("a valid synthetic DEM")
    }
}

#[cfg(test)]
mod tests {
    use super::test_terrain::{CENTRE, terrain};
    use super::*;
    use crate::detect::attitude::{GimbalAttitude, VehicleAttitude};
    use patrol_planner::geodesy::enu::LocalFrame;

    fn camera() -> CameraModel {
        CameraModel::from_camera_information(13.0, 7.68, 6.14, 640, 512).expect("valid")
    }

    /// A pose at local (east, north) of [`CENTRE`], `alt_amsl_m`, heading `yaw_deg`.
    fn pose(east_m: f64, north_m: f64, alt_amsl_m: f64, yaw_deg: f64) -> Pose {
        let p = LocalFrame::new(CENTRE).enu_to_geodetic(Enu {
            east_m,
            north_m,
            up_m: 0.0,
        });
        Pose {
            time_boot_ms: 0,
            position: Geodetic { alt_amsl_m, ..p },
            velocity_ned_mps: None,
            attitude: VehicleAttitude {
                roll_rad: 0.0,
                pitch_rad: 0.0,
                yaw_rad: yaw_deg.to_radians(),
            },
            gimbal: None,
            bracket_gap_s: 0.0,
        }
    }

    /// The centre pixel's fix with the camera pitched `pitch_deg`, no error sources.
    fn centre_fix(t: &Terrain, pose: &Pose, pitch_deg: f64) -> Result<GroundFix, GeotagError> {
        let r = pose.camera_to_enu(&GimbalAttitude::fixed_mount(pitch_deg));
        let none = ErrorModel {
            attitude_sigma_rad: 0.0,
            position_sigma_m: 0.0,
            timing_sigma_s: 0.0,
            terrain_sigma_m: 0.0,
            pixel_sigma_px: 0.0,
            target_extent_px: [0.0; 2],
        };
        geotag_point(t, pose, &r, &camera(), 0.5, 0.5, &none)
    }

    fn flat() -> Terrain {
        terrain(400.0, 5.0, |_, _| 200.0)
    }

    #[test]
    fn nadir_over_flat_ground_lands_directly_below() {
        let t = flat();
        let p = pose(0.0, 0.0, 300.0, 37.0);
        let fix = centre_fix(&t, &p, -90.0).expect("a fix");
        assert!(
            fix.enu.east_m.hypot(fix.enu.north_m) < 0.01,
            "{:?}",
            fix.enu
        );
        assert!((fix.geodetic.alt_amsl_m - 200.0).abs() < 1e-6);
        assert!((fix.range_m - 100.0).abs() < 0.01);
        assert!((fix.incidence_deg - 90.0).abs() < 1e-6);
        assert!((fix.depression_deg - 90.0).abs() < 1e-6);
    }

    #[test]
    fn nadir_far_from_the_frame_origin_still_lands_below() {
        // 10 km east of the frame origin "down" is tilted 1.6 mrad in the frame: ignoring it
        // would put the point 15 cm west of the vehicle.
        let t = terrain(12_000.0, 400.0, |_, _| 200.0);
        let p = pose(10_000.0, 0.0, 300.0, 0.0);
        let fix = centre_fix(&t, &p, -90.0).expect("a fix");
        let ground_amsl_m = t
            .elevation_amsl_m(p.position.lat_deg, p.position.lon_deg)
            .expect("on the DEM");
        let below = t.geodetic_to_enu(Geodetic {
            alt_amsl_m: ground_amsl_m,
            ..p.position
        });
        let miss_m = (fix.enu.east_m - below.east_m).hypot(fix.enu.north_m - below.north_m);
        assert!(miss_m < 0.01, "{miss_m} m");
    }

    #[test]
    fn oblique_ray_lands_h_over_tan_pitch_ahead() {
        let t = flat();
        let fix = centre_fix(&t, &pose(0.0, 0.0, 300.0, 90.0), -30.0).expect("a fix");
        let expected_m = 100.0 / 30f64.to_radians().tan();
        assert!(
            (fix.enu.east_m - expected_m).abs() < 0.01,
            "{}",
            fix.enu.east_m
        );
        assert!(fix.enu.north_m.abs() < 0.01);
        assert!((fix.range_m - 200.0).abs() < 0.01);
        assert!((fix.incidence_deg - 30.0).abs() < 0.01);
    }

    /// Flat at 200 m; a ridge across the east axis: face 100..130 m east rising to 290 m
    /// (grade 3), plateau to 150 m, back face down to 200 m at 180 m, then a 45° slope up.
    fn ridge(e: f64, _n: f64) -> f64 {
        match e {
            e if e < 100.0 => 200.0,
            e if e < 130.0 => 200.0 + 3.0 * (e - 100.0),
            e if e <= 150.0 => 290.0,
            e if e < 180.0 => 290.0 - 3.0 * (e - 150.0),
            e => 200.0 + (e - 180.0).min(220.0),
        }
    }

    #[test]
    fn ray_hits_the_ridge_face_where_geometry_says() {
        let t = terrain(450.0, 2.0, ridge);
        // From 300 m at the origin looking east, down by atan(s): 300 - s e = 3e - 100.
        let s: f64 = 400.0 / 115.0 - 3.0;
        let fix =
            centre_fix(&t, &pose(0.0, 0.0, 300.0, 90.0), -s.atan().to_degrees()).expect("a fix");
        assert!((fix.enu.east_m - 115.0).abs() < 0.01, "{}", fix.enu.east_m);
        assert!((fix.enu.up_m - 245.0).abs() < 0.01, "{fix:?}");
        // Face at atan(3) = 71.57° facing the camera, ray at 25.4° down: 97° apart, so 83°.
        let expected = 180.0 - 3f64.atan().to_degrees() - s.atan().to_degrees();
        assert!(
            (fix.incidence_deg - expected).abs() < 0.5,
            "{}",
            fix.incidence_deg
        );
    }

    #[test]
    fn ray_clearing_the_crest_lands_beyond_and_a_lower_one_hits_the_ridge() {
        let t = terrain(450.0, 2.0, ridge);
        let p = pose(0.0, 0.0, 300.0, 90.0);
        // Down 0.06: 291 m at the crest's far edge (1 m clear), then meets the 45° slope:
        // 300 - 0.06 e = e - 180 + 200, e = 280 / 1.06.
        let fix = centre_fix(&t, &p, -0.06f64.atan().to_degrees()).expect("a fix");
        assert!(
            (fix.enu.east_m - 280.0 / 1.06).abs() < 0.01,
            "{}",
            fix.enu.east_m
        );
        // Down 0.072: clears the front edge (290.6 m at 130 m) but meets the plateau at
        // 300 - 0.072 e = 290.
        let fix = centre_fix(&t, &p, -0.072f64.atan().to_degrees()).expect("a fix");
        assert!(
            (fix.enu.east_m - 10.0 / 0.072).abs() < 0.01,
            "{}",
            fix.enu.east_m
        );
        assert!((fix.enu.up_m - 290.0).abs() < 1e-3, "{fix:?}");
    }

    #[test]
    fn unreliable_rays_are_refused_with_a_reason() {
        let t = flat();
        let cam = camera();
        let p = pose(0.0, 0.0, 300.0, 90.0);
        // 2° down over flat ground: 2° incidence, 2.9 km away.
        let wide = terrain(3500.0, 20.0, |_, _| 200.0);
        let err = centre_fix(&wide, &p, -2.0).expect_err("grazing");
        assert!(matches!(err, GeotagError::Grazing { .. }), "{err}");
        let err = centre_fix(&t, &p, 5.0).expect_err("above the horizon");
        assert!(matches!(err, GeotagError::AboveHorizon { .. }), "{err}");
        // 10° down from 100 m: 567 m away, beyond the 400 m DEM.
        let err = centre_fix(&t, &p, -10.0).expect_err("leaves the DEM");
        assert_eq!(
            err,
            GeotagError::NoGround {
                max_range_m: 5000.0
            }
        );
        let err = centre_fix(&t, &pose(0.0, 0.0, 150.0, 0.0), -90.0).expect_err("underground");
        assert!(
            matches!(err, GeotagError::OriginBelowGround { .. }),
            "{err}"
        );
        let err = centre_fix(&t, &pose(900.0, 0.0, 300.0, 0.0), -90.0).expect_err("off the DEM");
        assert!(matches!(err, GeotagError::OriginOffDem { .. }), "{err}");
        let r = p.camera_to_enu(&GimbalAttitude::fixed_mount(-90.0));
        let err = geotag_point(&t, &p, &r, &cam, 1.2, 0.5, &ErrorModel::default())
            .expect_err("outside the image");
        assert!(matches!(err, GeotagError::OutsideImage { .. }));
        // A shorter range limit refuses a point that is otherwise fine.
        let limits = GeotagLimits {
            max_range_m: 150.0,
            min_grazing_deg: 3.0,
        };
        let r = p.camera_to_enu(&GimbalAttitude::fixed_mount(-30.0));
        let err = Geotagger::new(&t, limits)
            .point(&p, &r, &cam, 0.5, 0.5, &ErrorModel::default())
            .expect_err("200 m away");
        assert_eq!(err, GeotagError::NoGround { max_range_m: 150.0 });
    }

    fn only(edit: impl FnOnce(&mut ErrorModel)) -> ErrorModel {
        let mut e = ErrorModel {
            attitude_sigma_rad: 0.0,
            position_sigma_m: 0.0,
            timing_sigma_s: 0.0,
            terrain_sigma_m: 0.0,
            pixel_sigma_px: 0.0,
            target_extent_px: [0.0; 2],
        };
        edit(&mut e);
        e
    }

    #[test]
    fn ellipse_matches_flat_ground_formulas() {
        let t = flat();
        let cam = camera();
        let p = pose(0.0, 0.0, 300.0, 90.0);
        let nadir = p.camera_to_enu(&GimbalAttitude::fixed_mount(-90.0));
        let oblique = p.camera_to_enu(&GimbalAttitude::fixed_mount(-30.0));
        let fix = |r: &Rot3, e: ErrorModel| {
            geotag_point(&t, &p, r, &cam, 0.5, 0.5, &e)
                .expect("a fix")
                .ellipse
        };
        let near = |a: f64, b: f64| (a - b).abs() < 0.005 * b;
        // GNSS at nadir: the point moves with the vehicle; height error does not move it.
        let e = fix(&nadir, only(|e| e.position_sigma_m = 1.0));
        assert!(
            near(e.semi_major_m, 1.0) && near(e.semi_minor_m, 1.0),
            "{e:?}"
        );
        // Attitude at nadir: h·σ each way.
        let e = fix(&nadir, only(|e| e.attitude_sigma_rad = 0.01));
        assert!(
            near(e.semi_major_m, 1.0) && near(e.semi_minor_m, 1.0),
            "{e:?}"
        );
        // Attitude at 30° down, looking east: along the ray h·σ/sin²(30°) = 4 m, across R·σ.
        let e = fix(&oblique, only(|e| e.attitude_sigma_rad = 0.01));
        assert!(
            near(e.semi_major_m, 4.0) && near(e.semi_minor_m, 2.0),
            "{e:?}"
        );
        assert!((e.orientation_deg - 90.0).abs() < 0.1, "{e:?}");
        // Terrain: σ / tan(30°) along the ray.
        let e = fix(&oblique, only(|e| e.terrain_sigma_m = 1.0));
        assert!(
            near(e.semi_major_m, 1.0 / 30f64.to_radians().tan()),
            "{e:?}"
        );
        assert!(e.semi_minor_m < 1e-6 && (e.orientation_deg - 90.0).abs() < 0.1);
        // Timing: 12 m/s north for 50 ms moves the point 0.6 m north.
        let moving = Pose {
            velocity_ned_mps: Some([12.0, 0.0, 0.0]),
            ..p
        };
        let e = geotag_point(
            &t,
            &moving,
            &oblique,
            &cam,
            0.5,
            0.5,
            &only(|e| e.timing_sigma_s = 0.05),
        )
        .expect("a fix")
        .ellipse;
        assert!(
            near(e.semi_major_m, 0.6) && e.orientation_deg.min(180.0 - e.orientation_deg) < 0.1
        );
        // Pixel at nadir: h · σ_px / f.
        let e = fix(&nadir, only(|e| e.pixel_sigma_px = 2.0));
        assert!(
            near(e.semi_major_m, 200.0 / cam.fx_px.min(cam.fy_px)),
            "{e:?}"
        );
        assert!(
            near(e.semi_minor_m, 200.0 / cam.fx_px.max(cam.fy_px)),
            "{e:?}"
        );
    }

    #[test]
    fn ellipse_axes_and_orientation_from_covariance() {
        let e = ErrorEllipse::from_covariance_en([[9.0, 0.0], [0.0, 4.0]]);
        assert_eq!(
            (e.semi_major_m, e.semi_minor_m, e.orientation_deg),
            (3.0, 2.0, 90.0)
        );
        let e = ErrorEllipse::from_covariance_en([[1.0, 0.0], [0.0, 4.0]]);
        assert_eq!(e.orientation_deg, 0.0);
        // Elongated north-east.
        let e = ErrorEllipse::from_covariance_en([[2.5, 1.5], [1.5, 2.5]]);
        assert!((e.orientation_deg - 45.0).abs() < 1e-9 && (e.semi_major_m - 2.0).abs() < 1e-12);
        let e = ErrorEllipse::from_covariance_en([[2.5, -1.5], [-1.5, 2.5]]);
        assert!((e.orientation_deg - 135.0).abs() < 1e-9);
    }
}
