//! Shared set-up: the bundled area, a simulated fleet and a ground service on loopback.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use patrol_planner::area::Area;
use patrol_planner::plan::energy::Wind;
use patrol_planner::plan::model::MissionItem;
use patrol_telemetry::clock::MissionClock;
use patrol_telemetry::gcs::{Gcs, GcsConfig, GcsEvent, default_stream_rates};
use patrol_telemetry::mav::dialect::GCS_SYSTEM_ID;
use patrol_telemetry::mav::endpoint::Endpoint;
use patrol_telemetry::mav::shaper::Impairment;
use patrol_telemetry::sim::autopilot::Autopilot;
use patrol_telemetry::sim::fleet::{SimConfig, SimDrone, SimFleet, drones_from_area};
use patrol_telemetry::sim::flight::{FlightConfig, FlightModel};

pub fn area_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../missions/cumberland")
}

pub fn area() -> &'static Area {
    static AREA: OnceLock<Area> = OnceLock::new();
    AREA.get_or_init(|| Area::load_with(&area_dir(), false).expect("bundled area loads"))
}

pub fn drones(n: usize) -> Vec<SimDrone> {
    drones_from_area(area(), n).expect("drones")
}

pub fn sim_config(endpoint: Endpoint, drones: Vec<SimDrone>, impairment: Impairment) -> SimConfig {
    SimConfig {
        endpoint,
        drones,
        terrain: Arc::new(area().terrain.clone()),
        clock: MissionClock::start(1.0),
        wind: Wind::CALM,
        seed: 7,
        gps_noise_m: 0.7,
        impairment,
        signing: None,
        fires: None,
        detector: None,
    }
}

pub fn gcs_config(endpoints: Vec<Endpoint>) -> GcsConfig {
    GcsConfig {
        endpoints,
        signing: None,
        tlog_dir: None,
        clock: MissionClock::start(1.0),
        stream_rates_hz: default_stream_rates(),
        tap: None,
        outputs: Vec::new(),
        system_id: GCS_SYSTEM_ID,
    }
}

/// A fleet listening on a free loopback UDP port and a ground service sending to it.
pub async fn fleet_and_gcs(drones: Vec<SimDrone>, impairment: Impairment) -> (SimFleet, Gcs) {
    let fleet = SimFleet::start(sim_config(
        "udpin:127.0.0.1:0".parse().expect("endpoint"),
        drones,
        impairment,
    ))
    .await
    .expect("fleet starts");
    let port = fleet.local_addr().expect("bound").port();
    let gcs = Gcs::start(gcs_config(vec![
        format!("udpout:127.0.0.1:{port}")
            .parse()
            .expect("endpoint"),
    ]))
    .await
    .expect("gcs starts");
    (fleet, gcs)
}

/// A simulated fleet of `drones` on the link `endpoint`, unimpaired.
pub async fn start_fleet(endpoint: &str, drones: Vec<SimDrone>) -> SimFleet {
    let endpoint = endpoint.parse().expect("endpoint");
    SimFleet::start(sim_config(endpoint, drones, Impairment::default()))
        .await
        .expect("fleet starts")
}

/// A ground service on the link `endpoint`.
pub async fn start_gcs(endpoint: &str) -> Gcs {
    Gcs::start(gcs_config(vec![endpoint.parse().expect("endpoint")]))
        .await
        .expect("gcs starts")
}

/// The first drone of the bundled area as a simulated autopilot, to drive its MAVLink side
/// directly.
pub fn autopilot() -> Autopilot {
    let drone = drones(1).remove(0);
    let model = FlightModel::new(
        &drone.drone,
        drone.home,
        Arc::new(area().terrain.clone()),
        FlightConfig::for_drone(&drone.drone),
    );
    Autopilot::new(&drone.drone, model, 0)
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Waits for the first event matching `pred`, up to `timeout`.
pub async fn wait_event(
    rx: &mut tokio::sync::broadcast::Receiver<GcsEvent>,
    timeout: Duration,
    pred: impl Fn(&GcsEvent) -> bool,
) -> Option<GcsEvent> {
    tokio::time::timeout(timeout, async {
        loop {
            match rx.recv().await {
                Ok(ev) if pred(&ev) => return Some(ev),
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
}

/// An ArduPilot mission of `n` items near the first base: home, take-off, waypoints, RTL.
pub fn mission(n: usize) -> Vec<MissionItem> {
    let base = &area().bases[0];
    (0..n)
        .map(|i| {
            let (command, frame, alt) = match i {
                0 => (16, 0, 300.0),
                1 => (22, 3, 60.0),
                _ if i == n - 1 => (20, 2, 0.0),
                _ => (16, 3, 100.0),
            };
            MissionItem {
                seq: i as u16,
                frame,
                command,
                current: i == 0,
                autocontinue: true,
                params: [Some(0.0), Some(0.0), Some(0.0), None],
                lat_deg: base.lat_deg + (i % 20) as f64 * 1e-4,
                lon_deg: base.lon_deg + (i / 20) as f64 * 1e-4,
                alt_m: alt,
            }
        })
        .collect()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}
