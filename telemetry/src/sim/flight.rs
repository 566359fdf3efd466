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
//!
//! Commands take effect at once; the events they cause (armed, mode changed, ...) are handed
//! out by the next [`FlightModel::step`] together with what the flight itself brought.
//! The submodule `types` holds the exchanged values (re-exported here), `motion` how the
//! vehicle moves.

mod motion;
mod types;

use std::collections::VecDeque;
use std::sync::Arc;

use patrol_planner::area::fleet::Drone;
use patrol_planner::geodesy::enu::{Geodetic, LocalFrame};
use patrol_planner::plan::energy::Wind;
use patrol_planner::plan::model::MissionItem;
use patrol_planner::route::rng::SplitMix64;
use patrol_planner::terrain::Terrain;

use motion::{Fired, Perf, Segment, gauss, sanitized};
pub use types::{FlightConfig, FlightEvent, LandedState, Refusal, VehicleState};

use crate::mav::flight_mode::FlightMode;

/// Longest internal integration step, seconds: failsafes and GPS noise update at least this often.
const SUB_STEP_S: f64 = 0.5;
/// Longest `step` honoured in one call, seconds, so a stalled caller cannot hang the model.
const MAX_STEP_S: f64 = 3600.0;
/// Battery needed to arm, fraction.
const ARM_MIN_BATTERY: f64 = 0.30;

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
    fired: Fired,
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

impl FlightModel {
    /// A disarmed vehicle on the ground at `home` (the base's ground, altitude AMSL), in STABILIZE.
    pub fn new(
        drone: &Drone,
        home: Geodetic,
        terrain: Arc<Terrain>,
        config: FlightConfig,
    ) -> FlightModel {
        let perf = Perf::of(drone);
        let config = sanitized(config);
        let home_alt = if home.alt_amsl_m.is_finite() {
            home.alt_amsl_m
        } else {
            0.0
        };
        let home = Geodetic {
            alt_amsl_m: home_alt,
            ..home
        };
        let mut rng = SplitMix64::new(config.seed);
        let s = config.gps_noise_m;
        // Start the error in its stationary spread, so the first fixes are as noisy as later ones.
        let gps_err_m = [
            s * gauss(&mut rng),
            s * gauss(&mut rng),
            1.5 * s * gauss(&mut rng),
        ];
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
            speed_mps: perf.cruise_mps,
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
            fired: Fired::default(),
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
            return Err(Refusal::BatteryLow {
                remaining_pct: self.battery * 100.0,
                required_pct: ARM_MIN_BATTERY * 100.0,
            });
        }
        self.armed = true;
        self.speed_mps = self.perf.cruise_mps;
        self.ground_armed_s = 0.0;
        self.landed_recently = false;
        self.fired = Fired::default();
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
            return Err(Refusal::NotArmed {
                action: "mission start",
            });
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
        if !(lat_deg.is_finite()
            && lon_deg.is_finite()
            && alt_amsl_m.is_finite()
            && lat_deg.abs() <= 90.0)
        {
            return Err(Refusal::InvalidTarget(
                "latitude, longitude and altitude must be finite numbers",
            ));
        }
        if !self.armed {
            return Err(Refusal::NotArmed { action: "go-to" });
        }
        if self.on_ground {
            return Err(Refusal::OnGround { action: "go-to" });
        }
        let p = self.frame.geodetic_to_enu(Geodetic {
            lat_deg,
            lon_deg,
            alt_amsl_m: self.home.alt_amsl_m,
        });
        if !(p.east_m.is_finite() && p.north_m.is_finite()) {
            return Err(Refusal::InvalidTarget("position cannot be converted"));
        }
        if self.mode == FlightMode::Guided {
            self.segments.clear();
        } else {
            self.enter_mode(FlightMode::Guided, "go-to");
        }
        self.segments.push_back(Segment::Line {
            to: [p.east_m, p.north_m, alt_amsl_m],
            from: None,
        });
        Ok(())
    }

    /// Guided take-off to `alt_rel_home_m` above home (armed, GUIDED, on the ground).
    pub fn takeoff(&mut self, alt_rel_home_m: f64) -> Result<(), Refusal> {
        if !(alt_rel_home_m.is_finite() && alt_rel_home_m > 0.0) {
            return Err(Refusal::InvalidTarget(
                "take-off altitude must be above 0 m",
            ));
        }
        if !self.armed {
            return Err(Refusal::NotArmed { action: "take-off" });
        }
        if self.mode != FlightMode::Guided {
            return Err(Refusal::WrongMode {
                action: "take-off",
                needs: FlightMode::Guided,
                mode: self.mode,
            });
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
            self.fired.gcs = false;
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
            self.fired.gps = false;
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
        self.config = sanitized(FlightConfig {
            wind,
            ..self.config
        });
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use FlightEvent as Ev;
    use patrol_planner::geodesy::enu::Enu;
    use patrol_planner::plan::energy::{leg_time_s, takeoff_landing_s};
    use patrol_planner::plan::model::{cmd, frame};
    use patrol_planner::raster::{Crs, GeoTransform, Raster};
    use patrol_planner::terrain::metres_per_degree;

    const HOME: Geodetic = Geodetic {
        lat_deg: 36.5,
        lon_deg: -84.0,
        alt_amsl_m: 400.0,
    };

    /// A quadcopter as in the bundled fleet file (terrain data, thermal camera).
    fn drone() -> Drone {
        serde_json::from_str(
            r#"{"id": "q1", "system_id": 1, "airframe": "multirotor", "cruise_speed_mps": 12.0,
            "max_speed_mps": 20.0, "climb_rate_mps": 5.0, "descent_rate_mps": 3.0,
            "endurance_min": 38.0, "reserve_min": 8.0, "battery_swap_min": 8.0,
            "home_base": "Jellico", "max_wind_mps": 12.0, "autopilot": {"firmware": "ardupilot",
            "mission_item_limit": 700, "terrain_data": true}, "camera": {"kind": "thermal",
            "sensor_width_mm": 7.68, "sensor_height_mm": 6.14, "focal_length_mm": 13.0,
            "resolution_px": [640, 512], "gimbal_pitch_deg": -90.0}}"#,
        )
        .expect("valid drone")
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
        let transform = GeoTransform {
            origin_x: west,
            origin_y: north,
            pixel_width: step_deg,
            pixel_height: -step_deg,
        };
        Arc::new(
            Terrain::from_raster(Raster {
                width: n,
                height: n,
                transform,
                crs: Crs::Wgs84,
                data,
            })
            .expect("valid DEM"),
        )
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
        let g = LocalFrame::new(HOME).enu_to_geodetic(Enu {
            east_m,
            north_m,
            up_m: 0.0,
        });
        MissionItem::new(frame, command, [None; 4], g.lat_deg, g.lon_deg, alt_m)
    }

    fn no_position(command: u16, params: [Option<f64>; 4]) -> MissionItem {
        MissionItem::new(frame::MISSION, command, params, 0.0, 0.0, 0.0)
    }

    /// Home as item 0, then `items`, numbered.
    fn mission(items: Vec<MissionItem>) -> Vec<MissionItem> {
        let mut all = vec![item(frame::GLOBAL_AMSL, cmd::WAYPOINT, 0.0, 0.0, 400.0)];
        all.extend(items);
        for (i, it) in all.iter_mut().enumerate() {
            it.seq = i as u16;
        }
        all
    }

    /// Steps until `stop` sees an event or `max_s` passes; events with the time they were seen.
    fn fly(
        m: &mut FlightModel,
        dt_s: f64,
        max_s: f64,
        stop: impl Fn(&Ev) -> bool,
    ) -> Vec<(f64, Ev)> {
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

    fn items_reached(log: &[(f64, Ev)]) -> Vec<u16> {
        let seq = |e: &Ev| {
            if let Ev::ItemReached(s) = e {
                Some(*s)
            } else {
                None
            }
        };
        log.iter().filter_map(|(_, e)| seq(e)).collect()
    }

    fn when(log: &[(f64, Ev)], event: Ev) -> f64 {
        log.iter()
            .find(|(_, e)| *e == event)
            .map(|(t, _)| *t)
            .expect("event happened")
    }

    fn enu_of(s: &VehicleState) -> [f64; 3] {
        let p = LocalFrame::new(HOME).geodetic_to_enu(Geodetic {
            lat_deg: s.lat_deg,
            lon_deg: s.lon_deg,
            alt_amsl_m: HOME.alt_amsl_m,
        });
        [p.east_m, p.north_m, s.alt_amsl_m]
    }

    fn survey() -> Vec<MissionItem> {
        mission(vec![
            item(frame::RELATIVE_TO_HOME, cmd::TAKEOFF, 0.0, 0.0, 60.0),
            no_position(
                cmd::DO_CHANGE_SPEED,
                [Some(1.0), Some(12.0), Some(-1.0), None],
            ),
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
        assert_eq!(items_reached(&log), [1, 2, 3, 4, 5]);
        let t = m.truth();
        let home_dist_m = enu_of(&t)[0].hypot(enu_of(&t)[1]);
        assert!(
            home_dist_m < 3.0 && t.alt_agl_m.abs() < 0.1,
            "lands at home: {home_dist_m} m, {} m AGL",
            t.alt_agl_m
        );
        assert!(!t.armed && t.landed_state == LandedState::OnGround);

        let d = drone();
        let leg = |e: f64, n: f64| leg_time_s(&d, e, n, 0.0, Wind::CALM).expect("calm");
        let (up_s, down_s) = takeoff_landing_s(&d, 60.0);
        let planned_s = up_s + leg(2000.0, 0.0) + leg(0.0, 2000.0) + leg(-2000.0, -2000.0) + down_s;
        let flown_s = when(&log, Ev::Landed) - when(&log, Ev::TookOff);
        assert!(
            (flown_s / planned_s - 1.0).abs() < 0.1,
            "flew {flown_s:.0} s, planned {planned_s:.0} s"
        );
        let used = 1.0 - t.battery_remaining;
        let planned_used = planned_s / (d.endurance_min * 60.0);
        assert!(
            (used / planned_used - 1.0).abs() < 0.1,
            "used {used:.3}, planned {planned_used:.3}"
        );
    }

    #[test]
    fn headwind_slows_a_leg_and_tailwind_speeds_it() {
        let leg_s = |from_deg: f64| {
            let wind = Wind {
                from_deg,
                speed_mps: 5.0,
            };
            let mut m = model_with(0.0, |c| c.wind = wind);
            launch(
                &mut m,
                mission(vec![
                    item(frame::RELATIVE_TO_HOME, cmd::TAKEOFF, 0.0, 0.0, 40.0),
                    item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 1500.0, 0.0, 40.0),
                ]),
            );
            let log = fly(&mut m, 1.0, 3600.0, |e| *e == Ev::ItemReached(2));
            let flown_s = when(&log, Ev::ItemReached(2)) - when(&log, Ev::ItemReached(1));
            let planned_s = leg_time_s(&drone(), 1500.0, 0.0, 0.0, wind).expect("flyable");
            assert!(
                (flown_s - planned_s).abs() < 2.0,
                "flew {flown_s} s, planned {planned_s} s"
            );
            flown_s
        };
        let (head_s, tail_s) = (leg_s(90.0), leg_s(270.0));
        assert!(
            head_s > 2.0 * tail_s,
            "headwind {head_s} s, tailwind {tail_s} s"
        );
    }

    #[test]
    fn low_battery_returns_home_and_lands() {
        let mut m = model();
        launch(
            &mut m,
            mission(vec![
                item(frame::RELATIVE_TO_HOME, cmd::TAKEOFF, 0.0, 0.0, 50.0),
                item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 8000.0, 0.0, 50.0),
            ]),
        );
        // A minute out, the pack turns out nearly spent: just above the failsafe level.
        let mut log = fly(&mut m, 5.0, 60.0, |_| false);
        let level = m.config().low_battery_rtl;
        m.set_battery_remaining(level + 0.01);
        log.extend(fly(&mut m, 5.0, 7200.0, |e| *e == Ev::Disarmed));
        let threshold = m.config().low_battery_rtl;
        assert!(
            log.iter()
                .any(|(_, e)| matches!(e, Ev::LowBattery { remaining } if *remaining < threshold))
        );
        let rtl = Ev::ModeChanged {
            mode: FlightMode::Rtl,
            reason: "battery failsafe",
        };
        assert_eq!(
            when(&log, rtl),
            when(&log, Ev::Failsafe { what: "battery" })
        );
        assert!(
            !log.iter().any(|(_, e)| *e == Ev::ItemReached(2)),
            "the far waypoint is abandoned"
        );
        let t = m.truth();
        assert!(enu_of(&t)[0].hypot(enu_of(&t)[1]) < 3.0 && !t.armed);
    }

    #[test]
    fn battery_fault_returns_and_gps_loss_lands() {
        let mut m = model();
        launch(&mut m, survey());
        fly(&mut m, 5.0, 60.0, |_| false);
        m.inject_battery_fault();
        let log = fly(&mut m, 1.0, 300.0, |e| matches!(e, Ev::Failsafe { .. }));
        let rtl = Ev::ModeChanged {
            mode: FlightMode::Rtl,
            reason: "battery failsafe",
        };
        assert!(log.iter().any(|(_, e)| *e == rtl), "{log:?}");
        m.inject_gps_loss(true);
        let log = fly(&mut m, 5.0, 3600.0, |e| *e == Ev::Disarmed);
        assert_eq!(log[0].1, Ev::Failsafe { what: "gps" });
        assert!(log.iter().any(|(_, e)| *e == Ev::Landed));
        assert!(!m.state().gps_fix && m.state().satellites < 5);
        assert_eq!(m.arm(), Err(Refusal::ModeNotArmable(FlightMode::Land)));
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
        assert!(
            at - 100.0 <= 5.0 + 1.5,
            "failsafe after {} s of silence",
            at - 100.0
        );
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
        let dist = |p: [f64; 3], q: [f64; 3]| {
            ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
        };
        assert!(dist(a.0, b.0) < 3.0, "mid-flight {:?} vs {:?}", a.0, b.0);
        assert!(dist(a.1, b.1) < 3.0, "end {:?} vs {:?}", a.1, b.1);
        assert!((a.2 - b.2).abs() < 0.01);
    }

    #[test]
    fn terrain_frame_waypoints_keep_their_height_over_a_slope() {
        let mut m = model_with(50.0, |_| {}); // 50 m per km up to the east
        let agl = |e, n| item(frame::TERRAIN, cmd::WAYPOINT, e, n, 50.0);
        launch(
            &mut m,
            mission(vec![
                item(frame::TERRAIN, cmd::TAKEOFF, 0.0, 0.0, 50.0),
                agl(3000.0, 0.0),
                agl(3000.0, 3000.0),
                agl(0.0, 3000.0),
                no_position(cmd::LAND, [None; 4]),
            ]),
        );
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
                assert!(
                    (t.alt_agl_m - 50.0).abs() < 3.0,
                    "{} m AGL at {:?}",
                    t.alt_agl_m,
                    enu_of(&t)
                );
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
        assert!(
            (horizontal_m / 0.7 - 1.0).abs() < 0.5,
            "horizontal sigma {horizontal_m}"
        );
        assert!(
            (rms(2) / 1.05 - 1.0).abs() < 0.5,
            "vertical sigma {}",
            rms(2)
        );
        let s = model().state();
        assert!((14..=18).contains(&s.satellites) && s.gps_fix);
    }

    #[test]
    fn guided_flight_and_odd_input_never_panic() {
        let mut m = model();
        assert_eq!(m.step(f64::NAN), vec![]);
        assert!(m.step(-1.0).is_empty() && m.step(f64::INFINITY).is_empty());
        assert!(matches!(
            m.set_mission_current(3),
            Err(Refusal::SeqOutOfRange { .. })
        ));
        assert_eq!(
            m.goto(HOME.lat_deg, HOME.lon_deg, 450.0),
            Err(Refusal::NotArmed { action: "go-to" })
        );
        assert!(m.goto(f64::NAN, 0.0, 0.0).is_err() && m.takeoff(f64::NAN).is_err());
        m.set_mode(FlightMode::Guided).expect("mode on the ground");
        m.arm().expect("arms in GUIDED");
        assert!(
            m.goto(HOME.lat_deg, HOME.lon_deg, 450.0).is_err(),
            "on the ground"
        );
        m.takeoff(30.0).expect("guided take-off");
        let log = fly(&mut m, 1.0, 60.0, |_| false);
        assert!(log.iter().any(|(_, e)| *e == Ev::TookOff));
        assert!((m.truth().alt_rel_home_m - 30.0).abs() < 0.1);
        assert_eq!(m.truth().landed_state, LandedState::InAir);
        assert!(m.takeoff(40.0).is_err() && m.disarm(false).is_err());
        let target = item(frame::GLOBAL_AMSL, cmd::WAYPOINT, 500.0, -300.0, 0.0);
        m.goto(target.lat_deg, target.lon_deg, 460.0)
            .expect("guided go-to");
        fly(&mut m, 10.0, 200.0, |_| false);
        let p = enu_of(&m.truth());
        assert!(
            (p[0] - 500.0).abs() < 0.5 && (p[1] + 300.0).abs() < 0.5 && (p[2] - 460.0).abs() < 0.1
        );
        assert!(m.state().groundspeed_mps < 0.1, "holds there");

        // A mission full of oddities flies, skipping what it cannot use, and lands in place.
        let mut weird = item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 0.0, 0.0, f64::NAN);
        weird.lat_deg = f64::NAN;
        m.set_mission(mission(vec![
            no_position(cmd::DO_CHANGE_SPEED, [None, Some(f64::NAN), None, None]),
            no_position(999, [Some(f64::INFINITY); 4]),
            weird,
            MissionItem {
                lat_deg: 0.0,
                lon_deg: 0.0,
                ..item(frame::RELATIVE_TO_HOME, cmd::WAYPOINT, 0.0, 0.0, 40.0)
            },
            no_position(cmd::LAND, [None; 4]),
        ]));
        m.set_mission_current(0).expect("0 means the first item");
        m.set_mode(FlightMode::Auto).expect("mission loaded");
        let log = fly(&mut m, 10.0, 1200.0, |e| *e == Ev::Disarmed);
        assert_eq!(items_reached(&log), [1, 2, 3, 4, 5]);
        let p = enu_of(&m.truth());
        assert!(
            (p[0] - 500.0).abs() < 0.5
                && (p[1] + 300.0).abs() < 0.5
                && m.truth().alt_agl_m.abs() < 0.1
        );
        m.set_mission(vec![]);
        assert_eq!(
            m.mission_start(),
            Err(Refusal::NotArmed {
                action: "mission start"
            })
        );
        for mode in FlightMode::ALL {
            assert_eq!(FlightMode::from_custom_mode(mode.custom_mode()), Some(mode));
        }
        assert_eq!(FlightMode::Guided.name(), "GUIDED");
        assert_eq!(LandedState::Landing.mav_landed_state(), 4);
    }
}
