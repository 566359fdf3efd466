//! The alert's vocabulary: its lifecycle states and allowed moves, what creates an alert, the
//! evidence behind it and the trace of what happened to it.
//!
//! # Lifecycle
//!
//! ```text
//! new ──> dispatched ──> on-scene ──> confirmed-fire ──> resolved
//!  │  <──┘  │                 └────> false-alarm ─────>──┘
//!  │        └──> confirmed-fire | false-alarm               ^
//!  └──> confirmed-fire | false-alarm | resolved ────────────┘
//! ```
//!
//! `dispatched → new` is a failed dispatch (no drone could go): the alert waits again.
//! `resolved` is final. Acknowledging an alert does not change its state; it is its own trace
//! entry and sets `acked_at_unix_us`.
//!
//! # Units
//!
//! Times are microseconds since the Unix epoch (UTC); positions are WGS-84 degrees; altitudes
//! above mean sea level; distances and radii metres.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, UNIX_EPOCH};

/// Where an alert is in its lifecycle. Stored and printed as its text name (`on-scene`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertState {
    /// Raised, nobody sent yet.
    New,
    /// A drone or crew is on its way.
    Dispatched,
    /// Someone is looking at the place.
    OnScene,
    /// Verdict: there is a fire.
    ConfirmedFire,
    /// Verdict: there is none.
    FalseAlarm,
    /// Closed. Final.
    Resolved,
}

impl AlertState {
    /// Every state, in lifecycle order.
    pub const ALL: [AlertState; 6] = [
        AlertState::New,
        AlertState::Dispatched,
        AlertState::OnScene,
        AlertState::ConfirmedFire,
        AlertState::FalseAlarm,
        AlertState::Resolved,
    ];

    /// The text name used in the database, the CLI and the exports.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::New => "new",
            AlertState::Dispatched => "dispatched",
            AlertState::OnScene => "on-scene",
            AlertState::ConfirmedFire => "confirmed-fire",
            AlertState::FalseAlarm => "false-alarm",
            AlertState::Resolved => "resolved",
        }
    }

    /// The states this one may move to (empty for `resolved`).
    pub fn allowed_next(self) -> &'static [AlertState] {
        use AlertState::*;
        match self {
            New => &[Dispatched, ConfirmedFire, FalseAlarm, Resolved],
            Dispatched => &[OnScene, New, ConfirmedFire, FalseAlarm],
            OnScene => &[ConfirmedFire, FalseAlarm],
            ConfirmedFire | FalseAlarm => &[Resolved],
            Resolved => &[],
        }
    }

    /// Whether `self → to` is an allowed move.
    pub fn can_move_to(self, to: AlertState) -> bool {
        self.allowed_next().contains(&to)
    }
}

impl fmt::Display for AlertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no state (carries the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown alert state {0:?} (expected new, dispatched, on-scene, confirmed-fire, false-alarm or resolved)"
)]
pub struct UnknownState(pub String);

impl FromStr for AlertState {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AlertState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_string()))
    }
}

/// The final verdict an operator gives when closing an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// There is (or was) a fire: closes through `confirmed-fire`.
    Fire,
    /// There was none: closes through `false-alarm`.
    FalseAlarm,
}

impl Verdict {
    /// The state that records this verdict.
    pub fn state(self) -> AlertState {
        match self {
            Verdict::Fire => AlertState::ConfirmedFire,
            Verdict::FalseAlarm => AlertState::FalseAlarm,
        }
    }
}

/// What was seen. Stored as text (`smoke`, `flame`, `hotspot`, `infrared`, `other`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertClass {
    /// Smoke seen by a camera.
    Smoke,
    /// Open flame.
    Flame,
    /// A thermal hotspot seen from above.
    Hotspot,
    /// An infrared alarm under the canopy.
    Infrared,
    /// Anything else worth a look.
    Other,
}

impl AlertClass {
    /// Every class.
    pub const ALL: [AlertClass; 5] = [
        AlertClass::Smoke,
        AlertClass::Flame,
        AlertClass::Hotspot,
        AlertClass::Infrared,
        AlertClass::Other,
    ];

    /// The text name used in the database and the exports.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertClass::Smoke => "smoke",
            AlertClass::Flame => "flame",
            AlertClass::Hotspot => "hotspot",
            AlertClass::Infrared => "infrared",
            AlertClass::Other => "other",
        }
    }
}

impl fmt::Display for AlertClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no class (carries the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown alert class {0:?} (expected smoke, flame, hotspot, infrared or other)")]
pub struct UnknownClass(pub String);

impl FromStr for AlertClass {
    type Err = UnknownClass;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AlertClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownClass(s.to_string()))
    }
}

/// A refined incident position (see [`AlertStore::update_location`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    /// Latitude, WGS-84 degrees.
    pub lat_deg: f64,
    /// Longitude, WGS-84 degrees.
    pub lon_deg: f64,
    /// Uncertainty radius, metres.
    pub radius_m: f64,
}

/// The database id of an alert (SQLite rowid, from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlertId(pub i64);

impl fmt::Display for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The patrol base nearest to an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct NearestBase {
    /// The base's name.
    pub name: String,
    /// Great-circle distance from the alert, metres.
    pub distance_m: f64,
}

/// What creates an alert: the incident's first fused position and what was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// When the alert was raised, µs since the Unix epoch.
    pub created_at_unix_us: i64,
    /// Latitude, WGS-84 degrees.
    pub lat_deg: f64,
    /// Longitude, WGS-84 degrees.
    pub lon_deg: f64,
    /// Altitude above mean sea level, metres (None when unknown, e.g. a bearing-only fix).
    pub alt_amsl_m: Option<f64>,
    /// Position uncertainty: radius around (lat, lon), metres.
    pub radius_m: f64,
    /// What was seen.
    pub class: AlertClass,
    /// Confidence that it is real, 0..=1.
    pub confidence: f64,
    /// The day's fire danger class at the place, 1 (low) ..= 5 (extreme).
    pub danger_class: u8,
    /// The nearest patrol base, when the area has any.
    pub nearest_base: Option<NearestBase>,
    /// The incident this alert belongs to (one alert per incident; unique in a store).
    pub incident_key: u64,
    /// Who raised it, in words (`drone 3 smoke detector`, `tower-7`).
    pub source: String,
}

/// The kind of an evidence row. Stored as text (`detection`, `external`, `bearing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A detection by one of our drones.
    Detection,
    /// A point alarm from outside (an under-canopy sensor, a report).
    External,
    /// A bearing from a tower camera: the line of sight, no position of its own.
    Bearing,
}

impl EvidenceKind {
    /// The text name used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Detection => "detection",
            EvidenceKind::External => "external",
            EvidenceKind::Bearing => "bearing",
        }
    }

    /// The kind named by `s`, if any.
    pub fn parse(s: &str) -> Option<EvidenceKind> {
        [
            EvidenceKind::Detection,
            EvidenceKind::External,
            EvidenceKind::Bearing,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for EvidenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One observation supporting an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The alert it supports.
    pub alert_id: AlertId,
    /// What kind of observation.
    pub kind: EvidenceKind,
    /// When it was observed, µs since the Unix epoch.
    pub at_unix_us: i64,
    /// The observing drone's MAVLink system id, for detections.
    pub system_id: Option<u8>,
    /// The observing drone's name, for detections.
    pub drone_id: Option<String>,
    /// Where it was seen, WGS-84 degrees (None for a bearing).
    pub lat_deg: Option<f64>,
    /// Where it was seen, WGS-84 degrees (None for a bearing).
    pub lon_deg: Option<f64>,
    /// What was seen.
    pub class: AlertClass,
    /// The observer's confidence, 0..=1.
    pub confidence: f64,
    /// Free text or JSON with the rest (bearing, sensor, image name).
    pub detail: String,
}

/// What one trace entry records.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceEvent {
    /// A state change; `from` is None for the creation entry (`→ new`).
    Transition {
        /// The state before (None when the alert was created).
        from: Option<AlertState>,
        /// The state after.
        to: AlertState,
    },
    /// Somebody acknowledged the alert (the state is unchanged).
    Acknowledged,
    /// The incident's position was refined.
    Located {
        /// New latitude, WGS-84 degrees.
        lat_deg: f64,
        /// New longitude, WGS-84 degrees.
        lon_deg: f64,
        /// New uncertainty radius, metres.
        radius_m: f64,
    },
}

/// One entry of an alert's lifecycle trace, in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEntry {
    /// The alert.
    pub alert_id: AlertId,
    /// When it happened, µs since the Unix epoch.
    pub at_unix_us: i64,
    /// What happened.
    pub event: TraceEvent,
    /// Who did it (`dispatcher`, `operator`, `patrol fly`, a name).
    pub actor: String,
    /// Why, in words (may be empty).
    pub note: String,
}

/// `at_unix_us` as RFC 3339 UTC to the second (`2026-07-14T13:05:00Z`); times outside
/// 1970..9999 are printed as the raw number of µs.
pub fn format_utc(at_unix_us: i64) -> String {
    match u64::try_from(at_unix_us) {
        Ok(us) if us < 253_402_300_800_000_000 => {
            humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_micros(us)).to_string()
        }
        _ => format!("{at_unix_us} µs since 1970"),
    }
}

/// The current time, µs since the Unix epoch (0 if the clock is before 1970).
pub fn now_unix_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_round_trip() {
        for state in AlertState::ALL {
            assert_eq!(state.as_str().parse::<AlertState>(), Ok(state));
        }
        assert_eq!(AlertState::OnScene.to_string(), "on-scene");
        assert!("onscene".parse::<AlertState>().is_err());
    }

    #[test]
    fn transitions_follow_the_lifecycle() {
        use AlertState::*;
        let allowed = [
            (New, Dispatched),
            (New, ConfirmedFire),
            (New, FalseAlarm),
            (New, Resolved),
            (Dispatched, OnScene),
            (Dispatched, New),
            (Dispatched, ConfirmedFire),
            (Dispatched, FalseAlarm),
            (OnScene, ConfirmedFire),
            (OnScene, FalseAlarm),
            (ConfirmedFire, Resolved),
            (FalseAlarm, Resolved),
        ];
        for from in AlertState::ALL {
            for to in AlertState::ALL {
                assert_eq!(
                    from.can_move_to(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
        assert!(Resolved.allowed_next().is_empty());
    }

    #[test]
    fn classes_and_kinds_round_trip() {
        for class in AlertClass::ALL {
            assert_eq!(class.as_str().parse::<AlertClass>(), Ok(class));
        }
        assert!("fog".parse::<AlertClass>().is_err());
        for kind in [
            EvidenceKind::Detection,
            EvidenceKind::External,
            EvidenceKind::Bearing,
        ] {
            assert_eq!(EvidenceKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Verdict::Fire.state(), AlertState::ConfirmedFire);
        assert_eq!(Verdict::FalseAlarm.state(), AlertState::FalseAlarm);
    }

    #[test]
    fn times_print_as_utc() {
        assert_eq!(format_utc(1_784_034_300_000_000), "2026-07-14T13:05:00Z");
        assert_eq!(format_utc(-5), "-5 µs since 1970");
        assert!(now_unix_us() > 1_700_000_000_000_000);
    }
}

/// A valid alert for the store's tests.
#[cfg(test)]
pub(crate) fn sample_new_alert(incident_key: u64) -> NewAlert {
    NewAlert {
        created_at_unix_us: 1_000_000,
        lat_deg: -41.25,
        lon_deg: 146.1,
        alt_amsl_m: None,
        radius_m: 150.0,
        class: AlertClass::Smoke,
        confidence: 0.6,
        danger_class: 3,
        nearest_base: None,
        incident_key,
        source: "drone 2".into(),
    }
}
