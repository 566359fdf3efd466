//! `patrol sim`: a simulated fleet that answers like ArduPilot over MAVLink.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use patrol_planner::area::Area;
use patrol_telemetry::clock::MissionClock;
use patrol_telemetry::conn::Endpoint;
use patrol_telemetry::shaper::Impairment;
use patrol_telemetry::signing::SigningKey;
use patrol_telemetry::sim::fleet::{SimConfig, SimFleet, drones_from_area};

/// Simulate the area's fleet as MAVLink vehicles (ArduPilot-like).
#[derive(Debug, Args)]
#[command(
    after_help = "Example (two terminals):\n  patrol sim --area missions/cumberland --drones 8 --connect udpout:127.0.0.1:14550 --speedup 20\n  patrol fly --plan out/ --connect udpin:127.0.0.1:14550 --speedup 20\n\nFaults: --loss 0.2 drops 20% of frames each way; --silence 3@60+20 makes system 3 silent 60 s after start for 20 s; --battery-fault 2@120; --drop-link 30+10 takes the whole link down."
)]
pub struct SimArgs {
    /// The area directory (its fleet, bases and terrain).
    #[arg(long)]
    area: PathBuf,
    /// How many vehicles (the fleet's drones in order; more are copies with new system ids).
    #[arg(long, default_value_t = 0)]
    drones: usize,
    /// Link to the ground station, e.g. udpout:127.0.0.1:14550, tcpin:0.0.0.0:5760, serial:/dev/ttyUSB0:57600.
    #[arg(long)]
    connect: String,
    /// Time acceleration: mission seconds per wall second.
    #[arg(long, default_value_t = 1.0)]
    speedup: f64,
    /// Wind as SPEED_MPS@FROM_DEG.
    #[arg(long, default_value = "0@0")]
    wind: String,
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

/// Whether a number of seconds is one a timer can wait for.
pub(crate) fn seconds_ok(s: f64) -> bool {
    s.is_finite() && (0.0..=1e9).contains(&s)
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
    let wind = super::plan::parse_wind(&args.wind)?;
    let signing = args
        .signing_key
        .as_deref()
        .map(SigningKey::read)
        .transpose()?;
    let area = Area::load_with(&args.area, false)?;
    let count = if args.drones == 0 {
        area.fleet.drones.len()
    } else {
        args.drones
    };
    let drones = drones_from_area(&area, count)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.area.display()))?;
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
    let ids: Vec<String> = drones
        .iter()
        .map(|d| d.drone.system_id.to_string())
        .collect();
    let config = SimConfig {
        endpoint: endpoint.clone(),
        drones,
        terrain: Arc::new(area.terrain),
        clock: MissionClock::start(args.speedup),
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
        fleet.stop().await;
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
