//! The MAVLink transport: everything between a connection string and a decoded message.
//!
//! - [`endpoint`]: connection strings as users type them (`udpin:`, `tcpout:`, `serial:`...).
//! - [`link`]: one task per connection, a file per transport, turning bytes into checked
//!   frames tagged with the peer they came from, and back.
//! - [`frame`]: our own frame splitter and encoder (raw bytes kept, discards counted).
//! - [`signing`]: MAVLink 2 message signing and verification.
//! - [`shaper`]: simulated radio impairments (loss, latency, baud) for tests and the simulator.
//! - [`tlog`]: the `.tlog` recording format, written and read.
//! - [`dialect`]: the message set (ArduPilot's plus forest-patrol's `FOREST_DETECTION`).
//! - [`mission_item`]: mission, fence and rally items on the wire.
//! - [`flight_mode`]: flight modes and how ArduCopter and PX4 number them.
//!
//! Nothing here knows about plans, alerts or vehicles' state: that is [`crate::gcs`] above.
pub mod dialect;
pub mod endpoint;
pub mod flight_mode;
pub mod frame;
pub mod link;
pub mod mission_item;
pub mod shaper;
pub mod signing;
pub mod tlog;

pub use endpoint::Endpoint;
pub use flight_mode::{FlightMode, ModeNumbering, VehicleMode};
pub use frame::Frame;
