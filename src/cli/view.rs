//! `patrol view`: replay a run in 3D over the terrain, or render one picture of it.

use std::path::PathBuf;

use clap::Args;
use patrol_viewer::scene::colouring::TrackColouring;
use patrol_viewer::{ViewOptions, run_viewer};

/// Replay a whole patrol run in 3D: terrain, plans, flown tracks, drones, alerts and fires.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  patrol view runs/demo-1\n  patrol view runs/demo-1 --screenshot shot.png --at 10:42:10 \\\n    --size 1600x900 --follow q1\n  patrol view runs/demo-1 --screenshot map.png --top --risk --colour-by height\n  patrol view flight.tlog --area missions/cumberland\n  patrol view out/   (a plan folder: its sorties before they are flown)\n  patrol view out/q1-1.plan   (one mission file before upload)\n\nKeys: Space play/pause, Left/Right 1 s (Shift: 10 s), Up/Down speed, N/P next/previous detection or alert event, R risk map, C track colouring (drone, mode, height)."
)]
pub struct ViewArgs {
    /// The run directory (from `patrol fly` or `patrol demo`), a plan folder (from `patrol
    /// plan -o`, previewed before it is flown), a .plan or .waypoints mission file, or a bare
    /// tlog (with --area).
    run_dir: PathBuf,
    /// The patrol area directory (default: the plan's area_dir; required for a bare tlog).
    #[arg(long)]
    area: Option<PathBuf>,
    /// Colour the flown tracks by `drone`, flight `mode` or `height` above the ground.
    #[arg(long, value_name = "BY", default_value = "drone")]
    colour_by: String,
    /// Show the risk heat map over the terrain at the start (R toggles it).
    #[arg(long)]
    risk: bool,
    /// Render one frame into this PNG and exit.
    #[arg(long, value_name = "PNG")]
    screenshot: Option<PathBuf>,
    /// When: the shift's local time of day, HH:MM[:SS] (as events.log and the alerts read),
    /// or +H:MM:SS from the run's start (default: the start; for --screenshot the end).
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Window (and picture) size in pixels, WIDTHxHEIGHT.
    #[arg(long, value_name = "WxH")]
    size: Option<String>,
    /// Follow this drone (its id in the fleet file, e.g. q1).
    #[arg(long, value_name = "DRONE")]
    follow: Option<String>,
    /// Look straight down, north up, the whole area in view.
    #[arg(long, conflicts_with = "follow")]
    top: bool,
}

pub fn run(args: ViewArgs) -> anyhow::Result<()> {
    run_viewer(ViewOptions {
        run_dir: args.run_dir,
        area: args.area,
        colour_by: TrackColouring::parse(&args.colour_by)?,
        risk: args.risk,
        screenshot: args.screenshot.clone(),
        at: args.at,
        size: args.size,
        follow: args.follow,
        top: args.top,
    })?;
    if let Some(path) = args.screenshot {
        println!("{}", path.display());
    }
    Ok(())
}
