//! [`Gcs`]: the handle callers hold on the ground service, and what it is started with.
//!
//! The handle only sends requests to the service's actor ([`super::hub`]) and reads the
//! snapshot it publishes; it owns no protocol state.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use patrol_planner::plan::model::MissionItem;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::command::{Command, CommandError};
use super::event::GcsEvent;
use super::hub::Hub;
use super::transfer::TransferError;
use super::vehicle::{Vehicle, VehicleKey};
use crate::clock::MissionClock;
use crate::mav::FlightMode;
use crate::mav::dialect::{MavMessage, MavModeFlag};
use crate::mav::endpoint::Endpoint;
use crate::mav::link::{Link, LinkError, LinkOptions, LinkStats};
use crate::mav::mission_item::ListKind;
use crate::mav::signing::SigningKey;
use crate::run_dir::RunDir;

/// How the service is set up.
#[derive(Debug, Clone)]
pub struct GcsConfig {
    /// Links to open.
    pub endpoints: Vec<Endpoint>,
    /// Signing key for every link.
    pub signing: Option<SigningKey>,
    /// The run directory that gets one tlog per vehicle; `None` records nothing.
    pub tlog_dir: Option<RunDir>,
    /// The mission clock (tlog timestamps).
    pub clock: MissionClock,
    /// Message rates to ask every vehicle for: (message id, Hz).
    pub stream_rates_hz: Vec<(u32, f64)>,
    /// Where to copy chosen messages (the detection pipeline); `None` copies nothing.
    pub tap: Option<super::tap::Tap>,
    /// Links to another ground station (QGroundControl, Mission Planner, MAVProxy) beside
    /// this one, as MAVProxy's `--out`: every frame from a vehicle is copied to them, and
    /// every frame from them goes to the vehicles unchanged.
    pub outputs: Vec<Endpoint>,
    /// This ground station's MAVLink system id: [`crate::mav::dialect::GCS_SYSTEM_ID`] (255, what ArduPilot's
    /// `SYSID_MYGCS` expects), or another when a second ground station uses 255.
    pub system_id: u8,
}

/// The telemetry rates a patrol needs: position and attitude for the view and the tlog,
/// status and battery for decisions, mission progress, time for log viewers.
pub fn default_stream_rates() -> Vec<(u32, f64)> {
    vec![
        (33, 4.0),  // GLOBAL_POSITION_INT
        (30, 4.0),  // ATTITUDE
        (1, 1.0),   // SYS_STATUS
        (147, 1.0), // BATTERY_STATUS
        (24, 1.0),  // GPS_RAW_INT
        (74, 2.0),  // VFR_HUD
        (42, 1.0),  // MISSION_CURRENT
        (2, 1.0),   // SYSTEM_TIME
        (245, 1.0), // EXTENDED_SYS_STATE
        (242, 0.2), // HOME_POSITION
    ]
}

/// What a handle asks the actor to do.
pub(super) enum Request {
    Transfer {
        key: VehicleKey,
        upload: Option<Vec<MissionItem>>,
        kind: ListKind,
        reply: oneshot::Sender<Result<Vec<MissionItem>, TransferError>>,
    },
    Command {
        key: VehicleKey,
        cmd: Command,
        reply: Option<oneshot::Sender<Result<(), CommandError>>>,
    },
    Send {
        key: VehicleKey,
        msg: Box<MavMessage>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Request")
    }
}

/// What callers can read at any time.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Every vehicle heard, by key.
    pub vehicles: Vec<Vehicle>,
    /// Counters of every link.
    pub links: Vec<LinkStats>,
    /// Frames that passed framing but failed to decode.
    pub decode_errors: u64,
}

impl Snapshot {
    /// The vehicle with `system_id` that is not a duplicate and was heard most recently.
    pub fn find(&self, system_id: u8) -> Option<&Vehicle> {
        self.vehicles
            .iter()
            .filter(|v| v.key.system_id == system_id && v.duplicate_of.is_none())
            .max_by_key(|v| v.last_heartbeat)
    }
}

/// A handle on the running service.
#[derive(Debug, Clone)]
pub struct Gcs {
    req: mpsc::UnboundedSender<Request>,
    events: broadcast::Sender<GcsEvent>,
    /// A receiver made before the links could say anything, for the first who asks.
    from_start: Arc<Mutex<Option<broadcast::Receiver<GcsEvent>>>>,
    snapshot: Arc<Mutex<Snapshot>>,
    clock: MissionClock,
}

/// Starting the service failed.
#[derive(Debug, thiserror::Error)]
pub enum GcsError {
    /// A link could not be opened.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The tlog directory cannot be created.
    #[error("cannot create the run directory {path}: {source}")]
    RunDir {
        /// Directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

fn stopped() -> String {
    "the ground service has stopped".to_string()
}

impl Gcs {
    /// Opens the links and starts the service.
    pub async fn start(config: GcsConfig) -> Result<Gcs, GcsError> {
        if let Some(dir) = &config.tlog_dir {
            std::fs::create_dir_all(dir.path()).map_err(|source| GcsError::RunDir {
                path: dir.path().to_path_buf(),
                source,
            })?;
        }
        let (link_tx, link_rx) = mpsc::channel(65_536);
        let mut links = Vec::new();
        for (i, e) in config.endpoints.iter().enumerate() {
            let options = LinkOptions {
                signing: config.signing.clone(),
                impairment: None,
            };
            links.push(Link::open(i as u8, e.clone(), options, link_tx.clone()).await?);
        }
        // Outputs after the vehicle links; they carry what the other ground station has
        // (no signing: it cannot be assumed to hold the key).
        for (i, e) in config.outputs.iter().enumerate() {
            let id = (config.endpoints.len() + i) as u8;
            links.push(Link::open(id, e.clone(), LinkOptions::default(), link_tx.clone()).await?);
        }
        let (req_tx, req_rx) = mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = broadcast::channel(4096);
        let snapshot = Arc::new(Mutex::new(Snapshot::default()));
        let hub = Hub::new(config.clone(), links, ev_tx.clone(), snapshot.clone());
        tokio::spawn(hub.run(link_rx, req_rx));
        Ok(Gcs {
            req: req_tx,
            events: ev_tx,
            from_start: Arc::new(Mutex::new(Some(ev_rx))),
            snapshot,
            clock: config.clock,
        })
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<GcsEvent> {
        self.events.subscribe()
    }

    /// Every event since the service started (a serial port that would not open is said at
    /// once, before any caller could subscribe), for the first caller; later callers get
    /// events from now on, as [`Gcs::subscribe`].
    pub fn subscribe_from_start(&self) -> broadcast::Receiver<GcsEvent> {
        self.from_start
            .lock()
            .ok()
            .and_then(|mut r| r.take())
            .unwrap_or_else(|| self.events.subscribe())
    }

    /// The current state of every vehicle and link.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The mission clock.
    pub fn clock(&self) -> MissionClock {
        self.clock
    }

    /// The vehicle with `system_id` that is not a duplicate and was heard most recently.
    pub fn find(&self, system_id: u8) -> Option<VehicleKey> {
        let snap = self.snapshot.lock().ok()?;
        snap.find(system_id).map(|v| v.key)
    }

    /// The latest state of one vehicle (without copying the others).
    pub fn vehicle(&self, key: VehicleKey) -> Option<Vehicle> {
        let snap = self.snapshot.lock().ok()?;
        snap.vehicles.iter().find(|v| v.key == key).cloned()
    }

    /// Waits until a vehicle with `system_id` is heard, up to `timeout`.
    pub async fn wait_for(&self, system_id: u8, timeout: Duration) -> Option<VehicleKey> {
        let until = Instant::now() + timeout;
        loop {
            if let Some(k) = self.find(system_id) {
                return Some(k);
            }
            if Instant::now() >= until {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Uploads `items` as the vehicle's `kind` list.
    pub async fn upload(
        &self,
        key: VehicleKey,
        kind: ListKind,
        items: Vec<MissionItem>,
    ) -> Result<(), TransferError> {
        let (tx, rx) = oneshot::channel();
        self.req
            .send(Request::Transfer {
                key,
                upload: Some(items),
                kind,
                reply: tx,
            })
            .map_err(|_| TransferError::Aborted(stopped()))?;
        rx.await
            .map_err(|_| TransferError::Aborted(stopped()))?
            .map(|_| ())
    }

    /// Downloads the vehicle's `kind` list.
    pub async fn download(
        &self,
        key: VehicleKey,
        kind: ListKind,
    ) -> Result<Vec<MissionItem>, TransferError> {
        let (tx, rx) = oneshot::channel();
        self.req
            .send(Request::Transfer {
                key,
                upload: None,
                kind,
                reply: tx,
            })
            .map_err(|_| TransferError::Aborted(stopped()))?;
        rx.await.map_err(|_| TransferError::Aborted(stopped()))?
    }

    /// Sends a command and waits for its acknowledgement.
    pub async fn command(&self, key: VehicleKey, cmd: Command) -> Result<(), CommandError> {
        let (tx, rx) = oneshot::channel();
        self.req
            .send(Request::Command {
                key,
                cmd,
                reply: Some(tx),
            })
            .map_err(|_| CommandError::Aborted(stopped()))?;
        rx.await.map_err(|_| CommandError::Aborted(stopped()))?
    }

    /// Sends a message to a vehicle without waiting for anything.
    pub fn send(&self, key: VehicleKey, msg: MavMessage) {
        let _ = self.req.send(Request::Send {
            key,
            msg: Box::new(msg),
        });
    }

    /// Changes the flight mode (MAV_CMD_DO_SET_MODE with a custom mode), numbered as the
    /// vehicle's heartbeat says its autopilot numbers modes.
    pub async fn set_mode(&self, key: VehicleKey, mode: FlightMode) -> Result<(), CommandError> {
        let numbering = self
            .vehicle(key)
            .map(|v| v.mode().numbering)
            .unwrap_or_default();
        let base = MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED.bits();
        let (main, sub) = numbering.set_mode_params(mode);
        self.command(
            key,
            Command::long(176, [f32::from(base), main, sub, 0.0, 0.0, 0.0, 0.0]),
        )
        .await
    }

    /// Arms or disarms.
    pub async fn arm(&self, key: VehicleKey, arm: bool) -> Result<(), CommandError> {
        self.command(
            key,
            Command::long(
                400,
                [if arm { 1.0 } else { 0.0 }, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
        )
        .await
    }

    /// Stops the service, flushing every tlog.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.req.send(Request::Shutdown { reply: tx }).is_ok() {
            let _ = rx.await;
        }
    }
}
