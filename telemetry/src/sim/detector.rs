//! A simulated onboard fire detector: what a companion computer running a detection network
//! on the patrol camera's images would report, from the true pose and the true fires.
//!
//! Every capture interval of mission time an airborne vehicle takes an "image" from its true
//! position and attitude, with the fleet file's camera on a stabilised mount (pitched
//! `gimbal_pitch_deg`, level, yawed with the heading). Each burning fire of the
//! [`FireField`] is projected into it with [`CameraModel`] and [`camera_to_enu`]; it is seen
//! when it falls inside the image, within [`DetectorConfig::max_range_m`], and in line of
//! sight (a terrain ray from the camera reaches it before any ridge).
//!
//! - Thermal cameras report a `HOTSPOT` when the fire warms its pixel enough: a fire smaller
//!   than a pixel shows at `ambient + (flame - ambient) x covered fraction`.
//! - Visible cameras report a `FLAME` once the fire's radius spans
//!   [`DetectorConfig::min_flame_radius_px`], and `SMOKE` once the plume is
//!   [`MIN_SMOKE_PX`] tall. The smoke's point is the plume at half its height (downwind of the
//!   fire in wind, [`ActiveFire::column_point`]): its ray meets
//!   the ground behind the fire, which is why the ground station locates smoke by bearings.
//!
//! Each seen object is missed with [`DetectorConfig::miss_rate`]; reported boxes get Gaussian
//! noise on their centre. False alarms arrive at [`DetectorConfig::false_alarm_rate`] per
//! image, with random boxes and low confidence.
//!
//! An image with detections goes out from the camera component
//! ([`crate::mav::dialect::CAMERA_COMPONENT_ID`]) as GIMBAL_DEVICE_ATTITUDE_STATUS,
//! CAMERA_IMAGE_CAPTURED, then one FOREST_DETECTION per object, all stamped with the
//! autopilot's `time_boot_ms` (the clock of ATTITUDE and GLOBAL_POSITION_INT). Every
//! detection, and every miss, is kept as a [`DetectionTruth`] for scoring.

use std::sync::Arc;

use patrol_planner::area::fleet::{CameraKind, Drone};
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::route::rng::SplitMix64;
use patrol_planner::terrain::Terrain;
use serde::Serialize;

use crate::detect::attitude::{
    GimbalAttitude, Rot3, VehicleAttitude, camera_to_enu, enu_at_to_frame,
};
use crate::detect::camera::{CameraError, CameraModel};
use crate::mav::dialect::{
    CAMERA_COMPONENT_ID, CAMERA_IMAGE_CAPTURED_DATA, FOREST_DETECTION_DATA, ForestDetectionClass,
    GIMBAL_DEVICE_ATTITUDE_STATUS_DATA, GimbalDeviceErrorFlags, GimbalDeviceFlags, MavBool,
    MavMessage,
};
use crate::sim::fire::{ActiveFire, FireField};
use crate::sim::flight::{LandedState, VehicleState};

/// Temperature of the forest floor around a fire, °C.
pub const AMBIENT_C: f64 = 25.0;
/// Apparent pixel temperature above which a thermal detector flags a hot spot, °C: well above
/// sun-warmed rock and roofs.
pub const HOTSPOT_MIN_C: f64 = 80.0;
/// Apparent plume height, pixels, from which a visible detector recognises smoke.
pub const MIN_SMOKE_PX: f64 = 6.0;
/// Smallest box a detector draws, pixels: its output grid is coarser than a pixel.
pub const MIN_BOX_PX: f64 = 3.0;
/// A terrain hit this close before the target, metres, still counts as seeing it (the ray
/// march's refinement and the fire's own extent).
const LOS_TOLERANCE_M: f64 = 3.0;

/// How the simulated detector behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorConfig {
    /// Time between images, mission seconds.
    pub capture_interval_s: f64,
    /// Farthest object reported, metres from the camera.
    pub max_range_m: f64,
    /// 1-sigma error of a box centre, pixels, per axis.
    pub pixel_noise_px: f64,
    /// Probability that a seen object is not reported, 0..1.
    pub miss_rate: f64,
    /// Mean number of false alarms per image (Poisson).
    pub false_alarm_rate: f64,
    /// Fire radius, pixels, from which a visible camera's detector recognises flame.
    pub min_flame_radius_px: f64,
    /// Seed of the noise, miss and false-alarm draws (mixed with each vehicle's system id).
    pub seed: u64,
}

impl Default for DetectorConfig {
    /// One image a second, 3 km range, 1.5 px noise, 10 % misses, 0.002 false alarms an image,
    /// flame from 2 px.
    fn default() -> Self {
        DetectorConfig {
            capture_interval_s: 1.0,
            max_range_m: 3000.0,
            pixel_noise_px: 1.5,
            miss_rate: 0.1,
            false_alarm_rate: 0.002,
            min_flame_radius_px: 2.0,
            seed: 1,
        }
    }
}

/// Why a detector cannot be set up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DetectorError {
    /// A setting is out of range.
    #[error("detector setting {field} = {value}: expected {expected}")]
    Setting {
        /// The [`DetectorConfig`] field.
        field: &'static str,
        /// Its value.
        value: f64,
        /// The accepted range.
        expected: &'static str,
    },
    /// The drone's camera is not a usable pinhole.
    #[error("drone {drone}: {source}")]
    Camera {
        /// The drone's id.
        drone: String,
        /// Which parameter is wrong.
        source: CameraError,
    },
}

impl DetectorConfig {
    /// Checks every setting, naming the first one out of range.
    pub fn validate(&self) -> Result<(), DetectorError> {
        let checks: [(&'static str, f64, bool, &'static str); 6] = [
            (
                "capture_interval_s",
                self.capture_interval_s,
                self.capture_interval_s >= 0.01 && self.capture_interval_s <= 3600.0,
                "0.01 to 3600 seconds",
            ),
            (
                "max_range_m",
                self.max_range_m,
                self.max_range_m > 0.0 && self.max_range_m <= 50_000.0,
                "above 0 and at most 50000 metres",
            ),
            (
                "pixel_noise_px",
                self.pixel_noise_px,
                (0.0..=100.0).contains(&self.pixel_noise_px),
                "0 to 100 pixels",
            ),
            (
                "miss_rate",
                self.miss_rate,
                (0.0..=1.0).contains(&self.miss_rate),
                "0 to 1",
            ),
            (
                "false_alarm_rate",
                self.false_alarm_rate,
                (0.0..=10.0).contains(&self.false_alarm_rate),
                "0 to 10 per image",
            ),
            (
                "min_flame_radius_px",
                self.min_flame_radius_px,
                (0.0..=1000.0).contains(&self.min_flame_radius_px),
                "0 to 1000 pixels",
            ),
        ];
        match checks.into_iter().find(|(_, _, ok, _)| !ok) {
            Some((field, value, _, expected)) => Err(DetectorError::Setting {
                field,
                value,
                expected,
            }),
            None => Ok(()),
        }
    }
}

/// The truth behind one object a detector saw (reported or missed) or imagined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionTruth {
    /// The vehicle's system id.
    pub system_id: u8,
    /// Capture time, ms since the vehicle's boot (as in the messages).
    pub time_boot_ms: u32,
    /// Capture time, mission seconds since the simulation's start.
    pub time_s: f64,
    /// CAMERA_IMAGE_CAPTURED.image_index of the image.
    pub image_index: i32,
    /// FOREST_DETECTION.detection_id; `None` when the detector missed a seen object.
    pub detection_id: Option<u32>,
    /// `hotspot`, `flame` or `smoke`.
    pub class: &'static str,
    /// The fire; `None` for a false alarm.
    pub fire_id: Option<String>,
    /// True ground point: the fire's centre, or for a false alarm where the box centre's ray
    /// meets the terrain (`None` if it meets none). Height = ground, metres AMSL.
    pub ground: Option<Geodetic>,
    /// Distance from the camera to the object's point (the plume's middle for smoke), metres.
    pub range_m: Option<f64>,
    /// Noise-free image point of the object, normalised `[u, v]` (0..1 from the top-left).
    pub true_uv: [f64; 2],
}

/// One image's output.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    /// Messages to send from the camera component, in order (empty when nothing was reported).
    pub messages: Vec<MavMessage>,
    /// Ground truth of what the image held.
    pub truth: Vec<DetectionTruth>,
}

/// One vehicle's camera and detector.
#[derive(Debug, Clone)]
pub struct Detector {
    system_id: u8,
    kind: CameraKind,
    camera: CameraModel,
    mount: GimbalAttitude,
    config: DetectorConfig,
    fires: Arc<FireField>,
    terrain: Arc<Terrain>,
    unix_us_at_boot: u64,
    rng: SplitMix64,
    next_capture_s: f64,
    next_image_index: i32,
    next_detection_id: u32,
}

/// Something in an image before the miss draw.
struct Seen<'a> {
    fire: &'a ActiveFire<'a>,
    class: ForestDetectionClass,
    uv: (f64, f64),
    size_px: (f64, f64),
    range_m: f64,
    confidence: f64,
    temperature_c: f64,
}

impl Detector {
    /// The detector of `drone`'s camera. `unix_us_at_boot` is the UNIX time (µs) of the
    /// vehicle's boot, for `time_utc_us`.
    pub fn new(
        drone: &Drone,
        config: DetectorConfig,
        fires: Arc<FireField>,
        terrain: Arc<Terrain>,
        unix_us_at_boot: u64,
    ) -> Result<Detector, DetectorError> {
        config.validate()?;
        let camera =
            CameraModel::from_fleet(&drone.camera).map_err(|source| DetectorError::Camera {
                drone: drone.id.clone(),
                source,
            })?;
        Ok(Detector {
            system_id: drone.system_id,
            kind: drone.camera.kind,
            camera,
            mount: GimbalAttitude::fixed_mount(drone.camera.gimbal_pitch_deg),
            config,
            fires,
            terrain,
            unix_us_at_boot,
            rng: SplitMix64::new(
                config.seed ^ u64::from(drone.system_id).wrapping_mul(0xD1B5_4A32_D192_ED03),
            ),
            next_capture_s: 0.0,
            next_image_index: 0,
            next_detection_id: 0,
        })
    }

    /// Takes an image if one is due at mission time `time_s` and the vehicle is airborne.
    /// `truth` is the exact state (what the image shows); `reported` the autopilot's (GPS)
    /// state, which the camera stamps on CAMERA_IMAGE_CAPTURED as a real one would.
    pub fn tick(
        &mut self,
        time_s: f64,
        truth: &VehicleState,
        reported: &VehicleState,
    ) -> Option<Capture> {
        if time_s < self.next_capture_s || truth.landed_state == LandedState::OnGround {
            return None;
        }
        // Keep the cadence; after a long step (or a time on the ground), one image, not a
        // burst: the cadence restarts from now.
        let interval_s = self.config.capture_interval_s;
        self.next_capture_s = if self.next_capture_s + interval_s > time_s {
            self.next_capture_s + interval_s
        } else {
            time_s + interval_s
        };
        Some(self.capture(time_s, truth, reported))
    }

    /// Takes an image now, at mission time `time_s`.
    pub fn capture(
        &mut self,
        time_s: f64,
        truth: &VehicleState,
        reported: &VehicleState,
    ) -> Capture {
        let time_boot_ms = (time_s * 1000.0) as u32;
        let image_index = self.next_image_index;
        self.next_image_index = self.next_image_index.wrapping_add(1);
        let position = Geodetic {
            lat_deg: truth.lat_deg,
            lon_deg: truth.lon_deg,
            alt_amsl_m: truth.alt_amsl_m,
        };
        let attitude = VehicleAttitude {
            roll_rad: truth.roll_rad,
            pitch_rad: truth.pitch_rad,
            yaw_rad: truth.yaw_rad,
        };
        let view = self.view_from(position, &attitude);
        // A handle of our own, so that the fires' borrow does not hold `self`.
        let fires = Arc::clone(&self.fires);
        let active = fires.at(time_s);
        let seen = self.sightings(&view, &active);

        let mut capture = Capture::default();
        let mut detections = Vec::new();
        let system_id = self.system_id;
        let record = |detection_id: Option<u32>,
                      class: ForestDetectionClass,
                      fire_id: Option<String>,
                      ground: Option<Geodetic>,
                      range_m: Option<f64>,
                      uv: (f64, f64)| DetectionTruth {
            system_id,
            time_boot_ms,
            time_s,
            image_index,
            detection_id,
            class: class_name(class),
            fire_id,
            ground,
            range_m,
            true_uv: [uv.0, uv.1],
        };
        for s in &seen {
            let missed = self.rng.next_f64() < self.config.miss_rate;
            let id = (!missed).then(|| self.take_detection_id());
            capture.truth.push(record(
                id,
                s.class,
                Some(s.fire.fire.id.clone()),
                Some(s.fire.ground),
                Some(s.range_m),
                s.uv,
            ));
            if let Some(id) = id {
                let noisy = (
                    s.uv.0
                        + gauss(&mut self.rng) * self.config.pixel_noise_px / self.camera.width_px,
                    s.uv.1
                        + gauss(&mut self.rng) * self.config.pixel_noise_px / self.camera.height_px,
                );
                let confidence = (s.confidence + 0.03 * gauss(&mut self.rng)).clamp(0.3, 0.99);
                detections.push(self.detection(
                    id,
                    image_index,
                    time_boot_ms,
                    s.class,
                    noisy,
                    s.size_px,
                    confidence,
                    s.temperature_c,
                ));
            }
        }
        for _ in 0..poisson(&mut self.rng, self.config.false_alarm_rate) {
            let uv = (self.rng.next_f64(), self.rng.next_f64());
            let class = match self.kind {
                CameraKind::Thermal => ForestDetectionClass::FOREST_DETECTION_CLASS_HOTSPOT,
                _ if self.rng.next_f64() < 0.5 => {
                    ForestDetectionClass::FOREST_DETECTION_CLASS_SMOKE
                }
                _ => ForestDetectionClass::FOREST_DETECTION_CLASS_FLAME,
            };
            let side_px = MIN_BOX_PX + 17.0 * self.rng.next_f64();
            let confidence = 0.15 + 0.3 * self.rng.next_f64();
            // Sun-warmed rock or a roof, not a flame.
            let temperature_c = 45.0 + 45.0 * self.rng.next_f64();
            let hit = view.ground_hit(&self.terrain, &self.camera, uv, self.config.max_range_m);
            let id = self.take_detection_id();
            capture.truth.push(record(
                Some(id),
                class,
                None,
                hit.map(|h| h.0),
                hit.map(|h| h.1),
                uv,
            ));
            detections.push(self.detection(
                id,
                image_index,
                time_boot_ms,
                class,
                uv,
                (side_px, side_px),
                confidence,
                temperature_c,
            ));
        }
        if !detections.is_empty() {
            capture
                .messages
                .push(self.gimbal_status(time_boot_ms, &attitude));
            capture.messages.push(self.image_captured(
                time_boot_ms,
                image_index,
                reported,
                &attitude,
            ));
            capture.messages.extend(detections);
        }
        capture
    }

    /// Whether an image taken from `position` with `attitude` (the camera on its mount, as in
    /// [`Self::capture`]) shows `fire` well enough to report it, before the miss draw. This is
    /// the test `patrol eval` predicts drone detections with: the same as the images'.
    pub fn shows(&self, view: &View, fire: &ActiveFire<'_>) -> bool {
        let mut seen = Vec::new();
        self.sightings_of(view, fire, &mut seen);
        !seen.is_empty()
    }

    /// The pose of an image taken from `position` with the vehicle's `attitude`, the camera
    /// on its mount: what [`Self::shows`] looks through.
    pub fn view_from(&self, position: Geodetic, attitude: &VehicleAttitude) -> View {
        View {
            origin: self.terrain.geodetic_to_enu(position),
            camera_to_frame: enu_at_to_frame(self.terrain.frame(), position)
                .mul(&camera_to_enu(attitude, &self.mount)),
        }
    }

    /// Farthest object reported, metres from the camera.
    pub fn max_range_m(&self) -> f64 {
        self.config.max_range_m
    }

    /// The fires the image shows, before misses.
    fn sightings<'a>(&self, view: &View, active: &'a [ActiveFire<'a>]) -> Vec<Seen<'a>> {
        let mut seen = Vec::new();
        for fire in active {
            self.sightings_of(view, fire, &mut seen);
        }
        seen
    }

    /// What the image shows of one fire (flame or hot spot, smoke), before misses.
    fn sightings_of<'a>(&self, view: &View, fire: &'a ActiveFire<'a>, seen: &mut Vec<Seen<'a>>) {
        let (fx, fy) = (self.camera.fx_px, self.camera.fy_px);
        let Some((uv, range_m)) = view.sight(
            &self.terrain,
            &self.camera,
            fire.enu,
            fire.radius_m,
            self.config.max_range_m,
        ) else {
            if self.kind == CameraKind::Visible {
                seen.extend(self.smoke(view, fire));
            }
            return;
        };
        let radius_px = fire.radius_m * fx.min(fy) / range_m;
        let box_px = (
            2.0 * fire.radius_m * fx / range_m,
            2.0 * fire.radius_m * fy / range_m,
        );
        match self.kind {
            CameraKind::Thermal => {
                let covered = (std::f64::consts::PI * radius_px * radius_px).min(1.0);
                let apparent_c = AMBIENT_C + (fire.temperature_c - AMBIENT_C) * covered;
                if apparent_c >= HOTSPOT_MIN_C {
                    seen.push(Seen {
                        fire,
                        class: ForestDetectionClass::FOREST_DETECTION_CLASS_HOTSPOT,
                        uv,
                        size_px: box_px,
                        range_m,
                        confidence: 0.6
                            + 0.35 * (1.0 - (-(apparent_c - HOTSPOT_MIN_C) / 100.0).exp()),
                        temperature_c: apparent_c,
                    });
                }
            }
            _ => {
                if radius_px >= self.config.min_flame_radius_px {
                    seen.push(Seen {
                        fire,
                        class: ForestDetectionClass::FOREST_DETECTION_CLASS_FLAME,
                        uv,
                        size_px: box_px,
                        range_m,
                        confidence: 0.55
                            + 0.4 * (1.0 - (-radius_px / 6.0).exp()) * fire.fire.intensity.sqrt(),
                        temperature_c: f64::NAN,
                    });
                }
                seen.extend(self.smoke(view, fire));
            }
        }
    }

    /// The plume of a fire, if a visible camera sees it: its middle, half the plume's top
    /// above the ground.
    fn smoke<'a>(&self, view: &View, fire: &'a ActiveFire<'a>) -> Option<Seen<'a>> {
        let height_m = fire.smoke_top_agl_m;
        let middle = fire.column_point(height_m / 2.0);
        let (uv, range_m) = view.sight(
            &self.terrain,
            &self.camera,
            middle,
            0.0,
            self.config.max_range_m,
        )?;
        // A column about half as wide as it is tall, never narrower than the fire.
        let width_m = (0.5 * height_m).max(2.0 * fire.radius_m);
        let size_px = (
            width_m * self.camera.fx_px / range_m,
            height_m * self.camera.fy_px / range_m,
        );
        (size_px.1 >= MIN_SMOKE_PX).then(|| Seen {
            fire,
            class: ForestDetectionClass::FOREST_DETECTION_CLASS_SMOKE,
            uv,
            size_px,
            range_m,
            confidence: 0.45 + 0.45 * (1.0 - (-size_px.1 / 40.0).exp()),
            temperature_c: f64::NAN,
        })
    }

    fn take_detection_id(&mut self) -> u32 {
        let id = self.next_detection_id;
        self.next_detection_id = self.next_detection_id.wrapping_add(1);
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn detection(
        &self,
        detection_id: u32,
        image_index: i32,
        time_boot_ms: u32,
        class: ForestDetectionClass,
        centre_uv: (f64, f64),
        size_px: (f64, f64),
        confidence: f64,
        temperature_c: f64,
    ) -> MavMessage {
        let half_u = size_px.0.max(MIN_BOX_PX) / 2.0 / self.camera.width_px;
        let half_v = size_px.1.max(MIN_BOX_PX) / 2.0 / self.camera.height_px;
        let clip = |x: f64| x.clamp(0.0, 1.0) as f32;
        MavMessage::FOREST_DETECTION(FOREST_DETECTION_DATA {
            time_utc_us: self.unix_us_at_boot + (f64::from(time_boot_ms) * 1000.0) as u64,
            time_boot_ms,
            image_index,
            detection_id,
            confidence: confidence as f32,
            bbox_left: clip(centre_uv.0 - half_u),
            bbox_top: clip(centre_uv.1 - half_v),
            bbox_right: clip(centre_uv.0 + half_u),
            bbox_bottom: clip(centre_uv.1 + half_v),
            max_temperature_c: match self.kind {
                CameraKind::Thermal => temperature_c as f32,
                _ => f32::NAN,
            },
            camera_component_id: CAMERA_COMPONENT_ID,
            object_class: class,
        })
    }

    /// The mount's attitude: relative to the heading frame, roll and pitch held to the horizon.
    fn gimbal_status(&self, time_boot_ms: u32, attitude: &VehicleAttitude) -> MavMessage {
        MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(GIMBAL_DEVICE_ATTITUDE_STATUS_DATA {
            time_boot_ms,
            q: self.mount.q_wxyz.map(|c| c as f32),
            angular_velocity_x: f32::NAN,
            angular_velocity_y: f32::NAN,
            angular_velocity_z: f32::NAN,
            failure_flags: GimbalDeviceErrorFlags::empty(),
            flags: GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME
                | GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_ROLL_LOCK
                | GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_PITCH_LOCK,
            target_system: 0,
            target_component: 0,
            delta_yaw: attitude.yaw_rad as f32,
            delta_yaw_velocity: f32::NAN,
            gimbal_device_id: 0,
        })
    }

    /// CAMERA_IMAGE_CAPTURED: where (the autopilot's position) and how (the camera's
    /// orientation in NED, x along the optical axis, y right, z down) the image was taken.
    fn image_captured(
        &self,
        time_boot_ms: u32,
        image_index: i32,
        reported: &VehicleState,
        attitude: &VehicleAttitude,
    ) -> MavMessage {
        let q = quaternion_from_rotation(&self.mount.gimbal_to_ned(attitude));
        MavMessage::CAMERA_IMAGE_CAPTURED(CAMERA_IMAGE_CAPTURED_DATA {
            time_utc: self.unix_us_at_boot + (f64::from(time_boot_ms) * 1000.0) as u64,
            time_boot_ms,
            lat: (reported.lat_deg * 1e7).round() as i32,
            lon: (reported.lon_deg * 1e7).round() as i32,
            alt: (reported.alt_amsl_m * 1000.0).round() as i32,
            relative_alt: (reported.alt_rel_home_m * 1000.0).round() as i32,
            q: q.map(|c| c as f32),
            image_index,
            camera_id: 0,
            capture_result: MavBool::MAV_BOOL_TRUE,
            file_url: [0u8; 205].into(),
        })
    }
}

/// The unit quaternion `[w, x, y, z]` (w ≥ 0) of a rotation matrix (Shepperd's method: the
/// largest of the four squared components is taken first, so no division is ill-conditioned).
pub fn quaternion_from_rotation(r: &Rot3) -> [f64; 4] {
    let m = r.m;
    let trace = m[0][0] + m[1][1] + m[2][2];
    let q = if trace > m[0][0].max(m[1][1]).max(m[2][2]) {
        let s = (1.0 + trace).sqrt() * 2.0;
        [
            s / 4.0,
            (m[2][1] - m[1][2]) / s,
            (m[0][2] - m[2][0]) / s,
            (m[1][0] - m[0][1]) / s,
        ]
    } else if m[0][0] >= m[1][1] && m[0][0] >= m[2][2] {
        let s = (1.0 + m[0][0] - m[1][1] - m[2][2]).sqrt() * 2.0;
        [
            (m[2][1] - m[1][2]) / s,
            s / 4.0,
            (m[0][1] + m[1][0]) / s,
            (m[0][2] + m[2][0]) / s,
        ]
    } else if m[1][1] >= m[2][2] {
        let s = (1.0 + m[1][1] - m[0][0] - m[2][2]).sqrt() * 2.0;
        [
            (m[0][2] - m[2][0]) / s,
            (m[0][1] + m[1][0]) / s,
            s / 4.0,
            (m[1][2] + m[2][1]) / s,
        ]
    } else {
        let s = (1.0 + m[2][2] - m[0][0] - m[1][1]).sqrt() * 2.0;
        [
            (m[1][0] - m[0][1]) / s,
            (m[0][2] + m[2][0]) / s,
            (m[1][2] + m[2][1]) / s,
            s / 4.0,
        ]
    };
    let sign = if q[0] < 0.0 { -1.0 } else { 1.0 };
    q.map(|c| c * sign)
}

fn class_name(class: ForestDetectionClass) -> &'static str {
    match class {
        ForestDetectionClass::FOREST_DETECTION_CLASS_SMOKE => "smoke",
        ForestDetectionClass::FOREST_DETECTION_CLASS_FLAME => "flame",
        ForestDetectionClass::FOREST_DETECTION_CLASS_HOTSPOT => "hotspot",
        ForestDetectionClass::FOREST_DETECTION_CLASS_PERSON => "person",
        ForestDetectionClass::FOREST_DETECTION_CLASS_VEHICLE => "vehicle",
    }
}

/// A standard normal draw (Box-Muller).
fn gauss(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.next_f64(); // in (0, 1]: the logarithm stays finite
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A Poisson draw of mean `mean` (Knuth's product of uniforms; means here are small).
fn poisson(rng: &mut SplitMix64, mean: f64) -> u32 {
    // NaN and non-positive means alike give no draw.
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p = rng.next_f64();
    while p > limit && k < 1000 {
        k += 1;
        p *= rng.next_f64();
    }
    k
}

mod view;

pub use view::View;

#[cfg(test)]
mod tests;
