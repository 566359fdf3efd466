//! Where the camera points: the chain of rotations from the camera frame to the local
//! east-north-up frame, built from what MAVLink reports.
//!
//! # Frames (the likeliest geotagging bug lives here)
//!
//! | frame | x | y | z | source |
//! |---|---|---|---|---|
//! | camera `C` | right | down | forward (optical axis) | [`super::camera`] |
//! | gimbal `G` | forward | right | down | GIMBAL_DEVICE_ATTITUDE_STATUS |
//! | vehicle heading `H` | north rotated by yaw | east rotated by yaw | down | NED turned by the vehicle's yaw only |
//! | body `B` | forward | right | down (FRD) | ATTITUDE |
//! | `NED` | north | east | down | at the vehicle |
//! | `ENU` | east | north | up | at the vehicle, or a terrain frame ([`enu_at_to_frame`]) |
//!
//! - Camera → gimbal: camera z (forward) = gimbal x, camera x (right) = gimbal y, camera y
//!   (down) = gimbal z. So `v_G = (v_C.z, v_C.x, v_C.y)`.
//! - Gimbal → reference: the quaternion `q = [w, x, y, z]` of GIMBAL_DEVICE_ATTITUDE_STATUS
//!   rotates gimbal-frame vectors into its reference frame (`v_ref = R(q) v_G`, Hamilton
//!   convention, as MAVLink's ATTITUDE_QUATERNION). The reference is chosen by `flags`:
//!   YAW_IN_VEHICLE_FRAME (32) → `H` (yaw relative to the heading, roll and pitch relative to
//!   the horizon: a stabilised gimbal); YAW_IN_EARTH_FRAME (64) → `NED`; neither → YAW_LOCK
//!   (16) set → `NED`, unset → `H`.
//! - Heading → NED: `R_z(yaw)`, yaw from ATTITUDE. Vehicle roll and pitch do not enter: the
//!   gimbal reports its own attitude against the horizon in both frames.
//! - NED → ENU: `east = NED.y, north = NED.x, up = -NED.z`.
//!
//! Angles: Euler angles are the aerospace 3-2-1 sequence (yaw about down, then pitch, then
//! roll), radians. Positive pitch raises the nose (or the camera): a camera looking straight
//! down has pitch -90°. Yaw is clockwise from north seen from above: 90° faces east.

use patrol_planner::geodesy::enu::{Geodetic, LocalFrame};

/// A 3 x 3 rotation matrix, rows first: `m[row][col]`; maps column vectors `v ↦ M v`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rot3 {
    /// The matrix, `m[row][col]`.
    pub m: [[f64; 3]; 3],
}

impl Rot3 {
    /// The identity.
    pub const IDENTITY: Rot3 = Rot3 {
        m: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    };

    /// Camera frame (x right, y down, z forward) → gimbal frame (x forward, y right, z down).
    pub const CAMERA_TO_GIMBAL: Rot3 = Rot3 {
        m: [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
    };

    /// NED → ENU (a reflection-free axis swap: east = y, north = x, up = -z).
    pub const NED_TO_ENU: Rot3 = Rot3 {
        m: [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]],
    };

    /// The product `self · rhs` (apply `rhs` first).
    pub fn mul(&self, rhs: &Rot3) -> Rot3 {
        let mut m = [[0.0; 3]; 3];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (0..3).map(|k| self.m[i][k] * rhs.m[k][j]).sum();
            }
        }
        Rot3 { m }
    }

    /// The vector `self · v`.
    pub fn apply(&self, v: [f64; 3]) -> [f64; 3] {
        let r = |i: usize| self.m[i][0] * v[0] + self.m[i][1] * v[1] + self.m[i][2] * v[2];
        [r(0), r(1), r(2)]
    }

    /// The transpose, which for a rotation is its inverse.
    pub fn transpose(&self) -> Rot3 {
        let m = self.m;
        Rot3 {
            m: [
                [m[0][0], m[1][0], m[2][0]],
                [m[0][1], m[1][1], m[2][1]],
                [m[0][2], m[1][2], m[2][2]],
            ],
        }
    }

    /// The rotation of a quaternion `[w, x, y, z]` (Hamilton; it is normalised first).
    ///
    /// `None` when its norm is zero or not finite: a quaternion from the wire may be garbage.
    pub fn from_quaternion(q: [f64; 4]) -> Option<Rot3> {
        let n = q.iter().map(|c| c * c).sum::<f64>().sqrt();
        if !(n.is_finite() && n > 0.0) {
            return None;
        }
        let [w, x, y, z] = q.map(|c| c / n);
        Some(Rot3 {
            m: [
                [
                    1.0 - 2.0 * (y * y + z * z),
                    2.0 * (x * y - w * z),
                    2.0 * (x * z + w * y),
                ],
                [
                    2.0 * (x * y + w * z),
                    1.0 - 2.0 * (x * x + z * z),
                    2.0 * (y * z - w * x),
                ],
                [
                    2.0 * (x * z - w * y),
                    2.0 * (y * z + w * x),
                    1.0 - 2.0 * (x * x + y * y),
                ],
            ],
        })
    }

    /// The rotation of 3-2-1 Euler angles, radians: `R_z(yaw) · R_y(pitch) · R_x(roll)`,
    /// which maps body (FRD) vectors to NED for MAVLink's ATTITUDE angles.
    pub fn from_euler_321(roll_rad: f64, pitch_rad: f64, yaw_rad: f64) -> Rot3 {
        let (sr, cr) = roll_rad.sin_cos();
        let (sp, cp) = pitch_rad.sin_cos();
        let (sy, cy) = yaw_rad.sin_cos();
        Rot3 {
            m: [
                [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
                [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
                [-sp, cp * sr, cp * cr],
            ],
        }
    }

    /// The rotation by `|w|` radians about the axis `w` (a rotation vector, Rodrigues).
    pub fn from_rotation_vector(w: [f64; 3]) -> Rot3 {
        let angle = (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]).sqrt();
        if angle < 1e-300 {
            return Rot3::IDENTITY;
        }
        let [x, y, z] = w.map(|c| c / angle);
        let (s, c) = angle.sin_cos();
        let t = 1.0 - c;
        Rot3 {
            m: [
                [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
                [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
                [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
            ],
        }
    }
}

/// The quaternion `[w, x, y, z]` of 3-2-1 Euler angles, radians (same rotation as
/// [`Rot3::from_euler_321`]).
pub fn quaternion_from_euler_321(roll_rad: f64, pitch_rad: f64, yaw_rad: f64) -> [f64; 4] {
    let (sr, cr) = (roll_rad / 2.0).sin_cos();
    let (sp, cp) = (pitch_rad / 2.0).sin_cos();
    let (sy, cy) = (yaw_rad / 2.0).sin_cos();
    [
        cr * cp * cy + sr * sp * sy,
        sr * cp * cy - cr * sp * sy,
        cr * sp * cy + sr * cp * sy,
        cr * cp * sy - sr * sp * cy,
    ]
}

/// The vehicle's attitude as MAVLink ATTITUDE gives it: body FRD relative to NED, 3-2-1
/// Euler angles in radians (yaw clockwise from north).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VehicleAttitude {
    /// Roll, radians, right wing down positive.
    pub roll_rad: f64,
    /// Pitch, radians, nose up positive.
    pub pitch_rad: f64,
    /// Yaw (heading), radians clockwise from north.
    pub yaw_rad: f64,
}

impl VehicleAttitude {
    /// Body (FRD) → NED.
    pub fn body_to_ned(&self) -> Rot3 {
        Rot3::from_euler_321(self.roll_rad, self.pitch_rad, self.yaw_rad)
    }
}

/// GIMBAL_DEVICE_FLAGS_YAW_LOCK: yaw held in the earth frame (used when neither frame flag is set).
pub const GIMBAL_DEVICE_FLAGS_YAW_LOCK: u16 = 16;
/// GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME: the quaternion's yaw is relative to the heading.
pub const GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME: u16 = 32;
/// GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME: the quaternion is relative to NED.
pub const GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME: u16 = 64;

/// The frame a gimbal quaternion is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GimbalReference {
    /// NED turned by the vehicle's yaw only: yaw follows the heading, roll and pitch are
    /// against the horizon.
    VehicleHeading,
    /// NED itself.
    Earth,
}

impl GimbalReference {
    /// The reference GIMBAL_DEVICE_ATTITUDE_STATUS `flags` select (see the module docs).
    pub fn from_flags(flags: u16) -> GimbalReference {
        if flags & GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME != 0 {
            GimbalReference::VehicleHeading
        } else if flags & GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME != 0
            || flags & GIMBAL_DEVICE_FLAGS_YAW_LOCK != 0
        {
            GimbalReference::Earth
        } else {
            GimbalReference::VehicleHeading
        }
    }
}

/// Why a gimbal report cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AttitudeError {
    /// The quaternion is zero, NaN or far from unit length.
    #[error("GIMBAL_DEVICE_ATTITUDE_STATUS.q = {q:?} has norm {norm}: not a rotation (expected 1)")]
    BadQuaternion {
        /// The quaternion received, [w, x, y, z].
        q: [f64; 4],
        /// Its norm.
        norm: f64,
    },
}

/// The gimbal's attitude: a unit quaternion (gimbal frame → reference) and its reference.
///
/// Invariant: `q_wxyz` has unit norm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GimbalAttitude {
    /// Rotation gimbal frame → reference, [w, x, y, z].
    pub q_wxyz: [f64; 4],
    /// What the quaternion is relative to.
    pub reference: GimbalReference,
}

impl GimbalAttitude {
    /// From GIMBAL_DEVICE_ATTITUDE_STATUS's `q` and `flags`. A quaternion whose norm is off
    /// by more than 10 % is refused (a corrupt or uninitialised report); a small error is
    /// normalised away (f32 on the wire).
    pub fn from_device_status(q: [f64; 4], flags: u16) -> Result<GimbalAttitude, AttitudeError> {
        let norm = q.iter().map(|c| c * c).sum::<f64>().sqrt();
        if !(norm.is_finite() && (norm - 1.0).abs() <= 0.1) {
            return Err(AttitudeError::BadQuaternion { q, norm });
        }
        Ok(GimbalAttitude {
            q_wxyz: q.map(|c| c / norm),
            reference: GimbalReference::from_flags(flags),
        })
    }

    /// A fixed, stabilised mount (the fleet file's `gimbal_pitch_deg`): pitched by
    /// `pitch_deg` (-90 = straight down), facing the vehicle's heading, level.
    pub fn fixed_mount(pitch_deg: f64) -> GimbalAttitude {
        GimbalAttitude {
            q_wxyz: quaternion_from_euler_321(0.0, pitch_deg.to_radians(), 0.0),
            reference: GimbalReference::VehicleHeading,
        }
    }

    /// Gimbal frame → NED at the vehicle, given the vehicle's attitude.
    pub fn gimbal_to_ned(&self, vehicle: &VehicleAttitude) -> Rot3 {
        // The invariant makes the quaternion valid; identity only guards against misuse.
        let to_reference = Rot3::from_quaternion(self.q_wxyz).unwrap_or(Rot3::IDENTITY);
        match self.reference {
            GimbalReference::Earth => to_reference,
            GimbalReference::VehicleHeading => {
                Rot3::from_euler_321(0.0, 0.0, vehicle.yaw_rad).mul(&to_reference)
            }
        }
    }
}

/// Camera frame (x right, y down, z forward) → ENU at the vehicle's position.
pub fn camera_to_enu(vehicle: &VehicleAttitude, gimbal: &GimbalAttitude) -> Rot3 {
    Rot3::NED_TO_ENU
        .mul(&gimbal.gimbal_to_ned(vehicle))
        .mul(&Rot3::CAMERA_TO_GIMBAL)
}

/// ENU directions at `at` → ENU directions of `frame` (whose axes are those at its origin).
///
/// "Down" at a vehicle 10 km from a frame's origin is tilted 1.6 mrad in that frame, which
/// moves a point seen 3 km away by 5 m; directions must be turned before a frame's ray cast.
pub fn enu_at_to_frame(frame: &LocalFrame, at: Geodetic) -> Rot3 {
    ecef_to_enu(frame.origin()).mul(&ecef_to_enu(at).transpose())
}

/// ECEF → ENU rotation at a position (rows: east, north, up unit vectors in ECEF).
fn ecef_to_enu(p: Geodetic) -> Rot3 {
    let (sin_lat, cos_lat) = p.lat_deg.to_radians().sin_cos();
    let (sin_lon, cos_lon) = p.lon_deg.to_radians().sin_cos();
    Rot3 {
        m: [
            [-sin_lon, cos_lon, 0.0],
            [-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat],
            [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat],
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_planner::geodesy::enu::Enu;

    fn close(a: [f64; 3], b: [f64; 3], tol: f64) -> bool {
        (0..3).all(|i| (a[i] - b[i]).abs() < tol)
    }

    const FORWARD_CAM: [f64; 3] = [0.0, 0.0, 1.0];
    const RIGHT_CAM: [f64; 3] = [1.0, 0.0, 0.0];
    const DOWN_CAM: [f64; 3] = [0.0, 1.0, 0.0];

    #[test]
    fn quaternion_and_euler_agree() {
        let (r, p, y) = (0.3, -0.7, 2.5);
        let a = Rot3::from_euler_321(r, p, y);
        let b = Rot3::from_quaternion(quaternion_from_euler_321(r, p, y)).expect("unit");
        for i in 0..3 {
            assert!(close(a.m[i], b.m[i], 1e-15));
        }
        // Orthonormal: M Mᵀ = I.
        let i3 = a.mul(&a.transpose());
        for i in 0..3 {
            assert!(close(i3.m[i], Rot3::IDENTITY.m[i], 1e-15));
        }
    }

    #[test]
    fn euler_signs_follow_mavlink() {
        // Yaw 90°: the nose points east.
        let east = Rot3::from_euler_321(0.0, 0.0, 90f64.to_radians()).apply([1.0, 0.0, 0.0]);
        assert!(close(east, [0.0, 1.0, 0.0], 1e-15));
        // Pitch +10°: the nose rises (NED z negative).
        let up = Rot3::from_euler_321(0.0, 10f64.to_radians(), 0.0).apply([1.0, 0.0, 0.0]);
        assert!(up[2] < 0.0);
        // Roll +10°: the right wing goes down.
        let wing = Rot3::from_euler_321(10f64.to_radians(), 0.0, 0.0).apply([0.0, 1.0, 0.0]);
        assert!(wing[2] > 0.0);
    }

    #[test]
    fn bad_quaternions_are_refused() {
        assert!(Rot3::from_quaternion([0.0; 4]).is_none());
        assert!(Rot3::from_quaternion([f64::NAN, 0.0, 0.0, 0.0]).is_none());
        let err = GimbalAttitude::from_device_status([0.0; 4], 0).expect_err("zero");
        assert!(err.to_string().contains("GIMBAL_DEVICE_ATTITUDE_STATUS.q"));
        assert!(GimbalAttitude::from_device_status([0.5, 0.0, 0.0, 0.0], 0).is_err());
    }

    #[test]
    fn flags_choose_the_reference() {
        use GimbalReference::*;
        assert_eq!(GimbalReference::from_flags(32), VehicleHeading);
        assert_eq!(GimbalReference::from_flags(64), Earth);
        // An explicit frame flag wins over yaw lock.
        assert_eq!(GimbalReference::from_flags(32 | 16), VehicleHeading);
        assert_eq!(GimbalReference::from_flags(16), Earth);
        assert_eq!(GimbalReference::from_flags(0), VehicleHeading);
    }

    #[test]
    fn fixed_nadir_mount_looks_down_with_image_top_ahead() {
        let heading_east = VehicleAttitude {
            roll_rad: 0.2,
            pitch_rad: -0.1,
            yaw_rad: 90f64.to_radians(),
        };
        let r = camera_to_enu(&heading_east, &GimbalAttitude::fixed_mount(-90.0));
        assert!(close(r.apply(FORWARD_CAM), [0.0, 0.0, -1.0], 1e-15));
        // The image's right is the vehicle's right (south); its top (-y) is ahead (east).
        assert!(close(r.apply(RIGHT_CAM), [0.0, -1.0, 0.0], 1e-15));
        assert!(close(r.apply(DOWN_CAM), [-1.0, 0.0, 0.0], 1e-15));
    }

    #[test]
    fn oblique_mount_looks_ahead_and_down() {
        let heading_east = VehicleAttitude {
            roll_rad: 0.0,
            pitch_rad: 0.0,
            yaw_rad: 90f64.to_radians(),
        };
        let r = camera_to_enu(&heading_east, &GimbalAttitude::fixed_mount(-30.0));
        let (s, c) = 30f64.to_radians().sin_cos();
        assert!(close(r.apply(FORWARD_CAM), [c, 0.0, -s], 1e-15));
        assert!(close(r.apply(RIGHT_CAM), [0.0, -1.0, 0.0], 1e-15));
    }

    #[test]
    fn yaw_frame_flags_give_different_correct_directions() {
        // The same report: yaw 0, pitch -30° in its reference, vehicle heading east.
        let q = quaternion_from_euler_321(0.0, (-30f64).to_radians(), 0.0);
        let vehicle = VehicleAttitude {
            roll_rad: 0.05,
            pitch_rad: 0.1,
            yaw_rad: 90f64.to_radians(),
        };
        let (s, c) = 30f64.to_radians().sin_cos();
        let heading =
            GimbalAttitude::from_device_status(q, GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME)
                .expect("unit");
        let earth = GimbalAttitude::from_device_status(q, GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME)
            .expect("unit");
        let lock =
            GimbalAttitude::from_device_status(q, GIMBAL_DEVICE_FLAGS_YAW_LOCK).expect("unit");
        // Yaw 0 relative to the heading: east; relative to north: north.
        assert!(close(
            camera_to_enu(&vehicle, &heading).apply(FORWARD_CAM),
            [c, 0.0, -s],
            1e-15
        ));
        assert!(close(
            camera_to_enu(&vehicle, &earth).apply(FORWARD_CAM),
            [0.0, c, -s],
            1e-15
        ));
        assert!(close(
            camera_to_enu(&vehicle, &lock).apply(FORWARD_CAM),
            [0.0, c, -s],
            1e-15
        ));
    }

    #[test]
    fn gimbal_yaw_and_roll_turn_the_view() {
        // Gimbal yawed 90° right of north in the earth frame, level: looks east, image right
        // is south.
        let q = quaternion_from_euler_321(0.0, 0.0, 90f64.to_radians());
        let g = GimbalAttitude::from_device_status(q, GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME)
            .expect("unit");
        let level = VehicleAttitude {
            roll_rad: 0.0,
            pitch_rad: 0.0,
            yaw_rad: 0.0,
        };
        let r = camera_to_enu(&level, &g);
        assert!(close(r.apply(FORWARD_CAM), [1.0, 0.0, 0.0], 1e-15));
        assert!(close(r.apply(RIGHT_CAM), [0.0, -1.0, 0.0], 1e-15));
        assert!(close(r.apply(DOWN_CAM), [0.0, 0.0, -1.0], 1e-15));
    }

    #[test]
    fn rotation_vector_turns_by_its_length() {
        let r = Rot3::from_rotation_vector([0.0, 0.0, 0.25]);
        let v = r.apply([1.0, 0.0, 0.0]);
        assert!(close(v, [0.25f64.cos(), 0.25f64.sin(), 0.0], 1e-15));
        assert_eq!(Rot3::from_rotation_vector([0.0; 3]), Rot3::IDENTITY);
    }

    #[test]
    fn down_far_from_the_frame_origin_is_tilted_in_the_frame() {
        let origin = Geodetic {
            lat_deg: 36.6,
            lon_deg: -84.2,
            alt_amsl_m: 0.0,
        };
        let frame = LocalFrame::new(origin);
        assert!(close(
            enu_at_to_frame(&frame, origin).apply([0.0, 0.0, 1.0]),
            [0.0, 0.0, 1.0],
            1e-15
        ));
        // 10 km east: local up, turned into the frame, is the frame direction between the
        // point and a point 1 km above it.
        let p = frame.enu_to_geodetic(Enu {
            east_m: 10_000.0,
            north_m: 0.0,
            up_m: 0.0,
        });
        let above = frame.geodetic_to_enu(Geodetic {
            alt_amsl_m: p.alt_amsl_m + 1000.0,
            ..p
        });
        let base = frame.geodetic_to_enu(p);
        let expected = [
            (above.east_m - base.east_m) / 1000.0,
            (above.north_m - base.north_m) / 1000.0,
            (above.up_m - base.up_m) / 1000.0,
        ];
        let up_in_frame = enu_at_to_frame(&frame, p).apply([0.0, 0.0, 1.0]);
        assert!(close(up_in_frame, expected, 1e-9));
        assert!(up_in_frame[0] > 1.5e-3, "tilted east by ~1.6 mrad");
    }
}
