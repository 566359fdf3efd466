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
//! # or the shorthand autopilot = "ardupilot" (the firmware's usual limit, no terrain data)
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

/// A drone's autopilot: a table, or in the fleet file the firmware's name alone
/// (`autopilot = "px4"`), which a pilot writes first.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// The table form of [`Autopilot`], deserialised with its unknown keys refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AutopilotTable {
    firmware: Firmware,
    mission_item_limit: Option<u32>,
    #[serde(default)]
    terrain_data: bool,
}

impl<'de> Deserialize<'de> for Autopilot {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{IntoDeserializer, MapAccess, Visitor, value::MapAccessDeserializer};

        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = Autopilot;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a firmware name (\"ardupilot\" or \"px4\") or a table such as { firmware = \"px4\", mission_item_limit = 500 }",
                )
            }

            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Autopilot, E> {
                let firmware = Firmware::deserialize(name.into_deserializer())?;
                Ok(Autopilot {
                    firmware,
                    mission_item_limit: None,
                    terrain_data: false,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Autopilot, A::Error> {
                let t = AutopilotTable::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Autopilot {
                    firmware: t.firmware,
                    mission_item_limit: t.mission_item_limit,
                    terrain_data: t.terrain_data,
                })
            }
        }
        d.deserialize_any(Either)
    }
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

    /// The drone a user typed: its id, or its MAVLink system id (what QGroundControl and
    /// Mission Planner show), spaces around it ignored. The id wins where both could match.
    pub fn find(&self, typed: &str) -> Option<&Drone> {
        find_typed(&self.drones, typed, |d| (&d.id, d.system_id))
    }
}

/// The item a user typed among `items`, each with an id and a MAVLink system id
/// (`key`): by id, else by system id, spaces around it ignored. The fleet's drones and a
/// plan's drones are found the same way.
pub fn find_typed<'a, T>(
    items: &'a [T],
    typed: &str,
    key: impl Fn(&T) -> (&str, u8),
) -> Option<&'a T> {
    let typed = typed.trim();
    items.iter().find(|x| key(x).0 == typed).or_else(|| {
        let system_id: u8 = typed.parse().ok()?;
        items.iter().find(|x| key(x).1 == system_id)
    })
}

impl Drone {
    /// How a drone is said back to a user: `q1 (system 1)`.
    pub fn label(&self) -> String {
        format!("{} (system {})", self.id, self.system_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet_with(autopilot: &str) -> Result<Fleet, toml::de::Error> {
        toml::from_str(&format!(
            r#"
[[drone]]
id = "q1"
system_id = 1
airframe = "multirotor"
cruise_speed_mps = 12.0
max_speed_mps = 20.0
climb_rate_mps = 5.0
descent_rate_mps = 3.0
endurance_min = 38.0
reserve_min = 8.0
battery_swap_min = 8.0
home_base = "Jellico"
max_wind_mps = 12.0
autopilot = {autopilot}
camera = {{ kind = "thermal", sensor_width_mm = 7.68, sensor_height_mm = 6.14, focal_length_mm = 13.0, resolution_px = [640, 512], gimbal_pitch_deg = -90.0 }}
"#
        ))
    }

    #[test]
    fn the_firmware_name_alone_is_an_autopilot() {
        let fleet = fleet_with(r#""px4""#).expect("shorthand accepted");
        let d = &fleet.drones[0];
        assert_eq!(d.autopilot.firmware, Firmware::Px4);
        assert_eq!(d.autopilot.mission_item_limit, None);
        assert!(!d.autopilot.terrain_data);
        assert_eq!(d.mission_item_limit(), 500);
    }

    #[test]
    fn the_table_form_still_reads_and_refuses_unknown_keys() {
        let fleet = fleet_with(
            r#"{ firmware = "ardupilot", mission_item_limit = 300, terrain_data = true }"#,
        )
        .expect("table accepted");
        let a = &fleet.drones[0].autopilot;
        assert_eq!(
            (a.firmware, a.mission_item_limit, a.terrain_data),
            (Firmware::Ardupilot, Some(300), true)
        );

        let e = fleet_with(r#"{ firmware = "px4", item_limit = 300 }"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("item_limit") && e.contains("mission_item_limit"),
            "{e}"
        );
    }

    #[test]
    fn a_drone_is_found_by_id_or_by_system_id() {
        let mut fleet = fleet_with(r#""px4""#).expect("fleet");
        let mut second = fleet.drones[0].clone();
        second.id = "7".into();
        second.system_id = 9;
        fleet.drones.push(second);
        assert_eq!(fleet.find(" q1 ").map(|d| d.id.as_str()), Some("q1"));
        assert_eq!(fleet.find("1").map(|d| d.id.as_str()), Some("q1"));
        assert_eq!(fleet.find("9").map(|d| d.id.as_str()), Some("7"));
        assert_eq!(
            fleet.find("7").map(|d| d.id.as_str()),
            Some("7"),
            "the id wins"
        );
        assert!(fleet.find("2").is_none() && fleet.find("q2").is_none());
        assert_eq!(fleet.drones[0].label(), "q1 (system 1)");
    }

    #[test]
    fn an_unknown_firmware_name_lists_the_known_ones() {
        let e = fleet_with(r#""betaflight""#).unwrap_err().to_string();
        assert!(
            e.contains("betaflight") && e.contains("ardupilot") && e.contains("px4"),
            "{e}"
        );
        let e = fleet_with("7").unwrap_err().to_string();
        assert!(e.contains("firmware name"), "{e}");
    }
}
