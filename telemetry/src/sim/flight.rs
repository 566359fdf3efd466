//! The flight model of one simulated ArduPilot-like vehicle: pure kinematics, battery,
//! failsafes and GPS noise, with no I/O and no MAVLink types.
//!
//! The MAVLink side stores the mission it received here, forwards commands (arm, mode,
//! go-to, ...) and calls [`FlightModel::step`] with simulated seconds. Every airframe flies
//! like a copter at its cruise airspeed: the wind changes ground speed exactly as in the
//! planner's energy model ([`patrol_planner::plan::energy`]), and the battery drains by that
//! model too (flight time plus climb time over the endurance), so a flown sortie costs what
//! the planner predicted. Legs are straight 3-D lines between waypoints, as the planner's
//! clearance band assumes; motion is exact along them, so a large `dt` only coarsens when
//! failsafes are checked, never the path. Internally positions are metres east and north of
//! home in a local tangent frame, with altitude above mean sea level.

use std::collections::VecDeque;
use std::sync::Arc;

use patrol_planner::area::fleet::Drone;
use patrol_planner::geodesy::enu::{Enu, Geodetic, LocalFrame};
use patrol_planner::plan::energy::{Wind, ground_speed_mps};
use patrol_planner::plan::model::{MissionItem, cmd, frame};
use patrol_planner::route::rng::SplitMix64;
use patrol_planner::terrain::Terrain;

/// Longest internal integration step, seconds: failsafes and GPS noise update at least this often.
const SUB_STEP_S: f64 = 0.5;
/// Longest `step` honoured in one call, seconds, so a stalled caller cannot hang the model.
const MAX_STEP_S: f64 = 3600.0;
/// Battery needed to arm, fraction.
const ARM_MIN_BATTERY: f64 = 0.30;
/// Lowest return altitude above home, metres (ArduPilot's RTL_ALT, raised for tree cover).
const RTL_MIN_ALT_M: f64 = 30.0;
/// Below this height a landing slows to its final rate, metres (ArduCopter LAND_ALT_LOW).
const LAND_SLOW_AGL_M: f64 = 10.0;
/// Disarm delay after touchdown, seconds.
const LANDED_DISARM_S: f64 = 2.0;
/// Descent rate of a vehicle disarmed in the air, metres per second.
const FALL_RATE_MPS: f64 = 15.0;
/// Correlation time of the GPS error, seconds.
const GPS_TAU_S: f64 = 30.0;
/// Battery drain of idling motors on the ground, as a share of the cruise drain.
const GROUND_IDLE_DRAIN: f64 = 0.025;

/// ArduCopter flight modes the simulator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlightMode {
    /// Manual attitude control; without a pilot the simulated vehicle just hovers.
    Stabilize,
    /// Commanded by the ground station (take-off, go-to).
    Guided,
    /// Flies the stored mission.
    Auto,
    /// Holds position.
    Loiter,
    /// Returns home and lands.
    Rtl,
    /// Lands where it is.
    Land,
}

impl FlightMode {
    /// ArduCopter's `custom_mode` number of the mode (HEARTBEAT).
    pub fn custom_mode(self) -> u32 {
        match self {
            FlightMode::Stabilize => 0,
            FlightMode::Auto => 3,
            FlightMode::Guided => 4,
            FlightMode::Loiter => 5,
            FlightMode::Rtl => 6,
            FlightMode::Land => 9,
        }
    }

    /// The mode of an ArduCopter `custom_mode` number, if the simulator knows it.
    pub fn from_custom_mode(custom_mode: u32) -> Option<FlightMode> {
        [
            FlightMode::Stabilize,
            FlightMode::Guided,
            FlightMode::Auto,
            FlightMode::Loiter,
            FlightMode::Rtl,
            FlightMode::Land,
        ]
        .into_iter()
        .find(|m| m.custom_mode() == custom_mode)
    }

    /// The name ground stations show, e.g. `GUIDED`.
    pub fn name(self) -> &'static str {
        match self {
            FlightMode::Stabilize => "STABILIZE",
            FlightMode::Guided => "GUIDED",
            FlightMode::Auto => "AUTO",
            FlightMode::Loiter => "LOITER",
            FlightMode::Rtl => "RTL",
            FlightMode::Land => "LAND",
        }
    }
}

impl std::fmt::Display for FlightMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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

/// Something that happened to the vehicle, as reported by [`FlightModel::step`].
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
    /// The defaults for a drone: calm air, 0.7 m GPS noise, return at the reserve plus 5 %.
    pub fn for_drone(drone: &Drone) -> FlightConfig {
        let reserve = drone.reserve_min / drone.endurance_min;
        FlightConfig {
            wind: Wind::CALM,
            gps_noise_m: 0.7,
            seed: u64::from(drone.system_id),
            low_battery_rtl: if reserve.is_finite() { reserve.clamp(0.0, 0.9) + 0.05 } else { 0.25 },
            acceptance_radius_m: 2.0,
            gcs_failsafe_s: 5.0,
            idle_disarm_s: 10.0,
        }
    }
}

/// What the autopilot reports (or, from [`FlightModel::truth`], what is exactly so).
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

/// One piece of motion the vehicle is committed to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Segment {
    /// Straight up or down to an altitude above mean sea level, metres.
    Climb { alt_amsl_m: f64 },
    /// A straight 3-D line to `to` ([east_m, north_m, alt_amsl_m]; altitude NaN keeps the
    /// starting one) from `from`, set when the line begins.
    Line { to: [f64; 3], from: Option<[f64; 3]> },
    /// Hover for a while, seconds.
    Wait { left_s: f64 },
    /// Descend in place to the ground; `fall` when the motors are off.
    Descend { fall: bool },
}

/// Performance figures of the drone, made positive and finite.
#[derive(Debug, Clone, Copy)]
struct Perf {
    cruise_mps: f64,
    max_speed_mps: f64,
    climb_mps: f64,
    descent_mps: f64,
    endurance_s: f64,
    swap_s: f64,
}

/// The simulated vehicle.
#[derive(Debug)]
pub struct FlightModel {
    perf: Perf,
    terrain: Arc<Terrain>,
    /// Local frame centred on home.
    frame: LocalFrame,
    home: Geodetic,
    config: FlightConfig,
    time_s: f64,
    /// True position: [east_m, north_m] from home, altitude above mean sea level.
    pos: [f64; 3],
    /// Mean velocity of the last sub-step, [east, north, up] metres per second.
    vel_mps: [f64; 3],
    heading_deg: f64,
    /// Commanded airspeed, metres per second.
    speed_mps: f64,
    mode: FlightMode,
    armed: bool,
    on_ground: bool,
    taking_off: bool,
    segments: VecDeque<Segment>,
    mission: Vec<MissionItem>,
    mission_current: u16,
    auto_running: bool,
    /// Mission item that completes when the segments are flown.
    nav_item: Option<u16>,
    /// Mission item that completes at touchdown.
    landing_item: Option<u16>,
    battery: f64,
    battery_fault: bool,
    ground_armed_s: f64,
    ground_disarmed_s: f64,
    landed_recently: bool,
    last_gcs_s: Option<f64>,
    fs_gcs: bool,
    fs_battery: bool,
    fs_critical: bool,
    fs_gps: bool,
    gps_lost: bool,
    rng: SplitMix64,
    /// GPS error, [east, north, up] metres.
    gps_err_m: [f64; 3],
    /// Last reported position, same layout as `pos`.
    reported: [f64; 3],
    satellites: u8,
    next_sat_change_s: f64,
    events: Vec<FlightEvent>,
}

fn positive_or(x: f64, fallback: f64) -> f64 {
    if x.is_finite() && x > 0.0 { x } else { fallback }
}

/// A standard normal sample (Box-Muller).
fn gauss(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.next_f64(); // in (0, 1]: ln stays finite
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl FlightModel {
    /// A disarmed vehicle on the ground at `home` (the base's ground, altitude AMSL), in STABILIZE.
    pub fn new(drone: &Drone, home: Geodetic, terrain: Arc<Terrain>, config: FlightConfig) -> FlightModel {
        let cruise_mps = positive_or(drone.cruise_speed_mps, 10.0);
        let perf = Perf {
            cruise_mps,
            max_speed_mps: positive_or(drone.max_speed_mps, cruise_mps).max(cruise_mps),
            climb_mps: positive_or(drone.climb_rate_mps, 2.0),
            descent_mps: positive_or(drone.descent_rate_mps, 1.5),
            endurance_s: positive_or(drone.endurance_min * 60.0, 600.0),
            swap_s: if drone.battery_swap_min >= 0.0 { drone.battery_swap_min * 60.0 } else { 600.0 },
        };
        let mut config = config;
        config.gps_noise_m = if config.gps_noise_m >= 0.0 { config.gps_noise_m.min(1e4) } else { 0.0 };
        config.low_battery_rtl = if config.low_battery_rtl.is_finite() { config.low_battery_rtl.clamp(0.0, 1.0) } else { 0.25 };
        config.acceptance_radius_m = if config.acceptance_radius_m >= 0.0 { config.acceptance_radius_m.min(1e3) } else { 2.0 };
        config.gcs_failsafe_s = positive_or(config.gcs_failsafe_s, f64::INFINITY);
        config.idle_disarm_s = if config.idle_disarm_s >= 0.0 { config.idle_disarm_s } else { 10.0 };
        if !(config.wind.speed_mps.is_finite() && config.wind.from_deg.is_finite()) {
            config.wind = Wind::CALM;
        }
        let home_alt = if home.alt_amsl_m.is_finite() { home.alt_amsl_m } else { 0.0 };
        let home = Geodetic { alt_amsl_m: home_alt, ..home };
        let mut rng = SplitMix64::new(config.seed);
        let s = config.gps_noise_m;
        // Start the error in its stationary distribution, so the first fixes are as noisy as later ones.
        let gps_err_m = [s * gauss(&mut rng), s * gauss(&mut rng), 1.5 * s * gauss(&mut rng)];
        let satellites = 14 + rng.below(5) as u8;
        let mut m = FlightModel {
            perf,
            terrain,
            frame: LocalFrame::new(home),
            home,
            config,
            time_s: 0.0,
            pos: [0.0, 0.0, home_alt],
            vel_mps: [0.0; 3],
            heading_deg: 0.0,
            speed_mps: cruise_mps,
            mode: FlightMode::Stabilize,
            armed: false,
            on_ground: true,
            taking_off: false,
            segments: VecDeque::new(),
            mission: Vec::new(),
            mission_current: 0,
            auto_running: false,
            nav_item: None,
            landing_item: None,
            battery: 1.0,
            battery_fault: false,
            ground_armed_s: 0.0,
            ground_disarmed_s: 0.0,
            landed_recently: false,
            last_gcs_s: None,
            fs_gcs: false,
            fs_battery: false,
            fs_critical: false,
            fs_gps: false,
            gps_lost: false,
            rng,
            gps_err_m,
            reported: [0.0; 3],
            satellites,
            next_sat_change_s: 60.0,
            events: Vec::new(),
        };
        m.pos[2] = m.ground_at(0.0, 0.0);
        m.reported = std::array::from_fn(|i| m.pos[i] + m.gps_err_m[i]);
        m
    }

    /// Stores a mission (ArduPilot layout: item 0 is home and is not flown); current item 1.
    pub fn set_mission(&mut self, items: Vec<MissionItem>) {
        let mut items = items;
        items.truncate(usize::from(u16::MAX));
        self.mission = items;
        self.mission_current = u16::from(!self.mission.is_empty());
        if self.mode == FlightMode::Auto && self.auto_running {
            // The old legs mean nothing any more: fly the new mission from its start.
            self.segments.clear();
            self.emit(FlightEvent::CurrentItem(self.mission_current));
            self.start_item();
        }
    }

    /// The stored mission.
    pub fn mission(&self) -> &[MissionItem] {
        &self.mission
    }

    /// Changes the flight mode; AUTO needs a mission.
    pub fn set_mode(&mut self, mode: FlightMode) -> Result<(), Refusal> {
        if mode == FlightMode::Auto && self.mission.len() < 2 {
            return Err(Refusal::NoMission);
        }
        if mode != self.mode {
            self.enter_mode(mode, "commanded");
        }
        Ok(())
    }

    /// Arms the motors after the pre-arm checks.
    pub fn arm(&mut self) -> Result<(), Refusal> {
        if self.armed {
            return Ok(());
        }
        if !self.on_ground {
            return Err(Refusal::InAir { action: "arming" });
        }
        if matches!(self.mode, FlightMode::Rtl | FlightMode::Land) {
            return Err(Refusal::ModeNotArmable(self.mode));
        }
        if self.battery_fault {
            return Err(Refusal::BatteryFault);
        }
        if self.gps_lost {
            return Err(Refusal::NoGpsFix);
        }
        if self.battery < ARM_MIN_BATTERY {
            return Err(Refusal::BatteryLow { remaining_pct: self.battery * 100.0, required_pct: ARM_MIN_BATTERY * 100.0 });
        }
        self.armed = true;
        self.speed_mps = self.perf.cruise_mps;
        self.ground_armed_s = 0.0;
        self.landed_recently = false;
        (self.fs_gcs, self.fs_battery, self.fs_critical, self.fs_gps) = (false, false, false, false);
        self.emit(FlightEvent::Armed);
        Ok(())
    }

    /// Disarms; in the air only with `force`, and then the vehicle falls.
    pub fn disarm(&mut self, force: bool) -> Result<(), Refusal> {
        if !self.armed {
            return Ok(());
        }
        if !self.on_ground && !force {
            return Err(Refusal::InAir { action: "disarm" });
        }
        self.armed = false;
        self.auto_running = false;
        self.segments.clear();
        if !self.on_ground {
            self.segments.push_back(Segment::Descend { fall: true });
        }
        self.emit(FlightEvent::Disarmed);
        Ok(())
    }

    /// MAV_CMD_MISSION_START: switches to AUTO and flies the mission from item 1.
    pub fn mission_start(&mut self) -> Result<(), Refusal> {
        if !self.armed {
            return Err(Refusal::NotArmed { action: "mission start" });
        }
        if self.mission.len() < 2 {
            return Err(Refusal::NoMission);
        }
        self.speed_mps = self.perf.cruise_mps;
        self.mission_current = 1;
        self.emit(FlightEvent::CurrentItem(1));
        self.enter_mode(FlightMode::Auto, "mission start");
        if !self.auto_running {
            // On the ground `enter_mode` waits; the start command is what launches the mission.
            self.segments.clear();
            self.auto_running = true;
            self.start_item();
        }
        Ok(())
    }

    /// Makes `seq` the current mission item; in a running mission the vehicle heads there.
    pub fn set_mission_current(&mut self, seq: u16) -> Result<(), Refusal> {
        let count = self.mission.len();
        if usize::from(seq) >= count {
            return Err(Refusal::SeqOutOfRange { seq, count });
        }
        self.mission_current = if seq == 0 && count > 1 { 1 } else { seq };
        self.emit(FlightEvent::CurrentItem(self.mission_current));
        if self.mode == FlightMode::Auto && self.auto_running {
            self.segments.clear();
            self.start_item();
        }
        Ok(())
    }

    /// Guided go-to (DO_REPOSITION): switches to GUIDED, flies there and hovers.
    pub fn goto(&mut self, lat_deg: f64, lon_deg: f64, alt_amsl_m: f64) -> Result<(), Refusal> {
        if !(lat_deg.is_finite() && lon_deg.is_finite() && alt_amsl_m.is_finite() && lat_deg.abs() <= 90.0) {
            return Err(Refusal::InvalidTarget("latitude, longitude and altitude must be finite numbers"));
        }
        if !self.armed {
            return Err(Refusal::NotArmed { action: "go-to" });
        }
        if self.on_ground {
            return Err(Refusal::OnGround { action: "go-to" });
        }
        let p = self.frame.geodetic_to_enu(Geodetic { lat_deg, lon_deg, alt_amsl_m: self.home.alt_amsl_m });
        if !(p.east_m.is_finite() && p.north_m.is_finite()) {
            return Err(Refusal::InvalidTarget("position cannot be converted"));
        }
        if self.mode == FlightMode::Guided {
            self.segments.clear();
        } else {
            self.enter_mode(FlightMode::Guided, "go-to");
        }
        self.segments.push_back(Segment::Line { to: [p.east_m, p.north_m, alt_amsl_m], from: None });
        Ok(())
    }

    /// Guided take-off to `alt_rel_home_m` above home (armed, GUIDED, on the ground).
    pub fn takeoff(&mut self, alt_rel_home_m: f64) -> Result<(), Refusal> {
        if !(alt_rel_home_m.is_finite() && alt_rel_home_m > 0.0) {
            return Err(Refusal::InvalidTarget("take-off altitude must be above 0 m"));
        }
        if !self.armed {
            return Err(Refusal::NotArmed { action: "take-off" });
        }
        if self.mode != FlightMode::Guided {
            return Err(Refusal::WrongMode { action: "take-off", needs: FlightMode::Guided, mode: self.mode });
        }
        if !self.on_ground {
            return Err(Refusal::InAir { action: "take-off" });
        }
        let alt_amsl_m = self.climb_floor(self.home.alt_amsl_m + alt_rel_home_m);
        self.segments.clear();
        self.segments.push_back(Segment::Climb { alt_amsl_m });
        Ok(())
    }

    /// The ground station was heard at simulated time `now_s`.
    pub fn gcs_heartbeat(&mut self, now_s: f64) {
        if now_s.is_finite() {
            self.last_gcs_s = Some(self.last_gcs_s.map_or(now_s, |t| t.max(now_s)));
            self.fs_gcs = false;
        }
    }

    /// The pack fails: its reading drops by 40 points and it drains ten times as fast.
    pub fn inject_battery_fault(&mut self) {
        self.battery = (self.battery - 0.4).max(0.0);
        self.battery_fault = true;
    }

    /// Loses (`true`) or regains the GPS fix; losing it in flight makes the vehicle land.
    pub fn inject_gps_loss(&mut self, lost: bool) {
        self.gps_lost = lost;
        if !lost {
            self.fs_gps = false;
        }
    }

    /// Sets the battery charge, fraction 0..1 (scenarios that start with a used pack).
    pub fn set_battery_remaining(&mut self, remaining: f64) {
        if remaining.is_finite() {
            self.battery = remaining.clamp(0.0, 1.0);
        }
    }

    /// Changes the wind.
    pub fn set_wind(&mut self, wind: Wind) {
        if wind.speed_mps.is_finite() && wind.from_deg.is_finite() {
            self.config.wind = wind;
        }
    }

    /// The configuration in use (after sanitising).
    pub fn config(&self) -> &FlightConfig {
        &self.config
    }

    /// Advances `dt_s` simulated seconds (at most an hour) and returns what happened, in order,
    /// including what commands caused since the last step.
    pub fn step(&mut self, dt_s: f64) -> Vec<FlightEvent> {
        if dt_s.is_finite() && dt_s > 0.0 {
            let mut left_s = dt_s.min(MAX_STEP_S);
            while left_s > 1e-9 {
                let h = left_s.min(SUB_STEP_S);
                self.sub_step(h);
                left_s -= h;
            }
        }
        std::mem::take(&mut self.events)
    }

    /// What the autopilot reports: GPS position with its error, frozen while the fix is lost.
    pub fn state(&self) -> VehicleState {
        self.vehicle_state(self.reported)
    }

    /// The exact state, for ground truth.
    pub fn truth(&self) -> VehicleState {
        self.vehicle_state(self.pos)
    }

    /// Simulated seconds since boot.
    pub fn time_s(&self) -> f64 {
        self.time_s
    }

    fn emit(&mut self, event: FlightEvent) {
        self.events.push(event);
    }

    fn geodetic_of(&self, east_m: f64, north_m: f64) -> Geodetic {
        self.frame.enu_to_geodetic(Enu { east_m, north_m, up_m: 0.0 })
    }

    /// Terrain height, metres AMSL; off the DEM the home ground.
    fn ground_at(&self, east_m: f64, north_m: f64) -> f64 {
        let g = self.geodetic_of(east_m, north_m);
        self.terrain.elevation_amsl_m(g.lat_deg, g.lon_deg).filter(|h| h.is_finite()).unwrap_or(self.home.alt_amsl_m)
    }

    /// `alt_amsl_m`, but at least 2 m above the ground here (NaN gives the floor).
    fn climb_floor(&self, alt_amsl_m: f64) -> f64 {
        alt_amsl_m.max(self.ground_at(self.pos[0], self.pos[1]) + 2.0)
    }

    /// A mission item's target [east_m, north_m, alt_amsl_m]; no position means here, and an
    /// altitude without a reference is NaN (keep the current one).
    fn target_of(&self, item: &MissionItem) -> [f64; 3] {
        let (lat, lon) = (item.lat_deg, item.lon_deg);
        let mut en = [self.pos[0], self.pos[1]];
        if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && !(lat == 0.0 && lon == 0.0) {
            let p = self.frame.geodetic_to_enu(Geodetic { lat_deg: lat, lon_deg: lon, alt_amsl_m: self.home.alt_amsl_m });
            if p.east_m.is_finite() && p.north_m.is_finite() {
                en = [p.east_m, p.north_m];
            }
        }
        let alt = match item.frame {
            _ if !item.alt_m.is_finite() => f64::NAN,
            frame::GLOBAL_AMSL => item.alt_m,
            frame::RELATIVE_TO_HOME => self.home.alt_amsl_m + item.alt_m,
            frame::TERRAIN => self.ground_at(en[0], en[1]) + item.alt_m,
            _ => f64::NAN,
        };
        [en[0], en[1], alt]
    }

    fn enter_mode(&mut self, mode: FlightMode, reason: &'static str) {
        if self.mode != mode {
            self.emit(FlightEvent::ModeChanged { mode, reason });
        }
        self.mode = mode;
        self.auto_running = false;
        self.nav_item = None;
        self.landing_item = None;
        if !self.armed {
            return; // nothing to command; a falling vehicle keeps falling
        }
        self.segments.clear();
        self.taking_off = false;
        if self.on_ground {
            return; // on the ground modes only wait: AUTO for MISSION_START, GUIDED for take-off
        }
        match mode {
            FlightMode::Auto => {
                self.auto_running = true;
                self.start_item();
            }
            FlightMode::Rtl => self.push_rtl(),
            FlightMode::Land => self.segments.push_back(Segment::Descend { fall: false }),
            FlightMode::Guided | FlightMode::Loiter | FlightMode::Stabilize => {}
        }
    }

    /// Climb to the return altitude, fly home, land.
    fn push_rtl(&mut self) {
        if !self.on_ground {
            let rtl_alt = self.pos[2].max(self.home.alt_amsl_m + RTL_MIN_ALT_M);
            if rtl_alt > self.pos[2] {
                self.segments.push_back(Segment::Climb { alt_amsl_m: rtl_alt });
            }
            self.segments.push_back(Segment::Line { to: [0.0, 0.0, rtl_alt], from: None });
        }
        self.segments.push_back(Segment::Descend { fall: false });
    }

    /// Starts the current mission item, executing instant ones until one needs flying.
    fn start_item(&mut self) {
        self.nav_item = None;
        self.landing_item = None;
        for _ in 0..self.mission.len() + 2 {
            let cur = self.mission_current;
            if cur == 0 && self.mission.len() > 1 {
                self.mission_current = 1; // item 0 is home, never flown
                self.emit(FlightEvent::CurrentItem(1));
                continue;
            }
            let Some(item) = self.mission.get(usize::from(cur)).copied().filter(|_| cur > 0) else {
                self.mission_complete();
                return;
            };
            let target = self.target_of(&item);
            match item.command {
                cmd::TAKEOFF | cmd::VTOL_TAKEOFF => {
                    let alt_amsl_m = self.climb_floor(target[2]);
                    if self.on_ground || alt_amsl_m > self.pos[2] + 0.05 {
                        self.segments.push_back(Segment::Climb { alt_amsl_m });
                        self.nav_item = Some(cur);
                        return;
                    }
                }
                cmd::WAYPOINT => {
                    if self.on_ground {
                        // Copters lift off vertically before heading to a first waypoint.
                        self.segments.push_back(Segment::Climb { alt_amsl_m: self.climb_floor(target[2]) });
                    }
                    self.segments.push_back(Segment::Line { to: target, from: None });
                    if let Some(hold_s) = item.params[0].filter(|s| s.is_finite() && *s > 0.0) {
                        self.segments.push_back(Segment::Wait { left_s: hold_s.min(3600.0) });
                    }
                    self.nav_item = Some(cur);
                    return;
                }
                cmd::LAND | cmd::VTOL_LAND => {
                    let away = (target[0] - self.pos[0]).hypot(target[1] - self.pos[1]) > 0.01;
                    if away && !self.on_ground {
                        self.segments.push_back(Segment::Line { to: [target[0], target[1], f64::NAN], from: None });
                    }
                    self.segments.push_back(Segment::Descend { fall: false });
                    self.landing_item = Some(cur);
                    return;
                }
                cmd::RETURN_TO_LAUNCH => {
                    self.push_rtl();
                    self.landing_item = Some(cur);
                    return;
                }
                cmd::DO_CHANGE_SPEED => {
                    if let Some(v) = item.params[1].filter(|v| v.is_finite() && *v > 0.0) {
                        self.speed_mps = v.min(self.perf.max_speed_mps);
                    }
                }
                _ => {} // camera and other non-navigation items: nothing to simulate
            }
            self.emit(FlightEvent::ItemReached(cur));
            if !self.advance_item() {
                return;
            }
        }
    }

    /// Moves to the next item; false (and mission complete) past the last.
    fn advance_item(&mut self) -> bool {
        let next = usize::from(self.mission_current) + 1;
        match u16::try_from(next) {
            Ok(next) if usize::from(next) < self.mission.len() => {
                self.mission_current = next;
                self.emit(FlightEvent::CurrentItem(next));
                true
            }
            _ => {
                self.mission_complete();
                false
            }
        }
    }

    fn mission_complete(&mut self) {
        self.auto_running = false;
        self.nav_item = None;
        self.landing_item = None;
        if self.mode == FlightMode::Auto {
            self.enter_mode(FlightMode::Loiter, "mission complete");
        }
    }

    fn sub_step(&mut self, h: f64) {
        let before = self.pos;
        self.advance(h);
        self.time_s += h;
        self.vel_mps = std::array::from_fn(|i| (self.pos[i] - before[i]) / h);
        if self.vel_mps[0].hypot(self.vel_mps[1]) > 0.2 {
            self.heading_deg = self.vel_mps[0].atan2(self.vel_mps[1]).to_degrees().rem_euclid(360.0);
        }
        self.ground_timers(h);
        self.failsafes();
        self.update_gps(h);
    }

    /// Flies the segments for `h` seconds, carrying time left over from one to the next.
    fn advance(&mut self, h: f64) {
        let mut left_s = h;
        // Bounded: each pass finishes a segment or uses up the time; 64 covers any real burst.
        for _ in 0..64 {
            let Some(seg) = self.segments.front().copied() else { break };
            if left_s <= 1e-9 {
                break;
            }
            if self.on_ground {
                match seg {
                    Segment::Climb { .. } | Segment::Line { .. } if self.armed => {
                        self.on_ground = false;
                        self.taking_off = true;
                        self.landed_recently = false;
                        self.emit(FlightEvent::TookOff);
                    }
                    Segment::Wait { .. } => {}
                    Segment::Descend { .. } => {
                        self.segments.pop_front();
                        self.touchdown();
                        continue;
                    }
                    _ => {
                        self.segments.clear();
                        break;
                    }
                }
            }
            let (used_s, next) = self.run(seg, left_s);
            left_s -= used_s;
            match next {
                Some(s) => {
                    if let Some(front) = self.segments.front_mut() {
                        *front = s;
                    }
                }
                None => {
                    self.segments.pop_front();
                    self.segment_done(seg);
                }
            }
        }
        self.drain(left_s, 0.0); // hovering or idling for the rest
    }

    /// Runs one segment for at most `t` seconds: time used and what is left of it.
    fn run(&mut self, seg: Segment, t: f64) -> (f64, Option<Segment>) {
        match seg {
            Segment::Wait { left_s } => {
                let used = t.min(left_s);
                self.drain(used, 0.0);
                (used, (left_s - used > 1e-9).then_some(Segment::Wait { left_s: left_s - used }))
            }
            Segment::Climb { alt_amsl_m } => {
                let dz = alt_amsl_m - self.pos[2];
                let rate = if dz > 0.0 { self.perf.climb_mps } else { self.perf.descent_mps };
                let need = dz.abs() / rate;
                if need <= t {
                    self.pos[2] = alt_amsl_m;
                    self.drain(need, dz.max(0.0));
                    (need, None)
                } else {
                    let moved = rate * t * dz.signum();
                    self.pos[2] += moved;
                    self.drain(t, moved.max(0.0));
                    (t, Some(seg))
                }
            }
            Segment::Line { to, from } => {
                let from = from.unwrap_or(self.pos);
                let to = [to[0], to[1], if to[2].is_finite() { to[2] } else { from[2] }];
                let (de, dn, dz) = (to[0] - from[0], to[1] - from[1], to[2] - from[2]);
                let len = de.hypot(dn);
                if len <= self.config.acceptance_radius_m.max(0.01) {
                    return self.run(Segment::Climb { alt_amsl_m: to[2] }, t);
                }
                let (ue, un) = (de / len, dn / len);
                let mut vg = ground_speed_mps(ue, un, self.speed_mps, self.config.wind).unwrap_or(0.5);
                // Stay on the 3-D line: slow down where the slope needs more than the vertical rate.
                let vz = dz / len * vg;
                if vz > self.perf.climb_mps {
                    vg *= self.perf.climb_mps / vz;
                } else if vz < -self.perf.descent_mps {
                    vg *= self.perf.descent_mps / -vz;
                }
                let done = ((self.pos[0] - from[0]) * ue + (self.pos[1] - from[1]) * un).clamp(0.0, len);
                let need = (len - done) / vg;
                let (used, prog) = if need <= t { (need, len) } else { (t, done + vg * t) };
                let f = prog / len;
                let alt_before = self.pos[2];
                self.pos = [from[0] + de * f, from[1] + dn * f, from[2] + dz * f];
                // A target below the terrain is flown at ground level rather than through it.
                self.pos[2] = self.pos[2].max(self.ground_at(self.pos[0], self.pos[1]));
                self.drain(used, (self.pos[2] - alt_before).max(0.0));
                (used, (prog < len).then_some(Segment::Line { to, from: Some(from) }))
            }
            Segment::Descend { fall } => {
                let ground = self.ground_at(self.pos[0], self.pos[1]);
                let agl = (self.pos[2] - ground).max(0.0);
                let slow_mps = (self.perf.descent_mps / 3.0).max(0.5).min(self.perf.descent_mps);
                let (rate, floor) = match (fall, agl > LAND_SLOW_AGL_M) {
                    (true, _) => (FALL_RATE_MPS, 0.0),
                    (false, true) => (self.perf.descent_mps, LAND_SLOW_AGL_M),
                    (false, false) => (slow_mps, 0.0),
                };
                let need = (agl - floor) / rate;
                if need <= t {
                    self.pos[2] = ground + floor;
                    self.drain(need, 0.0);
                    (need, (floor > 0.0).then_some(seg))
                } else {
                    self.pos[2] -= rate * t;
                    self.drain(t, 0.0);
                    (t, Some(seg))
                }
            }
        }
    }

    fn segment_done(&mut self, seg: Segment) {
        match seg {
            Segment::Descend { .. } => return self.touchdown(),
            Segment::Climb { .. } => self.taking_off = false,
            Segment::Line { .. } | Segment::Wait { .. } => {}
        }
        if self.segments.is_empty() && self.mode == FlightMode::Auto && self.auto_running {
            if let Some(seq) = self.nav_item.take() {
                self.emit(FlightEvent::ItemReached(seq));
                if self.advance_item() {
                    self.start_item();
                }
            }
        }
    }

    fn touchdown(&mut self) {
        self.on_ground = true;
        self.taking_off = false;
        self.pos[2] = self.ground_at(self.pos[0], self.pos[1]);
        self.segments.clear();
        if let Some(seq) = self.landing_item.take() {
            self.emit(FlightEvent::ItemReached(seq));
        }
        self.auto_running = false;
        self.nav_item = None;
        self.landed_recently = true;
        self.ground_armed_s = 0.0;
        self.ground_disarmed_s = 0.0;
        self.emit(FlightEvent::Landed);
    }

    /// Battery use of `dt_s` seconds with `climb_m` of ascent, by the planner's energy model.
    fn drain(&mut self, dt_s: f64, climb_m: f64) {
        if !self.armed || dt_s <= 0.0 {
            return;
        }
        let mut battery_s = if self.on_ground {
            dt_s * GROUND_IDLE_DRAIN
        } else {
            dt_s + climb_m / self.perf.climb_mps
        };
        if self.battery_fault {
            battery_s *= 10.0;
        }
        self.battery = (self.battery - battery_s / self.perf.endurance_s).max(0.0);
    }

    /// Auto-disarm on the ground, and the crew's battery swap.
    fn ground_timers(&mut self, h: f64) {
        if !self.on_ground {
            return;
        }
        if self.armed {
            if self.segments.is_empty() {
                self.ground_armed_s += h;
                let delay_s = if self.landed_recently { LANDED_DISARM_S } else { self.config.idle_disarm_s };
                if self.ground_armed_s >= delay_s {
                    self.armed = false;
                    self.auto_running = false;
                    self.emit(FlightEvent::Disarmed);
                }
            }
        } else if self.battery >= 1.0 && !self.battery_fault {
            self.ground_disarmed_s = 0.0; // nothing to swap: the crew's clock starts at need
        } else {
            self.ground_disarmed_s += h;
            if self.ground_disarmed_s >= self.perf.swap_s {
                self.battery = 1.0;
                self.battery_fault = false;
                self.ground_disarmed_s = 0.0;
                self.emit(FlightEvent::BatterySwapped);
            }
        }
    }

    fn landing(&self) -> bool {
        matches!(self.segments.front(), Some(Segment::Descend { .. }))
    }

    /// Already on the way down or home: a failsafe need not change the mode.
    fn returning(&self) -> bool {
        self.landing() || matches!(self.mode, FlightMode::Rtl | FlightMode::Land)
    }

    fn failsafes(&mut self) {
        if !self.armed || self.on_ground {
            return;
        }
        if self.gps_lost && !self.fs_gps {
            // Without GPS the vehicle can neither hold position nor navigate: ArduCopter lands.
            self.fs_gps = true;
            self.emit(FlightEvent::Failsafe { what: "gps" });
            if !self.landing() {
                self.enter_mode(FlightMode::Land, "GPS failsafe");
            }
        }
        if self.battery <= 0.0 && !self.fs_critical {
            self.fs_critical = true;
            self.emit(FlightEvent::Failsafe { what: "battery critical" });
            if !self.landing() {
                self.enter_mode(FlightMode::Land, "battery critical");
            }
        } else if self.battery < self.config.low_battery_rtl && !self.fs_battery {
            self.fs_battery = true;
            self.emit(FlightEvent::LowBattery { remaining: self.battery });
            self.emit(FlightEvent::Failsafe { what: "battery" });
            if !self.returning() {
                self.enter_mode(FlightMode::Rtl, "battery failsafe");
            }
        }
        if let Some(last_s) = self.last_gcs_s
            && self.time_s - last_s > self.config.gcs_failsafe_s
            && !self.fs_gcs
        {
            self.fs_gcs = true;
            self.emit(FlightEvent::Failsafe { what: "gcs" });
            if !self.returning() {
                self.enter_mode(FlightMode::Rtl, "GCS failsafe");
            }
        }
    }

    /// First-order Gauss-Markov GPS error; the fix freezes while GPS is lost.
    fn update_gps(&mut self, h: f64) {
        let a = (-h / GPS_TAU_S).exp();
        let k = (1.0 - a * a).sqrt();
        let s = self.config.gps_noise_m;
        for (i, sigma) in [s, s, 1.5 * s].into_iter().enumerate() {
            self.gps_err_m[i] = a * self.gps_err_m[i] + k * sigma * gauss(&mut self.rng);
        }
        if self.time_s >= self.next_sat_change_s {
            self.satellites = 14 + self.rng.below(5) as u8;
            self.next_sat_change_s += 60.0;
        }
        if !self.gps_lost {
            self.reported = std::array::from_fn(|i| self.pos[i] + self.gps_err_m[i]);
        }
    }

    fn landed_state(&self) -> LandedState {
        if self.on_ground {
            LandedState::OnGround
        } else if self.landing() {
            LandedState::Landing
        } else if self.taking_off {
            LandedState::TakingOff
        } else {
            LandedState::InAir
        }
    }

    fn vehicle_state(&self, p: [f64; 3]) -> VehicleState {
        let g = self.geodetic_of(p[0], p[1]);
        let ground_amsl_m = self.ground_at(p[0], p[1]);
        let [ve, vn, vu] = self.vel_mps;
        let (wind_e, wind_n) = self.config.wind.vector_mps();
        // Copters tilt toward their motion through the air: nose down forward, into a crosswind.
        let (air_e, air_n) = if self.on_ground { (0.0, 0.0) } else { (ve - wind_e, vn - wind_n) };
        let (sin_h, cos_h) = self.heading_deg.to_radians().sin_cos();
        let tilt = |v: f64| (0.15 * v / self.perf.cruise_mps).clamp(-0.6, 0.6);
        let current_a = match (self.armed, self.on_ground) {
            (true, false) => {
                20.0 + 15.0 * (vu / self.perf.climb_mps).clamp(0.0, 1.0)
                    - 4.0 * (-vu / self.perf.descent_mps).clamp(0.0, 1.0)
            }
            (true, true) => 0.5,
            (false, _) => 0.2,
        };
        let yaw = self.heading_deg.to_radians();
        VehicleState {
            lat_deg: g.lat_deg,
            lon_deg: g.lon_deg,
            alt_amsl_m: p[2],
            alt_rel_home_m: p[2] - self.home.alt_amsl_m,
            alt_agl_m: p[2] - ground_amsl_m,
            ground_amsl_m,
            vn_mps: vn,
            ve_mps: ve,
            vd_mps: -vu,
            heading_deg: self.heading_deg,
            roll_rad: tilt(air_e * cos_h - air_n * sin_h),
            pitch_rad: -tilt(air_e * sin_h + air_n * cos_h),
            yaw_rad: if yaw > std::f64::consts::PI { yaw - std::f64::consts::TAU } else { yaw },
            airspeed_mps: air_e.hypot(air_n),
            groundspeed_mps: ve.hypot(vn),
            climb_mps: vu,
            battery_remaining: self.battery,
            // 6S Li-ion: 4.2 V to 3.3 V a cell, sagging under load.
            battery_voltage_v: 19.8 + 5.4 * self.battery - 0.02 * current_a,
            battery_current_a: current_a,
            armed: self.armed,
            mode: self.mode,
            landed_state: self.landed_state(),
            mission_current: self.mission_current,
            mission_count: u16::try_from(self.mission.len()).unwrap_or(u16::MAX),
            gps_fix: !self.gps_lost,
            satellites: if self.gps_lost { 3 } else { self.satellites },
            home: self.home,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_planner::area::fleet::{Airframe, Autopilot, Camera, CameraKind, Firmware};
    use patrol_planner::plan::energy::{leg_time_s, takeoff_landing_s};
    use patrol_planner::raster::{Crs, GeoTransform, Raster};
    use patrol_planner::terrain::metres_per_degree;
    use FlightEvent as Ev;

    const HOME: Geodetic = Geodetic { lat_deg: 36.5, lon_deg: -84.0, alt_amsl_m: 400.0 };

    fn drone() -> Drone {
        Drone {
            id: "q1".into(),
            system_id: 1,
            airframe: Airframe::Multirotor,
            cruise_speed_mps: 12.0,
            max_speed_mps: 20.0,
            climb_rate_mps: 5.0,
            descent_rate_mps: 3.0,
            endurance_min: 38.0,
            reserve_min: 8.0,
            battery_swap_min: 8.0,
            home_base: "Jellico".into(),
            max_wind_mps: 12.0,
            autopilot: Autopilot { firmware: Firmware::Ardupilot, mission_item_limit: None, terrain_data: true },
            camera: Camera {
                kind: CameraKind::Thermal,
                sensor_width_mm: 7.68,
                sensor_height_mm: 6.14,
                focal_length_mm: 13.0,
                resolution_px: [640, 512],
                gimbal_pitch_deg: -90.0,
            },
        }
    }

    /// A DEM around home, 400 m at home, rising `rise_m_per_km` eastward (linear, so bilinear
    /// sampling is exact).
    fn terrain(rise_m_per_km: f64) -> Arc<Terrain> {
        let (n, step_deg) = (241usize, 0.001);
        let (west, north) = (HOME.lon_deg - 0.12, HOME.lat_deg + 0.12);
        let m_per_deg_lon = metres_per_degree(HOME.lat_deg).0;
        let data = (0..n * n)
            .map(|i| {
                let lon = west + ((i % n) as f64 + 0.5) * step_deg;
                (400.0 + rise_m_per_km * (lon - HOME.lon_deg) * m_per_deg_lon / 1000.0) as f32
            })
            .collect();
        let transform = GeoTransform { origin_x: west, origin_y: north, pixel_width: step_deg, pixel_height: -step_deg };
        Arc::new(Terrain::from_raster(Raster { width: n, height: n, transform, crs: Crs::Wgs84, data }).expect("valid DEM"))
    }

    fn model_with(rise_m_per_km: f64, edit: impl FnOnce(&mut FlightConfig)) -> FlightModel {
        let d = drone();
        let mut config = FlightConfig::for_drone(&d);
        edit(&mut config);
        FlightModel::new(&d, HOME, terrain(rise_m_per_km), config)
    }

    fn model() -> FlightModel {
        model_with(0.0, |_| {})
    }

    fn item(frame: u8, command: u16, east_m: f64, north_m: f64, alt_m: f64) -> MissionItem {
        let g = LocalFrame::new(HOME).enu_to_geodetic(Enu { east_m, north_m, up_m: 0.0 });
        MissionItem { seq: 0, frame, command, current: false, autocontinue: true, params: [None; 4], lat_deg: g.lat_deg, lon_deg: g.lon_deg, alt_m }
    }

    fn no_position(command: u16, params: [Option<f64>; 4]) -> MissionItem {
        MissionItem { lat_deg: 0.0, lon_deg: 0.0, params, ..item(frame::MISSION, command, 0.0, 0.0, 0.0) }
    }

    /// Home as item 0, then `items`, numbered.
    fn mission(items: Vec<MissionItem>) -> Vec<MissionItem> {
        let mut all = vec![item(frame::GLOBAL_AMSL, cmd::WAYPOINT, 0.0, 0.0, HOME.alt_amsl_m)];
        all.extend(items);
        for (i, it) in all.iter_mut().enumerate() {
            it.seq = i as u16;
        }
        all
    }

    /// Steps until `stop` sees an event or `max_s` passes; events with the time they were seen.
    fn fly(m: &mut FlightModel, dt_s: f64, max_s: f64, stop: impl Fn(&Ev) -> bool) -> Vec<(f64, Ev)> {
        let mut log = Vec::new();
        while m.time_s() < max_s {
            let events = m.step(dt_s);
            let done = events.iter().any(&stop);
            log.extend(events.into_iter().map(|e| (m.time_s(), e)));
            if done {
                break;
            }
        }
        log
    }

    fn when(log: &[(f64, Ev)], event: Ev) -> f64 {
        log.iter().find(|(_, e)| *e == event).map(|(t, _)| *t).expect("event happened")
    }

    fn enu_of(s: &VehicleState) -> [f64; 3] {
        let p = LocalFrame::new(HOME).geodetic_to_enu(Geodetic { lat_deg: s.lat_deg, lon_deg: s.lon_deg, alt_amsl_m: HOME.alt_amsl_m });
        [p.east_m, p.north_m, s.alt_amsl_m]
    }

    fn survey() -> Vec<MissionItem> {
        mission(vec![
            item(frame::RELATIVE_TO_HOME, cmd::TAKEOFF, 0.0, 0.0, 60.0),
            no_position(cmd::DO_CHANGE_SPEED, [Some(1.0), Some(12.0), Some(-1.0), None]),
            item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 2000.0, 0.0, 60.0),
            item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 2000.0, 2000.0, 60.0),
            no_position(cmd::RETURN_TO_LAUNCH, [None; 4]),
        ])
    }

    fn launch(m: &mut FlightModel, items: Vec<MissionItem>) {
        m.set_mission(items);
        m.arm().expect("arms");
        m.mission_start().expect("starts");
    }

    #[test]
    fn mission_is_flown_in_order_and_costs_what_the_planner_predicts() {
        let mut m = model();
        launch(&mut m, survey());
        let log = fly(&mut m, 5.0, 7200.0, |e| *e == Ev::Disarmed);
        let reached: Vec<u16> = log.iter().filter_map(|(_, e)| if let Ev::ItemReached(s) = e { Some(*s) } else { None }).collect();
        assert_eq!(reached, [1, 2, 3, 4, 5]);
        let t = m.truth();
        let home_dist_m = enu_of(&t)[0].hypot(enu_of(&t)[1]);
        assert!(home_dist_m < 3.0 && t.alt_agl_m.abs() < 0.1, "lands at home: {home_dist_m} m, {} m AGL", t.alt_agl_m);
        assert!(!t.armed && t.landed_state == LandedState::OnGround);

        let d = drone();
        let leg = |e: f64, n: f64| leg_time_s(&d, e, n, 0.0, Wind::CALM).expect("calm");
        let (up_s, down_s) = takeoff_landing_s(&d, 60.0);
        let planned_s = up_s + leg(2000.0, 0.0) + leg(0.0, 2000.0) + leg(-2000.0, -2000.0) + down_s;
        let flown_s = when(&log, Ev::Landed) - when(&log, Ev::TookOff);
        assert!((flown_s / planned_s - 1.0).abs() < 0.1, "flew {flown_s:.0} s, planned {planned_s:.0} s");
        let used = 1.0 - t.battery_remaining;
        let planned_used = planned_s / (d.endurance_min * 60.0);
        assert!((used / planned_used - 1.0).abs() < 0.1, "used {used:.3}, planned {planned_used:.3}");
    }

    #[test]
    fn headwind_slows_a_leg_and_tailwind_speeds_it() {
        let leg_s = |from_deg: f64| {
            let wind = Wind { from_deg, speed_mps: 5.0 };
            let mut m = model_with(0.0, |c| c.wind = wind);
            launch(&mut m, mission(vec![
                item(frame::RELATIVE_TO_HOME, cmd::TAKEOFF, 0.0, 0.0, 40.0),
                item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 1500.0, 0.0, 40.0),
            ]));
            let log = fly(&mut m, 1.0, 3600.0, |e| *e == Ev::ItemReached(2));
            let flown_s = when(&log, Ev::ItemReached(2)) - when(&log, Ev::ItemReached(1));
            let planned_s = leg_time_s(&drone(), 1500.0, 0.0, 0.0, wind).expect("flyable");
            assert!((flown_s - planned_s).abs() < 2.0, "flew {flown_s} s, planned {planned_s} s");
            flown_s
        };
        let (head_s, tail_s) = (leg_s(90.0), leg_s(270.0));
        assert!(head_s > 2.0 * tail_s, "headwind {head_s} s, tailwind {tail_s} s");
    }

    #[test]
    fn low_battery_returns_home_and_lands() {
        let mut m = model();
        m.set_battery_remaining(0.35);
        launch(&mut m, mission(vec![
            item(frame::RELATIVE_TO_HOME, cmd::TAKEOFF, 0.0, 0.0, 50.0),
            item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 8000.0, 0.0, 50.0),
        ]));
        let log = fly(&mut m, 5.0, 7200.0, |e| *e == Ev::Disarmed);
        let threshold = m.config().low_battery_rtl;
        assert!(log.iter().any(|(_, e)| matches!(e, Ev::LowBattery { remaining } if *remaining < threshold)));
        let fs = when(&log, Ev::Failsafe { what: "battery" });
        assert_eq!(when(&log, Ev::ModeChanged { mode: FlightMode::Rtl, reason: "battery failsafe" }), fs);
        assert!(!log.iter().any(|(_, e)| *e == Ev::ItemReached(2)), "the far waypoint is abandoned");
        let t = m.truth();
        assert!(enu_of(&t)[0].hypot(enu_of(&t)[1]) < 3.0 && !t.armed);
    }

    #[test]
    fn gcs_silence_triggers_rtl() {
        let mut m = model();
        launch(&mut m, survey());
        while m.time_s() < 100.0 {
            m.gcs_heartbeat(m.time_s());
            assert!(!m.step(1.0).iter().any(|e| matches!(e, Ev::Failsafe { .. })));
        }
        let log = fly(&mut m, 1.0, 200.0, |e| matches!(e, Ev::Failsafe { .. }));
        let at = when(&log, Ev::Failsafe { what: "gcs" });
        assert!(at - 100.0 <= 5.0 + 1.5, "failsafe after {} s of silence", at - 100.0);
        assert_eq!(m.state().mode, FlightMode::Rtl);
        let log = fly(&mut m, 5.0, 3600.0, |e| *e == Ev::Disarmed);
        assert!(log.iter().any(|(_, e)| *e == Ev::Landed));
    }

    #[test]
    fn arming_needs_30_percent_and_a_swap_restores_it() {
        let mut m = model();
        m.set_battery_remaining(0.2);
        let refusal = m.arm().expect_err("too low");
        assert_eq!(refusal.to_string(), "PreArm: battery 20% below 30%");
        let log = fly(&mut m, 5.0, 8.0 * 60.0 + 10.0, |e| *e == Ev::BatterySwapped);
        assert!(when(&log, Ev::BatterySwapped) >= 8.0 * 60.0);
        m.arm().expect("full pack arms");
        m.disarm(false).expect("on the ground");
        m.inject_battery_fault();
        assert_eq!(m.arm(), Err(Refusal::BatteryFault));
        fly(&mut m, 10.0, 2000.0, |e| *e == Ev::BatterySwapped);
        assert_eq!(m.arm(), Ok(()));
        assert_eq!(m.set_mode(FlightMode::Auto), Err(Refusal::NoMission));
    }

    #[test]
    fn big_steps_fly_the_same_path_as_small_ones() {
        let run = |dt_s: f64| {
            let mut m = model();
            launch(&mut m, survey());
            fly(&mut m, dt_s, 300.0, |_| false);
            let mid = enu_of(&m.truth());
            fly(&mut m, dt_s, 7200.0, |e| *e == Ev::Disarmed);
            (mid, enu_of(&m.truth()), m.truth().battery_remaining)
        };
        let (a, b) = (run(10.0), run(1.0));
        let dist = |p: [f64; 3], q: [f64; 3]| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt();
        assert!(dist(a.0, b.0) < 3.0, "mid-flight {:?} vs {:?}", a.0, b.0);
        assert!(dist(a.1, b.1) < 3.0, "end {:?} vs {:?}", a.1, b.1);
        assert!((a.2 - b.2).abs() < 0.01);
    }

    #[test]
    fn terrain_frame_waypoints_keep_their_height_over_a_slope() {
        let mut m = model_with(50.0, |_| {}); // 50 m per km up to the east
        let agl = |e, n| item(frame::TERRAIN, cmd::WAYPOINT, e, n, 50.0);
        launch(&mut m, mission(vec![
            item(frame::TERRAIN, cmd::TAKEOFF, 0.0, 0.0, 50.0),
            agl(3000.0, 0.0),
            agl(3000.0, 3000.0),
            agl(0.0, 3000.0),
            no_position(cmd::LAND, [None; 4]),
        ]));
        let mut cruising = false;
        let mut samples = 0;
        while m.time_s() < 3600.0 {
            let events = m.step(2.0);
            if events.contains(&Ev::ItemReached(1)) {
                cruising = true;
            }
            if events.contains(&Ev::ItemReached(4)) {
                break;
            }
            if cruising {
                let t = m.truth();
                assert!((t.alt_agl_m - 50.0).abs() < 3.0, "{} m AGL at {:?}", t.alt_agl_m, enu_of(&t));
                samples += 1;
            }
        }
        assert!(samples > 300, "{samples} samples");
        let t = m.truth();
        assert!((t.ground_amsl_m - 400.0).abs() < 2.0 && (t.alt_agl_m - 50.0).abs() < 1.0);
        let log = fly(&mut m, 2.0, 7200.0, |e| *e == Ev::Disarmed);
        assert!(log.iter().any(|(_, e)| *e == Ev::ItemReached(5)));
    }

    #[test]
    fn gps_noise_is_deterministic_and_has_the_configured_spread() {
        let track = |seed: u64| {
            let mut m = model_with(0.0, |c| c.seed = seed);
            (0..3000)
                .map(|_| {
                    m.step(1.0);
                    let (r, t) = (enu_of(&m.state()), enu_of(&m.truth()));
                    [r[0] - t[0], r[1] - t[1], r[2] - t[2]]
                })
                .collect::<Vec<_>>()
        };
        let (a, b, c) = (track(7), track(7), track(8));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let rms = |i: usize| (a.iter().map(|e| e[i] * e[i]).sum::<f64>() / a.len() as f64).sqrt();
        let horizontal_m = (rms(0).powi(2) + rms(1).powi(2)).sqrt() / 2f64.sqrt();
        assert!((horizontal_m / 0.7 - 1.0).abs() < 0.5, "horizontal sigma {horizontal_m}");
        assert!((rms(2) / 1.05 - 1.0).abs() < 0.5, "vertical sigma {}", rms(2));
        let s = model().state();
        assert!((14..=18).contains(&s.satellites) && s.gps_fix);
    }

    #[test]
    fn guided_flight_and_odd_input_never_panic() {
        let mut m = model();
        assert_eq!(m.step(f64::NAN), vec![]);
        assert!(m.step(-1.0).is_empty() && m.step(f64::INFINITY).is_empty());
        assert!(matches!(m.set_mission_current(3), Err(Refusal::SeqOutOfRange { .. })));
        assert_eq!(m.goto(HOME.lat_deg, HOME.lon_deg, 450.0), Err(Refusal::NotArmed { action: "go-to" }));
        assert!(m.goto(f64::NAN, 0.0, 0.0).is_err() && m.takeoff(f64::NAN).is_err());
        m.set_mode(FlightMode::Guided).expect("mode on the ground");
        m.arm().expect("arms in GUIDED");
        assert!(m.goto(HOME.lat_deg, HOME.lon_deg, 450.0).is_err(), "on the ground");
        m.takeoff(30.0).expect("guided take-off");
        let log = fly(&mut m, 1.0, 60.0, |_| false);
        assert!(log.iter().any(|(_, e)| *e == Ev::TookOff));
        assert!((m.truth().alt_rel_home_m - 30.0).abs() < 0.1);
        assert_eq!(m.truth().landed_state, LandedState::InAir);
        assert!(m.takeoff(40.0).is_err() && m.disarm(false).is_err());
        let target = item(frame::GLOBAL_AMSL, cmd::WAYPOINT, 500.0, -300.0, 0.0);
        m.goto(target.lat_deg, target.lon_deg, 460.0).expect("guided go-to");
        fly(&mut m, 10.0, 200.0, |_| false);
        let p = enu_of(&m.truth());
        assert!((p[0] - 500.0).abs() < 0.5 && (p[1] + 300.0).abs() < 0.5 && (p[2] - 460.0).abs() < 0.1);
        assert!(m.state().groundspeed_mps < 0.1, "holds there");

        // A mission full of oddities flies, skipping what it cannot use, and lands in place.
        let mut weird = item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 0.0, 0.0, f64::NAN);
        weird.lat_deg = f64::NAN;
        m.set_mission(mission(vec![
            no_position(cmd::DO_CHANGE_SPEED, [None, Some(f64::NAN), None, None]),
            no_position(999, [Some(f64::INFINITY); 4]),
            weird,
            MissionItem { lat_deg: 0.0, lon_deg: 0.0, ..item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 0.0, 0.0, 40.0) },
            no_position(cmd::LAND, [None; 4]),
        ]));
        m.set_mission_current(0).expect("0 means the first item");
        m.set_mode(FlightMode::Auto).expect("mission loaded");
        let log = fly(&mut m, 10.0, 1200.0, |e| *e == Ev::Disarmed);
        let reached = log.iter().filter(|(_, e)| matches!(e, Ev::ItemReached(_))).count();
        assert_eq!(reached, 5);
        let p = enu_of(&m.truth());
        assert!((p[0] - 500.0).abs() < 0.5 && (p[1] + 300.0).abs() < 0.5 && m.truth().alt_agl_m.abs() < 0.1);
        m.set_mission(vec![]);
        assert_eq!(m.mission_start(), Err(Refusal::NotArmed { action: "mission start" }));
        for mode in [FlightMode::Stabilize, FlightMode::Guided, FlightMode::Auto, FlightMode::Loiter, FlightMode::Rtl, FlightMode::Land] {
            assert_eq!(FlightMode::from_custom_mode(mode.custom_mode()), Some(mode));
        }
        assert_eq!(FlightMode::Guided.name(), "GUIDED");
        assert_eq!(LandedState::Landing.mav_landed_state(), 4);
    }
}
