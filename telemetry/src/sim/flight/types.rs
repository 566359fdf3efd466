//! The values the flight model exchanges with the MAVLink side: modes, landed states,
//! refusals, events, settings and the reported vehicle state, re-exported by the parent.

use patrol_planner::area::fleet::Drone;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::plan::energy::Wind;

use crate::mav::flight_mode::FlightMode;

/// Whether the vehicle is on the ground, in the air or between the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LandedState {
    /// On the ground.
    OnGround,
    /// Climbing away from the ground after lift-off.
    TakingOff,
    /// Flying.
    InAir,
    /// Descending to land.
    Landing,
}

impl LandedState {
    /// The MAV_LANDED_STATE number (EXTENDED_SYS_STATE).
    pub fn mav_landed_state(self) -> u8 {
        match self {
            LandedState::OnGround => 1,
            LandedState::InAir => 2,
            LandedState::TakingOff => 3,
            LandedState::Landing => 4,
        }
    }
}

/// Why the autopilot refused a command, worded for the operator.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The battery is too low to arm.
    #[error("PreArm: battery {remaining_pct:.0}% below {required_pct:.0}%")]
    BatteryLow {
        /// Remaining charge, percent.
        remaining_pct: f64,
        /// Charge needed to arm, percent.
        required_pct: f64,
    },
    /// The pack has failed; it must be swapped.
    #[error("PreArm: battery fault, swap the pack")]
    BatteryFault,
    /// No GPS fix.
    #[error("PreArm: GPS has no fix")]
    NoGpsFix,
    /// The mode does not allow arming.
    #[error("Arm: mode {0} not armable, use GUIDED, LOITER, AUTO or STABILIZE")]
    ModeNotArmable(FlightMode),
    /// No mission items beyond home.
    #[error("no mission loaded")]
    NoMission,
    /// The command needs the vehicle armed.
    #[error("{action} refused: vehicle is disarmed, arm first")]
    NotArmed {
        /// What was refused.
        action: &'static str,
    },
    /// The command is only possible on the ground.
    #[error("{action} refused: vehicle is in the air")]
    InAir {
        /// What was refused.
        action: &'static str,
    },
    /// The command is only possible in the air.
    #[error("{action} refused: vehicle is on the ground, take off first")]
    OnGround {
        /// What was refused.
        action: &'static str,
    },
    /// The command needs another mode.
    #[error("{action} needs {needs} mode (vehicle is in {mode})")]
    WrongMode {
        /// What was refused.
        action: &'static str,
        /// Mode the command needs.
        needs: FlightMode,
        /// Mode the vehicle is in.
        mode: FlightMode,
    },
    /// A mission index past the end.
    #[error("mission item {seq} does not exist (the mission has {count} items)")]
    SeqOutOfRange {
        /// Requested index.
        seq: u16,
        /// Items stored.
        count: usize,
    },
    /// A target that is not a place.
    #[error("invalid target: {0}")]
    InvalidTarget(&'static str),
}

/// Something that happened to the vehicle, as reported by [`super::FlightModel::step`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FlightEvent {
    /// The motors were armed.
    Armed,
    /// The motors were disarmed (commanded, after landing or after idling on the ground).
    Disarmed,
    /// The vehicle left the ground.
    TookOff,
    /// The vehicle touched down.
    Landed,
    /// A mission item was completed (MISSION_ITEM_REACHED).
    ItemReached(u16),
    /// The mission's current item changed (MISSION_CURRENT).
    CurrentItem(u16),
    /// The flight mode changed, and why (`commanded`, `mission complete`, `battery failsafe`, ...).
    ModeChanged {
        /// The new mode.
        mode: FlightMode,
        /// Why.
        reason: &'static str,
    },
    /// The battery fell below the return threshold.
    LowBattery {
        /// Remaining charge, fraction.
        remaining: f64,
    },
    /// A failsafe fired: `battery`, `battery critical`, `gcs` or `gps`.
    Failsafe {
        /// Which failsafe.
        what: &'static str,
    },
    /// The crew swapped the battery on the ground: it is full again.
    BatterySwapped,
}

/// Settings of the simulation around one vehicle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlightConfig {
    /// The wind.
    pub wind: Wind,
    /// GPS horizontal error, 1-sigma metres (vertical is 1.5 times this).
    pub gps_noise_m: f64,
    /// Seed of the GPS noise.
    pub seed: u64,
    /// Battery fraction below which the vehicle returns home.
    pub low_battery_rtl: f64,
    /// A waypoint closer than this horizontally, metres, is reached by climbing alone.
    pub acceptance_radius_m: f64,
    /// Simulated seconds without a ground-station heartbeat before the GCS failsafe.
    pub gcs_failsafe_s: f64,
    /// Simulated seconds armed on the ground without taking off before auto-disarm.
    pub idle_disarm_s: f64,
}

impl FlightConfig {
    /// The defaults for a drone: calm air, 0.7 m GPS noise, and a low-battery return at half the
    /// reserve the planner keeps: crews set BATT_LOW below their planning reserve, so that a
    /// sortie that runs a little long eats into the reserve instead of being cut short.
    pub fn for_drone(drone: &Drone) -> FlightConfig {
        let reserve = drone.reserve_min / drone.endurance_min;
        FlightConfig {
            wind: Wind::CALM,
            gps_noise_m: 0.7,
            seed: u64::from(drone.system_id),
            low_battery_rtl: if reserve.is_finite() {
                (reserve / 2.0).clamp(0.0, 0.9)
            } else {
                0.25
            },
            acceptance_radius_m: 2.0,
            gcs_failsafe_s: 5.0,
            idle_disarm_s: 10.0,
        }
    }
}

/// What the autopilot reports (or, from [`super::FlightModel::truth`], what is exactly so).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VehicleState {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude above mean sea level, metres.
    pub alt_amsl_m: f64,
    /// Altitude above home, metres.
    pub alt_rel_home_m: f64,
    /// Height above the terrain below, metres.
    pub alt_agl_m: f64,
    /// Terrain elevation below, metres above mean sea level.
    pub ground_amsl_m: f64,
    /// Velocity north, metres per second.
    pub vn_mps: f64,
    /// Velocity east, metres per second.
    pub ve_mps: f64,
    /// Velocity down, metres per second.
    pub vd_mps: f64,
    /// Heading, degrees clockwise from north, 0..360.
    pub heading_deg: f64,
    /// Roll, radians, right wing down positive.
    pub roll_rad: f64,
    /// Pitch, radians, nose up positive.
    pub pitch_rad: f64,
    /// Yaw, radians, -pi..pi clockwise from north.
    pub yaw_rad: f64,
    /// Speed through the air, metres per second.
    pub airspeed_mps: f64,
    /// Horizontal speed over the ground, metres per second.
    pub groundspeed_mps: f64,
    /// Climb rate, metres per second.
    pub climb_mps: f64,
    /// Battery charge, fraction 0..1.
    pub battery_remaining: f64,
    /// Battery voltage of the 6S pack, volts.
    pub battery_voltage_v: f64,
    /// Battery current, amperes.
    pub battery_current_a: f64,
    /// Whether the motors are armed.
    pub armed: bool,
    /// The flight mode.
    pub mode: FlightMode,
    /// On the ground, in the air or between.
    pub landed_state: LandedState,
    /// Index of the current mission item.
    pub mission_current: u16,
    /// Number of mission items stored (home included).
    pub mission_count: u16,
    /// Whether the GPS has a 3-D fix.
    pub gps_fix: bool,
    /// Satellites in view.
    pub satellites: u8,
    /// Home: the base's ground, altitude above mean sea level.
    pub home: Geodetic,
}
