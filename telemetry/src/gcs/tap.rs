//! A copy of chosen messages for consumers outside the service (the detection pipeline), so
//! that they see what the vehicles send without the service knowing what they do with it.
//!
//! The service never waits for a consumer: a full queue drops the message and counts it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use crate::gcs::vehicle::VehicleKey;
use crate::mav::dialect::MavMessage;

/// One message from a vehicle, or a frame of a tapped message id that did not decode.
#[derive(Debug, Clone)]
pub struct Tapped {
    /// Mission time it was received, µs since the UNIX epoch.
    pub at_unix_us: u64,
    /// The vehicle it came from.
    pub vehicle: VehicleKey,
    /// The sending component (1 autopilot, 100.. cameras).
    pub component_id: u8,
    /// The message, or why its frame could not be decoded.
    pub message: Result<MavMessage, Malformed>,
}

/// A frame with a valid checksum whose payload does not decode (an enum value outside the
/// dialect, for instance).
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    /// Its message id.
    pub message_id: u32,
    /// The decoder's reason.
    pub reason: String,
}

/// Where tapped messages go.
#[derive(Debug, Clone)]
pub struct Tap {
    message_ids: Arc<[u32]>,
    tx: mpsc::Sender<Tapped>,
    dropped: Arc<AtomicU64>,
}

impl Tap {
    /// A tap for `message_ids` with a queue of `capacity` messages; returns the receiving end.
    pub fn new(message_ids: &[u32], capacity: usize) -> (Tap, mpsc::Receiver<Tapped>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (
            Tap {
                message_ids: message_ids.into(),
                tx,
                dropped: Arc::new(AtomicU64::new(0)),
            },
            rx,
        )
    }

    /// Whether messages with `id` are tapped.
    pub fn wants(&self, id: u32) -> bool {
        self.message_ids.contains(&id)
    }

    /// Hands a message on without waiting.
    pub fn offer(&self, item: Tapped) {
        if self.tx.try_send(item).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Messages dropped because the consumer was behind or gone.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
