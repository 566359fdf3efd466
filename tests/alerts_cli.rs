//! End-to-end tests of `patrol alerts`: a database made through the library, then listed,
//! shown, acknowledged, resolved and exported by the binary; and its errors.

mod common;

use std::path::Path;

use common::{OutputText, expect_error, patrol};
use patrol_telemetry::alerts::model::{
    AlertClass, AlertId, AlertState, Evidence, EvidenceKind, NearestBase, NewAlert, TraceEvent,
};
use patrol_telemetry::alerts::store::AlertStore;

const T0_US: i64 = 1_784_034_300_000_000; // 2026-07-14T13:05:00Z

/// A run directory with alerts.sqlite: alert 1 new (smoke, with evidence), alert 2 on scene
/// (infrared), alert 3 resolved as a false alarm.
fn run_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = AlertStore::open(&dir.path().join("alerts.sqlite")).expect("open");
    for (key, class) in [
        (11, AlertClass::Smoke),
        (12, AlertClass::Infrared),
        (13, AlertClass::Hotspot),
    ] {
        store
            .create(&NewAlert {
                created_at_unix_us: T0_US + key as i64 * 1_000_000,
                lat_deg: -41.25,
                lon_deg: 146.1 + key as f64 * 0.01,
                alt_amsl_m: Some(420.0),
                radius_m: 150.0,
                class,
                confidence: 0.65,
                danger_class: 4,
                nearest_base: Some(NearestBase {
                    name: "Ridge".into(),
                    distance_m: 3200.0,
                }),
                incident_key: key,
                source: format!("drone {key}"),
            })
            .expect("create");
    }
    store
        .add_evidence(&Evidence {
            alert_id: AlertId(1),
            kind: EvidenceKind::Detection,
            at_unix_us: T0_US + 11_000_000,
            system_id: Some(2),
            drone_id: Some("d2".into()),
            lat_deg: Some(-41.2501),
            lon_deg: Some(146.2101),
            class: AlertClass::Smoke,
            confidence: 0.9,
            detail: r#"{"image":"d2-0042.jpg"}"#.into(),
        })
        .expect("evidence");
    let at = |s: i64| T0_US + s * 1_000_000;
    store
        .transition(
            AlertId(2),
            AlertState::Dispatched,
            at(20),
            "dispatcher",
            "d3 sent",
        )
        .expect("dispatch");
    store
        .transition(
            AlertId(2),
            AlertState::OnScene,
            at(102),
            "patrol fly",
            "d3 overhead",
        )
        .expect("on scene");
    store
        .transition(
            AlertId(3),
            AlertState::FalseAlarm,
            at(30),
            "operator",
            "sun glint",
        )
        .expect("verdict");
    store
        .transition(AlertId(3), AlertState::Resolved, at(31), "operator", "")
        .expect("resolve");
    dir
}

fn db(dir: &tempfile::TempDir) -> String {
    dir.path().join("alerts.sqlite").display().to_string()
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

#[test]
fn list_shows_a_table_of_the_alerts_of_a_run_directory() {
    let dir = run_dir();
    // No run.json: the wall clock in this machine's zone, UTC here.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_patrol"))
        .args(["alerts", "list", arg(dir.path())])
        .env("TZ", "UTC")
        .output()
        .expect("patrol runs");
    assert!(out.status.success(), "{}", out.stderr_text());
    let text = out.stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    for column in [
        "id",
        "state",
        "class",
        "conf",
        "place",
        "radius",
        "danger",
        "nearest base",
        "created",
        "age",
    ] {
        assert!(lines[0].contains(column), "{text}");
    }
    assert!(
        lines[1].starts_with("1 ") && lines[1].contains("new") && lines[1].contains("smoke"),
        "{text}"
    );
    assert!(
        lines[1].contains("-41.25000, 146.21000") && lines[1].contains("150 m"),
        "{text}"
    );
    assert!(
        lines[1].contains("Ridge (3.2 km)") && lines[1].contains("2026-07-14 13:05:11"),
        "{text}"
    );
    assert!(
        lines[2].contains("on-scene") && lines[3].contains("resolved"),
        "{text}"
    );

    let out = patrol(&["alerts", "list", &db(&dir), "--state", "on-scene"]);
    let text = out.stdout_text();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines().nth(1).is_some_and(|l| l.starts_with("2 ")),
        "{text}"
    );
    let out = patrol(&["alerts", "list", &db(&dir), "--state", "dispatched"]);
    assert!(
        out.stdout_text().starts_with("no dispatched alerts in"),
        "{}",
        out.stdout_text()
    );
    let out = patrol(&["alerts", "list", &db(&dir), "--state", "burning"]);
    assert_eq!(out.status.code(), Some(2), "clap rejects an unknown state");
    assert!(
        out.stderr_text()
            .contains("unknown alert state \"burning\""),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn show_prints_the_alert_its_evidence_and_its_trace() {
    let dir = run_dir();
    // A database outside a run reads the wall clock in this machine's zone: UTC here.
    let show = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_patrol"))
            .args(["alerts", "show", &db(&dir)])
            .args(extra)
            .env("TZ", "UTC")
            .output()
            .expect("patrol runs")
    };
    let out = show(&["2"]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let text = out.stdout_text();
    // The summary first: what, where, since when, how far along.
    assert!(text.starts_with("alert 2: infrared on-scene"), "{text}");
    for needle in [
        "-41.25000, 146.22000 ±150 m (420 m AMSL)",
        "danger class 4",
        "not acknowledged",
        "alert to on-scene: 1m30s",
        "lifecycle (",
        "2026-07-14 13:05:20  new -> dispatched  by dispatcher: d3 sent",
        "2026-07-14 13:06:42  dispatched -> on-scene  by patrol fly: d3 overhead",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // Evidence grouped by observer; every piece with --all.
    let text = show(&["1"]).stdout_text();
    assert!(text.contains("evidence by observer (1 groups"), "{text}");
    assert!(
        text.contains("d2 (system 2): detection smoke x1")
            && text.contains("around -41.25010, 146.21010"),
        "{text}"
    );
    assert!(text.contains("d2-0042.jpg"), "{text}");
    let text = show(&["1", "--all"]).stdout_text();
    assert!(text.contains("evidence (1):"), "{text}");
    assert!(
        text.contains("detection smoke 0.90 by d2 (system 2) at -41.25010, 146.21010"),
        "{text}"
    );
}

#[test]
fn ack_is_traced_and_leaves_the_state() {
    let dir = run_dir();
    let out = patrol(&[
        "alerts",
        "ack",
        &db(&dir),
        "1",
        "--by",
        "ana",
        "--note",
        "calling the tower",
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    assert!(
        out.stdout_text().contains("alert 1 acknowledged by ana"),
        "{}",
        out.stdout_text()
    );
    assert!(
        out.stdout_text().contains("state stays new"),
        "{}",
        out.stdout_text()
    );
    let store = AlertStore::open_read_only(&dir.path().join("alerts.sqlite")).expect("open");
    let d = store.get(AlertId(1)).expect("get");
    assert_eq!(d.alert.state, AlertState::New);
    assert_eq!(d.alert.acked_by.as_deref(), Some("ana"));
    let last = d.trace.last().expect("trace");
    assert_eq!(
        (&last.event, last.actor.as_str(), last.note.as_str()),
        (&TraceEvent::Acknowledged, "ana", "calling the tower")
    );
}

#[test]
fn resolve_goes_through_the_verdict_and_refuses_a_resolved_alert() {
    let dir = run_dir();
    let out = patrol(&[
        "alerts",
        "resolve",
        &db(&dir),
        "2",
        "--verdict",
        "fire",
        "--note",
        "flames",
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    assert_eq!(
        out.stdout_text().trim(),
        "alert 2: on-scene -> confirmed-fire -> resolved"
    );
    let store = AlertStore::open_read_only(&dir.path().join("alerts.sqlite")).expect("open");
    let d = store.get(AlertId(2)).expect("get");
    assert_eq!(d.alert.state, AlertState::Resolved);
    let tail: Vec<_> = d
        .trace
        .iter()
        .rev()
        .take(2)
        .map(|t| (t.event.clone(), t.actor.clone(), t.note.clone()))
        .collect();
    assert_eq!(
        tail,
        [
            (
                TraceEvent::Transition {
                    from: Some(AlertState::ConfirmedFire),
                    to: AlertState::Resolved
                },
                "operator".to_string(),
                "flames".to_string()
            ),
            (
                TraceEvent::Transition {
                    from: Some(AlertState::OnScene),
                    to: AlertState::ConfirmedFire
                },
                "operator".to_string(),
                "flames".to_string()
            ),
        ]
    );
    let out = patrol(&[
        "alerts",
        "resolve",
        &db(&dir),
        "3",
        "--verdict",
        "false-alarm",
    ]);
    expect_error(
        &out,
        &[
            "alerts.sqlite",
            "alert 3 is resolved",
            "cannot become false-alarm",
            "final",
        ],
    );
}

#[test]
fn export_writes_geojson_and_csv_that_readers_parse() {
    let dir = run_dir();
    let (geo, csv) = (dir.path().join("out.geojson"), dir.path().join("out.csv"));
    let out = patrol(&[
        "alerts",
        "export",
        arg(dir.path()),
        "--geojson",
        arg(&geo),
        "--csv",
        arg(&csv),
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    assert!(
        out.stdout_text().contains("out.geojson (3 alerts)"),
        "{}",
        out.stdout_text()
    );
    // GDAL's reader (what QGIS uses) takes it: three point features in WGS 84.
    let info = std::process::Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(&geo)
        .output()
        .expect("ogrinfo (Debian gdal-bin)");
    let info_text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(
        info_text.contains("Geometry: Point") && info_text.contains("Feature Count: 3"),
        "{info_text}"
    );
    assert!(info_text.contains("WGS 84"), "{info_text}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&geo).expect("geojson")).expect("json");
    let features = doc["features"].as_array().expect("features");
    assert_eq!(features.len(), 3);
    assert_eq!(features[1]["properties"]["alert_to_on_scene_s"], 90.0);
    assert_eq!(features[0]["properties"]["evidence_count"], 1);
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.lines()
            .next()
            .is_some_and(|h| h.starts_with("id,state,class,confidence,lat_deg,lon_deg,radius_m"))
    );
    assert!(
        text.lines()
            .nth(3)
            .is_some_and(|l| l.starts_with("3,resolved,hotspot,")),
        "{text}"
    );

    let out = patrol(&["alerts", "export", &db(&dir)]);
    expect_error(&out, &["--geojson", "--csv"]);
    let out = patrol(&[
        "alerts",
        "export",
        &db(&dir),
        "--csv",
        arg(&dir.path().join("no/dir/out.csv")),
    ]);
    expect_error(&out, &["no/dir/out.csv"]);
}

#[test]
fn errors_name_the_database_and_the_alert() {
    let dir = run_dir();
    let missing = dir.path().join("nowhere.sqlite");
    for args in [
        vec!["alerts", "list", arg(&missing)],
        vec!["alerts", "show", arg(&missing), "1"],
        vec!["alerts", "ack", arg(&missing), "1"],
        vec!["alerts", "resolve", arg(&missing), "1", "--verdict", "fire"],
    ] {
        expect_error(
            &patrol(&args),
            &["nowhere.sqlite", "no such alert database"],
        );
    }
    assert!(!missing.exists(), "a failed command created the database");
    let empty = tempfile::tempdir().expect("tempdir");
    expect_error(
        &patrol(&["alerts", "list", arg(empty.path())]),
        &["alerts.sqlite", "no such alert database"],
    );
    expect_error(
        &patrol(&["alerts", "show", &db(&dir), "99"]),
        &["alerts.sqlite", "no alert 99"],
    );
    expect_error(
        &patrol(&["alerts", "ack", &db(&dir), "99"]),
        &["no alert 99"],
    );
    // Once resolved, an alert takes no second verdict.
    assert!(
        patrol(&["alerts", "resolve", &db(&dir), "1", "--verdict", "fire"])
            .status
            .success()
    );
    expect_error(
        &patrol(&[
            "alerts",
            "resolve",
            &db(&dir),
            "1",
            "--verdict",
            "false-alarm",
        ]),
        &["alert 1 is resolved", "cannot become false-alarm"],
    );
    let not_db = dir.path().join("notes.txt");
    std::fs::write(&not_db, "not a database at all, just some text").expect("write");
    expect_error(&patrol(&["alerts", "list", arg(&not_db)]), &["notes.txt"]);
}

#[test]
fn a_run_recorded_before_the_flight_session_is_listed_and_shown() {
    // Copied, so that SQLite's side files stay out of the source tree.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run-before-session");
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(&fixture).expect("fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    let out = patrol(&["alerts", "list", arg(dir.path())]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let text = out.stdout_text();
    // The run's own CSV export says what the store held when it was written.
    let csv = std::fs::read_to_string(dir.path().join("alerts.csv")).expect("alerts.csv");
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2);
    for (row, state) in rows.iter().zip(["on-scene", "confirmed-fire"]) {
        assert!(row.contains(state), "{row}");
        let id = row.split(',').next().expect("id");
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{id} ")) && l.contains(state)),
            "alert {id} ({state}) not listed:\n{text}"
        );
    }
    let out = patrol(&["alerts", "show", arg(dir.path()), "2"]);
    assert!(out.status.success(), "{}", out.stderr_text());
    assert!(
        out.stdout_text().contains("confirmed-fire"),
        "{}",
        out.stdout_text()
    );
}
