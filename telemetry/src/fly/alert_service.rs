//! Starts the alerting side of a flight: the tap on the ground service, the alert store, the
//! external-alarm inputs (a UDP port, files), the alerting task and the dispatcher.
//!
//! Order matters: the [`Tap`] must be in the service's config before it starts, and the
//! dispatcher needs the running service; so [`AlertService::tap`] comes first, then
//! [`crate::gcs::Gcs::start`], then [`AlertService::start`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use patrol_planner::area::Area;
use patrol_planner::area::fleet::Drone;
use patrol_planner::plan::model::Plan;
use patrol_planner::terrain::Terrain;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::alarms::check::AlarmCheck;
use crate::alarms::external::AlarmCounters;
use crate::alarms::source::{AlarmListener, SharedCounters, read_alarm_file};
use crate::alerts::store::AlertStore;
use crate::detect::geotag::{ErrorModel, GeotagLimits};
use crate::detect::incident::{FusionSettings, IncidentTracker};
use crate::detect::intake::{DetectionIntake, INTAKE_MESSAGE_IDS, IntakeSettings};
use crate::detect::pose::PoseLimits;
use crate::fly::alerting::{Alerting, AlertingStats, Verifications};
use crate::fly::dispatch::{DispatchSettings, Dispatcher, FleetTasks};
use crate::gcs::Gcs;
use crate::gcs::tap::{Tap, Tapped};
use crate::shift::bus::EventBus;
use crate::shift::event::{AlarmEvent, ShiftEventKind};

/// What to start, besides the plan flown and the store's file (the session's).
#[derive(Debug, Clone)]
pub struct AlertServiceConfig {
    /// The DEM.
    pub terrain: Arc<Terrain>,
    /// The fleet.
    pub fleet: Vec<Drone>,
    /// The area's risk map, for the danger class of alerts outside the patrolled cells.
    pub risk: Option<Arc<patrol_planner::risk::cells::RiskMap>>,
    /// A local UDP address for external alarms (JSON lines), if any.
    pub alarm_udp: Option<SocketAddr>,
    /// Files of external alarms (JSON lines) read at the start.
    pub alarm_files: Vec<PathBuf>,
    /// The area's towers: reports may name one instead of giving its position.
    pub towers: Vec<patrol_planner::area::watch_layers::Tower>,
    /// Dispatch settings; `None` raises alerts without sending drones.
    pub dispatch: Option<DispatchSettings>,
    /// Intake settings.
    pub intake: IntakeSettings,
    /// Fusion settings.
    pub fusion: FusionSettings,
}

impl AlertServiceConfig {
    /// Alerting over `area` with the default geotagging, fusion and dispatch, the fleet's
    /// cameras, and no external-alarm input.
    pub fn for_area(area: &Area) -> AlertServiceConfig {
        AlertServiceConfig {
            terrain: Arc::new(area.terrain.clone()),
            fleet: area.fleet.drones.clone(),
            risk: area.risk.clone().map(Arc::new),
            alarm_udp: None,
            alarm_files: Vec::new(),
            towers: area.towers.clone(),
            dispatch: Some(DispatchSettings::default()),
            intake: IntakeSettings {
                errors: ErrorModel::default(),
                limits: GeotagLimits::default(),
                pose: PoseLimits::default(),
                fleet_cameras: area
                    .fleet
                    .drones
                    .iter()
                    .map(|d| (d.system_id, d.camera.clone()))
                    .collect(),
            },
            fusion: FusionSettings::default(),
        }
    }
}

/// Starting failed.
#[derive(Debug, thiserror::Error)]
pub enum AlertServiceError {
    /// The store.
    #[error(transparent)]
    Store(#[from] crate::alerts::store::StoreError),
    /// The UDP port.
    #[error(transparent)]
    Listen(#[from] crate::alarms::source::ListenError),
    /// An alarm file.
    #[error(transparent)]
    AlarmFile(#[from] crate::alarms::source::AlarmFileError),
}

/// The running alerting side.
#[derive(Debug)]
pub struct AlertService {
    /// What the alerting task has done so far.
    pub stats: Arc<Mutex<AlertingStats>>,
    /// The store (shared with the tasks).
    pub store: Arc<Mutex<AlertStore>>,
    /// The UDP port's address, if one was opened.
    pub alarm_addr: Option<SocketAddr>,
    alarm_counters: Option<SharedCounters>,
    /// Held for its drop count; dropped at the end so that the tap can close.
    tap: Option<Tap>,
    file_counters: AlarmCounters,
    alarm_tx: Option<mpsc::Sender<crate::alarms::external::ExternalAlarm>>,
    tasks: Vec<JoinHandle<()>>,
    alerting: JoinHandle<()>,
}

impl AlertService {
    /// The tap to give the ground service.
    pub fn tap() -> (Tap, mpsc::Receiver<Tapped>) {
        Tap::new(&INTAKE_MESSAGE_IDS, 65_536)
    }

    /// Opens the store at `db_path` (created if absent) and the alarm inputs, and starts the
    /// tasks for the flight of `plan`.
    pub async fn start(
        config: AlertServiceConfig,
        db_path: &Path,
        plan: &Plan,
        gcs: &Gcs,
        (tap, tap_rx): (Tap, mpsc::Receiver<Tapped>),
        bus: EventBus,
        tasks: FleetTasks,
    ) -> Result<AlertService, AlertServiceError> {
        let store = Arc::new(Mutex::new(AlertStore::open(db_path)?));
        let (alarm_tx, alarm_rx) = mpsc::channel(4096);
        let mut handles = Vec::new();
        let mut file_counters = AlarmCounters::default();
        let mut from_files = Vec::new();
        let check = AlarmCheck::new(&config.towers);
        let clock = gcs.clock();
        for path in &config.alarm_files {
            let file = read_alarm_file(path, &check, clock.now_unix_us() as i64)?;
            for bad in &file.rejected {
                bus.publish(ShiftEventKind::Alarm(AlarmEvent::FileLineRefused {
                    path: path.clone(),
                    reason: bad.to_string(),
                }));
            }
            file_counters = merge(file_counters, &file.counters);
            from_files.extend(file.alarms);
        }
        let (alarm_addr, alarm_counters) = match config.alarm_udp {
            Some(addr) => {
                let l = AlarmListener::bind(addr).await?;
                let (local, counters) = (l.local_addr(), l.counters());
                handles.push(tokio::spawn(l.run(alarm_tx.clone(), check, clock)));
                (Some(local), Some(counters))
            }
            None => (None, None),
        };
        let verifications = Verifications::default();
        let stats = Arc::new(Mutex::new(AlertingStats::default()));
        let dispatch_tx = match config.dispatch {
            Some(settings) => {
                let (tx, rx) = mpsc::channel(1024);
                let d = Dispatcher {
                    gcs: gcs.clone(),
                    terrain: config.terrain.clone(),
                    plan: plan.clone(),
                    fleet: config.fleet.clone(),
                    store: store.clone(),
                    tasks,
                    verifications: verifications.clone(),
                    settings,
                };
                handles.push(tokio::spawn(d.run(rx, bus.clone())));
                Some(tx)
            }
            None => None,
        };
        let alerting = Alerting {
            terrain: config.terrain.clone(),
            plan: plan.clone(),
            fleet: config.fleet.clone(),
            risk: config.risk.clone(),
            store: store.clone(),
            intake: DetectionIntake::new(config.intake.clone()),
            tracker: IncidentTracker::new(config.fusion),
            verifications,
            stats: stats.clone(),
            pending: Default::default(),
        };
        let alerting = tokio::spawn(alerting.run(tap_rx, alarm_rx, dispatch_tx, bus));
        // Fed once the alerting task reads them: a long file must not fill the queue first.
        {
            let tx = alarm_tx.clone();
            handles.push(tokio::spawn(async move {
                for a in from_files {
                    if tx.send(a).await.is_err() {
                        return;
                    }
                }
            }));
        }
        Ok(AlertService {
            stats,
            store,
            alarm_addr,
            alarm_counters,
            tap: Some(tap),
            file_counters,
            alarm_tx: Some(alarm_tx),
            tasks: handles,
            alerting,
        })
    }

    /// Tapped messages dropped because the alerting task was behind.
    pub fn tap_dropped(&self) -> u64 {
        self.tap.as_ref().map_or(0, Tap::dropped)
    }

    /// External alarms accepted and rejected (files and UDP together).
    pub fn alarm_counters(&self) -> AlarmCounters {
        let udp = self
            .alarm_counters
            .as_ref()
            .map(|c| c.snapshot())
            .unwrap_or_default();
        merge(self.file_counters.clone(), &udp)
    }

    /// Stops the inputs, lets the alerting task drain what it has (the ground service must
    /// have been shut down, which closes the tap) and returns its final figures.
    pub async fn finish(mut self) -> AlertingStats {
        for t in &self.tasks {
            t.abort();
        }
        self.alarm_tx.take();
        // The tap's last sender: once the service has stopped, the alerting task sees the tap
        // close and ends as soon as it has drained it.
        self.tap.take();
        let alerting = std::mem::replace(&mut self.alerting, tokio::spawn(async {}));
        // The listener task holds a sender too: aborted above, so the channel closes.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), alerting).await;
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn merge(mut a: AlarmCounters, b: &AlarmCounters) -> AlarmCounters {
    a.accepted += b.accepted;
    for (k, v) in &b.rejected {
        *a.rejected.entry(k).or_insert(0) += v;
    }
    a
}
