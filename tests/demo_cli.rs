//! `patrol demo` end to end: a one-hour shift on the bundled area with random fires, flown by
//! the simulated fleet through the ground service; the run directory and its report are
//! checked against each other and against the ground truth the simulator wrote.

mod common;

use std::collections::BTreeMap;

use common::{OutputText, bundled_area, expect_error, patrol};
use patrol_telemetry::alerts::model::AlertState;
use patrol_telemetry::alerts::store::AlertStore;

fn report_number(report: &str, prefix: &str) -> u64 {
    let line = report
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("report has no line starting {prefix:?}:\n{report}"));
    line[prefix.len()..]
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {prefix:?} in {line:?}"))
}

#[test]
fn demo_runs_a_shift_end_to_end_and_its_report_matches_the_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = tmp.path().join("run");
    let area = bundled_area();
    let out = patrol(&[
        "demo",
        area.to_str().expect("utf-8"),
        "--shift",
        "10:00-11:00",
        "--speedup",
        "100",
        "--ignitions",
        "3",
        "--sensor-fires",
        "2",
        "--plan-time-limit",
        "5",
        "--run-dir",
        run.to_str().expect("utf-8"),
    ]);
    let stdout = out.stdout_text();
    assert!(
        out.status.success(),
        "demo failed:\n{}\n{stdout}",
        out.stderr_text()
    );
    for f in [
        "report.md",
        "alerts.sqlite",
        "alerts.geojson",
        "alerts.csv",
        "fires.json",
        "events.log",
        "plan.json",
        "plan/plan.json",
    ] {
        assert!(run.join(f).is_file(), "{f} missing from the run directory");
    }
    let tlogs = std::fs::read_dir(&run)
        .expect("run dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tlog"))
        .count();
    assert_eq!(tlogs, 8, "one tlog per drone");
    assert!(
        stdout.contains("patrol alerts list"),
        "tells how to go on:\n{stdout}"
    );

    let report = std::fs::read_to_string(run.join("report.md")).expect("report");
    assert_eq!(
        stdout.contains(&report.chars().take(200).collect::<String>()),
        true,
        "the report is printed"
    );
    // Fires: the table has one row per fire of the ground truth.
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("fires.json")).expect("fires.json"))
            .expect("json");
    let fires = truth["fires"].as_array().expect("fires array");
    assert_eq!(fires.len(), 5, "3 patrol fires and 2 sensor fires");
    for f in fires {
        let id = f["id"].as_str().expect("id");
        assert!(
            report.contains(&format!("| {id} |")),
            "fire {id} missing from the report"
        );
    }
    // The two sensor fires are reported through the UDP alarm port, so each has an alert.
    let store = AlertStore::open_read_only(&run.join("alerts.sqlite")).expect("store");
    let alerts = store.list(None).expect("list");
    let infrared = alerts
        .iter()
        .filter(|a| a.alert.class.as_str() == "infrared")
        .count();
    assert!(
        infrared >= 2,
        "each sensor alarm became an alert: {alerts:#?}"
    );
    // Every alert in the store is in the report's table and the GeoJSON export.
    let geojson: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run.join("alerts.geojson")).expect("geojson"),
    )
    .expect("json");
    assert_eq!(
        geojson["features"].as_array().expect("features").len(),
        alerts.len()
    );
    let mut states = BTreeMap::new();
    for a in &alerts {
        assert!(
            report.contains(&format!(
                "| {} | {} | {} |",
                a.alert.id.0,
                a.alert.class.as_str(),
                a.alert.state.as_str()
            )),
            "alert {} not in the report",
            a.alert.id.0
        );
        *states.entry(a.alert.state).or_insert(0u64) += 1;
        // Every alert's trace starts with `new`, and dispatched ones were dispatched first.
        let detail = store.get(a.alert.id).expect("detail");
        assert!(!detail.trace.is_empty());
        if a.steps.on_scene_at_unix_us.is_some() {
            assert!(
                a.steps.dispatched_at_unix_us.is_some(),
                "on scene without a dispatch"
            );
            assert!(a.steps.on_scene_at_unix_us >= a.steps.dispatched_at_unix_us);
        }
    }
    let confirmed = states.get(&AlertState::ConfirmedFire).copied().unwrap_or(0);
    assert_eq!(
        report_number(&report, "Confirmed on scene by the verifying drone:"),
        confirmed
    );
    // Each fire found names its first finder, and the finders add up to the fires found.
    let found = report_number(&report, "Fires found:");
    let finders = report
        .lines()
        .find_map(|l| l.strip_prefix("- Found first by: "))
        .expect("first finders");
    let by_kind: u64 = finders
        .split(", ")
        .filter_map(|p| p.rsplit_once(' ')?.1.parse::<u64>().ok())
        .sum();
    assert_eq!(by_kind, found, "{finders}");
    let rows_found = report
        .lines()
        .filter(|l| {
            l.starts_with("| ")
                && ["; drone |", "; ground sensor |", "; tower |", "; alarm |"]
                    .iter()
                    .any(|k| l.contains(k))
        })
        .count() as u64;
    assert_eq!(rows_found, found, "{report}");
    // The whole chain works end to end: plan, a drone's detector, intake, geotag, alert. At
    // least one patrol fire (which no ground sensor reports) was found first by a drone, its
    // alert within the report's matching distance of the truth.
    let by_drone = report
        .lines()
        .filter(|l| l.starts_with("| p") && l.contains("; drone |"))
        .count();
    assert!(by_drone >= 1, "no patrol fire found by a drone:\n{report}");
    // The area's towers and alarms watched too: their reports are counted.
    assert!(
        report.contains("- Reports sent by the area's towers: "),
        "{report}"
    );
    // Detection figures add up.
    let received = report_number(&report, "- FOREST_DETECTION messages received:");
    let line = report
        .lines()
        .find(|l| l.starts_with("- FOREST_DETECTION messages received:"))
        .expect("line");
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(nums.len(), 3, "{line}");
    assert_eq!(nums[0], received);
    assert_eq!(
        nums[1] + nums[2],
        received,
        "received = located + refused: {line}"
    );
    // The events log traces every alert and dispatch.
    let events = std::fs::read_to_string(run.join("events.log")).expect("events");
    for a in &alerts {
        assert!(
            events.contains(&format!("ALERT {}:", a.alert.id.0)),
            "alert {} not in events.log",
            a.alert.id.0
        );
    }
}

#[test]
fn demo_refuses_bad_input_with_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("no-such-area");
    let out = patrol(&[
        "demo",
        missing.to_str().expect("utf-8"),
        "--run-dir",
        tmp.path().join("r").to_str().expect("utf-8"),
    ]);
    expect_error(&out, &["no-such-area"]);
    let area = bundled_area();
    let out = patrol(&["demo", area.to_str().expect("utf-8"), "--speedup", "0"]);
    expect_error(&out, &["--speedup"]);
    let out = patrol(&["demo", area.to_str().expect("utf-8"), "--shift", "10:00"]);
    expect_error(&out, &["--shift"]);
    let out = patrol(&["demo", area.to_str().expect("utf-8"), "--miss-rate", "2"]);
    expect_error(&out, &["miss_rate"]);
    // A directory that holds a run is never reused.
    let used = tmp.path().join("used");
    std::fs::create_dir_all(&used).expect("mkdir");
    std::fs::write(used.join("events.log"), "earlier run\n").expect("write");
    let out = patrol(&[
        "demo",
        area.to_str().expect("utf-8"),
        "--run-dir",
        used.to_str().expect("utf-8"),
    ]);
    expect_error(&out, &["already holds a recorded run"]);
    assert_eq!(
        std::fs::read_to_string(used.join("events.log")).expect("read"),
        "earlier run\n"
    );
}
