//! `patrol demo`: a whole patrol shift on the bundled area without hardware — plan, random
//! fires, simulated fleet with detectors, flight over loopback MAVLink, alerts, dispatch and a
//! report scored against the simulator's ground truth.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use patrol_telemetry::demo::run::{DemoOptions, run_demo};
use patrol_telemetry::sim::detector::DetectorConfig;

/// Run a simulated patrol shift end to end and write a run directory with a report.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  patrol demo missions/cumberland\n  patrol demo missions/cumberland --shift 10:00-13:00 --ignitions 8 \\\n    --sensor-fires 3 --speedup 120 --run-dir runs/demo-1\n\nThe run directory holds report.md, alerts.sqlite (see `patrol alerts list <run-dir>`), alerts.geojson, alerts.csv, fires.json (ground truth), the plan, events.log and one tlog per drone."
)]
pub struct DemoArgs {
    /// The patrol area directory.
    area: PathBuf,
    /// Run directory (default: runs/<UTC date and time>).
    #[arg(long)]
    run_dir: Option<PathBuf>,
    /// Shift, local time HH:MM-HH:MM.
    #[arg(long, default_value = "10:00-12:00")]
    shift: String,
    /// Time acceleration of the simulated flight.
    #[arg(long, default_value_t = 100.0)]
    speedup: f64,
    /// Fires that ignite at random places (weighted by the day's risk) in cells the shift patrols.
    #[arg(long, default_value_t = 4)]
    ignitions: usize,
    /// Fires that ignite elsewhere (weighted by risk) and that a ground sensor reports.
    #[arg(long, default_value_t = 2)]
    sensor_fires: usize,
    /// Seed of the plan, the fires and the simulator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Planner search time, seconds.
    #[arg(long, default_value_t = 10.0)]
    plan_time_limit: f64,
    /// Wind as SPEED_MPS@FROM_DEG (or 18km/h@270) for the plan, the flights and the smoke.
    /// Default: the area's [weather] wind when it has wind_from_deg, else calm.
    #[arg(long)]
    wind: Option<String>,
    /// Detector: share of fires in view that it misses per image.
    #[arg(long, default_value_t = 0.1)]
    miss_rate: f64,
    /// Detector: false alarms per image.
    #[arg(long, default_value_t = 0.002)]
    false_alarm_rate: f64,
    /// Detector: pixel noise of a detection's position, pixels (1 sigma).
    #[arg(long, default_value_t = 1.5)]
    pixel_noise_px: f64,
    /// Send no drone to verify the alerts: the drones keep to their sorties, as `patrol eval`
    /// predicts them (to compare the two).
    #[arg(long)]
    no_verify: bool,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let (start, end) = args.shift.split_once('-').ok_or_else(|| {
        anyhow::anyhow!(
            "--shift {}: expected HH:MM-HH:MM, e.g. 10:00-12:00",
            args.shift
        )
    })?;
    if !(args.speedup.is_finite() && (1.0..=500.0).contains(&args.speedup)) {
        bail!("--speedup {}: expected 1 to 500", args.speedup);
    }
    if args
        .ignitions
        .checked_add(args.sensor_fires)
        .is_none_or(|n| n > 1000)
    {
        bail!("--ignitions and --sensor-fires: at most 1000 fires in all");
    }
    let detector = DetectorConfig {
        miss_rate: args.miss_rate,
        false_alarm_rate: args.false_alarm_rate,
        pixel_noise_px: args.pixel_noise_px,
        seed: args.seed,
        ..DetectorConfig::default()
    };
    detector.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(w) = &args.wind {
        super::plan::parse_wind(w)?;
    }
    let manifest = patrol_planner::area::manifest::AreaManifest::read(&args.area)
        .with_context(|| format!("demo on {}", args.area.display()))?;
    let (wind, wind_note) = super::plan::wind_for(args.wind.as_deref(), manifest.weather.as_ref())?;
    let run_dir = super::fly::run_dir(args.run_dir.as_deref())?;
    let began = std::time::Instant::now();
    let outcome = run_demo(&DemoOptions {
        area_dir: args.area.clone(),
        run_dir: run_dir.clone(),
        shift: (start.trim().to_string(), end.trim().to_string()),
        speedup: args.speedup,
        fires: patrol_telemetry::demo::fires::DemoFireCounts {
            patrol: args.ignitions,
            alarm: args.sensor_fires,
        },
        seed: args.seed,
        plan_time_limit_s: args.plan_time_limit,
        wind,
        detector,
        verify: !args.no_verify,
        echo: true,
    })
    .with_context(|| format!("demo on {}", args.area.display()))?;
    println!("\n{}", outcome.report);
    if let Some(note) = wind_note {
        eprintln!("{note}");
    }
    println!(
        "demo finished in {:.0} s; run directory {}:",
        began.elapsed().as_secs_f64(),
        outcome.run_dir.display()
    );
    for (path, what) in &outcome.files {
        println!("  {}  {what}", path.display());
    }
    let dir = run_dir.path().display();
    println!(
        "\nNext:\n  patrol alerts list {dir}\n  patrol alerts show {dir} 1\n  patrol view {dir}   (the 3D replay)"
    );
    if !outcome.not_flown.is_empty() {
        bail!(
            "{} sortie(s) not flown: {} (see {})",
            outcome.not_flown.len(),
            outcome.not_flown.join("; "),
            run_dir.events_log().display()
        );
    }
    Ok(())
}
