//! From WGS 84 to scene coordinates.

use std::sync::Arc;

use bevy::prelude::*;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::terrain::Terrain;

/// The area's terrain and its local frame, as a resource.
#[derive(Resource, Debug, Clone)]
pub struct SceneFrame {
    /// The DEM the scene stands on.
    pub terrain: Arc<Terrain>,
}

impl SceneFrame {
    /// The frame of `terrain` (origin at the DEM extent's centre, sea level).
    pub fn new(terrain: Arc<Terrain>) -> SceneFrame {
        SceneFrame { terrain }
    }

    /// Scene position of a WGS 84 point at `alt_amsl_m` metres above mean sea level:
    /// x = east, y = up, z = south, metres.
    pub fn geodetic_to_scene(&self, lat_deg: f64, lon_deg: f64, alt_amsl_m: f64) -> Vec3 {
        let e = self.terrain.geodetic_to_enu(Geodetic {
            lat_deg,
            lon_deg,
            alt_amsl_m,
        });
        Vec3::new(e.east_m as f32, e.up_m as f32, -e.north_m as f32)
    }

    /// Scene position of the ground at a WGS 84 point, raised by `lift_m` metres (the
    /// lowest DEM elevation off the DEM).
    pub fn ground_to_scene(&self, lat_deg: f64, lon_deg: f64, lift_m: f64) -> Vec3 {
        let ground = self
            .terrain
            .elevation_amsl_m(lat_deg, lon_deg)
            .unwrap_or(f64::from(self.terrain.elevation_range_m().0));
        self.geodetic_to_scene(lat_deg, lon_deg, ground + lift_m)
    }

    /// Half the DEM's size in the scene, (east-west, north-south), metres, from its corners.
    pub fn half_extent_m(&self) -> Vec2 {
        let b = self.terrain.extent();
        let mut half = Vec2::ZERO;
        for (lat, lon) in [
            (b.south_deg, b.west_deg),
            (b.south_deg, b.east_deg),
            (b.north_deg, b.west_deg),
            (b.north_deg, b.east_deg),
        ] {
            let p = self.geodetic_to_scene(lat, lon, 0.0);
            half = half.max(Vec2::new(p.x.abs(), p.z.abs()));
        }
        half
    }
}
