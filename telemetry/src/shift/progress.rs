//! Where each drone of the plan stands: a fold of the sortie events, read by the live fleet
//! table while the shift runs and by the summaries and the report at its end.

use std::sync::{Arc, Mutex};

use patrol_planner::plan::model::Plan;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;

use super::event::{ServiceEvent, ShiftEvent, ShiftEventKind, SkipReason, SortieEvent};

/// One drone's progress through its sorties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DroneOutcome {
    /// Drone id.
    pub drone_id: String,
    /// System id.
    pub system_id: u8,
    /// Sorties flown to the end.
    pub flown: usize,
    /// Sorties skipped, with why.
    pub skipped: Vec<(String, SkipReason)>,
    /// Phase now, for the status view.
    pub phase: String,
    /// Index of the sortie in progress (1-based), 0 before the first.
    pub sortie: usize,
    /// Number of sorties planned.
    pub sorties: usize,
}

/// Every drone's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetProgress {
    drones: Vec<DroneOutcome>,
}

impl FleetProgress {
    /// The progress at the start of `plan`'s shift: nothing flown, every drone waiting.
    pub fn new(plan: &Plan) -> FleetProgress {
        FleetProgress {
            drones: plan
                .drones
                .iter()
                .map(|d| DroneOutcome {
                    drone_id: d.drone_id.clone(),
                    system_id: d.system_id,
                    phase: "waiting for the vehicle".into(),
                    sorties: d.sorties.len(),
                    ..DroneOutcome::default()
                })
                .collect(),
        }
    }

    /// Every drone's outcome, in the plan's order.
    pub fn drones(&self) -> &[DroneOutcome] {
        &self.drones
    }

    /// Applies one event.
    pub fn apply(&mut self, ev: &ShiftEvent) {
        let ShiftEventKind::Sortie { drone, event } = &ev.kind else {
            return;
        };
        let Some(o) = self
            .drones
            .iter_mut()
            .find(|o| o.system_id == drone.system_id)
        else {
            return;
        };
        match event {
            SortieEvent::Waiting { index, .. } => {
                o.sortie = *index;
                o.phase = "waiting for start".into();
            }
            SortieEvent::Uploading { .. } => o.phase = "uploading".into(),
            SortieEvent::Arming { .. } => o.phase = "arming".into(),
            SortieEvent::Started { .. } => o.phase = "flying".into(),
            SortieEvent::Recalled { .. } => o.phase = "recalled (RTL)".into(),
            SortieEvent::Ended { .. } => o.flown += 1,
            SortieEvent::Skipped { sortie, reason } => {
                o.skipped.push((sortie.clone(), reason.clone()));
            }
            SortieEvent::AllDone => o.phase = "done".into(),
            SortieEvent::WaitingForSwap { .. }
            | SortieEvent::WaitingForVehicle { .. }
            | SortieEvent::WaitingForBatteryReport { .. }
            | SortieEvent::Uploaded { .. }
            | SortieEvent::UploadRetry { .. }
            | SortieEvent::StartFailed { .. }
            | SortieEvent::DisarmFailed { .. } => {}
        }
    }
}

/// [`FleetProgress`] kept up to date by a subscriber task.
#[derive(Debug)]
pub struct ProgressTracker {
    progress: Arc<Mutex<FleetProgress>>,
    task: JoinHandle<()>,
}

impl ProgressTracker {
    /// Follows `rx` from `start` until [`ServiceEvent::Ended`] or the channel closes.
    pub fn start(start: FleetProgress, mut rx: broadcast::Receiver<ShiftEvent>) -> ProgressTracker {
        let progress = Arc::new(Mutex::new(start));
        let shared = progress.clone();
        let task = tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(ev) => {
                        if let Ok(mut p) = shared.lock() {
                            p.apply(&ev);
                        }
                        if matches!(ev.kind, ShiftEventKind::Service(ServiceEvent::Ended)) {
                            return;
                        }
                    }
                    // Sortie events are few; a lag here means vehicle events flooded the
                    // channel, and those do not move the progress.
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                }
            }
        });
        ProgressTracker { progress, task }
    }

    /// The progress so far.
    pub fn snapshot(&self) -> Vec<DroneOutcome> {
        self.progress
            .lock()
            .map(|p| p.drones.clone())
            .unwrap_or_default()
    }

    /// Waits for the last event and returns the final progress.
    pub async fn finish(self) -> Vec<DroneOutcome> {
        let ProgressTracker { progress, task } = self;
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), task).await;
        progress
            .lock()
            .map(|p| p.drones.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shift::event::DroneRef;

    fn sortie(system_id: u8, event: SortieEvent) -> ShiftEvent {
        ShiftEvent {
            at_unix_us: 0,
            wall_unix_us: 0,
            kind: ShiftEventKind::Sortie {
                drone: DroneRef {
                    drone_id: Some(format!("d{system_id}")),
                    system_id,
                },
                event,
            },
        }
    }

    #[test]
    fn sortie_events_move_a_drone_through_its_phases() {
        let mut p = FleetProgress {
            drones: vec![DroneOutcome {
                drone_id: "d1".into(),
                system_id: 1,
                sorties: 2,
                ..DroneOutcome::default()
            }],
        };
        let steps = [
            (
                SortieEvent::Waiting {
                    sortie: "a".into(),
                    index: 1,
                    start_s: 0.0,
                },
                "waiting for start",
            ),
            (SortieEvent::Uploading { sortie: "a".into() }, "uploading"),
            (
                SortieEvent::Arming {
                    sortie: "a".into(),
                    confirm_s: 10.0,
                    confirmed_by: None,
                },
                "arming",
            ),
            (
                SortieEvent::Started {
                    sortie: "a".into(),
                    items: 9,
                    planned_min: 20.0,
                },
                "flying",
            ),
        ];
        for (ev, phase) in steps {
            p.apply(&sortie(1, ev));
            assert_eq!(p.drones()[0].phase, phase);
        }
        p.apply(&sortie(
            1,
            SortieEvent::Ended {
                sortie: "a".into(),
                battery_pct: 40,
            },
        ));
        p.apply(&sortie(
            1,
            SortieEvent::Waiting {
                sortie: "b".into(),
                index: 2,
                start_s: 3600.0,
            },
        ));
        p.apply(&sortie(
            1,
            SortieEvent::Skipped {
                sortie: "b".into(),
                reason: SkipReason::NoFreshBattery,
            },
        ));
        p.apply(&sortie(1, SortieEvent::AllDone));
        // Another drone's events and other kinds leave this one alone.
        p.apply(&sortie(
            2,
            SortieEvent::Ended {
                sortie: "x".into(),
                battery_pct: 1,
            },
        ));
        let d = &p.drones()[0];
        assert_eq!(
            (d.flown, d.sortie, d.phase.as_str()),
            (1, 2, "done"),
            "{d:?}"
        );
        assert_eq!(
            d.skipped,
            vec![("b".to_string(), SkipReason::NoFreshBattery)]
        );
    }
}
