//! End-to-end tests of `patrol plan` and `patrol route solve`, with outside readers of what
//! they write: pymavlink for .waypoints, GDAL's ogrinfo for KML and GeoJSON.

mod common;

use std::path::Path;

use common::{OutputText, area_copy, bundled_area, expect_error, patrol};

fn plan_into(dir: &Path, extra: &[&str]) -> std::process::Output {
    let area = bundled_area();
    let mut args = vec![
        "plan",
        area.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "--work",
        "20000",
    ];
    if !extra.contains(&"--shift") {
        args.extend_from_slice(&["--shift", "10:00-12:00"]);
    }
    args.extend_from_slice(extra);
    patrol(&args)
}

#[test]
fn plan_writes_every_export_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = plan_into(dir.path(), &["--wind", "4@250"]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let text = out.stdout_text();
    for expected in [
        "Plan for Cumberland Mountains",
        "PX4 drones (",
        "flown with PX4's modes and commands",
        "q1 ",
        "v2 ",
        "of the area's risk patrolled",
        "Left out:",
        "Wrote ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    for f in [
        "plan.json",
        "plan.kml",
        "routes.geojson",
        "cells.geojson",
        "summary.csv",
        "plan.png",
        "q1-1.plan",
        "q1-1.waypoints",
        "v2-1.plan",
    ] {
        assert!(dir.path().join(f).is_file(), "{f} written");
    }
    // Every sortie in plan.json has its two mission files and a summary row.
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap())
            .unwrap();
    let ids: Vec<String> = plan["drones"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            d["sorties"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string())
        })
        .collect();
    assert!(ids.len() >= 8);
    let csv = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), ids.len() + 1);
    for id in &ids {
        assert!(
            dir.path().join(format!("{id}.plan")).is_file()
                && dir.path().join(format!("{id}.waypoints")).is_file(),
            "{id}"
        );
    }

    // pymavlink loads every .waypoints file with as many items as the plan's mission.
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test.sh, which creates the .venv with pymavlink",
        python.display()
    );
    let script = r#"
import json, sys, glob, os
from pymavlink import mavwp
out = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], '*.waypoints'))):
    w = mavwp.MAVWPLoader()
    n = w.load(f)
    out[os.path.basename(f)[:-10]] = [[w.wp(i).command, w.wp(i).frame, w.wp(i).x, w.wp(i).y, w.wp(i).z] for i in range(n)]
print(json.dumps(out))
"#;
    let py = std::process::Command::new(&python)
        .env("MAVLINK20", "1")
        .args(["-c", script, dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let loaded: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
    for d in plan["drones"].as_array().unwrap() {
        let ardupilot = d["firmware"] == "ardupilot";
        for s in d["sorties"].as_array().unwrap() {
            let items = s["mission"]["items"].as_array().unwrap();
            let rows = loaded[s["id"].as_str().unwrap()].as_array().unwrap();
            // PX4 missions get a home row 0 in the file; ArduPilot's item 0 already is home.
            let offset = usize::from(!ardupilot);
            assert_eq!(rows.len(), items.len() + offset, "{}", s["id"]);
            for (item, row) in items.iter().zip(&rows[offset..]) {
                assert_eq!(row[0], item["command"]);
                assert_eq!(row[1], item["frame"]);
                assert!(
                    (row[2].as_f64().unwrap() - item["lat_deg"].as_f64().unwrap()).abs() < 1e-6
                );
                assert!((row[4].as_f64().unwrap() - item["alt_m"].as_f64().unwrap()).abs() < 1e-3);
            }
        }
    }

    // GDAL reads the KML and the GeoJSON layers.
    for (file, expect) in [
        ("routes.geojson", "Line String"),
        ("cells.geojson", "Polygon"),
        ("plan.kml", "Feature Count"),
    ] {
        let info = std::process::Command::new("ogrinfo")
            .args(["-ro", "-al", "-so", dir.path().join(file).to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            info.status.success(),
            "ogrinfo {file}: {}",
            String::from_utf8_lossy(&info.stderr)
        );
        assert!(
            String::from_utf8_lossy(&info.stdout).contains(expect),
            "{file}: {}",
            String::from_utf8_lossy(&info.stdout)
        );
    }
}

#[test]
fn plan_is_reproducible_with_a_seed() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    assert!(
        plan_into(a.path(), &["--seed", "5", "--drones", "q1,v1"])
            .status
            .success()
    );
    assert!(
        plan_into(b.path(), &["--seed", "5", "--drones", "q1,v1"])
            .status
            .success()
    );
    let read = |d: &Path| {
        std::fs::read_to_string(d.join("plan.json"))
            .unwrap()
            .replace(a.path().to_str().unwrap(), "")
            .replace(b.path().to_str().unwrap(), "")
    };
    assert_eq!(read(a.path()), read(b.path()));
}

#[test]
fn plan_rejects_bad_options_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (vec!["--shift", "10-18"], "--shift"),
        (vec!["--shift", "18:00-18:00"], "--shift 18:00-18:00"),
        (vec!["--drones", "q1,zz"], "--drones zz"),
        (vec!["--wind", "fast"], "--wind"),
        (vec!["--wind", "30@270"], "no drone can fly"),
        (vec!["--alt-agl", "200"], "--alt-agl"),
        (vec!["--time-limit", "0"], "--time-limit"),
    ] {
        let out = plan_into(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = out.stderr_text();
        assert!(
            err.starts_with("error:") && err.contains(needle),
            "{args:?}: {err}"
        );
    }
    let missing = patrol(&[
        "plan",
        "/nonexistent/area",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stderr_text().contains("/nonexistent/area"));
}

#[test]
fn route_solve_says_which_vehicles_cannot_fly_and_answers_json_a_program_reads() {
    // Vehicle 0's start to end (141.4) is over its budget; vehicle 1 takes both nodes; vehicle
    // 2 has too little budget to visit anything.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cannot-fly.json");
    std::fs::write(
        &path,
        r#"{"nodes": [{"x": 10, "y": 0, "score": 1}, {"x": 20, "y": 0, "score": 1}],
 "vehicles": [
  {"start": {"x": 0, "y": 0}, "end": {"x": 100, "y": 100}, "budget": 120},
  {"start": {"x": 0, "y": 0}, "end": {"x": 0, "y": 0}, "budget": 50},
  {"start": {"x": 0, "y": 0}, "end": {"x": 0, "y": 0}, "budget": 5}]}"#,
    )
    .unwrap();
    let solve = |extra: &[&str]| {
        let mut args = vec!["route", "solve", path.to_str().unwrap(), "--work", "20000"];
        args.extend_from_slice(extra);
        let out = patrol(&args);
        assert!(out.status.success(), "{}", out.stderr_text());
        out.stdout_text()
    };
    let text = solve(&[]);
    assert!(
        text.contains("vehicle 1: cannot fly: its start to end alone is 141.42, over its budget of 120.00; no route"),
        "{text}"
    );
    assert!(text.contains("vehicle 3: unused"), "{text}");
    assert!(text.contains("its exact work budget spent"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&solve(&["--json"])).unwrap();
    assert_eq!(
        json["lengths"],
        serde_json::json!([0.0, 40.0, 0.0]),
        "{json}"
    );
    assert_eq!(json["cannot_fly"][0]["vehicle"], 0, "{json}");
    assert_eq!(json["score"], 2.0);
    assert_eq!(json["stopped_by"], "work-budget");
    // Nothing can fly: the score is 0, not -0.0.
    std::fs::write(
        &path,
        r#"{"nodes": [{"x": 10, "y": 0, "score": 1}],
 "vehicles": [{"start": {"x": 0, "y": 0}, "end": {"x": 100, "y": 100}, "budget": 120}]}"#,
    )
    .unwrap();
    let json = solve(&["--json"]);
    assert!(
        json.contains("\"score\": 0.0") && !json.contains("-0"),
        "{json}"
    );
}

#[test]
fn a_drone_that_cannot_reach_any_cell_is_said_and_gets_no_sortie() {
    // q1 made slow (1 m/s): in a 4 m/s wind it cannot fly upwind, so no cell is a round trip.
    let area = common::area_copy();
    let fleet = area.path().join("fleet.toml");
    let text = std::fs::read_to_string(&fleet).unwrap();
    let q1 = text.find("id = \"q1\"").unwrap();
    let end = q1 + text[q1..].find("[[drone]]").unwrap();
    let edited = format!(
        "{}{}{}",
        &text[..q1],
        text[q1..end].replace("cruise_speed_mps = 12.0", "cruise_speed_mps = 1.0"),
        &text[end..]
    );
    assert_ne!(edited, text);
    std::fs::write(&fleet, edited).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = patrol(&[
        "plan",
        area.path().to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--shift",
        "10:00-12:00",
        "--work",
        "20000",
        "--wind",
        "4@250",
    ]);
    let text = out.stdout_text();
    assert!(out.status.success(), "{}\n{text}", out.stderr_text());
    assert!(
        text.contains("Left out: drone q1: no sortie: at its speed, in this wind, it cannot reach any cell with risk"),
        "{text}"
    );
    // Its row of the table says nothing flown, without negative zeros.
    let row = text
        .lines()
        .find(|l| l.starts_with("q1 "))
        .expect("q1's row");
    assert!(!row.contains("-0"), "{row}");
}

#[test]
fn route_solve_prints_feasible_routes() {
    let instance = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/instances/small.json");
    let out = patrol(&[
        "route",
        "solve",
        instance.to_str().unwrap(),
        "--work",
        "300000",
        "--json",
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inst: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&instance).unwrap()).unwrap();
    let nodes = inst["nodes"].as_array().unwrap();
    let mut score = 0.0;
    let mut seen = std::collections::HashSet::new();
    for (v, route) in result["routes"].as_array().unwrap().iter().enumerate() {
        let veh = &inst["vehicles"][v];
        let pt = |p: &serde_json::Value| (p["x"].as_f64().unwrap(), p["y"].as_f64().unwrap());
        let mut at = pt(&veh["start"]);
        let mut len = 0.0;
        for n in route.as_array().unwrap() {
            let i = n.as_u64().unwrap() as usize;
            assert!(seen.insert(i), "node {i} twice");
            let p = pt(&nodes[i]);
            len += ((p.0 - at.0).powi(2) + (p.1 - at.1).powi(2)).sqrt();
            at = p;
            score += nodes[i]["score"].as_f64().unwrap();
        }
        let end = pt(&veh["end"]);
        len += ((end.0 - at.0).powi(2) + (end.1 - at.1).powi(2)).sqrt();
        assert!(
            len <= veh["budget"].as_f64().unwrap() + 1e-6,
            "route {v} is {len} long"
        );
    }
    assert!((score - result["score"].as_f64().unwrap()).abs() < 1e-9);
    let text = patrol(&[
        "route",
        "solve",
        instance.to_str().unwrap(),
        "--work",
        "300000",
    ]);
    assert!(text.stdout_text().contains("total score"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"nodes\": [{\"x\": 1, \"y\": 2, \"score\": -3}], \"vehicles\": []}",
    )
    .unwrap();
    let out = patrol(&["route", "solve", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr_text().contains("bad.json") && out.stderr_text().contains("nodes[0].score"),
        "{}",
        out.stderr_text()
    );
    std::fs::write(
        &bad,
        "{\"nodes\": [\n{\"x\": 1, \"y\": 2, \"score\": 3, \"colour\": 1}], \"vehicles\": []}",
    )
    .unwrap();
    let out = patrol(&["route", "solve", bad.to_str().unwrap()]);
    assert!(
        out.stderr_text().contains("colour") && out.stderr_text().contains("line 2"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn a_sortie_over_its_autopilots_item_limit_is_split_into_sorties_that_fit() {
    // q1's autopilot stores 40 items: its usual sorties need more.
    let area = area_copy();
    let fleet_path = area.path().join("fleet.toml");
    let fleet = std::fs::read_to_string(&fleet_path).expect("fleet.toml");
    let fleet = fleet.replacen(
        r#"firmware = "ardupilot", mission_item_limit = 700 }"#,
        r#"firmware = "ardupilot", mission_item_limit = 40 }"#,
        1,
    );
    std::fs::write(&fleet_path, fleet).expect("write fleet");
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = patrol(&[
        "plan",
        area.path().to_str().expect("utf-8"),
        "-o",
        out_dir.path().to_str().expect("utf-8"),
        "--work",
        "20000",
        "--shift",
        "10:00-12:00",
        "--drones",
        "q1",
    ]);
    let stdout = out.stdout_text();
    assert!(out.status.success(), "{}\n{stdout}", out.stderr_text());
    let note = stdout
        .lines()
        .find(|l| l.starts_with("Note: sortie q1-"))
        .unwrap_or_else(|| panic!("the summary says a sortie was split:\n{stdout}"));
    assert!(
        note.contains("over drone q1's autopilot limit of 40: split, the rest flown as q1-"),
        "{note}"
    );
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.path().join("plan.json")).expect("plan.json"),
    )
    .expect("json");
    let sorties = plan["drones"][0]["sorties"].as_array().expect("sorties");
    assert!(sorties.len() >= 2, "{} sorties", sorties.len());
    let mut last_end = f64::MIN;
    for s in sorties {
        let items = s["mission"]["items"].as_array().expect("items").len();
        assert!(items <= 40, "{}: {items} items", s["id"]);
        let start = s["start_s"].as_f64().expect("start");
        assert!(start >= last_end, "sorties overlap at {}", s["id"]);
        last_end = s["end_s"].as_f64().expect("end");
        // Each one's exported mission file holds the same items.
        let wp = std::fs::read_to_string(
            out_dir
                .path()
                .join(format!("{}.waypoints", s["id"].as_str().expect("id"))),
        )
        .expect("waypoints file");
        assert_eq!(wp.lines().count() - 1, items, "{}", s["id"]);
    }
    assert!(
        plan["notes"].as_array().is_some_and(|n| !n.is_empty()),
        "plan.json keeps the note"
    );
}

#[test]
fn fly_finds_the_plans_area_from_the_plan_and_says_why_when_it_cannot() {
    let area = area_copy();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let plan = patrol(&[
        "plan",
        area.path().to_str().expect("utf-8"),
        "-o",
        out_dir.path().to_str().expect("utf-8"),
        "--work",
        "2000",
        "--shift",
        "10:00-10:30",
    ]);
    assert!(plan.status.success(), "{}", plan.stderr_text());
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.path().join("plan.json")).expect("plan.json"),
    )
    .expect("json");
    // Written relative to the plan's directory.
    let area_dir = json["area_dir"].as_str().expect("area_dir");
    assert!(area_dir.starts_with(".."), "{area_dir}");
    assert!(
        out_dir.path().join(area_dir).join("area.toml").is_file(),
        "{area_dir} from the plan's directory"
    );
    // The area moved away: fly says which area and why, and how to go on, before any link
    // is opened. `--plan` takes the plan.json itself as well as its directory.
    let moved = area.path().with_extension("moved");
    std::fs::rename(area.path(), &moved).expect("move the area");
    let run = out_dir.path().join("run");
    let fly = patrol(&[
        "fly",
        "--plan",
        out_dir.path().join("plan.json").to_str().expect("utf-8"),
        "--connect",
        "udpin:127.0.0.1:0",
        "--speedup",
        "100",
        "--start-now",
        "--run-dir",
        run.to_str().expect("utf-8"),
    ]);
    std::fs::rename(&moved, area.path()).expect("move the area back");
    common::expect_error(
        &fly,
        &[
            "cannot be loaded for alerts",
            "no such area directory",
            "--area",
            "--no-alerts",
        ],
    );
}

#[test]
fn planning_again_into_a_directory_leaves_only_the_new_plans_missions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = plan_into(dir.path(), &[]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let count = |ext: &str| {
        std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == ext))
            .count()
    };
    let before = count("plan");
    assert!(before > 2, "{before} sorties");
    // A file of the pilot's own stays.
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
    // One drone only now: the others' sorties must not stay beside the new ones.
    let out = plan_into(dir.path(), &["--drones", "q1"]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("plan.json")).expect("plan.json"),
    )
    .expect("json");
    let sorties = plan["drones"][0]["sorties"]
        .as_array()
        .expect("sorties")
        .len();
    assert_eq!(count("plan"), sorties, "only the new plan's .plan files");
    assert_eq!(
        count("waypoints"),
        sorties,
        "only the new plan's .waypoints files"
    );
    assert!(dir.path().join("notes.txt").is_file());

    // Someone else's mission in the folder: refused before planning, nothing touched.
    std::fs::write(dir.path().join("survey.plan"), "{}").expect("write");
    let before = std::fs::read_to_string(dir.path().join("plan.json")).expect("plan.json");
    let out = plan_into(dir.path(), &[]);
    common::expect_error(
        &out,
        &["survey.plan", "is not a sortie of a plan made here"],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("plan.json")).expect("plan.json"),
        before
    );
    // Named like a sortie but not one of the plan's: someone else's too, never deleted.
    std::fs::remove_file(dir.path().join("survey.plan")).expect("remove");
    std::fs::write(dir.path().join("q1-99.waypoints"), "QGC WPL 110\n").expect("write");
    let out = plan_into(dir.path(), &[]);
    common::expect_error(&out, &["q1-99.waypoints"]);
    assert!(dir.path().join("q1-99.waypoints").is_file());
    // And a folder of missions that is not a plan directory at all.
    let other = tempfile::tempdir().expect("tempdir");
    std::fs::write(other.path().join("q1-1.waypoints"), "QGC WPL 110\n").expect("write");
    let out = plan_into(other.path(), &[]);
    common::expect_error(&out, &["q1-1.waypoints"]);
}

/// `patrol plan ... | head`: the reader goes away before the summary is written. The plan
/// must end quietly (as `cat` does), not with a panic on the broken pipe.
#[test]
fn a_closed_pipe_ends_plan_quietly() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let area = bundled_area();
    let mut child = Command::new(env!("CARGO_BIN_EXE_patrol"))
        .args([
            "plan",
            area.to_str().unwrap(),
            "-o",
            dir.path().to_str().unwrap(),
        ])
        .args(["--work", "20000", "--shift", "10:00-12:00"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("patrol runs");
    // Closed before planning (seconds) ends, so the first line printed meets a closed pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("patrol ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(
        dir.path().join("plan.json").exists(),
        "the plan was still written"
    );
}

/// Drones typed as a pilot types them: spaces after commas, a system id, one named twice.
#[test]
fn drones_are_typed_with_spaces_and_system_ids() {
    let dir = tempfile::tempdir().unwrap();
    let out = plan_into(dir.path(), &["--drones", "q1, 2, q1"]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap())
            .unwrap();
    let ids: Vec<&str> = plan["drones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["drone_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["q1", "q2"]);

    // fly and sim take the same names; a wrong one is said back with the choices.
    let plan_dir = dir.path().to_str().unwrap();
    let out = patrol(&[
        "fly",
        "--plan",
        plan_dir,
        "--connect",
        "udpin:127.0.0.1:0",
        "--only",
        "q1,zz",
    ]);
    expect_error(&out, &["--only zz", "q1 (system 1)", "q2 (system 2)"]);
    let area = bundled_area();
    let out = patrol(&[
        "sim",
        "--area",
        area.to_str().unwrap(),
        "--connect",
        "udpout:127.0.0.1:9",
        "--only",
        "9x",
    ]);
    expect_error(&out, &["--only 9x", "v2 (system"]);

    let out = plan_into(dir.path(), &["--drones", "q1,zz"]);
    let stderr = expect_error(&out, &["--drones zz", "q1 (system 1)"]);
    assert!(stderr.contains("v2 (system"), "{stderr}");
}

/// The wind defaults to the area's `[weather]` (km/h there) when it says where the wind comes
/// from; `--wind` overrides it, in m/s or km/h; without a direction calm air is assumed and
/// said.
#[test]
fn the_wind_defaults_from_the_areas_weather() {
    let wind_of = |dir: &Path| {
        let plan: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
        (
            plan["settings"]["wind_speed_mps"].as_f64().unwrap(),
            plan["settings"]["wind_from_deg"].as_f64().unwrap(),
        )
    };
    let plan_of = |area: &Path, out: &Path, extra: &[&str]| {
        let mut args = vec!["plan", area.to_str().unwrap(), "-o", out.to_str().unwrap()];
        args.extend_from_slice(&[
            "--work",
            "20000",
            "--shift",
            "10:00-12:00",
            "--drones",
            "q1",
        ]);
        args.extend_from_slice(extra);
        let out = patrol(&args);
        assert!(out.status.success(), "{}", out.stderr_text());
        out
    };

    // The bundled area's weather has a speed (20 km/h) but no direction.
    let out_dir = tempfile::tempdir().unwrap();
    let out = plan_of(&bundled_area(), out_dir.path(), &[]);
    assert!(
        out.stderr_text().contains("calm air assumed")
            && out.stderr_text().contains("wind_from_deg"),
        "{}",
        out.stderr_text()
    );
    assert_eq!(wind_of(out_dir.path()), (0.0, 0.0));

    let area = area_copy();
    let toml = area.path().join("area.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    assert!(
        text.contains("wind_kmh = 20.0\n"),
        "fixture changed: update the test"
    );
    std::fs::write(
        &toml,
        text.replace(
            "wind_kmh = 20.0\n",
            "wind_kmh = 20.0\nwind_from_deg = 240.0\n",
        ),
    )
    .unwrap();
    let out = plan_of(area.path(), out_dir.path(), &[]);
    assert!(
        out.stderr_text().contains("from the area's [weather]"),
        "{}",
        out.stderr_text()
    );
    let (speed, from) = wind_of(out_dir.path());
    assert!(
        (speed - 20.0 / 3.6).abs() < 1e-9 && from == 240.0,
        "{speed} from {from}"
    );
    assert!(
        out.stdout_text().contains("wind 5.6 m/s from 240°"),
        "{}",
        out.stdout_text()
    );

    plan_of(area.path(), out_dir.path(), &["--wind", "18km/h@90"]);
    assert_eq!(wind_of(out_dir.path()), (5.0, 90.0));
    plan_of(area.path(), out_dir.path(), &["--wind", "3@10"]);
    assert_eq!(wind_of(out_dir.path()), (3.0, 10.0));
}
