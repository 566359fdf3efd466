//! What the store gives back: an alert as stored, its summary for lists and exports, and the
//! full detail with evidence and trace.
//!
//! # Units
//!
//! Times are µs since the Unix epoch (UTC); positions WGS-84 degrees; altitude above mean sea
//! level, metres; radii and distances metres.

use super::model::{
    AlertClass, AlertId, AlertState, Evidence, NearestBase, TraceEntry, TraceEvent,
};

/// One alert as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Its id.
    pub id: AlertId,
    /// The incident it belongs to.
    pub incident_key: u64,
    /// Where it is in its lifecycle.
    pub state: AlertState,
    /// When it was raised, µs since the Unix epoch.
    pub created_at_unix_us: i64,
    /// The time of its latest trace entry, µs since the Unix epoch.
    pub updated_at_unix_us: i64,
    /// Latitude, WGS-84 degrees (the latest refined position).
    pub lat_deg: f64,
    /// Longitude, WGS-84 degrees.
    pub lon_deg: f64,
    /// Altitude above mean sea level, metres, when known.
    pub alt_amsl_m: Option<f64>,
    /// Position uncertainty, metres.
    pub radius_m: f64,
    /// What was seen.
    pub class: AlertClass,
    /// Confidence, 0..=1.
    pub confidence: f64,
    /// Fire danger class at the place, 1..=5.
    pub danger_class: u8,
    /// The nearest patrol base, if known.
    pub nearest_base: Option<NearestBase>,
    /// Who raised it.
    pub source: String,
    /// When it was first acknowledged, µs since the Unix epoch.
    pub acked_at_unix_us: Option<i64>,
    /// Who acknowledged it first.
    pub acked_by: Option<String>,
}

/// When an alert last entered each step of its lifecycle, µs since the Unix epoch.
///
/// "Last" matters only for `dispatched`: after a failed dispatch (back to `new`) the dispatch
/// that counts is the one that got somebody on scene.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepTimes {
    /// Entered `dispatched`.
    pub dispatched_at_unix_us: Option<i64>,
    /// Entered `on-scene`.
    pub on_scene_at_unix_us: Option<i64>,
    /// Entered `confirmed-fire` or `false-alarm`.
    pub verdict_at_unix_us: Option<i64>,
    /// Entered `resolved`.
    pub resolved_at_unix_us: Option<i64>,
}

impl StepTimes {
    /// The step times read off a trace (entries of other alerts are the caller's business).
    pub fn from_trace<'a>(trace: impl IntoIterator<Item = &'a TraceEntry>) -> StepTimes {
        let mut steps = StepTimes::default();
        for entry in trace {
            if let TraceEvent::Transition { to, .. } = entry.event {
                steps.record(to, entry.at_unix_us);
            }
        }
        steps
    }

    /// Notes that the alert entered `to` at `at_unix_us` (a later entry wins).
    pub fn record(&mut self, to: AlertState, at_unix_us: i64) {
        let slot = match to {
            AlertState::New => return,
            AlertState::Dispatched => &mut self.dispatched_at_unix_us,
            AlertState::OnScene => &mut self.on_scene_at_unix_us,
            AlertState::ConfirmedFire | AlertState::FalseAlarm => &mut self.verdict_at_unix_us,
            AlertState::Resolved => &mut self.resolved_at_unix_us,
        };
        *slot = Some(slot.map_or(at_unix_us, |t| t.max(at_unix_us)));
    }

    /// Seconds from the alert's creation to somebody on scene, when it got that far.
    pub fn alert_to_on_scene_s(&self, created_at_unix_us: i64) -> Option<f64> {
        self.on_scene_at_unix_us
            .map(|t| (t - created_at_unix_us) as f64 / 1e6)
    }
}

/// One line of a list or an export: the alert, how much evidence it has, its step times.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSummary {
    /// The alert.
    pub alert: Alert,
    /// Number of evidence rows.
    pub evidence_count: usize,
    /// When it entered each step.
    pub steps: StepTimes,
}

/// Everything about one alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertDetail {
    /// The alert.
    pub alert: Alert,
    /// Its evidence, oldest first.
    pub evidence: Vec<Evidence>,
    /// Its lifecycle trace, in the order written (the first entry is the creation, `→ new`).
    pub trace: Vec<TraceEntry>,
}

impl AlertDetail {
    /// The summary of this alert.
    pub fn summary(&self) -> AlertSummary {
        AlertSummary {
            alert: self.alert.clone(),
            evidence_count: self.evidence.len(),
            steps: StepTimes::from_trace(&self.trace),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(to: AlertState, from: Option<AlertState>, at_unix_us: i64) -> TraceEntry {
        TraceEntry {
            alert_id: AlertId(1),
            at_unix_us,
            event: TraceEvent::Transition { from, to },
            actor: "test".into(),
            note: String::new(),
        }
    }

    #[test]
    fn step_times_take_the_dispatch_that_counted() {
        use AlertState::*;
        let trace = [
            step(New, None, 0),
            step(Dispatched, Some(New), 10_000_000),
            step(New, Some(Dispatched), 20_000_000),
            TraceEntry {
                alert_id: AlertId(1),
                at_unix_us: 25_000_000,
                event: TraceEvent::Acknowledged,
                actor: "operator".into(),
                note: String::new(),
            },
            step(Dispatched, Some(New), 30_000_000),
            step(OnScene, Some(Dispatched), 90_500_000),
            step(FalseAlarm, Some(OnScene), 100_000_000),
            step(Resolved, Some(FalseAlarm), 110_000_000),
        ];
        let steps = StepTimes::from_trace(&trace);
        assert_eq!(steps.dispatched_at_unix_us, Some(30_000_000));
        assert_eq!(steps.on_scene_at_unix_us, Some(90_500_000));
        assert_eq!(steps.verdict_at_unix_us, Some(100_000_000));
        assert_eq!(steps.resolved_at_unix_us, Some(110_000_000));
        assert_eq!(steps.alert_to_on_scene_s(0), Some(90.5));
        assert_eq!(StepTimes::default().alert_to_on_scene_s(0), None);
    }
}
