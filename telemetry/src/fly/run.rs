//! Flying a plan with the whole fleet: one task per planned drone finds its vehicle by system
//! id, and for each sortie waits for its planned start (and for the battery swap after the
//! previous landing), uploads fence, rally points and mission, arms, starts the mission, and
//! watches until the vehicle is down and disarmed.
//!
//! Everything the service does and sees is written as a line of the event log (stdout and
//! `events.log` in the run directory), stamped with shift time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use patrol_planner::plan::model::{DronePlan, Plan, Sortie};
use tokio::sync::broadcast;

use crate::fly::dispatch::DroneTask;
use crate::fly::lists::{fence_items, rally_items};
use crate::gcs::vehicle::Change;
use crate::gcs::{EventKind, Gcs, GcsEvent, VehicleKey};
use crate::mission_item::ListKind;
use crate::sim::flight::FlightMode;

/// MAV_CMD_MISSION_START.
const MISSION_START: u16 = 300;
/// Battery share at which a swapped pack counts as fresh.
const FRESH_BATTERY_PCT: u8 = 90;

/// What the fleet's tasks report back, per drone.
#[derive(Debug, Clone, Default)]
pub struct DroneOutcome {
    /// Drone id.
    pub drone_id: String,
    /// System id.
    pub system_id: u8,
    /// Sorties flown to the end.
    pub flown: usize,
    /// Sorties skipped, with why.
    pub skipped: Vec<(String, String)>,
    /// Phase now, for the status view.
    pub phase: String,
    /// Index of the sortie in progress (1-based), 0 before the first.
    pub sortie: usize,
    /// Number of sorties planned.
    pub sorties: usize,
}

/// Shared state of a flight: outcomes per drone and the event log.
#[derive(Debug, Clone)]
pub struct FlyState {
    outcomes: Arc<Mutex<Vec<DroneOutcome>>>,
    log: Arc<Mutex<EventLog>>,
}

#[derive(Debug)]
struct EventLog {
    file: Option<std::fs::File>,
    echo: bool,
    lines: Vec<String>,
}

impl FlyState {
    /// State for `plan`, logging to `run_dir/events.log` (and stdout when `echo`).
    pub fn new(plan: &Plan, run_dir: &Path, echo: bool) -> std::io::Result<FlyState> {
        // Never truncate an earlier run's log.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(run_dir.join("events.log"))?;
        Ok(FlyState {
            outcomes: Arc::new(Mutex::new(
                plan.drones
                    .iter()
                    .map(|d| DroneOutcome {
                        drone_id: d.drone_id.clone(),
                        system_id: d.system_id,
                        phase: "waiting for the vehicle".into(),
                        sorties: d.sorties.len(),
                        ..DroneOutcome::default()
                    })
                    .collect(),
            )),
            log: Arc::new(Mutex::new(EventLog {
                file: Some(file),
                echo,
                lines: Vec::new(),
            })),
        })
    }

    /// Appends a line to the event log.
    pub fn event(&self, shift_s: f64, who: &str, text: &str) {
        let line = format!("[{}] {who}: {text}", hms(shift_s));
        if let Ok(mut log) = self.log.lock() {
            if log.echo {
                println!("{line}");
            }
            if let Some(f) = &mut log.file {
                let _ = writeln!(f, "{line}");
            }
            log.lines.push(line);
        }
    }

    /// Every event line so far.
    pub fn lines(&self) -> Vec<String> {
        self.log.lock().map(|l| l.lines.clone()).unwrap_or_default()
    }

    /// The outcome of every drone.
    pub fn outcomes(&self) -> Vec<DroneOutcome> {
        self.outcomes.lock().map(|o| o.clone()).unwrap_or_default()
    }

    fn update(&self, system_id: u8, f: impl FnOnce(&mut DroneOutcome)) {
        if let Ok(mut o) = self.outcomes.lock() {
            if let Some(d) = o.iter_mut().find(|d| d.system_id == system_id) {
                f(d);
            }
        }
    }
}

/// Seconds as H:MM:SS.
pub fn hms(s: f64) -> String {
    let s = s.max(0.0) as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

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
}

/// Flies the plan with the vehicles `gcs` sees; returns when every drone is done.
pub async fn fly_plan(
    plan: &Plan,
    gcs: &Gcs,
    state: &FlyState,
    options: &FlyOptions,
) -> Vec<DroneOutcome> {
    let logger = tokio::spawn(log_events(
        gcs.subscribe(),
        gcs.clone(),
        plan.clone(),
        state.clone(),
    ));
    let mut tasks = Vec::new();
    for d in &plan.drones {
        if !options.only.is_empty() && !options.only.contains(&d.system_id) {
            continue;
        }
        let (plan, d, gcs, state, options) = (
            plan.clone(),
            d.clone(),
            gcs.clone(),
            state.clone(),
            options.clone(),
        );
        tasks.push(tokio::spawn(async move {
            fly_drone(&plan, &d, &gcs, &state, &options).await
        }));
    }
    for t in tasks {
        if let Err(e) = t.await {
            state.event(
                gcs.clock().elapsed_s(),
                "service",
                &format!("a drone's task failed: {e}"),
            );
        }
    }
    logger.abort();
    state.outcomes()
}

fn who(d: &DronePlan) -> String {
    format!("{} (system {})", d.drone_id, d.system_id)
}

async fn fly_drone(plan: &Plan, d: &DronePlan, gcs: &Gcs, state: &FlyState, options: &FlyOptions) {
    let clock = gcs.clock();
    let name = who(d);
    let Some(key) = gcs.wait_for(d.system_id, options.vehicle_timeout).await else {
        state.event(
            clock.elapsed_s(),
            &name,
            &format!(
                "no vehicle with system id {} heard within {} s; its sorties are skipped",
                d.system_id,
                options.vehicle_timeout.as_secs()
            ),
        );
        state.update(d.system_id, |o| {
            o.phase = "not heard".into();
            o.skipped = d
                .sorties
                .iter()
                .map(|s| (s.id.clone(), "vehicle not heard".into()))
                .collect();
        });
        return;
    };
    let limit = options.max_sorties.unwrap_or(usize::MAX);
    let mut landed_at: Option<(f64, f64)> = None; // (actual landing, planned end) shift seconds
    for (i, sortie) in d.sorties.iter().enumerate().take(limit) {
        if ![sortie.start_s, sortie.end_s, sortie.flight_time_s]
            .iter()
            .all(|t| t.is_finite() && (0.0..1e9).contains(t))
        {
            skip(
                state,
                d,
                sortie,
                &name,
                "its times in plan.json are not usable numbers",
                clock.elapsed_s(),
            );
            continue;
        }
        state.update(d.system_id, |o| {
            o.sortie = i + 1;
            o.phase = "waiting for start".into();
        });
        // Start at the planned time, but never before the swap after a late landing.
        let mut start_s = sortie.start_s;
        if let Some((landed, planned_end)) = landed_at {
            start_s = start_s.max(landed + (sortie.start_s - planned_end).max(0.0));
        }
        wait_until_shift(gcs, start_s).await;
        // A fresh pack, then the drone claimed for the sortie; if the dispatcher took it in
        // between, its pack is checked again after the verification flight.
        let ready = loop {
            options.tasks.wait_not_verifying(d.system_id).await;
            if let Err(why) = wait_for_battery(gcs, key, state, &name).await {
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
            skip(state, d, sortie, &name, &why, clock.elapsed_s());
            continue;
        }
        let flown = fly_sortie(plan, d, sortie, gcs, key, state, &name).await;
        options.tasks.wait_not_verifying(d.system_id).await;
        options.tasks.set(d.system_id, DroneTask::AtBase);
        match flown {
            Ok(()) => {
                landed_at = Some((clock.elapsed_s(), sortie.end_s));
                state.update(d.system_id, |o| o.flown += 1);
            }
            Err(why) => skip(state, d, sortie, &name, &why, clock.elapsed_s()),
        }
    }
    state.update(d.system_id, |o| o.phase = "done".into());
    state.event(clock.elapsed_s(), &name, "all sorties done");
}

fn skip(state: &FlyState, d: &DronePlan, sortie: &Sortie, name: &str, why: &str, t: f64) {
    state.event(t, name, &format!("sortie {} skipped: {why}", sortie.id));
    state.update(d.system_id, |o| {
        o.skipped.push((sortie.id.clone(), why.to_string()))
    });
}

async fn wait_until_shift(gcs: &Gcs, shift_s: f64) {
    let clock = gcs.clock();
    loop {
        let now = clock.elapsed_s();
        if now >= shift_s {
            return;
        }
        let wait = clock
            .wall_duration(shift_s - now)
            .min(Duration::from_millis(500));
        tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
    }
}

async fn wait_for_battery(
    gcs: &Gcs,
    key: VehicleKey,
    state: &FlyState,
    name: &str,
) -> Result<(), String> {
    let clock = gcs.clock();
    let began = clock.elapsed_s();
    let mut told = false;
    loop {
        let v = gcs.vehicle(key);
        match v.and_then(|v| v.battery_pct) {
            Some(p) if p >= FRESH_BATTERY_PCT => return Ok(()),
            Some(p) => {
                if !told {
                    told = true;
                    state.event(
                        clock.elapsed_s(),
                        name,
                        &format!("battery at {p}%: waiting for the swap"),
                    );
                }
            }
            None => {}
        }
        // A swap takes minutes; an hour of shift time without a fresh pack means no crew.
        if clock.elapsed_s() - began > 3600.0 {
            return Err("no fresh battery within an hour".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn fly_sortie(
    plan: &Plan,
    d: &DronePlan,
    sortie: &Sortie,
    gcs: &Gcs,
    key: VehicleKey,
    state: &FlyState,
    name: &str,
) -> Result<(), String> {
    let clock = gcs.clock();
    state.update(d.system_id, |o| o.phase = "uploading".into());
    let home_alt = sortie.mission.home.alt_amsl_m;
    let uploads = [
        (ListKind::Fence, fence_items(plan)),
        (ListKind::Rally, rally_items(plan, home_alt)),
        (ListKind::Mission, sortie.mission.items.clone()),
    ];
    for (kind, items) in uploads {
        let n = items.len();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let began = Instant::now();
            match gcs.upload(key, kind, items.clone()).await {
                Ok(()) => {
                    state.event(
                        clock.elapsed_s(),
                        name,
                        &format!(
                            "{} uploaded for sortie {} ({n} items, {:.1} s)",
                            kind.name(),
                            sortie.id,
                            began.elapsed().as_secs_f64()
                        ),
                    );
                    break;
                }
                Err(e) if attempt < 3 => {
                    state.event(
                        clock.elapsed_s(),
                        name,
                        &format!("{e}; retrying the upload"),
                    );
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => return Err(format!("{e}")),
            }
        }
    }
    // Arm in GUIDED, then start the mission (ArduPilot's order; MAVSDK does the same).
    state.update(d.system_id, |o| o.phase = "arming".into());
    let mut armed = false;
    for attempt in 1..=5 {
        let r = async {
            // ArduPilot arms in GUIDED; PX4's modes are numbered otherwise, and it starts a
            // mission from any armable mode.
            if d.firmware != patrol_planner::area::fleet::Firmware::Px4 {
                gcs.set_mode(key, FlightMode::Guided.custom_mode()).await?;
            }
            gcs.arm(key, true).await?;
            gcs.command(
                key,
                crate::gcs::command::Command::long(MISSION_START, [0.0; 7]),
            )
            .await
        }
        .await;
        match r {
            Ok(()) => {
                armed = true;
                break;
            }
            Err(e) => {
                state.event(
                    clock.elapsed_s(),
                    name,
                    &format!(
                        "start of sortie {} failed: {e} (attempt {attempt} of 5)",
                        sortie.id
                    ),
                );
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
    if !armed {
        // Never leave a vehicle armed on the pad.
        if let Err(e) = gcs.arm(key, false).await {
            state.event(
                clock.elapsed_s(),
                name,
                &format!("disarming after the failed start failed too: {e}"),
            );
        }
        return Err("the vehicle would not arm and start".into());
    }
    state.event(
        clock.elapsed_s(),
        name,
        &format!(
            "sortie {} started ({} items, {:.0} min planned)",
            sortie.id,
            sortie.mission.items.len(),
            sortie.flight_time_s / 60.0
        ),
    );
    state.update(d.system_id, |o| o.phase = "flying".into());
    // Watch until the vehicle is on the ground and disarmed again.
    let deadline_s = clock.elapsed_s() + sortie.flight_time_s * 2.0 + 1800.0;
    let mut airborne = false;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Some(v) = gcs.vehicle(key) else { continue };
        if v.armed && v.landed_state != 1 {
            airborne = true;
        }
        if airborne && !v.armed && !v.lost {
            state.event(
                clock.elapsed_s(),
                name,
                &format!(
                    "sortie {} ended: landed and disarmed, battery {}%",
                    sortie.id,
                    v.battery_pct.unwrap_or(0)
                ),
            );
            return Ok(());
        }
        if clock.elapsed_s() > deadline_s {
            return Err(format!(
                "sortie overran by more than 30 min (still {})",
                if v.lost { "lost" } else { "flying" }
            ));
        }
    }
}

/// Turns service events into event-log lines.
async fn log_events(mut rx: broadcast::Receiver<GcsEvent>, gcs: Gcs, plan: Plan, state: FlyState) {
    let clock = gcs.clock();
    let name_of = |k: &VehicleKey| {
        plan.drones
            .iter()
            .find(|d| d.system_id == k.system_id)
            .map(who)
            .unwrap_or_else(|| format!("system {}", k.system_id))
    };
    loop {
        let ev = match rx.recv().await {
            Ok(ev) => ev,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                state.event(
                    clock.elapsed_s(),
                    "service",
                    &format!("{n} events not shown (too many at once)"),
                );
                continue;
            }
            Err(_) => return,
        };
        let t = (ev.at_unix_us.saturating_sub(clock.start_unix_us())) as f64 / 1e6;
        let who = ev
            .vehicle
            .as_ref()
            .map(name_of)
            .unwrap_or_else(|| "service".into());
        let text = match ev.kind {
            EventKind::Found { mav_type } => format!("vehicle found on link {} ({}, MAV_TYPE {mav_type})", ev.vehicle.map_or(0, |k| k.link), ev.vehicle.map(|k| k.peer.to_string()).unwrap_or_default()),
            EventKind::Lost => "link lost: no heartbeat for 3.5 s (the vehicle returns home on its own after its failsafe delay)".into(),
            EventKind::Regained { silent_s } => format!("link regained after {silent_s:.1} s; telemetry rates requested again"),
            EventKind::DuplicateSystemId { first } => format!("DUPLICATE system id: a second vehicle answers as system {} at {}; kept apart from the first ({}); fix the SYSID_THISMAV of one of them", first.system_id, ev.vehicle.map(|k| k.peer.to_string()).unwrap_or_default(), first.peer),
            EventKind::LinkUp { link, detail } => format!("link {link} up: {detail}"),
            EventKind::LinkDown { link, reason } => format!("link {link} down: {reason}"),
            EventKind::Changed(c) => match c {
                Change::Mode(m) => format!("mode {}", FlightMode::from_custom_mode(m).map_or_else(|| m.to_string(), |m| m.name().to_string())),
                Change::Armed(true) => "armed".into(),
                Change::Armed(false) => "disarmed".into(),
                Change::Landed(1) => "on the ground".into(),
                Change::Landed(2) => "in the air".into(),
                Change::Landed(_) | Change::CurrentItem(_) | Change::ItemReached(_) => continue,
                Change::LowBattery(p) => format!(
                    "low battery: {p}%; the vehicle's failsafe brings it home at its return level, and its next sortie waits for a fresh pack"
                ),
                Change::Status(sev, text) => {
                    let level = if sev <= 2 { "CRITICAL" } else if sev <= 4 { "warning" } else { "info" };
                    format!("vehicle says ({level}): {text}")
                }
            },
        };
        state.event(t, &who, &text);
    }
}

/// Writes `plan.json` of the plan into the run directory.
pub fn copy_plan(plan_dir: &Path, run_dir: &Path) -> std::io::Result<PathBuf> {
    let to = run_dir.join("plan.json");
    std::fs::copy(plan_dir.join("plan.json"), &to)?;
    Ok(to)
}
