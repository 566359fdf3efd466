//! `patrol eval`: how soon fires are found on an area, five ways of watching compared.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use patrol_planner::area::Area;
use patrol_planner::export::{plan_json_in, read_plan_json};
use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::energy::Wind;
use patrol_planner::plan::model::Plan;
use patrol_planner::plan::request::PlanRequest;
use patrol_telemetry::eval::picture::render_unfound_map;
use patrol_telemetry::eval::report::{GoalCheck, render};
use patrol_telemetry::eval::run::{EvalInputs, Strategy, evaluate};
use patrol_telemetry::sim::detector::DetectorConfig;
use patrol_telemetry::sim::fire::{random_ignitions, read_fire_file};

/// Evaluate how soon fires are found: towers, alarms and drones, five ways compared.
#[derive(Debug, Args)]
#[command(
    after_help = "Ignites many fires at random places weighted by the area's risk over a shift and works out, from the plans' timed flights, the towers' viewsheds and the alarms, when each is first reported and by what, and how soon a drone could be on scene. Compares: towers and alarms only; drones only; towers and alarms with drones planned for the highest risk, for the blind spots, or flying a lawn-mower survey of the same hours.\n\nWrites eval.md, eval.json and unfound.png into the output directory.\n\nExample:\n  patrol eval missions/cumberland\n  patrol eval missions/cumberland --plan out/ --fires 2000 --seed 7 \\\n    -o out/eval\n  patrol eval missions/cumberland --wind 5@250"
)]
pub struct EvalArgs {
    /// The area directory (holding area.toml).
    area: PathBuf,
    /// A plan directory written by `patrol plan` (or its plan.json) to evaluate as the
    /// blind-spot plan (or as the risk plan if it was planned with --ignore-watch); the
    /// other plan is made for the same shift and drones. Default: both are planned.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Output directory (created if needed).
    #[arg(short, long, default_value = "out/eval")]
    output: PathBuf,
    /// Fires to ignite.
    #[arg(long, default_value_t = 1000)]
    fires: usize,
    /// Seed of the fires and of the towers', alarms' and detectors' draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Evaluate these fires instead (a fire file, such as a demo's fires.json).
    #[arg(long, conflicts_with = "fires")]
    fires_file: Option<PathBuf>,
    /// The shift, local time HH:MM-HH:MM (when no --plan gives it).
    #[arg(long, default_value = "10:00-18:00")]
    shift: String,
    /// Wind as SPEED_MPS@FROM_DEG for the plans made (with --plan: the plan's): the drones
    /// fly in it and the smoke drifts with it.
    /// Default: the area's [weather] wind when it has wind_from_deg, else calm.
    #[arg(long)]
    wind: Option<String>,
    /// Route search time for each plan made, seconds.
    #[arg(long, default_value_t = 10.0)]
    plan_time_limit: f64,
    /// Exact search work per wave and thread instead of the time limit (the same plans on
    /// any machine).
    #[arg(long)]
    work: Option<u64>,
    /// Detector: share of the images showing a fire that it misses.
    #[arg(long, default_value_t = 0.1)]
    miss_rate: f64,
    /// Print eval.json instead of the report.
    #[arg(long)]
    json: bool,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    if !(1..=100_000).contains(&args.fires) {
        bail!("--fires {}: expected 1 to 100000", args.fires);
    }
    let detector = DetectorConfig {
        miss_rate: args.miss_rate,
        seed: args.seed,
        ..DetectorConfig::default()
    };
    detector
        .validate()
        .map_err(|e| anyhow::anyhow!("--miss-rate: {e}"))?;
    // A fire file is read before any planning: a broken one fails at once.
    let given_fires = match &args.fires_file {
        Some(path) => Some(read_fire_file(path)?),
        None => None,
    };
    let area = Area::load(&args.area)?;
    let given = match &args.plan {
        Some(dir) => Some(read_plan_json(&plan_json_in(dir))?),
        None => None,
    };
    let (start, end) = match &given {
        Some(p) => (p.shift.start_local.clone(), p.shift.end_local.clone()),
        None => {
            let (s, e) = args.shift.split_once('-').ok_or_else(|| {
                anyhow::anyhow!(
                    "--shift {}: expected HH:MM-HH:MM, e.g. 10:00-18:00",
                    args.shift
                )
            })?;
            (s.trim().to_string(), e.trim().to_string())
        }
    };
    let drones: Option<Vec<String>> = given
        .as_ref()
        .map(|p| p.drones.iter().map(|d| d.drone_id.clone()).collect());
    let plan_seed = given.as_ref().map_or(args.seed, |p| p.settings.seed);
    let mut wind_note = None;
    let wind = match &given {
        Some(p) => Wind {
            from_deg: p.settings.wind_from_deg,
            speed_mps: p.settings.wind_speed_mps,
        },
        None => {
            let (wind, note) =
                super::plan::wind_for(args.wind.as_deref(), area.manifest.weather.as_ref())?;
            wind_note = note;
            wind
        }
    };
    let request = |use_watch: bool| PlanRequest {
        shift_start: start.clone(),
        shift_end: end.clone(),
        drones: drones.clone(),
        time_limit_s: args.plan_time_limit,
        search_work: args.work,
        seed: plan_seed,
        wind,
        use_watch,
        ..PlanRequest::default()
    };
    let make = |use_watch: bool| -> anyhow::Result<Plan> {
        // Progress on stderr: stdout is the report (or the JSON).
        eprintln!(
            "planning the shift {start}-{end} {} ...",
            if use_watch {
                "for the blind spots"
            } else {
                "for the highest risk"
            }
        );
        plan_patrol(&area, &request(use_watch)).map_err(|e| anyhow::anyhow!("planning: {e}"))
    };
    let (blind, risk) = match given {
        Some(p) if p.watch.as_ref().is_some_and(|w| w.weighted) => (p, make(false)?),
        Some(p) => (make(true)?, p),
        None => (make(true)?, make(false)?),
    };
    let shift_s = blind.shift.duration_s;
    let fires = match given_fires {
        Some(fires) => fires,
        None => {
            let risk_map = area.risk.as_ref().ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: the area has no [risk] layer to draw fires from: {}",
                    args.area.join("area.toml").display(),
                    area.no_risk_hint()
                )
            })?;
            random_ignitions(&area.terrain, risk_map, args.fires, shift_s, args.seed)?
        }
    };
    let began = std::time::Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let evaluation = evaluate(&EvalInputs {
        area: &area,
        blind_spot_plan: &blind,
        risk_plan: &risk,
        fires,
        shift_s,
        detector,
        seed: args.seed,
        threads,
    })
    .context("evaluating")?;
    let took_s = began.elapsed().as_secs_f64();
    let heading = format!("{}, shift {start}–{end}", area.manifest.name);
    let report = render(&evaluation, &area, &heading, args.miss_rate);
    let goal = GoalCheck::of(&evaluation);
    let json = serde_json::json!({
        "area": area.manifest.name,
        "shift": {"start_local": start, "end_local": end, "duration_s": shift_s},
        "seed": args.seed,
        "miss_rate": args.miss_rate,
        "goal": goal,
        "evaluation": evaluation,
    });
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("{}: cannot create the directory", args.output.display()))?;
    let write = |name: &str, text: &str| -> anyhow::Result<()> {
        let path = args.output.join(name);
        std::fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))
    };
    write("eval.md", &report)?;
    write("eval.json", &serde_json::to_string_pretty(&json)?)?;
    let picture = args.output.join("unfound.png");
    if let Some(best) = evaluation.of(Strategy::WatchAndBlindSpotPlan) {
        render_unfound_map(&area, best, 1400)
            .save_png(&picture)
            .with_context(|| format!("{}: cannot write", picture.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!("\n{report}");
        println!(
            "{} fires evaluated in {took_s:.1} s; wrote eval.md, eval.json and unfound.png into {}",
            evaluation.fires,
            args.output.display()
        );
    }
    if let Some(note) = wind_note {
        eprintln!("{note}");
    }
    Ok(())
}
