//! What happens during a shift, as values: every flight, upload, dispatch, alarm and alert
//! event, stamped with mission and wall time.
//!
//! Events are published on the session's [`super::bus::EventBus`]. Nothing that produces them
//! formats text: the event log, the console, the live fleet table and the demo report are
//! subscribers that render them ([`super::render`] holds the English text), and so can a live
//! view, a broker bridge or a translation.

use std::path::PathBuf;

use crate::alerts::model::AlertId;
use crate::detect::observation::SightingClass;
pub use crate::gcs::readback::UploadFailure;
use crate::gcs::{CommandError, EventKind, VehicleKey};
use crate::mav::mission_item::ListKind;

/// One event of a shift.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftEvent {
    /// When it happened on the mission clock, µs since the UNIX epoch (the clock of tlogs and
    /// alerts; shift time is this minus the clock's start).
    pub at_unix_us: u64,
    /// When it was published on the wall clock, µs since the UNIX epoch.
    pub wall_unix_us: u64,
    /// What happened.
    pub kind: ShiftEventKind,
}

/// A drone as events name it: its id from the plan when the plan has it, and its system id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroneRef {
    /// The plan's drone id (`None` for a vehicle the plan does not name).
    pub drone_id: Option<String>,
    /// MAVLink system id.
    pub system_id: u8,
}

/// Kinds of events, by the part of the shift they come from.
#[derive(Debug, Clone, PartialEq)]
pub enum ShiftEventKind {
    /// Something the ground service saw on a vehicle or link (found, lost, regained, mode,
    /// arming, battery, a status text...).
    Vehicle {
        /// The drone, when the event concerns one.
        drone: Option<DroneRef>,
        /// The vehicle as the service knows it (link, peer, system id).
        key: Option<VehicleKey>,
        /// What.
        event: EventKind,
    },
    /// A drone's sorties.
    Sortie {
        /// The drone.
        drone: DroneRef,
        /// What.
        event: SortieEvent,
    },
    /// An alert raised or changed by the alerting side.
    Alert(AlertEvent),
    /// A verification flight.
    Dispatch(DispatchEvent),
    /// An external alarm input.
    Alarm(AlarmEvent),
    /// The session itself.
    Service(ServiceEvent),
}

/// Why a sortie was not flown (or not to its end).
#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    /// The vehicle had not been heard by the sortie's start and the wait after it.
    VehicleNotHeard {
        /// The wait after the start, wall seconds.
        waited_s: u64,
    },
    /// The vehicle went silent (no heartbeat for the link-loss time) and was not heard again
    /// by the sortie's start and the wait after it.
    VehicleLost {
        /// The wait after the start, wall seconds.
        waited_s: u64,
    },
    /// The sortie's times in the plan are not usable numbers.
    UnusableTimes,
    /// No pack at [`crate::fly::sorties::FRESH_BATTERY_PCT`] within an hour of shift time.
    NoFreshBattery,
    /// The vehicle never reported its battery.
    NoBatteryReport {
        /// How long it was waited for, wall seconds.
        waited_s: u64,
    },
    /// An upload failed after its attempts.
    Upload {
        /// The last attempt's failure.
        failure: UploadFailure,
        /// Attempts made.
        attempts: u32,
    },
    /// The vehicle would not arm and start.
    WouldNotStart {
        /// The last attempt's failure.
        last: StartError,
    },
    /// The crew stopped the shift before the sortie started.
    StoppedByCrew,
    /// On the wall clock the sortie should have started long before `patrol fly` did.
    WindowPassed {
        /// How late it would start, seconds.
        late_s: f64,
    },
    /// The sortie ran more than 30 min past twice its planned flight time.
    Overran {
        /// Whether the vehicle was lost (else still flying) at the deadline.
        lost: bool,
    },
}

/// Why one attempt to arm and start failed.
#[derive(Debug, Clone, PartialEq)]
pub enum StartError {
    /// A command (mode, arm, start) failed.
    Command(CommandError),
    /// Every command was acknowledged, but the vehicle did not report itself armed.
    NotArmed {
        /// How long that was waited for, wall seconds.
        waited_s: f64,
    },
    /// Armed, but not flying its mission.
    NotInMission {
        /// The mode it reports.
        mode: String,
        /// How long that was waited for, wall seconds.
        waited_s: f64,
    },
}

/// What happened to a drone's sorties.
#[derive(Debug, Clone, PartialEq)]
pub enum SortieEvent {
    /// The drone's task listens for its vehicle (each sortie waits for it up to `timeout_s`
    /// past its start).
    WaitingForVehicle {
        /// How long, wall seconds.
        timeout_s: u64,
    },
    /// The drone waits for its sortie's start (index from 1 among its sorties).
    Waiting {
        /// The sortie.
        sortie: String,
        /// Its index among the drone's sorties, from 1.
        index: usize,
        /// When it starts, shift seconds.
        start_s: f64,
    },
    /// The pack is below fresh: the crew must swap it.
    WaitingForSwap {
        /// Battery now, percent.
        battery_pct: u8,
        /// Until when the swap is waited for, shift seconds.
        until_s: f64,
    },
    /// The vehicle has reported no battery yet.
    WaitingForBatteryReport {
        /// Until when the report is waited for, wall seconds from now.
        for_s: u64,
    },
    /// Uploading fence, rally points and mission.
    Uploading {
        /// The sortie.
        sortie: String,
    },
    /// One list uploaded.
    Uploaded {
        /// The sortie.
        sortie: String,
        /// Mission, fence or rally points.
        list: ListKind,
        /// Items sent.
        items: usize,
        /// Wall seconds the upload (and its read-back) took.
        took_s: f64,
        /// Whether it was read back and found identical.
        verified: bool,
    },
    /// An upload attempt failed; it is tried again.
    UploadRetry {
        /// The sortie.
        sortie: String,
        /// Why it failed.
        failure: UploadFailure,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// Attempts in all.
        of: u32,
        /// Wall seconds until the next attempt.
        next_in_s: f64,
    },
    /// Setting the mode, arming and starting; the sortie counts as started once the vehicle
    /// reports itself armed and in its mission, within `confirm_s`.
    Arming {
        /// The sortie.
        sortie: String,
        /// Wall seconds allowed for the vehicle to show it is armed and in its mission.
        confirm_s: f64,
        /// Who confirmed arming real vehicles; `None` for the simulator.
        confirmed_by: Option<String>,
    },
    /// One attempt to arm and start failed.
    StartFailed {
        /// The sortie.
        sortie: String,
        /// Why.
        error: StartError,
        /// This attempt, from 1.
        attempt: u32,
        /// Attempts in all.
        of: u32,
    },
    /// Disarming after the failed start failed too.
    DisarmFailed {
        /// Why.
        error: CommandError,
    },
    /// The crew recalled the fleet: the drone was told to return to launch (RTL).
    Recalled {
        /// The sortie it was flying.
        sortie: String,
        /// Whether its heartbeat showed RTL afterwards.
        mode_confirmed: bool,
    },
    /// The sortie is flying.
    Started {
        /// The sortie.
        sortie: String,
        /// Mission items.
        items: usize,
        /// Planned flight time, minutes.
        planned_min: f64,
    },
    /// The sortie ended: landed and disarmed.
    Ended {
        /// The sortie.
        sortie: String,
        /// Battery at the end, percent (0 when unknown).
        battery_pct: u8,
    },
    /// The sortie was skipped (or abandoned).
    Skipped {
        /// The sortie.
        sortie: String,
        /// Why.
        reason: SkipReason,
    },
    /// Every sortie of the drone is done (flown or skipped).
    AllDone,
}

/// What happened to an alert.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertEvent {
    /// A believable incident got an alert (committed to the store before this event).
    Raised {
        /// The alert.
        alert: AlertId,
        /// What was seen.
        class: SightingClass,
        /// Where, degrees.
        lat_deg: f64,
        /// Where, degrees.
        lon_deg: f64,
        /// 1-sigma radius, metres.
        radius_m: f64,
        /// Danger class 1..5 of the place.
        danger_class: u8,
        /// Sightings behind it.
        sightings: usize,
        /// Who saw it (a drone id or an external source).
        seen_by: String,
        /// The nearest base and its distance, metres.
        nearest_base: Option<(String, f64)>,
    },
    /// The verifying drone saw the fire again on scene.
    Confirmed {
        /// The alert.
        alert: AlertId,
        /// The drone.
        by: String,
    },
    /// A write to the alert store failed.
    StoreFailed {
        /// Why.
        error: String,
    },
}

/// What happened to a verification flight.
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchEvent {
    /// No drone can reach the alert and return with its reserve.
    NoDroneCanReach {
        /// The alert.
        alert: AlertId,
    },
    /// A drone was sent.
    Dispatched {
        /// The alert.
        alert: AlertId,
        /// The drone.
        drone_id: String,
        /// Diverted from a sortie (else launched from its base).
        diverted: bool,
        /// Horizontal distance to the scene, metres.
        distance_m: f64,
        /// Expected time to the scene, seconds.
        eta_s: f64,
        /// Battery to spare after the verification and the return, seconds of flight.
        margin_s: f64,
    },
    /// The drone is on scene.
    OnScene {
        /// The alert.
        alert: AlertId,
        /// The drone.
        drone_id: String,
        /// Mission seconds from the alert to the drone on scene.
        after_s: f64,
        /// How long it looks, seconds.
        loiter_s: f64,
    },
    /// The drone saw nothing more on scene.
    NothingMoreSeen {
        /// The alert.
        alert: AlertId,
        /// The drone.
        drone_id: String,
    },
    /// The drone goes back to its sortie.
    ResumesSortie {
        /// The drone.
        drone_id: String,
    },
    /// The drone flies home.
    ReturnsToBase {
        /// The drone.
        drone_id: String,
    },
    /// The verification failed.
    Failed {
        /// The alert.
        alert: AlertId,
        /// The drone.
        drone_id: String,
        /// Why.
        why: String,
    },
    /// After a failed verification the drone was made safe.
    Recovered {
        /// The drone.
        drone_id: String,
        /// How.
        how: Recovery,
    },
    /// A command to make the drone safe failed (it is tried again).
    RecoveryFailed {
        /// The drone.
        drone_id: String,
        /// Why.
        error: CommandError,
    },
    /// A verification flight was still going when the session stopped waiting.
    StillVerifying {
        /// How long the session waited, wall seconds.
        waited_s: u64,
    },
}

/// How a drone was made safe after a failed verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Disarmed on the ground.
    Disarmed,
    /// Back on its sortie (AUTO).
    BackOnSortie,
    /// Sent home (RTL).
    SentHome,
}

/// What happened at an external alarm input.
#[derive(Debug, Clone, PartialEq)]
pub enum AlarmEvent {
    /// A line of an alarm file was refused.
    FileLineRefused {
        /// The file.
        path: PathBuf,
        /// The line and why.
        reason: String,
    },
    /// An alarm lies outside the area's terrain.
    OutsideTerrain {
        /// Its source.
        source: String,
    },
}

/// What happened to the session.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceEvent {
    /// The run's time limit was reached.
    TimeLimitReached,
    /// The user interrupted the run.
    Interrupted,
    /// The crew asked for no new sortie; the airborne drones finish theirs.
    NoNewSorties {
        /// Drones in the air then.
        airborne: usize,
    },
    /// The crew recalled every airborne drone.
    Recall {
        /// Drones in the air then.
        airborne: usize,
    },
    /// A drone's task failed (a bug: it is named so that it can be reported).
    TaskFailed {
        /// Why.
        error: String,
    },
    /// Vehicle events were lost because their subscriber fell behind.
    EventsDropped {
        /// How many.
        count: u64,
    },
    /// The shift is over: the last event of a session.
    Ended,
}

impl ShiftEvent {
    /// The drone the event concerns, if any.
    pub fn drone(&self) -> Option<&DroneRef> {
        match &self.kind {
            ShiftEventKind::Vehicle { drone, .. } => drone.as_ref(),
            ShiftEventKind::Sortie { drone, .. } => Some(drone),
            _ => None,
        }
    }

    /// Mission seconds since `start_unix_us` (the shift's start).
    pub fn shift_s(&self, start_unix_us: u64) -> f64 {
        self.at_unix_us.saturating_sub(start_unix_us) as f64 / 1e6
    }
}
