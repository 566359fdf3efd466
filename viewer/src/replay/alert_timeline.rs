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
    /// (time µs since the UNIX epoch, state entered) in the order written, times never
    /// decreasing; starts with `New`.
    pub transitions: Vec<(i64, AlertState)>,
    /// Index of the first transition stamped before the one written before it: from there
    /// on, changes made after the run (see [`AlertTimeline::pin_after`]).
    after_run_from: Option<usize>,
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
        // In the order they were written (the trace's order), not sorted by time: a change
        // stamped before the one written before it was made after the run (`pin_after`);
        // meanwhile it counts from the previous change, so times never decrease.
        let mut transitions = vec![(created_at_unix_us, AlertState::New)];
        let mut after_run_from = None;
        for e in trace {
            let TraceEvent::Transition { from: Some(_), to } = e.event else {
                continue;
            };
            let prev = transitions.last().map_or(i64::MIN, |&(t, _)| t);
            if e.at_unix_us < prev && after_run_from.is_none() {
                after_run_from = Some(transitions.len());
            }
            transitions.push((e.at_unix_us.max(prev), to));
        }
        AlertTimeline {
            id,
            lat_deg: place.0,
            lon_deg: place.1,
            radius_m: place.2,
            danger_class,
            source,
            created_at_unix_us,
            transitions,
            after_run_from,
        }
    }

    /// Moves to `end_unix_us` every change made after the run: stamped after its end, or
    /// stamped before a change written earlier (a change the duty officer made after a
    /// sped-up run carries wall-clock time, behind the mission clock), and every change after
    /// such one. Afterwards the times never decrease.
    pub fn pin_after(&mut self, end_unix_us: i64) {
        let mut after_run = false;
        let mut prev = i64::MIN;
        for (i, (t, _)) in self.transitions.iter_mut().enumerate() {
            after_run |= *t > end_unix_us || self.after_run_from.is_some_and(|a| i >= a);
            if after_run {
                *t = end_unix_us.max(prev);
            }
            prev = *t;
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
            entry(200, Some(AlertState::New), AlertState::Dispatched),
            entry(300, Some(AlertState::Dispatched), AlertState::OnScene),
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

    #[test]
    fn changes_made_after_the_run_show_at_its_end() {
        // On scene at 300 (mission clock); resolved later on the wall clock, which a sped-up
        // run left behind (stamped 150); then confirmed by hand at 120 (also after the run).
        let trace = [
            entry(100, None, AlertState::New),
            entry(300, Some(AlertState::New), AlertState::OnScene),
            entry(150, Some(AlertState::OnScene), AlertState::ConfirmedFire),
            entry(160, Some(AlertState::ConfirmedFire), AlertState::Resolved),
        ];
        let mut a = AlertTimeline::from_trace(1, (36.0, -84.0, 50.0), 3, "x".into(), 100, &trace);
        assert_eq!(
            a.state_at(299),
            Some(AlertState::New),
            "never resolved mid-run"
        );
        a.pin_after(1000);
        assert_eq!(
            a.event_times_unix_us().collect::<Vec<_>>(),
            [100, 300, 1000, 1000]
        );
        assert_eq!(a.state_at(999), Some(AlertState::OnScene));
        assert_eq!(a.state_at(1000), Some(AlertState::Resolved));

        // A real-time run: resolved hours after its end, in order: at the end too.
        let trace = [
            entry(100, None, AlertState::New),
            entry(300, Some(AlertState::New), AlertState::OnScene),
            entry(90_000, Some(AlertState::OnScene), AlertState::Resolved),
        ];
        let mut a = AlertTimeline::from_trace(2, (36.0, -84.0, 50.0), 3, "x".into(), 100, &trace);
        a.pin_after(1000);
        assert_eq!(
            a.event_times_unix_us().collect::<Vec<_>>(),
            [100, 300, 1000]
        );
    }
}
