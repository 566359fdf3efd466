//! Ready-made risk layers (CSV, GeoJSON polygons, class rasters) and a polygon forest mask,
//! loaded through a copy of the bundled area.

use std::path::{Path, PathBuf};

use patrol_planner::area::Area;
use patrol_planner::risk::class::DangerClass;

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../missions/cumberland")
}

/// A copy of the bundled area whose `[risk]` table is replaced by `risk_toml`, with `files`
/// written beside area.toml.
fn area_with(risk_toml: &str, files: &[(&str, &[u8])]) -> (tempfile::TempDir, Area) {
    let dir = tempfile::tempdir().unwrap();
    copy(&bundled(), dir.path());
    let manifest = std::fs::read_to_string(dir.path().join("area.toml")).unwrap();
    let replaced = manifest.replace(
        "[risk]\npath = \"risk/risk.tif\"\nscale = \"unit\"",
        risk_toml,
    );
    assert_ne!(replaced, manifest, "the bundled [risk] table moved");
    std::fs::write(dir.path().join("area.toml"), replaced).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let area = Area::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, area)
}

/// An Esri ASCII grid in WGS 84 made a GeoTIFF by GDAL, as `dir/<name>.tif`: its path and
/// bytes.
fn geotiff_from_ascii_grid(dir: &Path, name: &str, text: &str) -> (PathBuf, Vec<u8>) {
    let asc = dir.join(format!("{name}.asc"));
    std::fs::write(&asc, text).unwrap();
    let tif = dir.join(format!("{name}.tif"));
    crate::gdal::run(
        "gdal_translate",
        &[
            "-q",
            "-a_srs",
            "EPSG:4326",
            asc.to_str().unwrap(),
            tif.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&tif).unwrap();
    (tif, bytes)
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::write(&target, std::fs::read(e.path()).unwrap()).unwrap();
        }
    }
}

#[test]
fn csv_points_land_in_their_cells_and_average() {
    let csv = "lon,lat,risk\n-84.2,36.6,0.9\n-84.2,36.6,0.7\n-84.3,36.5,0.1\n";
    let (_d, area) = area_with("[risk]\npath = \"r.csv\"", &[("r.csv", csv.as_bytes())]);
    let risk = area.risk.unwrap();
    assert_eq!(risk.cells().len(), 2, "two distinct cells");
    let p = area
        .terrain
        .geodetic_to_enu(patrol_planner::geodesy::enu::Geodetic {
            lat_deg: 36.6,
            lon_deg: -84.2,
            alt_amsl_m: 0.0,
        });
    let i = risk.nearest_cell(p.east_m, p.north_m).unwrap();
    let cell = &risk.cells()[i];
    assert!(
        (cell.risk - 0.8).abs() < 1e-12,
        "mean of 0.9 and 0.7: {}",
        cell.risk
    );
    assert_eq!(cell.class, DangerClass::new(5).unwrap());
    assert!((cell.lat_deg - 36.6).abs() < 0.003 && (cell.lon_deg + 84.2).abs() < 0.003);
}

#[test]
fn geojson_polygons_cover_their_cells_with_the_highest_risk() {
    // Two overlapping squares (0.2 and 0.95): cells inside both take 0.95.
    let geojson = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"name":"low","risk":0.2},"geometry":{"type":"Polygon","coordinates":[[[-84.30,36.55],[-84.20,36.55],[-84.20,36.65],[-84.30,36.65],[-84.30,36.55]]]}},
      {"type":"Feature","properties":{"name":"high","risk":0.95},"geometry":{"type":"Polygon","coordinates":[[[-84.25,36.60],[-84.22,36.60],[-84.22,36.63],[-84.25,36.63],[-84.25,36.60]]]}}
    ]}"#;
    let (_d, area) = area_with(
        "[risk]\npath = \"r.geojson\"",
        &[("r.geojson", geojson.as_bytes())],
    );
    let risk = area.risk.unwrap();
    let counts = risk.class_counts();
    // 0.1° x 0.1° ≈ 8.9 x 11.1 km ≈ 1590 cells of 250 m.
    let total: usize = counts.iter().sum();
    assert!((1450..1750).contains(&total), "{total} cells");
    // The high square: 0.03° x 0.03° ≈ 2.7 x 3.3 km ≈ 140 cells at 0.95 (partly covered edges average lower).
    assert!((100..190).contains(&counts[4]), "{counts:?}");
    assert_eq!(
        counts[2] + counts[3],
        risk.cells()
            .iter()
            .filter(|c| c.risk > 0.4 && c.risk < 0.8)
            .count()
    );
    assert!(counts[1] > 1200, "the low square is class 2: {counts:?}");
}

#[test]
fn class_rasters_map_levels_to_representative_risk() {
    let dir = tempfile::tempdir().unwrap();
    // A coarse class raster (0.05° pixels) made into a GeoTIFF by GDAL.
    let mut text =
        String::from("ncols 4\nnrows 2\nxllcorner -84.4\nyllcorner 36.5\ncellsize 0.05\n");
    text.push_str("1 2 3 4\n5 5 1 2\n");
    let (_tif, tif_bytes) = geotiff_from_ascii_grid(dir.path(), "classes", &text);
    let (_d, area) = area_with(
        "[risk]\npath = \"classes.tif\"\nscale = \"classes\"",
        &[("classes.tif", &tif_bytes)],
    );
    let risk = area.risk.unwrap();
    // A cell well inside one class pixel takes that pixel's level and its representative risk
    // exactly; only cells straddling two pixels average.
    let levels = [[1u8, 2, 3, 4], [5, 5, 1, 2]];
    let (west, north, px) = (-84.4, 36.6, 0.05);
    let mut inside = [0usize; 6];
    for c in risk.cells() {
        let (fx, fy) = ((c.lon_deg - west) / px, (north - c.lat_deg) / px);
        let (col, row) = (fx.floor(), fy.floor());
        let margin = 0.004 / px; // 300-odd metres from a pixel edge
        if !(0.0..4.0).contains(&col)
            || !(0.0..2.0).contains(&row)
            || fx - col < margin
            || col + 1.0 - fx < margin
            || fy - row < margin
            || row + 1.0 - fy < margin
        {
            continue;
        }
        let want = levels[row as usize][col as usize];
        assert_eq!(
            c.class.level(),
            want,
            "cell at {}, {}",
            c.lon_deg,
            c.lat_deg
        );
        assert!(
            // (the risk is stored in single precision)
            (c.risk - c.class.representative_risk()).abs() < 1e-6,
            "cell risk {} vs class {want}",
            c.risk
        );
        inside[usize::from(want)] += 1;
    }
    // Every cell inside a pixel has its level, not only the one its centre falls in: a
    // 0.05° pixel holds hundreds of 250 m cells (at least 150 more than 300 m from its edges).
    assert!(
        inside[1..].iter().all(|&n| n >= 150),
        "cells checked per level: {inside:?}"
    );
    let counts = risk.class_counts();
    assert!(
        counts.iter().all(|&n| n > 0),
        "every class present: {counts:?}"
    );
}

#[test]
fn forest_polygons_limit_the_fuel_of_the_model() {
    use patrol_planner::area::forest::ForestMask;
    use patrol_planner::risk::model::{ModelInputs, RiskModelConfig, compute_risk};
    let area = Area::load(&bundled()).unwrap();
    // Forest only in a box around the area's centre.
    let layer_text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-84.30,36.55],[-84.20,36.55],[-84.20,36.65],[-84.30,36.65],[-84.30,36.55]]]}}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forest.geojson");
    std::fs::write(&path, layer_text).unwrap();
    let mask =
        ForestMask::from_layer(&patrol_planner::area::vector::VectorLayer::read(&path).unwrap())
            .unwrap();
    let config = RiskModelConfig {
        non_forest_fuel: 0.0,
        ..RiskModelConfig::default()
    };
    let raster = compute_risk(
        &area.terrain,
        ModelInputs {
            config: &config,
            access: &area.access,
            forest: Some(&mask),
            fwi: Some(30.0),
        },
    );
    let inside = raster.sample_lon_lat(-84.25, 36.60).unwrap();
    let outside = raster.sample_lon_lat(-84.35, 36.70).unwrap();
    assert!(inside > 0.0, "forest burns: {inside}");
    assert_eq!(outside, 0.0, "no fuel, no risk");
}

#[test]
fn a_risk_map_coarser_than_the_cells_fills_every_cell_as_gdalwarp_averages_it() {
    // A 0.01° (about 1 km) risk raster over the bundled DEM, made a GeoTIFF by GDAL; values
    // vary pixel to pixel so that a cell straddling pixels shows how it weighs them.
    let dir = tempfile::tempdir().unwrap();
    let dem = Area::load(&bundled()).unwrap();
    let e = dem.terrain.extent();
    let px = 0.01;
    let (west, north) = (
        (e.west_deg / px).floor() * px,
        (e.north_deg / px).ceil() * px,
    );
    let cols = ((e.east_deg - west) / px).ceil() as usize;
    let rows = ((north - e.south_deg) / px).ceil() as usize;
    let mut text = format!(
        "ncols {cols}\nnrows {rows}\nxllcorner {west}\nyllcorner {}\ncellsize {px}\n",
        north - rows as f64 * px
    );
    for r in 0..rows {
        let line: Vec<String> = (0..cols)
            .map(|c| format!("{:.2}", ((c * 7 + r * 13) % 10) as f64 / 10.0 + 0.05))
            .collect();
        text.push_str(&line.join(" "));
        text.push('\n');
    }
    let (tif, tif_bytes) = geotiff_from_ascii_grid(dir.path(), "coarse", &text);
    let (_d, area) = area_with(
        "[risk]\npath = \"coarse.tif\"\nscale = \"unit\"",
        &[("coarse.tif", &tif_bytes)],
    );
    let risk = area.risk.unwrap();
    // GDAL's own area-weighted average onto the same cells: the planner's local frame is the
    // tangent plane at the terrain's origin, which for points on the ellipsoid is PROJ's
    // ellipsoidal orthographic projection there.
    let g = *risk.grid();
    let o = area.terrain.frame().origin();
    let warped = dir.path().join("cells.asc");
    let (min_e, min_n) = (g.origin_east_m, g.origin_north_m);
    let (max_e, max_n) = (
        min_e + g.cols as f64 * g.size_m,
        min_n + g.rows as f64 * g.size_m,
    );
    crate::gdal::run(
        "gdalwarp",
        &[
            "-q",
            "-overwrite",
            "-t_srs",
            &format!(
                "+proj=ortho +lat_0={} +lon_0={} +ellps=WGS84 +units=m",
                o.lat_deg, o.lon_deg
            ),
            "-te",
            &min_e.to_string(),
            &min_n.to_string(),
            &max_e.to_string(),
            &max_n.to_string(),
            "-tr",
            &g.size_m.to_string(),
            &g.size_m.to_string(),
            "-r",
            "average",
            "-dstnodata",
            "-9999",
            "-of",
            "AAIGrid",
            tif.to_str().unwrap(),
            warped.to_str().unwrap(),
        ],
    );
    let grid_text = std::fs::read_to_string(&warped).unwrap();
    let values: Vec<f64> = grid_text
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == ' '))
        .flat_map(|l| l.split_whitespace().map(|v| v.parse::<f64>().unwrap()))
        .collect();
    assert_eq!(values.len(), g.cols * g.rows, "{}", &grid_text[..200]);
    let (mut compared, mut exact, mut worst) = (0usize, 0usize, 0.0f64);
    for c in risk.cells() {
        // AAIGrid rows run north to south; the cells' rows south to north.
        let want = values[(g.rows - 1 - c.row) * g.cols + c.col];
        if want == -9999.0 {
            continue;
        }
        compared += 1;
        let d = (c.risk - want).abs();
        worst = worst.max(d);
        if d < 1e-3 {
            exact += 1;
        }
    }
    // Every cell over the terrain has a value (before, only the cells under the 1 km pixels'
    // centres: about one in sixteen), and GDAL has one for each of them.
    assert_eq!(risk.cells_without_risk(), 0);
    assert_eq!(compared, risk.cells().len());
    // Cells inside one pixel agree exactly; straddling ones weigh their pixels as GDAL does,
    // within the sampling's resolution (64 points per cell).
    assert!(
        exact as f64 >= 0.3 * compared as f64,
        "{exact} of {compared} exact"
    );
    assert!(worst < 0.1, "worst difference {worst}");
    let mean_abs: f64 = risk
        .cells()
        .iter()
        .map(|c| {
            let want = values[(g.rows - 1 - c.row) * g.cols + c.col];
            if want == -9999.0 {
                0.0
            } else {
                (c.risk - want).abs()
            }
        })
        .sum::<f64>()
        / compared as f64;
    assert!(mean_abs < 0.01, "mean difference {mean_abs}");
    eprintln!(
        "{compared} cells compared with gdalwarp -r average: {exact} within 0.001, mean difference {mean_abs:.4}, worst {worst:.3}"
    );
}
