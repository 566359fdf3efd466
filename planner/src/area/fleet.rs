//! The fleet file (`fleet.toml`): every drone with its airframe, performance, battery,
//! autopilot and camera. Values carry their units in their names; each is checked against
//! the range real aircraft have, so a typo (knots for m/s, hours for minutes) is caught.
//!
//! ```toml
//! [[drone]]
//! id = "m1"
//! system_id = 1
//! airframe = "multirotor"        # multirotor | fixed_wing | vtol
//! cruise_speed_mps = 12.0
//! max_speed_mps = 18.0
//! climb_rate_mps = 4.0
//! descent_rate_mps = 3.0
//! endurance_min = 38.0
//! reserve_min = 8.0
//! battery_swap_min = 10.0
//! home_base = "Jacksboro"
//! max_wind_mps = 12.0
//! autopilot = { firmware = "ardupilot", mission_item_limit = 700, terrain_data = false }
//! camera = { kind = "thermal", sensor_width_mm = 10.88, sensor_height_mm = 8.70,
//!            focal_length_mm = 13.0, resolution_px = [640, 512], gimbal_pitch_deg = -90.0 }
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::base::Base;
use super::error::{AreaError, read_toml};

/// The fleet of a patrol area.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    /// The drones, in file order.
    #[serde(rename = "drone", default)]
    pub drones: Vec<Drone>,
}

/// Airframe types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Airframe {
    /// Multirotor: hovers, short endurance.
    Multirotor,
    /// Fixed wing: long endurance, cannot hover.
    FixedWing,
    /// VTOL fixed wing: takes off vertically, cruises on wings.
    Vtol,
}

/// Autopilot firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Firmware {
    /// ArduPilot (Copter, Plane, QuadPlane).
    Ardupilot,
    /// PX4.
    Px4,
}

impl Firmware {
    /// The usual mission item limit of the firmware on flight controllers without SD missions.
    pub fn default_item_limit(&self) -> u32 {
        match self {
            Firmware::Ardupilot => 700,
            Firmware::Px4 => 500,
        }
    }
}

/// A drone's autopilot.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Autopilot {
    /// Which firmware.
    pub firmware: Firmware,
    /// Most mission items it stores; defaults to the firmware's usual limit.
    pub mission_item_limit: Option<u32>,
    /// Whether the vehicle holds terrain data and can fly terrain-relative waypoints
    /// (ArduPilot frame 10).
    #[serde(default)]
    pub terrain_data: bool,
}

/// Camera spectrum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CameraKind {
    /// Visible light: smoke by day.
    Visible,
    /// Thermal infrared: hotspots and flames, day and night.
    Thermal,
}

/// A drone's camera and its mount.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Camera {
    /// Spectrum.
    pub kind: CameraKind,
    /// Sensor width, millimetres.
    pub sensor_width_mm: f64,
    /// Sensor height, millimetres.
    pub sensor_height_mm: f64,
    /// Focal length, millimetres.
    pub focal_length_mm: f64,
    /// Image size in pixels, [width, height].
    pub resolution_px: [u32; 2],
    /// Gimbal pitch during patrol, degrees: -90 looks straight down, 0 at the horizon.
    pub gimbal_pitch_deg: f64,
}

impl Camera {
    /// Horizontal field of view, degrees.
    pub fn hfov_deg(&self) -> f64 {
        (2.0 * (self.sensor_width_mm / (2.0 * self.focal_length_mm)).atan()).to_degrees()
    }

    /// Vertical field of view, degrees.
    pub fn vfov_deg(&self) -> f64 {
        (2.0 * (self.sensor_height_mm / (2.0 * self.focal_length_mm)).atan()).to_degrees()
    }
}

/// One drone of the fleet.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Drone {
    /// Unique id, e.g. `m1`.
    pub id: String,
    /// MAVLink system id, 1..=255, unique in the fleet.
    pub system_id: u8,
    /// Airframe.
    pub airframe: Airframe,
    /// Patrol speed, metres per second.
    pub cruise_speed_mps: f64,
    /// Fastest speed (dispatch), metres per second.
    pub max_speed_mps: f64,
    /// Climb rate, metres per second.
    pub climb_rate_mps: f64,
    /// Descent rate, metres per second.
    pub descent_rate_mps: f64,
    /// Flight time on a full battery in calm air, minutes.
    pub endurance_min: f64,
    /// Flight time to keep in the battery when landing, minutes.
    pub reserve_min: f64,
    /// Time on the ground to swap or charge the battery, minutes.
    pub battery_swap_min: f64,
    /// Name of the base it flies from (a feature of the bases layer).
    pub home_base: String,
    /// Strongest mean wind it may fly in, metres per second.
    pub max_wind_mps: f64,
    /// The autopilot.
    pub autopilot: Autopilot,
    /// The patrol camera.
    pub camera: Camera,
}

impl Drone {
    /// Mission item limit, from the fleet file or the firmware's default.
    pub fn mission_item_limit(&self) -> u32 {
        self.autopilot
            .mission_item_limit
            .unwrap_or_else(|| self.autopilot.firmware.default_item_limit())
    }

    /// Usable flight time per sortie: endurance less reserve, minutes.
    pub fn usable_endurance_min(&self) -> f64 {
        self.endurance_min - self.reserve_min
    }
}

impl Fleet {
    /// Reads and checks a fleet file against the area's bases.
    pub fn read(path: &Path, bases: &[Base]) -> Result<Fleet, AreaError> {
        let fleet: Fleet = read_toml(path)?;
        fleet.validate(path, bases)?;
        Ok(fleet)
    }

    /// Checks every drone's values and the fleet's uniqueness rules.
    pub fn validate(&self, path: &Path, bases: &[Base]) -> Result<(), AreaError> {
        if self.drones.is_empty() {
            return Err(AreaError::Inconsistent {
                path: path.to_path_buf(),
                message: "no [[drone]] entries: the fleet is empty".to_string(),
            });
        }
        for (i, d) in self.drones.iter().enumerate() {
            let ctx = format!("drone '{}'", d.id);
            let field = |name: &str, value: f64, lo: f64, hi: f64, unit: &str| {
                if value.is_finite() && value >= lo && value <= hi {
                    Ok(())
                } else {
                    Err(AreaError::field(
                        path,
                        &ctx,
                        name,
                        value,
                        format!("expected {lo} to {hi} {unit}"),
                    ))
                }
            };
            if d.id.trim().is_empty() {
                return Err(AreaError::field(
                    path,
                    format!("drone #{}", i + 1),
                    "id",
                    "\"\"",
                    "every drone needs an id",
                ));
            }
            if let Some(other) = self.drones[..i].iter().find(|o| o.id == d.id) {
                return Err(AreaError::field(
                    path,
                    &ctx,
                    "id",
                    &other.id,
                    "two drones share this id",
                ));
            }
            if d.system_id == 0 {
                return Err(AreaError::field(
                    path,
                    &ctx,
                    "system_id",
                    0,
                    "MAVLink system ids are 1 to 255",
                ));
            }
            if let Some(other) = self.drones[..i].iter().find(|o| o.system_id == d.system_id) {
                return Err(AreaError::field(
                    path,
                    &ctx,
                    "system_id",
                    d.system_id,
                    format!(
                        "already used by drone '{}': ground stations would merge the two",
                        other.id
                    ),
                ));
            }
            field("cruise_speed_mps", d.cruise_speed_mps, 1.0, 60.0, "m/s")?;
            field(
                "max_speed_mps",
                d.max_speed_mps,
                d.cruise_speed_mps,
                80.0,
                "m/s (at least the cruise speed)",
            )?;
            field("climb_rate_mps", d.climb_rate_mps, 0.2, 20.0, "m/s")?;
            field("descent_rate_mps", d.descent_rate_mps, 0.2, 20.0, "m/s")?;
            if !(d.endurance_min > 0.0) {
                return Err(AreaError::field(
                    path,
                    &ctx,
                    "endurance_min",
                    d.endurance_min,
                    "a drone must fly for more than 0 minutes",
                ));
            }
            field("endurance_min", d.endurance_min, 1.0, 1440.0, "minutes")?;
            field(
                "reserve_min",
                d.reserve_min,
                0.0,
                d.endurance_min,
                "minutes",
            )?;
            if d.reserve_min >= d.endurance_min {
                return Err(AreaError::field(
                    path,
                    &ctx,
                    "reserve_min",
                    d.reserve_min,
                    "the reserve must be shorter than the endurance",
                ));
            }
            field(
                "battery_swap_min",
                d.battery_swap_min,
                0.0,
                600.0,
                "minutes",
            )?;
            field("max_wind_mps", d.max_wind_mps, 1.0, 40.0, "m/s")?;
            if !bases.iter().any(|b| b.name == d.home_base) {
                let names: Vec<&str> = bases.iter().map(|b| b.name.as_str()).collect();
                return Err(AreaError::field(
                    path,
                    &ctx,
                    "home_base",
                    &d.home_base,
                    format!("no base of that name (bases: {})", names.join(", ")),
                ));
            }
            if let Some(limit) = d.autopilot.mission_item_limit {
                field(
                    "autopilot.mission_item_limit",
                    f64::from(limit),
                    10.0,
                    100_000.0,
                    "items",
                )?;
            }
            let c = &d.camera;
            field(
                "camera.sensor_width_mm",
                c.sensor_width_mm,
                1.0,
                100.0,
                "mm",
            )?;
            field(
                "camera.sensor_height_mm",
                c.sensor_height_mm,
                1.0,
                100.0,
                "mm",
            )?;
            field(
                "camera.focal_length_mm",
                c.focal_length_mm,
                1.0,
                2000.0,
                "mm",
            )?;
            field(
                "camera.resolution_px[0]",
                f64::from(c.resolution_px[0]),
                16.0,
                20_000.0,
                "px",
            )?;
            field(
                "camera.resolution_px[1]",
                f64::from(c.resolution_px[1]),
                16.0,
                20_000.0,
                "px",
            )?;
            field(
                "camera.gimbal_pitch_deg",
                c.gimbal_pitch_deg,
                -90.0,
                0.0,
                "degrees (-90 nadir, 0 horizon)",
            )?;
        }
        Ok(())
    }

    /// The drone with this id.
    pub fn drone(&self, id: &str) -> Option<&Drone> {
        self.drones.iter().find(|d| d.id == id)
    }
}
