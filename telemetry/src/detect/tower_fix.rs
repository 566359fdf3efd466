//! A tower's sighting placed on the terrain, as a lookout's fire finder does: the azimuth and
//! the vertical angle of the smoke's base, followed from the camera down to the ground.
//!
//! The vertical angle fixes the range only loosely: at 5 km a camera 300 m above the fire
//! looks down about 3.4°, and a tenth of a degree moves the hit by some 150 m along the line of
//! sight; where the ground is flatter or the base hidden, far more. So the fix carries the
//! error of both angles propagated through the terrain (each angle moved by its sigma and the
//! ray cast again), a long ellipse along the line of sight and a narrow one across it. Two
//! towers' ellipses crossing at an angle fuse into a small one ([`super::incident`]). A ray
//! that meets no ground (above the horizon, off the DEM, beyond range) places nothing: the
//! sighting stays a bearing, to be crossed with another ([`super::bearing`]).

use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::terrain::{RayHit, Terrain};

use super::attitude::enu_at_to_frame;
use super::bearing::BearingView;
use super::geotag::{GeotagLimits, Geotagger};

/// The farthest a tower's line of sight is followed to the ground, metres (beyond any tower
/// camera's recognition range).
pub const TOWER_RAY_MAX_M: f64 = 30_000.0;

/// The smallest angle sigma used, radians: a report of zero error is not believed.
const MIN_SIGMA_RAD: f64 = 1e-4;

/// Where a tower's line of sight meets the ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TowerFix {
    /// The ground point, terrain frame.
    pub enu: Enu,
    /// The ground point, WGS 84 (height: the ground's).
    pub geodetic: Geodetic,
    /// Along the line of sight from the camera, metres.
    pub range_m: f64,
    /// 1-sigma covariance east-north, m².
    pub covariance_en_m2: [[f64; 2]; 2],
}

/// A direction from azimuth and elevation at `camera`, in the terrain's frame.
fn direction(
    terrain: &Terrain,
    camera: Geodetic,
    azimuth_rad: f64,
    elevation_rad: f64,
) -> [f64; 3] {
    let local = [
        azimuth_rad.sin() * elevation_rad.cos(),
        azimuth_rad.cos() * elevation_rad.cos(),
        elevation_rad.sin(),
    ];
    enu_at_to_frame(terrain.frame(), camera).apply(local)
}

/// The first ground hit along a ray, within [`TOWER_RAY_MAX_M`] (the geotagger's cast; no
/// grazing limit applies to a tower's long, shallow lines of sight).
fn cast(terrain: &Terrain, origin: Enu, dir: [f64; 3]) -> Option<RayHit> {
    Geotagger::new(
        terrain,
        GeotagLimits {
            max_range_m: TOWER_RAY_MAX_M,
            min_grazing_deg: 0.0,
        },
    )
    .cast(origin, dir)
}

/// The ground point the camera at `camera` (its own height above mean sea level) sees at
/// `bearing_deg` (clockwise from true north) and `elevation_deg` (above the horizontal), both
/// with 1-sigma `sigma_deg`; `None` when the line of sight meets no ground.
pub fn place_tower_sighting(
    terrain: &Terrain,
    camera: Geodetic,
    bearing_deg: f64,
    elevation_deg: f64,
    sigma_deg: f64,
) -> Option<TowerFix> {
    let origin = terrain.geodetic_to_enu(camera);
    let (az, el) = (bearing_deg.to_radians(), elevation_deg.to_radians());
    let sigma = sigma_deg.to_radians().max(MIN_SIGMA_RAD);
    let hit = cast(terrain, origin, direction(terrain, camera, az, el))?;
    let en = |h: &RayHit| [h.enu.east_m, h.enu.north_m];
    let centre = en(&hit);
    let mut cov = [[0.0; 2]; 2];
    for (daz, del) in [(sigma, 0.0), (0.0, sigma)] {
        let moved = |s: f64| {
            cast(
                terrain,
                origin,
                direction(terrain, camera, az + s * daz, el + s * del),
            )
            .map(|h| en(&h))
        };
        // Half the spread between the two sides; twice the one side when the other meets no
        // ground (the fire may be anywhere beyond), and a bearing when neither does.
        let d = match (moved(1.0), moved(-1.0)) {
            (Some(p), Some(m)) => [(p[0] - m[0]) / 2.0, (p[1] - m[1]) / 2.0],
            (Some(x), None) | (None, Some(x)) => {
                [2.0 * (x[0] - centre[0]), 2.0 * (x[1] - centre[1])]
            }
            (None, None) => return None,
        };
        for i in 0..2 {
            for j in 0..2 {
                cov[i][j] += d[i] * d[j];
            }
        }
    }
    Some(TowerFix {
        enu: hit.enu,
        geodetic: hit.geodetic,
        range_m: hit.range_m,
        covariance_en_m2: cov,
    })
}

/// The horizontal line of sight of a tower camera at `camera`, for crossing with another.
pub fn tower_bearing_view(
    terrain: &Terrain,
    camera: Geodetic,
    bearing_deg: f64,
    sigma_deg: f64,
) -> Option<BearingView> {
    let dir = direction(terrain, camera, bearing_deg.to_radians(), 0.0);
    BearingView::new(
        terrain.geodetic_to_enu(camera),
        dir,
        sigma_deg.to_radians().max(MIN_SIGMA_RAD),
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::geotag::test_terrain::terrain;
    use crate::detect::incident::{FusionSettings, IncidentTracker};
    use crate::detect::observation::{Located, Sighting, SightingClass, SightingSource};

    fn camera_at(t: &Terrain, east_m: f64, north_m: f64, up_m: f64) -> Geodetic {
        t.enu_to_geodetic(Enu {
            east_m,
            north_m,
            up_m,
        })
    }

    #[test]
    fn a_fire_finders_angles_land_where_geometry_says_with_a_long_ellipse() {
        // Flat ground; the camera 100 m up at the origin looks due north, 1° down: the ray
        // lands 100 / tan(1°) = 5729 m north.
        let t = terrain(8000.0, 30.0, |_, _| 0.0);
        let cam = camera_at(&t, 0.0, 0.0, 100.0);
        let fix = place_tower_sighting(&t, cam, 0.0, -1.0, 0.1).expect("lands");
        let want_m = 100.0 / 1f64.to_radians().tan();
        assert!((fix.enu.north_m - want_m).abs() < 15.0, "{fix:?}");
        assert!(fix.enu.east_m.abs() < 5.0, "{fix:?}");
        // Along the line of sight (north) the error is tens of times the error across it:
        // across, 5729 m × 0.1° ≈ 10 m; along, d²/h × 0.1° ≈ 570 m.
        let across = fix.covariance_en_m2[0][0].sqrt();
        let along = fix.covariance_en_m2[1][1].sqrt();
        assert!((across - 10.0).abs() < 2.0, "{across}");
        assert!(along > 400.0 && along < 800.0, "{along}");
        // Looking up, or beyond the DEM: no ground, no point, but a bearing to cross.
        assert!(place_tower_sighting(&t, cam, 0.0, 2.0, 0.1).is_none());
        assert!(tower_bearing_view(&t, cam, 0.0, 0.1).is_some());
    }

    #[test]
    fn a_ridge_in_the_way_stops_the_ray_on_its_face() {
        // A 200 m ridge 2 km north: a ray aimed 1° down at flat ground 5.7 km away meets the
        // ridge first, as a lookout's fire finder would.
        let t = terrain(8000.0, 30.0, |_, n| {
            if (1950.0..2050.0).contains(&n) {
                200.0
            } else {
                0.0
            }
        });
        let cam = camera_at(&t, 0.0, 0.0, 100.0);
        let fix = place_tower_sighting(&t, cam, 0.0, -1.0, 0.1).expect("lands");
        assert!((fix.enu.north_m - 1950.0).abs() < 40.0, "{fix:?}");
    }

    #[test]
    fn two_towers_crossing_place_the_fire_tightly() {
        let t = terrain(8000.0, 30.0, |_, _| 0.0);
        let fire = [1000.0, 3000.0];
        // Two towers 100 m up, one south-west and one south-east of the fire, each reporting
        // the true angles rounded as a fire finder reads them (0.1°).
        let mut tracker = IncidentTracker::new(FusionSettings::default());
        for (i, (e, n)) in [(-3000.0, -1000.0), (5000.0, 0.0)].into_iter().enumerate() {
            let cam = camera_at(&t, e, n, 100.0);
            let (de, dn) = (fire[0] - e, fire[1] - n);
            let az = de.atan2(dn).to_degrees().rem_euclid(360.0);
            let el = (-100.0f64).atan2(de.hypot(dn)).to_degrees();
            let round = |x: f64| (x * 10.0).round() / 10.0;
            let fix = place_tower_sighting(&t, cam, round(az), round(el), 0.2).expect("lands");
            let one = (fix.enu.east_m - fire[0]).hypot(fix.enu.north_m - fire[1]);
            assert!(one < 400.0, "tower {i}: {one} m off");
            tracker.add(
                &t,
                &Sighting {
                    at_unix_us: 1_000_000 * (i as u64 + 1),
                    class: SightingClass::Smoke,
                    confidence: 0.8,
                    source: SightingSource::External {
                        name: format!("tower-{i}"),
                    },
                    located: Located::Point {
                        enu: fix.enu,
                        geodetic: fix.geodetic,
                        covariance_en_m2: fix.covariance_en_m2,
                    },
                    detail: String::new(),
                },
            );
        }
        let incidents = tracker.incidents();
        assert_eq!(incidents.len(), 1, "{incidents:?}");
        let inc = &incidents[0];
        let off = (inc.enu.east_m - fire[0]).hypot(inc.enu.north_m - fire[1]);
        assert!(off < 60.0, "crossing {off} m off: {inc:?}");
        // Both ellipses were hundreds of metres long; the crossing is tens of metres wide.
        let major = inc.radius_m(0.0) / 2.0;
        assert!(major < 60.0, "{major}");
    }
}
