//! `patrol view` end to end: errors as one line and exit code 1, and real renders under a
//! virtual X display (Xvfb, Mesa's llvmpipe Vulkan) whose pictures are checked for content:
//! terrain over most of the image, the first drone's track colour where its track projects in
//! the top view, each alert's marker in its state's colour where the alert is; and a bare tlog
//! written by pymavlink shown over the bundled area.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{OutputText, bundled_area, expect_error, patrol};
use image::RgbImage;
use patrol_planner::area::manifest::AreaManifest;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_telemetry::alerts::store::AlertStore;
use patrol_telemetry::mav::dialect::MavMessage;

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
    let contents = patrol_telemetry::mav::tlog::read_tlog(&path).expect("tlog reads");
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

/// `patrol view <source> --top --size WxH --screenshot` under xvfb-run, plus `extra`
/// arguments; the picture.
fn render_top(dir: &Path, source: &Path, extra: &[&str]) -> RgbImage {
    assert!(
        Command::new("xvfb-run").arg("--help").output().is_ok(),
        "xvfb-run is missing: scripts/test.sh installs xvfb and mesa-vulkan-drivers"
    );
    let runtime = dir.join("xdg");
    if !runtime.is_dir() {
        std::fs::create_dir(&runtime).expect("runtime dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                .expect("chmod");
        }
    }
    let shot = dir.join("shot.png");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1920x1080x24"])
        .arg(env!("CARGO_BIN_EXE_patrol"))
        .args(["view", source.to_str().expect("utf-8"), "--top", "--size"])
        .arg(format!("{WIDTH}x{HEIGHT}"))
        .arg("--screenshot")
        .arg(&shot)
        .args(extra)
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
    img
}

/// Terrain everywhere the DEM projects: most of the picture is not background, and shaded.
fn assert_terrain(img: &RgbImage) {
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
    let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 500, "only {} colours", colours.len());
}

/// Whether a pixel of `is_colour` lies within `r` pixels of (x, y).
fn colour_near(
    img: &RgbImage,
    x: f64,
    y: f64,
    r: i64,
    is_colour: impl Fn([u8; 3]) -> bool,
) -> usize {
    let (cx, cy) = (x.round() as i64, y.round() as i64);
    let mut n = 0;
    for dy in -r..=r {
        for dx in -r..=r {
            let (px, py) = (cx + dx, cy + dy);
            if px >= 0
                && py >= 0
                && px < i64::from(WIDTH)
                && py < i64::from(HEIGHT)
                && dx * dx + dy * dy <= r * r
                && is_colour(img.get_pixel(px as u32, py as u32).0)
            {
                n += 1;
            }
        }
    }
    n
}

/// The first drone's colour lies near at least 80 % of its (sampled) projected fixes, and
/// nearly every pixel of that colour lies near a fix.
fn assert_first_track(img: &RgbImage, fixes: &[(f64, f64)]) {
    let project = top_view_projector(&bundled_area());
    assert!(fixes.len() > 100, "only {} position fixes", fixes.len());
    let step = (fixes.len() / 50).max(1);
    let checked: Vec<(f64, f64)> = fixes
        .iter()
        .step_by(step)
        .map(|&(lat, lon)| project(lat, lon))
        .collect();
    let hits = checked
        .iter()
        .filter(|&&(x, y)| colour_near(img, x, y, 4, is_first_drone_colour) > 0)
        .count();
    assert!(
        hits * 10 >= checked.len() * 8,
        "the first drone's colour is near only {hits} of {} projected fixes",
        checked.len()
    );
    let projected: Vec<(f64, f64)> = fixes.iter().map(|&(lat, lon)| project(lat, lon)).collect();
    let mut coloured = 0;
    let mut stray = 0;
    // The legend box in the upper-left corner shows each drone's colour: not the track.
    let (box_w, box_h) = legend_box(img);
    for (x, y, p) in img.enumerate_pixels() {
        if !is_first_drone_colour(p.0) || (x <= box_w + 8 && y <= box_h + 8) {
            continue;
        }
        coloured += 1;
        // The drone's marker (26 px) stands at its last fix.
        let near = projected.iter().any(|&(px, py)| {
            (px - f64::from(x)).abs() <= 16.0 && (py - f64::from(y)).abs() <= 16.0
        });
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

/// The legend box's extent from the corner (pixels), found along its light top and left edges
/// (inside the box, before any text).
fn legend_box(img: &RgbImage) -> (u32, u32) {
    let light = |x: u32, y: u32| img.get_pixel(x, y).0.iter().all(|&c| c >= 180);
    let w = (10..img.width()).take_while(|&x| light(x, 10)).count() as u32;
    let h = (10..img.height()).take_while(|&y| light(10, y)).count() as u32;
    (w, h)
}

#[test]
fn view_renders_terrain_tracks_and_alerts_where_they_belong() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = demo_run(tmp.path());
    let img = render_top(tmp.path(), &run, &[]);
    assert_terrain(&img);
    assert_first_track(&img, &first_drone_positions(&run));
    // The picture reads alone: a light legend box (the run's time and its drones) in the
    // upper-left corner, over the dark background.
    let (w, h) = legend_box(&img);
    assert!(
        w >= 150 && h >= 60,
        "no legend box in the corner: {w} x {h} pixels"
    );
    // Below it, the scene's dark background again.
    let p = img.get_pixel(12, h + 20).0;
    assert!(p.iter().all(|&c| c < 100), "the legend box runs on: {p:?}");

    // Each alert: its marker (circle, ring and pin, at least 14 px across) in the colour of its
    // last state, where the alert is. The demo raises at least the ground sensor's alert.
    let store = AlertStore::open_read_only(&run.join("alerts.sqlite")).expect("alert store");
    let alerts = store.list(None).expect("alerts");
    assert!(!alerts.is_empty(), "the demo run raised no alert");
    let project = top_view_projector(&bundled_area());
    for a in &alerts {
        let a = &a.alert;
        let want = patrol_viewer::scene::palette::alert_colour_srgb(a.state);
        let is_state_colour = |p: [u8; 3]| (0..3).all(|k| p[k].abs_diff(want[k]) <= 24);
        let (x, y) = project(a.lat_deg, a.lon_deg);
        let near = colour_near(&img, x, y, 18, is_state_colour);
        assert!(
            near >= 8,
            "alert {} ({}): only {near} pixels of its colour {want:?} within 18 px of ({x:.0}, {y:.0})",
            a.id.0,
            a.state.as_str()
        );
    }

    // One clock: the events, the alerts and --at read the shift's local time in the area's
    // zone (the demo plans today's 10:00-10:30 in America/New_York), however fast it ran.
    let events = std::fs::read_to_string(run.join("events.log")).expect("events.log");
    assert!(events.starts_with("# shift of "), "{events}");
    assert!(
        events.contains("from 10:00:00 (America/New_York, E"),
        "{events}"
    );
    assert!(
        events
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("[10:0")),
        "{events}"
    );
    let out = patrol(&["alerts", "list", run.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let table = out.stdout_text();
    assert!(table.contains("created (America/New_York, E"), "{table}");
    // Ages count on the mission clock to the run's end: the oldest alert is minutes old, not
    // the wall's seconds (the run took seconds at 200x).
    let ages: Vec<&str> = table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert!(ages.iter().any(|a| a.contains('m')), "{table}");
    for line in table.lines().skip(1) {
        assert!(
            line.contains(" 10:"),
            "created at the shift's local time: {line}"
        );
    }
    let out = patrol(&[
        "view",
        run.to_str().expect("utf-8"),
        "--screenshot",
        tmp.path().join("never.png").to_str().expect("utf-8"),
        "--at",
        "03:00",
    ]);
    expect_error(
        &out,
        &[
            "time 03:00",
            "outside the run, which covers 10:00:00 to",
            "America/New_York",
        ],
    );
}

#[test]
fn view_shows_a_bare_tlog_written_by_pymavlink_over_an_area() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tlog = tmp.path().join("pymavlink.tlog");
    // 2000 records, 500 position fixes flying 9 km east across the bundled area, 1200 m AMSL
    // (above its highest ground).
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test.sh",
        python.display()
    );
    let out = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/write_tlog.py"))
        .arg(&tlog)
        .args(["--count", "2000", "--lat", "36.52", "--lon", "-84.30"])
        .args(["--east-step-e7", "500", "--alt-mm", "1200000"])
        .output()
        .expect("python");
    assert!(out.status.success(), "{}", out.stderr_text());

    // Without an area it is refused, naming the flag.
    let refused = patrol(&[
        "view",
        tlog.to_str().expect("utf-8"),
        "--screenshot",
        "x.png",
    ]);
    expect_error(&refused, &["pymavlink.tlog", "--area"]);

    let area = bundled_area();
    let img = render_top(
        tmp.path(),
        &tlog,
        &["--area", area.to_str().expect("utf-8")],
    );
    assert_terrain(&img);
    let fixes: Vec<(f64, f64)> = patrol_telemetry::mav::tlog::read_tlog(&tlog)
        .expect("tlog")
        .records
        .iter()
        .filter_map(|(_, f)| match f.decode() {
            Ok(MavMessage::GLOBAL_POSITION_INT(p)) => {
                Some((f64::from(p.lat) / 1e7, f64::from(p.lon) / 1e7))
            }
            _ => None,
        })
        .collect();
    assert_first_track(&img, &fixes);
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

    // A file that is no tlog, given with an area: nothing to replay, named.
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "not a telemetry log\n".repeat(50)).expect("write");
    let area = bundled_area();
    let out = patrol(&[
        "view",
        notes.to_str().expect("utf-8"),
        "--area",
        area.to_str().expect("utf-8"),
    ]);
    expect_error(&out, &["notes.txt", "no position telemetry"]);

    let out = patrol(&[
        "view",
        notes.to_str().expect("utf-8"),
        "--area",
        area.to_str().expect("utf-8"),
        "--colour-by",
        "speed",
    ]);
    expect_error(&out, &["colouring `speed`", "drone, mode or height"]);
}

/// A plan folder, before it is flown: its sorties drawn over the area (a pilot's preview),
/// not "no position telemetry".
#[test]
fn view_previews_a_plan_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plan_dir = tmp.path().join("plan");
    let area = bundled_area();
    let out = patrol(&[
        "plan",
        area.to_str().expect("utf-8"),
        "-o",
        plan_dir.to_str().expect("utf-8"),
        "--drones",
        "q1",
        "--shift",
        "10:00-11:00",
        "--work",
        "20000",
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(plan_dir.join("plan.json")).expect("plan.json"),
    )
    .expect("json");
    let path: Vec<(f64, f64)> = plan["drones"][0]["sorties"]
        .as_array()
        .expect("sorties")
        .iter()
        .flat_map(|s| s["path"].as_array().expect("path").clone())
        .map(|p| {
            (
                p["lat_deg"].as_f64().unwrap(),
                p["lon_deg"].as_f64().unwrap(),
            )
        })
        .collect();
    assert!(path.len() > 20, "{} path points", path.len());

    let img = render_top(tmp.path(), &plan_dir, &[]);
    assert_terrain(&img);
    // The first drone's plan colour: its track colour washed towards white, over the terrain
    // (green and brown, never this blue).
    let is_plan_colour = |p: [u8; 3]| {
        p[0] >= 170 && p[2] >= 150 && p[1] <= 190 && p[0] >= p[1] + 25 && p != BACKGROUND
    };
    let project = top_view_projector(&area);
    let step = (path.len() / 60).max(1);
    let checked: Vec<(f64, f64)> = path
        .iter()
        .step_by(step)
        .map(|&(lat, lon)| project(lat, lon))
        .collect();
    let hits = checked
        .iter()
        .filter(|&&(x, y)| colour_near(&img, x, y, 3, is_plan_colour) > 0)
        .count();
    assert!(
        hits * 10 >= checked.len() * 7,
        "the plan's colour is near only {hits} of {} projected path points",
        checked.len()
    );

    // One sortie's .waypoints file, before upload: its items' positions drawn the same way,
    // its area found from the plan folder it sits in.
    let sortie = &plan["drones"][0]["sorties"][0];
    let id = sortie["id"].as_str().expect("sortie id");
    let items: Vec<(f64, f64)> = sortie["mission"]["items"]
        .as_array()
        .expect("mission items")
        .iter()
        .map(|i| {
            (
                i["lat_deg"].as_f64().unwrap(),
                i["lon_deg"].as_f64().unwrap(),
            )
        })
        .filter(|&(lat, lon)| lat != 0.0 || lon != 0.0)
        .collect();
    assert!(items.len() > 5, "{} positioned items", items.len());
    let waypoints = plan_dir.join(format!("{id}.waypoints"));
    let img = render_top(tmp.path(), &waypoints, &[]);
    let hits = items
        .iter()
        .map(|&(lat, lon)| project(lat, lon))
        .filter(|&(x, y)| colour_near(&img, x, y, 3, is_plan_colour) > 0)
        .count();
    assert!(
        hits * 10 >= items.len() * 7,
        "the mission's colour is near only {hits} of {} items",
        items.len()
    );
    // Away from its plan folder, the file needs its area.
    let lone = tmp.path().join("lone.waypoints");
    std::fs::copy(&waypoints, &lone).expect("copy");
    expect_error(
        &patrol(&["view", lone.to_str().expect("utf-8")]),
        &["lone.waypoints", "--area"],
    );
}
