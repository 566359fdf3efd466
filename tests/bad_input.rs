//! End to end: `patrol area check|risk|map` on a copy of `missions/cumberland` with exactly one
//! thing broken must fail cleanly: exit code 1 (not a panic's 101), stderr starting with
//! `error:`, naming the file and the line, feature or field a pilot has to fix.
//!
//! The GeoTIFF cases that need a CRS or a file the library cannot write use GDAL's command line
//! tools (`gdalwarp`, `gdal_translate`).

mod common;

use common::expect_error;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A writable copy of the bundled area in a temporary directory.
struct Mission {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Mission {
    /// Copies `missions/cumberland` (without its `tools/` folder).
    fn new() -> Mission {
        let tmp = tempfile::tempdir().expect("create a temporary directory");
        let dir = tmp.path().join("cumberland");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("missions/cumberland");
        copy_dir(&source, &dir, &["tools"]);
        Mission { _tmp: tmp, dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    fn read(&self, relative: &str) -> String {
        let p = self.path(relative);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        let p = self.path(relative);
        std::fs::write(&p, contents).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    }

    /// Replaces the first occurrence of `from` in a text file, which must contain it (so a
    /// change in the fixture cannot silently turn a test into a no-op).
    fn replace(&self, relative: &str, from: &str, to: &str) {
        let text = self.read(relative);
        assert!(
            text.contains(from),
            "{relative} no longer contains {from:?}: update the test"
        );
        self.write(relative, text.replacen(from, to, 1));
    }

    /// Edits a JSON file through `serde_json::Value`.
    fn edit_json(&self, relative: &str, edit: impl FnOnce(&mut Value)) {
        let mut value: Value = serde_json::from_str(&self.read(relative))
            .unwrap_or_else(|e| panic!("{relative} is not JSON: {e}"));
        edit(&mut value);
        let text = serde_json::to_string_pretty(&value).expect("serialise JSON");
        self.write(relative, text + "\n");
    }

    /// Runs `patrol area <command> <copy> <extra...>`.
    fn patrol(&self, command: &str, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_patrol"))
            .arg("area")
            .arg(command)
            .arg(&self.dir)
            .args(extra)
            .env_remove("PATROL_LOG")
            .output()
            .expect("run the patrol binary")
    }

    /// Runs `patrol area check` and expects a clean failure naming every one of `needles`.
    fn check_fails(&self, needles: &[&str]) -> String {
        expect_error(&self.patrol("check", &[]), needles)
    }
}

/// Recursive copy; the top-level directories in `skip` are left out. Files are rewritten rather
/// than `fs::copy`-ed so that read-only fixtures become writable copies.
fn copy_dir(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("list {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&src, &dst, &[]);
        } else {
            let bytes =
                std::fs::read(&src).unwrap_or_else(|e| panic!("read {}: {e}", src.display()));
            std::fs::write(&dst, bytes).unwrap_or_else(|e| panic!("write {}: {e}", dst.display()));
        }
    }
}

/// 1-based number of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line contains {needle:?}"))
        + 1
}

/// The feature of a FeatureCollection whose `name` property is `name`.
fn feature<'a>(collection: &'a mut Value, name: &str) -> &'a mut Value {
    collection["features"]
        .as_array_mut()
        .expect("a FeatureCollection")
        .iter_mut()
        .find(|f| f["properties"]["name"] == name)
        .unwrap_or_else(|| panic!("no feature named {name:?}"))
}

/// Runs a GDAL command line tool, which must succeed.
fn gdal(tool: &str, args: &[&Path]) {
    let status = Command::new(tool)
        .arg("-q")
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {tool} (these tests need GDAL installed): {e}"));
    assert!(status.success(), "{tool} {args:?} failed");
}

/// Writes an Esri ASCII grid in WGS 84 degrees covering the Cumberland area's bases.
fn ascii_grid(rows: &[Vec<String>], cellsize: f64) -> String {
    let mut text = format!(
        "ncols {}\nnrows {}\nxllcorner -84.42\nyllcorner 36.44\ncellsize {cellsize}\nNODATA_value -9999\n",
        rows[0].len(),
        rows.len()
    );
    for row in rows {
        text.push_str(&row.join(" "));
        text.push('\n');
    }
    text
}

// ---------------------------------------------------------------------------------------------
// The unbroken copy.

#[test]
fn unbroken_copy_passes_area_check() {
    let m = Mission::new();
    assert!(!m.path("tools").exists(), "tools/ must not be copied");
    assert!(m.path("terrain/cumberland-dem.tif").is_file());
    let out = m.patrol("check", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr:\n{stderr}\nstdout:\n{stdout}"
    );
    assert!(stdout.contains("is a valid patrol area"), "{stdout}");
    assert!(stderr.is_empty(), "unexpected stderr:\n{stderr}");
}

// ---------------------------------------------------------------------------------------------
// area.toml

#[test]
fn missing_area_toml_is_named() {
    let m = Mission::new();
    std::fs::remove_file(m.path("area.toml")).expect("remove area.toml");
    m.check_fails(&["area.toml", "No such file"]);
}

#[test]
fn area_toml_syntax_error_shows_the_line() {
    let m = Mission::new();
    m.replace("area.toml", "size_m = 250", "size_m = = 250");
    let line = line_of(&m.read("area.toml"), "size_m = = 250");
    m.check_fails(&["area.toml", &format!("line {line}"), "size_m = = 250"]);
}

#[test]
fn unknown_key_in_area_toml_cells_is_named_with_its_line() {
    let m = Mission::new();
    m.replace("area.toml", "size_m = 250", "size_m = 250\ncolour = 1");
    let line = line_of(&m.read("area.toml"), "colour = 1");
    m.check_fails(&["area.toml", "colour", &format!("line {line}")]);
}

#[test]
fn unknown_risk_scale_is_named_with_its_line() {
    let m = Mission::new();
    m.replace("area.toml", "scale = \"unit\"", "scale = \"percent\"");
    let line = line_of(&m.read("area.toml"), "scale = \"percent\"");
    m.check_fails(&["area.toml", "percent", &format!("line {line}")]);
}

#[test]
fn zero_cell_size_names_the_field() {
    let m = Mission::new();
    m.replace("area.toml", "size_m = 250", "size_m = 0");
    m.check_fails(&["area.toml", "[cells]", "size_m = 0"]);
}

#[test]
fn relative_humidity_of_150_percent_fails_area_risk_naming_the_field() {
    let m = Mission::new();
    m.replace("area.toml", "rh_pct = 24.0", "rh_pct = 150.0");
    let state_before = m.read("fwi-state.json");
    expect_error(
        &m.patrol("risk", &[]),
        &["area.toml", "[weather]", "rh_pct = 150"],
    );
    assert_eq!(
        m.read("fwi-state.json"),
        state_before,
        "a failed run must not advance the FWI state"
    );
}

// ---------------------------------------------------------------------------------------------
// Terrain

#[test]
fn missing_terrain_file_names_its_path() {
    let m = Mission::new();
    m.replace(
        "area.toml",
        "terrain/cumberland-dem.tif",
        "terrain/no-such-dem.tif",
    );
    m.check_fails(&["terrain/no-such-dem.tif", "No such file"]);
}

#[test]
fn truncated_geotiff_dem_is_named() {
    let m = Mission::new();
    let p = m.path("terrain/cumberland-dem.tif");
    let bytes = std::fs::read(&p).expect("read the DEM");
    std::fs::write(&p, &bytes[..bytes.len() / 2]).expect("truncate the DEM");
    m.check_fails(&["cumberland-dem.tif", "TIFF"]);
}

#[test]
fn web_mercator_dem_is_rejected_naming_epsg_3857() {
    let m = Mission::new();
    gdal(
        "gdalwarp",
        &[
            Path::new("-t_srs"),
            Path::new("EPSG:3857"),
            &m.path("terrain/cumberland-dem.tif"),
            &m.path("terrain/mercator.tif"),
        ],
    );
    m.replace(
        "area.toml",
        "terrain/cumberland-dem.tif",
        "terrain/mercator.tif",
    );
    m.check_fails(&["mercator.tif", "EPSG:3857"]);
}

#[test]
fn ascii_grid_dem_with_a_non_numeric_value_names_the_line() {
    let m = Mission::new();
    // 36 x 31 cells of 0.01 degrees: lon -84.42..-84.06, lat 36.44..36.75, the whole area.
    let mut rows = vec![vec!["400".to_string(); 36]; 31];
    rows[9][7] = "4x7".to_string();
    let text = ascii_grid(&rows, 0.01);
    let line = line_of(&text, "4x7");
    m.write("terrain/dem.asc", text);
    m.replace("area.toml", "terrain/cumberland-dem.tif", "terrain/dem.asc");
    m.check_fails(&["dem.asc", &format!("line {line}"), "'4x7'"]);
}

#[test]
fn srtm_hgt_of_the_wrong_size_is_named_with_its_size() {
    let m = Mission::new();
    m.write("terrain/N36W085.hgt", vec![0u8; 1_000_000]);
    m.replace(
        "area.toml",
        "terrain/cumberland-dem.tif",
        "terrain/N36W085.hgt",
    );
    m.check_fails(&["N36W085.hgt", "1000000 bytes", "2884802"]);
}

// ---------------------------------------------------------------------------------------------
// Risk layers

#[test]
fn nan_risk_in_csv_names_the_line() {
    let m = Mission::new();
    m.write(
        "risk.csv",
        "lon,lat,risk\n-84.20,36.50,0.3\n-84.21,36.51,NaN\n-84.22,36.52,0.4\n",
    );
    m.replace("area.toml", "risk/risk.tif", "risk.csv");
    m.check_fails(&["risk.csv", "line 3", "NaN"]);
}

#[test]
fn weather_wind_direction_out_of_range_names_the_field() {
    let m = Mission::new();
    m.replace(
        "area.toml",
        "wind_kmh = 20.0\n",
        "wind_kmh = 20.0\nwind_from_deg = 400.0\n",
    );
    m.check_fails(&["area.toml", "wind_from_deg", "400"]);
}

#[test]
fn risk_csv_with_swapped_columns_is_hinted() {
    let m = Mission::new();
    // Latitude values in the lon column: far from the DEM, on it once exchanged.
    m.write(
        "risk.csv",
        "lon,lat,risk\n36.50,-84.20,0.3\n36.51,-84.21,0.2\n",
    );
    m.replace("area.toml", "risk/risk.tif", "risk.csv");
    m.check_fails(&["risk.csv", "line 2", "swapped"]);
}

#[test]
fn risk_csv_rows_outside_the_terrain_are_counted_and_named() {
    let m = Mission::new();
    // A district table: two rows on the DEM, two far south (not a mirror image of it).
    m.write(
        "risk.csv",
        "lon,lat,risk\n-84.20,36.50,0.3\n-80.00,30.00,0.9\n-84.21,36.51,0.2\n-80.10,30.10,0.8\n",
    );
    m.replace("area.toml", "risk/risk.tif", "risk.csv");
    let out = m.patrol("check", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2 rows of the risk table fall outside the terrain and are not used, the first at line 3 (lon -80, lat 30)"),
        "{text}"
    );
}

#[test]
fn negative_risk_in_csv_names_the_line() {
    let m = Mission::new();
    m.write(
        "risk.csv",
        "lon,lat,risk\n-84.20,36.50,0.3\n-84.21,36.51,0.2\n-84.22,36.52,-0.5\n",
    );
    m.replace("area.toml", "risk/risk.tif", "risk.csv");
    m.check_fails(&["risk.csv", "line 4", "-0.5"]);
}

#[test]
fn risk_geotiff_above_one_under_unit_scale_names_the_pixel() {
    let m = Mission::new();
    // 10 x 10 cells of 0.025 degrees; row 4 holds 2.0 from column 5 on.
    let mut rows = vec![vec!["0.5".to_string(); 10]; 10];
    for v in &mut rows[4][5..] {
        *v = "2.0".to_string();
    }
    m.write("risk/hot.asc", ascii_grid(&rows, 0.025));
    gdal(
        "gdal_translate",
        &[
            Path::new("-a_srs"),
            Path::new("EPSG:4326"),
            &m.path("risk/hot.asc"),
            &m.path("risk/hot.tif"),
        ],
    );
    m.replace("area.toml", "risk/risk.tif", "risk/hot.tif");
    m.check_fails(&["hot.tif", "column 5, row 4", "risk 2 is outside 0..1"]);
}

#[test]
fn broken_risk_csv_also_fails_area_map() {
    let m = Mission::new();
    m.write("risk.csv", "lon,lat,risk\n-84.20,36.50,0.3\n-84.21,36.51\n");
    m.replace("area.toml", "risk/risk.tif", "risk.csv");
    let png = m.path("map.png");
    let png_arg = png.to_str().expect("UTF-8 path");
    expect_error(&m.patrol("map", &["-o", png_arg]), &["risk.csv", "line 3"]);
    assert!(!png.exists(), "no map must be written for a broken area");
}

// ---------------------------------------------------------------------------------------------
// GeoJSON layers

#[test]
fn broken_geojson_syntax_shows_line_and_column() {
    let m = Mission::new();
    // Drop the comma after the first scenic spot's name.
    m.replace(
        "layers/scenic.geojson",
        "\"Cross Mountain summit\",",
        "\"Cross Mountain summit\"",
    );
    let text = m.read("layers/scenic.geojson");
    let line = line_of(&text, "\"elevation_m\": 1076.0");
    let column = text
        .lines()
        .nth(line - 1)
        .map_or(0, |l| l.len() - l.trim_start().len() + 1);
    m.check_fails(&["scenic.geojson", &format!("line {line}, column {column}")]);
}

#[test]
fn coordinate_out_of_range_names_the_feature() {
    let m = Mission::new();
    m.edit_json("layers/cemeteries.geojson", |fc| {
        feature(fc, "Elk Valley cemetery")["geometry"]["coordinates"] =
            serde_json::json!([-84.2, 136.5]);
    });
    m.check_fails(&[
        "cemeteries.geojson",
        "feature 2",
        "Elk Valley cemetery",
        "136.5",
    ]);
}

#[test]
fn base_in_lat_lon_order_is_named_and_explained() {
    let m = Mission::new();
    m.edit_json("layers/bases.geojson", |fc| {
        let c = &mut feature(fc, "Elk Valley")["geometry"]["coordinates"];
        *c = serde_json::json!([c[1].clone(), c[0].clone()]);
    });
    m.check_fails(&[
        "bases.geojson",
        "feature 2",
        "Elk Valley",
        "[latitude, longitude]",
    ]);
}

#[test]
fn village_in_lat_lon_order_is_named_and_explained() {
    let m = Mission::new();
    m.edit_json("layers/villages.geojson", |fc| {
        let c = &mut feature(fc, "Elk Valley")["geometry"]["coordinates"];
        *c = serde_json::json!([c[1].clone(), c[0].clone()]);
    });
    m.check_fails(&[
        "villages.geojson",
        "feature 2",
        "Elk Valley",
        "[latitude, longitude]",
    ]);
}

#[test]
fn no_fly_polygon_in_lat_lon_order_is_named_and_explained() {
    let m = Mission::new();
    m.edit_json("layers/no-fly.geojson", |fc| {
        let rings = &mut feature(fc, "Jellico town")["geometry"]["coordinates"];
        for ring in rings.as_array_mut().expect("polygon rings") {
            for c in ring.as_array_mut().expect("ring positions") {
                *c = serde_json::json!([c[1].clone(), c[0].clone()]);
            }
        }
    });
    m.check_fails(&[
        "no-fly.geojson",
        "feature 0",
        "Jellico town",
        "[latitude, longitude]",
    ]);
}

#[test]
fn self_intersecting_no_fly_polygon_names_the_feature() {
    let m = Mission::new();
    m.edit_json("layers/no-fly.geojson", |fc| {
        // A bow-tie: the second and fourth edges cross.
        feature(fc, "Jellico town")["geometry"]["coordinates"] = serde_json::json!([[
            [-84.13, 36.58],
            [-84.11, 36.59],
            [-84.11, 36.58],
            [-84.13, 36.59],
            [-84.13, 36.58]
        ]]);
    });
    m.check_fails(&[
        "no-fly.geojson",
        "feature 0",
        "Jellico town",
        "self-intersection",
    ]);
}

#[test]
fn empty_no_fly_polygon_names_the_feature() {
    let m = Mission::new();
    m.edit_json("layers/no-fly.geojson", |fc| {
        feature(fc, "Jellico town")["geometry"]["coordinates"] = serde_json::json!([[]]);
    });
    m.check_fails(&[
        "no-fly.geojson",
        "feature 0",
        "Jellico town",
        "no coordinates",
    ]);
}

#[test]
fn negative_no_fly_radius_names_the_feature() {
    let m = Mission::new();
    m.edit_json("layers/no-fly.geojson", |fc| {
        feature(fc, "Eagle nesting sanctuary")["properties"]["radius_m"] = serde_json::json!(-5.0);
    });
    m.check_fails(&[
        "no-fly.geojson",
        "feature 2",
        "Eagle nesting sanctuary",
        "radius_m = -5",
    ]);
}

#[test]
fn base_outside_the_dem_names_the_base() {
    let m = Mission::new();
    m.edit_json("layers/bases.geojson", |fc| {
        feature(fc, "Newcomb")["geometry"]["coordinates"][0] = serde_json::json!(-80.0);
    });
    m.check_fails(&[
        "bases.geojson",
        "feature 1",
        "Newcomb",
        "not covered by the DEM",
    ]);
}

#[test]
fn base_inside_a_no_fly_zone_names_base_and_zone() {
    let m = Mission::new();
    let mut centre = Value::Null;
    m.edit_json("layers/no-fly.geojson", |fc| {
        centre = feature(fc, "Eagle nesting sanctuary")["geometry"]["coordinates"].clone();
    });
    m.edit_json("layers/bases.geojson", |fc| {
        feature(fc, "Pioneer")["geometry"]["coordinates"] = centre;
    });
    m.check_fails(&["bases.geojson", "Pioneer", "Eagle nesting sanctuary"]);
}

#[test]
fn no_bases_at_all_is_reported() {
    let m = Mission::new();
    m.write(
        "layers/bases.geojson",
        "{\"type\": \"FeatureCollection\", \"features\": []}\n",
    );
    m.check_fails(&["bases.geojson", "no bases"]);
}

// ---------------------------------------------------------------------------------------------
// fleet.toml

#[test]
fn zero_endurance_names_the_drone_and_field() {
    let m = Mission::new();
    m.replace("fleet.toml", "endurance_min = 38.0", "endurance_min = 0");
    m.check_fails(&["fleet.toml", "drone 'q1'", "endurance_min = 0"]);
}

#[test]
fn unknown_key_in_fleet_toml_shows_the_line() {
    let m = Mission::new();
    m.replace(
        "fleet.toml",
        "reserve_min = 8.0",
        "reserve_min = 8.0\nwingspan_m = 1.2",
    );
    let line = line_of(&m.read("fleet.toml"), "wingspan_m");
    m.check_fails(&["fleet.toml", "wingspan_m", &format!("line {line}")]);
}

#[test]
fn cruise_speed_in_the_wrong_unit_names_the_field() {
    let m = Mission::new();
    m.replace(
        "fleet.toml",
        "cruise_speed_mps = 12.0",
        "cruise_speed_mps = 300.0",
    );
    m.check_fails(&["fleet.toml", "drone 'q1'", "cruise_speed_mps = 300"]);
}

#[test]
fn upward_gimbal_pitch_names_the_field() {
    let m = Mission::new();
    m.replace(
        "fleet.toml",
        "gimbal_pitch_deg = -90.0",
        "gimbal_pitch_deg = 45.0",
    );
    m.check_fails(&["fleet.toml", "drone 'q1'", "camera.gimbal_pitch_deg = 45"]);
}

#[test]
fn unknown_firmware_is_named_with_its_line() {
    let m = Mission::new();
    m.replace(
        "fleet.toml",
        "firmware = \"ardupilot\"",
        "firmware = \"betaflight\"",
    );
    let line = line_of(&m.read("fleet.toml"), "betaflight");
    m.check_fails(&["fleet.toml", "betaflight", &format!("line {line}")]);
}

#[test]
fn home_base_that_does_not_exist_is_named() {
    let m = Mission::new();
    m.replace(
        "fleet.toml",
        "home_base = \"Newcomb\"",
        "home_base = \"Newcombe\"",
    );
    m.check_fails(&["fleet.toml", "drone 'q3'", "home_base = Newcombe"]);
}

#[test]
fn duplicate_system_id_names_both_drones() {
    let m = Mission::new();
    m.replace("fleet.toml", "system_id = 12", "system_id = 11");
    m.check_fails(&["fleet.toml", "drone 'v2'", "system_id = 11", "'v1'"]);
}

#[test]
fn missing_fleet_file_fails_area_map_naming_it() {
    let m = Mission::new();
    std::fs::remove_file(m.path("fleet.toml")).expect("remove fleet.toml");
    let png = m.path("map.png");
    let png_arg = png.to_str().expect("UTF-8 path");
    expect_error(
        &m.patrol("map", &["-o", png_arg]),
        &["fleet.toml", "No such file"],
    );
}

// ---------------------------------------------------------------------------------------------
// The FWI state file and outputs

#[test]
fn broken_fwi_state_file_fails_area_risk_with_line_and_column() {
    let m = Mission::new();
    m.replace("fwi-state.json", "\"codes_before\":", "\"codes_before\" x:");
    let line = line_of(&m.read("fwi-state.json"), "\"codes_before\" x:");
    expect_error(
        &m.patrol("risk", &[]),
        &["fwi-state.json", &format!("line {line}, column")],
    );
}

#[test]
fn unwritable_map_output_is_named() {
    let m = Mission::new();
    // A path under a regular file cannot be created.
    let png = m.path("area.toml").join("map.png");
    let png_arg = png.to_str().expect("UTF-8 path");
    expect_error(
        &m.patrol("map", &["-o", png_arg]),
        &["area.toml/map.png", "cannot write the PNG"],
    );
}

/// The feature of a FeatureCollection whose `id` property is `id`.
fn feature_by_id<'a>(collection: &'a mut Value, id: &str) -> &'a mut Value {
    collection["features"]
        .as_array_mut()
        .expect("a FeatureCollection")
        .iter_mut()
        .find(|f| f["properties"]["id"] == id)
        .unwrap_or_else(|| panic!("no feature with id {id:?}"))
}

#[test]
fn tower_off_the_dem_is_named_with_the_dem_extent() {
    let m = Mission::new();
    m.edit_json("layers/towers.geojson", |fc| {
        feature_by_id(fc, "tower-2")["geometry"]["coordinates"] = serde_json::json!([-85.0, 36.5]);
    });
    m.check_fails(&[
        "towers.geojson",
        "feature 1 ('tower-2')",
        "is not on the DEM",
    ]);
}

#[test]
fn negative_mast_zero_range_and_a_duplicate_tower_are_named() {
    let m = Mission::new();
    m.edit_json("layers/towers.geojson", |fc| {
        feature_by_id(fc, "tower-3")["properties"]["mast_agl_m"] = serde_json::json!(-5.0);
    });
    m.check_fails(&["towers.geojson", "tower-3", "mast_agl_m", "-5"]);

    let m = Mission::new();
    m.edit_json("layers/towers.geojson", |fc| {
        feature_by_id(fc, "tower-1")["properties"]["range_m"] = serde_json::json!(0);
    });
    m.check_fails(&[
        "towers.geojson",
        "feature 0 ('tower-1')",
        "range_m",
        "above 0",
    ]);

    let m = Mission::new();
    m.edit_json("layers/towers.geojson", |fc| {
        feature_by_id(fc, "tower-4")["properties"]["id"] = serde_json::json!("tower-1");
    });
    m.check_fails(&["towers.geojson", "a second tower with id 'tower-1'"]);
}

#[test]
fn unknown_tower_property_lists_the_valid_ones() {
    let m = Mission::new();
    m.edit_json("layers/towers.geojson", |fc| {
        feature_by_id(fc, "tower-5")["properties"]["height"] = serde_json::json!(30);
    });
    m.check_fails(&[
        "towers.geojson",
        "tower-5",
        "unknown property 'height'",
        "mast_agl_m",
    ]);
}

#[test]
fn alarm_with_zero_radius_is_named() {
    let m = Mission::new();
    m.edit_json("layers/ir-alarms.geojson", |fc| {
        feature_by_id(fc, "ir-1")["properties"]["radius_m"] = serde_json::json!(0);
    });
    m.check_fails(&[
        "ir-alarms.geojson",
        "'ir-1, Jellico cemetery'",
        "radius_m",
        "above 0",
    ]);
}

#[test]
fn watch_weight_out_of_range_names_the_field() {
    let m = Mission::new();
    m.replace(
        "area.toml",
        "[fleet]",
        "[watch]\nblind_spot_weight = 2.5\n\n[fleet]",
    );
    m.check_fails(&["area.toml", "[watch]", "blind_spot_weight", "2.5"]);
}

#[test]
fn a_dem_reprojected_without_nodata_has_holes_at_its_edges_and_nothing_is_planned_over_them() {
    // gdalwarp into UTM with no NoData value anywhere fills the corners the turn leaves empty
    // with 0: read as ground, they were sea level in the middle of the mountains.
    let m = Mission::new();
    gdal(
        "gdalwarp",
        &[
            Path::new("-t_srs"),
            Path::new("EPSG:32617"),
            Path::new("-tr"),
            Path::new("90"),
            Path::new("90"),
            &m.path("terrain/cumberland-dem.tif"),
            &m.path("terrain/utm.tif"),
        ],
    );
    let info = Command::new("gdalinfo")
        .args(["-json", "-stats"])
        .arg(m.path("terrain/utm.tif"))
        .output()
        .expect("gdalinfo");
    let info: Value = serde_json::from_slice(&info.stdout).expect("gdalinfo JSON");
    assert!(
        info["bands"][0]["noDataValue"].is_null() && info["bands"][0]["minimum"] == 0.0,
        "the reprojected DEM has 0 m corners and no NoData value: {}",
        info["bands"][0]
    );
    m.replace("area.toml", "terrain/cumberland-dem.tif", "terrain/utm.tif");
    let out = m.patrol("check", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let elevation = stdout
        .lines()
        .find(|l| l.starts_with("Elevation"))
        .expect("elevation line");
    assert!(
        !elevation.contains(" 0 to "),
        "the empty edges are not ground: {elevation}"
    );
    let holes = stdout
        .lines()
        .find(|l| l.starts_with("Holes"))
        .unwrap_or_else(|| panic!("area check reports the holes:\n{stdout}"));
    assert!(holes.contains("0 m along its edges"), "{holes}");
    // The plan flies over no hole: every point of every path has ground under it, at the
    // heights the real terrain has.
    let plan_dir = m.path("plan");
    let out = Command::new(env!("CARGO_BIN_EXE_patrol"))
        .arg("plan")
        .arg(&m.dir)
        .arg("-o")
        .arg(&plan_dir)
        .args(["--work", "20000", "--shift", "10:00-12:00"])
        .output()
        .expect("run patrol plan");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: Value = serde_json::from_str(
        &std::fs::read_to_string(plan_dir.join("plan.json")).expect("plan.json"),
    )
    .expect("plan JSON");
    // GDAL says what lies under every leg, sampled every ~20 m: never the 0 m fill.
    let mut samples = String::new();
    for d in plan["drones"].as_array().expect("drones") {
        for s in d["sorties"].as_array().expect("sorties") {
            let path = s["path"].as_array().expect("path");
            for leg in path.windows(2) {
                let at = |p: &Value| {
                    (
                        p["lon_deg"].as_f64().expect("lon"),
                        p["lat_deg"].as_f64().expect("lat"),
                    )
                };
                let (a, b) = (at(&leg[0]), at(&leg[1]));
                let metres = ((b.0 - a.0) * 89_000.0).hypot((b.1 - a.1) * 111_000.0);
                let n = (metres / 20.0).ceil().max(1.0) as usize;
                for k in 0..=n {
                    let t = k as f64 / n as f64;
                    samples.push_str(&format!(
                        "{} {}\n",
                        a.0 + (b.0 - a.0) * t,
                        a.1 + (b.1 - a.1) * t
                    ));
                }
            }
        }
    }
    // From a file: writing them to its stdin while it fills its stdout would deadlock.
    m.write("samples.txt", &samples);
    let out = Command::new("gdallocationinfo")
        .args(["-wgs84", "-valonly"])
        .arg(m.path("terrain/utm.tif"))
        .stdin(std::fs::File::open(m.path("samples.txt")).expect("samples"))
        .output()
        .expect("gdallocationinfo");
    let values: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse().unwrap_or(f64::NAN))
        .collect();
    assert_eq!(
        values.len(),
        samples.lines().count(),
        "one value per sample"
    );
    assert!(
        values.len() > 1000,
        "the plan flies: {} samples",
        values.len()
    );
    let over_holes = values.iter().filter(|v| !(**v > 0.0)).count();
    assert_eq!(
        over_holes, 0,
        "{over_holes} samples of the legs over the 0 m fill"
    );
}
