//! A simulated fleet on one link: N [`Autopilot`]s sharing a socket, serial port or TCP
//! connection, as several vehicles share a telemetry radio network.
//!
//! A 20 ms wall-clock tick advances every flight by the elapsed wall time times the speed-up
//! and sends what is due. Faults are injected through [`SimFleet`]: loss, latency and a baud
//! limit on the link ([`Impairment`]), the whole link dropping, one vehicle going silent, a
//! battery failing.
//!
//! With [`SimConfig::detector`] set, each vehicle also carries a simulated onboard fire detector
//! ([`Detector`]) that sends what its camera sees of the [`FireField`]'s fires from the camera
//! component ([`CAMERA_COMPONENT_ID`]); the truth behind every detection is kept for scoring
//! ([`SimFleet::detection_truth`]).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mavlink::MavHeader;
use patrol_planner::area::Area;
use patrol_planner::area::fleet::Drone;
use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::plan::energy::Wind;
use patrol_planner::terrain::Terrain;
use tokio::sync::{mpsc, oneshot};

use crate::clock::MissionClock;
use crate::mav::dialect::{AUTOPILOT_COMPONENT_ID, CAMERA_COMPONENT_ID, MavMessage};
use crate::mav::endpoint::Endpoint;
use crate::mav::frame::Frame;
use crate::mav::link::{Destination, Link, LinkError, LinkEvent, LinkOptions, LinkStats};
use crate::mav::shaper::Impairment;
use crate::mav::signing::SigningKey;
use crate::sim::autopilot::Autopilot;
use crate::sim::detector::{DetectionTruth, Detector, DetectorConfig, DetectorError};
use crate::sim::fire::FireField;
use crate::sim::flight::{FlightConfig, FlightModel, VehicleState};

/// Wall time between simulation ticks.
pub const TICK: Duration = Duration::from_millis(20);

/// A vehicle to simulate: its drone and where it starts.
#[derive(Debug, Clone)]
pub struct SimDrone {
    /// The drone (system id, performance, autopilot).
    pub drone: Drone,
    /// Home: the ground at its base.
    pub home: Geodetic,
}

/// How to run the fleet.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The link to the ground station.
    pub endpoint: Endpoint,
    /// The vehicles.
    pub drones: Vec<SimDrone>,
    /// Terrain under them.
    pub terrain: Arc<Terrain>,
    /// Mission clock (speed-up and SYSTEM_TIME).
    pub clock: MissionClock,
    /// Wind for every vehicle.
    pub wind: Wind,
    /// Seed of GPS noise and loss draws.
    pub seed: u64,
    /// GPS noise, metres (1 sigma, horizontal).
    pub gps_noise_m: f64,
    /// Link impairment.
    pub impairment: Impairment,
    /// Signing key.
    pub signing: Option<SigningKey>,
    /// Ground-truth fires (mission time 0 = the fleet's start); `None`: no fires.
    pub fires: Option<Arc<FireField>>,
    /// The onboard fire detector every vehicle carries; `None`: no detector (and no camera
    /// component on the link).
    pub detector: Option<DetectorConfig>,
}

/// Why a fleet cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The link cannot be opened.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// A vehicle's detector cannot be set up.
    #[error(transparent)]
    Detector(#[from] DetectorError),
}

/// Most detection records a fleet keeps; beyond, new ones are counted and dropped, so that a
/// week-long soak cannot exhaust memory.
pub const MAX_TRUTH_RECORDS: usize = 1_000_000;

/// The truth behind every detection so far.
#[derive(Debug, Clone, Default)]
struct TruthLog {
    records: Vec<DetectionTruth>,
    dropped: u64,
}

/// Picks `count` drones from the area's fleet with their base positions. Beyond the fleet's
/// size the fleet's drones are repeated with new system ids (for load tests), skipping ids
/// already in use; more than 254 vehicles is refused.
pub fn drones_from_area(area: &Area, count: usize) -> Result<Vec<SimDrone>, String> {
    if area.fleet.drones.is_empty() {
        return Err("the area's fleet has no drones".into());
    }
    if count == 0 || count > 254 {
        return Err(format!("--drones must be 1 to 254, not {count}"));
    }
    let mut used: Vec<u8> = area.fleet.drones.iter().map(|d| d.system_id).collect();
    let mut out = Vec::new();
    for i in 0..count {
        let mut d = area.fleet.drones[i % area.fleet.drones.len()].clone();
        if i >= area.fleet.drones.len() {
            let Some(id) = (1..=254u8).find(|id| !used.contains(id)) else {
                return Err("no free system id left".into());
            };
            used.push(id);
            d.system_id = id;
            d.id = format!("{}-copy{}", d.id, i);
        }
        let base = area
            .bases
            .iter()
            .find(|b| b.name == d.home_base)
            .ok_or_else(|| {
                format!(
                    "drone {}: home base '{}' not in the area",
                    d.id, d.home_base
                )
            })?;
        // Drones of one base stand a few metres apart, as on a real launch site.
        let at_base = out
            .iter()
            .filter(|s: &&SimDrone| s.drone.home_base == d.home_base)
            .count();
        let frame = area.terrain.frame();
        let mut enu = frame.geodetic_to_enu(Geodetic {
            lat_deg: base.lat_deg,
            lon_deg: base.lon_deg,
            alt_amsl_m: 0.0,
        });
        enu = Enu {
            east_m: enu.east_m + 4.0 * (at_base % 8) as f64,
            north_m: enu.north_m + 4.0 * (at_base / 8) as f64,
            up_m: enu.up_m,
        };
        let mut home = frame.enu_to_geodetic(enu);
        home.alt_amsl_m = area
            .terrain
            .elevation_amsl_m(home.lat_deg, home.lon_deg)
            .unwrap_or(0.0);
        out.push(SimDrone { drone: d, home });
    }
    Ok(out)
}

enum Control {
    Silence(u8, bool),
    BatteryFault(u8),
    Stop(oneshot::Sender<()>),
}

/// What a running fleet shows: the true state of each vehicle.
#[derive(Debug, Clone, Default)]
pub struct FleetView {
    /// (system id, true state) per vehicle.
    pub vehicles: Vec<(u8, VehicleState)>,
    /// Link counters.
    pub link: LinkStats,
    /// Frames sent per vehicle, by system id.
    pub frames_sent: Vec<(u8, u64)>,
    /// What happened to the link (a port that cannot be opened, a connection made or lost),
    /// in order, for the operator.
    pub link_notes: Vec<String>,
}

/// A running simulated fleet.
#[derive(Debug, Clone)]
pub struct SimFleet {
    control: mpsc::UnboundedSender<Control>,
    view: Arc<Mutex<FleetView>>,
    truth: Arc<Mutex<TruthLog>>,
    fires: Option<Arc<FireField>>,
    impairment: Impairment,
    local_addr: Option<std::net::SocketAddr>,
}

/// One simulated vehicle on the link: its autopilot and, optionally, its camera.
struct SimVehicle {
    autopilot: Autopilot,
    /// Sequence number of the autopilot component's next frame.
    seq: u8,
    /// Frames sent by all its components.
    sent: u64,
    camera: Option<CameraComponent>,
}

/// The camera component of a vehicle, with its own MAVLink sequence numbers.
struct CameraComponent {
    detector: Detector,
    seq: u8,
}

impl SimFleet {
    /// Opens the link and starts simulating; with [`SimConfig::detector`], every vehicle
    /// carries an onboard fire detector looking for [`SimConfig::fires`].
    pub async fn start(config: SimConfig) -> Result<SimFleet, SimError> {
        // Vehicles boot when the fleet starts: detections' UTC stamps count from then.
        let boot_unix_us = config.clock.now_unix_us();
        let fires = config.fires.clone();
        // Detectors first: a bad camera is reported before the link is opened.
        let mut cameras = Vec::with_capacity(config.drones.len());
        for s in &config.drones {
            let camera = match config.detector {
                Some(settings) => Some(CameraComponent {
                    detector: Detector::new(
                        &s.drone,
                        settings,
                        fires.clone().unwrap_or_default(),
                        config.terrain.clone(),
                        boot_unix_us,
                    )?,
                    seq: 0,
                }),
                None => None,
            };
            cameras.push(camera);
        }
        let (ev_tx, ev_rx) = mpsc::channel(65_536);
        let link = Link::open(
            0,
            config.endpoint.clone(),
            LinkOptions {
                signing: config.signing.clone(),
                impairment: Some(config.impairment.clone()),
            },
            ev_tx,
        )
        .await?;
        let local_addr = link.local_addr();
        let speedup = config.clock.speedup();
        let vehicles: Vec<SimVehicle> = config
            .drones
            .iter()
            .zip(cameras)
            .map(|(s, camera)| {
                let mut fc = FlightConfig::for_drone(&s.drone);
                fc.wind = config.wind;
                fc.seed = config.seed ^ u64::from(s.drone.system_id).wrapping_mul(0x9E37_79B9);
                fc.gps_noise_m = config.gps_noise_m;
                // Link timeouts are wall time: scale them into mission seconds.
                fc.gcs_failsafe_s *= speedup;
                fc.idle_disarm_s *= speedup;
                let model = FlightModel::new(&s.drone, s.home, config.terrain.clone(), fc);
                SimVehicle {
                    autopilot: Autopilot::new(&s.drone, model, boot_unix_us),
                    seq: 0,
                    sent: 0,
                    camera,
                }
            })
            .collect();
        let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
        let view = Arc::new(Mutex::new(FleetView::default()));
        let truth = Arc::new(Mutex::new(TruthLog::default()));
        tokio::spawn(run(
            link,
            vehicles,
            config.clock,
            ev_rx,
            ctl_rx,
            view.clone(),
            truth.clone(),
        ));
        Ok(SimFleet {
            control: ctl_tx,
            view,
            truth,
            fires,
            impairment: config.impairment,
            local_addr,
        })
    }

    /// The fires being simulated, if any.
    pub fn fires(&self) -> Option<&Arc<FireField>> {
        self.fires.as_ref()
    }

    /// The truth behind every detection (and every miss) so far, in capture order per
    /// vehicle; at most [`MAX_TRUTH_RECORDS`].
    pub fn detection_truth(&self) -> Vec<DetectionTruth> {
        self.truth
            .lock()
            .map(|t| t.records.clone())
            .unwrap_or_default()
    }

    /// Detection records dropped beyond [`MAX_TRUTH_RECORDS`].
    pub fn detection_truth_dropped(&self) -> u64 {
        self.truth.lock().map(|t| t.dropped).unwrap_or_default()
    }

    /// The bound address of a listening link (`udpin`, `tcpin`).
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.local_addr
    }

    /// Makes vehicle `system_id` silent (sends nothing, hears nothing) or talk again.
    pub fn silence(&self, system_id: u8, silent: bool) {
        let _ = self.control.send(Control::Silence(system_id, silent));
    }

    /// Fails the battery of vehicle `system_id`.
    pub fn battery_fault(&self, system_id: u8) {
        let _ = self.control.send(Control::BatteryFault(system_id));
    }

    /// Takes the whole link down or brings it back.
    pub fn link_down(&self, down: bool) {
        self.impairment.down.store(down, Ordering::Relaxed);
    }

    /// The fleet's current state.
    pub fn view(&self) -> FleetView {
        self.view.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Stops the fleet.
    pub async fn stop(&self) {
        let (tx, rx) = oneshot::channel();
        if self.control.send(Control::Stop(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// Appends a link note to the view (at most a thousand: a flapping link must not grow it
/// without bound).
fn note(view: &Mutex<FleetView>, text: String) {
    if let Ok(mut v) = view.lock()
        && v.link_notes.len() < 1000
    {
        v.link_notes.push(text);
    }
}

async fn run(
    link: Link,
    mut vehicles: Vec<SimVehicle>,
    clock: MissionClock,
    mut ev_rx: mpsc::Receiver<LinkEvent>,
    mut ctl_rx: mpsc::UnboundedReceiver<Control>,
    view: Arc<Mutex<FleetView>>,
    truth: Arc<Mutex<TruthLog>>,
) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = Instant::now();
    let mut out = Vec::new();
    let mut last_view = Instant::now() - Duration::from_secs(1);
    loop {
        tokio::select! {
            ev = ev_rx.recv() => {
                let Some(ev) = ev else { return };
                let rx = match ev {
                    LinkEvent::Frame(rx) => rx,
                    LinkEvent::Up { detail, .. } => {
                        note(&view, format!("link up: {detail}"));
                        continue;
                    }
                    LinkEvent::Down { reason, .. } => {
                        note(&view, format!("link down: {reason}"));
                        continue;
                    }
                };
                let Ok(msg) = rx.frame.decode() else { continue };
                let from = (rx.frame.system_id(), rx.frame.component_id());
                let now = Instant::now();
                for v in vehicles.iter_mut() {
                    if v.autopilot.silent {
                        continue;
                    }
                    out.clear();
                    v.autopilot.handle(&msg, from, now, &mut out);
                    let id = (v.autopilot.system_id(), AUTOPILOT_COMPONENT_ID);
                    send_all(&link, id, &mut v.seq, &mut v.sent, &out);
                }
            }
            c = ctl_rx.recv() => {
                match c {
                    None => return,
                    Some(Control::Stop(reply)) => { let _ = reply.send(()); return; }
                    Some(Control::Silence(id, s)) => {
                        for v in vehicles.iter_mut().filter(|v| v.autopilot.system_id() == id) {
                            v.autopilot.silent = s;
                        }
                    }
                    Some(Control::BatteryFault(id)) => {
                        for v in vehicles.iter_mut().filter(|v| v.autopilot.system_id() == id) {
                            v.autopilot.model_mut().inject_battery_fault();
                        }
                    }
                }
            }
            _ = tick.tick() => {
                let now = Instant::now();
                let dt = now.duration_since(last).as_secs_f64() * clock.speedup();
                last = now;
                for v in vehicles.iter_mut() {
                    out.clear();
                    v.autopilot.tick(now, dt, &mut out);
                    let system_id = v.autopilot.system_id();
                    if !v.autopilot.silent {
                        send_all(&link, (system_id, AUTOPILOT_COMPONENT_ID), &mut v.seq, &mut v.sent, &out);
                    }
                    run_camera(&link, v, &truth);
                }
                if now.duration_since(last_view) >= Duration::from_millis(100) {
                    last_view = now;
                    if let Ok(mut v) = view.lock() {
                        v.vehicles = vehicles.iter().map(|s| (s.autopilot.system_id(), s.autopilot.model().truth())).collect();
                        v.frames_sent = vehicles.iter().map(|s| (s.autopilot.system_id(), s.sent)).collect();
                        v.link = link.stats();
                    }
                }
            }
        }
    }
}

/// Lets a vehicle's camera take its image if one is due, sends what it reports and logs
/// the truth behind it.
fn run_camera(link: &Link, v: &mut SimVehicle, truth: &Mutex<TruthLog>) {
    let Some(cam) = v.camera.as_mut() else {
        return;
    };
    // The autopilot's clock, so that detections line up with ATTITUDE and
    // GLOBAL_POSITION_INT; the true pose, as the image shows the world.
    let model = v.autopilot.model();
    let Some(capture) = cam
        .detector
        .tick(model.time_s(), &model.truth(), &model.state())
    else {
        return;
    };
    // A silent vehicle's camera still sees; its frames are lost.
    if !v.autopilot.silent {
        let from = (v.autopilot.system_id(), CAMERA_COMPONENT_ID);
        send_all(link, from, &mut cam.seq, &mut v.sent, &capture.messages);
    }
    if !capture.truth.is_empty()
        && let Ok(mut log) = truth.lock()
    {
        let room = MAX_TRUTH_RECORDS.saturating_sub(log.records.len());
        log.dropped += capture.truth.len().saturating_sub(room) as u64;
        log.records.extend(capture.truth.into_iter().take(room));
    }
}

/// Sends `msgs` from component `(system id, component id)`, numbering them from `seq`
/// (MAVLink sequence numbers are per component).
fn send_all(link: &Link, from: (u8, u8), seq: &mut u8, sent: &mut u64, msgs: &[MavMessage]) {
    for m in msgs {
        let f = Frame::encode_v2(
            MavHeader {
                system_id: u32::from(from.0),
                component_id: from.1,
                sequence: *seq,
            },
            m,
        );
        *seq = seq.wrapping_add(1);
        *sent += 1;
        link.send(Destination::All, f);
    }
}
