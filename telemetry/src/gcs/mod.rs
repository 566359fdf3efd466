//! The ground station: vehicles, the mission and command protocols, and the service that runs
//! them over the links.
//!
//! [`Gcs`] ([`handle`]) is what callers hold; [`hub`] is the actor task that owns the links and
//! every vehicle's state; [`event`] is what it tells subscribers. [`vehicle`], [`transfer`] and
//! [`command`] are the state machines it runs, [`tap`] the copy of chosen messages it hands
//! the detection pipeline, [`readback`] the check of a list read back after its upload.
pub mod command;
pub mod event;
mod handle;
mod hub;
pub mod readback;
pub mod tap;
pub mod transfer;
pub mod vehicle;

pub use command::CommandError;
pub use event::{EventKind, GcsEvent};
pub use handle::{Gcs, GcsConfig, GcsError, Snapshot, default_stream_rates};
pub use tap::{Malformed, Tap, Tapped};
pub use vehicle::{Vehicle, VehicleKey};
