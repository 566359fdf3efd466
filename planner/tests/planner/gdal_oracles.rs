//! Rasters read and written by us, checked against GDAL on the same files.

use std::path::Path;

use patrol_planner::raster::geotiff_write::{SampleType, write_geotiff};
use patrol_planner::raster::{Crs, Raster, read_raster};
use patrol_planner::terrain::Terrain;

use crate::gdal::{bundled_dem, points_in, run, values_at_lon_lat};

const WEST: f64 = -84.41375;
const EAST: f64 = -84.07791667;
const SOUTH: f64 = 36.44625;
const NORTH: f64 = 36.73291667;

/// Our value of the pixel containing a WGS 84 position (what gdallocationinfo reports).
fn our_pixel_value(r: &Raster, lon: f64, lat: f64) -> Option<f64> {
    let (x, y) = r.crs.from_lon_lat(lon, lat);
    let (c, row) = r.transform.map_to_pixel(x, y);
    r.get(c.floor() as i64, row.floor() as i64).map(f64::from)
}

fn assert_same_pixels(file: &Path, ours: &Raster, points: &[(f64, f64)]) {
    let gdal = values_at_lon_lat(file, points);
    let mut compared = 0;
    for (&(lon, lat), g) in points.iter().zip(gdal) {
        let o = our_pixel_value(ours, lon, lat);
        match (o, g) {
            (Some(o), Some(g)) => {
                assert!(
                    (o - g).abs() < 1e-3,
                    "{}: at ({lon}, {lat}) we read {o}, GDAL {g}",
                    file.display()
                );
                compared += 1;
            }
            // gdallocationinfo prints the NoData value itself for NoData pixels.
            (None, _) => {}
            (Some(o), None) => panic!(
                "{}: at ({lon}, {lat}) we read {o}, GDAL nothing",
                file.display()
            ),
        }
    }
    assert!(
        compared >= points.len() * 8 / 10,
        "compared only {compared} of {} points",
        points.len()
    );
}

#[test]
fn bundled_dem_elevations_agree_with_gdallocationinfo() {
    let dem = bundled_dem();
    let raster = read_raster(&dem, None).unwrap();
    assert_eq!(
        (raster.width, raster.height, raster.crs),
        (403, 344, Crs::Wgs84)
    );
    let points = points_in(
        WEST + 0.001,
        SOUTH + 0.001,
        EAST - 0.001,
        NORTH - 0.001,
        200,
        7,
    );
    assert_same_pixels(&dem, &raster, &points);

    // Bilinear elevations stay within the four pixels GDAL reports around the point, and
    // equal GDAL's value exactly at pixel centres.
    let terrain = Terrain::from_raster(raster.clone()).unwrap();
    let d = raster.transform.pixel_width;
    for &(lon, lat) in points.iter().take(40) {
        let around: Vec<f64> = [(-0.5, -0.5), (0.5, -0.5), (-0.5, 0.5), (0.5, 0.5)]
            .iter()
            .filter_map(|(a, b)| our_pixel_value(&raster, lon + a * d, lat + b * d))
            .collect();
        let e = terrain.elevation_amsl_m(lat, lon).unwrap();
        let lo = around.iter().cloned().fold(f64::MAX, f64::min);
        let hi = around.iter().cloned().fold(f64::MIN, f64::max);
        assert!(
            e >= lo - 1e-9 && e <= hi + 1e-9,
            "bilinear {e} outside {lo}..{hi}"
        );
    }
    let (cx, cy) = raster.transform.pixel_to_map(100.5, 200.5);
    let gdal_center = crate::gdal::value_at_lon_lat(&dem, cx, cy).unwrap();
    assert!((terrain.elevation_amsl_m(cy, cx).unwrap() - gdal_center).abs() < 1e-9);
    let (lo, hi) = terrain.elevation_range_m();
    assert_eq!((lo, hi), (236.0, 1076.0), "the provenance README's range");
}

#[test]
fn geotiff_variants_written_by_gdal_read_back_identically() {
    let dem = bundled_dem();
    let reference = read_raster(&dem, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let variants: &[(&str, &[&str])] = &[
        (
            "int16-none-strip",
            &["-ot", "Int16", "-co", "COMPRESS=NONE"],
        ),
        (
            "int16-lzw-tiled",
            &[
                "-ot",
                "Int16",
                "-co",
                "COMPRESS=LZW",
                "-co",
                "TILED=YES",
                "-co",
                "BLOCKXSIZE=64",
                "-co",
                "BLOCKYSIZE=32",
            ],
        ),
        (
            "int16-deflate-pred2",
            &[
                "-ot",
                "Int16",
                "-co",
                "COMPRESS=DEFLATE",
                "-co",
                "PREDICTOR=2",
            ],
        ),
        (
            "int32-deflate-tiled",
            &[
                "-ot",
                "Int32",
                "-co",
                "COMPRESS=DEFLATE",
                "-co",
                "TILED=YES",
            ],
        ),
        (
            "int32-lzw-strip",
            &["-ot", "Int32", "-co", "COMPRESS=LZW", "-co", "BLOCKYSIZE=7"],
        ),
        (
            "float32-none-tiled",
            &[
                "-ot",
                "Float32",
                "-co",
                "TILED=YES",
                "-co",
                "BLOCKXSIZE=128",
                "-co",
                "BLOCKYSIZE=128",
            ],
        ),
        (
            "float32-deflate-pred3",
            &[
                "-ot",
                "Float32",
                "-co",
                "COMPRESS=DEFLATE",
                "-co",
                "PREDICTOR=3",
            ],
        ),
        (
            "float32-lzw-strip",
            &["-ot", "Float32", "-co", "COMPRESS=LZW"],
        ),
        (
            "int16-lzw-tiled-pred2",
            &[
                "-ot",
                "Int16",
                "-co",
                "COMPRESS=LZW",
                "-co",
                "PREDICTOR=2",
                "-co",
                "TILED=YES",
                "-co",
                "BLOCKXSIZE=64",
                "-co",
                "BLOCKYSIZE=64",
            ],
        ),
        (
            "float32-lzw-tiled-pred3",
            &[
                "-ot",
                "Float32",
                "-co",
                "COMPRESS=LZW",
                "-co",
                "PREDICTOR=3",
                "-co",
                "TILED=YES",
                "-co",
                "BLOCKXSIZE=64",
                "-co",
                "BLOCKYSIZE=64",
            ],
        ),
        (
            "int32-lzw-tiled-pred2",
            &[
                "-ot",
                "Int32",
                "-co",
                "COMPRESS=LZW",
                "-co",
                "PREDICTOR=2",
                "-co",
                "TILED=YES",
                "-co",
                "BLOCKXSIZE=32",
                "-co",
                "BLOCKYSIZE=32",
            ],
        ),
    ];
    for (name, opts) in variants {
        let out = dir.path().join(format!("{name}.tif"));
        let mut args: Vec<&str> = vec!["-q"];
        args.extend_from_slice(opts);
        args.push(dem.to_str().unwrap());
        args.push(out.to_str().unwrap());
        run("gdal_translate", &args);
        let r = read_raster(&out, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.transform, reference.transform, "{name}");
        assert_eq!(r.data, reference.data, "{name}: every sample");
    }
}

#[test]
fn nodata_pixels_become_holes() {
    let dem = bundled_dem();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nodata.tif");
    // Declare the lowest elevation as NoData: those pixels must vanish.
    run(
        "gdal_translate",
        &[
            "-q",
            "-a_nodata",
            "236",
            dem.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    let r = read_raster(&out, None).unwrap();
    let reference = read_raster(&dem, None).unwrap();
    let holes = reference.data.iter().filter(|&&v| v == 236.0).count();
    assert!(holes > 0);
    assert_eq!(r.data.len() - r.valid_count(), holes);
    let stats = run("gdalinfo", &["-stats", out.to_str().unwrap()]);
    let (lo, _) = r.value_range().unwrap();
    assert!(
        stats.contains(&format!("Minimum={lo:.3}")),
        "GDAL's minimum ignoring NoData is ours, {lo}: {stats}"
    );
}

#[test]
fn utm_dem_agrees_with_gdal_and_gdaldem() {
    let dem = bundled_dem();
    let dir = tempfile::tempdir().unwrap();
    let utm = dir.path().join("utm.tif");
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
            "-co",
            "TILED=YES",
            "-co",
            "COMPRESS=DEFLATE",
            dem.to_str().unwrap(),
            utm.to_str().unwrap(),
        ],
    );
    let r = read_raster(&utm, None).unwrap();
    assert_eq!(r.crs.epsg(), 32616);
    let points = points_in(
        WEST + 0.01,
        SOUTH + 0.01,
        EAST - 0.01,
        NORTH - 0.01,
        200,
        11,
    );
    assert_same_pixels(&utm, &r, &points);

    // Slope and aspect against gdaldem (Horn's method on a metric grid) at interior pixels.
    let slope = dir.path().join("slope.tif");
    let aspect = dir.path().join("aspect.tif");
    run(
        "gdaldem",
        &[
            "slope",
            "-q",
            utm.to_str().unwrap(),
            slope.to_str().unwrap(),
        ],
    );
    run(
        "gdaldem",
        &[
            "aspect",
            "-q",
            "-zero_for_flat",
            utm.to_str().unwrap(),
            aspect.to_str().unwrap(),
        ],
    );
    let gs = read_raster(&slope, None).unwrap();
    let ga = read_raster(&aspect, None).unwrap();
    let terrain = Terrain::from_raster(r.clone()).unwrap();
    let mut checked = 0;
    for row in (20..r.height - 20).step_by(17) {
        for col in (20..r.width - 20).step_by(13) {
            let around_valid = (-1..=1)
                .all(|dr| (-1..=1).all(|dc| r.get(col as i64 + dc, row as i64 + dr).is_some()));
            let (Some(s_gdal), Some(a_gdal)) = (
                gs.get(col as i64, row as i64),
                ga.get(col as i64, row as i64),
            ) else {
                continue;
            };
            if !around_valid {
                continue;
            }
            let ours = terrain
                .slope_aspect_at_pixel(col as i64, row as i64)
                .unwrap();
            assert!(
                (ours.slope_deg - f64::from(s_gdal)).abs() < 0.01,
                "slope at ({col},{row}): {} vs {s_gdal}",
                ours.slope_deg
            );
            if ours.slope_deg > 1.0 {
                let a = ours.aspect_deg.unwrap();
                let diff = (a - f64::from(a_gdal)).rem_euclid(360.0);
                assert!(
                    diff.min(360.0 - diff) < 0.05,
                    "aspect at ({col},{row}): {a} vs {a_gdal}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "checked {checked} pixels");
}

#[test]
fn srtm_hgt_and_esri_ascii_grids_agree_with_gdal() {
    let dem = bundled_dem();
    let dir = tempfile::tempdir().unwrap();
    // A 3 arc-second SRTM tile N36W085 (pixel-is-point grid on whole degrees).
    let tile_tif = dir.path().join("tile.tif");
    let half = 1.0 / 1200.0 / 2.0;
    run(
        "gdalwarp",
        &[
            "-q",
            "-te",
            &(-85.0 - half).to_string(),
            &(36.0 - half).to_string(),
            &(-84.0 + half).to_string(),
            &(37.0 + half).to_string(),
            "-ts",
            "1201",
            "1201",
            "-ot",
            "Int16",
            "-dstnodata",
            "-32768",
            dem.to_str().unwrap(),
            tile_tif.to_str().unwrap(),
        ],
    );
    let hgt = dir.path().join("N36W085.hgt");
    run(
        "gdal_translate",
        &[
            "-q",
            "-of",
            "SRTMHGT",
            tile_tif.to_str().unwrap(),
            hgt.to_str().unwrap(),
        ],
    );
    let r = read_raster(&hgt, None).unwrap();
    assert_eq!((r.width, r.height), (1201, 1201));
    let info = run("gdalinfo", &["-json", hgt.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_str(&info).unwrap();
    let gt: Vec<f64> = json["geoTransform"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        (gt[0] - r.transform.origin_x).abs() < 1e-9 && (gt[3] - r.transform.origin_y).abs() < 1e-9,
        "{gt:?}"
    );
    let points = points_in(WEST + 0.01, SOUTH + 0.01, EAST - 0.01, NORTH - 0.01, 100, 5);
    assert_same_pixels(&hgt, &r, &points);

    let asc = dir.path().join("dem.asc");
    run(
        "gdal_translate",
        &[
            "-q",
            "-of",
            "AAIGrid",
            dem.to_str().unwrap(),
            asc.to_str().unwrap(),
        ],
    );
    let a = read_raster(&asc, None).unwrap();
    let reference = read_raster(&dem, None).unwrap();
    assert_eq!(a.data, reference.data);
    assert!((a.transform.origin_x - reference.transform.origin_x).abs() < 1e-9);
    assert!((a.transform.origin_y - reference.transform.origin_y).abs() < 1e-6);
}

#[test]
fn geotiffs_we_write_are_read_by_gdal_with_georeference_and_values() {
    let reference = read_raster(&bundled_dem(), None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut risk = reference.clone();
    for (i, v) in risk.data.iter_mut().enumerate() {
        *v = if i % 97 == 0 {
            f32::NAN
        } else {
            (*v - 236.0) / 840.0
        };
    }
    let f32_path = dir.path().join("risk.tif");
    write_geotiff(&f32_path, &risk, SampleType::Float32).unwrap();
    let info: serde_json::Value =
        serde_json::from_str(&run("gdalinfo", &["-json", f32_path.to_str().unwrap()])).unwrap();
    assert_eq!(info["size"], serde_json::json!([403, 344]));
    let wkt = info["coordinateSystem"]["wkt"].as_str().unwrap();
    assert!(wkt.contains("ID[\"EPSG\",4326]"), "{wkt}");
    let gt: Vec<f64> = info["geoTransform"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let t = reference.transform;
    let expected = [
        t.origin_x,
        t.pixel_width,
        0.0,
        t.origin_y,
        0.0,
        t.pixel_height,
    ];
    for (g, e) in gt.iter().zip(expected) {
        assert!((g - e).abs() < 1e-12, "geotransform {gt:?} vs {expected:?}");
    }
    assert_eq!(info["bands"][0]["type"], "Float32");
    let points = points_in(
        WEST + 0.001,
        SOUTH + 0.001,
        EAST - 0.001,
        NORTH - 0.001,
        150,
        3,
    );
    assert_same_pixels(&f32_path, &risk, &points);
    // Our own reader gets back exactly what we wrote.
    let back = read_raster(&f32_path, None).unwrap();
    assert_eq!(back.valid_count(), risk.valid_count());

    // A class raster in UTM: GDAL must see EPSG:32616 and the byte values.
    let mut classes = risk.clone();
    classes.crs = Crs::parse("EPSG:32616").unwrap();
    classes.transform = patrol_planner::raster::GeoTransform {
        origin_x: 700_000.0,
        origin_y: 4_070_000.0,
        pixel_width: 250.0,
        pixel_height: -250.0,
    };
    for v in &mut classes.data {
        if !v.is_nan() {
            *v = (1.0 + (*v * 5.0).floor()).min(5.0);
        }
    }
    let u8_path = dir.path().join("classes.tif");
    write_geotiff(&u8_path, &classes, SampleType::UInt8).unwrap();
    let info: serde_json::Value =
        serde_json::from_str(&run("gdalinfo", &["-json", u8_path.to_str().unwrap()])).unwrap();
    let wkt = info["coordinateSystem"]["wkt"].as_str().unwrap();
    assert!(wkt.contains("ID[\"EPSG\",32616]"), "{wkt}");
    assert_eq!(info["bands"][0]["type"], "Byte");
    assert_eq!(info["bands"][0]["noDataValue"], 0.0);
    let (lon, lat) = classes
        .crs
        .to_lon_lat(700_000.0 + 250.0 * 10.5, 4_070_000.0 - 250.0 * 20.5);
    let g = crate::gdal::value_at_lon_lat(&u8_path, lon, lat).unwrap();
    assert_eq!(g, f64::from(classes.get(10, 20).unwrap()));
}
