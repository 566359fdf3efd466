//! The pose of one simulated image, and what can be seen through it over the terrain.

use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::terrain::Terrain;

use super::LOS_TOLERANCE_M;
use crate::detect::attitude::Rot3;
use crate::detect::camera::CameraModel;

/// The camera of one image in the terrain's frame.
#[derive(Debug, Clone)]
pub struct View {
    /// Camera position in the terrain's local frame.
    pub(super) origin: Enu,
    /// Camera frame (x right, y down, z forward) → the terrain's local frame.
    pub(super) camera_to_frame: Rot3,
}

impl View {
    /// The image point of a point of the terrain's frame and its range, metres, if it is in
    /// the image, within `max_range_m` and not hidden by the ground (a hit up to
    /// `extent_m` before it still counts: part of a wide fire shows).
    pub(super) fn sight(
        &self,
        terrain: &Terrain,
        camera: &CameraModel,
        point: Enu,
        extent_m: f64,
        max_range_m: f64,
    ) -> Option<((f64, f64), f64)> {
        let d = [
            point.east_m - self.origin.east_m,
            point.north_m - self.origin.north_m,
            point.up_m - self.origin.up_m,
        ];
        let range_m = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        if !(range_m > 0.0 && range_m <= max_range_m) {
            return None;
        }
        let ray_cam = self.camera_to_frame.transpose().apply(d);
        let (u, v) = camera.normalised_from_ray_cam(ray_cam)?;
        if !((0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v)) {
            return None;
        }
        let direction = Enu {
            east_m: d[0],
            north_m: d[1],
            up_m: d[2],
        };
        // The first ground along the ray; no hit within range means nothing is in the way.
        if let Some(hit) = terrain.ray_ground_intersection(self.origin, direction, range_m)
            && hit.range_m < range_m - LOS_TOLERANCE_M.max(extent_m)
        {
            return None;
        }
        Some(((u, v), range_m))
    }

    /// Where the ray of image point `uv` meets the ground, and its range, metres.
    pub(super) fn ground_hit(
        &self,
        terrain: &Terrain,
        camera: &CameraModel,
        uv: (f64, f64),
        max_range_m: f64,
    ) -> Option<(Geodetic, f64)> {
        let [e, n, u] = self
            .camera_to_frame
            .apply(camera.ray_cam_from_normalised(uv.0, uv.1));
        let direction = Enu {
            east_m: e,
            north_m: n,
            up_m: u,
        };
        terrain
            .ray_ground_intersection(self.origin, direction, max_range_m)
            .map(|h| (h.geodetic, h.range_m))
    }
}
