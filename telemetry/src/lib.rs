//! patrol-telemetry: the MAVLink side of forest-patrol.
pub use mavlink;

pub mod dialect;
pub mod frame;
pub mod signing;
pub mod sim;
pub mod tlog;
