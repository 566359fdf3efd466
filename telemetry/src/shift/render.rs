//! Events as English text: the lines of `events.log` and the console.
//!
//! A line is `[HH:MM:SS] who: text`, with the shift's local time ([`ShiftClock`]: one clock for
//! the log, the report, the alerts and the viewer).
//! Events that only move a drone's phase along (waiting, uploading, arming, the end of the
//! shift) and vehicle changes nobody reads (the current mission item) have no line.

use patrol_planner::plan::shift_clock::ShiftClock;

use crate::gcs::EventKind;
use crate::gcs::vehicle::Change;

use super::event::{
    AlarmEvent, AlertEvent, DispatchEvent, DroneRef, Recovery, ServiceEvent, ShiftEvent,
    ShiftEventKind, SkipReason, SortieEvent, StartError,
};

/// Seconds as H:MM:SS.
pub fn hms(s: f64) -> String {
    let s = s.max(0.0) as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

impl std::fmt::Display for DroneRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.drone_id {
            Some(id) => write!(f, "{id} (system {})", self.system_id),
            None => write!(f, "system {}", self.system_id),
        }
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::VehicleNotHeard { waited_s } => write!(
                f,
                "its vehicle was not heard by the sortie's start and {waited_s} s after (still listening for it: a vehicle heard later flies its next sortie)"
            ),
            SkipReason::VehicleLost { waited_s } => write!(
                f,
                "its vehicle went silent and was not heard again by the sortie's start and {waited_s} s after (still listening: when it is back it flies its next sortie)"
            ),
            SkipReason::UnusableTimes => {
                f.write_str("its times in plan.json are not usable numbers")
            }
            SkipReason::NoFreshBattery => f.write_str("no fresh battery within an hour"),
            SkipReason::NoBatteryReport { waited_s } => write!(
                f,
                "the vehicle reported no battery level in {waited_s} s (SYS_STATUS or BATTERY_STATUS); a sortie is not started on an unknown pack"
            ),
            SkipReason::Upload { failure, attempts } => {
                write!(f, "{failure} (after {attempts} attempts)")
            }
            SkipReason::WouldNotStart { last } => {
                write!(f, "the vehicle would not arm and start: {last}")
            }
            SkipReason::WindowPassed { late_s } => write!(
                f,
                "its window has passed: it should have started {} ago (patrol fly --start-now flies the plan from now)",
                hms(*late_s)
            ),
            SkipReason::StoppedByCrew => {
                write!(f, "the crew stopped the shift (Ctrl-C) before it started")
            }
            SkipReason::Overran { lost } => write!(
                f,
                "sortie overran by more than 30 min (still {})",
                if *lost { "lost" } else { "flying" }
            ),
        }
    }
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Command(e) => write!(f, "{e}"),
            StartError::NotArmed { waited_s } => write!(
                f,
                "the commands were acknowledged but the vehicle still reports itself disarmed after {waited_s:.0} s"
            ),
            StartError::NotInMission { mode, waited_s } => write!(
                f,
                "armed, but in {mode} rather than its mission after {waited_s:.0} s"
            ),
        }
    }
}

impl ShiftEvent {
    /// Who the line is about: a drone, or the part of the service that speaks.
    pub fn subject(&self) -> String {
        match &self.kind {
            ShiftEventKind::Vehicle { drone, .. } => drone
                .as_ref()
                .map_or_else(|| "service".to_string(), ToString::to_string),
            ShiftEventKind::Sortie { drone, .. } => drone.to_string(),
            ShiftEventKind::Alert(_) => "alerts".into(),
            ShiftEventKind::Dispatch(_) => "dispatch".into(),
            ShiftEventKind::Alarm(_) => "alarms".into(),
            ShiftEventKind::Service(_) => "service".into(),
        }
    }

    /// The event's text, or `None` for events that have no line.
    pub fn text(&self, clock: &ShiftClock) -> Option<String> {
        match &self.kind {
            ShiftEventKind::Vehicle { key, event, .. } => vehicle_text(key.as_ref(), event),
            ShiftEventKind::Sortie { drone, event } => sortie_text(drone, event, clock),
            ShiftEventKind::Alert(e) => Some(alert_text(e)),
            ShiftEventKind::Dispatch(e) => Some(dispatch_text(e)),
            ShiftEventKind::Alarm(e) => Some(match e {
                AlarmEvent::FileLineRefused { path, reason } => {
                    format!("{}: {reason}", path.display())
                }
                AlarmEvent::OutsideTerrain { source } => format!(
                    "external alarm from {source} is outside the area's terrain: not usable"
                ),
            }),
            ShiftEventKind::Service(e) => service_text(e),
        }
    }

    /// The event-log line, `[HH:MM:SS] who: text`, in the shift's local time.
    pub fn line(&self, clock: &ShiftClock) -> Option<String> {
        let text = self.text(clock)?;
        Some(format!(
            "[{}] {}: {text}",
            clock.at_unix_us(self.at_unix_us as i64),
            self.subject()
        ))
    }
}

fn vehicle_text(key: Option<&crate::gcs::VehicleKey>, event: &EventKind) -> Option<String> {
    let peer = || key.map(|k| k.peer.to_string()).unwrap_or_default();
    Some(match event {
        EventKind::Found { mav_type } => format!(
            "vehicle found on link {} ({}, MAV_TYPE {mav_type})",
            key.map_or(0, |k| k.link),
            peer()
        ),
        EventKind::Lost => "link lost: no heartbeat for 3.5 s (the vehicle returns home on its own after its failsafe delay)".into(),
        EventKind::Regained { silent_s } => {
            format!("link regained after {silent_s:.1} s; telemetry rates requested again")
        }
        EventKind::DuplicateSystemId { first } => format!(
            "DUPLICATE system id: a second vehicle answers as system {} at {}; kept apart from the first ({}); fix the SYSID_THISMAV of one of them",
            first.system_id,
            peer(),
            first.peer
        ),
        EventKind::LinkUp { link, detail } => format!("link {link} up: {detail}"),
        EventKind::LinkDown { link, reason } => format!("link {link} down: {reason}"),
        EventKind::TransferRetry(r) => format!(
            "{} {}: {} unanswered for {:.1} s; sent again (retry {} of {})",
            r.list.name(),
            if r.upload { "upload" } else { "download" },
            r.unanswered,
            r.waited_s,
            r.retry,
            r.of
        ),
        EventKind::Changed(c) => match c {
            Change::Mode(m) => match m.mode() {
                Some(_) => format!("mode {m}"),
                None => m.to_string(),
            },
            Change::Armed(true) => "armed".into(),
            Change::Armed(false) => "disarmed".into(),
            Change::Landed(1) => "on the ground".into(),
            Change::Landed(2) => "in the air".into(),
            Change::Landed(_) | Change::CurrentItem(_) | Change::ItemReached(_) => return None,
            Change::LowBattery(p) => format!(
                "low battery: {p}%; the vehicle's failsafe brings it home at its return level, and its next sortie waits for a fresh pack"
            ),
            Change::Status(sev, text) => {
                let level = if *sev <= 2 {
                    "CRITICAL"
                } else if *sev <= 4 {
                    "warning"
                } else {
                    "info"
                };
                format!("vehicle says ({level}): {text}")
            }
        },
    })
}

fn sortie_text(drone: &DroneRef, e: &SortieEvent, clock: &ShiftClock) -> Option<String> {
    Some(match e {
        SortieEvent::WaitingForVehicle { timeout_s } => format!(
            "listening for system id {}: each sortie waits for it up to {timeout_s} s past its start",
            drone.system_id
        ),
        SortieEvent::Waiting {
            sortie, start_s, ..
        } => {
            format!(
                "sortie {sortie} waits for its start at {}",
                clock.at_shift_s(*start_s)
            )
        }
        SortieEvent::Uploading { .. } => return None,
        SortieEvent::Arming {
            sortie,
            confirm_s,
            confirmed_by,
        } => format!(
            "arming for sortie {sortie} and starting its mission{}; waiting up to {confirm_s:.0} s for the vehicle to show armed and in its mission",
            confirmed_by
                .as_ref()
                .map_or_else(String::new, |who| format!(" (confirmed by {who})"))
        ),
        SortieEvent::WaitingForSwap {
            battery_pct,
            until_s,
        } => format!(
            "battery at {battery_pct}%: waiting for a fresh pack (90 % or more) until {}",
            clock.at_shift_s(*until_s)
        ),
        SortieEvent::WaitingForBatteryReport { for_s } => format!(
            "no battery level reported yet: waiting {for_s} s for SYS_STATUS or BATTERY_STATUS"
        ),
        SortieEvent::Uploaded {
            sortie,
            list,
            items,
            took_s,
            verified,
        } => format!(
            "{} uploaded for sortie {sortie} ({items} items, {took_s:.1} s{})",
            list.name(),
            if *verified {
                "; read back identical"
            } else {
                ""
            }
        ),
        SortieEvent::UploadRetry {
            failure,
            attempt,
            of,
            next_in_s,
            ..
        } => format!(
            "{failure}; uploading again in {next_in_s:.0} s (attempt {attempt} of {of} failed)"
        ),
        SortieEvent::StartFailed {
            sortie,
            error,
            attempt,
            of,
        } => format!("start of sortie {sortie} failed: {error} (attempt {attempt} of {of})"),
        SortieEvent::DisarmFailed { error } => {
            format!("disarming after the failed start failed too: {error}")
        }
        SortieEvent::Recalled {
            sortie,
            mode_confirmed,
        } => {
            if *mode_confirmed {
                format!("recalled during sortie {sortie}: RTL, confirmed by its heartbeat")
            } else {
                format!(
                    "recalled during sortie {sortie}: RTL sent but its heartbeat does not show RTL; bring it home by radio or another ground station"
                )
            }
        }
        SortieEvent::Started {
            sortie,
            items,
            planned_min,
        } => format!("sortie {sortie} started ({items} items, {planned_min:.0} min planned)"),
        SortieEvent::Ended {
            sortie,
            battery_pct,
        } => format!("sortie {sortie} ended: landed and disarmed, battery {battery_pct}%"),
        SortieEvent::Skipped { sortie, reason } => format!("sortie {sortie} skipped: {reason}"),
        SortieEvent::AllDone => "all sorties done".into(),
    })
}

fn alert_text(e: &AlertEvent) -> String {
    match e {
        AlertEvent::Raised {
            alert,
            class,
            lat_deg,
            lon_deg,
            radius_m,
            danger_class,
            sightings,
            seen_by,
            nearest_base,
        } => format!(
            "ALERT {}: {} at {lat_deg:.5}, {lon_deg:.5} (±{radius_m:.0} m, danger class {danger_class}, {sightings} sighting(s), seen by {seen_by}; nearest base {})",
            alert.0,
            class.name(),
            nearest_base.as_ref().map_or_else(
                || "none".to_string(),
                |(name, m)| format!("{name} at {:.1} km", m / 1000.0)
            ),
        ),
        AlertEvent::Confirmed { alert, by } => {
            format!("alert {} CONFIRMED FIRE by {by} on scene", alert.0)
        }
        AlertEvent::StoreFailed { error } => format!("alert store: {error}"),
    }
}

fn dispatch_text(e: &DispatchEvent) -> String {
    match e {
        DispatchEvent::NoDroneCanReach { alert } => format!(
            "alert {}: no drone can reach it and return with its reserve; left for the duty officer",
            alert.0
        ),
        DispatchEvent::Dispatched {
            alert,
            drone_id,
            diverted,
            distance_m,
            eta_s,
            margin_s,
        } => format!(
            "alert {}: {drone_id} {} ({:.1} km, ETA {eta_s:.0} s, {margin_s:.0} s of battery to spare)",
            alert.0,
            if *diverted {
                "diverted from its sortie"
            } else {
                "launched from its base"
            },
            distance_m / 1000.0,
        ),
        DispatchEvent::OnScene {
            alert,
            drone_id,
            after_s,
            loiter_s,
        } => format!(
            "alert {}: {drone_id} on scene {after_s:.0} s after the alert; looking for {loiter_s:.0} s",
            alert.0
        ),
        DispatchEvent::NothingMoreSeen { alert, drone_id } => format!(
            "alert {}: {drone_id} saw nothing more on scene; the verdict is the duty officer's",
            alert.0
        ),
        DispatchEvent::ResumesSortie { drone_id } => format!("{drone_id} resumes its sortie"),
        DispatchEvent::ReturnsToBase { drone_id } => format!("{drone_id} returns to base"),
        DispatchEvent::Failed {
            alert,
            drone_id,
            why,
        } => format!(
            "alert {}: verification by {drone_id} failed: {why}",
            alert.0
        ),
        DispatchEvent::Recovered { drone_id, how } => format!(
            "{drone_id}: {}",
            match how {
                Recovery::Disarmed => "disarmed on the ground",
                Recovery::BackOnSortie => "back on its sortie",
                Recovery::SentHome => "sent home",
            }
        ),
        DispatchEvent::RecoveryFailed { drone_id, error } => {
            format!("{drone_id}: recovery command failed: {error}")
        }
        DispatchEvent::StillVerifying { waited_s } => format!(
            "a verification flight was still going after {}; stopping anyway",
            if *waited_s >= 60 && waited_s % 60 == 0 {
                format!("{} min", waited_s / 60)
            } else {
                format!("{waited_s} s")
            }
        ),
    }
}

fn service_text(e: &ServiceEvent) -> Option<String> {
    Some(match e {
        ServiceEvent::TimeLimitReached => {
            "--duration reached: stopping (vehicles keep flying their missions)".into()
        }
        ServiceEvent::Interrupted => {
            "interrupted: stopping (vehicles keep flying their missions)".into()
        }
        ServiceEvent::NoNewSorties { airborne } => format!(
            "stopping: no new sortie starts; {airborne} airborne drone(s) finish theirs (Ctrl-C again recalls them: RTL)"
        ),
        ServiceEvent::Recall { airborne } => format!(
            "recall: {airborne} airborne drone(s) told to return to launch (RTL); waiting for them to land (Ctrl-C again stops at once, leaving them in RTL)"
        ),
        ServiceEvent::TaskFailed { error } => format!("a drone's task failed: {error}"),
        ServiceEvent::EventsDropped { count } => {
            format!("{count} events not shown (too many at once)")
        }
        ServiceEvent::Ended => return None,
    })
}
