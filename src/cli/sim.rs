//! `patrol sim`: a simulated fleet that answers like ArduPilot over MAVLink.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::seconds_ok;
use anyhow::{Context, bail};
use clap::Args;
use patrol_planner::area::Area;
use patrol_telemetry::clock::MissionClock;
use patrol_telemetry::mav::endpoint::Endpoint;
use patrol_telemetry::mav::shaper::Impairment;
use patrol_telemetry::mav::signing::SigningKey;
use patrol_telemetry::sim::detector::{DetectionTruth, DetectorConfig, DetectorError};
use patrol_telemetry::sim::fire::{FireField, random_ignitions, read_fire_file};
use patrol_telemetry::sim::fleet::{SimConfig, SimFleet, drones_from_area};
use patrol_telemetry::sim::watch::SimWatch;

/// Simulate the area's fleet as MAVLink vehicles (like ArduCopter, or PX4 for PX4 drones).
#[derive(Debug, Args)]
#[command(
    after_help = "Example (two terminals):\n  patrol sim --area missions/cumberland --drones 8 \\\n    --connect udpout:127.0.0.1:14550 --speedup 20\n  patrol fly --plan out/ --connect udpin:127.0.0.1:14550 --speedup 20\n\nFires: --fires fires.json (format in docs/fires.md) and/or --ignitions 5 (random, weighted by the area's risk) give every drone a simulated onboard detector that reports what its camera sees as FOREST_DETECTION from component 100; --truth truth.json writes the fires and the truth behind every detection.\n  patrol sim --area missions/cumberland --connect udpout:127.0.0.1:14550 \\\n    --speedup 20 --ignitions 5 --truth out/truth.json\n\nFaults: --loss 0.2 drops 20% of frames each way; --silence 3@60+20 makes system 3 silent 60 s after start for 20 s; --battery-fault 2@120; --drop-link 30+10 takes the whole link down."
)]
pub struct SimArgs {
    /// The area directory (its fleet, bases and terrain).
    #[arg(long)]
    area: PathBuf,
    /// How many vehicles (the fleet's drones in order; more are copies with new system ids).
    #[arg(long, default_value_t = 0)]
    drones: usize,
    /// Simulate only these drones of the fleet, by id (q1) or system id (1), comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "DRONES",
        conflicts_with = "drones"
    )]
    only: Vec<String>,
    /// Link to the ground station, e.g. udpout:127.0.0.1:14550, tcpin:0.0.0.0:5760, serial:/dev/ttyUSB0:57600.
    #[arg(long)]
    connect: String,
    /// Time acceleration: mission seconds per wall second.
    #[arg(long, default_value_t = 1.0)]
    speedup: f64,
    /// Wind as SPEED_MPS@FROM_DEG (or 18km/h@270). Default: the area's [weather] wind when
    /// it has wind_from_deg, else calm.
    #[arg(long)]
    wind: Option<String>,
    /// Seed of the GPS noise and loss draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// GPS noise, metres (1 sigma, horizontal).
    #[arg(long, default_value_t = 0.7)]
    gps_noise_m: f64,
    /// Share of frames lost each way (0..1).
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// One-way latency added to every frame, milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Limit the link to a radio's baud rate (e.g. 57600).
    #[arg(long)]
    baud: Option<u32>,
    /// MAVLink 2 signing key (32 bytes, or 64 hex digits).
    #[arg(long)]
    signing_key: Option<PathBuf>,
    /// Stop after this many wall seconds (default: run until interrupted).
    #[arg(long)]
    duration: Option<f64>,
    /// Make a vehicle silent: SYSID@START+LENGTH in wall seconds (repeatable).
    #[arg(long)]
    silence: Vec<String>,
    /// Fail a vehicle's battery: SYSID@TIME in wall seconds (repeatable).
    #[arg(long)]
    battery_fault: Vec<String>,
    /// Take the whole link down: START+LENGTH in wall seconds (repeatable).
    #[arg(long)]
    drop_link: Vec<String>,
    /// Ground-truth fires to simulate (JSON, see docs/fires.md); turns the detectors on.
    #[arg(long)]
    fires: Option<PathBuf>,
    /// Random ignitions to add, placed by the area's fire risk (needs its [risk] layer);
    /// turns the detectors on.
    #[arg(long, default_value_t = 0)]
    ignitions: usize,
    /// Random ignitions fall in the first this many mission seconds (default: --duration
    /// times --speedup, or 3600).
    #[arg(long)]
    ignition_window_s: Option<f64>,
    /// Probability that the detector misses a fire its camera sees (0..1).
    #[arg(long, default_value_t = DetectorConfig::default().miss_rate)]
    miss_rate: f64,
    /// Mean number of false alarms per image.
    #[arg(long, default_value_t = DetectorConfig::default().false_alarm_rate)]
    false_alarm_rate: f64,
    /// Detector's error on a box centre, pixels (1 sigma per axis).
    #[arg(long, default_value_t = DetectorConfig::default().pixel_noise_px)]
    pixel_noise_px: f64,
    /// Mission seconds between the detector's images.
    #[arg(long, default_value_t = DetectorConfig::default().capture_interval_s)]
    capture_interval_s: f64,
    /// Write the simulated fires and the truth behind every detection here (JSON), at the
    /// start and again when the simulation stops.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Play the area's towers and infrared alarms too: send what they would report about the
    /// fires, as JSON lines over UDP to this address (`patrol fly --alarms-udp`'s), e.g.
    /// 127.0.0.1:14600.
    #[arg(long, value_name = "HOST:PORT")]
    alarms_to: Option<std::net::SocketAddr>,
}

fn parse_at(text: &str, what: &str) -> anyhow::Result<(Option<u8>, f64, f64)> {
    let (sys, rest) = match text.split_once('@') {
        Some((s, r)) => (
            Some(
                s.parse::<u8>()
                    .with_context(|| format!("{what} {text}: '{s}' is not a system id"))?,
            ),
            r,
        ),
        None => (None, text),
    };
    let (start, len) = rest.split_once('+').unwrap_or((rest, "0"));
    let start: f64 = start
        .parse()
        .with_context(|| format!("{what} {text}: '{start}' is not a number of seconds"))?;
    let len: f64 = len
        .parse()
        .with_context(|| format!("{what} {text}: '{len}' is not a number of seconds"))?;
    if !(seconds_ok(start) && seconds_ok(len)) {
        bail!("{what} {text}: times must be between 0 and 1e9 seconds");
    }
    Ok((sys, start, len))
}

/// The detector settings of the flags, checked; the error names the flag.
fn detector_config(args: &SimArgs) -> anyhow::Result<DetectorConfig> {
    let config = DetectorConfig {
        miss_rate: args.miss_rate,
        false_alarm_rate: args.false_alarm_rate,
        pixel_noise_px: args.pixel_noise_px,
        capture_interval_s: args.capture_interval_s,
        seed: args.seed,
        ..DetectorConfig::default()
    };
    if let Err(DetectorError::Setting {
        field,
        value,
        expected,
    }) = config.validate()
    {
        bail!("--{} {value}: expected {expected}", field.replace('_', "-"));
    }
    Ok(config)
}

/// The simulated fires of `--fires` and `--ignitions`, placed on the area's terrain.
fn fire_field(args: &SimArgs, area: &Area) -> anyhow::Result<FireField> {
    let mut fires = match &args.fires {
        Some(path) => read_fire_file(path)?,
        None => Vec::new(),
    };
    if args.ignitions > 0 {
        let risk = area.risk.as_ref().ok_or_else(|| {
            anyhow::anyhow!(
                "--ignitions: {} has no [risk] layer to place fires by: {}",
                area.dir.join("area.toml").display(),
                area.no_risk_hint()
            )
        })?;
        let window_s = args
            .ignition_window_s
            .unwrap_or_else(|| args.duration.map_or(3600.0, |d| d * args.speedup));
        if !(window_s > 0.0 && seconds_ok(window_s)) {
            bail!("--ignition-window-s {window_s}: must be above 0 and at most 1e9 seconds");
        }
        fires.extend(random_ignitions(
            &area.terrain,
            risk,
            args.ignitions,
            window_s,
            args.seed,
        )?);
    }
    Ok(FireField::new(fires, &area.terrain)?)
}

/// Writes the truth file: the fires, when the mission clock started, and what the
/// detectors saw.
fn write_truth(
    path: &std::path::Path,
    fires: &FireField,
    clock: &MissionClock,
    detections: &[DetectionTruth],
    dropped: u64,
) -> anyhow::Result<()> {
    let mut truth = fires.truth_json();
    truth["clock_start_unix_us"] = clock.start_unix_us().into();
    truth["detections"] = serde_json::to_value(detections)?;
    truth["detections_dropped"] = dropped.into();
    std::fs::write(path, serde_json::to_string_pretty(&truth)?)
        .with_context(|| format!("--truth {}", path.display()))
}

/// Runs `patrol sim`.
pub fn run(args: SimArgs) -> anyhow::Result<()> {
    if let Some(d) = args.duration {
        if !seconds_ok(d) {
            bail!("--duration {d}: must be between 0 and 1e9 seconds");
        }
    }
    if args.latency_ms > 60_000 {
        bail!("--latency-ms {}: at most 60000", args.latency_ms);
    }
    if !(args.gps_noise_m.is_finite() && (0.0..=100.0).contains(&args.gps_noise_m)) {
        bail!(
            "--gps-noise-m {}: must be between 0 and 100",
            args.gps_noise_m
        );
    }
    let endpoint: Endpoint = args.connect.parse()?;
    if !(args.speedup > 0.0 && args.speedup <= 1000.0) {
        bail!(
            "--speedup {}: must be above 0 and at most 1000",
            args.speedup
        );
    }
    if !(0.0..=1.0).contains(&args.loss) {
        bail!("--loss {}: must be between 0 and 1", args.loss);
    }
    if let Some(w) = &args.wind {
        // A wrong flag is said before the area is read.
        super::plan::parse_wind(w)?;
    }
    let signing = args
        .signing_key
        .as_deref()
        .map(SigningKey::read)
        .transpose()?;
    let detection = args.fires.is_some() || args.ignitions > 0;
    if args.truth.is_some() && !detection {
        bail!("--truth needs fires to simulate: give --fires or --ignitions");
    }
    if args.alarms_to.is_some() && !detection {
        bail!(
            "--alarms-to needs fires for the towers and alarms to report: give --fires or --ignitions"
        );
    }
    let detector = detection.then(|| detector_config(&args)).transpose()?;
    // The risk layer is only needed to place random ignitions.
    let area = Area::load_with(&args.area, args.ignitions > 0)?;
    let (wind, wind_note) =
        super::plan::wind_for(args.wind.as_deref(), area.manifest.weather.as_ref())?;
    // The smoke drifts in the same wind the drones fly in.
    let fires = detection
        .then(|| fire_field(&args, &area))
        .transpose()?
        .map(|f| Arc::new(f.with_wind(wind)));
    let count = if args.drones == 0 {
        area.fleet.drones.len()
    } else {
        args.drones
    };
    let mut drones = drones_from_area(&area, count)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.area.display()))?;
    if !args.only.is_empty() {
        let mut keep = Vec::new();
        for t in &args.only {
            let d = area.fleet.find(t).ok_or_else(|| {
                let known: Vec<String> = area.fleet.drones.iter().map(|d| d.label()).collect();
                anyhow::anyhow!(
                    "--only {}: no such drone (fleet: {})",
                    t.trim(),
                    known.join(", ")
                )
            })?;
            keep.push(d.id.clone());
        }
        drones.retain(|s| keep.contains(&s.drone.id));
    }
    let mut silences = Vec::new();
    for s in &args.silence {
        let (sys, start, len) = parse_at(s, "--silence")?;
        let sys =
            sys.ok_or_else(|| anyhow::anyhow!("--silence {s}: expected SYSID@START+LENGTH"))?;
        silences.push((sys, start, len));
    }
    let mut faults = Vec::new();
    for s in &args.battery_fault {
        let (sys, start, _) = parse_at(s, "--battery-fault")?;
        let sys = sys.ok_or_else(|| anyhow::anyhow!("--battery-fault {s}: expected SYSID@TIME"))?;
        faults.push((sys, start));
    }
    let mut drops = Vec::new();
    for s in &args.drop_link {
        let (_, start, len) = parse_at(s, "--drop-link")?;
        drops.push((start, len));
    }
    if args.alarms_to.is_some() && area.towers.is_empty() && area.ir_alarms.is_empty() {
        bail!(
            "--alarms-to: {} has no towers or ir_alarms layer to play (docs/area-format.md)",
            args.area.display()
        );
    }
    // Computed up front from the fires: the same seed gives the same reports.
    let watch = match (args.alarms_to, &fires) {
        (Some(to), Some(fires)) => Some((
            to,
            SimWatch::compute(
                &area.terrain,
                &area.towers,
                &area.ir_alarms,
                fires,
                args.duration.map_or(f64::MAX, |d| d * args.speedup),
                args.seed,
            ),
            area.towers.len(),
            area.ir_alarms.len(),
        )),
        _ => None,
    };
    let ids: Vec<String> = drones
        .iter()
        .map(|d| d.drone.system_id.to_string())
        .collect();
    let clock = MissionClock::start(args.speedup);
    if let (Some(path), Some(fires)) = (&args.truth, &fires) {
        write_truth(path, fires, &clock, &[], 0)?;
    }
    let config = SimConfig {
        endpoint: endpoint.clone(),
        drones,
        terrain: Arc::new(area.terrain),
        clock,
        wind,
        seed: args.seed,
        gps_noise_m: args.gps_noise_m,
        impairment: Impairment {
            loss_in: args.loss,
            loss_out: args.loss,
            latency: Duration::from_millis(args.latency_ms),
            baud: args.baud,
            seed: args.seed,
            ..Impairment::default()
        },
        signing,
        fires: fires.clone(),
        detector,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let fleet = SimFleet::start(config).await?;
        println!(
            "simulating {} vehicles (system ids {}) on {endpoint}{}, speed-up {}; Ctrl-C stops",
            ids.len(),
            ids.join(", "),
            fleet.local_addr().map(|a| format!(" (bound to {a})")).unwrap_or_default(),
            args.speedup
        );
        if let Some(note) = wind_note {
            eprintln!("{note}");
        }
        // What happens to the link is said when it happens: a mistyped port, a radio unplugged.
        {
            let f = fleet.clone();
            tokio::spawn(async move {
                let mut shown = 0;
                loop {
                    let notes = f.view().link_notes;
                    for n in notes.iter().skip(shown) {
                        println!("{n}");
                    }
                    shown = notes.len();
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            });
        }
        if let Some(fires) = fleet.fires() {
            let first_s = fires.fires().map(|f| f.ignition_s).reduce(f64::min);
            println!(
                "{} fires{}; every drone's detector reports from component 100",
                fires.len(),
                first_s
                    .map(|s| format!(", the first igniting {s:.0} mission seconds after the start"))
                    .unwrap_or_default()
            );
        }
        if let Some((to, watch, towers, alarms)) = watch {
            println!(
                "{towers} towers and {alarms} infrared alarms report to udp {to}: {} reports over the run, the first {}",
                watch.reports.len(),
                watch.reports.first().map_or_else(
                    || "never".to_string(),
                    |(r, _)| format!("{:.0} mission seconds after the start ({})", r.at_s, r.source)
                )
            );
            tokio::spawn(watch.send(to, clock, Default::default()));
        }
        for (sys, start, len) in silences {
            let f = fleet.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs_f64(start)).await;
                println!("fault: system {sys} goes silent for {len} s");
                f.silence(sys, true);
                tokio::time::sleep(Duration::from_secs_f64(len)).await;
                println!("fault: system {sys} talks again");
                f.silence(sys, false);
            });
        }
        for (sys, at) in faults {
            let f = fleet.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs_f64(at)).await;
                println!("fault: battery of system {sys} fails");
                f.battery_fault(sys);
            });
        }
        for (start, len) in drops {
            let f = fleet.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs_f64(start)).await;
                println!("fault: link down for {len} s");
                f.link_down(true);
                tokio::time::sleep(Duration::from_secs_f64(len)).await;
                println!("fault: link back");
                f.link_down(false);
            });
        }
        let stop = async {
            match args.duration {
                Some(d) => tokio::time::sleep(Duration::from_secs_f64(d.max(0.0))).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stop => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        let view = fleet.view();
        let detections = fleet.detection_truth();
        fleet.stop().await;
        if let (Some(path), Some(fires)) = (&args.truth, &fires) {
            write_truth(path, fires, &clock, &detections, fleet.detection_truth_dropped())?;
            println!(
                "wrote {}: {} fires, {} detections and misses",
                path.display(),
                fires.len(),
                detections.len()
            );
        }
        let sent: u64 = view.frames_sent.iter().map(|(_, n)| n).sum();
        println!(
            "stopped: {sent} frames sent, {} received, {} rejected by signing, {} dropped by injected loss",
            view.link.frames_in,
            view.link.rejected.total(),
            view.link.impaired
        );
        Ok::<_, anyhow::Error>(())
    })
}
