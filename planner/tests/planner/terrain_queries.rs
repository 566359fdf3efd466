//! Terrain queries on synthetic terrain with exact answers: rays (nadir, oblique, over a ridge,
//! grazing a ridge), profiles and frame conversions.

use patrol_planner::geodesy::enu::{Enu, Geodetic, LocalFrame};
use patrol_planner::raster::{Crs, GeoTransform, Raster};
use patrol_planner::terrain::{Terrain, metres_per_degree};

const LAT0: f64 = 36.6;
const LON0: f64 = -84.25;
const SIDE: usize = 400;
const PIXEL_M: f64 = 10.0;

/// A 4 x 4 km DEM centred on (LAT0, LON0) whose height depends only on metres east of the
/// centre, through `height_of_east`.
fn terrain(height_of_east: impl Fn(f64) -> f64) -> Terrain {
    let (m_lon, m_lat) = metres_per_degree(LAT0);
    let (dlon, dlat) = (PIXEL_M / m_lon, PIXEL_M / m_lat);
    let transform = GeoTransform {
        origin_x: LON0 - dlon * SIDE as f64 / 2.0,
        origin_y: LAT0 + dlat * SIDE as f64 / 2.0,
        pixel_width: dlon,
        pixel_height: -dlat,
    };
    let frame = LocalFrame::new(Geodetic {
        lat_deg: LAT0,
        lon_deg: LON0,
        alt_amsl_m: 0.0,
    });
    let mut data = Vec::with_capacity(SIDE * SIDE);
    for row in 0..SIDE {
        for col in 0..SIDE {
            let (lon, lat) = transform.pixel_to_map(col as f64 + 0.5, row as f64 + 0.5);
            let e = frame.geodetic_to_enu(Geodetic {
                lat_deg: lat,
                lon_deg: lon,
                alt_amsl_m: 0.0,
            });
            data.push(height_of_east(e.east_m) as f32);
        }
    }
    Terrain::from_raster(Raster {
        width: SIDE,
        height: SIDE,
        transform,
        crs: Crs::Wgs84,
        data,
    })
    .unwrap()
}

/// Flat at 200 m with a ridge centred 1000 m west of the centre: a 40 m plateau at 350 m
/// and 50 m flanks (grade 3).
fn ridge(e: f64) -> f64 {
    let d = (e + 1000.0).abs();
    if d <= 20.0 {
        350.0
    } else if d >= 70.0 {
        200.0
    } else {
        350.0 - 3.0 * (d - 20.0)
    }
}

fn ray(
    t: &Terrain,
    origin: (f64, f64, f64),
    dir: (f64, f64, f64),
) -> Option<patrol_planner::terrain::RayHit> {
    t.ray_ground_intersection(
        Enu {
            east_m: origin.0,
            north_m: origin.1,
            up_m: origin.2,
        },
        Enu {
            east_m: dir.0,
            north_m: dir.1,
            up_m: dir.2,
        },
        5000.0,
    )
}

#[test]
fn terrain_frame_is_centred_and_round_trips() {
    let t = terrain(|_| 200.0);
    let o = t.frame().origin();
    assert!((o.lat_deg - LAT0).abs() < 1e-9 && (o.lon_deg - LON0).abs() < 1e-9);
    let p = Geodetic {
        lat_deg: 36.61,
        lon_deg: -84.26,
        alt_amsl_m: 321.0,
    };
    let back = t.enu_to_geodetic(t.geodetic_to_enu(p));
    assert!(
        (back.lat_deg - p.lat_deg).abs() < 1e-10 && (back.alt_amsl_m - p.alt_amsl_m).abs() < 1e-4
    );
    assert!((t.elevation_amsl_m(36.61, -84.26).unwrap() - 200.0).abs() < 1e-4);
    assert_eq!(t.elevation_amsl_m(37.5, -84.26), None, "off the DEM");
}

#[test]
fn nadir_ray_over_flat_ground_hits_straight_below() {
    let t = terrain(|_| 200.0);
    let hit = ray(&t, (0.0, 0.0, 300.0), (0.0, 0.0, -1.0)).unwrap();
    assert!((hit.range_m - 100.0).abs() < 0.01, "range {}", hit.range_m);
    assert!(hit.enu.east_m.abs() < 0.01 && hit.enu.north_m.abs() < 0.01);
    assert!((hit.geodetic.alt_amsl_m - 200.0).abs() < 1e-3);
    assert!((hit.geodetic.lat_deg - LAT0).abs() < 1e-7);
}

#[test]
fn oblique_ray_over_flat_ground_hits_at_the_expected_distance() {
    let t = terrain(|_| 200.0);
    // 45° down from 100 m above ground: 100 m out (curvature adds under a millimetre).
    let hit = ray(&t, (0.0, 0.0, 300.0), (1.0, 0.0, -1.0)).unwrap();
    assert!(
        (hit.enu.east_m - 100.0).abs() < 0.05,
        "east {}",
        hit.enu.east_m
    );
    assert!((hit.range_m - 100.0 * 2f64.sqrt()).abs() < 0.1);
}

#[test]
fn oblique_ray_hits_the_near_flank_of_a_ridge() {
    let t = terrain(ridge);
    // From 300 m west of the ridge centre at 300 m, descending 1 in 20: the flank
    // 200 + 3(e + 1070) meets 300 - 0.05(e + 1300) at e = (235 - 3410) / 3.05.
    let hit = ray(&t, (-1300.0, 0.0, 300.0), (1.0, 0.0, -0.05)).unwrap();
    let expected = (235.0 - 3410.0) / 3.05;
    assert!(
        (hit.enu.east_m - expected).abs() < 0.5,
        "east {} vs {expected}",
        hit.enu.east_m
    );
    assert!((hit.geodetic.alt_amsl_m - ridge(expected)).abs() < 1.5);
}

#[test]
fn a_ray_grazing_the_ridge_lands_beyond_it_and_one_a_metre_lower_does_not() {
    let t = terrain(ridge);
    // Passes 1 m above the plateau's far edge (e = -980), then descends to the plain.
    let over = ray(&t, (-1300.0, 0.0, 376.6), (1.0, 0.0, -0.08)).unwrap();
    assert!(
        over.enu.east_m > -930.0,
        "stopped on the ridge at {}",
        over.enu.east_m
    );
    assert!(
        (over.enu.east_m - 907.5).abs() < 5.0,
        "lands at {}",
        over.enu.east_m
    );
    assert!((over.geodetic.alt_amsl_m - 200.0).abs() < 0.01);
    // The same ray 3 m lower crosses 350 m over the plateau at e = -980 - 2/0.08.
    let under = ray(&t, (-1300.0, 0.0, 373.6), (1.0, 0.0, -0.08)).unwrap();
    assert!(
        (under.enu.east_m - (-1005.0)).abs() < 1.0,
        "hits the plateau at {}",
        under.enu.east_m
    );
}

#[test]
fn rays_that_never_meet_the_ground() {
    let t = terrain(|_| 200.0);
    assert!(
        ray(&t, (0.0, 0.0, 300.0), (1.0, 0.0, 0.1)).is_none(),
        "climbing"
    );
    assert!(
        ray(&t, (0.0, 0.0, 300.0), (1.0, 0.0, -0.001)).is_none(),
        "leaves the DEM first"
    );
    assert!(
        ray(&t, (0.0, 0.0, 300.0), (0.0, 0.0, 0.0)).is_none(),
        "no direction"
    );
    let under = ray(&t, (0.0, 0.0, 150.0), (0.0, 0.0, -1.0)).unwrap();
    assert_eq!(under.range_m, 0.0, "an origin below ground is its own hit");
}

#[test]
fn profile_across_the_ridge() {
    let t = terrain(ridge);
    let a = t.enu_to_geodetic(Enu {
        east_m: -1500.0,
        north_m: 0.0,
        up_m: 0.0,
    });
    let b = t.enu_to_geodetic(Enu {
        east_m: -500.0,
        north_m: 0.0,
        up_m: 0.0,
    });
    let profile = t.profile(a, b, 5.0);
    assert!(profile.len() >= 200);
    assert!((profile.last().unwrap().distance_m - 1000.0).abs() < 0.5);
    let top = profile
        .iter()
        .filter_map(|s| s.elevation_amsl_m)
        .fold(f64::MIN, f64::max);
    assert!((top - 350.0).abs() < 0.01, "ridge top {top}");
    let peak = profile
        .iter()
        .max_by(|x, y| x.elevation_amsl_m.partial_cmp(&y.elevation_amsl_m).unwrap())
        .unwrap();
    assert!(
        (peak.distance_m - 500.0).abs() <= 25.0,
        "peak at {} m",
        peak.distance_m
    );
    // Slope on the flank: grade 3 facing west (downhill to the west of the crest).
    let flank = t.enu_to_geodetic(Enu {
        east_m: -1045.0,
        north_m: 0.0,
        up_m: 0.0,
    });
    let sa = t.slope_aspect(flank.lat_deg, flank.lon_deg).unwrap();
    assert!(
        (sa.slope_deg - 3f64.atan().to_degrees()).abs() < 0.5,
        "{}",
        sa.slope_deg
    );
    assert!((sa.aspect_deg.unwrap() - 270.0).abs() < 1.0);
}
