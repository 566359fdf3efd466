//! A simulated fleet on one link: N [`Autopilot`]s sharing a socket, serial port or TCP
//! connection, as several vehicles share a telemetry radio network.
//!
//! A 20 ms wall-clock tick advances every flight by the elapsed wall time times the speed-up
//! and sends what is due. Faults are injected through [`SimFleet`]: loss, latency and a baud
//! limit on the link ([`Impairment`]), the whole link dropping, one vehicle going silent, a
//! battery failing.

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
use crate::conn::Endpoint;
use crate::dialect::{AUTOPILOT_COMPONENT_ID, MavMessage};
use crate::frame::Frame;
use crate::link::{Destination, Link, LinkError, LinkEvent, LinkOptions, LinkStats};
use crate::shaper::Impairment;
use crate::signing::SigningKey;
use crate::sim::autopilot::Autopilot;
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
}

/// A running simulated fleet.
#[derive(Debug, Clone)]
pub struct SimFleet {
    control: mpsc::UnboundedSender<Control>,
    view: Arc<Mutex<FleetView>>,
    impairment: Impairment,
    local_addr: Option<std::net::SocketAddr>,
}

impl SimFleet {
    /// Opens the link and starts simulating.
    pub async fn start(config: SimConfig) -> Result<SimFleet, LinkError> {
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
        let vehicles: Vec<(Autopilot, u8, u64)> = config
            .drones
            .iter()
            .map(|s| {
                let mut fc = FlightConfig::for_drone(&s.drone);
                fc.wind = config.wind;
                fc.seed = config.seed ^ u64::from(s.drone.system_id).wrapping_mul(0x9E37_79B9);
                fc.gps_noise_m = config.gps_noise_m;
                // Link timeouts are wall time: scale them into mission seconds.
                fc.gcs_failsafe_s *= speedup;
                fc.idle_disarm_s *= speedup;
                let model = FlightModel::new(&s.drone, s.home, config.terrain.clone(), fc);
                (
                    Autopilot::new(&s.drone, model, config.clock.now_unix_us()),
                    0u8,
                    0u64,
                )
            })
            .collect();
        let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
        let view = Arc::new(Mutex::new(FleetView::default()));
        tokio::spawn(run(
            link,
            vehicles,
            config.clock,
            ev_rx,
            ctl_rx,
            view.clone(),
        ));
        Ok(SimFleet {
            control: ctl_tx,
            view,
            impairment: config.impairment,
            local_addr,
        })
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

async fn run(
    link: Link,
    mut vehicles: Vec<(Autopilot, u8, u64)>,
    clock: MissionClock,
    mut ev_rx: mpsc::Receiver<LinkEvent>,
    mut ctl_rx: mpsc::UnboundedReceiver<Control>,
    view: Arc<Mutex<FleetView>>,
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
                let LinkEvent::Frame(rx) = ev else { continue };
                let Ok(msg) = rx.frame.decode() else { continue };
                let from = (rx.frame.system_id(), rx.frame.component_id());
                let now = Instant::now();
                for (ap, seq, sent) in vehicles.iter_mut() {
                    if ap.silent {
                        continue;
                    }
                    out.clear();
                    ap.handle(&msg, from, now, &mut out);
                    send_all(&link, ap.system_id(), seq, sent, &out);
                }
            }
            c = ctl_rx.recv() => {
                match c {
                    None => return,
                    Some(Control::Stop(reply)) => { let _ = reply.send(()); return; }
                    Some(Control::Silence(id, s)) => {
                        for (ap, _, _) in vehicles.iter_mut().filter(|v| v.0.system_id() == id) {
                            ap.silent = s;
                        }
                    }
                    Some(Control::BatteryFault(id)) => {
                        for (ap, _, _) in vehicles.iter_mut().filter(|v| v.0.system_id() == id) {
                            ap.model_mut().inject_battery_fault();
                        }
                    }
                }
            }
            _ = tick.tick() => {
                let now = Instant::now();
                let dt = now.duration_since(last).as_secs_f64() * clock.speedup();
                last = now;
                for (ap, seq, sent) in vehicles.iter_mut() {
                    out.clear();
                    ap.tick(now, dt, &mut out);
                    if !ap.silent {
                        send_all(&link, ap.system_id(), seq, sent, &out);
                    }
                }
                if now.duration_since(last_view) >= Duration::from_millis(100) {
                    last_view = now;
                    if let Ok(mut v) = view.lock() {
                        v.vehicles = vehicles.iter().map(|(a, _, _)| (a.system_id(), a.model().truth())).collect();
                        v.frames_sent = vehicles.iter().map(|(a, _, n)| (a.system_id(), *n)).collect();
                        v.link = link.stats();
                    }
                }
            }
        }
    }
}

fn send_all(link: &Link, system_id: u8, seq: &mut u8, sent: &mut u64, msgs: &[MavMessage]) {
    for m in msgs {
        let f = Frame::encode_v2(
            MavHeader {
                system_id: u32::from(system_id),
                component_id: AUTOPILOT_COMPONENT_ID,
                sequence: *seq,
            },
            m,
        );
        *seq = seq.wrapping_add(1);
        *sent += 1;
        link.send(Destination::All, f);
    }
}
