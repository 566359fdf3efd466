//! Runs the demo: plan, fires, simulated fleet, flight, alerting, report.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use patrol_planner::area::Area;
use patrol_planner::geodesy::flat::{self, LonLat};
use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::energy::Wind;
use patrol_planner::plan::model::Plan;
use patrol_planner::plan::request::PlanRequest;
use patrol_planner::plan::wall_clock;

use crate::alerts::export::{write_csv_file, write_geojson};
use crate::clock::MissionClock;
use crate::demo::fires::{DemoFire, DemoFireCounts, demo_fires};
use crate::demo::report::DemoReport;
use crate::fly::alert_service::AlertServiceConfig;
use crate::fly::alerting::AlertingStats;
use crate::fly::dispatch::FleetTasks;
use crate::fly::sorties::FlyOptions;
use crate::gcs::default_stream_rates;
use crate::mav::endpoint::Endpoint;
use crate::mav::shaper::Impairment;
use crate::run_dir::RunDir;
use crate::shift::session::{AlertingSummary, FlightSession, SessionConfig};
use crate::sim::detector::DetectorConfig;
use crate::sim::fire::FireField;
use crate::sim::fleet::{SimConfig, SimFleet, drones_from_area};
use crate::sim::watch::SimWatch;

/// What to run.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The patrol area.
    pub area_dir: PathBuf,
    /// The run directory (created empty, see [`RunDir::create`]).
    pub run_dir: RunDir,
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
    /// The wind the plan is made for, the drones fly in and the smoke drifts with.
    pub wind: Wind,
    /// The detector's settings.
    pub detector: DetectorConfig,
    /// Send a drone to verify each alert (else the drones keep to their sorties, the way
    /// `patrol eval` predicts them).
    pub verify: bool,
    /// Progress lines on stdout.
    pub echo: bool,
}

/// Running the demo failed: which step, and the error behind it.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The area cannot be loaded.
    #[error("area")]
    Area(#[source] patrol_planner::area::error::AreaError),
    /// The shift cannot be planned.
    #[error("plan")]
    Plan(#[source] patrol_planner::plan::error::PlanError),
    /// A file of the run cannot be written.
    #[error("{file}")]
    Export {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: patrol_planner::export::ExportError,
    },
    /// The area has no risk map to draw fires from.
    #[error("fires: the area has no risk map")]
    NoRisk,
    /// The fires cannot be drawn or placed.
    #[error("fires")]
    Fires(#[source] crate::sim::fire::FireError),
    /// A file cannot be written.
    #[error("{}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The async runtime cannot start.
    #[error("runtime")]
    Runtime(#[source] std::io::Error),
    /// The simulated fleet cannot start.
    #[error("simulator")]
    Simulator(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The flight session cannot start.
    #[error("flight session")]
    Session(#[source] crate::shift::session::SessionError),
    /// The alert store cannot be read back.
    #[error("alerts")]
    Alerts(#[source] crate::alerts::store::StoreError),
    /// The alerts cannot be exported.
    #[error("alert export")]
    AlertExport(#[source] crate::alerts::export::ExportError),
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
    /// Sorties not flown, each as `sortie of drone (why)`.
    pub not_flown: Vec<String>,
}

/// Runs the whole demo and writes its run directory.
pub fn run_demo(o: &DemoOptions) -> Result<DemoOutcome, DemoError> {
    let say = |s: &str| {
        if o.echo {
            println!("{s}");
        }
    };
    let run_dir = o.run_dir.clone();
    say(&format!("loading {} ...", o.area_dir.display()));
    let area = Area::load(&o.area_dir).map_err(DemoError::Area)?;
    let zone = area
        .manifest
        .time_zone
        .clone()
        .unwrap_or_else(wall_clock::system_time_zone);
    let request = PlanRequest {
        shift_start: o.shift.0.clone(),
        shift_end: o.shift.1.clone(),
        time_limit_s: o.plan_time_limit_s,
        seed: o.seed,
        wind: o.wind,
        // A shift of today in the area's zone, as `patrol plan` makes it: the run's one clock
        // reads its local times.
        time_zone: Some(zone.clone()),
        date: wall_clock::today_in(&zone).ok(),
        ..PlanRequest::default()
    };
    say(&format!(
        "planning the shift {}-{} ...",
        o.shift.0, o.shift.1
    ));
    let plan = plan_patrol(&area, &request).map_err(DemoError::Plan)?;
    patrol_planner::export::write_all(&plan, &run_dir.plan_dir()).map_err(|source| {
        DemoError::Export {
            file: run_dir.plan_dir(),
            source,
        }
    })?;
    let shift_s = plan
        .drones
        .iter()
        .flat_map(|d| &d.sorties)
        .map(|s| s.end_s)
        .fold(0.0, f64::max);
    let risk = area.risk.as_ref().ok_or(DemoError::NoRisk)?;
    let drawn = demo_fires(&area.terrain, risk, &plan, o.fires, shift_s, o.seed)
        .map_err(DemoError::Fires)?;
    let field = FireField::new(
        drawn.iter().map(|d| d.fire.clone()).collect(),
        &area.terrain,
    )
    .map_err(DemoError::Fires)?
    .with_wind(o.wind);
    let truth = serde_json::to_string_pretty(&field.truth_json()).unwrap_or_default();
    std::fs::write(run_dir.fires_json(), truth).map_err(|source| DemoError::Write {
        path: run_dir.fires_json(),
        source,
    })?;
    say(&format!(
        "{} sorties over {:.1} h planned; {} fires will ignite at random places weighted by risk: {} where the shift patrols, {} elsewhere that a ground sensor reports",
        plan.drones.iter().map(|d| d.sorties.len()).sum::<usize>(),
        shift_s / 3600.0,
        field.len(),
        drawn.iter().filter(|d| !d.sensor_alarm).count(),
        drawn.iter().filter(|d| d.sensor_alarm).count()
    ));
    // The area's towers and alarms watch every fire, the patrol's too.
    let watch = SimWatch::compute(
        &area.terrain,
        &area.towers,
        &area.ir_alarms,
        &field,
        shift_s,
        o.seed,
    );
    if !(area.towers.is_empty() && area.ir_alarms.is_empty()) {
        say(&format!(
            "{} towers and {} infrared alarms watch too: {} reports will reach the alarm port",
            area.towers.len(),
            area.ir_alarms.len(),
            watch.reports.len()
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(DemoError::Runtime)?;
    rt.block_on(fly_demo(
        o,
        &area,
        run_dir,
        plan,
        (field, watch),
        &drawn,
        shift_s,
    ))
}

async fn fly_demo(
    o: &DemoOptions,
    area: &Area,
    run_dir: RunDir,
    plan: Plan,
    // The fires, and what the area's towers and alarms will report about them.
    (field, watch): (FireField, SimWatch),
    drawn: &[DemoFire],
    shift_s: f64,
) -> Result<DemoOutcome, DemoError> {
    let clock = MissionClock::start(o.speedup);
    let drones = drones_from_area(area, area.fleet.drones.len())
        .map_err(|e| DemoError::Simulator(e.into()))?;
    let sim = SimFleet::start(SimConfig {
        endpoint: Endpoint::UdpIn(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
        drones,
        terrain: Arc::new(area.terrain.clone()),
        clock,
        wind: o.wind,
        seed: o.seed,
        gps_noise_m: 1.0,
        impairment: Impairment::default(),
        signing: None,
        fires: Some(Arc::new(field)),
        detector: Some(o.detector),
    })
    .await
    .map_err(|e| DemoError::Simulator(Box::new(e)))?;
    let sim_addr = sim
        .local_addr()
        .ok_or_else(|| DemoError::Simulator("the simulator has no local address".into()))?;
    let mut alerting = AlertServiceConfig::for_area(area);
    if !o.verify {
        alerting.dispatch = None;
    }
    alerting.alarm_udp = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    let session = FlightSession::start(SessionConfig {
        plan: plan.clone(),
        run_dir: run_dir.clone(),
        area_dir: area.dir.clone(),
        endpoints: vec![Endpoint::UdpOut(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            sim_addr.port(),
        )))],
        outputs: Vec::new(),
        gcs_system_id: crate::mav::dialect::GCS_SYSTEM_ID,
        signing: None,
        clock,
        // Position and attitude at 10 Hz: the geotagger interpolates the pose of each image.
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
        alerting: Some(alerting),
        fly: FlyOptions {
            vehicle_timeout: Duration::from_secs(30),
            max_sorties: None,
            only: Vec::new(),
            tasks: FleetTasks::default(),
            verify: true,
            control: Default::default(),
            confirmed_by: None,
        },
        // A drone still verifying an alert finishes first (a minute of wall time at most).
        verification_wait: Duration::from_secs(60),
        echo: o.echo,
    })
    .await
    .map_err(DemoError::Session)?;
    // The ground sensors: each alarm fire is reported a few minutes after it ignites, as a
    // JSON line on the alarm port (the path a real sensor network takes).
    let sensors_sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sensors = session.alarm_addr().map(|addr| {
        let reports: Vec<_> = drawn
            .iter()
            .filter(|d| d.sensor_alarm)
            .map(|d| d.fire.clone())
            .collect();
        let (seed, sent) = (o.seed, sensors_sent.clone());
        tokio::spawn(async move { report_alarms(addr, reports, clock, seed, sent).await })
    });
    // The towers and alarms: each report at its time, as their systems would send it.
    let watch_sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let watchers = session.alarm_addr().map(|addr| {
        let sent = watch_sent.clone();
        tokio::spawn(async move { watch.send(addr, clock, sent).await })
    });
    session.fly(std::future::pending()).await;
    for task in [sensors, watchers].into_iter().flatten() {
        task.abort();
    }
    let summary = session.finish().await;
    let truth = sim.detection_truth();
    let fires: Vec<_> = sim
        .fires()
        .map(|f| f.fires().cloned().collect())
        .unwrap_or_default();
    sim.stop().await;
    let store = crate::alerts::store::AlertStore::open_read_only(&run_dir.alerts_db())
        .map_err(DemoError::Alerts)?;
    let summaries = store.list(None).map_err(DemoError::Alerts)?;
    write_geojson(&summaries, &run_dir.alerts_geojson()).map_err(DemoError::AlertExport)?;
    write_csv_file(&summaries, &run_dir.alerts_csv()).map_err(DemoError::AlertExport)?;
    let alerting = summary.alerting.unwrap_or_else(|| AlertingSummary {
        stats: AlertingStats::default(),
        alarm_counters: Default::default(),
        tap_dropped: 0,
    });
    let report = DemoReport {
        plan: &plan,
        outcomes: &summary.outcomes,
        stats: &alerting.stats,
        alerts: &summaries,
        fires: &fires,
        sensor_fires: &sensors_sent.lock().map(|v| v.clone()).unwrap_or_default(),
        sensor_delay_s: SENSOR_DELAY_S,
        watch_reports: &watch_sent.lock().map(|v| v.clone()).unwrap_or_default(),
        tap_dropped: alerting.tap_dropped,
        truth: &truth,
        clock_start_unix_us: clock.start_unix_us(),
        shift_s,
        speedup: o.speedup,
        frames_lost: summary.snapshot.vehicles.iter().map(|v| v.seq.lost).sum(),
        frames_received: summary
            .snapshot
            .vehicles
            .iter()
            .map(|v| v.seq.received)
            .sum(),
    }
    .render();
    std::fs::write(run_dir.report_md(), &report).map_err(|source| DemoError::Write {
        path: run_dir.report_md(),
        source,
    })?;
    let tlogs = run_dir.tlogs().map(|t| t.len()).unwrap_or(0);
    let files = vec![
        (
            run_dir.report_md(),
            "the report: risk patrolled, fires found and missed, times, geotag error",
        ),
        (
            run_dir.alerts_db(),
            "the alert store (patrol alerts list/show/ack/resolve)",
        ),
        (
            run_dir.alerts_geojson(),
            "alerts as GeoJSON (QGIS, geojson.io)",
        ),
        (run_dir.alerts_csv(), "alerts as CSV"),
        (run_dir.fires_json(), "the simulated fires (ground truth)"),
        (
            run_dir.plan_dir(),
            "the plan's mission files (.plan, .waypoints, KML, GeoJSON)",
        ),
        (run_dir.events_log(), "every event of the flight"),
        (
            run_dir.path().join(format!("vehicle-*.tlog ({tlogs})")),
            "one tlog per drone",
        ),
        (
            run_dir.path().to_path_buf(),
            "replay it in 3D: patrol view <this directory>",
        ),
    ];
    let not_flown = summary
        .outcomes
        .iter()
        .flat_map(|o| {
            o.skipped
                .iter()
                .map(move |(s, why)| format!("{s} of {} ({why})", o.drone_id))
        })
        .collect();
    Ok(DemoOutcome {
        run_dir: run_dir.path().to_path_buf(),
        report,
        files,
        not_flown,
    })
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
        clock.sleep_until_s(f.ignition_s + SENSOR_DELAY_S).await;
        let (north_m, east_m) = (gauss() * SENSOR_SIGMA_M, gauss() * SENSOR_SIGMA_M);
        let at = flat::moved(LonLat::new(f.lon_deg, f.lat_deg), east_m, north_m);
        let line = serde_json::json!({
            "source": format!("ir-sensor-{}", f.id),
            "kind": "infrared",
            "at_unix_s": clock.now_unix_us() as f64 / 1e6,
            "lat": at.lat_deg,
            "lon": at.lon_deg,
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
