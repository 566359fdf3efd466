//! Flying a plan with the whole fleet: one task per planned drone finds its vehicle by system
//! id, and for each sortie waits for its planned start (and for the battery swap after the
//! previous landing), uploads fence, rally points and mission, arms, starts the mission, and
//! watches until the vehicle is down and disarmed.
//!
//! Everything the tasks do is published as a [`SortieEvent`] on the session's [`EventBus`]: the
//! event log, the console and the live fleet table render them; the fleet's progress is a fold
//! of them ([`crate::shift::progress`]).

use std::time::{Duration, Instant};

use patrol_planner::plan::model::{DronePlan, Plan, Sortie};

use crate::fly::control::{ControlRx, ShiftControl};
use crate::fly::dispatch::DroneTask;
use crate::fly::lists::{fence_items, rally_items};
use crate::gcs::readback::{UploadFailure, upload_verified};
use crate::gcs::transfer::TransferError;
use crate::gcs::{Gcs, VehicleKey};
use crate::mav::flight_mode::{FlightMode, VehicleMode};
use crate::mav::mission_item::ListKind;
use crate::shift::bus::EventBus;
use crate::shift::event::{
    DroneRef, ServiceEvent, ShiftEventKind, SkipReason, SortieEvent, StartError,
};

/// MAV_CMD_MISSION_START.
const MISSION_START: u16 = 300;
/// Battery share at which a swapped pack counts as fresh.
pub const FRESH_BATTERY_PCT: u8 = 90;
/// Shift time a drone waits for a fresh pack before its sortie is skipped, seconds.
const SWAP_WAIT_S: f64 = 3600.0;
/// Wall time without any battery report before the wait is announced.
const BATTERY_REPORT_QUIET: Duration = Duration::from_secs(3);
/// Wall time a vehicle may take to report its battery at all (it sends one every second).
const BATTERY_REPORT_WAIT: Duration = Duration::from_secs(30);
/// Attempts at uploading (and reading back) each list.
const UPLOAD_ATTEMPTS: u32 = 3;
/// Wall pause between upload attempts.
const UPLOAD_PAUSE: Duration = Duration::from_secs(2);
/// A sortie more than this late for its start (on the wall clock, `patrol fly` started after
/// it) is not flown: its window has passed. Seconds.
pub const WINDOW_PASSED_S: f64 = 300.0;
/// Attempts at arming and starting.
const START_ATTEMPTS: u32 = 3;
/// Wall time the vehicle has to show it is armed and in its mission after the start.
const START_CONFIRM: Duration = Duration::from_secs(10);

/// How to fly.
#[derive(Debug, Clone)]
pub struct FlyOptions {
    /// Wall time to wait for each vehicle's first heartbeat.
    pub vehicle_timeout: Duration,
    /// Fly at most this many sorties per drone.
    pub max_sorties: Option<usize>,
    /// Drones to fly (by system id); empty = all drones of the plan.
    pub only: Vec<u8>,
    /// What each drone is doing, shared with the dispatcher (a drone sent to verify an alert
    /// starts its next sortie only when it is back).
    pub tasks: crate::fly::dispatch::FleetTasks,
    /// Read every uploaded list back and compare it with what was sent.
    pub verify: bool,
    /// The crew's instruction (stop starting sorties, recall); the session sets it.
    pub control: ControlRx,
    /// Who confirmed arming real vehicles (logged with every arm); `None` for the simulator.
    pub confirmed_by: Option<String>,
}

/// Flies the plan with the vehicles `gcs` sees; returns when every drone is done (flown or
/// skipped). What happens is published on `bus`.
pub async fn fly_plan(plan: &Plan, gcs: &Gcs, bus: &EventBus, options: &FlyOptions) {
    let mut tasks = Vec::new();
    for d in &plan.drones {
        if !options.only.is_empty() && !options.only.contains(&d.system_id) {
            continue;
        }
        let (plan, d, gcs, bus, options) = (
            plan.clone(),
            d.clone(),
            gcs.clone(),
            bus.clone(),
            options.clone(),
        );
        tasks.push(tokio::spawn(async move {
            fly_drone(&plan, &d, &gcs, &bus, &options).await
        }));
    }
    for t in tasks {
        if let Err(e) = t.await {
            bus.publish(ShiftEventKind::Service(ServiceEvent::TaskFailed {
                error: e.to_string(),
            }));
        }
    }
}

/// The drone as events name it.
pub fn drone_ref(d: &DronePlan) -> DroneRef {
    DroneRef {
        drone_id: Some(d.drone_id.clone()),
        system_id: d.system_id,
    }
}

/// Publishes a sortie event of one drone.
#[derive(Debug, Clone)]
struct Reporter {
    bus: EventBus,
    drone: DroneRef,
}

impl Reporter {
    fn say(&self, event: SortieEvent) {
        self.bus.publish(ShiftEventKind::Sortie {
            drone: self.drone.clone(),
            event,
        });
    }

    fn skip(&self, sortie: &Sortie, reason: SkipReason) {
        self.say(SortieEvent::Skipped {
            sortie: sortie.id.clone(),
            reason,
        });
    }
}

async fn fly_drone(plan: &Plan, d: &DronePlan, gcs: &Gcs, bus: &EventBus, options: &FlyOptions) {
    let clock = gcs.clock();
    let report = Reporter {
        bus: bus.clone(),
        drone: drone_ref(d),
    };
    report.say(SortieEvent::WaitingForVehicle {
        timeout_s: options.vehicle_timeout.as_secs(),
    });
    let waited_s = options.vehicle_timeout.as_secs();
    // Whether the vehicle was ever heard: a silent one then is lost, not late.
    let mut ever_heard = false;
    let limit = options.max_sorties.unwrap_or(usize::MAX);
    let mut landed_at: Option<(f64, f64)> = None; // (actual landing, planned end) shift seconds
    for (i, sortie) in d.sorties.iter().enumerate().take(limit) {
        // (Times before zero are a wall-clock shift that began before `patrol fly` did.)
        if ![sortie.start_s, sortie.end_s, sortie.flight_time_s]
            .iter()
            .all(|t| t.is_finite() && t.abs() < 1e9)
            || sortie.flight_time_s < 0.0
        {
            report.skip(sortie, SkipReason::UnusableTimes);
            continue;
        }
        if sortie.start_s < -WINDOW_PASSED_S {
            report.skip(
                sortie,
                SkipReason::WindowPassed {
                    late_s: -sortie.start_s,
                },
            );
            continue;
        }
        // Start at the planned time, but never before the swap after a late landing.
        let mut start_s = sortie.start_s;
        if let Some((landed, planned_end)) = landed_at {
            start_s = start_s.max(landed + (sortie.start_s - planned_end).max(0.0));
        }
        if options.control.get() != ShiftControl::Run {
            report.skip(sortie, SkipReason::StoppedByCrew);
            continue;
        }
        report.say(SortieEvent::Waiting {
            sortie: sortie.id.clone(),
            index: i + 1,
            start_s,
        });
        if !wait_until_shift(gcs, start_s, &options.control).await {
            report.skip(sortie, SkipReason::StoppedByCrew);
            continue;
        }
        // Crews power aircraft after the ground station, and links drop: the vehicle has
        // until a while after the start; one heard later flies its next sortie.
        ever_heard |= gcs.find(d.system_id).is_some();
        let Some(key) = wait_present(gcs, d.system_id, options.vehicle_timeout).await else {
            report.skip(
                sortie,
                if ever_heard || gcs.find(d.system_id).is_some() {
                    SkipReason::VehicleLost { waited_s }
                } else {
                    SkipReason::VehicleNotHeard { waited_s }
                },
            );
            continue;
        };
        ever_heard = true;
        // A fresh pack, then the drone claimed for the sortie; if the dispatcher took it in
        // between, its pack is checked again after the verification flight.
        let ready = loop {
            options.tasks.wait_not_verifying(d.system_id).await;
            if let Err(why) = wait_for_battery(gcs, key, &report).await {
                break Err(why);
            }
            if options
                .tasks
                .claim(d.system_id, DroneTask::AtBase, DroneTask::Sortie)
            {
                break Ok(());
            }
        };
        if let Err(why) = ready {
            report.skip(sortie, why);
            continue;
        }
        // The crew may have stopped the shift while the pack was checked.
        if options.control.get() != ShiftControl::Run {
            options.tasks.set(d.system_id, DroneTask::AtBase);
            report.skip(sortie, SkipReason::StoppedByCrew);
            continue;
        }
        let flown = fly_sortie(plan, d, sortie, gcs, key, options, &report).await;
        options.tasks.wait_not_verifying(d.system_id).await;
        options.tasks.set(d.system_id, DroneTask::AtBase);
        match flown {
            Ok(battery_pct) => {
                landed_at = Some((clock.elapsed_s(), sortie.end_s));
                report.say(SortieEvent::Ended {
                    sortie: sortie.id.clone(),
                    battery_pct,
                });
            }
            Err(why) => report.skip(sortie, why),
        }
    }
    report.say(SortieEvent::AllDone);
}

/// Waits up to `timeout` for a vehicle with `system_id` that is heard and not lost.
async fn wait_present(gcs: &Gcs, system_id: u8, timeout: Duration) -> Option<VehicleKey> {
    let until = Instant::now() + timeout;
    loop {
        let present = gcs
            .find(system_id)
            .filter(|&k| gcs.vehicle(k).is_some_and(|v| !v.lost));
        if present.is_some() {
            return present;
        }
        if Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until shift time `shift_s`; `false` when the crew stops the shift first.
async fn wait_until_shift(gcs: &Gcs, shift_s: f64, control: &ControlRx) -> bool {
    let clock = gcs.clock();
    loop {
        if control.get() != ShiftControl::Run {
            return false;
        }
        let now = clock.elapsed_s();
        if now >= shift_s {
            return true;
        }
        let wait = clock
            .wall_duration(shift_s - now)
            .min(Duration::from_millis(500));
        tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
    }
}

async fn wait_for_battery(gcs: &Gcs, key: VehicleKey, report: &Reporter) -> Result<(), SkipReason> {
    let clock = gcs.clock();
    let until_s = clock.elapsed_s() + SWAP_WAIT_S;
    let unreported_since = Instant::now();
    let (mut told_swap, mut told_report, mut ever_reported) = (false, false, false);
    loop {
        match gcs.vehicle(key).and_then(|v| v.battery_pct) {
            Some(p) if p >= FRESH_BATTERY_PCT => return Ok(()),
            Some(p) => {
                ever_reported = true;
                if !told_swap {
                    told_swap = true;
                    report.say(SortieEvent::WaitingForSwap {
                        battery_pct: p,
                        until_s,
                    });
                }
            }
            None if !ever_reported => {
                let quiet = unreported_since.elapsed();
                if quiet >= BATTERY_REPORT_QUIET && !told_report {
                    told_report = true;
                    report.say(SortieEvent::WaitingForBatteryReport {
                        for_s: BATTERY_REPORT_WAIT.as_secs(),
                    });
                }
                if quiet >= BATTERY_REPORT_WAIT {
                    return Err(SkipReason::NoBatteryReport {
                        waited_s: BATTERY_REPORT_WAIT.as_secs(),
                    });
                }
            }
            None => {}
        }
        // A swap takes minutes; an hour of shift time without a fresh pack means no crew.
        if clock.elapsed_s() > until_s {
            return Err(SkipReason::NoFreshBattery);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[allow(clippy::too_many_arguments)]
/// Uploads one list, reads it back when asked and compares; up to [`UPLOAD_ATTEMPTS`]
/// attempts, each failure reported as it happens. A list the vehicle rejects outright (an
/// error MISSION_ACK: no space, denied) is not tried again.
async fn upload_list(
    gcs: &Gcs,
    key: VehicleKey,
    list: ListKind,
    items: &[patrol_planner::plan::model::MissionItem],
    ardupilot: bool,
    verify: bool,
    sortie: &Sortie,
    report: &Reporter,
) -> Result<(), SkipReason> {
    for attempt in 1..=UPLOAD_ATTEMPTS {
        let began = Instant::now();
        let tried = upload_verified(gcs, key, list, items, ardupilot, verify).await;
        match tried {
            Ok(()) => {
                report.say(SortieEvent::Uploaded {
                    sortie: sortie.id.clone(),
                    list,
                    items: items.len(),
                    took_s: began.elapsed().as_secs_f64(),
                    verified: verify,
                });
                return Ok(());
            }
            Err(failure) => {
                let final_answer = matches!(
                    failure,
                    UploadFailure::Transfer(TransferError::Rejected { .. })
                );
                if attempt == UPLOAD_ATTEMPTS || final_answer {
                    return Err(SkipReason::Upload {
                        failure,
                        attempts: attempt,
                    });
                }
                report.say(SortieEvent::UploadRetry {
                    sortie: sortie.id.clone(),
                    failure,
                    attempt,
                    of: UPLOAD_ATTEMPTS,
                    next_in_s: UPLOAD_PAUSE.as_secs_f64(),
                });
                tokio::time::sleep(UPLOAD_PAUSE).await;
            }
        }
    }
    unreachable!("the last attempt returns")
}

/// Sets the mode, arms and starts the mission, then waits until the vehicle reports itself
/// armed and in its mission.
async fn start_sortie(gcs: &Gcs, key: VehicleKey) -> Result<(), StartError> {
    // ArduPilot arms in GUIDED; PX4 in its Hold (the same call, numbered its way). Neither
    // arms in RTL or LAND, where a vehicle that came home sits.
    gcs.set_mode(key, FlightMode::Guided)
        .await
        .map_err(StartError::Command)?;
    gcs.arm(key, true).await.map_err(StartError::Command)?;
    gcs.command(
        key,
        crate::gcs::command::Command::long(MISSION_START, [0.0; 7]),
    )
    .await
    .map_err(StartError::Command)?;
    // An acknowledgement is not a start: the heartbeat must say armed, and the mode AUTO.
    let began = Instant::now();
    loop {
        let v = gcs.vehicle(key);
        if v.as_ref()
            .is_some_and(|v| v.armed && v.mode().is(FlightMode::Auto))
        {
            return Ok(());
        }
        if began.elapsed() >= START_CONFIRM {
            let waited_s = began.elapsed().as_secs_f64();
            return Err(match v {
                Some(v) if v.armed => StartError::NotInMission {
                    mode: v.mode().to_string(),
                    waited_s,
                },
                _ => StartError::NotArmed { waited_s },
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Uploads, arms, starts and watches one sortie; the battery at landing, percent.
async fn fly_sortie(
    plan: &Plan,
    d: &DronePlan,
    sortie: &Sortie,
    gcs: &Gcs,
    key: VehicleKey,
    options: &FlyOptions,
    report: &Reporter,
) -> Result<u8, SkipReason> {
    let verify = options.verify;
    let clock = gcs.clock();
    report.say(SortieEvent::Uploading {
        sortie: sortie.id.clone(),
    });
    let px4 = d.firmware == patrol_planner::area::fleet::Firmware::Px4;
    let home_alt = sortie.mission.home.alt_amsl_m;
    let uploads = [
        (ListKind::Fence, fence_items(plan)),
        (ListKind::Rally, rally_items(plan, home_alt)),
        (ListKind::Mission, sortie.mission.items.clone()),
    ];
    for (list, items) in uploads {
        upload_list(gcs, key, list, &items, !px4, verify, sortie, report).await?;
    }
    report.say(SortieEvent::Arming {
        sortie: sortie.id.clone(),
        confirm_s: START_CONFIRM.as_secs_f64(),
        confirmed_by: options.confirmed_by.clone(),
    });
    let mut last = None;
    for attempt in 1..=START_ATTEMPTS {
        match start_sortie(gcs, key).await {
            Ok(()) => {
                last = None;
                break;
            }
            Err(error) => {
                report.say(SortieEvent::StartFailed {
                    sortie: sortie.id.clone(),
                    error: error.clone(),
                    attempt,
                    of: START_ATTEMPTS,
                });
                last = Some(error);
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
    if let Some(last) = last {
        // Never leave a vehicle armed on the pad.
        if let Err(error) = gcs.arm(key, false).await {
            report.say(SortieEvent::DisarmFailed { error });
        }
        return Err(SkipReason::WouldNotStart { last });
    }
    report.say(SortieEvent::Started {
        sortie: sortie.id.clone(),
        items: sortie.mission.items.len(),
        planned_min: sortie.flight_time_s / 60.0,
    });
    // Watch until the vehicle is on the ground and disarmed again.
    let deadline_s = clock.elapsed_s() + sortie.flight_time_s * 2.0 + 1800.0;
    let mut airborne = false;
    let mut recall = Recall::default();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Some(v) = gcs.vehicle(key) else { continue };
        if v.armed && v.landed_state != 1 {
            airborne = true;
        }
        if v.armed && options.control.get() == ShiftControl::Recall {
            recall.keep_home(gcs, key, v.mode(), sortie, report).await;
        }
        if airborne && !v.armed && !v.lost {
            return Ok(v.battery_pct.unwrap_or(0));
        }
        if clock.elapsed_s() > deadline_s {
            return Err(SkipReason::Overran { lost: v.lost });
        }
    }
}

/// MAV_CMD_NAV_RETURN_TO_LAUNCH.
const RETURN_TO_LAUNCH: u16 = 20;
/// How long a recalled vehicle has to show RTL before the command is sent again.
const RECALL_CONFIRM: Duration = Duration::from_secs(3);

/// One drone's recall: RTL sent, and sent again whenever its heartbeat shows another mode (a
/// verification flight's GUIDED, a lost command), so that the recall holds until it lands.
#[derive(Debug, Default)]
struct Recall {
    sent: Option<Instant>,
    said_confirmed: bool,
    said_unconfirmed: bool,
}

impl Recall {
    async fn keep_home(
        &mut self,
        gcs: &Gcs,
        key: VehicleKey,
        mode: VehicleMode,
        sortie: &Sortie,
        report: &Reporter,
    ) {
        // ArduPilot's RTL, or PX4's AUTO.RTL.
        if mode.is(FlightMode::Rtl) {
            if !self.said_confirmed {
                self.said_confirmed = true;
                report.say(SortieEvent::Recalled {
                    sortie: sortie.id.clone(),
                    mode_confirmed: true,
                });
            }
            return;
        }
        match self.sent {
            Some(at) if at.elapsed() < RECALL_CONFIRM => {}
            Some(_) if !self.said_unconfirmed => {
                // Not confirmed in time: say so once, and keep trying.
                self.said_unconfirmed = true;
                report.say(SortieEvent::Recalled {
                    sortie: sortie.id.clone(),
                    mode_confirmed: false,
                });
                self.send(gcs, key).await;
            }
            _ => self.send(gcs, key).await,
        }
    }

    /// MAV_CMD_NAV_RETURN_TO_LAUNCH: what ArduPilot and PX4 both take, whatever their mode
    /// numbers.
    async fn send(&mut self, gcs: &Gcs, key: VehicleKey) {
        self.sent = Some(Instant::now());
        let rtl = crate::gcs::command::Command::long(RETURN_TO_LAUNCH, [0.0; 7]);
        if let Err(e) = gcs.command(key, rtl).await {
            tracing::warn!("recall of {key:?}: {e}");
        }
    }
}
