//! `patrol eval`: the five strategies on the bundled area, its agreement with what the demo
//! measures through MAVLink for the demo's own fires, and its refusals.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{OutputText, bundled_area, expect_error, json_of, patrol};
use serde_json::Value;

fn strategy<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["evaluation"]["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .find(|s| s["strategy"] == name)
        .unwrap_or_else(|| panic!("no strategy {name}"))
}

fn count(share: &Value) -> u64 {
    share["count"].as_u64().expect("count")
}

#[test]
fn eval_compares_five_strategies_on_the_bundled_area() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let area = bundled_area();
    let out_dir = tmp.path().join("eval");
    let out = patrol(&[
        "eval",
        area.to_str().expect("utf-8"),
        "--shift",
        "10:00-12:00",
        "--fires",
        "400",
        "--seed",
        "5",
        "--work",
        "20000",
        "-o",
        out_dir.to_str().expect("utf-8"),
        "--json",
    ]);
    let json = json_of(&out);
    for f in ["eval.md", "eval.json", "unfound.png"] {
        assert!(out_dir.join(f).is_file(), "{f} missing");
    }
    let png = std::fs::read(out_dir.join("unfound.png")).expect("png");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 100_000,
        "a real picture"
    );
    let md = std::fs::read_to_string(out_dir.join("eval.md")).expect("eval.md");
    for s in [
        "towers and alarms only",
        "drones only (risk plan)",
        "towers, alarms + drones, risk plan",
        "towers, alarms + drones, blind-spot plan",
        "towers, alarms + drones, lawn-mower",
        "## Goal",
    ] {
        assert!(md.contains(s), "eval.md lacks {s:?}:\n{md}");
    }
    assert_eq!(json["evaluation"]["fires"], 400);
    let watch = strategy(&json, "watch");
    let drones = strategy(&json, "drones");
    let blind = strategy(&json, "watch-and-blind-spot-plan");
    let risk = strategy(&json, "watch-and-risk-plan");
    let mower = strategy(&json, "watch-and-lawn-mower");
    for s in [watch, drones, blind, risk, mower] {
        let sum = &s["summary"];
        let w: Vec<u64> = (0..3).map(|k| count(&sum["within"][k])).collect();
        assert!(w[0] <= w[1] && w[1] <= w[2], "{w:?}");
        let fires = s["fires"].as_array().expect("fires");
        assert_eq!(fires.len(), 400);
        // The shares are counted from the fires listed.
        let found_15 = fires
            .iter()
            .filter(|f| f["found_after_s"].as_f64().is_some_and(|t| t <= 900.0))
            .count() as u64;
        assert_eq!(found_15, w[1]);
        let never = fires
            .iter()
            .filter(|f| f["found_after_s"].is_null())
            .count() as u64;
        assert_eq!(never, count(&sum["never"]));
        // A fire's first report is its earliest source's.
        for f in fires {
            let times: Vec<f64> = ["tower_after_s", "alarm_after_s", "drone_after_s"]
                .iter()
                .filter_map(|k| f[*k].as_f64())
                .collect();
            let first = times.iter().copied().reduce(f64::min);
            assert_eq!(f["found_after_s"].as_f64(), first, "{f}");
            if f["finder"] == "drone" {
                assert_eq!(f["on_scene_after_s"], 0.0, "the finder is on scene: {f}");
            }
        }
    }
    // Without drones nothing is found by a drone; without the watch nothing by a tower.
    assert_eq!(watch["summary"]["drone_hours"], 0.0);
    assert!(
        watch["fires"]
            .as_array()
            .expect("fires")
            .iter()
            .all(|f| f["drone_after_s"].is_null())
    );
    assert!(
        drones["fires"]
            .as_array()
            .expect("fires")
            .iter()
            .all(|f| f["tower_after_s"].is_null() && f["alarm_after_s"].is_null())
    );
    // The towers see what they see whatever the drones do: each strategy with the watch
    // finds at least what the watch alone does, and the drones add to it.
    let w15 = |s: &Value| count(&s["summary"]["within"][1]);
    for s in [blind, risk, mower] {
        assert!(w15(s) >= w15(watch), "{} < {}", w15(s), w15(watch));
    }
    assert!(
        w15(blind) > w15(watch),
        "the blind-spot plan's drones find something"
    );
    // The lawn-mower flies the blind-spot plan's hours, near enough (its legs differ).
    let hours = |s: &Value| s["summary"]["drone_hours"].as_f64().expect("hours");
    assert!(hours(blind) > 1.0);
    assert!(
        (hours(mower) - hours(blind)).abs() <= 0.15 * hours(blind),
        "lawn-mower {} h vs plan {} h",
        hours(mower),
        hours(blind)
    );
}

/// `[h:mm:ss]` at the start of an events.log line, in seconds.
fn log_time_s(line: &str) -> Option<f64> {
    let t = line.strip_prefix('[')?.split(']').next()?;
    let mut parts = t.split(':').map(|p| p.parse::<f64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(h * 3600.0 + m * 60.0 + s)
}

fn hms_s(text: &str) -> Option<f64> {
    log_time_s(&format!("[{}]", text.trim()))
}

/// Per drone id, (planned start, flown start) of each sortie, from the plan and events.log.
fn sortie_starts(run: &Path, plan: &Value) -> HashMap<String, Vec<(f64, f64)>> {
    let log = std::fs::read_to_string(run.join("events.log")).expect("events.log");
    // The log reads the shift's local time: shift seconds count from the shift's start.
    let start_local = plan["shift"]["start_local"].as_str().expect("start_local");
    let t0 = hms_s(&format!("{start_local}:00")).expect("HH:MM");
    let mut out: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
    for d in plan["drones"].as_array().expect("drones") {
        let id = d["drone_id"].as_str().expect("id");
        for s in d["sorties"].as_array().expect("sorties") {
            let sid = s["id"].as_str().expect("sortie id");
            let needle = format!("sortie {sid} started");
            if let Some(t) = log
                .lines()
                .find(|l| l.contains(&needle))
                .and_then(log_time_s)
            {
                out.entry(id.to_string())
                    .or_default()
                    .push((s["start_s"].as_f64().expect("start"), t - t0));
            }
        }
    }
    out
}

#[test]
fn eval_predicts_the_demo_fire_by_fire() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = tmp.path().join("run");
    let area = bundled_area();
    // No misses, no dispatch: the drones fly their sorties as planned, and the detector sees
    // what is in view, as eval assumes; what is left is the simulator's own noise.
    let out = patrol(&[
        "demo",
        area.to_str().expect("utf-8"),
        "--shift",
        "10:00-11:00",
        "--speedup",
        "100",
        "--ignitions",
        "6",
        "--sensor-fires",
        "0",
        "--miss-rate",
        "0",
        "--no-verify",
        "--seed",
        "3",
        "--plan-time-limit",
        "5",
        "--run-dir",
        run.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "demo failed:\n{}", out.stderr_text());
    let out = patrol(&[
        "eval",
        area.to_str().expect("utf-8"),
        "--plan",
        run.join("plan").to_str().expect("utf-8"),
        "--fires-file",
        run.join("fires.json").to_str().expect("utf-8"),
        "--miss-rate",
        "0",
        "--seed",
        "3",
        "--plan-time-limit",
        "2",
        "-o",
        tmp.path().join("eval").to_str().expect("utf-8"),
        "--json",
    ]);
    let json = json_of(&out);
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("plan/plan.json")).expect("plan"))
            .expect("plan json");
    let shift_s = plan["shift"]["duration_s"].as_f64().expect("shift");
    let starts = sortie_starts(&run, &plan);
    // How late a drone's sortie flying at `t_s` started against its plan: the simulator's
    // start-up and uploads at 100x take minutes of shift time, which eval does not predict.
    let lag_s = |drone: &str, t_s: f64| {
        starts
            .get(drone)
            .and_then(|v| v.iter().filter(|(_, flown)| *flown <= t_s).last())
            .map_or(0.0, |(planned, flown)| flown - planned)
    };
    let max_lag_s = starts
        .values()
        .flatten()
        .map(|(p, f)| f - p)
        .fold(0.0, f64::max);
    let predicted = strategy(&json, "watch-and-blind-spot-plan")["fires"]
        .as_array()
        .expect("fires");
    let report = std::fs::read_to_string(run.join("report.md")).expect("report");
    let mut compared = 0;
    let mut found_both = 0;
    for f in predicted {
        let id = f["fire"].as_str().expect("id");
        let row = report
            .lines()
            .find(|l| l.starts_with(&format!("| {id} |")))
            .unwrap_or_else(|| panic!("no row for {id}:\n{report}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // | fire | reported by | ignition | place | seen by | alert | found first by | ignition → alert | ...
        let images: u32 = cells[5]
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("images");
        let ignition_s = f["ignition_s"].as_f64().expect("ignition");
        let demo_after_s = hms_s(cells[8]);
        let eval_after_s = f["found_after_s"]
            .as_f64()
            .filter(|t| ignition_s + t <= shift_s);
        // A fire the cameras only glanced at (a few images at a footprint's edge) may be
        // caught or not by a few metres of difference between the planned and flown tracks.
        if images <= 3 && demo_after_s.is_some() != eval_after_s.is_some() {
            continue;
        }
        compared += 1;
        assert_eq!(
            demo_after_s.is_some(),
            eval_after_s.is_some(),
            "fire {id}: demo {row}\neval {f}"
        );
        let (Some(d), Some(e)) = (demo_after_s, eval_after_s) else {
            continue;
        };
        found_both += 1;
        let demo_finder = cells[7].split(' ').next().expect("finder");
        let eval_finder = f["finder_id"].as_str().expect("finder id");
        if demo_finder == eval_finder {
            // The same drone: the same moment once its late start is allowed for, within a
            // few images (the simulated GPS and the flown corners).
            let lag = lag_s(eval_finder, ignition_s + d);
            assert!(
                (d - (e + lag)).abs() <= 60.0,
                "fire {id}: demo {d:.0} s, eval {e:.0} s + {lag:.0} s late start\n{row}"
            );
        } else {
            // Another drone first: the one eval predicted started later than planned.
            assert!(
                d >= e - 60.0 && d <= e + max_lag_s + 60.0,
                "fire {id}: demo {d:.0} s by {demo_finder}, eval {e:.0} s by {eval_finder}\n{row}"
            );
        }
    }
    assert!(compared >= 5, "compared {compared} of 6 fires");
    assert!(found_both >= 3, "found by both: {found_both}\n{report}");
}

#[test]
fn eval_refuses_bad_input_with_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let area = bundled_area();
    let a = area.to_str().expect("utf-8");
    let o = tmp.path().join("o");
    let o = o.to_str().expect("utf-8");
    expect_error(
        &patrol(&["eval", a, "--fires", "0", "-o", o]),
        &["--fires 0"],
    );
    expect_error(
        &patrol(&["eval", a, "--miss-rate", "2", "-o", o]),
        &["--miss-rate", "miss_rate"],
    );
    let missing = tmp.path().join("nowhere");
    expect_error(
        &patrol(&[
            "eval",
            a,
            "--plan",
            missing.to_str().expect("utf-8"),
            "-o",
            o,
        ]),
        &["nowhere", "plan.json"],
    );
    let broken = tmp.path().join("fires.json");
    std::fs::write(
        &broken,
        "{\"fires\": [\n  {\"id\": \"x\", \"lat\": 36.5}\n]}\n",
    )
    .expect("write");
    expect_error(
        &patrol(&[
            "eval",
            a,
            "--fires-file",
            broken.to_str().expect("utf-8"),
            "--work",
            "2000",
            "--shift",
            "10:00-10:30",
            "-o",
            o,
        ]),
        &["fires.json"],
    );
    expect_error(
        &patrol(&["eval", a, "--shift", "10:00", "-o", o]),
        &["--shift 10:00"],
    );
}
