//! The session's event channel: every part of a shift publishes its [`ShiftEvent`]s here,
//! stamped with mission and wall time, and any number of subscribers read them.
//!
//! It is a tokio broadcast channel, as the ground service's vehicle events are: a publisher
//! never waits for a slow reader. A subscriber that falls more than [`CAPACITY`] events behind
//! loses the oldest and is told how many (`RecvError::Lagged`), which the event log records.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::broadcast;

use crate::clock::MissionClock;

use super::event::{ShiftEvent, ShiftEventKind};

/// Events a subscriber may fall behind before it loses any.
pub const CAPACITY: usize = 65_536;

/// A handle to publish on and subscribe to the session's events.
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<ShiftEvent>,
    clock: MissionClock,
}

impl EventBus {
    /// A new channel on `clock`.
    pub fn new(clock: MissionClock) -> EventBus {
        let (tx, _) = broadcast::channel(CAPACITY);
        EventBus { tx, clock }
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ShiftEvent> {
        self.tx.subscribe()
    }

    /// The mission clock events are stamped with.
    pub fn clock(&self) -> MissionClock {
        self.clock
    }

    /// Publishes an event that happens now.
    pub fn publish(&self, kind: ShiftEventKind) {
        self.publish_at(self.clock.now_unix_us(), kind);
    }

    /// Publishes an event that happened at `at_unix_us` on the mission clock (a sighting's
    /// time, a vehicle event's time).
    pub fn publish_at(&self, at_unix_us: u64, kind: ShiftEventKind) {
        let wall_unix_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_micros() as u64;
        // Nobody listening is not an error: a headless test may only count outcomes.
        let _ = self.tx.send(ShiftEvent {
            at_unix_us,
            wall_unix_us,
            kind,
        });
    }
}
