//! [`FlightSession`]: one running shift, the same for `patrol fly` and `patrol demo`.
//!
//! [`FlightSession::start`] writes the run's metadata (`plan.json`, `run.json`), opens the
//! event log, starts the ground service on the links, forwards its vehicle events onto the
//! session's [`EventBus`], and starts the alerting side (store, alarm inputs, geotagging,
//! dispatch). [`FlightSession::fly`] flies the plan and waits for verification flights, or
//! stops early when told. [`FlightSession::finish`] shuts the service down, lets the alerting
//! side drain, publishes the last event and returns what the front ends summarise.
//!
//! Front ends (the binary's `fly` command, the demo) keep only their arguments, progress and
//! exit codes; whatever else wants to follow the shift subscribes to [`FlightSession::bus`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use patrol_planner::plan::model::Plan;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use patrol_planner::plan::shift_clock::ShiftClock;

use crate::alarms::external::AlarmCounters;
use crate::clock::MissionClock;
use crate::fly::alert_service::{AlertService, AlertServiceConfig, AlertServiceError};
use crate::fly::alerting::AlertingStats;
use crate::fly::control::{ControlTx, ShiftControl};
use crate::fly::sorties::{FlyOptions, fly_plan};
use crate::gcs::{Gcs, GcsConfig, GcsError, Snapshot};
use crate::mav::endpoint::Endpoint;
use crate::mav::signing::SigningKey;
use crate::run_dir::{RunDir, RunInfo, RunInfoError};

use super::bus::EventBus;
use super::event::{DispatchEvent, DroneRef, ServiceEvent, ShiftEventKind};
use super::event_log::EventLog;
use super::progress::{DroneOutcome, FleetProgress, ProgressTracker};

/// What a session needs.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The plan to fly.
    pub plan: Plan,
    /// Where the run is recorded (must not hold a run).
    pub run_dir: RunDir,
    /// The patrol area's directory, recorded in `run.json` for the replay.
    pub area_dir: PathBuf,
    /// Links to the vehicles.
    pub endpoints: Vec<Endpoint>,
    /// Links to another ground station beside this one ([`GcsConfig::outputs`]).
    pub outputs: Vec<Endpoint>,
    /// This ground station's MAVLink system id ([`GcsConfig::system_id`]).
    pub gcs_system_id: u8,
    /// MAVLink 2 signing key for every link.
    pub signing: Option<SigningKey>,
    /// The mission clock (shift time zero is its start).
    pub clock: MissionClock,
    /// Message rates to ask every vehicle for: (message id, Hz).
    pub stream_rates_hz: Vec<(u32, f64)>,
    /// The alerting side; `None` flies without alerts.
    pub alerting: Option<AlertServiceConfig>,
    /// How to fly; `max_sorties: Some(0)` only follows the vehicles until stopped.
    pub fly: FlyOptions,
    /// How long (wall) to wait for verification flights after the last sortie.
    pub verification_wait: Duration,
    /// Echo every event line on stdout.
    pub echo: bool,
}

/// A session cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The plan cannot be written into the run directory.
    #[error(transparent)]
    Plan(#[from] patrol_planner::export::ExportError),
    /// `run.json` cannot be written.
    #[error(transparent)]
    RunInfo(#[from] RunInfoError),
    /// The event log cannot be created.
    #[error("cannot create the event log {path}: {source}")]
    EventLog {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The ground service cannot start (a link cannot open).
    #[error(transparent)]
    Gcs(#[from] GcsError),
    /// The alerting side cannot start (the store, the alarm port or an alarm file).
    #[error(transparent)]
    Alerts(#[from] AlertServiceError),
}

/// Why a session stopped before its work was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The run's time limit.
    TimeLimit,
    /// The user interrupted it.
    Interrupted,
}

/// How [`FlightSession::fly`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlightEnd {
    /// Every drone is done and verification flights are back (or were waited for).
    Done,
    /// Stopped early; vehicles keep flying their missions.
    Stopped(Stop),
}

/// What the alerting side did, at the end.
#[derive(Debug, Clone)]
pub struct AlertingSummary {
    /// The alerting task's figures.
    pub stats: AlertingStats,
    /// External alarms accepted and refused (files and UDP).
    pub alarm_counters: AlarmCounters,
    /// Tapped messages dropped because the alerting task was behind.
    pub tap_dropped: u64,
}

/// What a finished session leaves for its front end.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    /// Every drone's outcome.
    pub outcomes: Vec<DroneOutcome>,
    /// The vehicles and links at the end.
    pub snapshot: Snapshot,
    /// The alerting side, if it ran.
    pub alerting: Option<AlertingSummary>,
}

/// A running shift.
#[derive(Debug)]
pub struct FlightSession {
    plan: Plan,
    run_dir: RunDir,
    fly: FlyOptions,
    verification_wait: Duration,
    gcs: Gcs,
    bus: EventBus,
    alerts: Option<AlertService>,
    log: EventLog,
    progress: ProgressTracker,
    forwarder: JoinHandle<()>,
    control: ControlTx,
    /// `run.json` as written at the start; its end is added when the session finishes.
    info: RunInfo,
    clock: MissionClock,
}

impl FlightSession {
    /// Records the run's metadata and starts the service, the event subscribers and the
    /// alerting side.
    pub async fn start(config: SessionConfig) -> Result<FlightSession, SessionError> {
        let SessionConfig {
            plan,
            run_dir,
            area_dir,
            endpoints,
            outputs,
            gcs_system_id,
            signing,
            clock,
            stream_rates_hz,
            alerting,
            fly,
            verification_wait,
            echo,
        } = config;
        run_dir.write_plan(&plan)?;
        // The replay's shift time zero (`patrol view`).
        let info = RunInfo::of(&clock, &area_dir);
        run_dir.write_info(&info)?;
        let bus = EventBus::new(clock);
        // Subscribed before anything can publish.
        let log = EventLog::start(
            &run_dir.events_log(),
            bus.subscribe(),
            ShiftClock::for_run(&plan.shift, clock.start_unix_us() as i64, clock.speedup()),
            echo,
        )
        .map_err(|source| SessionError::EventLog {
            path: run_dir.events_log(),
            source,
        })?;
        let progress = ProgressTracker::start(FleetProgress::new(&plan), bus.subscribe());
        let (tap, tap_rx) = AlertService::tap();
        let gcs = Gcs::start(GcsConfig {
            endpoints,
            signing,
            tlog_dir: Some(run_dir.clone()),
            clock,
            stream_rates_hz,
            tap: alerting.is_some().then(|| tap.clone()),
            outputs,
            system_id: gcs_system_id,
        })
        .await?;
        let forwarder = tokio::spawn(forward_vehicle_events(
            gcs.clone(),
            plan.clone(),
            bus.clone(),
        ));
        let alerts = match alerting {
            Some(config) => Some(
                AlertService::start(
                    config,
                    &run_dir.alerts_db(),
                    &plan,
                    &gcs,
                    (tap, tap_rx),
                    bus.clone(),
                    fly.tasks.clone(),
                )
                .await?,
            ),
            None => None,
        };
        let (control, control_rx) = ControlTx::new();
        let fly = FlyOptions {
            control: control_rx,
            ..fly
        };
        Ok(FlightSession {
            control,
            plan,
            run_dir,
            fly,
            verification_wait,
            gcs,
            bus,
            alerts,
            log,
            progress,
            forwarder,
            info,
            clock,
        })
    }

    /// The ground service.
    pub fn gcs(&self) -> &Gcs {
        &self.gcs
    }

    /// The session's events.
    pub fn bus(&self) -> &EventBus {
        &self.bus
    }

    /// The run directory.
    pub fn run_dir(&self) -> &RunDir {
        &self.run_dir
    }

    /// The plan flown.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The UDP address external alarms are taken on, if one was opened.
    pub fn alarm_addr(&self) -> Option<SocketAddr> {
        self.alerts.as_ref().and_then(|a| a.alarm_addr)
    }

    /// The crew's instruction to the running shift: no new sortie, or recall the airborne
    /// drones (RTL). It only escalates; returns whether it changed, and says so on the bus.
    pub fn control(&self, to: ShiftControl) -> bool {
        if !self.control.escalate(to) {
            return false;
        }
        let airborne = self
            .gcs
            .snapshot()
            .vehicles
            .iter()
            .filter(|v| v.duplicate_of.is_none() && v.armed && !v.lost)
            .count();
        self.bus.publish(ShiftEventKind::Service(match to {
            ShiftControl::Run => return true,
            ShiftControl::NoNewSorties => ServiceEvent::NoNewSorties { airborne },
            ShiftControl::Recall => ServiceEvent::Recall { airborne },
        }));
        true
    }

    /// The crew's instruction now.
    pub fn control_now(&self) -> ShiftControl {
        self.control.get()
    }

    /// Every drone's progress so far.
    pub fn progress(&self) -> Vec<DroneOutcome> {
        self.progress.snapshot()
    }

    /// The latest `n` event lines.
    pub fn recent_lines(&self, n: usize) -> Vec<String> {
        self.log.recent(n)
    }

    /// Flies the plan, then waits for verification flights; returns early when `stop`
    /// completes (vehicles keep flying their missions). With `max_sorties: Some(0)` it only
    /// follows the vehicles until stopped.
    pub async fn fly(&self, stop: impl Future<Output = Stop>) -> FlightEnd {
        let work = async {
            if self.fly.max_sorties == Some(0) {
                std::future::pending::<()>().await;
            }
            fly_plan(&self.plan, &self.gcs, &self.bus, &self.fly).await;
            // A drone sent to verify an alert is brought back before the service stops.
            if !self
                .fly
                .tasks
                .wait_none_verifying(self.verification_wait)
                .await
            {
                self.bus
                    .publish(ShiftEventKind::Dispatch(DispatchEvent::StillVerifying {
                        waited_s: self.verification_wait.as_secs(),
                    }));
            }
        };
        tokio::select! {
            () = work => FlightEnd::Done,
            why = stop => {
                self.bus.publish(ShiftEventKind::Service(match why {
                    Stop::TimeLimit => ServiceEvent::TimeLimitReached,
                    Stop::Interrupted => ServiceEvent::Interrupted,
                }));
                FlightEnd::Stopped(why)
            }
        }
    }

    /// Shuts the service down (flushing every tlog), lets the alerting side drain, and ends
    /// the event log with the shift's last event.
    pub async fn finish(self) -> SessionSummary {
        // The run ends now on its clock, not after the shutdown below (seconds of wall time,
        // minutes of a sped-up shift).
        let ended_unix_us = self.clock.now_unix_us();
        let snapshot = self.gcs.snapshot();
        self.gcs.shutdown().await;
        let alerting = match self.alerts {
            Some(service) => {
                let alarm_counters = service.alarm_counters();
                let tap_dropped = service.tap_dropped();
                let stats = service.finish().await;
                Some(AlertingSummary {
                    stats,
                    alarm_counters,
                    tap_dropped,
                })
            }
            None => None,
        };
        self.forwarder.abort();
        self.bus
            .publish(ShiftEventKind::Service(ServiceEvent::Ended));
        let outcomes = self.progress.finish().await;
        self.log.finish().await;
        // The run's end on the mission clock: alert ages are counted to it afterwards.
        let info = RunInfo {
            ended_unix_us: Some(ended_unix_us),
            ..self.info
        };
        if let Err(e) = self.run_dir.write_info(&info) {
            tracing::warn!("{e}");
        }
        SessionSummary {
            outcomes,
            snapshot,
            alerting,
        }
    }
}

/// The ground service's vehicle and link events, named by the plan's drones, onto the bus.
async fn forward_vehicle_events(gcs: Gcs, plan: Plan, bus: EventBus) {
    let mut rx = gcs.subscribe_from_start();
    let drone = |system_id: u8| DroneRef {
        drone_id: plan
            .drones
            .iter()
            .find(|d| d.system_id == system_id)
            .map(|d| d.drone_id.clone()),
        system_id,
    };
    loop {
        match rx.recv().await {
            Ok(ev) => bus.publish_at(
                ev.at_unix_us,
                ShiftEventKind::Vehicle {
                    drone: ev.vehicle.map(|k| drone(k.system_id)),
                    key: ev.vehicle,
                    event: ev.kind,
                },
            ),
            Err(RecvError::Lagged(count)) => {
                bus.publish(ShiftEventKind::Service(ServiceEvent::EventsDropped {
                    count,
                }))
            }
            Err(RecvError::Closed) => return,
        }
    }
}
