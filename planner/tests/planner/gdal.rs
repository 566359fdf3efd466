//! Running GDAL's command-line tools (Debian's gdal-bin), the outside oracle for rasters.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a GDAL tool and returns its stdout; fails the test with the tool's stderr.
pub fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run {tool} ({e}): install Debian's gdal-bin (the README's test command does)"
        )
    });
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The value GDAL reads at a WGS 84 position (the pixel containing it).
pub fn value_at_lon_lat(file: &Path, lon: f64, lat: f64) -> Option<f64> {
    let text = run(
        "gdallocationinfo",
        &[
            "-valonly",
            "-wgs84",
            file.to_str().unwrap(),
            &lon.to_string(),
            &lat.to_string(),
        ],
    );
    text.trim().parse().ok()
}

/// The values GDAL reads at many WGS 84 positions in one call (one per line on stdin).
pub fn values_at_lon_lat(file: &Path, points: &[(f64, f64)]) -> Vec<Option<f64>> {
    use std::io::Write;
    let mut child = Command::new("gdallocationinfo")
        .args(["-valonly", "-wgs84", file.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gdallocationinfo runs (install gdal-bin)");
    {
        let mut stdin = child.stdin.take().unwrap();
        for (lon, lat) in points {
            writeln!(stdin, "{lon} {lat}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let values: Vec<Option<f64>> = text.lines().map(|l| l.trim().parse().ok()).collect();
    assert_eq!(
        values.len(),
        points.len(),
        "gdallocationinfo answered every point: {text}"
    );
    values
}

/// The bundled DEM.
pub fn bundled_dem() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../missions/cumberland/terrain/cumberland-dem.tif")
}

/// Deterministic pseudo-random points inside a box (a 64-bit LCG: no dependency needed).
pub fn points_in(
    west: f64,
    south: f64,
    east: f64,
    north: f64,
    n: usize,
    seed: u64,
) -> Vec<(f64, f64)> {
    let mut s = seed;
    let mut next = || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            (
                west + (east - west) * next(),
                south + (north - south) * next(),
            )
        })
        .collect()
}
