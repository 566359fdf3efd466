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

use crate::fly::dispatch::DroneTask;
use crate::fly::lists::{fence_items, rally_items};
use crate::gcs::{Gcs, VehicleKey};
use crate::mav::flight_mode::FlightMode;
use crate::mav::mission_item::ListKind;
use crate::shift::bus::EventBus;
use crate::shift::event::{DroneRef, ServiceEvent, ShiftEventKind, SkipReason, SortieEvent};

/// MAV_CMD_MISSION_START.
const MISSION_START: u16 = 300;
/// Battery share at which a swapped pack counts as fresh.
pub const FRESH_BATTERY_PCT: u8 = 90;

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
    let Some(key) = gcs.wait_for(d.system_id, options.vehicle_timeout).await else {
        report.say(SortieEvent::NotHeard {
            timeout_s: options.vehicle_timeout.as_secs(),
        });
        for sortie in &d.sorties {
            report.skip(sortie, SkipReason::VehicleNotHeard);
        }
        return;
    };
    let limit = options.max_sorties.unwrap_or(usize::MAX);
    let mut landed_at: Option<(f64, f64)> = None; // (actual landing, planned end) shift seconds
    for (i, sortie) in d.sorties.iter().enumerate().take(limit) {
        if ![sortie.start_s, sortie.end_s, sortie.flight_time_s]
            .iter()
            .all(|t| t.is_finite() && (0.0..1e9).contains(t))
        {
            report.skip(sortie, SkipReason::UnusableTimes);
            continue;
        }
        report.say(SortieEvent::Waiting {
            sortie: sortie.id.clone(),
            index: i + 1,
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
        let flown = fly_sortie(plan, d, sortie, gcs, key, &report).await;
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

async fn wait_for_battery(gcs: &Gcs, key: VehicleKey, report: &Reporter) -> Result<(), SkipReason> {
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
                    report.say(SortieEvent::WaitingForSwap { battery_pct: p });
                }
            }
            None => {}
        }
        // A swap takes minutes; an hour of shift time without a fresh pack means no crew.
        if clock.elapsed_s() - began > 3600.0 {
            return Err(SkipReason::NoFreshBattery);
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
    report: &Reporter,
) -> Result<u8, SkipReason> {
    let clock = gcs.clock();
    report.say(SortieEvent::Uploading {
        sortie: sortie.id.clone(),
    });
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
                    report.say(SortieEvent::Uploaded {
                        sortie: sortie.id.clone(),
                        list: kind,
                        items: n,
                        took_s: began.elapsed().as_secs_f64(),
                    });
                    break;
                }
                Err(error) if attempt < 3 => {
                    report.say(SortieEvent::UploadRetry {
                        sortie: sortie.id.clone(),
                        error,
                    });
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => return Err(SkipReason::Upload(e)),
            }
        }
    }
    // Arm in GUIDED, then start the mission (ArduPilot's order; MAVSDK does the same).
    report.say(SortieEvent::Arming {
        sortie: sortie.id.clone(),
    });
    const ATTEMPTS: u32 = 5;
    let mut armed = false;
    for attempt in 1..=ATTEMPTS {
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
            Err(error) => {
                report.say(SortieEvent::StartFailed {
                    sortie: sortie.id.clone(),
                    error,
                    attempt,
                    of: ATTEMPTS,
                });
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
    if !armed {
        // Never leave a vehicle armed on the pad.
        if let Err(error) = gcs.arm(key, false).await {
            report.say(SortieEvent::DisarmFailed { error });
        }
        return Err(SkipReason::WouldNotStart);
    }
    report.say(SortieEvent::Started {
        sortie: sortie.id.clone(),
        items: sortie.mission.items.len(),
        planned_min: sortie.flight_time_s / 60.0,
    });
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
            return Ok(v.battery_pct.unwrap_or(0));
        }
        if clock.elapsed_s() > deadline_s {
            return Err(SkipReason::Overran { lost: v.lost });
        }
    }
}
