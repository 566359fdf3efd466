//! The MAVLink dialect every part of the service speaks: ArduPilot's, which includes `common`
//! and adds the commands and modes ArduPilot vehicles send.
//!
//! Everything else imports message types from here, so that the dialect is chosen in one place.

pub use mavlink::dialects::ardupilotmega::*;

/// MAV_COMP_ID_MISSIONPLANNER: the component id ground stations use.
pub const GCS_COMPONENT_ID: u8 = 190;
/// MAV_COMP_ID_AUTOPILOT1.
pub const AUTOPILOT_COMPONENT_ID: u8 = 1;
/// The system id ground stations use by convention (QGroundControl, Mission Planner).
pub const GCS_SYSTEM_ID: u8 = 255;
