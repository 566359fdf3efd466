//! The exports of a hand-made plan, read back by outside oracles: pymavlink's `mavwp` for
//! `.waypoints`, QGroundControl's documented `.plan` layout, GDAL's `ogrinfo` for KML and
//! GeoJSON, and our own reader for `plan.json`.

use std::path::{Path, PathBuf};
use std::process::Command;

use patrol_planner::area::fleet::Firmware;
use patrol_planner::export::{ExportError, read_plan_json, write_all, write_plan_json};
use patrol_planner::plan::model::{
    DronePlan, LeftOut, Mission, MissionItem, PLAN_FORMAT_VERSION, PathPoint, Plan, PlanSettings,
    PlanTotals, PlannedBase, PlannedCell, PlannedZone, Shift, Sortie, cmd, frame,
};
use serde_json::Value;

use crate::gdal::run;

const NORTH: (f64, f64, f64) = (36.612_345_67, -84.251_234_56, 412.5);
const SOUTH: (f64, f64, f64) = (36.523_456_78, -84.198_765_43, 388.25);
const ALT_AGL_M: f64 = 60.0;

fn item(seq: u16, frame: u8, command: u16, params: [Option<f64>; 4], pos: [f64; 3]) -> MissionItem {
    MissionItem {
        seq,
        frame,
        command,
        current: seq == 0,
        autocontinue: true,
        params,
        lat_deg: pos[0],
        lon_deg: pos[1],
        alt_m: pos[2],
    }
}

fn point(lat_deg: f64, lon_deg: f64, alt_amsl_m: f64, t_s: f64) -> PathPoint {
    PathPoint {
        lat_deg,
        lon_deg,
        alt_amsl_m,
        ground_amsl_m: alt_amsl_m - ALT_AGL_M,
        t_s,
    }
}

/// An ArduPilot mission from the north base: home item 0, take-off, speed, camera on, three
/// waypoints relative to home, camera off, landing.
fn ardupilot_mission(shift_deg: f64) -> Mission {
    let (lat, lon, ground) = NORTH;
    let wp = |i: u16, k: f64| {
        item(
            i,
            frame::RELATIVE_TO_HOME,
            cmd::WAYPOINT,
            [Some(0.0), Some(2.5), Some(0.0), None],
            [lat + 0.004 * k + shift_deg, lon + 0.003 * k, ALT_AGL_M + k],
        )
    };
    Mission {
        home: point(lat, lon, ground, 0.0),
        mav_type: 2,
        cruise_speed_mps: 12.5,
        items: vec![
            item(
                0,
                frame::GLOBAL_AMSL,
                cmd::WAYPOINT,
                [Some(0.0); 4],
                [lat, lon, ground],
            ),
            item(
                1,
                frame::RELATIVE_TO_HOME,
                cmd::TAKEOFF,
                [Some(0.0), None, None, None],
                [lat, lon, ALT_AGL_M],
            ),
            item(
                2,
                frame::MISSION,
                cmd::DO_CHANGE_SPEED,
                [Some(1.0), Some(12.5), Some(-1.0), Some(0.0)],
                [0.0, 0.0, 0.0],
            ),
            item(
                3,
                frame::MISSION,
                cmd::IMAGE_START_CAPTURE,
                [Some(0.0), Some(2.0), Some(0.0), None],
                [0.0, 0.0, 0.0],
            ),
            wp(4, 1.0),
            wp(5, 2.0),
            wp(6, 3.0),
            item(
                7,
                frame::MISSION,
                cmd::IMAGE_STOP_CAPTURE,
                [Some(0.0), None, None, None],
                [0.0, 0.0, 0.0],
            ),
            item(
                8,
                frame::RELATIVE_TO_HOME,
                cmd::LAND,
                [Some(0.0), Some(0.0), Some(0.0), None],
                [lat, lon, 0.0],
            ),
        ],
    }
}

/// A PX4 fixed-wing mission from the south base: no home item, altitudes above sea level.
fn px4_mission() -> Mission {
    let (lat, lon, ground) = SOUTH;
    let alt = ground + ALT_AGL_M;
    Mission {
        home: point(lat, lon, ground, 0.0),
        mav_type: 1,
        cruise_speed_mps: 18.0,
        items: vec![
            item(
                0,
                frame::GLOBAL_AMSL,
                cmd::TAKEOFF,
                [Some(15.0), None, None, None],
                [lat + 0.002, lon, alt],
            ),
            item(
                1,
                frame::GLOBAL_AMSL,
                cmd::WAYPOINT,
                [Some(0.0), None, None, None],
                [lat + 0.010, lon - 0.010, alt + 12.345],
            ),
            item(
                2,
                frame::GLOBAL_AMSL,
                cmd::WAYPOINT,
                [Some(0.0), None, None, None],
                [lat + 0.020, lon + 0.005, alt + 3.5],
            ),
            item(
                3,
                frame::GLOBAL_AMSL,
                cmd::LAND,
                [Some(0.0), None, None, None],
                [lat, lon, ground],
            ),
        ],
    }
}

fn sortie(id: &str, base: &str, start_s: f64, mission: Mission, cells: Vec<usize>) -> Sortie {
    let path: Vec<PathPoint> = std::iter::once(mission.home)
        .chain(
            mission
                .items
                .iter()
                .filter(|i| i.frame != frame::MISSION)
                .map(|i| {
                    let alt = if i.frame == frame::RELATIVE_TO_HOME {
                        mission.home.alt_amsl_m + i.alt_m
                    } else {
                        i.alt_m
                    };
                    point(i.lat_deg, i.lon_deg, alt, 0.0)
                }),
        )
        .enumerate()
        .map(|(k, p)| PathPoint {
            t_s: start_s + 60.0 * k as f64,
            ..p
        })
        .collect();
    Sortie {
        id: id.to_string(),
        start_s,
        end_s: start_s + 1_530.0,
        base: base.to_string(),
        distance_m: 14_321.5,
        flight_time_s: 1_530.0,
        battery_used: 0.734,
        risk_patrolled: 1.234_567,
        cells,
        sweeps: 0,
        path,
        mission,
    }
}

fn sample_plan() -> Plan {
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        generator: "forest-patrol test".to_string(),
        area_name: "Test & <valley>".to_string(),
        area_dir: "missions/test".to_string(),
        shift: Shift {
            start_local: "08:30".to_string(),
            end_local: "18:00".to_string(),
            duration_s: 34_200.0,
            date: None,
            time_zone: None,
        },
        settings: PlanSettings {
            alt_agl_m: ALT_AGL_M,
            ceiling_agl_m: 120.0,
            min_agl_m: 30.0,
            wind_from_deg: 225.0,
            wind_speed_mps: 4.2,
            side_overlap: 0.2,
            time_limit_s: 10.0,
            seed: 7,
        },
        bases: vec![
            PlannedBase {
                name: "North".to_string(),
                lat_deg: NORTH.0,
                lon_deg: NORTH.1,
                alt_amsl_m: NORTH.2,
            },
            PlannedBase {
                name: "South".to_string(),
                lat_deg: SOUTH.0,
                lon_deg: SOUTH.1,
                alt_amsl_m: SOUTH.2,
            },
        ],
        no_fly: vec![PlannedZone {
            name: "Quarry & blasting <zone>".to_string(),
            ceiling_amsl_m: Some(900.0),
            // Counter-clockwise, closed, [lon, lat].
            polygon: vec![
                [-84.23, 36.56],
                [-84.21, 36.56],
                [-84.21, 36.58],
                [-84.22, 36.59],
                [-84.23, 36.58],
                [-84.23, 36.56],
            ],
        }],
        drones: vec![
            DronePlan {
                drone_id: "q1".to_string(),
                system_id: 1,
                firmware: Firmware::Ardupilot,
                home_base: "North".to_string(),
                sorties: vec![
                    sortie("q1-1", "North", 0.0, ardupilot_mission(0.0), vec![0, 1]),
                    sortie("q1-2", "North", 3_600.0, ardupilot_mission(0.001), vec![1]),
                ],
            },
            DronePlan {
                drone_id: "p1".to_string(),
                system_id: 2,
                firmware: Firmware::Px4,
                home_base: "South".to_string(),
                sorties: vec![sortie("p1-1", "South", 600.0, px4_mission(), vec![2])],
            },
        ],
        cells: vec![
            PlannedCell {
                lat_deg: 36.6,
                lon_deg: -84.24,
                size_m: 250.0,
                risk: 0.125,
                class: 1,
                visits_s: vec![300.0],
                visited_by: vec!["q1-1".to_string()],
            },
            PlannedCell {
                lat_deg: 36.6,
                lon_deg: -84.237_2,
                size_m: 250.0,
                risk: 0.5,
                class: 3,
                visits_s: vec![360.0, 3_960.0],
                visited_by: vec!["q1-1".to_string(), "q1-2".to_string()],
            },
            PlannedCell {
                lat_deg: 36.54,
                lon_deg: -84.2,
                size_m: 250.0,
                risk: 0.987_654_321,
                class: 5,
                visits_s: vec![1_200.5],
                visited_by: vec!["p1-1".to_string()],
            },
        ],
        left_out: vec![LeftOut {
            what: "12 cells".to_string(),
            reason: "beyond every drone's range".to_string(),
        }],
        notes: Vec::new(),
        totals: PlanTotals {
            area_risk: 10.0,
            risk_covered: 1.612_654_321,
            share_of_area_risk: 0.161_265_432_1,
            risk_patrolled: 3.703_701,
            sorties: 3,
            flight_time_s: 4_590.0,
            distance_m: 42_964.5,
        },
        watch: None,
    }
}

/// Writes the sample plan's exports into a new temporary directory.
fn exported() -> (tempfile::TempDir, Plan, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let plan = sample_plan();
    let written = write_all(&plan, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, plan, written)
}

fn sorties(plan: &Plan) -> impl Iterator<Item = (&DronePlan, &Sortie)> {
    plan.drones
        .iter()
        .flat_map(|d| d.sorties.iter().map(move |s| (d, s)))
}

#[test]
fn write_all_writes_every_file_and_returns_them() {
    let (dir, _plan, written) = exported();
    let names: Vec<String> = written
        .iter()
        .map(|p| {
            assert_eq!(p.parent(), Some(dir.path()));
            assert!(p.is_file(), "{} written", p.display());
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "q1-1.plan",
            "q1-1.waypoints",
            "q1-2.plan",
            "q1-2.waypoints",
            "p1-1.plan",
            "p1-1.waypoints",
            "plan.kml",
            "routes.geojson",
            "cells.geojson",
            "plan.json",
            "summary.csv",
        ]
    );
}

// ---- a) pymavlink reads every .waypoints file ----

/// pymavlink's MAVWPLoader: prints, per file, every item it loaded.
const MAVWP_SCRIPT: &str = r#"
import json, sys
from pymavlink import mavutil, mavwp
assert mavutil.mavlink20(), "MAVLINK20=1 was not seen"
out = {}
for path in sys.argv[1:]:
    loader = mavwp.MAVWPLoader()
    n = loader.load(path)
    items = [loader.wp(i) for i in range(loader.count())]
    assert n == len(items)
    out[path] = [[w.seq, w.current, w.frame, w.command, w.param1, w.param2, w.param3,
                  w.param4, w.x, w.y, w.z, w.autocontinue] for w in items]
print(json.dumps(out))
"#;

/// The repository's Python with pymavlink, installed by scripts/test.sh.
fn venv_python() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = repo.join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/test.sh once, which creates the .venv with pymavlink",
        python.display()
    );
    python
}

/// What a `.waypoints` reader must see: home at row 0, then the items; an ArduPilot
/// mission's item 0 already is home, a PX4 mission gets home prepended.
fn expected_rows(firmware: Firmware, mission: &Mission) -> Vec<MissionItem> {
    match firmware {
        Firmware::Ardupilot => mission.items.clone(),
        Firmware::Px4 => {
            let h = mission.home;
            let home = item(
                0,
                frame::GLOBAL_AMSL,
                cmd::WAYPOINT,
                [Some(0.0); 4],
                [h.lat_deg, h.lon_deg, h.alt_amsl_m],
            );
            std::iter::once(home)
                .chain(mission.items.iter().copied())
                .collect()
        }
    }
}

#[test]
fn pymavlink_loads_every_waypoints_file_with_the_same_items() {
    let (dir, plan, _) = exported();
    let python = venv_python();
    let files: Vec<String> = sorties(&plan)
        .map(|(_, s)| {
            dir.path()
                .join(format!("{}.waypoints", s.id))
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let out = Command::new(&python)
        .arg("-c")
        .arg(MAVWP_SCRIPT)
        .args(&files)
        .env("MAVLINK20", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}): run scripts/test.sh", python.display()));
    assert!(
        out.status.success(),
        "pymavlink failed (run scripts/test.sh if it is not installed): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let loaded: Value = serde_json::from_slice(&out.stdout).unwrap();

    for ((drone, sortie), file) in sorties(&plan).zip(&files) {
        let expected = expected_rows(drone.firmware, &sortie.mission);
        let rows = loaded[file.as_str()].as_array().unwrap();
        assert_eq!(rows.len(), expected.len(), "{file}: item count");
        for (i, (row, want)) in rows.iter().zip(&expected).enumerate() {
            let got: Vec<f64> = row
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let ctx = format!("{file}: row {i}: {got:?}");
            assert_eq!(got[0], i as f64, "{ctx}: seq");
            assert_eq!(got[1], f64::from(u8::from(i == 0)), "{ctx}: current");
            assert_eq!(got[2], f64::from(want.frame), "{ctx}: frame");
            assert_eq!(got[3], f64::from(want.command), "{ctx}: command");
            for (k, p) in want.params.iter().enumerate() {
                let p = p.unwrap_or(0.0);
                assert!((got[4 + k] - p).abs() < 1e-6, "{ctx}: param{}", k + 1);
            }
            assert!((got[8] - want.lat_deg).abs() < 1e-6, "{ctx}: x");
            assert!((got[9] - want.lon_deg).abs() < 1e-6, "{ctx}: y");
            assert!((got[10] - want.alt_m).abs() < 1e-6, "{ctx}: z");
            assert_eq!(got[11], f64::from(u8::from(want.autocontinue)), "{ctx}");
        }
    }
    // Home is row 0 in every file, at the base's ground elevation above sea level.
    for (file, (_, sortie)) in files.iter().zip(sorties(&plan)) {
        let home = &loaded[file.as_str()][0];
        assert_eq!(home[2], 0, "{file}: home frame");
        assert_eq!(home[3], 16, "{file}: home command");
        assert!((home[10].as_f64().unwrap() - sortie.mission.home.alt_amsl_m).abs() < 1e-6);
    }
}

// ---- b) the .plan files, field by field against QGroundControl's documented format ----

/// Whether a JSON number is `want` to 1e-9 (relative above 1): numbers are written in full,
/// but serde_json's default parser may read the last digit differently.
fn is_close(v: &Value, want: f64) -> bool {
    v.as_f64()
        .is_some_and(|x| (x - want).abs() <= 1e-9 * want.abs().max(1.0))
}

fn assert_close(v: &Value, want: f64, ctx: &str) {
    assert!(is_close(v, want), "{ctx}: {v} is not {want}");
}

/// Shoelace sum of a `[lat, lon]` ring with x = lon, y = lat: negative when clockwise.
fn signed_area_lon_lat(vertices: &[Value]) -> f64 {
    let n = vertices.len();
    (0..n)
        .map(|i| {
            let (a, b) = (&vertices[i], &vertices[(i + 1) % n]);
            let coord = |v: &Value, k: usize| v[k].as_f64().expect("a number");
            let (x1, y1) = (coord(a, 1), coord(a, 0));
            let (x2, y2) = (coord(b, 1), coord(b, 0));
            x1 * y2 - x2 * y1
        })
        .sum::<f64>()
        / 2.0
}

#[test]
fn plan_files_follow_qgroundcontrols_format() {
    let (dir, plan, _) = exported();
    for (drone, sortie) in sorties(&plan) {
        let path = dir.path().join(format!("{}.plan", sortie.id));
        let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let ctx = path.display().to_string();
        assert_eq!(doc["fileType"], "Plan", "{ctx}");
        assert_eq!(doc["version"], 1, "{ctx}");
        assert_eq!(doc["groundStation"], "forest-patrol", "{ctx}");

        let mission = &doc["mission"];
        let m = &sortie.mission;
        assert_eq!(mission["version"], 2, "{ctx}");
        let firmware_type = match drone.firmware {
            Firmware::Ardupilot => 3,
            Firmware::Px4 => 12,
        };
        assert_eq!(mission["firmwareType"], firmware_type, "{ctx}");
        assert_eq!(mission["vehicleType"], m.mav_type, "{ctx}");
        assert_eq!(mission["cruiseSpeed"], m.cruise_speed_mps, "{ctx}");
        assert_eq!(mission["hoverSpeed"], m.cruise_speed_mps, "{ctx}");
        let home = mission["plannedHomePosition"].as_array().unwrap();
        assert_eq!(home.len(), 3, "{ctx}");
        assert_close(&home[0], m.home.lat_deg, &ctx);
        assert_close(&home[1], m.home.lon_deg, &ctx);
        assert_close(&home[2], m.home.alt_amsl_m, &ctx);

        // QGroundControl keeps home out of the items: ArduPilot's item 0 is dropped.
        let model_items: &[MissionItem] = match drone.firmware {
            Firmware::Ardupilot => &m.items[1..],
            Firmware::Px4 => &m.items,
        };
        let items = mission["items"].as_array().unwrap();
        assert_eq!(items.len(), model_items.len(), "{ctx}");
        assert_eq!(items[0]["command"], 22, "{ctx}: first item is the take-off");
        for (i, (it, want)) in items.iter().zip(model_items).enumerate() {
            let ctx = format!("{ctx}: item {i}");
            assert_eq!(it["type"], "SimpleItem", "{ctx}");
            assert_eq!(it["autoContinue"], true, "{ctx}");
            assert_eq!(it["doJumpId"], i + 1, "{ctx}");
            assert_eq!(it["command"], want.command, "{ctx}");
            assert_eq!(it["frame"], want.frame, "{ctx}");
            for key in ["AltitudeMode", "Altitude", "AMSLAltAboveTerrain"] {
                assert!(it.get(key).is_none(), "{ctx}: {key} must be left out");
            }
            let params = it["params"].as_array().unwrap();
            assert_eq!(params.len(), 7, "{ctx}");
            for (k, p) in want.params.iter().enumerate() {
                match p {
                    Some(p) => assert_close(&params[k], *p, &format!("{ctx}: param{}", k + 1)),
                    None => assert!(params[k].is_null(), "{ctx}: param{}", k + 1),
                }
            }
            assert_close(&params[4], want.lat_deg, &ctx);
            assert_close(&params[5], want.lon_deg, &ctx);
            assert_close(&params[6], want.alt_m, &ctx);
        }
        let frames: Vec<u64> = items.iter().map(|i| i["frame"].as_u64().unwrap()).collect();
        match drone.firmware {
            Firmware::Ardupilot => assert_eq!(frames, [3, 2, 2, 3, 3, 3, 2, 3], "{ctx}"),
            Firmware::Px4 => assert!(frames.iter().all(|&f| f == 0), "{ctx}"),
        }

        // The no-fly zone as a keep-out polygon: its vertices as [lat, lon], no closing
        // repeat, clockwise.
        let fence = &doc["geoFence"];
        assert_eq!(fence["version"], 2, "{ctx}");
        assert_eq!(fence["circles"], serde_json::json!([]), "{ctx}");
        let polygons = fence["polygons"].as_array().unwrap();
        assert_eq!(polygons.len(), 1, "{ctx}");
        assert_eq!(polygons[0]["inclusion"], false, "{ctx}");
        assert_eq!(polygons[0]["version"], 1, "{ctx}");
        let vertices = polygons[0]["polygon"].as_array().unwrap();
        let zone = &plan.no_fly[0].polygon;
        assert_eq!(vertices.len(), zone.len() - 1, "{ctx}: no closing repeat");
        for [lon, lat] in &zone[..zone.len() - 1] {
            assert!(
                vertices
                    .iter()
                    .any(|v| v.as_array().is_some_and(|v| v.len() == 2)
                        && is_close(&v[0], *lat)
                        && is_close(&v[1], *lon)),
                "{ctx}: vertex {lat}, {lon} missing from {vertices:?}"
            );
        }
        assert!(signed_area_lon_lat(vertices) < 0.0, "{ctx}: clockwise");

        // Bases as rally points at patrol height, altitude above home.
        let rally = &doc["rallyPoints"];
        assert_eq!(rally["version"], 2, "{ctx}");
        let points = rally["points"].as_array().unwrap();
        assert_eq!(points.len(), plan.bases.len(), "{ctx}");
        for (p, base) in points.iter().zip(&plan.bases) {
            let p = p.as_array().unwrap();
            assert_eq!(p.len(), 3, "{ctx}");
            assert_close(&p[0], base.lat_deg, &ctx);
            assert_close(&p[1], base.lon_deg, &ctx);
            assert_close(&p[2], ALT_AGL_M + base.alt_amsl_m - m.home.alt_amsl_m, &ctx);
        }
    }
}

// ---- c) GDAL reads the KML and GeoJSON files ----

/// `(layer name, geometry, feature count)` of every layer in `ogrinfo -ro -al -so` output.
fn ogr_layers(file: &Path) -> Vec<(String, String, u64)> {
    let text = run(
        "ogrinfo",
        &["-ro", "-al", "-so", file.to_str().expect("a UTF-8 path")],
    );
    let mut layers = Vec::new();
    let (mut name, mut geometry) = (String::new(), String::new());
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("Layer name: ") {
            name = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("Geometry: ") {
            geometry = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("Feature Count: ") {
            layers.push((
                name.clone(),
                geometry.clone(),
                v.trim().parse().expect("a count"),
            ));
        }
    }
    assert!(
        !layers.is_empty(),
        "ogrinfo found no layer in {}: {text}",
        file.display()
    );
    layers
}

#[test]
fn gdal_reads_the_kml_folders_and_their_features() {
    let (dir, _, _) = exported();
    let layers = ogr_layers(&dir.path().join("plan.kml"));
    let counts: Vec<(&str, u64)> = layers.iter().map(|(n, _, c)| (n.as_str(), *c)).collect();
    assert_eq!(
        counts,
        [
            ("q1", 2),
            ("p1", 1),
            ("Patrolled cells", 3),
            ("No-fly zones", 1),
            ("Bases", 2),
        ],
        "{layers:?}"
    );
}

#[test]
fn gdal_reads_the_geojson_routes_and_cells() {
    let (dir, _, _) = exported();
    let routes = ogr_layers(&dir.path().join("routes.geojson"));
    assert_eq!(routes.len(), 1, "{routes:?}");
    assert_eq!(routes[0].1, "3D Line String", "{routes:?}");
    assert_eq!(routes[0].2, 3, "{routes:?}");
    let cells = ogr_layers(&dir.path().join("cells.geojson"));
    assert_eq!(cells.len(), 1, "{cells:?}");
    assert_eq!(cells[0].1, "Polygon", "{cells:?}");
    assert_eq!(cells[0].2, 3, "{cells:?}");
}

// ---- d) plan.json round-trips, and other versions are refused ----

#[test]
fn plan_json_reads_back_the_same_plan() {
    let (dir, plan, _) = exported();
    let read = read_plan_json(&dir.path().join("plan.json")).unwrap_or_else(|e| panic!("{e}"));
    if read != plan {
        // The whole plan is too long to read in a failure message: show where it differs.
        let (wrote, got) = (format!("{plan:?}"), format!("{read:?}"));
        let at = wrote
            .bytes()
            .zip(got.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(wrote.len().min(got.len()));
        let from = wrote[..at]
            .rfind(" PathPoint {")
            .unwrap_or(at.saturating_sub(80));
        panic!(
            "plan.json does not read back the plan written (a float off by one unit in the \
             last place means serde_json lacks its float_roundtrip feature):\n wrote ...{}\n \
             read  ...{}",
            &wrote[from..(at + 40).min(wrote.len())],
            &got[from..(at + 40).min(got.len())]
        );
    }
}

#[test]
fn plan_json_of_another_format_version_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old-plan.json");
    let mut plan = sample_plan();
    plan.format_version = 99;
    write_plan_json(&plan, &path).unwrap();
    let err = read_plan_json(&path).unwrap_err();
    assert!(
        matches!(
            err,
            ExportError::FormatVersion {
                found: 99,
                expected: PLAN_FORMAT_VERSION,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("format_version 99"), "{message}");
}

#[test]
fn summary_csv_has_one_row_per_sortie_with_local_clock_times() {
    let (dir, _, _) = exported();
    let text = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "drone_id,sortie,base,start,end,flight_time_min,distance_km,battery_used_pct,cells,\
         risk_patrolled,mission_items"
    );
    assert_eq!(
        lines[1..],
        [
            "q1,q1-1,North,08:30:00,08:55:30,25.5,14.32,73.4,2,1.2346,9",
            "q1,q1-2,North,09:30:00,09:55:30,25.5,14.32,73.4,1,1.2346,9",
            "p1,p1-1,South,08:40:00,09:05:30,25.5,14.32,73.4,1,1.2346,4",
        ]
    );
}

#[test]
fn gdal_reads_kml_routes_in_3d_and_names_unchanged() {
    let (dir, plan, _) = exported();
    let file = dir.path().join("plan.kml");
    let file = file.to_str().unwrap();

    let routes = run("ogrinfo", &["-ro", file, "q1"]);
    let lines: Vec<&str> = routes
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("LINESTRING"))
        .collect();
    assert_eq!(lines.len(), 2, "{routes}");
    let first = &plan.drones[0].sorties[0].path;
    assert!(lines[0].starts_with("LINESTRING Z ("), "{}", lines[0]);
    assert_eq!(
        lines[0].matches(',').count() + 1,
        first.len(),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains(&format!("{} {} 472.5", first[2].lon_deg, first[2].lat_deg)),
        "altitudes above sea level: {}",
        lines[0]
    );

    let zones = run("ogrinfo", &["-ro", file, "No-fly zones"]);
    assert!(
        zones.contains("Name (String) = Quarry & blasting <zone>"),
        "{zones}"
    );
    let cells = run("ogrinfo", &["-ro", file, "Patrolled cells"]);
    assert_eq!(cells.matches("POLYGON ((").count(), 3, "{cells}");
}

#[test]
fn sorties_with_the_same_file_name_are_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut plan = sample_plan();
    plan.drones[1].sorties[0].id = "q1-1".to_string();
    let err = write_all(&plan, &out).unwrap_err();
    assert!(
        matches!(&err, ExportError::DuplicateSortie { first, second, .. }
            if first == "q1-1" && second == "q1-1"),
        "{err:?}"
    );
    assert!(err.to_string().contains("q1-1.plan"), "{err}");
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_plan_finds_its_area_from_its_own_directory() {
    use patrol_planner::export::{area_dir_of, plan_json_in, relative_path};
    let tmp = tempfile::tempdir().expect("tempdir");
    let area = tmp.path().join("areas/myforest");
    let out = tmp.path().join("plans/today");
    std::fs::create_dir_all(&area).expect("area dir");
    std::fs::create_dir_all(&out).expect("plan dir");
    std::fs::write(area.join("area.toml"), "name = \"x\"\n").expect("area.toml");
    let rel = relative_path(&area, &out).expect("both exist");
    assert_eq!(rel, Path::new("../../areas/myforest"));
    assert_eq!(relative_path(&out, &out).expect("same"), Path::new("."));
    let mut plan = sample_plan();
    plan.area_dir = rel.display().to_string();
    let json = out.join("plan.json");
    // From the plan's directory, wherever the command runs.
    assert_eq!(
        area_dir_of(&plan, &json).canonicalize().expect("found"),
        area.canonicalize().expect("area")
    );
    // A directory or its plan.json: the same plan.
    assert_eq!(plan_json_in(&out), json);
    assert_eq!(plan_json_in(&json), json);
    // Absolute paths are kept.
    plan.area_dir = area.display().to_string();
    assert_eq!(area_dir_of(&plan, &json), area);
}
