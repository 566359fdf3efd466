//! Benchmark: loading a 4000 x 4000 float32 DEM and resampling a 10 m risk raster into 250 m
//! planning cells, side by side with GDAL on the same files (`gdalinfo -stats`,
//! `gdalwarp -r average`). Goal: no slower than GDAL.
//!
//! `cargo bench -p patrol-planner --bench area_load` prints the figures and writes them to
//! `bench/results/area-load.md`. GDAL runs as a process, so its times include process start
//! (measured separately with `gdalinfo --version` and reported).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use patrol_planner::raster::geotiff_write::{SampleType, write_geotiff};
use patrol_planner::raster::{Crs, GeoTransform, Raster, read_raster};
use patrol_planner::risk::cells::{CellGrid, RiskMap};
use patrol_planner::terrain::Terrain;

const SIDE: usize = 4000;
const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time_ours(mut f: impl FnMut()) -> Duration {
    f(); // warm the page cache like the GDAL runs get
    median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn time_gdal(tool: &str, args: &[&str]) -> Duration {
    let run = || {
        let t = Instant::now();
        let out = Command::new(tool)
            .args(args)
            .env("GDAL_PAM_ENABLED", "NO") // no cached statistics between runs
            .env("GDAL_NUM_THREADS", "ALL_CPUS")
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e} (install gdal-bin)"));
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t.elapsed()
    };
    run();
    median((0..RUNS).map(|_| run()).collect())
}

fn synthetic(side: usize, pixel_m: f64, f: impl Fn(f64, f64) -> f32) -> Raster {
    let mut data = Vec::with_capacity(side * side);
    for r in 0..side {
        for c in 0..side {
            data.push(f(c as f64 * pixel_m, r as f64 * pixel_m));
        }
    }
    Raster {
        width: side,
        height: side,
        transform: GeoTransform {
            origin_x: 720_000.0,
            origin_y: 4_080_000.0,
            pixel_width: pixel_m,
            pixel_height: -pixel_m,
        },
        crs: Crs::parse("EPSG:32616").expect("UTM 16N"),
        data,
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = |name: &str| dir.path().join(name);
    let s = |path: &Path| path.to_str().expect("utf-8 path").to_string();

    // A 4000 x 4000 float32 DEM at 10 m (ridges and valleys), and a 10 m risk raster.
    let dem = synthetic(SIDE, 10.0, |x, y| {
        (600.0 + 300.0 * (x / 1700.0).sin() * (y / 2300.0).cos() + 0.02 * (x - y)) as f32
    });
    let risk = synthetic(SIDE, 10.0, |x, y| {
        (0.5 + 0.45 * (x / 900.0).sin() * (y / 1300.0).sin()) as f32
    });
    write_geotiff(&p("dem-deflate.tif"), &dem, SampleType::Float32).expect("write DEM");
    write_geotiff(&p("risk-deflate.tif"), &risk, SampleType::Float32).expect("write risk");
    for (from, to, opts) in [
        (
            "dem-deflate.tif",
            "dem-raw.tif",
            vec!["-co", "COMPRESS=NONE"],
        ),
        (
            "dem-deflate.tif",
            "dem-deflate-tiled.tif",
            vec!["-co", "COMPRESS=DEFLATE", "-co", "TILED=YES"],
        ),
        (
            "risk-deflate.tif",
            "risk-raw.tif",
            vec!["-co", "COMPRESS=NONE"],
        ),
    ] {
        let mut args = vec!["-q".to_string()];
        args.extend(opts.iter().map(|o| o.to_string()));
        args.push(s(&p(from)));
        args.push(s(&p(to)));
        let out = Command::new("gdal_translate")
            .args(&args)
            .output()
            .expect("gdal_translate (install gdal-bin)");
        assert!(out.status.success());
    }

    let start = time_gdal("gdalinfo", &["--version"]);
    let mut rows = Vec::new();
    for name in ["dem-raw.tif", "dem-deflate.tif", "dem-deflate-tiled.tif"] {
        let path = p(name);
        let ours = time_ours(|| {
            let t = Terrain::from_raster(read_raster(&path, None).expect("read")).expect("terrain");
            std::hint::black_box(t.elevation_range_m());
        });
        let gdal = time_gdal("gdalinfo", &["-stats", &s(&path)]);
        rows.push((
            format!("load DEM `{name}`: ours (read + range) vs `gdalinfo -stats`"),
            ours,
            gdal,
        ));
    }

    let terrain =
        Terrain::from_raster(read_raster(&p("dem-raw.tif"), None).expect("read")).expect("terrain");
    for name in ["risk-raw.tif", "risk-deflate.tif"] {
        let path = p(name);
        let ours = time_ours(|| {
            let r = read_raster(&path, None).expect("read risk");
            let grid = CellGrid::covering(&terrain, 250.0);
            std::hint::black_box(RiskMap::from_raster(&terrain, grid, &r).cells().len());
        });
        let out = p("gdal-cells.tif");
        let gdal = time_gdal(
            "gdalwarp",
            &[
                "-q",
                "-overwrite",
                "-r",
                "average",
                "-tr",
                "250",
                "250",
                "-multi",
                "-wo",
                "NUM_THREADS=ALL_CPUS",
                &s(&path),
                &s(&out),
            ],
        );
        rows.push((format!("10 m risk `{name}` into 250 m cells: ours (read + resample + index) vs `gdalwarp -r average`"), ours, gdal));
    }

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut report = String::from("# Area loading benchmark\n\n");
    report.push_str("`cargo bench -p patrol-planner --bench area_load`: 4000 x 4000 float32 rasters at 10 m (UTM 16N), ");
    report.push_str(&format!(
        "median of {RUNS} runs after one warm-up, on this project's 2-core machine.\n"
    ));
    report.push_str(&format!("GDAL runs as a process; starting `gdalinfo --version` alone takes {:.1} ms, included in its times.\n\n", ms(start)));
    report.push_str("| task | ours (ms) | GDAL (ms) | ours / GDAL |\n|---|---:|---:|---:|\n");
    for (task, ours, gdal) in &rows {
        report.push_str(&format!(
            "| {task} | {:.1} | {:.1} | {:.2} |\n",
            ms(*ours),
            ms(*gdal),
            ms(*ours) / ms(*gdal)
        ));
    }
    let gdal_version = Command::new("gdalinfo")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    report.push_str(&format!(
        "\nGoal: ours / GDAL ≤ 1 for every row. GDAL: {gdal_version}.\n"
    ));
    print!("{report}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/results/area-load.md");
    std::fs::write(&out, report).expect("write results");
    println!("\nRecorded in {}", out.display());
}
