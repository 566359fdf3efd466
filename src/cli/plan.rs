//! `patrol plan`: patrol routes for the fleet over a shift, exported as mission files.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use patrol_planner::area::Area;
use patrol_planner::export::write_all;
use patrol_planner::map::plan_map::render_plan_map;
use patrol_planner::plan::build::plan_patrol_capturing;
use patrol_planner::plan::energy::Wind;
use patrol_planner::plan::error::PlanError;
use patrol_planner::plan::request::PlanRequest;
use patrol_planner::plan::resolve::{MAX_TIME_LIMIT_S, MIN_PATROL_HEIGHT_AGL_M, RequestError};
use patrol_planner::plan::summary::summary_text;
use patrol_planner::plan::wall_clock;

/// Plan a shift of patrols over an area's fire risk.
#[derive(Debug, Args)]
#[command(
    after_help = "Writes per sortie a QGroundControl .plan and a .waypoints file, plan.kml, routes.geojson, cells.geojson, plan.json, summary.csv and plan.png into the output directory.\n\nExample:\n  patrol plan missions/cumberland -o out/ --shift 10:00-18:00 --wind 4@250 \\\n    --time-limit 20"
)]
pub struct PlanArgs {
    /// The area directory (holding area.toml).
    area: PathBuf,
    /// Output directory (created if needed).
    #[arg(short, long)]
    output: PathBuf,
    /// The shift, local time HH:MM-HH:MM.
    #[arg(long, default_value = "10:00-18:00")]
    shift: String,
    /// Drones to use, by id, comma-separated (default: the whole fleet).
    #[arg(long, value_delimiter = ',')]
    drones: Option<Vec<String>>,
    /// Wind as SPEED_MPS@FROM_DEG (e.g. 5@270: 5 m/s from the west; 18km/h@270 in km/h).
    /// Default: the area's [weather] wind when it has wind_from_deg, else calm.
    #[arg(long)]
    wind: Option<String>,
    /// Time the route search may take, seconds.
    #[arg(long, default_value_t = 20.0)]
    time_limit: f64,
    /// Search seed: the same seed gives the same plan.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Patrol height above the ground, metres.
    #[arg(long, default_value_t = 100.0)]
    alt_agl: f64,
    /// Highest height above the ground on any leg, metres.
    #[arg(long, default_value_t = 120.0)]
    ceiling_agl: f64,
    /// Lowest height above the ground on any leg, metres.
    #[arg(long, default_value_t = 60.0)]
    min_agl: f64,
    /// Longest time between visits of class-5 cells, minutes.
    #[arg(long, default_value_t = 60.0)]
    revisit_class5_min: f64,
    /// Longest time between visits of class-4 cells, minutes.
    #[arg(long, default_value_t = 120.0)]
    revisit_class4_min: f64,
    /// Longest time between visits of class-3 cells, minutes.
    #[arg(long, default_value_t = 240.0)]
    revisit_class3_min: f64,
    /// Exact search work per wave and thread, replacing the time limit: the same plan on any
    /// machine however loaded (for tests and comparisons).
    #[arg(long)]
    work: Option<u64>,
    /// The shift's date, YYYY-MM-DD (default: today in the area's time zone). With the area's
    /// `time_zone` (or this machine's) it puts the plan on the wall clock for `patrol fly`.
    #[arg(long)]
    date: Option<String>,
    /// Plan as if the area's towers and infrared alarms watched nothing: the drones go to the
    /// highest risk rather than to the blind spots (the summary still says who watches what).
    #[arg(long)]
    ignore_watch: bool,
    /// Also write the first wave's routing problem as a `patrol route solve` instance (point
    /// visits, straight-line distances), to compare solvers on this area.
    #[arg(long)]
    export_instance: Option<PathBuf>,
}

/// Parses `--wind SPEED@FROM_DEG`: the speed in m/s, or in km/h with that suffix (`18km/h@240`,
/// as weather reports and the area's `[weather]` give it).
pub(crate) fn parse_wind(text: &str) -> anyhow::Result<Wind> {
    let (speed, from) = text
        .split_once('@')
        .ok_or_else(|| anyhow::anyhow!("--wind {text}: expected SPEED_MPS@FROM_DEG, e.g. 5@270"))?;
    let speed = speed.trim();
    let (number, per_mps) = if let Some(n) = speed
        .strip_suffix("km/h")
        .or_else(|| speed.strip_suffix("kmh"))
    {
        (n, 3.6)
    } else {
        (speed.strip_suffix("m/s").unwrap_or(speed), 1.0)
    };
    let speed_mps: f64 = number
        .trim()
        .parse::<f64>()
        .map(|v| v / per_mps)
        .with_context(|| format!("--wind {text}: speed '{speed}' is not a number"))?;
    let from_deg: f64 = from
        .trim()
        .parse()
        .with_context(|| format!("--wind {text}: direction '{from}' is not a number"))?;
    if !(0.0..=360.0).contains(&from_deg) || !(0.0..=60.0).contains(&speed_mps) {
        anyhow::bail!(
            "--wind {text}: expected a speed of 0 to 60 m/s and a direction of 0 to 360 degrees"
        );
    }
    Ok(Wind {
        from_deg,
        speed_mps,
    })
}

/// The wind to plan and fly in: `--wind` when given, else the area's `[weather]` (its
/// `wind_kmh` from `wind_from_deg`), else calm air; with a note saying which when it is not
/// the flag's, so a user who forgot `--wind` sees what was assumed (printed once the command
/// has done its work, not before an error).
pub(crate) fn wind_for(
    flag: Option<&str>,
    weather: Option<&patrol_planner::risk::weather::WeatherConfig>,
) -> anyhow::Result<(Wind, Option<String>)> {
    if let Some(text) = flag {
        return Ok((parse_wind(text)?, None));
    }
    Ok(match weather {
        Some(w) => match w.wind() {
            Some(wind) => (
                wind,
                Some(format!(
                    "note: wind {:.1} m/s ({} km/h) from {:.0}°, from the area's [weather] (--wind overrides)",
                    wind.speed_mps, w.wind_kmh, wind.from_deg
                )),
            ),
            None if w.wind_kmh > 0.0 => (
                Wind::CALM,
                Some(format!(
                    "note: calm air assumed: the area's [weather] has wind_kmh = {} but no wind_from_deg (add it, or give --wind)",
                    w.wind_kmh
                )),
            ),
            None => (Wind::CALM, None),
        },
        None => (Wind::CALM, None),
    })
}

/// A request error as the user typed it: the flag that feeds the value, the value, and what
/// the flag expects. The planner names the shift, heights, wind or drone; only the command
/// line knows which flag it came from.
fn flag_error_text(e: &RequestError) -> String {
    const SHIFT_FORMAT: &str = "expected HH:MM-HH:MM, e.g. 10:00-18:00";
    match e {
        RequestError::ShiftTimeUnreadable { text, .. } => format!("--shift {text}: {SHIFT_FORMAT}"),
        RequestError::ShiftEndBeforeStart { start, end } => {
            format!(
                "--shift {start}-{end}: the shift ends when it starts (an end before the start is the next day's)"
            )
        }
        // A ceiling out of range is reported with the patrol height it bounds.
        RequestError::PatrolHeightOutOfRange {
            alt_agl_m,
            ceiling_agl_m,
        } => format!(
            "--alt-agl {alt_agl_m}: the patrol height must be {MIN_PATROL_HEIGHT_AGL_M} m or more and at most the ceiling ({ceiling_agl_m} m)"
        ),
        RequestError::LowestHeightOutOfRange { min_agl_m, .. } => {
            format!("--min-agl {min_agl_m}: must be above 0 and below the patrol height")
        }
        RequestError::WindOutOfRange {
            speed_mps,
            from_deg,
        } => format!("--wind {speed_mps}@{from_deg}: expected SPEED_MPS@FROM_DEG, e.g. 5@270"),
        RequestError::TimeLimitOutOfRange { time_limit_s } => format!(
            "--time-limit {time_limit_s}: expected more than 0 and at most {MAX_TIME_LIMIT_S} seconds"
        ),
        // No flag sets the side overlap (`patrol plan` keeps the planner's default).
        RequestError::SideOverlapOutOfRange { .. } => e.to_string(),
        RequestError::WallClock(w) => format!("--date: {w}"),
        RequestError::UnknownDrone { id, known } => {
            format!("--drones {id}: no such drone (fleet: {})", known.join(", "))
        }
    }
}

pub fn run(args: PlanArgs) -> anyhow::Result<()> {
    let (start, end) = args.shift.split_once('-').ok_or_else(|| {
        anyhow::anyhow!(
            "--shift {}: expected HH:MM-HH:MM, e.g. 10:00-18:00",
            args.shift
        )
    })?;
    let request = PlanRequest {
        shift_start: start.trim().to_string(),
        shift_end: end.trim().to_string(),
        drones: args.drones,
        time_limit_s: args.time_limit,
        seed: args.seed,
        alt_agl_m: args.alt_agl,
        ceiling_agl_m: args.ceiling_agl,
        min_agl_m: args.min_agl,
        revisit_min: [
            None,
            None,
            Some(args.revisit_class3_min),
            Some(args.revisit_class4_min),
            Some(args.revisit_class5_min),
        ],
        search_work: args.work,
        use_watch: !args.ignore_watch,
        ..PlanRequest::default()
    };
    // Before the search: a folder holding someone else's missions is refused.
    patrol_planner::export::check_plan_dir(&args.output)?;
    let area = Area::load(&args.area)?;
    // The shift on the wall clock: the area's time zone (else this machine's), the date given
    // or today there.
    let time_zone = area
        .manifest
        .time_zone
        .clone()
        .unwrap_or_else(wall_clock::system_time_zone);
    let date = match &args.date {
        Some(d) => d.clone(),
        None => wall_clock::today_in(&time_zone)?,
    };
    let (wind, wind_note) = wind_for(args.wind.as_deref(), area.manifest.weather.as_ref())?;
    let request = PlanRequest {
        date: Some(date),
        time_zone: Some(time_zone),
        wind,
        ..request
    };
    let mut first_wave = None;
    let capture = args.export_instance.is_some().then_some(&mut first_wave);
    let mut plan = plan_patrol_capturing(&area, &request, capture).map_err(|e| match e {
        PlanError::Request(e) => anyhow::anyhow!(flag_error_text(&e)),
        e => e.into(),
    })?;
    // The area as seen from the plan's directory: `patrol fly --plan` finds it from anywhere.
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("{}: cannot create the directory", args.output.display()))?;
    if let Some(rel) = patrol_planner::export::relative_path(&args.area, &args.output) {
        plan.area_dir = rel.display().to_string();
    }
    if let (Some(path), Some(instance)) = (&args.export_instance, &first_wave) {
        let text = serde_json::to_string(instance)?;
        std::fs::write(path, text)
            .with_context(|| format!("{}: cannot write the instance", path.display()))?;
        println!(
            "Wrote the first wave's routing instance ({} nodes, {} vehicles) to {}",
            instance.nodes.len(),
            instance.vehicles.len(),
            path.display()
        );
    }
    std::fs::create_dir_all(&args.output).with_context(|| {
        format!(
            "{}: cannot create the output directory",
            args.output.display()
        )
    })?;
    let files = write_all(&plan, &args.output)?;
    let png = args.output.join("plan.png");
    render_plan_map(&area, &plan, 1200)
        .save_png(&png)
        .with_context(|| format!("{}: cannot write the PNG", png.display()))?;
    print!("{}", summary_text(&plan));
    if let Some(note) = wind_note {
        eprintln!("{note}");
    }
    println!(
        "Wrote {} files and plan.png into {}",
        files.len(),
        args.output.display()
    );
    Ok(())
}
