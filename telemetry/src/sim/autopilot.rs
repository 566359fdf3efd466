//! The MAVLink face of one simulated vehicle, answering like ArduPilot: heartbeats, the
//! vehicle side of the mission protocol (missions, fences, rally points), commands, message
//! intervals, and telemetry streams. The flying itself is [`FlightModel`]'s.
//!
//! Like [`crate::gcs::transfer`], this is a pure state machine: messages and the clock in,
//! messages out. [`super::fleet`] puts many of them on one link.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mavlink::Message;
use num_traits::FromPrimitive;
use patrol_planner::area::fleet::{Airframe, Drone};
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::plan::model::{MissionItem, cmd, frame};

use crate::mav::dialect::*;
use crate::mav::flight_mode::{FlightMode, ModeNumbering};
use crate::mav::mission_item::{ListKind, from_wire, to_wire};
use crate::sim::flight::{FlightEvent, FlightModel, Refusal};

/// How long the vehicle waits for an item before asking again (ArduPilot resends too).
const ITEM_REREQUEST: Duration = Duration::from_millis(250);
/// An upload that stalls this long is abandoned; the previous list stays.
const UPLOAD_ABANDON: Duration = Duration::from_secs(8);
/// Fence and rally point capacity (ArduPilot's defaults are in this range).
const FENCE_LIMIT: usize = 200;
const RALLY_LIMIT: usize = 20;

/// An upload the vehicle is receiving.
#[derive(Debug)]
struct Receiving {
    kind: ListKind,
    from: (u8, u8),
    count: u16,
    items: Vec<MissionItem>,
    deadline: Instant,
    last_progress: Instant,
}

/// One simulated vehicle's MAVLink side.
#[derive(Debug)]
pub struct Autopilot {
    system_id: u8,
    mav_type: MavType,
    item_limit: usize,
    model: FlightModel,
    fence: Vec<MissionItem>,
    rally: Vec<MissionItem>,
    receiving: Option<Receiving>,
    /// (kind, count, gcs) of the last completed upload, to re-acknowledge a repeated last item.
    completed: Option<(ListKind, u16, (u8, u8))>,
    /// Wall interval per message id; absent = the default rate.
    intervals: HashMap<u32, Option<Duration>>,
    next_due: HashMap<u32, Instant>,
    /// Offset of mission time (µs since the UNIX epoch) at boot, for SYSTEM_TIME.
    unix_us_at_boot: u64,
    /// Set while a fault makes the vehicle silent.
    pub silent: bool,
    /// The drone flies PX4's mission convention: no home item, the mission starts at item 0.
    /// The flight model follows ArduPilot's (item 0 is home), so a PX4 mission is given to it
    /// behind a placeholder home item and sequence numbers are shifted by one on the wire.
    px4: bool,
    /// A PX4 mission as uploaded (what a download returns).
    px4_mission: Vec<MissionItem>,
}

/// PX4's default MIS_TAKEOFF_ALT: the height of a take-off that names no altitude, metres.
const PX4_MIS_TAKEOFF_ALT_M: f64 = 2.5;

/// Streams and their default rates (Hz) before a ground station asks for others.
const DEFAULT_STREAMS: [(u32, f64); 11] = [
    (0, 1.0),   // HEARTBEAT (always)
    (1, 1.0),   // SYS_STATUS
    (147, 1.0), // BATTERY_STATUS
    (24, 1.0),  // GPS_RAW_INT
    (33, 2.0),  // GLOBAL_POSITION_INT
    (30, 2.0),  // ATTITUDE
    (74, 1.0),  // VFR_HUD
    (42, 1.0),  // MISSION_CURRENT
    (242, 0.2), // HOME_POSITION
    (2, 1.0),   // SYSTEM_TIME
    (245, 1.0), // EXTENDED_SYS_STATE
];

impl Autopilot {
    /// A vehicle for `drone` with its flight model.
    pub fn new(drone: &Drone, model: FlightModel, unix_us_at_boot: u64) -> Autopilot {
        let mav_type = match drone.airframe {
            Airframe::Multirotor => MavType::MAV_TYPE_QUADROTOR,
            Airframe::FixedWing => MavType::MAV_TYPE_FIXED_WING,
            Airframe::Vtol => MavType::MAV_TYPE_VTOL_FIXEDROTOR,
        };
        Autopilot {
            px4: drone.autopilot.firmware == patrol_planner::area::fleet::Firmware::Px4,
            px4_mission: Vec::new(),
            system_id: drone.system_id,
            mav_type,
            item_limit: drone.mission_item_limit() as usize,
            model,
            fence: Vec::new(),
            rally: Vec::new(),
            receiving: None,
            completed: None,
            intervals: HashMap::new(),
            next_due: HashMap::new(),
            unix_us_at_boot,
            silent: false,
        }
    }

    /// How the vehicle numbers its modes: PX4's when the fleet says PX4.
    fn numbering(&self) -> ModeNumbering {
        if self.px4 {
            ModeNumbering::Px4
        } else {
            ModeNumbering::ArduCopter
        }
    }

    /// A mission sequence number from the wire to the flight model's numbering.
    fn to_model_seq(&self, seq: u16) -> u16 {
        if self.px4 { seq.saturating_add(1) } else { seq }
    }

    /// A mission sequence number from the flight model to the wire (PX4 has no home item).
    fn to_wire_seq(&self, seq: u16) -> u16 {
        if self.px4 { seq.saturating_sub(1) } else { seq }
    }

    /// The system id.
    pub fn system_id(&self) -> u8 {
        self.system_id
    }

    /// The flight model (for faults and ground truth).
    pub fn model(&self) -> &FlightModel {
        &self.model
    }

    /// The flight model, mutable (fault injection).
    pub fn model_mut(&mut self) -> &mut FlightModel {
        &mut self.model
    }

    /// A stored list.
    pub fn list(&self, kind: ListKind) -> &[MissionItem] {
        match kind {
            ListKind::Mission if self.px4 => &self.px4_mission,
            ListKind::Mission => self.model.mission(),
            ListKind::Fence => &self.fence,
            ListKind::Rally => &self.rally,
        }
    }

    fn limit(&self, kind: ListKind) -> usize {
        match kind {
            ListKind::Mission => self.item_limit,
            ListKind::Fence => FENCE_LIMIT,
            ListKind::Rally => RALLY_LIMIT,
        }
    }

    /// Handles a message from `from` (system, component); returns the replies.
    pub fn handle(
        &mut self,
        msg: &MavMessage,
        from: (u8, u8),
        now: Instant,
        out: &mut Vec<MavMessage>,
    ) {
        let addressed = msg
            .target_system_id()
            .is_none_or(|t| t == 0 || t == self.system_id);
        if !addressed {
            return;
        }
        match msg {
            MavMessage::HEARTBEAT(h) if h.mavtype == MavType::MAV_TYPE_GCS => {
                let t = self.model.time_s();
                self.model.gcs_heartbeat(t);
            }
            MavMessage::MISSION_COUNT(c) => self.on_count(c, from, now, out),
            MavMessage::MISSION_ITEM_INT(it) => self.on_item(it, now, out),
            MavMessage::MISSION_REQUEST_LIST(r) => {
                if let Some(kind) = ListKind::from_mission_type(r.mission_type) {
                    out.push(MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
                        count: self.list(kind).len() as u16,
                        target_system: from.0,
                        target_component: from.1,
                        mission_type: kind.mission_type(),
                        opaque_id: 0,
                    }));
                }
            }
            MavMessage::MISSION_REQUEST_INT(r) => self.send_item(r.mission_type, r.seq, from, out),
            #[allow(deprecated)]
            MavMessage::MISSION_REQUEST(r) => self.send_item(r.mission_type, r.seq, from, out),
            MavMessage::MISSION_CLEAR_ALL(c) => {
                let kinds: Vec<ListKind> = match ListKind::from_mission_type(c.mission_type) {
                    Some(k) => vec![k],
                    None => vec![ListKind::Mission, ListKind::Fence, ListKind::Rally],
                };
                for k in kinds {
                    self.store(k, Vec::new());
                }
                out.push(ack(
                    from,
                    c.mission_type,
                    MavMissionResult::MAV_MISSION_ACCEPTED,
                ));
            }
            #[allow(deprecated)]
            MavMessage::MISSION_SET_CURRENT(s) => {
                if let Err(r) = self.model.set_mission_current(self.to_model_seq(s.seq)) {
                    out.push(statustext(
                        MavSeverity::MAV_SEVERITY_WARNING,
                        &r.to_string(),
                    ));
                }
            }
            MavMessage::COMMAND_LONG(c) => {
                let p = [
                    c.param1, c.param2, c.param3, c.param4, c.param5, c.param6, c.param7,
                ];
                let result = self.command(c.command, p, None, out);
                out.push(command_ack(c.command, result, from));
            }
            MavMessage::COMMAND_INT(c) => {
                let p = [
                    c.param1, c.param2, c.param3, c.param4, c.x as f32, c.y as f32, c.z,
                ];
                let pos = (
                    f64::from(c.x) / 1e7,
                    f64::from(c.y) / 1e7,
                    f64::from(c.z),
                    c.frame,
                );
                let result = self.command(c.command, p, Some(pos), out);
                out.push(command_ack(c.command, result, from));
            }
            _ => {}
        }
    }

    fn store(&mut self, kind: ListKind, items: Vec<MissionItem>) {
        match kind {
            ListKind::Mission if self.px4 => {
                let home = self.model.state().home;
                self.model.set_mission(with_home_item(&items, home));
                self.px4_mission = items;
            }
            ListKind::Mission => self.model.set_mission(items),
            ListKind::Fence => self.fence = items,
            ListKind::Rally => self.rally = items,
        }
    }

    fn on_count(
        &mut self,
        c: &MISSION_COUNT_DATA,
        from: (u8, u8),
        now: Instant,
        out: &mut Vec<MavMessage>,
    ) {
        let Some(kind) = ListKind::from_mission_type(c.mission_type) else {
            out.push(ack(
                from,
                c.mission_type,
                MavMissionResult::MAV_MISSION_UNSUPPORTED,
            ));
            return;
        };
        if usize::from(c.count) > self.limit(kind) {
            out.push(statustext(
                MavSeverity::MAV_SEVERITY_WARNING,
                &format!(
                    "{} of {} items exceeds the limit of {}",
                    kind.name(),
                    c.count,
                    self.limit(kind)
                ),
            ));
            out.push(ack(
                from,
                c.mission_type,
                MavMissionResult::MAV_MISSION_NO_SPACE,
            ));
            return;
        }
        // ArduPilot accepts mission changes in flight; so do we.
        self.completed = None;
        if c.count == 0 {
            self.store(kind, Vec::new());
            out.push(ack(
                from,
                c.mission_type,
                MavMissionResult::MAV_MISSION_ACCEPTED,
            ));
            return;
        }
        self.receiving = Some(Receiving {
            kind,
            from,
            count: c.count,
            items: Vec::with_capacity(c.count as usize),
            deadline: now + ITEM_REREQUEST,
            last_progress: now,
        });
        out.push(request(from, kind, 0));
    }

    fn on_item(&mut self, it: &MISSION_ITEM_INT_DATA, now: Instant, out: &mut Vec<MavMessage>) {
        let Some(kind) = ListKind::from_mission_type(it.mission_type) else {
            return;
        };
        let Some(rx) = self.receiving.as_mut().filter(|r| r.kind == kind) else {
            // The acknowledgement of a finished upload was lost: the ground station resends
            // the last item, and gets the acknowledgement again.
            if let Some((k, count, gcs)) = self.completed {
                if k == kind && it.seq + 1 == count {
                    out.push(ack(
                        gcs,
                        it.mission_type,
                        MavMissionResult::MAV_MISSION_ACCEPTED,
                    ));
                }
            }
            return;
        };
        let next = rx.items.len() as u16;
        if it.seq != next {
            // A duplicate or an item out of order: ask again for the one we need.
            out.push(request(rx.from, kind, next));
            rx.deadline = now + ITEM_REREQUEST;
            return;
        }
        rx.items.push(from_wire(it));
        rx.last_progress = now;
        rx.deadline = now + ITEM_REREQUEST;
        if rx.items.len() as u16 == rx.count {
            let done = self.receiving.take();
            if let Some(done) = done {
                self.completed = Some((kind, done.count, done.from));
                self.store(kind, done.items);
                out.push(ack(
                    done.from,
                    it.mission_type,
                    MavMissionResult::MAV_MISSION_ACCEPTED,
                ));
            }
        } else {
            let from = rx.from;
            out.push(request(from, kind, next + 1));
        }
    }

    fn send_item(
        &self,
        mission_type: MavMissionType,
        seq: u16,
        from: (u8, u8),
        out: &mut Vec<MavMessage>,
    ) {
        let Some(kind) = ListKind::from_mission_type(mission_type) else {
            return;
        };
        match self.list(kind).get(seq as usize) {
            Some(item) => {
                if let Ok(w) = to_wire(item, kind, from) {
                    out.push(MavMessage::MISSION_ITEM_INT(w));
                }
            }
            None => out.push(ack(
                from,
                mission_type,
                MavMissionResult::MAV_MISSION_INVALID_SEQUENCE,
            )),
        }
    }

    fn command(
        &mut self,
        command: MavCmd,
        p: [f32; 7],
        pos: Option<(f64, f64, f64, MavFrame)>,
        out: &mut Vec<MavMessage>,
    ) -> MavResult {
        let outcome: Result<(), Refusal> = match command {
            MavCmd::MAV_CMD_DO_SET_MODE => match self.numbering().mode_of_set_mode(p[1], p[2]) {
                Some(mode) => self.model.set_mode(mode),
                None => return MavResult::MAV_RESULT_DENIED,
            },
            MavCmd::MAV_CMD_COMPONENT_ARM_DISARM => {
                if p[0] >= 0.5 {
                    self.model.arm()
                } else {
                    self.model.disarm((p[1] - 21196.0).abs() < 0.5)
                }
            }
            MavCmd::MAV_CMD_MISSION_START => self.model.mission_start(),
            MavCmd::MAV_CMD_NAV_RETURN_TO_LAUNCH => self.model.set_mode(FlightMode::Rtl),
            MavCmd::MAV_CMD_NAV_LAND => self.model.set_mode(FlightMode::Land),
            MavCmd::MAV_CMD_NAV_LOITER_UNLIM => self.model.set_mode(FlightMode::Loiter),
            MavCmd::MAV_CMD_NAV_TAKEOFF if self.px4 => {
                // PX4 takes off from whatever mode it is in and then holds; param 7 is an
                // altitude above mean sea level, NaN for its MIS_TAKEOFF_ALT above home.
                let home = self.model.state().home.alt_amsl_m;
                let alt_rel_home_m = if p[6].is_nan() {
                    PX4_MIS_TAKEOFF_ALT_M
                } else {
                    f64::from(p[6]) - home
                };
                if self.model.state().armed
                    && self.model.state().mode != FlightMode::Guided
                    && let Err(r) = self.model.set_mode(FlightMode::Guided)
                {
                    return self.refused(r, out);
                }
                self.model.takeoff(alt_rel_home_m)
            }
            MavCmd::MAV_CMD_NAV_TAKEOFF => self.model.takeoff(f64::from(p[6])),
            MavCmd::MAV_CMD_DO_SET_MISSION_CURRENT => self
                .model
                .set_mission_current(self.to_model_seq(p[0] as u16)),
            MavCmd::MAV_CMD_DO_REPOSITION => {
                let Some((lat, lon, alt, frame)) = pos else {
                    return MavResult::MAV_RESULT_DENIED;
                };
                let home = self.model.state().home.alt_amsl_m;
                let alt_amsl = match frame {
                    MavFrame::MAV_FRAME_GLOBAL => alt,
                    MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT => home + alt,
                    _ => return MavResult::MAV_RESULT_UNSUPPORTED,
                };
                self.model.goto(lat, lon, alt_amsl)
            }
            MavCmd::MAV_CMD_SET_MESSAGE_INTERVAL => {
                let id = p[0] as u32;
                let us = p[1];
                // NaN, infinities and intervals beyond a day are refused, not obeyed.
                let interval = if !us.is_finite() {
                    return MavResult::MAV_RESULT_DENIED;
                } else if us < 0.0 {
                    Some(None)
                } else if us == 0.0 {
                    None
                } else {
                    match Duration::try_from_secs_f64(f64::from(us) / 1e6) {
                        Ok(d) if d <= Duration::from_secs(86_400) => {
                            Some(Some(d.max(Duration::from_millis(10))))
                        }
                        _ => return MavResult::MAV_RESULT_DENIED,
                    }
                };
                match interval {
                    Some(i) => {
                        self.intervals.insert(id, i);
                    }
                    None => {
                        self.intervals.remove(&id);
                    }
                }
                self.next_due.remove(&id);
                Ok(())
            }
            MavCmd::MAV_CMD_REQUEST_MESSAGE => {
                match self.stream_message(p[0] as u32) {
                    Some(m) => out.push(m),
                    None => return MavResult::MAV_RESULT_UNSUPPORTED,
                }
                Ok(())
            }
            _ => return MavResult::MAV_RESULT_UNSUPPORTED,
        };
        match outcome {
            Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
            Err(r) => self.refused(r, out),
        }
    }

    /// Says why a command was refused, and the result that goes with it.
    fn refused(&self, r: Refusal, out: &mut Vec<MavMessage>) -> MavResult {
        out.push(statustext(
            MavSeverity::MAV_SEVERITY_CRITICAL,
            &r.to_string(),
        ));
        match r {
            Refusal::BatteryLow { .. } | Refusal::BatteryFault | Refusal::NoGpsFix => {
                MavResult::MAV_RESULT_TEMPORARILY_REJECTED
            }
            _ => MavResult::MAV_RESULT_DENIED,
        }
    }

    /// Advances the flight by `dt_mission_s` and returns what the vehicle sends now: events,
    /// protocol retries and the streams that are due.
    pub fn tick(&mut self, now: Instant, dt_mission_s: f64, out: &mut Vec<MavMessage>) {
        for ev in self.model.step(dt_mission_s) {
            match ev {
                FlightEvent::ItemReached(seq) => {
                    // PX4 missions have no home item: the placeholder is never reported.
                    if !(self.px4 && seq == 0) {
                        let seq = self.to_wire_seq(seq);
                        out.push(MavMessage::MISSION_ITEM_REACHED(
                            MISSION_ITEM_REACHED_DATA { seq },
                        ));
                    }
                }
                FlightEvent::CurrentItem(_) => out.extend(self.stream_message(42)),
                FlightEvent::ModeChanged { mode, reason } => {
                    if reason != "commanded" {
                        out.push(statustext(
                            MavSeverity::MAV_SEVERITY_INFO,
                            &format!("Mode {}: {reason}", self.numbering().name(mode)),
                        ));
                    }
                    out.extend(self.stream_message(0));
                }
                FlightEvent::Armed | FlightEvent::Disarmed => out.extend(self.stream_message(0)),
                FlightEvent::TookOff | FlightEvent::Landed => out.extend(self.stream_message(245)),
                FlightEvent::LowBattery { remaining } => out.push(statustext(
                    MavSeverity::MAV_SEVERITY_WARNING,
                    &format!("Battery low: {:.0}% remaining", remaining * 100.0),
                )),
                FlightEvent::Failsafe { what } => out.push(statustext(
                    MavSeverity::MAV_SEVERITY_CRITICAL,
                    &format!("Failsafe: {what}"),
                )),
                FlightEvent::BatterySwapped => out.push(statustext(
                    MavSeverity::MAV_SEVERITY_INFO,
                    "Battery swapped",
                )),
            }
        }
        if let Some(rx) = &mut self.receiving {
            if now.duration_since(rx.last_progress) > UPLOAD_ABANDON {
                let kind = rx.kind;
                self.receiving = None;
                out.push(statustext(
                    MavSeverity::MAV_SEVERITY_WARNING,
                    &format!("{} upload timed out", kind.name()),
                ));
            } else if now >= rx.deadline {
                rx.deadline = now + ITEM_REREQUEST;
                let (from, kind, next) = (rx.from, rx.kind, rx.items.len() as u16);
                out.push(request(from, kind, next));
            }
        }
        for (id, default_hz) in DEFAULT_STREAMS {
            let interval = match self.intervals.get(&id) {
                Some(Some(i)) => *i,
                Some(None) if id != 0 => continue,
                _ => Duration::from_secs_f64(1.0 / default_hz),
            };
            // Vehicles sharing a radio do not send in lockstep: each stream of each vehicle
            // starts at its own phase, so a fleet's frames spread over the interval.
            let phase = (f64::from(self.system_id) * 0.618_034 + f64::from(id) * 0.137).fract();
            let due = self
                .next_due
                .entry(id)
                .or_insert(now + interval.mul_f64(phase));
            if now >= *due {
                // Keep the cadence without bursts after a stall.
                *due = (*due + interval).max(now);
                out.extend(self.stream_message(id));
            }
        }
    }

    fn time_boot_ms(&self) -> u32 {
        (self.model.time_s() * 1000.0) as u32
    }

    /// The current value of a streamed message by id.
    pub fn stream_message(&self, id: u32) -> Option<MavMessage> {
        let s = self.model.state();
        let e7 = |d: f64| (d * 1e7).round() as i32;
        let msg = match id {
            0 => {
                let mut base = MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED;
                if s.armed {
                    base |= MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED;
                }
                if matches!(s.mode, FlightMode::Auto) {
                    base |= MavModeFlag::MAV_MODE_FLAG_AUTO_ENABLED;
                }
                if matches!(s.mode, FlightMode::Guided) {
                    base |= MavModeFlag::MAV_MODE_FLAG_GUIDED_ENABLED;
                }
                MavMessage::HEARTBEAT(HEARTBEAT_DATA {
                    custom_mode: self.numbering().custom_mode(s.mode),
                    mavtype: self.mav_type,
                    autopilot: if self.px4 {
                        MavAutopilot::MAV_AUTOPILOT_PX4
                    } else {
                        MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA
                    },
                    base_mode: base,
                    system_status: if s.armed {
                        MavState::MAV_STATE_ACTIVE
                    } else {
                        MavState::MAV_STATE_STANDBY
                    },
                    mavlink_version: 3,
                })
            }
            1 => {
                let sensors = MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_3D_GYRO
                    | MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_3D_ACCEL
                    | MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_GPS
                    | MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_BATTERY;
                let mut health = sensors;
                if !s.gps_fix {
                    health.remove(MavSysStatusSensor::MAV_SYS_STATUS_SENSOR_GPS);
                }
                MavMessage::SYS_STATUS(SYS_STATUS_DATA {
                    onboard_control_sensors_present: sensors,
                    onboard_control_sensors_enabled: sensors,
                    onboard_control_sensors_health: health,
                    load: 250,
                    voltage_battery: (s.battery_voltage_v * 1000.0) as u16,
                    current_battery: (s.battery_current_a * 100.0) as i16,
                    battery_remaining: (s.battery_remaining * 100.0).round().clamp(0.0, 100.0)
                        as i8,
                    ..SYS_STATUS_DATA::default()
                })
            }
            147 => {
                let mut voltages = [u16::MAX; 10];
                voltages[0] = (s.battery_voltage_v * 1000.0) as u16;
                MavMessage::BATTERY_STATUS(BATTERY_STATUS_DATA {
                    current_consumed: -1,
                    energy_consumed: -1,
                    temperature: i16::MAX,
                    voltages,
                    current_battery: (s.battery_current_a * 100.0) as i16,
                    id: 0,
                    battery_function: MavBatteryFunction::MAV_BATTERY_FUNCTION_ALL,
                    mavtype: MavBatteryType::MAV_BATTERY_TYPE_LION,
                    battery_remaining: (s.battery_remaining * 100.0).round().clamp(0.0, 100.0)
                        as i8,
                    ..BATTERY_STATUS_DATA::default()
                })
            }
            24 => MavMessage::GPS_RAW_INT(GPS_RAW_INT_DATA {
                time_usec: (self.model.time_s() * 1e6) as u64,
                lat: e7(s.lat_deg),
                lon: e7(s.lon_deg),
                alt: (s.alt_amsl_m * 1000.0) as i32,
                eph: 70,
                epv: 110,
                vel: (s.groundspeed_mps * 100.0) as u16,
                cog: (s.heading_deg * 100.0) as u16,
                fix_type: if s.gps_fix {
                    GpsFixType::GPS_FIX_TYPE_3D_FIX
                } else {
                    GpsFixType::GPS_FIX_TYPE_NO_FIX
                },
                satellites_visible: s.satellites,
                ..GPS_RAW_INT_DATA::default()
            }),
            33 => MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
                time_boot_ms: self.time_boot_ms(),
                lat: e7(s.lat_deg),
                lon: e7(s.lon_deg),
                alt: (s.alt_amsl_m * 1000.0) as i32,
                relative_alt: (s.alt_rel_home_m * 1000.0) as i32,
                vx: (s.vn_mps * 100.0) as i16,
                vy: (s.ve_mps * 100.0) as i16,
                vz: (s.vd_mps * 100.0) as i16,
                hdg: (s.heading_deg * 100.0) as u16 % 36000,
            }),
            30 => MavMessage::ATTITUDE(ATTITUDE_DATA {
                time_boot_ms: self.time_boot_ms(),
                roll: s.roll_rad as f32,
                pitch: s.pitch_rad as f32,
                yaw: s.yaw_rad as f32,
                ..ATTITUDE_DATA::default()
            }),
            74 => MavMessage::VFR_HUD(VFR_HUD_DATA {
                airspeed: s.airspeed_mps as f32,
                groundspeed: s.groundspeed_mps as f32,
                alt: s.alt_amsl_m as f32,
                climb: s.climb_mps as f32,
                heading: s.heading_deg as i16,
                throttle: if s.armed { 45 } else { 0 },
            }),
            42 => MavMessage::MISSION_CURRENT(MISSION_CURRENT_DATA {
                seq: self.to_wire_seq(s.mission_current),
                total: if self.px4 {
                    s.mission_count.saturating_sub(1)
                } else {
                    s.mission_count
                },
                mission_state: if s.mission_count == 0 {
                    MissionState::MISSION_STATE_NO_MISSION
                } else if s.mode == FlightMode::Auto && s.armed {
                    MissionState::MISSION_STATE_ACTIVE
                } else {
                    MissionState::MISSION_STATE_NOT_STARTED
                },
                mission_mode: u8::from(s.mode == FlightMode::Auto),
                ..MISSION_CURRENT_DATA::default()
            }),
            242 => MavMessage::HOME_POSITION(HOME_POSITION_DATA {
                latitude: e7(s.home.lat_deg),
                longitude: e7(s.home.lon_deg),
                altitude: (s.home.alt_amsl_m * 1000.0) as i32,
                q: [1.0, 0.0, 0.0, 0.0],
                time_usec: (self.model.time_s() * 1e6) as u64,
                ..HOME_POSITION_DATA::default()
            }),
            2 => MavMessage::SYSTEM_TIME(SYSTEM_TIME_DATA {
                time_unix_usec: self.unix_us_at_boot + (self.model.time_s() * 1e6) as u64,
                time_boot_ms: self.time_boot_ms(),
            }),
            245 => MavMessage::EXTENDED_SYS_STATE(EXTENDED_SYS_STATE_DATA {
                vtol_state: MavVtolState::MAV_VTOL_STATE_UNDEFINED,
                landed_state: MavLandedState::from_u8(s.landed_state.mav_landed_state())
                    .unwrap_or(MavLandedState::MAV_LANDED_STATE_UNDEFINED),
            }),
            _ => return None,
        };
        Some(msg)
    }
}

/// A PX4 mission (no home item) in ArduPilot's numbering, which the flight model flies: a
/// home item at `home` first, every item one place later.
pub fn with_home_item(items: &[MissionItem], home: Geodetic) -> Vec<MissionItem> {
    let home_item = MissionItem::new(
        frame::GLOBAL_AMSL,
        cmd::WAYPOINT,
        [None; 4],
        home.lat_deg,
        home.lon_deg,
        home.alt_amsl_m,
    );
    std::iter::once(home_item)
        .chain(items.iter().copied())
        .enumerate()
        .map(|(i, it)| MissionItem {
            seq: i as u16,
            ..it
        })
        .collect()
}

fn ack(to: (u8, u8), mission_type: MavMissionType, result: MavMissionResult) -> MavMessage {
    MavMessage::MISSION_ACK(MISSION_ACK_DATA {
        target_system: to.0,
        target_component: to.1,
        mavtype: result,
        mission_type,
        opaque_id: 0,
    })
}

fn request(to: (u8, u8), kind: ListKind, seq: u16) -> MavMessage {
    MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
        seq,
        target_system: to.0,
        target_component: to.1,
        mission_type: kind.mission_type(),
    })
}

fn command_ack(command: MavCmd, result: MavResult, to: (u8, u8)) -> MavMessage {
    MavMessage::COMMAND_ACK(COMMAND_ACK_DATA {
        command,
        result,
        progress: 0,
        result_param2: 0,
        target_system: to.0,
        target_component: to.1,
    })
}

/// A STATUSTEXT (cut to the 50 bytes a single message carries).
pub fn statustext(severity: MavSeverity, text: &str) -> MavMessage {
    let mut bytes = [0u8; 50];
    let n = text.len().min(50);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    MavMessage::STATUSTEXT(STATUSTEXT_DATA {
        severity,
        text: bytes.into(),
        id: 0,
        chunk_seq: 0,
    })
}
