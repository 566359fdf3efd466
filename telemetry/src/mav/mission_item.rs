//! Mission items between the planner's form ([`MissionItem`], degrees and metres) and the
//! wire's (MISSION_ITEM_INT: degrees × 10⁷ as integers, enums), for missions, fences and
//! rally points alike.

use num_traits::{FromPrimitive, ToPrimitive};
use patrol_planner::plan::model::MissionItem;

use crate::mav::dialect::{MISSION_ITEM_INT_DATA, MavCmd, MavFrame, MavMissionType};

/// Which of a vehicle's three lists a transfer is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// The mission (MAV_MISSION_TYPE_MISSION).
    Mission,
    /// The geofence (MAV_MISSION_TYPE_FENCE).
    Fence,
    /// Rally points (MAV_MISSION_TYPE_RALLY).
    Rally,
}

impl ListKind {
    /// The wire value.
    pub fn mission_type(self) -> MavMissionType {
        match self {
            ListKind::Mission => MavMissionType::MAV_MISSION_TYPE_MISSION,
            ListKind::Fence => MavMissionType::MAV_MISSION_TYPE_FENCE,
            ListKind::Rally => MavMissionType::MAV_MISSION_TYPE_RALLY,
        }
    }

    /// From the wire value; `None` for ALL or unknown values.
    pub fn from_mission_type(t: MavMissionType) -> Option<ListKind> {
        match t {
            MavMissionType::MAV_MISSION_TYPE_MISSION => Some(ListKind::Mission),
            MavMissionType::MAV_MISSION_TYPE_FENCE => Some(ListKind::Fence),
            MavMissionType::MAV_MISSION_TYPE_RALLY => Some(ListKind::Rally),
            _ => None,
        }
    }

    /// A word for messages.
    pub fn name(self) -> &'static str {
        match self {
            ListKind::Mission => "mission",
            ListKind::Fence => "fence",
            ListKind::Rally => "rally points",
        }
    }
}

/// An item the dialect cannot express (a command or frame number it does not define).
#[derive(Debug, Clone, thiserror::Error)]
#[error("mission item {seq}: {what}")]
pub struct ItemError {
    /// Item index.
    pub seq: u16,
    /// What is wrong.
    pub what: String,
}

fn param(p: Option<f64>) -> f32 {
    p.map_or(f32::NAN, |v| v as f32)
}

fn deg_e7(deg: f64) -> i32 {
    (deg * 1e7).round().clamp(i32::MIN as f64, i32::MAX as f64) as i32
}

/// The wire form of `item` for `kind`, addressed to `target`.
pub fn to_wire(
    item: &MissionItem,
    kind: ListKind,
    target: (u8, u8),
) -> Result<MISSION_ITEM_INT_DATA, ItemError> {
    let command = MavCmd::from_u16(item.command).ok_or_else(|| ItemError {
        seq: item.seq,
        what: format!("command {} is not in the dialect", item.command),
    })?;
    let frame = MavFrame::from_u8(item.frame).ok_or_else(|| ItemError {
        seq: item.seq,
        what: format!("frame {} is not in the dialect", item.frame),
    })?;
    Ok(MISSION_ITEM_INT_DATA {
        param1: param(item.params[0]),
        param2: param(item.params[1]),
        param3: param(item.params[2]),
        param4: param(item.params[3]),
        x: deg_e7(item.lat_deg),
        y: deg_e7(item.lon_deg),
        z: item.alt_m as f32,
        seq: item.seq,
        command,
        target_system: target.0,
        target_component: target.1,
        frame,
        current: u8::from(item.current),
        autocontinue: u8::from(item.autocontinue),
        mission_type: kind.mission_type(),
    })
}

/// The planner form of a received item.
pub fn from_wire(d: &MISSION_ITEM_INT_DATA) -> MissionItem {
    let p = |v: f32| (!v.is_nan()).then_some(f64::from(v));
    MissionItem {
        seq: d.seq,
        frame: d.frame.to_u8().unwrap_or(0),
        command: d.command.to_u16().unwrap_or(0),
        current: d.current != 0,
        autocontinue: d.autocontinue != 0,
        params: [p(d.param1), p(d.param2), p(d.param3), p(d.param4)],
        lat_deg: f64::from(d.x) / 1e7,
        lon_deg: f64::from(d.y) / 1e7,
        alt_m: f64::from(d.z),
    }
}

/// Whether two items agree as a vehicle stores them: integers exact, floats to what `f32`
/// keeps (vehicles round; never compare floats exactly).
pub fn same_item(a: &MissionItem, b: &MissionItem) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-3 * (1.0 + x.abs().max(y.abs()));
    let pclose = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (None, None) => true,
        (Some(x), Some(y)) => close(x, y),
        _ => false,
    };
    a.seq == b.seq
        && a.frame == b.frame
        && a.command == b.command
        && a.autocontinue == b.autocontinue
        && deg_e7(a.lat_deg) == deg_e7(b.lat_deg)
        && deg_e7(a.lon_deg) == deg_e7(b.lon_deg)
        && close(a.alt_m, b.alt_m)
        && a.params.iter().zip(&b.params).all(|(x, y)| pclose(*x, *y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_wire() {
        let item = MissionItem {
            seq: 3,
            frame: 3,
            command: 16,
            current: false,
            autocontinue: true,
            params: [Some(0.0), None, Some(2.5), None],
            lat_deg: 36.912_345_67,
            lon_deg: -84.987_654_32,
            alt_m: 100.25,
        };
        let wire = to_wire(&item, ListKind::Mission, (1, 1)).expect("known");
        assert_eq!(wire.x, 369_123_457);
        assert!(same_item(&from_wire(&wire), &item));
        let bad = MissionItem {
            command: 65_000,
            ..item
        };
        assert!(to_wire(&bad, ListKind::Mission, (1, 1)).is_err());
    }
}
