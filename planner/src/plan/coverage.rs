//! What a drone's camera sees: the footprint on the ground from the height above it, the
//! field of view and the gimbal pitch, reduced to the width of ground swept along a track.
//!
//! A nadir camera at height h sees a strip `2 h tan(hfov / 2)` wide under the track. An
//! oblique camera pitched p below the horizon looks ahead: its centre ray meets the ground at
//! slant range `h / sin p`, where the footprint is `2 (h / sin p) tan(hfov / 2)` wide; the
//! strip it sweeps is that wide, shifted ahead of the drone (the shift does not change which
//! ground a straight track sweeps). A planning cell visited by a track through its centre is
//! patrolled for the share of it the strip covers, `min(1, swath / cell size)`; a lawn-mower
//! sweep patrols its cells entirely.

use crate::area::fleet::Camera;

/// Longest slant range counted as seeing the ground, metres (haze and resolution).
pub const MAX_SLANT_RANGE_M: f64 = 1500.0;

/// Width of the ground strip the camera sweeps along a straight track, metres.
pub fn swath_width_m(camera: &Camera, alt_agl_m: f64) -> f64 {
    let pitch_below_horizon = (-camera.gimbal_pitch_deg).clamp(1.0, 90.0).to_radians();
    let slant_m = (alt_agl_m / pitch_below_horizon.sin()).min(MAX_SLANT_RANGE_M);
    2.0 * slant_m * (camera.hfov_deg().to_radians() / 2.0).tan()
}

/// Share (0..1) of a square cell of `cell_m` patrolled by one pass through its centre.
pub fn pass_share(swath_m: f64, cell_m: f64) -> f64 {
    (swath_m / cell_m).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::area::fleet::CameraKind;

    fn cam(pitch: f64) -> Camera {
        Camera {
            kind: CameraKind::Thermal,
            sensor_width_mm: 7.68,
            sensor_height_mm: 6.14,
            focal_length_mm: 13.0,
            resolution_px: [640, 512],
            gimbal_pitch_deg: pitch,
        }
    }

    #[test]
    fn nadir_and_oblique_swaths() {
        // hfov = 2 atan(7.68 / 26): at 100 m a nadir strip is 100 * 7.68 / 13 = 59.1 m wide.
        assert!((swath_width_m(&cam(-90.0), 100.0) - 100.0 * 7.68 / 13.0).abs() < 1e-9);
        // At 45° the slant range is 141.4 m: the strip widens by sqrt(2).
        assert!(
            (swath_width_m(&cam(-45.0), 100.0) - 2f64.sqrt() * 100.0 * 7.68 / 13.0).abs() < 1e-9
        );
        // Looking at the horizon, the range is capped.
        assert!((swath_width_m(&cam(0.0), 100.0) - MAX_SLANT_RANGE_M * 7.68 / 13.0).abs() < 1e-6);
        assert_eq!(pass_share(59.0, 250.0), 59.0 / 250.0);
        assert_eq!(pass_share(400.0, 250.0), 1.0);
    }
}
