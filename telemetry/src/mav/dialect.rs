//! The MAVLink dialect every part of the service speaks: forest-patrol's own
//! (`telemetry/mavlink/forestpatrol.xml`), which is ArduPilot's (itself including `common`) plus
//! `FOREST_DETECTION`, the message an onboard fire detector sends (docs/detection-message.md).
//!
//! Everything else imports message types from here, so that the dialect is chosen in one place.

// The bindings mavlink-bindgen generates from `forestpatrol.xml` at build time: `mod forestpatrol`.
include!(concat!(env!("OUT_DIR"), "/mod.rs"));

pub use forestpatrol::*;

/// MAV_COMP_ID_MISSIONPLANNER: the component id ground stations use.
pub const GCS_COMPONENT_ID: u8 = 190;
/// MAV_COMP_ID_AUTOPILOT1.
pub const AUTOPILOT_COMPONENT_ID: u8 = 1;
/// MAV_COMP_ID_CAMERA: the first camera's component id.
pub const CAMERA_COMPONENT_ID: u8 = 100;
/// The system id ground stations use by convention (QGroundControl, Mission Planner).
pub const GCS_SYSTEM_ID: u8 = 255;
