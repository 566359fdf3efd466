//! Runs the demo: plan, fires, simulated fleet, flight, alerting, report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use patrol_planner::area::Area;
use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::energy::Wind;
use patrol_planner::plan::model::Plan;
use patrol_planner::plan::request::PlanRequest;

use crate::alerts::export::{write_csv_file, write_geojson};
use crate::clock::MissionClock;
use crate::conn::Endpoint;
use crate::demo::fires::{DemoFire, DemoFireCounts, demo_fires};
use crate::demo::report::DemoReport;
use crate::detect::geotag::{ErrorModel, GeotagLimits};
use crate::detect::incident::FusionSettings;
use crate::detect::intake::IntakeSettings;
use crate::detect::pose::PoseLimits;
use crate::fly::alert_service::{AlertService, AlertServiceConfig};
use crate::fly::dispatch::{DispatchSettings, FleetTasks};
use crate::fly::run::{FlyOptions, FlyState, fly_plan};
use crate::gcs::{Gcs, GcsConfig, default_stream_rates};
use crate::shaper::Impairment;
use crate::sim::detector::DetectorConfig;
use crate::sim::fire::FireField;
use crate::sim::fleet::{SimConfig, SimFleet, drones_from_area};

/// What to run.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The patrol area.
    pub area_dir: PathBuf,
    /// The run directory (must not hold a run).
    pub run_dir: PathBuf,
    /// Shift, `HH:MM-HH:MM` local time.
    pub shift: (String, String),
    /// Time acceleration.
    pub speedup: f64,
    /// Fires to draw (see [`crate::demo::fires`]).
    pub fires: DemoFireCounts,
    /// Seed of the plan, the fires and the simulator.
    pub seed: u64,
    /// Planner search time, seconds.
    pub plan_time_limit_s: f64,
    /// The detector's settings.
    pub detector: DetectorConfig,
    /// Progress lines on stdout.
    pub echo: bool,
}

/// Running the demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Something named failed.
    #[error("{what}: {detail}")]
    Step {
        /// Which step.
        what: String,
        /// Why.
        detail: String,
    },
}

fn step(what: &str) -> impl Fn(String) -> DemoError + '_ {
    move |detail| DemoError::Step {
        what: what.to_string(),
        detail,
    }
}

/// Where the demo's outputs are.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    /// The run directory.
    pub run_dir: PathBuf,
    /// The report's text.
    pub report: String,
    /// Files written, with what they hold.
    pub files: Vec<(PathBuf, &'static str)>,
}

/// Runs the whole demo and writes its run directory.
pub fn run_demo(o: &DemoOptions) -> Result<DemoOutcome, DemoError> {
    let say = |s: &str| {
        if o.echo {
            println!("{s}");
        }
    };
    std::fs::create_dir_all(&o.run_dir)
        .map_err(|e| step("run directory")(format!("{}: {e}", o.run_dir.display())))?;
    say(&format!("loading {} ...", o.area_dir.display()));
    let area = Area::load(&o.area_dir).map_err(|e| step("area")(e.to_string()))?;
    let request = PlanRequest {
        shift_start: o.shift.0.clone(),
        shift_end: o.shift.1.clone(),
        time_limit_s: o.plan_time_limit_s,
        seed: o.seed,
        wind: Wind {
            from_deg: 0.0,
            speed_mps: 0.0,
        },
        ..PlanRequest::default()
    };
    say(&format!(
        "planning the shift {}-{} ...",
        o.shift.0, o.shift.1
    ));
    let plan = plan_patrol(&area, &request).map_err(|e| step("plan")(e.to_string()))?;
    let plan_dir = o.run_dir.join("plan");
    patrol_planner::export::write_all(&plan, &plan_dir)
        .map_err(|e| step("plan export")(e.to_string()))?;
    std::fs::copy(plan_dir.join("plan.json"), o.run_dir.join("plan.json"))
        .map_err(|e| step("plan.json")(e.to_string()))?;
    let shift_s = plan
        .drones
        .iter()
        .flat_map(|d| &d.sorties)
        .map(|s| s.end_s)
        .fold(0.0, f64::max);
    let risk = area
        .risk
        .as_ref()
        .ok_or_else(|| step("fires")("the area has no risk map".into()))?;
    let drawn = demo_fires(&area.terrain, risk, &plan, o.fires, shift_s, o.seed)
        .map_err(|e| step("fires")(e.to_string()))?;
    let field = FireField::new(
        drawn.iter().map(|d| d.fire.clone()).collect(),
        &area.terrain,
    )
    .map_err(|e| step("fires")(e.to_string()))?;
    let truth = field.truth_json();
    std::fs::write(
        o.run_dir.join("fires.json"),
        serde_json::to_string_pretty(&truth).unwrap_or_default(),
    )
    .map_err(|e| step("fires.json")(e.to_string()))?;
    say(&format!(
        "{} sorties over {:.1} h planned; {} fires will ignite at random places weighted by risk: {} where the shift patrols, {} elsewhere that a ground sensor reports",
        plan.drones.iter().map(|d| d.sorties.len()).sum::<usize>(),
        shift_s / 3600.0,
        field.len(),
        drawn.iter().filter(|d| !d.sensor_alarm).count(),
        drawn.iter().filter(|d| d.sensor_alarm).count()
    ));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| step("runtime")(e.to_string()))?;
    let terrain = Arc::new(area.terrain.clone());
    let fleet = area.fleet.drones.clone();
    let outcome = rt.block_on(fly_demo(
        o,
        &area,
        plan.clone(),
        terrain,
        fleet,
        field,
        &drawn,
        shift_s,
    ))?;
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)]
async fn fly_demo(
    o: &DemoOptions,
    area: &Area,
    plan: Plan,
    terrain: Arc<patrol_planner::terrain::Terrain>,
    fleet: Vec<patrol_planner::area::fleet::Drone>,
    field: FireField,
    drawn: &[DemoFire],
    shift_s: f64,
) -> Result<DemoOutcome, DemoError> {
    let clock = MissionClock::start(o.speedup);
    crate::fly::run_info::RunInfo::of(&clock, &area.dir)
        .write(&o.run_dir)
        .map_err(|e| step("run.json")(e.to_string()))?;
    let drones = drones_from_area(area, area.fleet.drones.len()).map_err(step("simulator"))?;
    let sim_endpoint = "udpin:127.0.0.1:0"
        .parse::<Endpoint>()
        .map_err(|e| step("simulator")(e.to_string()))?;
    let sim = SimFleet::start(SimConfig {
        endpoint: sim_endpoint,
        drones,
        terrain: terrain.clone(),
        clock,
        wind: Wind {
            from_deg: 0.0,
            speed_mps: 0.0,
        },
        seed: o.seed,
        gps_noise_m: 1.0,
        impairment: Impairment::default(),
        signing: None,
        fires: Some(Arc::new(field)),
        detector: Some(o.detector),
    })
    .await
    .map_err(|e| step("simulator")(e.to_string()))?;
    let port = sim
        .local_addr()
        .map(|a| a.port())
        .ok_or_else(|| step("simulator")("no local address".into()))?;
    let gcs_endpoint = format!("udpout:127.0.0.1:{port}")
        .parse::<Endpoint>()
        .map_err(|e| step("ground service")(e.to_string()))?;
    let (tap, tap_rx) = AlertService::tap();
    let tap_for_alerts = tap.clone();
    let gcs = Gcs::start(GcsConfig {
        endpoints: vec![gcs_endpoint],
        signing: None,
        tlog_dir: Some(o.run_dir.clone()),
        clock,
        stream_rates_hz: default_stream_rates()
            .into_iter()
            .map(|(id, hz)| {
                if matches!(id, 33 | 30) {
                    (id, 10.0)
                } else {
                    (id, hz)
                }
            })
            .collect(),
        tap: Some(tap),
    })
    .await
    .map_err(|e| step("ground service")(e.to_string()))?;
    let state =
        FlyState::new(&plan, &o.run_dir, o.echo).map_err(|e| step("events.log")(e.to_string()))?;
    let tasks = FleetTasks::default();
    let fleet_cameras: BTreeMap<u8, _> = fleet
        .iter()
        .map(|d| (d.system_id, d.camera.clone()))
        .collect();
    let alerts = AlertService::start(
        AlertServiceConfig {
            db_path: o.run_dir.join("alerts.sqlite"),
            terrain: terrain.clone(),
            plan: plan.clone(),
            fleet: fleet.clone(),
            risk: area.risk.clone().map(Arc::new),
            alarm_udp: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
            alarm_files: Vec::new(),
            dispatch: Some(DispatchSettings::default()),
            intake: IntakeSettings {
                errors: ErrorModel::default(),
                limits: GeotagLimits::default(),
                pose: PoseLimits::default(),
                fleet_cameras,
            },
            fusion: FusionSettings::default(),
        },
        &gcs,
        (tap_for_alerts, tap_rx),
        state.clone(),
        tasks.clone(),
    )
    .await
    .map_err(|e| step("alerts")(e.to_string()))?;
    // The ground sensors: each alarm fire is reported a few minutes after it ignites, as a
    // JSON line on the alarm port (the path a real sensor network takes).
    let sensors_sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sensors = match alerts.alarm_addr {
        Some(addr) => {
            let reports: Vec<_> = drawn
                .iter()
                .filter(|d| d.sensor_alarm)
                .map(|d| d.fire.clone())
                .collect();
            let (seed, sent) = (o.seed, sensors_sent.clone());
            Some(tokio::spawn(async move {
                report_alarms(addr, reports, clock, seed, sent).await
            }))
        }
        None => None,
    };
    let options = FlyOptions {
        vehicle_timeout: Duration::from_secs(30),
        max_sorties: None,
        only: Vec::new(),
        tasks,
    };
    let outcomes = fly_plan(&plan, &gcs, &state, &options).await;
    // A drone still verifying an alert finishes first (a minute of wall time at most).
    if !options
        .tasks
        .wait_none_verifying(Duration::from_secs(60))
        .await
    {
        state.event(
            clock.elapsed_s(),
            "dispatch",
            "a verification flight was still going at the end of the run",
        );
    }
    if let Some(s) = sensors {
        s.abort();
    }
    let snapshot = gcs.snapshot();
    gcs.shutdown().await;
    let tap_dropped = alerts.tap_dropped();
    let stats = alerts.finish().await;
    let truth = sim.detection_truth();
    let fires: Vec<_> = sim
        .fires()
        .map(|f| f.fires().cloned().collect())
        .unwrap_or_default();
    sim.stop().await;
    let store = crate::alerts::store::AlertStore::open_read_only(&o.run_dir.join("alerts.sqlite"))
        .map_err(|e| step("alerts")(e.to_string()))?;
    let summaries = store
        .list(None)
        .map_err(|e| step("alerts")(e.to_string()))?;
    let geojson = o.run_dir.join("alerts.geojson");
    write_geojson(&summaries, &geojson).map_err(|e| step("alerts.geojson")(e.to_string()))?;
    let csv = o.run_dir.join("alerts.csv");
    write_csv_file(&summaries, &csv).map_err(|e| step("alerts.csv")(e.to_string()))?;
    let report = DemoReport {
        plan: &plan,
        outcomes: &outcomes,
        stats: &stats,
        alerts: &summaries,
        fires: &fires,
        sensor_fires: &sensors_sent.lock().map(|v| v.clone()).unwrap_or_default(),
        sensor_delay_s: SENSOR_DELAY_S,
        tap_dropped,
        truth: &truth,
        clock_start_unix_us: clock.start_unix_us(),
        shift_s,
        speedup: o.speedup,
        frames_lost: snapshot.vehicles.iter().map(|v| v.seq.lost).sum(),
        frames_received: snapshot.vehicles.iter().map(|v| v.seq.received).sum(),
    }
    .render();
    let report_path = o.run_dir.join("report.md");
    std::fs::write(&report_path, &report).map_err(|e| step("report.md")(e.to_string()))?;
    let mut files = vec![
        (
            report_path,
            "the report: risk patrolled, fires found and missed, times, geotag error",
        ),
        (
            o.run_dir.join("alerts.sqlite"),
            "the alert store (patrol alerts list/show/ack/resolve)",
        ),
        (geojson, "alerts as GeoJSON (QGIS, geojson.io)"),
        (csv, "alerts as CSV"),
        (
            o.run_dir.join("fires.json"),
            "the simulated fires (ground truth)",
        ),
        (
            o.run_dir.join("plan"),
            "the plan's mission files (.plan, .waypoints, KML, GeoJSON)",
        ),
        (o.run_dir.join("events.log"), "every event of the flight"),
    ];
    let tlogs = tlog_names(&o.run_dir);
    files.push((
        o.run_dir.join(format!("vehicle-*.tlog ({tlogs})")),
        "one tlog per drone",
    ));
    files.push((
        o.run_dir.clone(),
        "replay it in 3D: patrol view <this directory>",
    ));
    Ok(DemoOutcome {
        run_dir: o.run_dir.clone(),
        report,
        files,
    })
}

fn tlog_names(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tlog"))
                .count()
        })
        .unwrap_or(0)
}

/// Seconds from ignition to a ground sensor's report.
const SENSOR_DELAY_S: f64 = 180.0;
/// A ground sensor's position error, metres (1 sigma per axis).
const SENSOR_SIGMA_M: f64 = 50.0;

async fn report_alarms(
    to: std::net::SocketAddr,
    fires: Vec<crate::sim::fire::Fire>,
    clock: MissionClock,
    seed: u64,
    sent: Arc<std::sync::Mutex<Vec<String>>>,
) {
    let Ok(socket) = tokio::net::UdpSocket::bind("127.0.0.1:0").await else {
        return;
    };
    let mut state = seed ^ 0x5eed_a1a7;
    let mut gauss = move || {
        // Box-Muller on a xorshift: enough for a sensor's position error.
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let (u1, u2) = (next(), next());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    };
    for f in fires {
        let at_s = f.ignition_s + SENSOR_DELAY_S;
        loop {
            let now = clock.elapsed_s();
            if now >= at_s {
                break;
            }
            tokio::time::sleep(
                clock
                    .wall_duration(at_s - now)
                    .min(Duration::from_millis(200)),
            )
            .await;
        }
        let (me, mn) = patrol_planner::terrain::metres_per_degree(f.lat_deg);
        let line = serde_json::json!({
            "source": format!("ir-sensor-{}", f.id),
            "kind": "infrared",
            "at_unix_s": clock.now_unix_us() as f64 / 1e6,
            "lat": f.lat_deg + gauss() * SENSOR_SIGMA_M / mn,
            "lon": f.lon_deg + gauss() * SENSOR_SIGMA_M / me,
            "radius_m": 2.0 * SENSOR_SIGMA_M,
            "confidence": 0.9,
            "note": "simulated under-canopy infrared sensor",
        });
        if socket
            .send_to(format!("{line}\n").as_bytes(), to)
            .await
            .is_ok()
            && let Ok(mut v) = sent.lock()
        {
            v.push(f.id.clone());
        }
    }
}
