//! The ground station: vehicles, the mission and command protocols, and the service that runs
//! them over the links.
pub mod command;
pub mod service;
pub mod tap;
pub mod transfer;
pub mod vehicle;

pub use service::{EventKind, Gcs, GcsConfig, GcsError, GcsEvent, Snapshot, default_stream_rates};
pub use tap::{Malformed, Tap, Tapped};
pub use vehicle::{Vehicle, VehicleKey};
