//! From the messages a vehicle sends to located sightings.
//!
//! Per vehicle it keeps the pose history (GLOBAL_POSITION_INT, ATTITUDE,
//! GIMBAL_DEVICE_ATTITUDE_STATUS), the cameras' intrinsics (CAMERA_INFORMATION, else the fleet
//! file) and the last images' capture poses (CAMERA_IMAGE_CAPTURED). A FOREST_DETECTION is
//! checked, then placed: with the capture pose of its image when the camera sent one (exact
//! for that image), else with the pose interpolated to its capture time. Flames and hot spots
//! become ground points; smoke becomes a bearing (it rises, so its ray meets the ground behind
//! the plume). Every detection that cannot be used is counted under a reason, and nothing else
//! is affected by it.

use std::collections::{BTreeMap, VecDeque};

use patrol_planner::area::fleet::Camera;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::terrain::Terrain;
use rustc_hash::FxHashMap;

use super::attitude::{GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME, GimbalAttitude, VehicleAttitude};
use super::bearing::BearingView;
use super::camera::CameraModel;
use super::geotag::{ErrorModel, GeotagLimits, Geotagger};
use super::observation::{Located, Sighting, SightingClass, SightingSource};
use super::pose::{Pose, PoseHistory, PoseLimits};
use crate::gcs::tap::Tapped;
use crate::mav::dialect::{FOREST_DETECTION_DATA, ForestDetectionClass, MavMessage};

/// Message ids the intake reads (for [`crate::gcs::Tap`]).
pub const INTAKE_MESSAGE_IDS: [u32; 6] = [
    33,    // GLOBAL_POSITION_INT
    30,    // ATTITUDE
    285,   // GIMBAL_DEVICE_ATTITUDE_STATUS
    259,   // CAMERA_INFORMATION
    263,   // CAMERA_IMAGE_CAPTURED
    58000, // FOREST_DETECTION
];

/// How the intake works.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeSettings {
    /// Input errors for the uncertainty of each point.
    pub errors: ErrorModel,
    /// Geotagging limits.
    pub limits: GeotagLimits,
    /// Pose history limits.
    pub pose: PoseLimits,
    /// Cameras from the fleet file by system id (used without CAMERA_INFORMATION), with
    /// their mounts.
    pub fleet_cameras: BTreeMap<u8, Camera>,
}

#[derive(Debug, Clone, Copy)]
struct Capture {
    camera_component_id: u8,
    image_index: i32,
    position: Geodetic,
    gimbal: GimbalAttitude,
}

#[derive(Debug)]
struct VehicleIntake {
    poses: PoseHistory,
    cameras: FxHashMap<u8, CameraModel>,
    captures: VecDeque<Capture>,
    /// Recent detection ids per camera: a frame heard twice (two radios, a resend) counts once.
    recent_ids: FxHashMap<u8, VecDeque<u32>>,
}

/// What became of the detections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntakeCounters {
    /// Detections received (decoded or not).
    pub received: u64,
    /// Detections located (as points or bearings).
    pub located: u64,
    /// Detections refused, by reason.
    pub rejected: BTreeMap<String, u64>,
}

impl IntakeCounters {
    fn reject(&mut self, reason: &str) {
        *self.rejected.entry(reason.to_string()).or_insert(0) += 1;
    }

    /// All refused detections.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

/// The detection intake of every vehicle.
#[derive(Debug)]
pub struct DetectionIntake {
    settings: IntakeSettings,
    vehicles: FxHashMap<u8, VehicleIntake>,
    counters: IntakeCounters,
}

impl DetectionIntake {
    /// An intake with no vehicles yet.
    pub fn new(settings: IntakeSettings) -> DetectionIntake {
        DetectionIntake {
            settings,
            vehicles: FxHashMap::default(),
            counters: IntakeCounters::default(),
        }
    }

    /// The counters so far.
    pub fn counters(&self) -> &IntakeCounters {
        &self.counters
    }

    /// Reads one tapped message; returns the sighting it yields, if any.
    pub fn handle(&mut self, terrain: &Terrain, t: &Tapped) -> Option<Sighting> {
        let system_id = t.vehicle.system_id;
        let pose_limits = self.settings.pose;
        let msg = match &t.message {
            Ok(m) => m,
            Err(bad) => {
                if bad.message_id == 58000 {
                    self.counters.received += 1;
                    self.counters.reject("FOREST_DETECTION does not decode");
                }
                return None;
            }
        };
        // Only telemetry makes a vehicle known: a detection from one never heard of is refused
        // as such (and leaves nothing behind).
        if let MavMessage::FOREST_DETECTION(d) = msg {
            self.counters.received += 1;
            return match self.locate(terrain, t, d) {
                Ok(s) => {
                    self.counters.located += 1;
                    Some(s)
                }
                Err(reason) => {
                    self.counters.reject(reason);
                    None
                }
            };
        }
        let v = self
            .vehicles
            .entry(system_id)
            .or_insert_with(|| VehicleIntake {
                poses: PoseHistory::new(pose_limits),
                cameras: FxHashMap::default(),
                captures: VecDeque::new(),
                recent_ids: FxHashMap::default(),
            });
        match msg {
            MavMessage::GLOBAL_POSITION_INT(p) => {
                let position = Geodetic {
                    lat_deg: f64::from(p.lat) / 1e7,
                    lon_deg: f64::from(p.lon) / 1e7,
                    alt_amsl_m: f64::from(p.alt) / 1e3,
                };
                let vel = [p.vx, p.vy, p.vz].map(|c| f64::from(c) / 100.0);
                // A refused sample (NaN, out of range) is simply not used.
                let _ = v.poses.push_position(p.time_boot_ms, position, Some(vel));
                None
            }
            MavMessage::ATTITUDE(a) => {
                let att = VehicleAttitude {
                    roll_rad: f64::from(a.roll),
                    pitch_rad: f64::from(a.pitch),
                    yaw_rad: f64::from(a.yaw),
                };
                let _ = v.poses.push_attitude(a.time_boot_ms, att);
                None
            }
            MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(g) => {
                if let Ok(gimbal) =
                    GimbalAttitude::from_device_status(g.q.map(f64::from), g.flags.bits())
                {
                    v.poses.push_gimbal(g.time_boot_ms, gimbal);
                }
                None
            }
            MavMessage::CAMERA_INFORMATION(c) => {
                if let Ok(model) = CameraModel::from_camera_information(
                    c.focal_length,
                    c.sensor_size_h,
                    c.sensor_size_v,
                    c.resolution_h,
                    c.resolution_v,
                ) {
                    v.cameras.insert(t.component_id, model);
                }
                None
            }
            MavMessage::CAMERA_IMAGE_CAPTURED(c) => {
                let q = c.q.map(f64::from);
                // The capture's quaternion is the camera's orientation against NED.
                if let Ok(gimbal) =
                    GimbalAttitude::from_device_status(q, GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME)
                {
                    v.captures.push_back(Capture {
                        camera_component_id: t.component_id,
                        image_index: c.image_index,
                        position: Geodetic {
                            lat_deg: f64::from(c.lat) / 1e7,
                            lon_deg: f64::from(c.lon) / 1e7,
                            alt_amsl_m: f64::from(c.alt) / 1e3,
                        },
                        gimbal,
                    });
                    while v.captures.len() > 64 {
                        v.captures.pop_front();
                    }
                }
                None
            }
            _ => None,
        }
    }

    fn locate(
        &mut self,
        terrain: &Terrain,
        t: &Tapped,
        d: &FOREST_DETECTION_DATA,
    ) -> Result<Sighting, &'static str> {
        let system_id = t.vehicle.system_id;
        let class = match d.object_class {
            ForestDetectionClass::FOREST_DETECTION_CLASS_SMOKE => SightingClass::Smoke,
            ForestDetectionClass::FOREST_DETECTION_CLASS_FLAME => SightingClass::Flame,
            ForestDetectionClass::FOREST_DETECTION_CLASS_HOTSPOT => SightingClass::Hotspot,
            ForestDetectionClass::FOREST_DETECTION_CLASS_PERSON => SightingClass::Person,
            ForestDetectionClass::FOREST_DETECTION_CLASS_VEHICLE => SightingClass::Vehicle,
        };
        let conf = f64::from(d.confidence);
        if !(0.0..=1.0).contains(&conf) {
            return Err("confidence is not a number between 0 and 1");
        }
        let bx = [d.bbox_left, d.bbox_top, d.bbox_right, d.bbox_bottom].map(f64::from);
        if !bx.iter().all(|c| (0.0..=1.0).contains(c)) || bx[0] > bx[2] || bx[1] > bx[3] {
            return Err("bounding box is outside 0..1 or inverted");
        }
        let v = self
            .vehicles
            .get_mut(&system_id)
            .ok_or("no telemetry from the vehicle yet")?;
        // The camera the detection names (a companion computer may send for it); 0 = the sender.
        let camera_id = if d.camera_component_id == 0 {
            t.component_id
        } else {
            d.camera_component_id
        };
        let recent = v.recent_ids.entry(camera_id).or_default();
        if recent.contains(&d.detection_id) {
            return Err("repeated detection id");
        }
        recent.push_back(d.detection_id);
        if recent.len() > 256 {
            recent.pop_front();
        }
        let fleet = self.settings.fleet_cameras.get(&system_id);
        let camera = match v.cameras.get(&camera_id) {
            Some(c) => *c,
            None => match fleet.map(CameraModel::from_fleet) {
                Some(Ok(c)) => c,
                _ => {
                    return Err(
                        "no camera intrinsics (no CAMERA_INFORMATION, not in the fleet file)",
                    );
                }
            },
        };
        let fixed = GimbalAttitude::fixed_mount(fleet.map_or(-90.0, |c| c.gimbal_pitch_deg));
        let mut errors = self.settings.errors;
        let capture = (d.image_index >= 0)
            .then(|| {
                v.captures
                    .iter()
                    .rev()
                    .find(|c| c.image_index == d.image_index && c.camera_component_id == camera_id)
                    .copied()
            })
            .flatten();
        let pose = match (capture, v.poses.pose_at(d.time_boot_ms)) {
            (Some(c), interpolated) => Pose {
                time_boot_ms: d.time_boot_ms,
                position: c.position,
                velocity_ned_mps: interpolated.ok().and_then(|p| p.velocity_ned_mps),
                attitude: VehicleAttitude {
                    roll_rad: 0.0,
                    pitch_rad: 0.0,
                    yaw_rad: 0.0,
                },
                gimbal: Some(c.gimbal),
                bracket_gap_s: 0.0,
            },
            (None, Ok(p)) => {
                // Interpolating across a gap adds the vehicle's motion over it to the timing
                // error (a turn between samples is not seen).
                errors.timing_sigma_s = errors.timing_sigma_s.hypot(p.bracket_gap_s / 4.0);
                p
            }
            (None, Err(_)) => return Err("no vehicle pose at the capture time"),
        };
        let to_enu = pose.camera_to_enu(&fixed);
        let (u, v_img) = ((bx[0] + bx[2]) / 2.0, (bx[1] + bx[3]) / 2.0);
        errors.target_extent_px = [
            target_extent_px(bx[0], bx[2], camera.width_px),
            target_extent_px(bx[1], bx[3], camera.height_px),
        ];
        // Fusion, expiry and the alert lifecycle run on the ground service's (mission) clock;
        // a sender's clock may be off, or run at another speed in a simulation.
        let at_unix_us = t.at_unix_us;
        let source = SightingSource::Drone {
            system_id,
            component_id: camera_id,
            detection_id: d.detection_id,
        };
        let temp = if d.max_temperature_c.is_finite() {
            format!(", hottest {:.0} °C", d.max_temperature_c)
        } else {
            String::new()
        };
        if class == SightingClass::Smoke {
            let sigma = errors
                .attitude_sigma_rad
                .hypot(errors.pixel_sigma_px * camera.pixel_sigma_rad());
            let view =
                BearingView::from_image_point(terrain, &pose, &to_enu, &camera, (u, v_img), sigma)
                    .map_err(|_| "smoke seen straight up or down gives no bearing")?;
            let az = view.direction[0]
                .atan2(view.direction[1])
                .to_degrees()
                .rem_euclid(360.0);
            return Ok(Sighting {
                at_unix_us,
                class,
                confidence: conf,
                source,
                located: Located::Bearing(view),
                detail: format!(
                    "smoke bearing {az:.1}° from camera {camera_id}{}",
                    sender_time(d.time_utc_us)
                ),
            });
        }
        let fix = Geotagger::new(terrain, self.settings.limits)
            .point(&pose, &to_enu, &camera, u, v_img, &errors)
            .map_err(|e| match e {
                super::geotag::GeotagError::OutsideImage { .. } => "box centre outside the image",
                super::geotag::GeotagError::AboveHorizon { .. } => "ray above the horizon",
                super::geotag::GeotagError::OriginOffDem { .. } => "vehicle outside the DEM",
                super::geotag::GeotagError::OriginBelowGround { .. } => {
                    "vehicle pose below the ground"
                }
                _ => "ray meets no usable ground (too far, off the DEM or grazing)",
            })?;
        Ok(Sighting {
            at_unix_us,
            class,
            confidence: conf,
            source,
            located: Located::Point {
                enu: fix.enu,
                geodetic: fix.geodetic,
                covariance_en_m2: fix.covariance_en_m2,
            },
            detail: format!(
                "{} at {:.0} m range, ±{:.0} m, camera {camera_id}{temp}{}",
                class.name(),
                fix.range_m,
                fix.ellipse.semi_major_m,
                sender_time(d.time_utc_us)
            ),
        })
    }
}

/// A box edge this close to the image's edge (normalised) counts as cut off by it.
const EDGE_CUT: f64 = 0.002;

/// How far the target's centre may be from the box's centre along one image axis, 1-sigma,
/// pixels, for a box from `lo` to `hi` (normalised) on an axis `size_px` long: the target
/// anywhere in the box (uniform: size / √12), or, for a box cut off by the image's edge,
/// half the visible size (the hidden part moved the centre inward by up to that).
fn target_extent_px(lo: f64, hi: f64, size_px: f64) -> f64 {
    let visible_px = (hi - lo).max(0.0) * size_px;
    if lo <= EDGE_CUT || hi >= 1.0 - EDGE_CUT {
        visible_px / 2.0
    } else {
        visible_px / 12f64.sqrt()
    }
}

/// The sender's own capture time for the evidence trail, if it gave one.
fn sender_time(time_utc_us: u64) -> String {
    match i64::try_from(time_utc_us) {
        Ok(us) if us > 0 => format!(
            ", captured {} by the sender's clock",
            crate::alerts::model::format_utc(us)
        ),
        _ => String::new(),
    }
}
