//! `patrol view` end to end: errors as one line and exit code 1, and a real render under a
//! virtual X display (Xvfb, Mesa's llvmpipe Vulkan) whose picture is checked for content:
//! terrain over most of the image and the first drone's track colour where its track projects
//! in the top view.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{OutputText, bundled_area, expect_error, patrol};
use patrol_planner::area::manifest::AreaManifest;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_telemetry::dialect::MavMessage;

/// The scene's background (patrol_viewer::scene::BACKGROUND_SRGB).
const BACKGROUND: [u8; 3] = [20, 24, 32];
/// The first drone's track colour (patrol_viewer::scene::palette::DRONE_COLOURS_SRGB[0]).
const FIRST_DRONE: [u8; 3] = [255, 0, 255];
/// The top view fits 1.05 x the DEM's extent (patrol_viewer::scene::camera::TOP_MARGIN).
const TOP_MARGIN: f64 = 1.05;
const WIDTH: u32 = 800;
const HEIGHT: u32 = 600;

/// A short demo run (30 minutes of shift) in `dir/run`.
fn demo_run(dir: &Path) -> PathBuf {
    let run = dir.join("run");
    let out = patrol(&[
        "demo",
        bundled_area().to_str().expect("utf-8"),
        "--shift",
        "10:00-10:30",
        "--speedup",
        "200",
        "--ignitions",
        "1",
        "--sensor-fires",
        "1",
        "--plan-time-limit",
        "2",
        "--run-dir",
        run.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "demo failed:\n{}\n{}",
        out.stderr_text(),
        out.stdout_text()
    );
    run
}

/// The first tlog's (lowest system id) position fixes: (lat_deg, lon_deg), read with the
/// telemetry crate's tlog reader, not the viewer's.
fn first_drone_positions(run: &Path) -> Vec<(f64, f64)> {
    let mut tlogs: Vec<(u8, PathBuf)> = std::fs::read_dir(run)
        .expect("run dir")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let id = name
                .strip_prefix("vehicle-")?
                .strip_suffix(".tlog")?
                .parse()
                .ok()?;
            Some((id, e.path()))
        })
        .collect();
    tlogs.sort();
    let (sysid, path) = tlogs.first().expect("a tlog").clone();
    let contents = patrol_telemetry::tlog::read_tlog(&path).expect("tlog reads");
    contents
        .records
        .iter()
        .filter(|(_, f)| f.system_id() == sysid && f.component_id() == 1)
        .filter_map(|(_, f)| match f.decode() {
            Ok(MavMessage::GLOBAL_POSITION_INT(p)) => {
                Some((f64::from(p.lat) / 1e7, f64::from(p.lon) / 1e7))
            }
            _ => None,
        })
        .collect()
}

/// Pixel (x, y) of a WGS 84 point in the top view: orthographic, north up, the DEM extent's
/// centre in the middle, scaled so that TOP_MARGIN x the extent fits both ways.
fn top_view_projector(area: &Path) -> impl Fn(f64, f64) -> (f64, f64) + use<> {
    let manifest = AreaManifest::read(area).expect("area.toml");
    let terrain = patrol_planner::area::load_terrain(area, &manifest).expect("terrain");
    let b = terrain.extent();
    let (mut half_e, mut half_n) = (0f64, 0f64);
    for (lat, lon) in [
        (b.south_deg, b.west_deg),
        (b.south_deg, b.east_deg),
        (b.north_deg, b.west_deg),
        (b.north_deg, b.east_deg),
    ] {
        let p = terrain.geodetic_to_enu(Geodetic {
            lat_deg: lat,
            lon_deg: lon,
            alt_amsl_m: 0.0,
        });
        half_e = half_e.max(p.east_m.abs());
        half_n = half_n.max(p.north_m.abs());
    }
    let m_per_px = (2.0 * half_e * TOP_MARGIN / f64::from(WIDTH))
        .max(2.0 * half_n * TOP_MARGIN / f64::from(HEIGHT));
    move |lat, lon| {
        let p = terrain.geodetic_to_enu(Geodetic {
            lat_deg: lat,
            lon_deg: lon,
            alt_amsl_m: 0.0,
        });
        (
            f64::from(WIDTH) / 2.0 + p.east_m / m_per_px,
            f64::from(HEIGHT) / 2.0 - p.north_m / m_per_px,
        )
    }
}

fn is_first_drone_colour(p: [u8; 3]) -> bool {
    p[0] >= 200
        && p[1] <= 80
        && p[2] >= 200
        && p != BACKGROUND
        && p[0].abs_diff(FIRST_DRONE[0]) < 56
}

#[test]
fn view_renders_terrain_and_tracks_where_they_belong() {
    assert!(
        Command::new("xvfb-run").arg("--help").output().is_ok(),
        "xvfb-run is missing: scripts/test.sh installs xvfb and mesa-vulkan-drivers"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = demo_run(tmp.path());
    let runtime = tmp.path().join("xdg");
    std::fs::create_dir(&runtime).expect("runtime dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let shot = tmp.path().join("shot.png");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1920x1080x24"])
        .arg(env!("CARGO_BIN_EXE_patrol"))
        .args(["view", run.to_str().expect("utf-8"), "--top", "--size"])
        .arg(format!("{WIDTH}x{HEIGHT}"))
        .arg("--screenshot")
        .arg(&shot)
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("xvfb-run runs");
    assert!(
        out.status.success(),
        "patrol view failed ({:?}):\n{}\n{}",
        out.status,
        out.stderr_text(),
        out.stdout_text()
    );
    let img = image::open(&shot)
        .expect("the screenshot is a PNG")
        .to_rgb8();
    assert_eq!(img.dimensions(), (WIDTH, HEIGHT));

    // Terrain everywhere the DEM projects: most of the picture is not background.
    let background = img
        .pixels()
        .filter(|p| p.0.iter().zip(BACKGROUND).all(|(a, b)| a.abs_diff(b) <= 3))
        .count();
    let share = background as f64 / f64::from(WIDTH * HEIGHT);
    assert!(
        share < 0.4,
        "{:.0} % of the picture is background: no terrain drawn",
        share * 100.0
    );
    // The terrain is shaded: many distinct colours, not a flat fill.
    let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 500, "only {} colours", colours.len());

    // The first drone's track: its colour near where its position fixes project...
    let project = top_view_projector(&bundled_area());
    let fixes = first_drone_positions(&run);
    assert!(fixes.len() > 100, "only {} position fixes", fixes.len());
    let near_colour = |x: f64, y: f64, r: i64| {
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        (-r..=r).any(|dy| {
            (-r..=r).any(|dx| {
                let (px, py) = (cx + dx, cy + dy);
                px >= 0
                    && py >= 0
                    && px < i64::from(WIDTH)
                    && py < i64::from(HEIGHT)
                    && is_first_drone_colour(img.get_pixel(px as u32, py as u32).0)
            })
        })
    };
    let step = (fixes.len() / 50).max(1);
    let checked: Vec<(f64, f64)> = fixes
        .iter()
        .step_by(step)
        .map(|&(lat, lon)| project(lat, lon))
        .collect();
    let hits = checked
        .iter()
        .filter(|&&(x, y)| near_colour(x, y, 4))
        .count();
    assert!(
        hits * 10 >= checked.len() * 8,
        "the first drone's colour is near only {hits} of {} projected fixes",
        checked.len()
    );
    // ...and not elsewhere: nearly every pixel of that colour lies near a fix.
    let projected: Vec<(f64, f64)> = fixes.iter().map(|&(lat, lon)| project(lat, lon)).collect();
    let mut coloured = 0;
    let mut stray = 0;
    for (x, y, p) in img.enumerate_pixels() {
        if !is_first_drone_colour(p.0) {
            continue;
        }
        coloured += 1;
        let near = projected
            .iter()
            .any(|&(px, py)| (px - f64::from(x)).abs() <= 8.0 && (py - f64::from(y)).abs() <= 8.0);
        if !near {
            stray += 1;
        }
    }
    assert!(
        coloured > 50,
        "only {coloured} pixels in the first drone's colour"
    );
    assert!(
        stray * 20 <= coloured,
        "{stray} of {coloured} pixels in the first drone's colour are far from its track"
    );
}

#[test]
fn view_names_bad_input() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("no-such-run");
    let out = patrol(&[
        "view",
        missing.to_str().expect("utf-8"),
        "--screenshot",
        "x.png",
    ]);
    expect_error(&out, &["no-such-run", "no such run directory"]);

    let out = patrol(&["view", tmp.path().to_str().expect("utf-8")]);
    expect_error(&out, &["plan.json", "missing"]);

    let out = patrol(&["view", tmp.path().to_str().expect("utf-8"), "--size", "big"]);
    expect_error(&out, &["size `big`", "WIDTHxHEIGHT"]);
}
