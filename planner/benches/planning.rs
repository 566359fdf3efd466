//! Benchmark: planning speed on generated areas. 20,000 and 100,000 planning cells, ten
//! drones (five quadcopters, five VTOLs on ten bases), an 8-hour shift. Targets: under 10 s
//! and under 60 s on the project's 2-core machine.
//!
//! `cargo bench -p patrol-planner --bench planning` prints the figures and writes them to
//! `bench/results/planning.md`.

use std::path::Path;
use std::time::Instant;

use patrol_planner::area::Area;
use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::request::PlanRequest;
use patrol_planner::raster::geotiff_write::{SampleType, write_geotiff};
use patrol_planner::raster::{Crs, GeoTransform, Raster};

/// Writes an area of `side_km` square: rolling terrain, a patchy risk map, ten bases.
fn write_area(dir: &Path, side_km: f64) {
    let px = 100.0;
    let n = (side_km * 1000.0 / px) as usize;
    let transform = GeoTransform {
        origin_x: 600_000.0,
        origin_y: 4_100_000.0,
        pixel_width: px,
        pixel_height: -px,
    };
    let crs = Crs::parse("EPSG:32616").expect("UTM");
    let field = |f: &dyn Fn(f64, f64) -> f32| Raster {
        width: n,
        height: n,
        transform,
        crs,
        data: (0..n * n)
            .map(|i| f((i % n) as f64 * px, (i / n) as f64 * px))
            .collect(),
    };
    let dem = field(&|x, y| (500.0 + 150.0 * (x / 3000.0).sin() * (y / 4100.0).cos()) as f32);
    let risk = field(&|x, y| {
        (0.5 + 0.45 * (x / 1900.0).sin() * (y / 2600.0).sin() * (x / 7000.0 + y / 9000.0).cos())
            as f32
    });
    std::fs::create_dir_all(dir.join("risk")).expect("dir");
    write_geotiff(&dir.join("dem.tif"), &dem, SampleType::Float32).expect("dem");
    write_geotiff(&dir.join("risk/risk.tif"), &risk, SampleType::Float32).expect("risk");
    let side_m = side_km * 1000.0;
    let mut bases = Vec::new();
    let mut fleet = String::new();
    for i in 0..10 {
        let (fx, fy) = (
            0.15 + 0.7 * f64::from(i % 5) / 4.0,
            if i < 5 { 0.3 } else { 0.7 },
        );
        let (lon, lat) = crs.to_lon_lat(600_000.0 + fx * side_m, 4_100_000.0 - fy * side_m);
        bases.push(format!(r#"{{"type":"Feature","properties":{{"name":"B{i}"}},"geometry":{{"type":"Point","coordinates":[{lon},{lat}]}}}}"#));
        let (airframe, speed, endurance, reserve) = if i % 2 == 0 {
            ("multirotor", 12.0, 38.0, 8.0)
        } else {
            ("vtol", 22.0, 110.0, 15.0)
        };
        fleet.push_str(&format!(
            "[[drone]]\nid = \"d{i}\"\nsystem_id = {}\nairframe = \"{airframe}\"\ncruise_speed_mps = {speed}\nmax_speed_mps = 30.0\nclimb_rate_mps = 4.0\ndescent_rate_mps = 3.0\nendurance_min = {endurance}\nreserve_min = {reserve}\nbattery_swap_min = 10.0\nhome_base = \"B{i}\"\nmax_wind_mps = 12.0\nautopilot = {{ firmware = \"ardupilot\", mission_item_limit = 2000 }}\ncamera = {{ kind = \"thermal\", sensor_width_mm = 7.68, sensor_height_mm = 6.14, focal_length_mm = 13.0, resolution_px = [640, 512], gimbal_pitch_deg = -90.0 }}\n\n",
            i + 1
        ));
    }
    std::fs::write(
        dir.join("bases.geojson"),
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            bases.join(",")
        ),
    )
    .expect("bases");
    std::fs::write(dir.join("fleet.toml"), fleet).expect("fleet");
    std::fs::write(
        dir.join("area.toml"),
        "name = \"generated\"\n[terrain]\npath = \"dem.tif\"\n[risk]\npath = \"risk/risk.tif\"\n[layers]\nbases = \"bases.geojson\"\n[fleet]\npath = \"fleet.toml\"\n",
    )
    .expect("area.toml");
}

fn main() {
    let mut rows = Vec::new();
    for (label, side_km, time_limit_s, target_s) in [
        ("20k cells", 35.4, 7.0, 10.0),
        ("100k cells", 79.1, 45.0, 60.0),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        write_area(dir.path(), side_km);
        let t_load = Instant::now();
        let area = Area::load(dir.path()).expect("area");
        let load_s = t_load.elapsed().as_secs_f64();
        let cells = area.risk.as_ref().map_or(0, |r| r.cells().len());
        let request = PlanRequest {
            shift_start: "08:00".into(),
            shift_end: "16:00".into(),
            time_limit_s,
            ..PlanRequest::default()
        };
        let t_plan = Instant::now();
        let plan = plan_patrol(&area, &request).expect("plan");
        let plan_s = t_plan.elapsed().as_secs_f64();
        println!(
            "{label}: {cells} cells, load {load_s:.1} s, plan {plan_s:.1} s, {} sorties, {:.1}% of risk",
            plan.totals.sorties,
            plan.totals.share_of_area_risk * 100.0
        );
        rows.push(format!(
            "| {label} | {cells} | 10 | 8 h | {time_limit_s:.0} | {load_s:.1} | {plan_s:.1} | {:.1} | {target_s:.0} | {} | {} | {:.1}% |",
            load_s + plan_s,
            if load_s + plan_s <= target_s { "met" } else { "missed" },
            plan.totals.sorties,
            plan.totals.share_of_area_risk * 100.0
        ));
    }
    let report = format!(
        "# Planning speed benchmark\n\n`cargo bench -p patrol-planner --bench planning` on the project's 2-core machine: generated areas (rolling terrain, patchy risk, no zones), ten drones (five quadcopters, five VTOLs, one per base), an 8-hour shift. Times in seconds; total = loading the area (DEM, risk resampling into cells) + planning (search within its time limit, then timing, terrain clearance and missions for every sortie).\n\n| area | cells | drones | shift | search limit | load | plan | total | target | | sorties | risk patrolled |\n|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|\n{}\n",
        rows.join("\n")
    );
    print!("{report}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/results/planning.md");
    std::fs::write(&out, report).expect("write results");
}
