//! The camera as a pinhole: which direction, in the camera's own frame, a point of the image
//! looks along, and back.
//!
//! # Frames and units
//!
//! - Image: normalised coordinates `u` (right) and `v` (down), both 0..1 across the image,
//!   origin at the top-left corner; `(0.5, 0.5)` is the image centre. Detectors report boxes
//!   this way whatever the resolution, so the model converts to pixels itself.
//! - Camera frame: x right, y down, z forward along the optical axis (the computer-vision
//!   convention). [`super::attitude`] maps it to the gimbal and the world.
//!
//! The principal point is taken at the image centre and lenses as distortion-free: neither
//! CAMERA_INFORMATION nor the fleet file carries calibration, and for the narrow lenses of
//! patrol cameras distortion is a few pixels at the edges, well below attitude error.

use patrol_planner::area::fleet::Camera;

/// Why camera parameters cannot describe a camera.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameraError {
    /// A parameter is zero, negative, NaN or infinite.
    #[error("camera parameter {field} is {value}: it must be a positive, finite number")]
    InvalidField {
        /// The field as its source names it (e.g. `CAMERA_INFORMATION.focal_length`).
        field: &'static str,
        /// The value received.
        value: f64,
    },
}

/// A pinhole camera: image size and focal lengths in pixels.
///
/// Invariant: every field is positive and finite (checked by the constructors).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraModel {
    /// Image width, pixels.
    pub width_px: f64,
    /// Image height, pixels.
    pub height_px: f64,
    /// Horizontal focal length, pixels.
    pub fx_px: f64,
    /// Vertical focal length, pixels.
    pub fy_px: f64,
    /// Principal point, pixels from the left edge.
    pub cx_px: f64,
    /// Principal point, pixels from the top edge.
    pub cy_px: f64,
}

impl CameraModel {
    /// The camera of a fleet file's drone.
    pub fn from_fleet(camera: &Camera) -> Result<CameraModel, CameraError> {
        Self::from_sensor(
            [
                ("fleet camera.focal_length_mm", camera.focal_length_mm),
                ("fleet camera.sensor_width_mm", camera.sensor_width_mm),
                ("fleet camera.sensor_height_mm", camera.sensor_height_mm),
            ],
            [
                (
                    "fleet camera.resolution_px[0]",
                    f64::from(camera.resolution_px[0]),
                ),
                (
                    "fleet camera.resolution_px[1]",
                    f64::from(camera.resolution_px[1]),
                ),
            ],
        )
    }

    /// The camera a MAVLink CAMERA_INFORMATION message describes (its fields, with their
    /// MAVLink types: millimetres and pixels).
    pub fn from_camera_information(
        focal_length_mm: f32,
        sensor_size_h_mm: f32,
        sensor_size_v_mm: f32,
        resolution_h_px: u16,
        resolution_v_px: u16,
    ) -> Result<CameraModel, CameraError> {
        Self::from_sensor(
            [
                (
                    "CAMERA_INFORMATION.focal_length",
                    f64::from(focal_length_mm),
                ),
                (
                    "CAMERA_INFORMATION.sensor_size_h",
                    f64::from(sensor_size_h_mm),
                ),
                (
                    "CAMERA_INFORMATION.sensor_size_v",
                    f64::from(sensor_size_v_mm),
                ),
            ],
            [
                (
                    "CAMERA_INFORMATION.resolution_h",
                    f64::from(resolution_h_px),
                ),
                (
                    "CAMERA_INFORMATION.resolution_v",
                    f64::from(resolution_v_px),
                ),
            ],
        )
    }

    /// `mm` = focal length, sensor width, sensor height (millimetres); `px` = width, height.
    fn from_sensor(
        mm: [(&'static str, f64); 3],
        px: [(&'static str, f64); 2],
    ) -> Result<CameraModel, CameraError> {
        for (field, value) in mm.iter().chain(px.iter()) {
            if !(value.is_finite() && *value > 0.0) {
                return Err(CameraError::InvalidField {
                    field,
                    value: *value,
                });
            }
        }
        let [(_, focal_mm), (_, sensor_w_mm), (_, sensor_h_mm)] = mm;
        let [(_, width_px), (_, height_px)] = px;
        Ok(CameraModel {
            width_px,
            height_px,
            fx_px: focal_mm / sensor_w_mm * width_px,
            fy_px: focal_mm / sensor_h_mm * height_px,
            cx_px: width_px / 2.0,
            cy_px: height_px / 2.0,
        })
    }

    /// The unit vector in the camera frame (x right, y down, z forward) along which the image
    /// point `(u, v)` (normalised, 0..1 from the top-left) looks.
    ///
    /// Points outside 0..1 are extrapolated (the pinhole has no edge); the caller decides
    /// whether such a detection makes sense.
    pub fn ray_cam_from_normalised(&self, u: f64, v: f64) -> [f64; 3] {
        let x = (u * self.width_px - self.cx_px) / self.fx_px;
        let y = (v * self.height_px - self.cy_px) / self.fy_px;
        let n = (x * x + y * y + 1.0).sqrt();
        [x / n, y / n, 1.0 / n]
    }

    /// The image point `(u, v)` (normalised, 0..1 from the top-left) a camera-frame direction
    /// projects to: the exact inverse of [`Self::ray_cam_from_normalised`].
    ///
    /// `None` when the direction points sideways or behind the camera (z ≤ 0) or is not finite;
    /// a point in front but outside the field of view gives `u` or `v` outside 0..1.
    pub fn normalised_from_ray_cam(&self, ray: [f64; 3]) -> Option<(f64, f64)> {
        let [x, y, z] = ray;
        if !(x.is_finite() && y.is_finite() && z.is_finite()) || z <= 0.0 {
            return None;
        }
        let u = (self.fx_px * x / z + self.cx_px) / self.width_px;
        let v = (self.fy_px * y / z + self.cy_px) / self.height_px;
        Some((u, v))
    }

    /// The angle one pixel subtends at the image centre, radians (the larger of the
    /// horizontal and vertical ones): the natural unit of a detector's pointing error.
    pub fn pixel_sigma_rad(&self) -> f64 {
        (1.0 / self.fx_px.min(self.fy_px)).atan()
    }

    /// Horizontal field of view, radians.
    pub fn hfov_rad(&self) -> f64 {
        2.0 * (self.width_px / (2.0 * self.fx_px)).atan()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_planner::area::fleet::CameraKind;

    fn thermal() -> Camera {
        // Drone q1 of missions/cumberland.
        Camera {
            kind: CameraKind::Thermal,
            sensor_width_mm: 7.68,
            sensor_height_mm: 6.14,
            focal_length_mm: 13.0,
            resolution_px: [640, 512],
            gimbal_pitch_deg: -90.0,
        }
    }

    #[test]
    fn fleet_camera_has_the_fleet_field_of_view() {
        let cam = thermal();
        let model = CameraModel::from_fleet(&cam).expect("valid camera");
        assert!((model.hfov_rad().to_degrees() - cam.hfov_deg()).abs() < 1e-12);
        assert_eq!((model.cx_px, model.cy_px), (320.0, 256.0));
        // The image's right edge is half the field of view right of the axis.
        let edge = model.ray_cam_from_normalised(1.0, 0.5);
        let angle = edge[0].atan2(edge[2]);
        assert!((angle - model.hfov_rad() / 2.0).abs() < 1e-12);
    }

    #[test]
    fn camera_information_matches_fleet_description() {
        let from_info = CameraModel::from_camera_information(13.0, 7.68, 6.14, 640, 512)
            .expect("valid message");
        let from_fleet = CameraModel::from_fleet(&thermal()).expect("valid camera");
        // f32 fields carry ~7 digits.
        assert!((from_info.fx_px - from_fleet.fx_px).abs() < 1e-3);
        assert!((from_info.fy_px - from_fleet.fy_px).abs() < 1e-3);
    }

    #[test]
    fn invalid_fields_are_named() {
        let err = CameraModel::from_camera_information(0.0, 7.68, 6.14, 640, 512)
            .expect_err("zero focal length");
        assert!(err.to_string().contains("CAMERA_INFORMATION.focal_length"));
        let err = CameraModel::from_camera_information(13.0, f32::NAN, 6.14, 640, 512)
            .expect_err("NaN sensor");
        assert!(matches!(
            err,
            CameraError::InvalidField {
                field: "CAMERA_INFORMATION.sensor_size_h",
                ..
            }
        ));
        let err =
            CameraModel::from_camera_information(13.0, 7.68, 6.14, 640, 0).expect_err("zero rows");
        assert!(err.to_string().contains("resolution_v"));
        let mut cam = thermal();
        cam.sensor_height_mm = -1.0;
        let err = CameraModel::from_fleet(&cam).expect_err("negative sensor");
        assert!(err.to_string().contains("sensor_height_mm"));
    }

    #[test]
    fn centre_looks_along_the_axis_and_axes_point_right_and_down() {
        let model = CameraModel::from_fleet(&thermal()).expect("valid camera");
        assert_eq!(model.ray_cam_from_normalised(0.5, 0.5), [0.0, 0.0, 1.0]);
        let right_low = model.ray_cam_from_normalised(0.9, 0.8);
        assert!(right_low[0] > 0.0 && right_low[1] > 0.0 && right_low[2] > 0.0);
        let norm: f64 = right_low.iter().map(|c| c * c).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-15);
    }

    #[test]
    fn pixel_to_ray_to_pixel_round_trips() {
        let model =
            CameraModel::from_camera_information(4.5, 6.4, 4.8, 4000, 3000).expect("valid message");
        for &(u, v) in &[
            (0.0, 0.0),
            (1.0, 1.0),
            (0.5, 0.5),
            (0.123, 0.987),
            (0.999_9, 0.000_1),
            (-0.2, 1.3),
        ] {
            let ray = model.ray_cam_from_normalised(u, v);
            let (u2, v2) = model.normalised_from_ray_cam(ray).expect("in front");
            assert!((u2 - u).abs() < 1e-14 && (v2 - v).abs() < 1e-14, "{u},{v}");
        }
    }

    #[test]
    fn directions_behind_the_camera_have_no_pixel() {
        let model = CameraModel::from_fleet(&thermal()).expect("valid camera");
        assert_eq!(model.normalised_from_ray_cam([0.0, 0.0, -1.0]), None);
        assert_eq!(model.normalised_from_ray_cam([1.0, 0.0, 0.0]), None);
        assert_eq!(model.normalised_from_ray_cam([f64::NAN, 0.0, 1.0]), None);
    }

    #[test]
    fn one_pixel_subtends_one_pixel_of_angle() {
        let model = CameraModel::from_fleet(&thermal()).expect("valid camera");
        let a = model.ray_cam_from_normalised(0.5, 0.5);
        let b = model.ray_cam_from_normalised(0.5 + 1.0 / model.width_px, 0.5);
        let angle = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).acos();
        // fx and fy differ by 0.2 % on this sensor; the helper gives the larger angle.
        assert!((angle - model.pixel_sigma_rad()).abs() < 0.01 * angle);
    }
}
