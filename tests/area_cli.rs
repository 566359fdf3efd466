//! End-to-end tests of `patrol area check|map|risk` on the bundled area, as a pilot runs them.

mod common;

use common::{OutputText, area_copy, bundled_area, patrol};

#[test]
fn check_prints_the_summary_a_pilot_reads() {
    let out = patrol(&["area", "check", bundled_area().to_str().unwrap()]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let text = out.stdout_text();
    for expected in [
        "Area        Cumberland Mountains",
        "Extent      lon -84.41375 to -84.07792, lat 36.44625 to 36.73292",
        "Terrain     403 x 344 px",
        "EPSG:4326",
        "Elevation   236 to 1076 m above sea level",
        "Risk cells  ",
        "class 5 (extreme)",
        "Bases       4",
        "Drones      8",
        "No-fly      3 zones",
        "OK: ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // Cells per class add up to the cell count.
    let total: usize = text
        .lines()
        .find(|l| l.starts_with("Risk cells"))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|n| n.parse().ok())
        .unwrap();
    let per_class: usize = text
        .lines()
        .filter(|l| l.trim_start().starts_with("class "))
        .map(|l| {
            l.split("cells")
                .next()
                .unwrap()
                .split_whitespace()
                .last()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(per_class, total);
    assert!(total > 14_000, "30 x 32 km in 250 m cells: {total}");
}

#[test]
fn map_draws_terrain_risk_colours_bases_and_legend() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("map.png");
    let out = patrol(&[
        "area",
        "map",
        bundled_area().to_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    assert!(out.stdout_text().contains("Wrote"));
    let img = image::open(&png).unwrap().to_rgb8();
    assert!(
        img.width() > 1200 && img.height() > 1000,
        "{}x{}",
        img.width(),
        img.height()
    );
    // Every danger-class colour of the legend is present as a swatch.
    for rgb in [
        [46, 160, 67],
        [51, 119, 214],
        [240, 200, 30],
        [245, 130, 32],
        [215, 38, 38],
    ] {
        let n = img.pixels().filter(|p| p.0 == rgb).count();
        assert!(n >= 26 * 16, "legend swatch {rgb:?}: {n} pixels");
    }
    // The map is not blank: many distinct colours (hillshade, tints, overlays).
    let distinct: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(distinct.len() > 2000, "only {} colours", distinct.len());
}

#[test]
fn risk_writes_geotiffs_gdal_reads_and_carries_the_fwi_state() {
    let area = area_copy();
    let dir = area.path();
    let state = dir.join("fwi-state.json");
    let before = std::fs::read_to_string(&state).unwrap();
    let out = patrol(&["area", "risk", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let text = out.stdout_text();
    assert!(
        text.contains("Fire weather 2026-04-05: FFMC 93.0"),
        "{text}"
    );
    let risk_tif = dir.join("risk/risk.tif");
    let classes_tif = dir.join("risk/danger-classes.tif");
    let info = std::process::Command::new("gdalinfo")
        .args(["-json", "-stats", risk_tif.to_str().unwrap()])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    let band = &json["bands"][0];
    assert!(
        band["minimum"].as_f64().unwrap() >= 0.0 && band["maximum"].as_f64().unwrap() <= 1.0,
        "{band}"
    );
    let info = std::process::Command::new("gdalinfo")
        .args(["-json", "-stats", classes_tif.to_str().unwrap()])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(json["bands"][0]["minimum"].as_f64(), Some(1.0));
    assert_eq!(json["bands"][0]["maximum"].as_f64(), Some(5.0));

    // The bundled state already holds 2026-04-05: a same-day run starts again from the codes
    // that day started from, so it changes nothing.
    let after_first = std::fs::read_to_string(&state).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&before).unwrap();
    assert_eq!(parsed["date"], "2026-04-05");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&after_first).unwrap(),
        parsed,
        "a same-day rerun is idempotent"
    );
    let again = patrol(&["area", "risk", dir.to_str().unwrap()]);
    assert!(again.status.success());
    assert_eq!(again.stdout_text(), text);
    assert_eq!(std::fs::read_to_string(&state).unwrap(), after_first);

    // The next day, after rain: the codes carry on from today and the danger drops.
    let wet = patrol(&[
        "area",
        "risk",
        dir.to_str().unwrap(),
        "--date",
        "2026-04-06",
        "--temp-c",
        "15",
        "--rh",
        "70",
        "--wind-kmh",
        "8",
        "--rain-mm",
        "12",
    ]);
    assert!(wet.status.success(), "{}", wet.stderr_text());
    let state_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(state_json["date"], "2026-04-06");
    let today: serde_json::Value = serde_json::from_str(&after_first).unwrap();
    assert_eq!(state_json["codes_before"], today["codes"]);
    let mean = |t: &str| -> f64 {
        t.lines()
            .find(|l| l.starts_with("Mean risk index"))
            .unwrap()
            .split_whitespace()
            .nth(3)
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(
        mean(&wet.stdout_text()) < mean(&text) * 0.8,
        "rain lowers the risk"
    );
    // A date before the state's is refused and leaves the state alone.
    let back = patrol(&[
        "area",
        "risk",
        dir.to_str().unwrap(),
        "--date",
        "2026-04-01",
        "--temp-c",
        "15",
        "--rh",
        "70",
        "--wind-kmh",
        "8",
        "--rain-mm",
        "0",
    ]);
    assert_eq!(back.status.code(), Some(1));
    assert!(
        back.stderr_text().contains("fwi-state.json"),
        "{}",
        back.stderr_text()
    );
    assert_eq!(
        state_json,
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&state).unwrap())
            .unwrap()
    );
}

#[test]
fn the_bundled_risk_map_is_what_the_model_computes() {
    // The committed risk.tif must be reproducible from the committed layers and weather.
    let area = area_copy();
    let out_dir = tempfile::tempdir().unwrap();
    let out = patrol(&[
        "area",
        "risk",
        area.path().to_str().unwrap(),
        "-o",
        out_dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let committed =
        patrol_planner::raster::read_raster(&bundled_area().join("risk/risk.tif"), None).unwrap();
    let fresh =
        patrol_planner::raster::read_raster(&out_dir.path().join("risk.tif"), None).unwrap();
    assert_eq!(committed.data.len(), fresh.data.len());
    let worst = committed
        .data
        .iter()
        .zip(&fresh.data)
        .map(|(a, b)| match (a.is_nan(), b.is_nan()) {
            (true, true) => 0.0,
            // NoData on one side only is a difference (f32::max would skip a NaN).
            (true, false) | (false, true) => f32::INFINITY,
            _ => (a - b).abs(),
        })
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-6,
        "committed risk.tif differs by up to {worst}: rerun `patrol area risk missions/cumberland`"
    );
}

#[test]
fn help_shows_examples() {
    for args in [
        vec!["--help"],
        vec!["area", "check", "--help"],
        vec!["area", "map", "--help"],
        vec!["area", "risk", "--help"],
    ] {
        let out = patrol(&args);
        assert!(out.status.success());
        assert!(
            out.stdout_text().contains("Example"),
            "{args:?}: {}",
            out.stdout_text()
        );
    }
}

/// `gdalinfo -json -stats` of a raster: GDAL reads what we wrote.
fn gdalinfo(path: &std::path::Path) -> serde_json::Value {
    let out = std::process::Command::new("gdalinfo")
        .args(["-json", "-stats"])
        .arg(path)
        .output()
        .expect("run gdalinfo (Debian gdal-bin)");
    assert!(out.status.success(), "{}", out.stderr_text());
    serde_json::from_slice(&out.stdout).expect("gdalinfo JSON")
}

#[test]
fn coverage_writes_rasters_gdal_reads_and_the_shares() {
    let dir = tempfile::tempdir().unwrap();
    let out = patrol(&[
        "area",
        "coverage",
        bundled_area().to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let text = out.stdout_text();
    for expected in [
        "6 towers, 9 infrared alarms",
        "risk seen by a tower (60 m smoke column)",
        "risk in blind spots (neither)",
        "tower tower-1      mast  30 m, range   5.0 km",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The rasters lie on the DEM's grid; somewhere two towers overlap; the column heights
    // run from 0 (seen at the ground) up, NaN where no tower reaches.
    let seeing = gdalinfo(&dir.path().join("towers-seeing.tif"));
    assert_eq!(seeing["size"], serde_json::json!([403, 344]));
    // No tower is NoData, so that a GIS shows the watched ground over its base map.
    assert_eq!(seeing["bands"][0]["noDataValue"], 0.0);
    assert_eq!(seeing["bands"][0]["minimum"], 1.0);
    assert!(seeing["bands"][0]["maximum"].as_f64().unwrap() >= 2.0);
    let column = gdalinfo(&dir.path().join("column-height.tif"));
    assert_eq!(column["size"], serde_json::json!([403, 344]));
    assert_eq!(column["bands"][0]["minimum"], 0.0);
    assert!(column["bands"][0]["maximum"].as_f64().unwrap() > 60.0);
    let png = image::open(dir.path().join("coverage.png")).unwrap();
    assert!(png.width() >= 1000, "{}", png.width());
}

#[test]
fn site_towers_proposes_a_layer_the_area_accepts() {
    let area = area_copy();
    let proposed = area.path().join("layers/new-towers.geojson");
    let out = patrol(&[
        "area",
        "site-towers",
        area.path().to_str().unwrap(),
        "--count",
        "3",
        "--existing",
        "-o",
        proposed.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let text = out.stdout_text();
    assert!(
        text.contains("3 tower sites for Cumberland Mountains (around its 6 towers"),
        "{text}"
    );
    // Each site adds risk watched, the first the most (greedy).
    let adds: Vec<f64> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("new-"))
        .map(|l| {
            l.split("adds")
                .nth(1)
                .unwrap()
                .trim()
                .split('%')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(adds.len(), 3, "{text}");
    assert!(
        adds.iter().all(|&a| a > 0.0) && adds.windows(2).all(|w| w[0] >= w[1]),
        "{adds:?}"
    );
    // The proposal is a valid towers layer: use it in place of the area's towers.
    let toml = area.path().join("area.toml");
    let manifest = std::fs::read_to_string(&toml).unwrap();
    assert!(manifest.contains("towers = \"layers/towers.geojson\""));
    std::fs::write(
        &toml,
        manifest.replace("layers/towers.geojson", "layers/new-towers.geojson"),
    )
    .unwrap();
    let check = patrol(&["area", "check", area.path().to_str().unwrap()]);
    assert!(check.status.success(), "{}", check.stderr_text());
    assert!(
        check.stdout_text().contains("3 towers"),
        "{}",
        check.stdout_text()
    );
}

#[test]
fn a_computed_risk_map_is_not_a_dead_end() {
    // An area without [risk]: every command says the same way out, and once the map is
    // computed, says to name it in area.toml, until it is.
    let area = area_copy();
    let dir = area.path();
    let toml_path = dir.join("area.toml");
    let toml = std::fs::read_to_string(&toml_path).expect("area.toml");
    let without = toml.replace("[risk]\npath = \"risk/risk.tif\"\nscale = \"unit\"\n", "");
    assert_ne!(without, toml, "the bundled area names its risk map");
    std::fs::write(&toml_path, &without).expect("write area.toml");
    std::fs::remove_dir_all(dir.join("risk")).expect("remove risk/");
    let d = dir.to_str().expect("utf-8");
    let check = patrol(&["area", "check", d]).stdout_text();
    assert!(
        check.contains("compute one with `patrol area risk`, then add [risk] path = \"risk/risk.tif\" to area.toml"),
        "{check}"
    );
    let risk = patrol(&["area", "risk", d]);
    assert!(risk.status.success(), "{}", risk.stderr_text());
    assert!(
        risk.stdout_text()
            .contains("To plan with it, add to area.toml:\n[risk]\npath = \"risk/risk.tif\""),
        "{}",
        risk.stdout_text()
    );
    // Written but not named: said so, by check and by plan.
    let check = patrol(&["area", "check", d]).stdout_text();
    assert!(
        check.contains("risk/risk.tif is there (written by `patrol area risk`): add [risk] path = \"risk/risk.tif\" to area.toml"),
        "{check}"
    );
    let out_dir = tempfile::tempdir().expect("tempdir");
    let plan = patrol(&[
        "plan",
        d,
        "-o",
        out_dir.path().to_str().expect("utf-8"),
        "--work",
        "2000",
    ]);
    common::expect_error(&plan, &["add [risk] path = \"risk/risk.tif\" to area.toml"]);
    // Named: the next run says it is in use.
    std::fs::write(&toml_path, toml).expect("write area.toml");
    let risk = patrol(&["area", "risk", d]).stdout_text();
    assert!(
        risk.contains("The area plans with it ([risk] path = \"risk/risk.tif\" in area.toml)."),
        "{risk}"
    );
}
