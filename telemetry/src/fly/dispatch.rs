//! Sending the drone that can be on scene first to verify a new alert.
//!
//! Candidates are the drones flying a sortie in AUTO (they divert) and the drones waiting at a
//! base with a fresh pack (they launch). For each, the time to scene is the climb (if on the
//! ground) plus the horizontal distance at cruise speed; it qualifies only if its battery
//! covers that, a loiter on scene, the flight from the scene to the nearest base and its
//! reserve. The chosen drone goes in GUIDED to a viewing point (DO_REPOSITION) at a safe height
//! over the highest ground on the way, loiters there while its detector looks, then resumes
//! its sortie (AUTO continues at the interrupted item) or returns to base. The alert moves to
//! `dispatched`, then `on-scene` on arrival; the alert-to-on-scene time is in its trace.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patrol_planner::area::fleet::Drone;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::plan::model::Plan;
use patrol_planner::terrain::Terrain;
use tokio::sync::mpsc;

use crate::alerts::model::AlertState;
use crate::alerts::store::AlertStore;
use crate::fly::alerting::{DispatchRequest, Verification, Verifications};
use crate::gcs::Gcs;
use crate::gcs::command::Command;
use crate::mav::flight_mode::{FlightMode, ModeNumbering};
use crate::shift::bus::EventBus;
use crate::shift::event::{DispatchEvent, Recovery, ShiftEventKind};

/// MAV_CMD_DO_REPOSITION.
const DO_REPOSITION: u16 = 192;
/// MAV_CMD_NAV_TAKEOFF.
const NAV_TAKEOFF: u16 = 22;
/// MAV_FRAME_GLOBAL (altitude above mean sea level).
const FRAME_GLOBAL: u8 = 0;

/// How verification flights are flown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DispatchSettings {
    /// Time on scene, seconds.
    pub loiter_s: f64,
    /// On scene within this horizontal distance of the viewing point, metres.
    pub arrive_within_m: f64,
    /// Height above the highest ground on the way, metres.
    pub clearance_agl_m: f64,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            loiter_s: 120.0,
            arrive_within_m: 40.0,
            clearance_agl_m: 90.0,
        }
    }
}

/// What a drone is doing, as far as the dispatcher is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DroneTask {
    /// On the ground between sorties.
    AtBase,
    /// Flying a sortie in AUTO.
    Sortie,
    /// Sent to verify an alert.
    Verifying,
}

/// The task of every drone, shared by the sortie tasks and the dispatcher.
#[derive(Debug, Clone, Default)]
pub struct FleetTasks(Arc<Mutex<BTreeMap<u8, DroneTask>>>);

impl FleetTasks {
    /// Sets a drone's task.
    pub fn set(&self, system_id: u8, task: DroneTask) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(system_id, task);
        }
    }

    /// A drone's task (at base when unknown).
    pub fn get(&self, system_id: u8) -> DroneTask {
        self.0
            .lock()
            .ok()
            .and_then(|m| m.get(&system_id).copied())
            .unwrap_or(DroneTask::AtBase)
    }

    /// Moves `system_id` from `from` to `to` if it is in `from`; whether it did.
    pub fn claim(&self, system_id: u8, from: DroneTask, to: DroneTask) -> bool {
        let Ok(mut m) = self.0.lock() else {
            return false;
        };
        let now = m.get(&system_id).copied().unwrap_or(DroneTask::AtBase);
        if now == from {
            m.insert(system_id, to);
            true
        } else {
            false
        }
    }

    /// Waits until no drone is verifying, at most `timeout` (wall); whether none is.
    pub async fn wait_none_verifying(&self, timeout: Duration) -> bool {
        let began = std::time::Instant::now();
        loop {
            let busy = self
                .0
                .lock()
                .map(|m| m.values().any(|t| *t == DroneTask::Verifying))
                .unwrap_or(false);
            if !busy {
                return true;
            }
            if began.elapsed() >= timeout {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits while the drone is verifying.
    pub async fn wait_not_verifying(&self, system_id: u8) {
        while self.get(system_id) == DroneTask::Verifying {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A candidate and its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// System id.
    pub system_id: u8,
    /// Whether it is airborne (divert) or at base (launch).
    pub airborne: bool,
    /// Time to scene, seconds.
    pub eta_s: f64,
    /// Battery left after scene, loiter, return and reserve, seconds of flight.
    pub margin_s: f64,
    /// Horizontal distance to the scene, metres.
    pub distance_m: f64,
}

/// The dispatcher.
#[derive(Debug)]
pub struct Dispatcher {
    /// The service.
    pub gcs: Gcs,
    /// The DEM.
    pub terrain: Arc<Terrain>,
    /// The plan (bases).
    pub plan: Plan,
    /// The fleet (speeds, endurance, cameras).
    pub fleet: Vec<Drone>,
    /// The alert store.
    pub store: Arc<Mutex<AlertStore>>,
    /// Drones' tasks.
    pub tasks: FleetTasks,
    /// Shared with the alerting task.
    pub verifications: Verifications,
    /// Settings.
    pub settings: DispatchSettings,
}

fn horizontal_m(a: Geodetic, b: Geodetic) -> f64 {
    patrol_planner::geodesy::flat::distance_m(a.into(), b.into())
}

impl Dispatcher {
    /// Handles alerts until the channel closes; each verification runs as its own task.
    pub async fn run(self, mut rx: mpsc::Receiver<DispatchRequest>, bus: EventBus) {
        let this = Arc::new(self);
        while let Some(req) = rx.recv().await {
            let this = this.clone();
            let bus = bus.clone();
            tokio::spawn(async move { this.dispatch(req, &bus).await });
        }
    }

    /// The candidates for a scene, best first.
    pub fn candidates(&self, scene: Geodetic) -> Vec<Candidate> {
        let mut out = Vec::new();
        for d in &self.fleet {
            let task = self.tasks.get(d.system_id);
            let Some(key) = self.gcs.find(d.system_id) else {
                continue;
            };
            let Some(v) = self.gcs.vehicle(key) else {
                continue;
            };
            if v.lost || v.battery_pct.is_none() {
                continue;
            }
            let here = Geodetic {
                lat_deg: v.lat_deg,
                lon_deg: v.lon_deg,
                alt_amsl_m: v.alt_amsl_m,
            };
            let airborne = v.armed && v.landed_state != 1;
            let usable = match task {
                DroneTask::Sortie => airborne && v.mode().is(FlightMode::Auto),
                DroneTask::AtBase => !airborne && !v.armed && v.battery_pct.unwrap_or(0) >= 90,
                DroneTask::Verifying => false,
            };
            if !usable {
                continue;
            }
            let distance_m = horizontal_m(here, scene);
            let climb_s = if airborne {
                0.0
            } else {
                self.settings.clearance_agl_m / d.climb_rate_mps.max(0.1)
            };
            let eta_s = climb_s + distance_m / d.cruise_speed_mps.max(0.1);
            let back_m = self
                .plan
                .bases
                .iter()
                .map(|b| {
                    horizontal_m(
                        scene,
                        Geodetic {
                            lat_deg: b.lat_deg,
                            lon_deg: b.lon_deg,
                            alt_amsl_m: b.alt_amsl_m,
                        },
                    )
                })
                .fold(f64::INFINITY, f64::min);
            let back_s = back_m / d.cruise_speed_mps.max(0.1)
                + self.settings.clearance_agl_m / d.descent_rate_mps.max(0.1);
            let left_s = f64::from(v.battery_pct.unwrap_or(0)) / 100.0 * d.endurance_min * 60.0;
            let margin_s = left_s - d.reserve_min * 60.0 - eta_s - self.settings.loiter_s - back_s;
            if margin_s >= 0.0 {
                out.push(Candidate {
                    system_id: d.system_id,
                    airborne,
                    eta_s,
                    margin_s,
                    distance_m,
                });
            }
        }
        out.sort_by(|a, b| a.eta_s.total_cmp(&b.eta_s));
        out
    }

    fn transition(
        &self,
        req: &DispatchRequest,
        to: AlertState,
        at_unix_us: u64,
        note: &str,
    ) -> bool {
        self.store
            .lock()
            .ok()
            .map(|mut s| {
                s.transition(req.alert, to, at_unix_us as i64, "dispatcher", note)
                    .is_ok()
            })
            .unwrap_or(false)
    }

    async fn dispatch(&self, req: DispatchRequest, bus: &EventBus) {
        let clock = self.gcs.clock();
        let say = |e: DispatchEvent| bus.publish(ShiftEventKind::Dispatch(e));
        let chosen = self.candidates(req.place).into_iter().find(|c| {
            let from = if c.airborne {
                DroneTask::Sortie
            } else {
                DroneTask::AtBase
            };
            self.tasks.claim(c.system_id, from, DroneTask::Verifying)
        });
        let Some(c) = chosen else {
            say(DispatchEvent::NoDroneCanReach { alert: req.alert });
            return;
        };
        let name = self
            .fleet
            .iter()
            .find(|d| d.system_id == c.system_id)
            .map_or_else(String::new, |d| d.id.clone());
        let Some(drone) = self
            .fleet
            .iter()
            .find(|d| d.system_id == c.system_id)
            .cloned()
        else {
            return;
        };
        let note = format!(
            "{name} {} ({:.1} km, ETA {:.0} s, {:.0} s of battery to spare)",
            if c.airborne {
                "diverted from its sortie"
            } else {
                "launched from its base"
            },
            c.distance_m / 1000.0,
            c.eta_s,
            c.margin_s
        );
        if !self.transition(&req, AlertState::Dispatched, clock.now_unix_us(), &note) {
            self.tasks.set(
                c.system_id,
                if c.airborne {
                    DroneTask::Sortie
                } else {
                    DroneTask::AtBase
                },
            );
            return;
        }
        say(DispatchEvent::Dispatched {
            alert: req.alert,
            drone_id: name.clone(),
            diverted: c.airborne,
            distance_m: c.distance_m,
            eta_s: c.eta_s,
            margin_s: c.margin_s,
        });
        self.verifications.set(
            req.incident_key,
            Verification {
                alert: req.alert,
                system_id: c.system_id,
                on_scene_since_unix_us: None,
                confirmed: false,
            },
        );
        let result = self.fly_verification(&req, &drone, c.airborne, bus).await;
        let back = if c.airborne {
            DroneTask::Sortie
        } else {
            DroneTask::AtBase
        };
        match result {
            Ok(()) => {}
            Err(why) => {
                say(DispatchEvent::Failed {
                    alert: req.alert,
                    drone_id: name.clone(),
                    why: why.clone(),
                });
                self.recover(&drone, c.airborne, bus).await;
                if !c.airborne {
                    // Released to its sorties only once it is down again.
                    self.wait_disarmed(drone.system_id, 3600.0).await;
                }
                // Dispatched → new: someone else (or the duty officer) must look.
                let on_scene = self
                    .verifications
                    .get(req.incident_key)
                    .is_some_and(|v| v.on_scene_since_unix_us.is_some());
                if !on_scene {
                    self.transition(
                        &req,
                        AlertState::New,
                        clock.now_unix_us(),
                        &format!("verification failed: {why}"),
                    );
                }
            }
        }
        self.tasks.set(c.system_id, back);
    }

    async fn fly_verification(
        &self,
        req: &DispatchRequest,
        d: &Drone,
        airborne: bool,
        bus: &EventBus,
    ) -> Result<(), String> {
        let say = |e: DispatchEvent| bus.publish(ShiftEventKind::Dispatch(e));
        let clock = self.gcs.clock();
        let key = self.gcs.find(d.system_id).ok_or("vehicle not heard")?;
        let v = self.gcs.vehicle(key).ok_or("vehicle not heard")?;
        let here = Geodetic {
            lat_deg: v.lat_deg,
            lon_deg: v.lon_deg,
            alt_amsl_m: v.alt_amsl_m,
        };
        let (view, alt_amsl_m) = self.viewing_point(here, req.place, d);
        if !airborne {
            // ArduPilot takes off in GUIDED; PX4 from its Hold, the same call.
            self.gcs
                .set_mode(key, FlightMode::Guided)
                .await
                .map_err(|e| e.to_string())?;
            self.gcs.arm(key, true).await.map_err(|e| e.to_string())?;
            let climb = (alt_amsl_m - v.alt_amsl_m).max(30.0);
            // NAV_TAKEOFF's param 7: ArduPilot reads a height above home, PX4 an altitude
            // above mean sea level.
            let param7 = match v.mode().numbering {
                ModeNumbering::ArduCopter => climb,
                ModeNumbering::Px4 => v.alt_amsl_m - v.alt_rel_home_m + climb,
            } as f32;
            self.gcs
                .command(
                    key,
                    Command::long(NAV_TAKEOFF, [0.0, 0.0, 0.0, f32::NAN, 0.0, 0.0, param7]),
                )
                .await
                .map_err(|e| e.to_string())?;
            // Climb before going anywhere.
            let began = clock.elapsed_s();
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let v = self.gcs.vehicle(key).ok_or("vehicle lost")?;
                if v.alt_amsl_m >= alt_amsl_m - 10.0 - (alt_amsl_m - v.alt_amsl_m).min(0.0)
                    || v.alt_rel_home_m >= climb - 5.0
                {
                    break;
                }
                if clock.elapsed_s() - began > 600.0 {
                    return Err("take-off did not reach its height in 10 min".into());
                }
            }
        }
        let cmd = Command {
            command: DO_REPOSITION,
            params: [
                -1.0,
                1.0,
                0.0,
                f32::NAN,
                view.lat_deg as f32,
                view.lon_deg as f32,
                alt_amsl_m as f32,
            ],
            int_frame: Some(FRAME_GLOBAL),
        };
        self.gcs
            .command(key, cmd)
            .await
            .map_err(|e| e.to_string())?;
        // Fly there.
        let began = clock.elapsed_s();
        let budget_s = horizontal_m(here, view) / d.cruise_speed_mps.max(0.1) * 2.0 + 300.0;
        // The mode is known from heartbeats (1 Hz): it shows GUIDED some time after the
        // command was accepted; only a change after that means someone else took over.
        let mut seen_guided = false;
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let v = self.gcs.vehicle(key).ok_or("vehicle lost")?;
            if !v.armed {
                return Err("the vehicle landed on the way (failsafe?)".into());
            }
            let guided = v.mode().is(FlightMode::Guided);
            if seen_guided && !guided {
                return Err(format!(
                    "the vehicle left {} (now {})",
                    v.mode().numbering.name(FlightMode::Guided),
                    v.mode()
                ));
            }
            seen_guided |= guided;
            let at = Geodetic {
                lat_deg: v.lat_deg,
                lon_deg: v.lon_deg,
                alt_amsl_m: v.alt_amsl_m,
            };
            if horizontal_m(at, view) <= self.settings.arrive_within_m {
                break;
            }
            if clock.elapsed_s() - began > budget_s {
                return Err("not on scene in twice the expected time".into());
            }
        }
        let now_us = clock.now_unix_us();
        let taken_s = now_us.saturating_sub(req.raised_at_unix_us) as f64 / 1e6;
        let note = format!("{} on scene {:.0} s after the alert", d.id, taken_s);
        self.transition(req, AlertState::OnScene, now_us, &note);
        if let Some(mut ver) = self.verifications.get(req.incident_key) {
            ver.on_scene_since_unix_us = Some(now_us);
            self.verifications.set(req.incident_key, ver);
        }
        say(DispatchEvent::OnScene {
            alert: req.alert,
            drone_id: d.id.clone(),
            after_s: taken_s,
            loiter_s: self.settings.loiter_s,
        });
        // Look: hold at the viewing point (GUIDED holds where it arrived).
        let until = clock.elapsed_s() + self.settings.loiter_s;
        while clock.elapsed_s() < until {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let confirmed = self
            .verifications
            .get(req.incident_key)
            .is_some_and(|v| v.confirmed);
        if !confirmed {
            say(DispatchEvent::NothingMoreSeen {
                alert: req.alert,
                drone_id: d.id.clone(),
            });
        }
        if airborne {
            // AUTO continues the mission at its current item.
            self.gcs
                .set_mode(key, FlightMode::Auto)
                .await
                .map_err(|e| e.to_string())?;
            say(DispatchEvent::ResumesSortie {
                drone_id: d.id.clone(),
            });
        } else {
            self.gcs
                .set_mode(key, FlightMode::Rtl)
                .await
                .map_err(|e| e.to_string())?;
            say(DispatchEvent::ReturnsToBase {
                drone_id: d.id.clone(),
            });
            let began = clock.elapsed_s();
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let v = self.gcs.vehicle(key).ok_or("vehicle lost")?;
                if !v.armed {
                    break;
                }
                if clock.elapsed_s() - began > 3600.0 {
                    return Err("not back at base within an hour".into());
                }
            }
        }
        Ok(())
    }

    /// Waits until the vehicle is disarmed (or lost), at most `limit_s` of mission time.
    async fn wait_disarmed(&self, system_id: u8, limit_s: f64) {
        let clock = self.gcs.clock();
        let began = clock.elapsed_s();
        while clock.elapsed_s() - began < limit_s {
            match self.gcs.find(system_id).and_then(|k| self.gcs.vehicle(k)) {
                Some(v) if v.armed && !v.lost => {}
                _ => return,
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// After a failed verification, never leave the vehicle armed on the pad or hovering in
    /// GUIDED: disarm it on the ground; in the air, give a diverted drone its sortie back
    /// (AUTO) and send a launched one home (RTL). Retried a few times over a lossy link.
    async fn recover(&self, d: &Drone, diverted: bool, bus: &EventBus) {
        let say = |e: DispatchEvent| bus.publish(ShiftEventKind::Dispatch(e));
        let Some(key) = self.gcs.find(d.system_id) else {
            return;
        };
        for _ in 0..3 {
            let Some(v) = self.gcs.vehicle(key) else {
                return;
            };
            let airborne = v.armed && v.landed_state != 1;
            let r = if !v.armed {
                return;
            } else if !airborne {
                self.gcs.arm(key, false).await
            } else if !v.mode().is(FlightMode::Guided) {
                // Someone (the pilot, a failsafe) has taken over: leave it.
                return;
            } else if diverted {
                self.gcs.set_mode(key, FlightMode::Auto).await
            } else {
                self.gcs.set_mode(key, FlightMode::Rtl).await
            };
            match r {
                Ok(()) => {
                    let how = if !airborne {
                        Recovery::Disarmed
                    } else if diverted {
                        Recovery::BackOnSortie
                    } else {
                        Recovery::SentHome
                    };
                    say(DispatchEvent::Recovered {
                        drone_id: d.id.clone(),
                        how,
                    });
                    return;
                }
                Err(error) => say(DispatchEvent::RecoveryFailed {
                    drone_id: d.id.clone(),
                    error,
                }),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Where to look from, and at what height above mean sea level: for a nadir camera the
    /// scene itself; for an oblique one, short of it on the approach so that the scene is in
    /// the middle of the image. The height clears the highest ground on the way.
    fn viewing_point(&self, from: Geodetic, scene: Geodetic, d: &Drone) -> (Geodetic, f64) {
        let agl = self.settings.clearance_agl_m;
        let pitch = d.camera.gimbal_pitch_deg.clamp(-90.0, -10.0);
        let standoff_m = agl / (-pitch).to_radians().tan();
        let dist = horizontal_m(from, scene).max(1.0);
        let k = (standoff_m / dist).min(1.0);
        let view = Geodetic {
            lat_deg: scene.lat_deg + (from.lat_deg - scene.lat_deg) * k,
            lon_deg: scene.lon_deg + (from.lon_deg - scene.lon_deg) * k,
            alt_amsl_m: scene.alt_amsl_m,
        };
        let highest = self
            .terrain
            .profile(from, view, 30.0)
            .iter()
            .filter_map(|p| p.elevation_amsl_m)
            .fold(scene.alt_amsl_m, f64::max);
        (view, highest + agl)
    }
}
