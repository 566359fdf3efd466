//! The plan: what `patrol plan` decides and writes as `plan.json`, and what the telemetry
//! service and the viewer read back. Times are seconds from the shift's start; positions are
//! WGS 84; altitudes say their reference in their names.

use serde::{Deserialize, Serialize};

use crate::area::fleet::Firmware;

/// Version of the `plan.json` layout; readers refuse other versions.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// A whole patrol plan for a shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// [`PLAN_FORMAT_VERSION`].
    pub format_version: u32,
    /// The program that wrote it, e.g. `forest-patrol 0.1.0`.
    pub generator: String,
    /// The area's name.
    pub area_name: String,
    /// The area directory as given to `patrol plan`.
    pub area_dir: String,
    /// The shift.
    pub shift: Shift,
    /// The settings the plan was made with.
    pub settings: PlanSettings,
    /// Launch bases.
    pub bases: Vec<PlannedBase>,
    /// No-fly zones as polygons (circles as 64-gons).
    pub no_fly: Vec<PlannedZone>,
    /// Per drone, its sorties.
    pub drones: Vec<DronePlan>,
    /// Every planning cell patrolled at least once, with its visits.
    pub cells: Vec<PlannedCell>,
    /// What could not be planned, and why.
    pub left_out: Vec<LeftOut>,
    /// What was planned differently from the search's routes, and why (a sortie split for
    /// its autopilot's mission item limit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<LeftOut>,
    /// Totals over the fleet.
    pub totals: PlanTotals,
    /// How the area's risk is shared between the towers, the alarms, the patrol and nobody;
    /// `None` for an area without towers or alarms (and plans written before there were).
    #[serde(default)]
    pub watch: Option<PlanWatch>,
}

/// Who watches the area's risk, as expected shares of it that sum to 1: a fire's chance of
/// being found by a tower, else by an alarm, else by the patrol (the share of its cell the
/// drones see), else by nobody.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlanWatch {
    /// Towers in the area.
    pub towers: usize,
    /// Infrared alarms in the area.
    pub ir_alarms: usize,
    /// Whether the patrol was planned for the blind spots (`blind_spot_weight` > 0 and not
    /// turned off).
    pub weighted: bool,
    /// Share found by towers.
    pub by_towers: f64,
    /// Share found by alarms where no tower would.
    pub by_alarms: f64,
    /// Share found by the patrol where neither would.
    pub by_patrol: f64,
    /// Share left unwatched.
    pub unwatched: f64,
}

/// The shift window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    /// Local start time as given, `HH:MM`.
    pub start_local: String,
    /// Local end time as given, `HH:MM`.
    pub end_local: String,
    /// Length, seconds (an end before the start is the next day's).
    pub duration_s: f64,
    /// The shift's date (of its start), `YYYY-MM-DD`; `None` in plans made before plans had
    /// one (their times count from when `patrol fly` starts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The IANA time zone of its local times, e.g. `America/New_York`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Settings of the planner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSettings {
    /// Patrol height above the ground, metres.
    pub alt_agl_m: f64,
    /// Highest height above the ground any point of a leg may reach, metres.
    pub ceiling_agl_m: f64,
    /// Lowest height above the ground any point of a leg may reach, metres.
    pub min_agl_m: f64,
    /// Direction the wind blows from, degrees clockwise from north.
    pub wind_from_deg: f64,
    /// Mean wind speed, metres per second.
    pub wind_speed_mps: f64,
    /// Side overlap of lawn-mower passes, 0..1.
    pub side_overlap: f64,
    /// Search time limit, seconds.
    pub time_limit_s: f64,
    /// Random seed of the search.
    pub seed: u64,
}

/// A base in the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedBase {
    /// Name.
    pub name: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Ground elevation, metres above mean sea level.
    pub alt_amsl_m: f64,
}

/// A no-fly zone in the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedZone {
    /// Name.
    pub name: String,
    /// Flight above this altitude may cross, metres above mean sea level.
    pub ceiling_amsl_m: Option<f64>,
    /// Closed ring of [longitude, latitude] pairs (first = last).
    pub polygon: Vec<[f64; 2]>,
}

/// One drone's part of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DronePlan {
    /// Drone id from the fleet file.
    pub drone_id: String,
    /// MAVLink system id.
    pub system_id: u8,
    /// Autopilot firmware.
    pub firmware: Firmware,
    /// Name of its base.
    pub home_base: String,
    /// Its sorties in time order.
    pub sorties: Vec<Sortie>,
}

/// One flight from take-off to landing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sortie {
    /// `<drone>-<n>`, n from 1.
    pub id: String,
    /// Take-off, seconds from the shift's start.
    pub start_s: f64,
    /// Landing, seconds from the shift's start.
    pub end_s: f64,
    /// Base it takes off from and lands at.
    pub base: String,
    /// Ground distance flown, metres.
    pub distance_m: f64,
    /// Flight time, seconds.
    pub flight_time_s: f64,
    /// Share of the battery used, 0..1 (of the endurance; the reserve stays unused).
    pub battery_used: f64,
    /// Risk of the cells patrolled, counted with their recovered value at visit time.
    pub risk_patrolled: f64,
    /// Indices into [`Plan::cells`] of the cells this sortie patrols.
    pub cells: Vec<usize>,
    /// Lawn-mower sweeps flown (each covers a high-risk stretch whole).
    #[serde(default)]
    pub sweeps: usize,
    /// The flown path with planned times, take-off to landing.
    pub path: Vec<PathPoint>,
    /// The mission to upload.
    pub mission: Mission,
}

/// A point of a planned flight path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PathPoint {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, metres above mean sea level.
    pub alt_amsl_m: f64,
    /// Ground elevation below, metres above mean sea level.
    pub ground_amsl_m: f64,
    /// Planned time, seconds from the shift's start.
    pub t_s: f64,
}

/// A mission as uploaded to an autopilot (MAVLink mission protocol, mission type 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mission {
    /// Home: the base, ground elevation above mean sea level.
    pub home: PathPoint,
    /// Vehicle type for QGroundControl: 1 fixed wing, 2 quadrotor (MAV_TYPE).
    pub mav_type: u8,
    /// Cruise speed, metres per second.
    pub cruise_speed_mps: f64,
    /// Items in upload order; for ArduPilot item 0 is home.
    pub items: Vec<MissionItem>,
}

/// One mission item (MISSION_ITEM_INT fields; coordinates in degrees, not 1e7 integers).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MissionItem {
    /// Position in the mission, from 0.
    pub seq: u16,
    /// MAV_FRAME: 0 global AMSL, 3 relative to home, 10 terrain-relative, 2 mission (no position).
    pub frame: u8,
    /// MAV_CMD.
    pub command: u16,
    /// Whether this is the current item (only item 0 or 1 at upload).
    pub current: bool,
    /// Continue to the next item automatically.
    pub autocontinue: bool,
    /// param1..param4 (`None` = NaN in MAVLink, "unchanged").
    pub params: [Option<f64>; 4],
    /// Latitude (param5/x), degrees; 0 for items without a position.
    pub lat_deg: f64,
    /// Longitude (param6/y), degrees; 0 for items without a position.
    pub lon_deg: f64,
    /// Altitude (param7/z), metres in `frame`'s reference.
    pub alt_m: f64,
}

impl MissionItem {
    /// An item to be numbered later (`seq` 0), not current, continuing automatically.
    pub fn new(
        frame: u8,
        command: u16,
        params: [Option<f64>; 4],
        lat_deg: f64,
        lon_deg: f64,
        alt_m: f64,
    ) -> MissionItem {
        MissionItem {
            seq: 0,
            frame,
            command,
            current: false,
            autocontinue: true,
            params,
            lat_deg,
            lon_deg,
            alt_m,
        }
    }
}

/// MAV_CMD values used in missions.
pub mod cmd {
    /// MAV_CMD_NAV_WAYPOINT.
    pub const WAYPOINT: u16 = 16;
    /// MAV_CMD_NAV_RETURN_TO_LAUNCH.
    pub const RETURN_TO_LAUNCH: u16 = 20;
    /// MAV_CMD_NAV_LAND.
    pub const LAND: u16 = 21;
    /// MAV_CMD_NAV_TAKEOFF.
    pub const TAKEOFF: u16 = 22;
    /// MAV_CMD_NAV_VTOL_TAKEOFF.
    pub const VTOL_TAKEOFF: u16 = 84;
    /// MAV_CMD_NAV_VTOL_LAND.
    pub const VTOL_LAND: u16 = 85;
    /// MAV_CMD_DO_CHANGE_SPEED.
    pub const DO_CHANGE_SPEED: u16 = 178;
    /// MAV_CMD_DO_SET_CAM_TRIGG_DIST.
    pub const DO_SET_CAM_TRIGG_DIST: u16 = 206;
    /// MAV_CMD_IMAGE_START_CAPTURE.
    pub const IMAGE_START_CAPTURE: u16 = 2000;
    /// MAV_CMD_IMAGE_STOP_CAPTURE.
    pub const IMAGE_STOP_CAPTURE: u16 = 2001;
}

/// MAV_FRAME values used in missions.
pub mod frame {
    /// MAV_FRAME_GLOBAL: altitude above mean sea level.
    pub const GLOBAL_AMSL: u8 = 0;
    /// MAV_FRAME_MISSION: no position.
    pub const MISSION: u8 = 2;
    /// MAV_FRAME_GLOBAL_RELATIVE_ALT: altitude above home.
    pub const RELATIVE_TO_HOME: u8 = 3;
    /// MAV_FRAME_GLOBAL_TERRAIN_ALT: altitude above terrain (ArduPilot with terrain data).
    pub const TERRAIN: u8 = 10;
}

/// A patrolled cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedCell {
    /// Centre latitude, degrees.
    pub lat_deg: f64,
    /// Centre longitude, degrees.
    pub lon_deg: f64,
    /// Edge length, metres.
    pub size_m: f64,
    /// Risk index 0..1.
    pub risk: f64,
    /// Danger class 1..5.
    pub class: u8,
    /// Planned visit times, seconds from the shift's start, ascending.
    pub visits_s: Vec<f64>,
    /// Sortie ids of those visits, same order.
    pub visited_by: Vec<String>,
}

/// Something the planner could not do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftOut {
    /// What: a cell count, a drone, a sortie.
    pub what: String,
    /// Why.
    pub reason: String,
}

/// Totals of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanTotals {
    /// Sum of the risk of every cell of the area.
    pub area_risk: f64,
    /// Sum of the risk of the cells patrolled at least once.
    pub risk_covered: f64,
    /// `risk_covered / area_risk`.
    pub share_of_area_risk: f64,
    /// Risk patrolled counting revisits by their recovered value.
    pub risk_patrolled: f64,
    /// Number of sorties.
    pub sorties: usize,
    /// Flight time of all sorties, seconds.
    pub flight_time_s: f64,
    /// Ground distance of all sorties, metres.
    pub distance_m: f64,
}
