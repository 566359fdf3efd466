//! The alert store on a real SQLite file: lifecycle, refusals, evidence, exports read back by
//! serde_json and the csv crate, a reader beside a writer, a writer killed with SIGKILL; and
//! external alarms from a file and over UDP.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use patrol_planner::area::watch_layers::Tower;
use patrol_telemetry::alarms::check::AlarmCheck;
use patrol_telemetry::alarms::external::AlarmLocation;
use patrol_telemetry::alarms::source::{AlarmListener, MAX_DATAGRAM_BYTES, read_alarm_file};
use patrol_telemetry::alerts::export::{COLUMNS, write_csv_file, write_geojson};
use patrol_telemetry::alerts::model::{
    AlertClass, AlertId, AlertState, Evidence, EvidenceKind, NearestBase, NewAlert, TraceEvent,
    Verdict,
};
use patrol_telemetry::alerts::store::{AlertStore, Place, StoreError};

/// Set in the child process of [`sigkill_loses_no_committed_step`]: the database to write.
const WRITER_ENV: &str = "PATROL_ALERT_STORE_SIGKILL_WRITER";

fn new_alert(incident_key: u64) -> NewAlert {
    NewAlert {
        created_at_unix_us: 1_784_034_300_000_000 + incident_key as i64 * 1_000_000,
        lat_deg: -41.25 + incident_key as f64 * 1e-4,
        lon_deg: 146.1,
        alt_amsl_m: Some(420.0),
        radius_m: 150.0,
        class: AlertClass::Smoke,
        confidence: 0.6,
        danger_class: 4,
        nearest_base: Some(NearestBase {
            name: "Ridge, north".into(),
            distance_m: 3200.0,
        }),
        incident_key,
        source: format!("drone {}", incident_key % 4 + 1),
    }
}

fn detection(alert_id: AlertId, at_unix_us: i64) -> Evidence {
    Evidence {
        alert_id,
        kind: EvidenceKind::Detection,
        at_unix_us,
        system_id: Some(2),
        drone_id: Some("d2".into()),
        lat_deg: Some(-41.2501),
        lon_deg: Some(146.1002),
        class: AlertClass::Smoke,
        confidence: 0.9,
        detail: r#"{"image":"d2-0042.jpg"}"#.into(),
    }
}

fn states(store: &AlertStore, id: AlertId) -> Vec<AlertState> {
    store
        .get(id)
        .expect("get")
        .trace
        .iter()
        .filter_map(|e| match e.event {
            TraceEvent::Transition { to, .. } => Some(to),
            _ => None,
        })
        .collect()
}

#[test]
fn lifecycle_from_alert_to_resolved_is_traced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("alerts.sqlite");
    let mut store = AlertStore::open(&path).expect("open");
    let t0 = 1_784_034_300_000_000;
    let id = store.create(&new_alert(7)).expect("create");
    store.add_evidence(&detection(id, t0)).expect("evidence");
    let moved = Place {
        lat_deg: -41.2502,
        lon_deg: 146.1001,
        radius_m: 60.0,
    };
    store
        .update_location(id, moved, t0 + 5_000_000, "fusion", "second detection")
        .expect("refine");
    store
        .transition(
            id,
            AlertState::Dispatched,
            t0 + 10_000_000,
            "dispatcher",
            "d3",
        )
        .expect("dispatch");
    // Dispatch failed: back to new, then dispatched again.
    store
        .transition(
            id,
            AlertState::New,
            t0 + 12_000_000,
            "dispatcher",
            "d3 low battery",
        )
        .expect("back");
    store
        .transition(
            id,
            AlertState::Dispatched,
            t0 + 20_000_000,
            "dispatcher",
            "d4",
        )
        .expect("again");
    store
        .acknowledge(id, t0 + 21_000_000, "ana", "watching")
        .expect("ack");
    store
        .transition(
            id,
            AlertState::OnScene,
            t0 + 95_000_000,
            "patrol fly",
            "d4 overhead",
        )
        .expect("on scene");
    store
        .resolve(id, Verdict::Fire, t0 + 120_000_000, "ana", "flames seen")
        .expect("resolve");
    drop(store);

    let store = AlertStore::open_read_only(&path).expect("read-only");
    let d = store.get(id).expect("get");
    assert_eq!(d.alert.state, AlertState::Resolved);
    assert_eq!((d.alert.lat_deg, d.alert.radius_m), (-41.2502, 60.0));
    assert_eq!(d.alert.acked_at_unix_us, Some(t0 + 21_000_000));
    assert_eq!(d.evidence, [detection(id, t0)]);
    assert_eq!(
        states(&store, id),
        [
            AlertState::New,
            AlertState::Dispatched,
            AlertState::New,
            AlertState::Dispatched,
            AlertState::OnScene,
            AlertState::ConfirmedFire,
            AlertState::Resolved
        ]
    );
    let notes: Vec<_> = d
        .trace
        .iter()
        .map(|t| (t.actor.as_str(), t.note.as_str()))
        .collect();
    assert!(notes.contains(&("dispatcher", "d3 low battery")));
    assert!(notes.contains(&("fusion", "second detection")));
    let summary = &store.list(None).expect("list")[0];
    assert_eq!(summary.steps.dispatched_at_unix_us, Some(t0 + 20_000_000));
    // Created 7 s after t0 (new_alert), on scene at t0 + 95 s.
    assert_eq!(
        summary
            .steps
            .alert_to_on_scene_s(summary.alert.created_at_unix_us),
        Some(88.0)
    );
    assert_eq!(summary.evidence_count, 1);
}

#[test]
fn forbidden_transitions_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = AlertStore::open(&dir.path().join("alerts.sqlite")).expect("open");
    let id = store.create(&new_alert(1)).expect("create");
    let refused = [
        (
            AlertState::OnScene,
            "alert 1 is new; it cannot become on-scene",
        ),
        (AlertState::New, "alert 1 is new; it cannot become new"),
    ];
    for (to, needle) in refused {
        let err = store
            .transition(id, to, 1, "test", "")
            .expect_err("refused");
        assert!(err.to_string().contains(needle), "{err}");
        assert!(err.to_string().contains("alerts.sqlite"), "{err}");
    }
    store
        .transition(id, AlertState::FalseAlarm, 2, "test", "")
        .expect("verdict");
    let err = store
        .transition(id, AlertState::Dispatched, 3, "test", "")
        .expect_err("after verdict");
    assert!(
        matches!(
            err,
            StoreError::Forbidden {
                from: AlertState::FalseAlarm,
                ..
            }
        ),
        "{err}"
    );
    store
        .transition(id, AlertState::Resolved, 4, "test", "")
        .expect("resolve");
    for to in AlertState::ALL {
        assert!(
            store.transition(id, to, 5, "test", "").is_err(),
            "resolved -> {to}"
        );
    }
    assert_eq!(
        states(&store, id),
        [
            AlertState::New,
            AlertState::FalseAlarm,
            AlertState::Resolved
        ]
    );
    let err = store
        .transition(AlertId(42), AlertState::Dispatched, 6, "test", "")
        .expect_err("unknown");
    assert!(err.to_string().ends_with("no alert 42"), "{err}");
    assert!(matches!(
        AlertStore::open_existing(&dir.path().join("typo.sqlite")),
        Err(StoreError::Missing { .. })
    ));
    assert!(!dir.path().join("typo.sqlite").exists());
}

#[test]
fn exports_read_back_with_geojson_and_csv_readers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = AlertStore::open(&dir.path().join("alerts.sqlite")).expect("open");
    for key in 1..=3 {
        let id = store.create(&new_alert(key)).expect("create");
        for k in 0..key {
            store
                .add_evidence(&detection(id, k as i64))
                .expect("evidence");
        }
    }
    store
        .transition(
            AlertId(2),
            AlertState::Dispatched,
            1_784_034_310_000_000,
            "dispatcher",
            "",
        )
        .expect("dispatch");
    store
        .transition(
            AlertId(2),
            AlertState::OnScene,
            1_784_034_400_000_000,
            "patrol fly",
            "",
        )
        .expect("on scene");
    store
        .acknowledge(AlertId(3), 1_784_034_500_000_000, "ana", "")
        .expect("ack");
    let alerts = store.list(None).expect("list");
    let (geo, csv_path) = (dir.path().join("a.geojson"), dir.path().join("a.csv"));
    write_geojson(&alerts, &geo).expect("geojson");
    write_csv_file(&alerts, &csv_path).expect("csv");

    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&geo).expect("read")).expect("json");
    assert_eq!(doc["type"], "FeatureCollection");
    let features = doc["features"].as_array().expect("features");
    assert_eq!(features.len(), 3);
    let second = &features[1];
    assert_eq!(second["geometry"]["type"], "Point");
    assert_eq!(second["geometry"]["coordinates"][0], 146.1);
    assert_eq!(second["geometry"]["coordinates"][1], -41.25 + 2e-4);
    assert_eq!(second["properties"]["state"], "on-scene");
    assert_eq!(second["properties"]["evidence_count"], 2);
    // Created at t0 + 2 s, on scene at t0 + 100 s.
    assert_eq!(second["properties"]["alert_to_on_scene_s"], 98.0);
    assert_eq!(features[2]["properties"]["acknowledged"], true);
    assert_eq!(
        features[0]["properties"]["acked_at"],
        serde_json::Value::Null
    );

    let mut reader = csv::Reader::from_path(&csv_path).expect("csv reader");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 3);
    let col = |name: &str| COLUMNS.iter().position(|c| *c == name).expect("column");
    assert_eq!(&rows[1][col("state")], "on-scene");
    assert_eq!(&rows[1][col("nearest_base")], "Ridge, north");
    assert_eq!(&rows[1][col("on_scene_at")], "2026-07-14T13:06:40Z");
    assert_eq!(
        rows[1][col("alert_to_on_scene_s")].parse::<f64>().ok(),
        Some(98.0)
    );
    assert_eq!(&rows[0][col("alert_to_on_scene_s")], "");
    assert_eq!(rows[2][col("evidence_count")].parse::<u32>().ok(), Some(3));
}

#[test]
fn a_reader_sees_only_whole_commits_while_a_writer_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("alerts.sqlite");
    let mut writer = AlertStore::open(&path).expect("open");
    let reader = AlertStore::open_read_only(&path).expect("read-only");
    let total = 150u64;
    let handle = std::thread::spawn(move || {
        for key in 0..total {
            let id = writer.create(&new_alert(key)).expect("create");
            writer
                .resolve(id, Verdict::FalseAlarm, 1_784_040_000_000_000, "w", "")
                .expect("resolve");
        }
    });
    let mut reads = 0;
    let mut last = 0;
    loop {
        let alerts = reader.list(None).expect("a read never fails while writing");
        assert!(alerts.len() >= last, "alerts disappeared");
        last = alerts.len();
        for s in &alerts {
            // `resolve` writes the verdict and `resolved` in one transaction: never half.
            assert!(
                matches!(s.alert.state, AlertState::New | AlertState::Resolved),
                "{:?}",
                s.alert
            );
            assert_eq!(
                s.alert.state == AlertState::Resolved,
                s.steps.verdict_at_unix_us.is_some()
            );
        }
        reads += 1;
        if handle.is_finished() {
            break;
        }
    }
    handle.join().expect("writer");
    assert_eq!(
        reader.list(Some(AlertState::Resolved)).expect("list").len(),
        total as usize
    );
    assert!(reads > 1, "the reader read only once");
}

/// The child's work in [`sigkill_loses_no_committed_step`]: alerts through their lifecycle,
/// printing `STEP <id> <trace entries> <evidence rows>` after each call returned.
fn sigkill_writer(path: &Path) {
    let mut store = AlertStore::open(path).expect("child opens");
    for key in 0..5000u64 {
        let id = store.create(&new_alert(key)).expect("create");
        println!("STEP {id} 1 0");
        store.acknowledge(id, 1, "child", "ack").expect("ack");
        println!("STEP {id} 2 0");
        store.add_evidence(&detection(id, 2)).expect("evidence");
        println!("STEP {id} 2 1");
        let verdict = if key.is_multiple_of(2) {
            AlertState::ConfirmedFire
        } else {
            AlertState::FalseAlarm
        };
        for (n, to) in [
            AlertState::Dispatched,
            AlertState::OnScene,
            verdict,
            AlertState::Resolved,
        ]
        .into_iter()
        .enumerate()
        {
            store
                .transition(id, to, 3 + n as i64, "child", "step")
                .expect("step");
            println!("STEP {id} {} 1", 3 + n);
        }
    }
}

/// The events the child writes for alert `key`, in order.
fn expected_events(key: u64) -> Vec<TraceEvent> {
    use AlertState::*;
    let verdict = if key.is_multiple_of(2) {
        ConfirmedFire
    } else {
        FalseAlarm
    };
    let t = |from, to| TraceEvent::Transition { from, to };
    vec![
        t(None, New),
        TraceEvent::Acknowledged,
        t(Some(New), Dispatched),
        t(Some(Dispatched), OnScene),
        t(Some(OnScene), verdict),
        t(Some(verdict), Resolved),
    ]
}

#[test]
fn sigkill_loses_no_committed_step() {
    if let Some(path) = std::env::var_os(WRITER_ENV) {
        sigkill_writer(Path::new(&path));
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("alerts.sqlite");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "alert_store::sigkill_loses_no_committed_step",
            "--nocapture",
        ])
        .env(WRITER_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("child stdout");
    // Kept open until the kill: a closed pipe would make the child's println fail first.
    let mut lines = BufReader::new(stdout).lines();
    // Per alert: the most trace entries and evidence rows printed as committed.
    let mut committed: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    let mut steps = 0;
    for line in lines.by_ref() {
        let line = line.expect("child line");
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let ["STEP", id, trace, evidence] = fields.as_slice() {
            let parse = |s: &str| s.parse::<usize>().expect("number");
            committed.insert(parse(id) as i64, (parse(trace), parse(evidence)));
            steps += 1;
            if steps == 200 {
                break;
            }
        }
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("child ends");
    drop(lines);
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "the child was not ended by SIGKILL: {status}"
    );
    assert_eq!(steps, 200, "the child printed fewer steps than expected");

    let conn = rusqlite::Connection::open(&path).expect("raw open");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
    drop(conn);
    let store = AlertStore::open(&path).expect("reopen after SIGKILL");
    for (&id, &(trace_n, evidence_n)) in &committed {
        let d = store
            .get(AlertId(id))
            .expect("every printed alert is there");
        let key = d.alert.incident_key;
        assert_eq!(d.alert.lat_deg, new_alert(key).lat_deg, "alert {id} intact");
        // The child goes on writing (into the pipe's buffer) after the parent stops reading,
        // so the file may hold more than was printed, never less.
        assert!(d.trace.len() >= trace_n, "alert {id} lost a step: {d:?}");
        let events: Vec<_> = d.trace.iter().map(|t| t.event.clone()).collect();
        assert_eq!(
            events[..],
            expected_events(key)[..d.trace.len()],
            "alert {id}"
        );
        assert!(d.evidence.len() >= evidence_n, "alert {id} lost evidence");
        assert!(d.evidence.iter().all(|e| *e == detection(AlertId(id), 2)));
    }
}

const GOOD_ALARM: &str = r#"{"source": "ir-12", "kind": "infrared", "at_unix_s": 1784034300, "lat": -41.25, "lon": 146.11, "radius_m": 30}"#;
/// A tower of the area reporting by name, with the vertical angle of the smoke's base.
const NAMED_TOWER_ALARM: &str = r#"{"source": "tower-3", "kind": "smoke", "at_unix_s": 1784034300, "bearing_deg": 200, "elevation_deg": -2.5, "sigma_deg": 0.3}"#;
/// When the alarms of these tests are received: ten seconds after they were sent.
const READ_AT_UNIX_US: i64 = 1_784_034_310_000_000;

/// A check that knows one tower, `tower-3`, with its camera 25 m up.
fn area_towers() -> AlarmCheck {
    AlarmCheck::new(&[Tower {
        id: "tower-3".into(),
        lat_deg: -41.2,
        lon_deg: 146.0,
        mast_agl_m: 25.0,
        range_m: 8000.0,
        pan_deg: None,
        recognition_delay_s: 120.0,
        detection_probability: 0.9,
    }])
}

const TOWER_ALARM: &str = r#"{"source": "tower-7", "kind": "smoke", "time": "2026-07-14T13:05:00Z", "from_lat": -41.2, "from_lon": 146.02, "bearing_deg": 72.5, "sigma_deg": 1.5}"#;

#[test]
fn an_alarm_file_keeps_good_lines_and_names_each_bad_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("alarms.jsonl");
    let lines = [
        GOOD_ALARM.to_string(),
        r#"{"source": "ir-3", "kind": "infrared", "at_unix_s": 1784034300, "lat": 95, "lon": 146, "radius_m": 30}"#.into(),
        TOWER_ALARM.to_string(),
        TOWER_ALARM.replace("13:05:00Z", "25:05:00Z"),
        TOWER_ALARM.replace("smoke", "fog"),
        GOOD_ALARM.replace("\"radius_m\": 30", "\"radius_m\": 30, \"bearing_deg\": 3"),
        r#"{"source": "ir-4", "kind": "flame""#.into(),
        String::new(),
        GOOD_ALARM.replace("ir-12", "ir-13"),
        // A tower of the area by name, with its vertical angle; one the area does not have;
        // one dated an hour after it was read.
        NAMED_TOWER_ALARM.to_string(),
        NAMED_TOWER_ALARM.replace("tower-3", "tower-99"),
        NAMED_TOWER_ALARM.replace("1784034300", "1784037900"),
    ];
    std::fs::write(&path, lines.join("\n")).expect("write");
    let file = read_alarm_file(&path, &area_towers(), READ_AT_UNIX_US).expect("read");
    let sources: Vec<_> = file.alarms.iter().map(|a| a.source.as_str()).collect();
    assert_eq!(sources, ["ir-12", "tower-7", "ir-13", "tower-3"]);
    assert!(matches!(
        file.alarms[3].location,
        AlarmLocation::Bearing { from_deg: Some(_), camera_agl_m: Some(h), elevation_deg: Some(_), .. }
            if h == 25.0
    ));
    let rejected: Vec<_> = file
        .rejected
        .iter()
        .map(|e| (e.line_no, e.reason.reason()))
        .collect();
    assert_eq!(
        rejected,
        [
            (2, "out-of-range"),
            (4, "bad-time"),
            (5, "unknown-kind"),
            (6, "point-and-bearing"),
            (7, "not-json"),
            (11, "unknown-tower"),
            (12, "from-the-future"),
        ]
    );
    assert!(
        file.rejected[0]
            .to_string()
            .starts_with("line 2: field `lat` = 95")
    );
    assert_eq!(file.counters.accepted, 4);
    assert_eq!(
        file.counters.to_string(),
        "4 accepted, 7 rejected (bad-time 1, from-the-future 1, not-json 1, out-of-range 1, point-and-bearing 1, unknown-kind 1, unknown-tower 1)"
    );
}

#[test]
fn the_udp_listener_delivers_valid_alarms_and_counts_the_rest() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let listener = AlarmListener::bind("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("bind");
        let addr = listener.local_addr();
        let counters = listener.counters();
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        let clock = patrol_telemetry::clock::MissionClock::starting_at(READ_AT_UNIX_US as u64, 1.0);
        let task = tokio::spawn(listener.run(tx, area_towers(), clock));
        let sender = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("sender");
        let oversize = format!("{GOOD_ALARM}{}", " ".repeat(MAX_DATAGRAM_BYTES));
        let two_lines = format!("{TOWER_ALARM}\n{}", GOOD_ALARM.replace("ir-12", "ir-20"));
        let unknown_tower = NAMED_TOWER_ALARM.replace("tower-3", "tower-99");
        let from_the_future = NAMED_TOWER_ALARM.replace("1784034300", "1784037900");
        let datagrams: [&[u8]; 9] = [
            b"\x00\xff garbage",
            GOOD_ALARM.as_bytes(),
            oversize.as_bytes(),
            b"{\"source\": \"x\"}",
            two_lines.as_bytes(),
            unknown_tower.as_bytes(),
            from_the_future.as_bytes(),
            NAMED_TOWER_ALARM.as_bytes(),
            b"hello",
        ];
        for d in datagrams {
            sender.send_to(d, addr).await.expect("send");
        }
        let mut got = Vec::new();
        for _ in 0..4 {
            let alarm = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .expect("an alarm within 5 s")
                .expect("channel open");
            got.push(alarm.source);
        }
        assert_eq!(got, ["ir-12", "tower-7", "ir-20", "tower-3"]);
        // The last datagram was sent after the last valid one: wait until it is counted.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while counters.snapshot().rejected_total() < 6 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let c = counters.snapshot();
        assert_eq!(c.accepted, 4);
        assert_eq!(
            c.rejected.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            [
                ("from-the-future", 1),
                ("missing-field", 1),
                ("not-json", 1),
                ("not-utf8", 1),
                ("oversize", 1),
                ("unknown-tower", 1),
            ]
        );
        // Closing the channel stops the listener.
        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("listener stops when its channel closes")
            .expect("listener task");
    });
}
