//! `patrol fly`: fly a plan with the whole fleet over MAVLink, watch it, record it.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use patrol_planner::area::fleet::find_typed;
use patrol_planner::area::load_terrain;
use patrol_planner::area::manifest::AreaManifest;
use patrol_planner::export::read_plan_json;
use patrol_planner::plan::model::Plan;
use patrol_telemetry::clock::MissionClock;
use patrol_telemetry::fly::alert_service::AlertServiceConfig;
use patrol_telemetry::fly::control::ShiftControl;
use patrol_telemetry::fly::dispatch::FleetTasks;
use patrol_telemetry::fly::sorties::FlyOptions;
use patrol_telemetry::gcs::default_stream_rates;
use patrol_telemetry::mav::dialect::GCS_SYSTEM_ID;
use patrol_telemetry::mav::endpoint::Endpoint;
use patrol_telemetry::mav::signing::SigningKey;
use patrol_telemetry::run_dir::{RunDir, RunDirError};
use patrol_telemetry::shift::render::hms;
use patrol_telemetry::shift::session::{FlightEnd, FlightSession, SessionConfig, Stop};
use patrol_telemetry::shift::status_table::status_table;

/// Fly a plan: upload each sortie to its drone (by system id), start it on time, watch, record.
#[derive(Debug, Args)]
#[command(
    after_help = "Example (two terminals, no hardware):\n  patrol sim --area missions/cumberland --connect udpout:127.0.0.1:14550 \\\n    --speedup 20\n  patrol fly --plan out/ --connect udpin:127.0.0.1:14550 --speedup 20\n\nWith radios: patrol fly --plan out/ --connect serial:/dev/ttyUSB0:57600 --connect udpin:0.0.0.0:14550\nThe run directory gets one .tlog per vehicle (open with QGroundControl, MAVExplorer or pymavlink), events.log and a copy of plan.json.\n\nCtrl-C once: no new sortie, the airborne drones finish theirs; twice: recall them (RTL); three times: stop at once."
)]
pub struct FlyArgs {
    /// The plan directory written by `patrol plan` (or its plan.json).
    #[arg(long)]
    plan: PathBuf,
    /// The area directory, when not where the plan says (plan.json names it relative to the
    /// plan's directory).
    #[arg(long)]
    area: Option<PathBuf>,
    /// Fly without alerts: no geotagging, no external alarms, no dispatch (otherwise an area
    /// that cannot be loaded is an error).
    #[arg(long)]
    no_alerts: bool,
    /// Links to the vehicles, as MAVProxy's --master takes them: udp:0.0.0.0:14550 (listen),
    /// udpout:HOST:PORT, udpbcast:HOST:PORT, tcp:HOST:PORT, tcpin:HOST:PORT, /dev/ttyUSB0,57600,
    /// COM3,57600 or serial:PORT:BAUD (repeatable).
    #[arg(long, required = true)]
    connect: Vec<String>,
    /// Forward the vehicles' links to another ground station, as MAVProxy's --out: every frame
    /// from the vehicles goes there and its commands go to the vehicles, e.g. udp:127.0.0.1:14550
    /// for QGroundControl or Mission Planner listening on this machine (repeatable).
    #[arg(long)]
    out: Vec<String>,
    /// This ground station's MAVLink system id. 255 is what ArduPilot's SYSID_MYGCS expects;
    /// when QGroundControl or Mission Planner (also 255) runs beside it through --out, give one
    /// of the two another id.
    #[arg(long, default_value_t = GCS_SYSTEM_ID, value_parser = clap::value_parser!(u8).range(1..))]
    gcs_sysid: u8,
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
    /// Fly only these drones, by id (q1) or MAVLink system id (1), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "DRONES")]
    only: Vec<String>,
    /// Wall seconds each sortie waits past its start for its vehicle (heard and not lost); a
    /// vehicle heard later, or back after a link loss, flies its next sortie.
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
    /// Do not read each uploaded mission, fence and rally list back to compare it with what was
    /// sent (for links too slow to afford the second transfer).
    #[arg(long)]
    no_verify: bool,
    /// A first Ctrl-C recalls every airborne drone at once (RTL) instead of letting them
    /// finish their sorties (a second Ctrl-C does that otherwise).
    #[arg(long)]
    recall: bool,
    /// Fly the plan from now, its first sortie at once, instead of at its shift's times on the
    /// wall clock (a dated plan at real time otherwise waits for its sorties' local times).
    #[arg(long)]
    start_now: bool,
    /// Arm real vehicles without asking (scripted use): a run at real time or over a serial
    /// port otherwise shows what will fly and waits for a typed yes.
    #[arg(long)]
    yes: bool,
}

/// The run directory: `--run-dir` if given (refused if it holds a run), else a new
/// `runs/<UTC date and time>`.
pub(crate) fn run_dir(arg: Option<&Path>) -> anyhow::Result<RunDir> {
    match arg {
        Some(dir) => RunDir::create(dir).map_err(|e| match e {
            RunDirError::Taken { path, found } => anyhow::anyhow!(
                "--run-dir {}: already holds a recorded run ({found}); choose a new directory",
                path.display()
            ),
            e => e.into(),
        }),
        None => Ok(RunDir::create_new_under(Path::new("runs"), "")?),
    }
}

/// Runs `patrol fly`.
pub fn run(args: FlyArgs) -> anyhow::Result<()> {
    let endpoints = args
        .connect
        .iter()
        .map(|c| c.parse::<Endpoint>())
        .collect::<Result<Vec<_>, _>>()?;
    let outputs = args
        .out
        .iter()
        .map(|c| Endpoint::parse_output(c).map_err(|e| anyhow::anyhow!("--out: {e}")))
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
            if !super::seconds_ok(v) {
                bail!("{name} {v}: must be between 0 and 1e9 seconds");
            }
        }
    }
    let plan_json = patrol_planner::export::plan_json_in(&args.plan);
    let plan = read_plan_json(&plan_json)?;
    let only = only_system_ids(&plan, &args.only)?;
    let signing = args
        .signing_key
        .as_deref()
        .map(SigningKey::read)
        .transpose()?;
    // When the sorties start: on the wall clock for a dated plan at real time. A shift that
    // is over is refused before anything is opened. Following without flying has no times.
    let start_now = args.start_now || args.sorties == Some(0);
    let (shown, _) = super::wall_start::timed_plan(&plan, args.speedup, start_now)?;
    let run_dir = run_dir(args.run_dir.as_deref())?;
    // A person's yes before real vehicles arm (the simulator runs in accelerated time);
    // following the vehicles (`--sorties 0`) arms nothing.
    let confirmed_by = if args.sorties != Some(0)
        && super::confirm::may_reach_real_vehicles(&endpoints, args.speedup)
    {
        match super::confirm::confirm_arming(&shown, &only, args.sorties, &endpoints, args.yes) {
            Ok(who) => Some(who),
            Err(e) => {
                // Nothing was recorded: the new run directory goes (only if still empty).
                let _ = std::fs::remove_dir(run_dir.path());
                return Err(e);
            }
        }
    } else {
        None
    };
    // Timed again once confirmed: the answer may have taken minutes.
    let (plan, timing) = super::wall_start::timed_plan(&plan, args.speedup, start_now)?;
    println!("{timing}");
    // Terrain for heights above the ground in the view (only the DEM, not the whole area);
    // without it heights are above home.
    // The area the plan was made for (found from the plan's own directory), or --area's.
    let area_dir = match &args.area {
        Some(dir) => dir.clone(),
        None => patrol_planner::export::area_dir_of(&plan, &plan_json),
    };
    let terrain = AreaManifest::read(&area_dir)
        .and_then(|m| load_terrain(&area_dir, &m))
        .ok();
    // Alerts need the DEM, the fleet's cameras and the risk map: an area that cannot be
    // loaded is an error with its reason, unless the crew flies without alerts.
    let area = if args.no_alerts {
        None
    } else {
        Some(patrol_planner::area::Area::load(&area_dir).map_err(|e| {
            anyhow::Error::new(e).context(format!(
                "the area of this plan, {}, cannot be loaded for alerts (give it with --area <dir>, or fly without alerts with --no-alerts)",
                area_dir.display()
            ))
        })?)
    };
    // The run's copy of the plan names the area as found, wherever the run directory is.
    let plan = {
        let mut p = plan;
        p.area_dir = area_dir
            .canonicalize()
            .unwrap_or_else(|_| area_dir.clone())
            .display()
            .to_string();
        p
    };
    let alerting = area.map(|area| {
        let mut config = AlertServiceConfig::for_area(&area);
        config.alarm_udp = args.alarms_udp;
        config.alarm_files = args.alarms_file.clone();
        if args.no_dispatch {
            config.dispatch = None;
        }
        config
    });
    let alerts_on = alerting.is_some();
    let interactive = std::io::stdout().is_terminal();
    let clock = MissionClock::start(args.speedup);
    let config = SessionConfig {
        plan: plan.clone(),
        run_dir: run_dir.clone(),
        area_dir: area_dir.clone(),
        endpoints: endpoints.clone(),
        outputs,
        gcs_system_id: args.gcs_sysid,
        signing,
        clock,
        stream_rates_hz: default_stream_rates()
            .into_iter()
            .map(|(id, hz)| {
                if matches!(id, 33 | 30 | 74) {
                    (id, args.rate_hz)
                } else {
                    (id, hz)
                }
            })
            .collect(),
        alerting,
        fly: FlyOptions {
            vehicle_timeout: Duration::from_secs_f64(args.vehicle_timeout.max(0.0)),
            max_sorties: args.sorties,
            only: only.clone(),
            tasks: FleetTasks::default(),
            verify: !args.no_verify,
            control: Default::default(),
            confirmed_by,
        },
        verification_wait: Duration::from_secs(900),
        echo: !interactive,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let session = FlightSession::start(config).await?;
        match session.alarm_addr() {
            Some(addr) => println!("external alarms: JSON lines on udp {addr}"),
            None if !alerts_on => println!("alerts off (--no-alerts)"),
            None => {}
        }
        let sorties: usize = plan.drones.iter().map(|d| d.sorties.len().min(args.sorties.unwrap_or(usize::MAX))).sum();
        println!(
            "flying {} ({} drones, {sorties} sorties) over {}; speed-up {}; recording in {}{}",
            plan_json.display(),
            plan.drones.len(),
            endpoints.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", "),
            args.speedup,
            run_dir.path().display(),
            if args.no_verify { "; uploads NOT read back (--no-verify)" } else { "" }
        );
        let ended = {
            let view = async {
                let every = Duration::from_secs_f64(if interactive { 1.0 } else { args.status_every.max(0.5) });
                loop {
                    tokio::time::sleep(every).await;
                    let table = status_table(clock.elapsed_s(), &session.gcs().snapshot(), &session.progress(), terrain.as_ref());
                    // A closed stdout (`patrol fly | head`, a dead `tee`) must not stop the
                    // flight: the table is dropped, the shift goes on and is recorded.
                    let mut out = std::io::stdout().lock();
                    let _ = if interactive {
                        // Redraw in place: the table, then the last events.
                        let tail = session.recent_lines(12).join("\n");
                        write!(out, "\x1b[2J\x1b[H{table}\n{tail}\n")
                    } else {
                        write!(out, "{table}")
                    }
                    .and_then(|()| out.flush());
                }
            };
            let stop = async {
                tokio::select! {
                    () = async {
                        match args.duration {
                            Some(d) => tokio::time::sleep(Duration::from_secs_f64(d.max(0.0))).await,
                            None => std::future::pending().await,
                        }
                    } => Stop::TimeLimit,
                    () = async {
                        // Ctrl-C: no new sortie (or, with --recall, recall at once); again:
                        // recall; once more: stop at once, leaving the vehicles as they are.
                        loop {
                            if tokio::signal::ctrl_c().await.is_err() {
                                std::future::pending::<()>().await;
                            }
                            let next = match session.control_now() {
                                ShiftControl::Run if !args.recall => ShiftControl::NoNewSorties,
                                ShiftControl::Run | ShiftControl::NoNewSorties => ShiftControl::Recall,
                                ShiftControl::Recall => break,
                            };
                            session.control(next);
                        }
                    } => Stop::Interrupted,
                }
            };
            tokio::select! {
                ended = session.fly(stop) => ended,
                () = view => unreachable!("the view never ends"),
            }
        };
        let summary = session.finish().await;
        if let Some(a) = &summary.alerting {
            println!(
                "  alerts: {} raised; detections {} received, {} located, {} refused ({} telemetry copies dropped); external alarms {}",
                a.stats.alerts.len(),
                a.stats.intake.received,
                a.stats.intake.located,
                a.stats.intake.rejected_total(),
                a.tap_dropped,
                a.alarm_counters
            );
        }
        println!("\nfinished after {} of shift", hms(clock.elapsed_s()));
        for o in &summary.outcomes {
            println!(
                "  {} (system {}): {} of {} sorties flown{}",
                o.drone_id,
                o.system_id,
                o.flown,
                o.sorties.min(args.sorties.unwrap_or(usize::MAX)),
                if o.skipped.is_empty() { String::new() } else { format!("; skipped: {}", o.skipped.iter().map(|(s, w)| format!("{s} ({w})")).collect::<Vec<_>>().join(", ")) }
            );
        }
        for (i, l) in summary.snapshot.links.iter().enumerate() {
            println!(
                "  link {i}: {} frames in, {} out, {} discarded, {} rejected by signing",
                l.frames_in,
                l.frames_out,
                l.discarded.total(),
                l.rejected.total()
            );
        }
        let lost: u64 = summary.snapshot.vehicles.iter().map(|v| v.seq.lost).sum();
        let received: u64 = summary.snapshot.vehicles.iter().map(|v| v.seq.received).sum();
        println!(
            "  frames lost by sequence gaps: {lost} of {} over {} vehicles",
            lost + received,
            summary.snapshot.vehicles.len()
        );
        println!(
            "run directory: {} (tlogs per vehicle, events.log, plan.json{})",
            run_dir.path().display(),
            if alerts_on { ", alerts.sqlite" } else { "" }
        );
        if args.no_verify {
            println!("  uploads were not read back and compared (--no-verify)");
        }
        // Any sortie skipped or abandoned is a failed run, whatever flew besides it; sorties
        // the run never reached because it was stopped are not counted.
        let skipped: Vec<String> = summary
            .outcomes
            .iter()
            .flat_map(|o| o.skipped.iter().map(move |(s, why)| format!("{s} of {} ({why})", o.drone_id)))
            .collect();
        if !skipped.is_empty() {
            bail!(
                "{} sortie(s) not flown: {} (see {})",
                skipped.len(),
                skipped.join("; "),
                run_dir.events_log().display()
            );
        }
        let flown: usize = summary.outcomes.iter().map(|o| o.flown).sum();
        if flown == 0 && sorties > 0 && ended == FlightEnd::Done {
            bail!("no sortie was flown (see {})", run_dir.events_log().display());
        }
        Ok(())
    })
}

/// The system ids of the drones `--only` names, each typed as its id or its system id.
fn only_system_ids(plan: &Plan, typed: &[String]) -> anyhow::Result<Vec<u8>> {
    let mut ids = Vec::new();
    for t in typed {
        let t = t.trim();
        let d = find_typed(&plan.drones, t, |d| (&d.drone_id, d.system_id)).ok_or_else(|| {
            let known: Vec<String> = plan
                .drones
                .iter()
                .map(|d| format!("{} (system {})", d.drone_id, d.system_id))
                .collect();
            anyhow::anyhow!(
                "--only {t}: the plan has no such drone (plan: {})",
                known.join(", ")
            )
        })?;
        if !ids.contains(&d.system_id) {
            ids.push(d.system_id);
        }
    }
    Ok(ids)
}
