//! patrol-telemetry: the MAVLink side of forest-patrol.
pub use mavlink;

pub mod alerts;
pub mod clock;
pub mod conn;
pub mod demo;
pub mod detect;
pub mod dialect;
pub mod fly;
pub mod frame;
pub mod gcs;
pub mod link;
pub mod mission_item;
pub mod shaper;
pub mod signing;
pub mod sim;
pub mod tlog;
