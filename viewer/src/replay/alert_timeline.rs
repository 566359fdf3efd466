//! An alert as the replay shows it: where it is and which lifecycle state it was in at any
//! instant, read off its trace.

use patrol_telemetry::alerts::model::{AlertState, TraceEntry, TraceEvent};

/// One alert with its state changes in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTimeline {
    /// Alert id in the store.
    pub id: i64,
    /// Latitude, degrees (the latest located position).
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// 1-sigma uncertainty radius, metres.
    pub radius_m: f64,
    /// Danger class of the place, 1..5.
    pub danger_class: u8,
    /// What raised it (`detection`, `sensor`, ...), as stored.
    pub source: String,
    /// Raised, µs since the UNIX epoch.
    pub created_at_unix_us: i64,
    /// (time µs since the UNIX epoch, state entered), sorted by time; starts with `New`.
    pub transitions: Vec<(i64, AlertState)>,
}

impl AlertTimeline {
    /// Builds the timeline from an alert's creation time, final state and trace (entries of
    /// other alerts must have been left out by the caller).
    pub fn from_trace(
        id: i64,
        place: (f64, f64, f64),
        danger_class: u8,
        source: String,
        created_at_unix_us: i64,
        trace: &[TraceEntry],
    ) -> AlertTimeline {
        let mut transitions = vec![(created_at_unix_us, AlertState::New)];
        transitions.extend(trace.iter().filter_map(|e| match e.event {
            TraceEvent::Transition { from: Some(_), to } => Some((e.at_unix_us, to)),
            _ => None,
        }));
        // Stable: entries written in one microsecond keep their written order.
        transitions.sort_by_key(|&(t, _)| t);
        AlertTimeline {
            id,
            lat_deg: place.0,
            lon_deg: place.1,
            radius_m: place.2,
            danger_class,
            source,
            created_at_unix_us,
            transitions,
        }
    }

    /// The state at `t_unix_us`; `None` before the alert was raised.
    pub fn state_at(&self, t_unix_us: i64) -> Option<AlertState> {
        let i = self.transitions.partition_point(|&(t, _)| t <= t_unix_us);
        i.checked_sub(1).map(|i| self.transitions[i].1)
    }

    /// Every instant something happened to the alert, µs since the UNIX epoch.
    pub fn event_times_unix_us(&self) -> impl Iterator<Item = i64> + '_ {
        self.transitions.iter().map(|&(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_telemetry::alerts::model::AlertId;

    fn entry(t: i64, from: Option<AlertState>, to: AlertState) -> TraceEntry {
        TraceEntry {
            alert_id: AlertId(7),
            at_unix_us: t,
            event: TraceEvent::Transition { from, to },
            actor: "test".into(),
            note: String::new(),
        }
    }

    #[test]
    fn state_follows_the_trace() {
        let trace = [
            entry(100, None, AlertState::New),
            entry(300, Some(AlertState::Dispatched), AlertState::OnScene),
            entry(200, Some(AlertState::New), AlertState::Dispatched),
            entry(400, Some(AlertState::OnScene), AlertState::FalseAlarm),
            TraceEntry {
                event: TraceEvent::Acknowledged,
                ..entry(350, None, AlertState::New)
            },
        ];
        let a =
            AlertTimeline::from_trace(7, (36.0, -84.0, 50.0), 4, "detection".into(), 100, &trace);
        assert_eq!(a.state_at(99), None);
        assert_eq!(a.state_at(100), Some(AlertState::New));
        assert_eq!(a.state_at(250), Some(AlertState::Dispatched));
        assert_eq!(a.state_at(399), Some(AlertState::OnScene));
        assert_eq!(a.state_at(10_000), Some(AlertState::FalseAlarm));
        assert_eq!(
            a.event_times_unix_us().collect::<Vec<_>>(),
            [100, 200, 300, 400]
        );
    }
}
