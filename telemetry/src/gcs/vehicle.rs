//! What the ground service knows about one vehicle, kept up to date from its messages.
//!
//! A vehicle is identified by [`VehicleKey`]: the link, the peer on that link and the system
//! id. Two vehicles that claim the same system id from different peers are two keys, never
//! one merged vehicle (QGroundControl's most common multi-vehicle trap).

use std::time::{Duration, Instant};

use num_traits::ToPrimitive;

use crate::mav::dialect::{MavLandedState, MavMessage, MavModeFlag, MavState};
use crate::mav::link::{LinkId, PeerId};
use crate::mav::{ModeNumbering, VehicleMode};

/// A vehicle: link, peer and system id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VehicleKey {
    /// Link it is heard on.
    pub link: LinkId,
    /// Peer on that link.
    pub peer: PeerId,
    /// MAVLink system id.
    pub system_id: u8,
}

impl std::fmt::Display for VehicleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "system {} (link {}, {})",
            self.system_id, self.link, self.peer
        )
    }
}

/// A vehicle is lost after this long without a heartbeat (QGroundControl's value).
pub const LINK_LOST_AFTER: Duration = Duration::from_millis(3500);

/// Packet statistics from sequence numbers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SequenceStats {
    last: Option<u8>,
    /// Frames received.
    pub received: u64,
    /// Frames missed (gaps in the sequence).
    pub lost: u64,
}

impl SequenceStats {
    /// Counts a frame with sequence number `seq`.
    pub fn see(&mut self, seq: u8) {
        if let Some(last) = self.last {
            let gap = seq.wrapping_sub(last).wrapping_sub(1);
            // A large gap is a restart or reordering rather than 200 lost frames.
            if gap < 128 {
                self.lost += u64::from(gap);
            }
        }
        self.last = Some(seq);
        self.received += 1;
    }

    /// Share of frames lost, 0..1.
    pub fn loss_ratio(&self) -> f64 {
        let total = self.received + self.lost;
        if total == 0 {
            0.0
        } else {
            self.lost as f64 / total as f64
        }
    }
}

/// The latest telemetry of a vehicle.
#[derive(Debug, Clone)]
pub struct Vehicle {
    /// Identity.
    pub key: VehicleKey,
    /// MAV_TYPE from the heartbeat.
    pub mav_type: u8,
    /// MAV_AUTOPILOT from the heartbeat.
    pub autopilot: u8,
    /// Custom (flight) mode.
    pub custom_mode: u32,
    /// Whether the motors are armed.
    pub armed: bool,
    /// MAV_STATE.
    pub system_status: u8,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude above mean sea level, metres.
    pub alt_amsl_m: f64,
    /// Altitude above home, metres.
    pub alt_rel_home_m: f64,
    /// Ground speed, metres per second.
    pub groundspeed_mps: f64,
    /// Heading, degrees.
    pub heading_deg: f64,
    /// Battery remaining, percent (None if not reported).
    pub battery_pct: Option<u8>,
    /// Battery voltage, volts.
    pub battery_v: f64,
    /// MISSION_CURRENT seq.
    pub mission_seq: u16,
    /// MISSION_CURRENT total.
    pub mission_total: u16,
    /// Last MISSION_ITEM_REACHED seq.
    pub item_reached: Option<u16>,
    /// MAV_LANDED_STATE (0 unknown, 1 on ground, 2 in air, 3 taking off, 4 landing).
    pub landed_state: u8,
    /// GPS fix type.
    pub gps_fix: u8,
    /// Home position, if reported: lat, lon (degrees), alt AMSL (m).
    pub home: Option<(f64, f64, f64)>,
    /// When the last heartbeat arrived.
    pub last_heartbeat: Instant,
    /// When the last frame of any kind arrived.
    pub last_heard: Instant,
    /// Whether the link to it is currently lost.
    pub lost: bool,
    /// Sequence-number statistics of the autopilot component.
    pub seq: SequenceStats,
    /// Frames received from it.
    pub frames: u64,
    /// Another vehicle already had this system id when this one appeared.
    pub duplicate_of: Option<VehicleKey>,
    /// Where it is heard now (link, peer): its key's place at first, a new one after it was
    /// lost and came back elsewhere.
    pub route: (LinkId, PeerId),
    /// The connection of `route` closed: the vehicle may reappear on a new one.
    pub route_closed: bool,
}

/// Something worth telling the operator, found while applying a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Flight mode changed.
    Mode(VehicleMode),
    /// Armed or disarmed.
    Armed(bool),
    /// A mission item was reached.
    ItemReached(u16),
    /// The current mission item changed.
    CurrentItem(u16),
    /// The landed state changed (MAV_LANDED_STATE).
    Landed(u8),
    /// A STATUSTEXT: severity (0 emergency .. 7 debug) and text.
    Status(u8, String),
    /// The battery fell below [`LOW_BATTERY_PCT`] (percent now).
    LowBattery(u8),
}

/// Battery share under which the operator is told, percent.
pub const LOW_BATTERY_PCT: u8 = 25;

impl Vehicle {
    /// Its flight mode, read with its autopilot's numbering.
    pub fn mode(&self) -> VehicleMode {
        VehicleMode {
            numbering: ModeNumbering::of_autopilot(self.autopilot),
            custom_mode: self.custom_mode,
        }
    }

    /// A vehicle first heard now.
    pub fn new(key: VehicleKey, now: Instant) -> Vehicle {
        Vehicle {
            key,
            mav_type: 0,
            autopilot: 0,
            custom_mode: 0,
            armed: false,
            system_status: 0,
            lat_deg: 0.0,
            lon_deg: 0.0,
            alt_amsl_m: 0.0,
            alt_rel_home_m: 0.0,
            groundspeed_mps: 0.0,
            heading_deg: 0.0,
            battery_pct: None,
            battery_v: 0.0,
            mission_seq: 0,
            mission_total: 0,
            item_reached: None,
            landed_state: 0,
            gps_fix: 0,
            home: None,
            last_heartbeat: now,
            last_heard: now,
            lost: false,
            seq: SequenceStats::default(),
            frames: 0,
            duplicate_of: None,
            route: (key.link, key.peer),
            route_closed: false,
        }
    }

    /// Height above the ground under the vehicle, metres, given the terrain there.
    pub fn alt_agl_m(&self, ground_amsl_m: f64) -> f64 {
        self.alt_amsl_m - ground_amsl_m
    }

    /// Applies a message from the vehicle's autopilot; returns what changed that matters.
    pub fn apply(&mut self, msg: &MavMessage, now: Instant, changes: &mut Vec<Change>) {
        self.last_heard = now;
        self.frames += 1;
        self.route_closed = false;
        match msg {
            MavMessage::HEARTBEAT(h) => {
                self.last_heartbeat = now;
                self.mav_type = h.mavtype.to_u8().unwrap_or(0);
                self.autopilot = h.autopilot.to_u8().unwrap_or(0);
                let armed = h
                    .base_mode
                    .contains(MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED);
                if armed != self.armed {
                    self.armed = armed;
                    changes.push(Change::Armed(armed));
                }
                if h.custom_mode != self.custom_mode {
                    self.custom_mode = h.custom_mode;
                    changes.push(Change::Mode(self.mode()));
                }
                self.system_status = h
                    .system_status
                    .to_u8()
                    .unwrap_or(MavState::MAV_STATE_UNINIT as u8);
            }
            MavMessage::GLOBAL_POSITION_INT(p) => {
                self.lat_deg = f64::from(p.lat) / 1e7;
                self.lon_deg = f64::from(p.lon) / 1e7;
                self.alt_amsl_m = f64::from(p.alt) / 1000.0;
                self.alt_rel_home_m = f64::from(p.relative_alt) / 1000.0;
                if p.hdg != u16::MAX {
                    self.heading_deg = f64::from(p.hdg) / 100.0;
                }
            }
            MavMessage::SYS_STATUS(s) => {
                if s.battery_remaining >= 0 {
                    let pct = s.battery_remaining as u8;
                    if pct < LOW_BATTERY_PCT
                        && self.battery_pct.is_some_and(|p| p >= LOW_BATTERY_PCT)
                    {
                        changes.push(Change::LowBattery(pct));
                    }
                    self.battery_pct = Some(pct);
                }
                if s.voltage_battery != u16::MAX {
                    self.battery_v = f64::from(s.voltage_battery) / 1000.0;
                }
            }
            MavMessage::BATTERY_STATUS(b) => {
                if b.battery_remaining >= 0 {
                    self.battery_pct = Some(b.battery_remaining as u8);
                }
            }
            MavMessage::VFR_HUD(v) => {
                self.groundspeed_mps = f64::from(v.groundspeed);
            }
            MavMessage::GPS_RAW_INT(g) => {
                self.gps_fix = g.fix_type.to_u8().unwrap_or(0);
            }
            MavMessage::MISSION_CURRENT(m) => {
                if m.seq != self.mission_seq {
                    changes.push(Change::CurrentItem(m.seq));
                }
                self.mission_seq = m.seq;
                self.mission_total = m.total;
            }
            MavMessage::MISSION_ITEM_REACHED(m) => {
                self.item_reached = Some(m.seq);
                changes.push(Change::ItemReached(m.seq));
            }
            MavMessage::EXTENDED_SYS_STATE(e) => {
                let s = e
                    .landed_state
                    .to_u8()
                    .unwrap_or(MavLandedState::MAV_LANDED_STATE_UNDEFINED as u8);
                if s != self.landed_state {
                    self.landed_state = s;
                    changes.push(Change::Landed(s));
                }
            }
            MavMessage::HOME_POSITION(h) => {
                self.home = Some((
                    f64::from(h.latitude) / 1e7,
                    f64::from(h.longitude) / 1e7,
                    f64::from(h.altitude) / 1000.0,
                ));
            }
            MavMessage::STATUSTEXT(s) => {
                let text = String::from_utf8_lossy(s.text.as_ref())
                    .trim_end_matches('\0')
                    .to_string();
                changes.push(Change::Status(s.severity.to_u8().unwrap_or(6), text));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_gaps_count_as_loss() {
        let mut s = SequenceStats::default();
        for seq in [250u8, 251, 253, 254, 255, 0, 1, 5] {
            s.see(seq);
        }
        assert_eq!(s.received, 8);
        assert_eq!(s.lost, 4);
    }
}
