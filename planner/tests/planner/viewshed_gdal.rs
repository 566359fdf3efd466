//! Tower viewsheds checked against GDAL's `gdal_viewshed` (Debian's gdal-bin) on the bundled
//! DEM reprojected to UTM: for several observers, mast heights and ranges, GDAL's `-om GROUND`
//! (the height above the ground a target needs to be seen, what a smoke column must reach) and
//! ours on the very same file.

use std::path::Path;

use patrol_planner::raster::{Crs, Raster, read_raster};
use patrol_planner::watch::viewshed::{CURVATURE_COEFFICIENT, Grid, Observer, viewshed};

use crate::gdal::{bundled_dem, run};

/// The bundled DEM in UTM 16N at 90 m, cropped inside its edges so that every cell has data.
fn utm_dem(dir: &Path) -> (std::path::PathBuf, Raster) {
    let out = dir.join("dem-utm.tif");
    run(
        "gdalwarp",
        &[
            "-q",
            "-t_srs",
            "EPSG:32616",
            "-tr",
            "90",
            "90",
            "-r",
            "bilinear",
            "-ot",
            "Float32",
            "-te_srs",
            "EPSG:4326",
            "-te",
            "-84.38",
            "36.47",
            "-84.11",
            "36.71",
            bundled_dem().to_str().expect("utf8"),
            out.to_str().expect("utf8"),
        ],
    );
    let raster = read_raster(&out, None).expect("our reader takes GDAL's UTM GeoTIFF");
    assert!(matches!(raster.crs, Crs::Utm(_)));
    (out, raster)
}

#[test]
fn viewsheds_agree_with_gdal_viewshed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (dem, raster) = utm_dem(dir.path());
    assert!(
        raster.data.iter().all(|v| !v.is_nan()),
        "the crop has data everywhere"
    );
    let grid = Grid {
        elevation_m: &raster.data,
        width: raster.width,
        height: raster.height,
        cell_w_m: raster.transform.pixel_width,
        cell_h_m: -raster.transform.pixel_height,
    };
    let (w, h) = (raster.width, raster.height);
    // A ridge top, a valley floor and a slope; masts of a lookout and a tall tower; ranges of
    // a few kilometres and of the camera's 5 km and beyond.
    let sites = [(w / 2, h / 2), (w / 4, h / 3), (3 * w / 4, 2 * h / 3)];
    let (mut same, mut total, mut close, mut hidden_pairs) = (0usize, 0usize, 0usize, 0usize);
    let mut worst = 0.0f64;
    for (k, &(col, row)) in sites.iter().enumerate() {
        for (mast, range) in [(10.0, 3000.0), (30.0, 5000.0), (40.0, 9000.0)] {
            let (ox, oy) = raster
                .transform
                .pixel_to_map(col as f64 + 0.5, row as f64 + 0.5);
            let out = dir.path().join(format!("vs-{k}-{mast}-{range}.tif"));
            let f32_out = dir.path().join(format!("vs-{k}-{mast}-{range}-f32.tif"));
            run(
                "gdal_viewshed",
                &[
                    "-q",
                    "-ox",
                    &ox.to_string(),
                    "-oy",
                    &oy.to_string(),
                    "-oz",
                    &mast.to_string(),
                    "-md",
                    &range.to_string(),
                    "-cc",
                    &CURVATURE_COEFFICIENT.to_string(),
                    "-om",
                    "GROUND",
                    "-ov",
                    "-1",
                    dem.to_str().expect("utf8"),
                    out.to_str().expect("utf8"),
                ],
            );
            // GDAL writes Float64 in GROUND mode; our reader takes Float32.
            run(
                "gdal_translate",
                &[
                    "-q",
                    "-ot",
                    "Float32",
                    out.to_str().expect("utf8"),
                    f32_out.to_str().expect("utf8"),
                ],
            );
            let gdal = read_raster(&f32_out, None).expect("GDAL's output");
            let ours = viewshed(
                &grid,
                &Observer {
                    col,
                    row,
                    height_agl_m: mast,
                    range_m: range,
                },
                CURVATURE_COEFFICIENT,
            );
            // GDAL's output is the range's window, as ours.
            assert_eq!(
                (gdal.width, gdal.height),
                (ours.width, ours.height),
                "site {k}"
            );
            let (gx, gy) = gdal.transform.pixel_to_map(0.0, 0.0);
            let (ex, ey) = raster
                .transform
                .pixel_to_map(ours.col0 as f64, ours.row0 as f64);
            assert!(
                (gx - ex).abs() < 1e-6 && (gy - ey).abs() < 1e-6,
                "same window origin"
            );
            for (i, &g) in gdal.data.iter().enumerate() {
                let o = ours.needed_agl_m[i];
                if g < 0.0 {
                    assert!(o.is_nan(), "site {k} cell {i}: out of range for GDAL only");
                    continue;
                }
                assert!(!o.is_nan(), "site {k} cell {i}: out of range for us only");
                total += 1;
                // Seen or hidden for a target on the ground.
                if (g <= 0.0) == (o <= 0.0) {
                    same += 1;
                }
                if g > 0.0 && o > 0.0 {
                    hidden_pairs += 1;
                    let d = f64::from((g - o).abs());
                    worst = worst.max(d);
                    // Within one metre, the DEM's own vertical step.
                    if d <= 1.0 {
                        close += 1;
                    }
                }
            }
        }
    }
    let agree = same as f64 / total as f64;
    let heights = close as f64 / hidden_pairs.max(1) as f64;
    eprintln!(
        "viewsheds vs gdal_viewshed: {same} of {total} cells seen/hidden alike ({:.3} %), column heights within 1 m on {close} of {hidden_pairs} ({:.3} %), largest difference {worst:.4} m",
        agree * 100.0,
        heights * 100.0
    );
    assert!(total > 10_000, "compared {total} cells");
    assert!(agree >= 0.99, "{agree}");
    assert!(heights >= 0.99, "{heights}");
}
