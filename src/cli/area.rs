//! `patrol area check|map|risk`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use patrol_planner::area::Area;
use patrol_planner::area::summary::summary_text;
use patrol_planner::area::summary::watch_lines;
use patrol_planner::map::area_map::AreaMap;
use patrol_planner::map::coverage_map::draw_watch_posts;
use patrol_planner::risk::daily::compute_area_risk;
use patrol_planner::risk::weather::{CivilDate, WeatherConfig};
use patrol_planner::watch::coverage::WatchCoverage;
use patrol_planner::watch::siting::SitingRequest;

#[derive(Debug, Subcommand)]
pub enum AreaCommand {
    /// Validate every layer of an area and print a summary.
    #[command(after_help = "Example:\n  patrol area check missions/cumberland")]
    Check {
        /// The area directory (holding area.toml).
        dir: PathBuf,
    },
    /// Draw the area's fire-risk heat map as a PNG.
    #[command(after_help = "Example:\n  patrol area map missions/cumberland -o map.png")]
    Map {
        /// The area directory (holding area.toml).
        dir: PathBuf,
        /// Where to write the PNG.
        #[arg(short, long, default_value = "map.png")]
        output: PathBuf,
        /// Size of the map's larger side, pixels (the legend is added beside it).
        #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u32).range(200..=8000))]
        size_px: u32,
    },
    /// What the area's video towers and infrared alarms watch: GeoTIFFs of the smoke column a
    /// fire needs before a tower sees it and of how many towers see a column of the area's
    /// reference height, a map, and the shares of the risk each watches.
    #[command(
        after_help = "Example:\n  patrol area coverage missions/cumberland -o coverage/\n\nWrites coverage/column-height.tif (metres above the ground; NoData where no tower reaches), coverage/towers-seeing.tif (0, 1, 2, ...) and coverage/coverage.png."
    )]
    Coverage {
        /// The area directory (holding area.toml).
        dir: PathBuf,
        /// Directory for the files (created if missing).
        #[arg(short, long, default_value = "coverage")]
        output: PathBuf,
        /// Size of the map's larger side, pixels.
        #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u32).range(200..=8000))]
        size_px: u32,
    },
    /// Propose sites for new video towers (summits and ridges near a road) that watch the
    /// most risk, around the towers and alarms already there when asked.
    #[command(
        after_help = "Example:\n  patrol area site-towers missions/cumberland --count 5 --existing \\\n    -o new-towers.geojson"
    )]
    SiteTowers {
        /// The area directory (holding area.toml).
        dir: PathBuf,
        /// How many towers to propose.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
        count: u32,
        /// Keep the area's towers and alarms and site around them (else from scratch).
        #[arg(long)]
        existing: bool,
        /// Camera height above the ground of the new towers, metres.
        #[arg(long, default_value_t = 30.0)]
        mast_agl_m: f64,
        /// Camera range of the new towers, metres.
        #[arg(long, default_value_t = 5000.0)]
        range_m: f64,
        /// Farthest a site may be from a road, metres.
        #[arg(long, default_value_t = 1000.0)]
        road_reach_m: f64,
        /// Closest two towers may stand, metres.
        #[arg(long, default_value_t = 2000.0)]
        min_spacing_m: f64,
        /// Write the proposed towers as a GeoJSON layer (usable as the area's `towers`).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Compute the day's fire-risk map from terrain, human access, fuel and weather.
    #[command(
        after_help = "Without weather flags the [weather] table of area.toml is used.\n\nExample:\n  patrol area risk missions/cumberland --date 2026-04-05 --temp-c 24 \\\n    --rh 28 --wind-kmh 18 --rain-mm 0"
    )]
    Risk {
        /// The area directory (holding area.toml).
        dir: PathBuf,
        /// Where to write risk.tif and danger-classes.tif (default: <dir>/risk).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        weather: WeatherArgs,
    },
}

/// Noon weather given on the command line (all or none).
#[derive(Debug, Args)]
pub struct WeatherArgs {
    /// Day of the observation, YYYY-MM-DD.
    #[arg(long, requires_all = ["temp_c", "rh", "wind_kmh", "rain_mm"])]
    date: Option<String>,
    /// Noon air temperature, °C.
    #[arg(long, allow_negative_numbers = true, requires = "date")]
    temp_c: Option<f64>,
    /// Noon relative humidity, percent.
    #[arg(long, requires = "date")]
    rh: Option<f64>,
    /// Noon 10 m wind speed, km/h.
    #[arg(long, requires = "date")]
    wind_kmh: Option<f64>,
    /// Rain in the 24 hours to noon, mm.
    #[arg(long, requires = "date")]
    rain_mm: Option<f64>,
    /// FWI state file with yesterday's codes (default: area.toml's, or fwi-state.json).
    #[arg(long)]
    state: Option<PathBuf>,
}

pub fn run(cmd: AreaCommand) -> anyhow::Result<()> {
    match cmd {
        AreaCommand::Check { dir } => {
            let area = Area::load(&dir)?;
            print!("{}", summary_text(&area));
            println!("OK: {} is a valid patrol area.", dir.display());
            Ok(())
        }
        AreaCommand::Map {
            dir,
            output,
            size_px,
        } => {
            let area = Area::load(&dir)?;
            let mut map = AreaMap::render(&area, size_px);
            draw_watch_posts(&mut map, &area);
            map.save_png(&output)
                .with_context(|| format!("{}: cannot write the PNG", output.display()))?;
            println!(
                "Wrote {} ({} x {} px, {:.0} m per pixel)",
                output.display(),
                map.canvas.image.width(),
                map.canvas.image.height(),
                map.view.m_per_px()
            );
            // The watch it shows, in figures (as `patrol area check` prints them).
            if let (Some(risk), Some(cov)) = (&area.risk, WatchCoverage::of_area(&area)) {
                println!(
                    "Watch: {} towers (triangles, rings at their range), {} infrared alarms (squares)",
                    area.towers.len(),
                    area.ir_alarms.len()
                );
                print!(
                    "{}",
                    watch_lines(&cov.shares(risk), cov.settings.smoke_column_m)
                );
            }
            Ok(())
        }
        AreaCommand::Coverage {
            dir,
            output,
            size_px,
        } => coverage(&dir, &output, size_px),
        AreaCommand::SiteTowers {
            dir,
            count,
            existing,
            mast_agl_m,
            range_m,
            road_reach_m,
            min_spacing_m,
            output,
        } => {
            for (name, v, lo, hi) in [
                ("--mast-agl-m", mast_agl_m, 0.0, 300.0),
                ("--range-m", range_m, 100.0, 50_000.0),
                ("--road-reach-m", road_reach_m, 0.0, 100_000.0),
                ("--min-spacing-m", min_spacing_m, 0.0, 100_000.0),
            ] {
                if !(v.is_finite() && (lo..=hi).contains(&v)) {
                    anyhow::bail!("{name} {v}: expected {lo} to {hi}");
                }
            }
            site_towers(
                &dir,
                &SitingRequest {
                    count: count as usize,
                    mast_agl_m,
                    range_m,
                    road_reach_m,
                    min_spacing_m,
                    ..SitingRequest::default()
                },
                existing,
                output.as_deref(),
            )
        }
        AreaCommand::Risk {
            dir,
            output,
            weather,
        } => {
            let config = match (
                weather.date,
                weather.temp_c,
                weather.rh,
                weather.wind_kmh,
                weather.rain_mm,
            ) {
                (Some(date), Some(temp_c), Some(rh_pct), Some(wind_kmh), Some(rain_24h_mm)) => {
                    Some(WeatherConfig {
                        date,
                        temp_c,
                        rh_pct,
                        wind_kmh,
                        rain_24h_mm,
                        wind_from_deg: None,
                        state_file: weather
                            .state
                            .unwrap_or_else(|| PathBuf::from("fwi-state.json")),
                    })
                }
                _ => None,
            };
            if let Some(c) = &config {
                if CivilDate::parse(&c.date).is_none() {
                    anyhow::bail!("--date {}: expected a date YYYY-MM-DD", c.date);
                }
                c.noon().validate().map_err(|e| {
                    anyhow::anyhow!(
                        "command-line weather (--temp-c, --rh, --wind-kmh, --rain-mm): {e}"
                    )
                })?;
            }
            let report = compute_area_risk(&dir, config, output.as_deref())?;
            if let (Some(date), Some(f)) = (&report.date, &report.fwi) {
                println!(
                    "Fire weather {date}: FFMC {:.1}  DMC {:.1}  DC {:.1}  ISI {:.1}  BUI {:.1}  FWI {:.1}",
                    f.codes.ffmc, f.codes.dmc, f.codes.dc, f.isi, f.bui, f.fwi
                );
            }
            for note in &report.notes {
                println!("note: {note}");
            }
            let total: usize = report.pixels_per_class.iter().sum();
            println!(
                "Mean risk index {:.3} over {} DEM pixels",
                report.mean_risk, total
            );
            for (i, n) in report.pixels_per_class.iter().enumerate() {
                let class = patrol_planner::risk::class::DangerClass::ALL[i];
                println!(
                    "  class {:<14} {:>5.1}%",
                    class.to_string(),
                    100.0 * *n as f64 / total.max(1) as f64
                );
            }
            println!(
                "Wrote {} and {}",
                report.risk_tif.display(),
                report.classes_tif.display()
            );
            println!("{}", risk_use_hint(&dir, &report.risk_tif));
            Ok(())
        }
    }
}

/// What to do with the risk map just written at `written`: whether `area.toml` already plans
/// with it, names another file, or has no `[risk]` (then the table to add).
fn risk_use_hint(dir: &std::path::Path, written: &std::path::Path) -> String {
    let manifest = match patrol_planner::area::manifest::AreaManifest::read(dir) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    // The path as area.toml would name it: relative to the area's directory when inside it.
    let relative = written
        .strip_prefix(dir)
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|_| written.to_path_buf());
    let same = |p: &std::path::Path| {
        let a = dir.join(p);
        match (a.canonicalize(), written.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == written,
        }
    };
    match &manifest.risk {
        Some(r) if same(&r.path) => format!(
            "The area plans with it ([risk] path = \"{}\" in area.toml).",
            r.path.display()
        ),
        Some(r) => format!(
            "note: area.toml's [risk] names {}, so plans do not use this map; to plan with it, set in area.toml:\n[risk]\npath = \"{}\"",
            r.path.display(),
            relative.display()
        ),
        None => format!(
            "To plan with it, add to area.toml:\n[risk]\npath = \"{}\"",
            relative.display()
        ),
    }
}

/// `patrol area coverage`.
fn coverage(dir: &std::path::Path, out: &std::path::Path, size_px: u32) -> anyhow::Result<()> {
    use patrol_planner::raster::Raster;
    use patrol_planner::raster::geotiff_write::{SampleType, write_geotiff};
    let area = Area::load(dir)?;
    if area.towers.is_empty() && area.ir_alarms.is_empty() {
        anyhow::bail!(
            "{}: the area has no towers and no infrared alarms (add `towers` or `ir_alarms` to [layers]; `patrol area site-towers` proposes towers)",
            dir.join("area.toml").display()
        );
    }
    let risk = area.risk.as_ref().with_context(|| {
        format!(
            "{}: the area has no [risk] layer: {}",
            dir.join("area.toml").display(),
            area.no_risk_hint()
        )
    })?;
    let cov = WatchCoverage::of_area(&area).context("the area has no watch to map")?;
    let shares = cov.shares(risk);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let dem = area.terrain.raster();
    let as_raster = |data: Vec<f32>| Raster {
        data,
        ..dem.clone()
    };
    let column = out.join("column-height.tif");
    write_geotiff(
        &column,
        &as_raster(cov.lowest_column_m(&area.terrain)),
        SampleType::Float32,
    )?;
    let seeing = out.join("towers-seeing.tif");
    write_geotiff(
        &seeing,
        &as_raster(cov.towers_seeing(&area.terrain)),
        SampleType::UInt8,
    )?;
    let png = out.join("coverage.png");
    patrol_planner::map::coverage_map::render_coverage_map(&area, &cov, &shares, size_px)
        .save_png(&png)
        .with_context(|| format!("{}: cannot write the PNG", png.display()))?;
    println!(
        "Watch of {}: {} towers, {} infrared alarms",
        area.name(),
        area.towers.len(),
        area.ir_alarms.len()
    );
    print!("{}", watch_lines(&shares, cov.settings.smoke_column_m));
    for (i, t) in area.towers.iter().enumerate() {
        let cells = cov
            .cells
            .iter()
            .filter(|c| {
                c.towers
                    .iter()
                    .any(|&(k, h)| k == i && f64::from(h) <= cov.settings.smoke_column_m)
            })
            .count();
        println!(
            "  tower {:<12} mast {:>3.0} m, range {:>5.1} km: sees {cells} planning cells",
            t.id,
            t.mast_agl_m,
            t.range_m / 1000.0
        );
    }
    println!(
        "Wrote {} (smoke column a tower needs, metres above the ground), {} (towers seeing a {:.0} m column) and {}",
        column.display(),
        seeing.display(),
        cov.settings.smoke_column_m,
        png.display()
    );
    Ok(())
}

/// `patrol area site-towers`.
fn site_towers(
    dir: &std::path::Path,
    req: &SitingRequest,
    existing: bool,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use patrol_planner::watch::siting::site_towers;
    let area = Area::load(dir)?;
    let (towers, alarms) = if existing {
        (area.towers.clone(), area.ir_alarms.clone())
    } else {
        (Vec::new(), Vec::new())
    };
    let began = std::time::Instant::now();
    let sites = site_towers(&area, &towers, &alarms, area.manifest.watch, req)?;
    println!(
        "{} tower sites for {} ({}; mast {:.0} m, range {:.1} km, within {:.0} m of a road, {:.0} m apart), {:.1} s:",
        sites.len(),
        area.name(),
        if existing {
            format!(
                "around its {} towers and {} alarms",
                towers.len(),
                alarms.len()
            )
        } else {
            "from scratch".to_string()
        },
        req.mast_agl_m,
        req.range_m / 1000.0,
        req.road_reach_m,
        req.min_spacing_m,
        began.elapsed().as_secs_f64()
    );
    let mut sum = 0.0;
    for s in &sites {
        sum += s.risk_gained;
        println!(
            "  {:<8} {:.5}, {:.5}  ground {:>5.0} m  adds {:>5.1}% of the risk watched (total {:.1}%)",
            s.tower.id,
            s.tower.lat_deg,
            s.tower.lon_deg,
            s.ground_amsl_m,
            s.risk_gained * 100.0,
            sum * 100.0
        );
    }
    if let Some(path) = output {
        let features: Vec<serde_json::Value> = sites
            .iter()
            .map(|s| {
                serde_json::json!({
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [s.tower.lon_deg, s.tower.lat_deg]},
                    "properties": {
                        "id": s.tower.id,
                        "mast_agl_m": s.tower.mast_agl_m,
                        "range_m": s.tower.range_m,
                        "recognition_delay_s": s.tower.recognition_delay_s,
                        "detection_probability": s.tower.detection_probability,
                    },
                })
            })
            .collect();
        let doc = serde_json::json!({"type": "FeatureCollection", "features": features});
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("Wrote {} (a `towers` layer for area.toml)", path.display());
    }
    Ok(())
}
