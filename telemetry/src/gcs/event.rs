//! What the ground service tells its subscribers about vehicles and links.

use super::transfer::TransferRetry;
use super::vehicle::{Change, VehicleKey};

/// What happened, for the operator.
#[derive(Debug, Clone)]
pub struct GcsEvent {
    /// Mission time, µs since the UNIX epoch.
    pub at_unix_us: u64,
    /// The vehicle concerned, if any.
    pub vehicle: Option<VehicleKey>,
    /// What.
    pub kind: EventKind,
}

/// Kinds of events.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A vehicle was heard for the first time.
    Found {
        /// MAV_TYPE.
        mav_type: u8,
    },
    /// No heartbeat for 3.5 s.
    Lost,
    /// Heard again after being lost.
    Regained {
        /// Seconds it was silent (wall).
        silent_s: f64,
    },
    /// Two vehicles claim one system id; both are kept.
    DuplicateSystemId {
        /// The vehicle that had it first.
        first: VehicleKey,
    },
    /// Something changed on the vehicle.
    Changed(Change),
    /// A link came up.
    LinkUp {
        /// Which.
        link: u8,
        /// What connected.
        detail: String,
    },
    /// A link went down.
    LinkDown {
        /// Which.
        link: u8,
        /// Why.
        reason: String,
    },
    /// A mission, fence or rally transfer resent a message the vehicle did not answer.
    TransferRetry(TransferRetry),
}
