//! `patrol fly`: fly a plan with the whole fleet over MAVLink, watch it, record it.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use patrol_planner::area::load_terrain;
use patrol_planner::area::manifest::AreaManifest;
use patrol_planner::export::read_plan_json;
use patrol_planner::risk::weather::CivilDate;
use patrol_telemetry::clock::MissionClock;
use patrol_telemetry::conn::Endpoint;
use patrol_telemetry::detect::geotag::{ErrorModel, GeotagLimits};
use patrol_telemetry::detect::incident::FusionSettings;
use patrol_telemetry::detect::intake::IntakeSettings;
use patrol_telemetry::detect::pose::PoseLimits;
use patrol_telemetry::fly::alert_service::{AlertService, AlertServiceConfig};
use patrol_telemetry::fly::dispatch::{DispatchSettings, FleetTasks};
use patrol_telemetry::fly::run::{FlyOptions, FlyState, copy_plan, fly_plan, hms};
use patrol_telemetry::fly::run_info::RunInfo;
use patrol_telemetry::fly::view::status_table;
use patrol_telemetry::gcs::{Gcs, GcsConfig, default_stream_rates};
use patrol_telemetry::signing::SigningKey;

/// Fly a plan: upload each sortie to its drone (by system id), start it on time, watch, record.
#[derive(Debug, Args)]
#[command(
    after_help = "Example (two terminals, no hardware):\n  patrol sim --area missions/cumberland --connect udpout:127.0.0.1:14550 --speedup 20\n  patrol fly --plan out/ --connect udpin:127.0.0.1:14550 --speedup 20\n\nWith radios: patrol fly --plan out/ --connect serial:/dev/ttyUSB0:57600 --connect udpin:0.0.0.0:14550\nThe run directory gets one .tlog per vehicle (open with QGroundControl, MAVExplorer or pymavlink), events.log and a copy of plan.json."
)]
pub struct FlyArgs {
    /// The plan directory written by `patrol plan` (holding plan.json).
    #[arg(long)]
    plan: PathBuf,
    /// Links to the vehicles, e.g. udpin:0.0.0.0:14550, tcpout:127.0.0.1:5760, serial:/dev/ttyUSB0:57600 (repeatable).
    #[arg(long, required = true)]
    connect: Vec<String>,
    /// Run directory for tlogs and the event log (default: runs/<UTC date and time>).
    #[arg(long)]
    run_dir: Option<PathBuf>,
    /// Time acceleration, matching the simulator's (1 with real drones).
    #[arg(long, default_value_t = 1.0)]
    speedup: f64,
    /// MAVLink 2 signing key (32 bytes, or 64 hex digits).
    #[arg(long)]
    signing_key: Option<PathBuf>,
    /// Fly at most this many sorties per drone.
    #[arg(long)]
    sorties: Option<usize>,
    /// Fly only these drones, by system id, comma-separated.
    #[arg(long, value_delimiter = ',')]
    only: Vec<u8>,
    /// Seconds to wait for each vehicle's first heartbeat.
    #[arg(long, default_value_t = 30.0)]
    vehicle_timeout: f64,
    /// Position and attitude rate to ask every vehicle for, Hz (the rest stays at 1-2 Hz).
    #[arg(long, default_value_t = 4.0)]
    rate_hz: f64,
    /// Stop after this many wall seconds, even if sorties remain (default: when all are done).
    #[arg(long)]
    duration: Option<f64>,
    /// Print the status table every this many seconds when the output is not a terminal.
    #[arg(long, default_value_t = 10.0)]
    status_every: f64,
    /// Take external alarms (JSON lines, docs/alerts.md) on this local UDP address, e.g. 127.0.0.1:14600.
    #[arg(long)]
    alarms_udp: Option<std::net::SocketAddr>,
    /// Read external alarms (JSON lines) from this file at the start (repeatable).
    #[arg(long)]
    alarms_file: Vec<PathBuf>,
    /// Raise alerts but do not send drones to verify them.
    #[arg(long)]
    no_dispatch: bool,
}

/// A new directory under `runs/`, named by the UTC time, suffixed if two runs start within
/// one second.
/// A new directory under `runs/` named after the UTC time.
pub(crate) fn new_run_dir() -> anyhow::Result<PathBuf> {
    let base = PathBuf::from("runs");
    std::fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    let stamp = utc_stamp();
    for n in 1..1000 {
        let dir = if n == 1 {
            base.join(&stamp)
        } else {
            base.join(format!("{stamp}-{n}"))
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    }
    bail!("cannot find a free run directory under {}", base.display())
}

fn utc_stamp() -> String {
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (days, rem) = (s / 86_400, s % 86_400);
    let date = CivilDate::from_days_since_epoch(days as i64);
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        date.year,
        date.month,
        date.day,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Runs `patrol fly`.
pub fn run(args: FlyArgs) -> anyhow::Result<()> {
    let endpoints = args
        .connect
        .iter()
        .map(|c| c.parse::<Endpoint>())
        .collect::<Result<Vec<_>, _>>()?;
    if !(args.speedup > 0.0 && args.speedup <= 1000.0) {
        bail!(
            "--speedup {}: must be above 0 and at most 1000",
            args.speedup
        );
    }
    if !(args.rate_hz > 0.0 && args.rate_hz <= 100.0) {
        bail!(
            "--rate-hz {}: must be above 0 and at most 100",
            args.rate_hz
        );
    }
    for (name, value) in [
        ("--vehicle-timeout", Some(args.vehicle_timeout)),
        ("--status-every", Some(args.status_every)),
        ("--duration", args.duration),
    ] {
        if let Some(v) = value {
            if !super::sim::seconds_ok(v) {
                bail!("{name} {v}: must be between 0 and 1e9 seconds");
            }
        }
    }
    let plan_json = args.plan.join("plan.json");
    let plan = read_plan_json(&plan_json)?;
    for id in &args.only {
        if !plan.drones.iter().any(|d| d.system_id == *id) {
            bail!("--only {id}: the plan has no drone with system id {id}");
        }
    }
    let signing = args
        .signing_key
        .as_deref()
        .map(SigningKey::read)
        .transpose()?;
    let run_dir = match &args.run_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the run directory {}", dir.display()))?;
            // A run directory holds one run: never overwrite an earlier recording.
            let taken = std::fs::read_dir(dir)
                .with_context(|| format!("cannot read the run directory {}", dir.display()))?
                .filter_map(Result::ok)
                .any(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name == "events.log" || name.ends_with(".tlog")
                });
            if taken {
                bail!(
                    "--run-dir {}: already holds a recorded run (events.log or tlogs); choose a new directory",
                    dir.display()
                );
            }
            dir.clone()
        }
        None => new_run_dir()?,
    };
    copy_plan(&args.plan, &run_dir).with_context(|| {
        format!(
            "cannot copy {} into {}",
            plan_json.display(),
            run_dir.display()
        )
    })?;
    // Terrain for heights above the ground in the view (only the DEM, not the whole area);
    // without it heights are above home.
    let area_dir = PathBuf::from(&plan.area_dir);
    let area_dir = area_dir.as_path();
    let terrain = AreaManifest::read(area_dir)
        .and_then(|m| load_terrain(area_dir, &m))
        .ok();
    // Alerts need the DEM, the fleet's cameras and the risk map; without the area they are off.
    let area = patrol_planner::area::Area::load(area_dir).ok();
    let interactive = std::io::stdout().is_terminal();
    let state = FlyState::new(&plan, &run_dir, !interactive)?;
    let options = FlyOptions {
        vehicle_timeout: Duration::from_secs_f64(args.vehicle_timeout.max(0.0)),
        max_sorties: args.sorties,
        only: args.only.clone(),
        tasks: FleetTasks::default(),
    };
    let clock = MissionClock::start(args.speedup);
    // The replay's shift time zero (`patrol view`).
    RunInfo::of(&clock, area_dir).write(&run_dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (tap, tap_rx) = AlertService::tap();
        let tap_for_alerts = tap.clone();
        let gcs = Gcs::start(GcsConfig {
            endpoints: endpoints.clone(),
            signing,
            tlog_dir: Some(run_dir.clone()),
            clock,
            stream_rates_hz: default_stream_rates()
                .into_iter()
                .map(|(id, hz)| if matches!(id, 33 | 30 | 74) { (id, args.rate_hz) } else { (id, hz) })
                .collect(),
            tap: area.is_some().then_some(tap),
        })
        .await?;
        let alerts = match &area {
            Some(area) => {
                let service = AlertService::start(
                    AlertServiceConfig {
                        db_path: run_dir.join("alerts.sqlite"),
                        terrain: std::sync::Arc::new(area.terrain.clone()),
                        plan: plan.clone(),
                        fleet: area.fleet.drones.clone(),
                        risk: area.risk.clone().map(std::sync::Arc::new),
                        alarm_udp: args.alarms_udp,
                        alarm_files: args.alarms_file.clone(),
                        dispatch: (!args.no_dispatch).then(DispatchSettings::default),
                        intake: IntakeSettings {
                            errors: ErrorModel::default(),
                            limits: GeotagLimits::default(),
                            pose: PoseLimits::default(),
                            fleet_cameras: area.fleet.drones.iter().map(|d| (d.system_id, d.camera.clone())).collect(),
                        },
                        fusion: FusionSettings::default(),
                    },
                    &gcs,
                    (tap_for_alerts, tap_rx),
                    state.clone(),
                    options.tasks.clone(),
                )
                .await?;
                if let Some(addr) = service.alarm_addr {
                    println!("external alarms: JSON lines on udp {addr}");
                }
                Some(service)
            }
            None => {
                println!("alerts off: the area {} cannot be loaded", area_dir.display());
                None
            }
        };
        let sorties: usize = plan.drones.iter().map(|d| d.sorties.len().min(args.sorties.unwrap_or(usize::MAX))).sum();
        println!(
            "flying {} ({} drones, {sorties} sorties) over {}; speed-up {}; recording in {}",
            plan_json.display(),
            plan.drones.len(),
            endpoints.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", "),
            args.speedup,
            run_dir.display()
        );
        let view = {
            let (gcs, state) = (gcs.clone(), state.clone());
            let every = Duration::from_secs_f64(if interactive { 1.0 } else { args.status_every.max(0.5) });
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let table = status_table(clock.elapsed_s(), &gcs.snapshot(), &state.outcomes(), terrain.as_ref());
                    if interactive {
                        // Redraw in place: the table, then the last events.
                        let lines = state.lines();
                        let tail = lines.iter().rev().take(12).rev().cloned().collect::<Vec<_>>().join("\n");
                        print!("\x1b[2J\x1b[H{table}\n{tail}\n");
                    } else {
                        print!("{table}");
                    }
                }
            })
        };
        // With --sorties 0 the service only follows the vehicles, until stopped.
        let work = async {
            if args.sorties == Some(0) {
                std::future::pending::<()>().await;
            } else {
                fly_plan(&plan, &gcs, &state, &options).await;
                // A drone sent to verify an alert is brought back before the service stops.
                if !options.tasks.wait_none_verifying(Duration::from_secs(900)).await {
                    state.event(clock.elapsed_s(), "dispatch", "a verification flight was still going after 15 min; stopping anyway");
                }
            }
        };
        let limit = async {
            match args.duration {
                Some(d) => tokio::time::sleep(Duration::from_secs_f64(d.max(0.0))).await,
                None => std::future::pending().await,
            }
        };
        let outcomes = tokio::select! {
            _ = work => state.outcomes(),
            _ = limit => {
                state.event(clock.elapsed_s(), "service", "--duration reached: stopping (vehicles keep flying their missions)");
                state.outcomes()
            }
            _ = tokio::signal::ctrl_c() => {
                state.event(clock.elapsed_s(), "service", "interrupted: stopping (vehicles keep flying their missions)");
                state.outcomes()
            }
        };
        view.abort();
        let snap = gcs.snapshot();
        gcs.shutdown().await;
        if let Some(service) = alerts {
            let counters = service.alarm_counters();
            let tap_dropped = service.tap_dropped();
            let stats = service.finish().await;
            println!(
                "  alerts: {} raised; detections {} received, {} located, {} refused ({} telemetry copies dropped); external alarms {} accepted, {} refused",
                stats.alerts.len(),
                stats.intake.received,
                stats.intake.located,
                stats.intake.rejected_total(),
                tap_dropped,
                counters.accepted,
                counters.rejected_total()
            );
        }
        println!("\nfinished at shift time {}", hms(clock.elapsed_s()));
        for o in &outcomes {
            println!(
                "  {} (system {}): {} of {} sorties flown{}",
                o.drone_id,
                o.system_id,
                o.flown,
                o.sorties.min(args.sorties.unwrap_or(usize::MAX)),
                if o.skipped.is_empty() { String::new() } else { format!("; skipped: {}", o.skipped.iter().map(|(s, w)| format!("{s} ({w})")).collect::<Vec<_>>().join(", ")) }
            );
        }
        for (i, l) in snap.links.iter().enumerate() {
            println!(
                "  link {i}: {} frames in, {} out, {} discarded, {} rejected by signing",
                l.frames_in,
                l.frames_out,
                l.discarded.total(),
                l.rejected.total()
            );
        }
        let lost: u64 = snap.vehicles.iter().map(|v| v.seq.lost).sum();
        let received: u64 = snap.vehicles.iter().map(|v| v.seq.received).sum();
        println!(
            "  frames lost by sequence gaps: {lost} of {} over {} vehicles",
            lost + received,
            snap.vehicles.len()
        );
        println!("run directory: {} (tlogs per vehicle, events.log, plan.json, alerts.sqlite)", run_dir.display());
        let flown: usize = outcomes.iter().map(|o| o.flown).sum();
        if flown == 0 && sorties > 0 && args.duration.is_none() {
            bail!("no sortie was flown (see {})", run_dir.join("events.log").display());
        }
        Ok(())
    })
}
