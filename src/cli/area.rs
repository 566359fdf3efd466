//! `patrol area check|map|risk`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use patrol_planner::area::Area;
use patrol_planner::area::summary::summary_text;
use patrol_planner::map::area_map::AreaMap;
use patrol_planner::risk::daily::compute_area_risk;
use patrol_planner::risk::weather::{CivilDate, WeatherConfig};

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
    /// Compute the day's fire-risk map from terrain, human access, fuel and weather.
    #[command(
        after_help = "Without weather flags the [weather] table of area.toml is used.\n\nExample:\n  patrol area risk missions/cumberland --date 2026-04-05 --temp-c 24 --rh 28 --wind-kmh 18 --rain-mm 0"
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
            let map = AreaMap::render(&area, size_px);
            map.save_png(&output)
                .with_context(|| format!("{}: cannot write the PNG", output.display()))?;
            println!(
                "Wrote {} ({} x {} px, {:.0} m per pixel)",
                output.display(),
                map.canvas.image.width(),
                map.canvas.image.height(),
                map.view.m_per_px()
            );
            Ok(())
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
            Ok(())
        }
    }
}
