//! `patrol fly` against vehicles that fail the mission protocol the ways real ones do (a
//! pymavlink vehicle scripted in tests/peers/scripted_vehicle.py): every failure is named when
//! it happens, no sortie starts on a mission the vehicle does not hold exactly, and the exit
//! status tells.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use common::{OutputText, Proc, bundled_area, patrol, peer, udp_port};
use patrol_planner::export::read_plan_json;
use patrol_planner::plan::model::Plan;
use patrol_telemetry::mav::dialect::{GCS_SYSTEM_ID, MavMessage};
use patrol_telemetry::mav::tlog::read_tlog;
use patrol_telemetry::run_dir::RunDir;

/// A one-hour plan over the bundled area; drone 1's first sortie starts at shift time zero.
fn plan() -> &'static (PathBuf, Plan) {
    static PLAN: OnceLock<(PathBuf, Plan)> = OnceLock::new();
    PLAN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let out = patrol(&[
            "plan",
            bundled_area().to_str().expect("utf8"),
            "-o",
            dir.to_str().expect("utf8"),
            "--shift",
            "10:00-11:00",
            "--time-limit",
            "1",
        ]);
        assert!(out.status.success(), "{}", out.stderr_text());
        let plan = read_plan_json(&dir.join("plan.json")).expect("plan.json");
        (dir, plan)
    })
}

/// What a run against one scripted vehicle left.
struct Flown {
    fly: std::process::Output,
    events: String,
    run: RunDir,
    _dir: tempfile::TempDir,
}

/// Flies drone 1's first sortie against the scripted vehicle with `faults`, at `speedup`,
/// for at most `duration_s` wall seconds.
fn fly_against(faults: &[&str], speedup: &str, duration_s: u64) -> Flown {
    let (plan_dir, plan) = plan();
    let d = plan
        .drones
        .iter()
        .find(|d| d.system_id == 1)
        .expect("drone 1");
    let base = plan
        .bases
        .iter()
        .find(|b| b.name == d.home_base)
        .expect("base");
    let port = udp_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("run");
    let _vehicle = Proc::spawn(
        peer("scripted_vehicle.py")
            .args(["--connect", &format!("udpout:127.0.0.1:{port}")])
            .args(["--sysid", "1", "--timeout", &(duration_s + 30).to_string()])
            // It stays after a start, so that every attempt meets it.
            .args(["--exit-after-start", "1000"])
            .args(["--lat", &base.lat_deg.to_string()])
            .args(["--lon", &base.lon_deg.to_string()])
            .args(faults),
    );
    let fly = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udpin:127.0.0.1:{port}"),
        "--only",
        "1",
        "--sorties",
        "1",
        "--speedup",
        speedup,
        "--run-dir",
        run.to_str().expect("utf8"),
        "--duration",
        &duration_s.to_string(),
        "--status-every",
        "1000",
        // A scripted peer at real time: no one at the keyboard to confirm arming, and the
        // test's plan flown from now rather than at its shift's hour.
        "--yes",
        "--start-now",
    ])
    .wait_output(Duration::from_secs(duration_s + 30));
    let run = RunDir::at(run);
    let events = std::fs::read_to_string(run.events_log()).expect("events.log");
    Flown {
        fly,
        events,
        run,
        _dir: dir,
    }
}

/// The MAV_CMD numbers we sent the vehicle, from our own tlog of it.
fn commands_sent(run: &RunDir) -> Vec<u16> {
    let tlog = read_tlog(&run.tlog(1, 1)).expect("tlog");
    tlog.records
        .iter()
        .filter(|(_, f)| f.system_id() == GCS_SYSTEM_ID)
        .filter_map(|(_, f)| match f.decode() {
            Ok(MavMessage::COMMAND_LONG(c)) => Some(c.command as u16),
            Ok(MavMessage::COMMAND_INT(c)) => Some(c.command as u16),
            _ => None,
        })
        .collect()
}

/// Shift seconds of the first event line containing `needle`.
fn at_s(events: &str, needle: &str) -> Option<f64> {
    let line = events.lines().find(|l| l.contains(needle))?;
    let stamp = line.strip_prefix('[')?.split(']').next()?;
    let mut parts = stamp.split(':').map(|p| p.parse::<f64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(h * 3600.0 + m * 60.0 + s)
}

#[test]
fn a_mission_stored_otherwise_is_caught_and_never_started() {
    let cases = [
        ("lat", "mission read back: item 2 latitude"),
        ("drop", "mission read back: the vehicle holds"),
        (
            "command",
            "mission read back: item 2 command is 20 on the vehicle",
        ),
    ];
    let runs: Vec<_> = cases
        .iter()
        .map(|(how, _)| {
            let how: &'static str = how;
            std::thread::spawn(move || fly_against(&["--tamper", how], "100", 90))
        })
        .collect();
    for ((how, named), r) in cases.iter().zip(runs) {
        let r = r.join().expect("thread");
        let err = r.fly.stderr_text();
        assert!(!r.fly.status.success(), "{how}: exit 0\n{}", r.events);
        assert!(
            err.contains("q1-1") && err.contains(named),
            "{how}: the summary names the sortie and the difference: {err}"
        );
        // Each attempt was named as it failed, then the sortie was skipped.
        assert!(
            r.events.contains(named)
                && r.events
                    .contains("uploading again in 2 s (attempt 1 of 3 failed)")
                && r.events.contains("sortie q1-1 skipped: mission read back"),
            "{how}:\n{}",
            r.events
        );
        assert!(!r.events.contains("started"), "{how}:\n{}", r.events);
        // Nothing was armed or started: not one arm or mission-start command went out.
        let sent = commands_sent(&r.run);
        assert!(
            !sent.contains(&400) && !sent.contains(&300) && !sent.contains(&176),
            "{how}: commands sent {sent:?}"
        );
        // The fence and rally points were read back identical before the mission.
        assert!(
            r.events.contains("fence uploaded for sortie q1-1"),
            "{}",
            r.events
        );
        assert!(r.events.contains("; read back identical)"), "{}", r.events);
    }
}

#[test]
fn unanswered_steps_are_named_within_the_protocols_retry_time() {
    // At speed-up 1 shift time is wall time: the event times are when it happened.
    let cases: [(&[&str], &str, &str); 3] = [
        (
            &["--ignore", "MISSION_COUNT"],
            "fence upload: MISSION_COUNT unanswered for 1.5 s; sent again (retry 1 of 5)",
            "fence upload failed: MISSION_COUNT unanswered after 5 retries",
        ),
        (
            &["--ignore", "MISSION_REQUEST_LIST"],
            "fence download: MISSION_REQUEST_LIST unanswered for 1.5 s; sent again (retry 1 of 5)",
            "reading the list back: fence download failed: MISSION_REQUEST_LIST unanswered after 5 retries",
        ),
        (
            &["--ignore-item-request", "1"],
            "fence download: MISSION_REQUEST_INT 1 of",
            "unanswered after 5 retries",
        ),
    ];
    let runs: Vec<_> = cases
        .iter()
        .map(|(faults, _, _)| {
            let faults: Vec<&'static str> = faults.to_vec();
            std::thread::spawn(move || fly_against(&faults, "1", 45))
        })
        .collect();
    for ((faults, first, failed), r) in cases.iter().zip(runs) {
        let r = r.join().expect("thread");
        let found = at_s(&r.events, "vehicle found").expect("found");
        let retry = at_s(&r.events, first).unwrap_or_else(|| panic!("{faults:?}:\n{}", r.events));
        let failure =
            at_s(&r.events, failed).unwrap_or_else(|| panic!("{faults:?}:\n{}", r.events));
        // The first resend 1.5 s (or 0.25 s per item) after the step, the failure after five:
        // never a minute of silence.
        assert!(
            retry - found <= 5.0,
            "{faults:?}: first retry {retry} s, found {found} s"
        );
        assert!(
            failure - found <= 15.0,
            "{faults:?}: failed at {failure} s, found {found} s\n{}",
            r.events
        );
        assert!(!r.fly.status.success(), "{faults:?}");
        assert!(
            r.fly.stderr_text().contains("q1-1"),
            "{}",
            r.fly.stderr_text()
        );
    }
}

#[test]
fn the_exit_status_names_every_sortie_not_flown() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["--refuse-fence"],
            "fence upload rejected by the vehicle: MAV_MISSION_DENIED (after 1 attempts)",
        ),
        (
            &["--never-arm"],
            "the vehicle would not arm and start: the commands were acknowledged but the vehicle still reports itself disarmed",
        ),
        (
            &["--no-battery"],
            "the vehicle reported no battery level in 30 s",
        ),
    ];
    let runs: Vec<_> = cases
        .iter()
        .map(|(faults, _)| {
            let faults: Vec<&'static str> = faults.to_vec();
            std::thread::spawn(move || fly_against(&faults, "100", 90))
        })
        .collect();
    let runs: Vec<Flown> = runs
        .into_iter()
        .map(|r| r.join().expect("thread"))
        .collect();
    for ((faults, why), r) in cases.iter().zip(&runs) {
        assert_eq!(r.fly.status.code(), Some(1), "{faults:?}\n{}", r.events);
        let err = r.fly.stderr_text();
        assert!(
            err.contains("1 sortie(s) not flown: q1-1 of q1") && err.contains(why),
            "{faults:?}: {err}"
        );
        assert!(
            !r.events.contains("sortie q1-1 started"),
            "{faults:?}\n{}",
            r.events
        );
    }
    // The wait said what it waited for, and for how long, when it began.
    assert!(
        runs[2].events.contains(
            "no battery level reported yet: waiting 30 s for SYS_STATUS or BATTERY_STATUS"
        ),
        "{}",
        runs[2].events
    );
    // A vehicle that never arms was asked three times, each failure named, and then told to
    // disarm: never left armed on the pad.
    let never = &runs[1];
    let sent = commands_sent(&never.run);
    assert_eq!(sent.iter().filter(|c| **c == 300).count(), 3, "{sent:?}");
    assert_eq!(
        sent.last(),
        Some(&400),
        "the last command disarms: {sent:?}"
    );
    assert!(
        never
            .events
            .contains("start of sortie q1-1 failed: the commands were acknowledged")
            && never.events.contains("(attempt 3 of 3)"),
        "{}",
        never.events
    );
}

#[test]
fn a_plan_path_in_the_test_is_where_patrol_plan_wrote_it() {
    // Guard for the tests above: drone 1's first sortie starts at once.
    let (_, plan) = plan();
    let d = plan
        .drones
        .iter()
        .find(|d| d.system_id == 1)
        .expect("drone 1");
    assert_eq!(d.sorties[0].start_s, 0.0);
    assert!(Path::new(&plan.area_dir).ends_with("missions/cumberland"));
}

/// Runs `patrol mission` against a scripted vehicle with `faults`.
fn mission_against(faults: &[&str], args: &[&str]) -> std::process::Output {
    let port = udp_port();
    let _vehicle = Proc::spawn(
        peer("scripted_vehicle.py")
            .args(["--connect", &format!("udpout:127.0.0.1:{port}")])
            .args(["--sysid", "3", "--timeout", "60"])
            .args(faults),
    );
    let link = format!("udpin:127.0.0.1:{port}");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--connect", &link, "--sysid", "3"]);
    patrol(&all)
}

/// Rows of a `.waypoints` file as (frame, command, lat e7, lon e7, alt cm).
fn rows(path: &Path) -> Vec<(u8, u16, i64, i64, i64)> {
    std::fs::read_to_string(path)
        .expect("waypoints")
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<f64> = l.split('\t').map(|x| x.parse().expect("number")).collect();
            (
                c[2] as u8,
                c[3] as u16,
                (c[8] * 1e7).round() as i64,
                (c[9] * 1e7).round() as i64,
                (c[10] * 100.0).round() as i64,
            )
        })
        .collect()
}

#[test]
fn a_sortie_file_goes_up_and_comes_back_down_the_same() {
    let (plan_dir, _) = plan();
    let sortie = plan_dir.join("q1-1.plan");
    let out_dir = tempfile::tempdir().expect("tempdir");
    let port = udp_port();
    let _vehicle = Proc::spawn(
        peer("scripted_vehicle.py")
            .args(["--connect", &format!("udpout:127.0.0.1:{port}")])
            .args(["--sysid", "3", "--timeout", "60"]),
    );
    let link = format!("udpin:127.0.0.1:{port}");
    let up = patrol(&[
        "mission",
        "upload",
        sortie.to_str().expect("utf8"),
        "--connect",
        &link,
        "--sysid",
        "3",
    ]);
    assert!(up.status.success(), "{}", up.stderr_text());
    for list in ["mission", "fence", "rally points"] {
        assert!(
            up.stdout_text()
                .lines()
                .any(|l| l.starts_with(&format!("{list}: ")) && l.ends_with("read back identical")),
            "{}",
            up.stdout_text()
        );
    }
    let down = patrol(&[
        "mission",
        "download",
        "--connect",
        &link,
        "--sysid",
        "3",
        "-o",
        out_dir.path().to_str().expect("utf8"),
    ]);
    assert!(down.status.success(), "{}", down.stderr_text());
    // What the vehicle holds is the sortie's mission, row for row (within the wire's 1e-7
    // degrees and the float's centimetre), and its fence and rally points.
    let want = rows(&plan_dir.join("q1-1.waypoints"));
    let got = rows(&out_dir.path().join("vehicle-3.waypoints"));
    assert_eq!(want.len(), got.len());
    for (w, g) in want.iter().zip(&got) {
        assert_eq!((w.0, w.1), (g.0, g.1));
        assert!(
            (w.2 - g.2).abs() <= 1 && (w.3 - g.3).abs() <= 1 && (w.4 - g.4).abs() <= 1,
            "{w:?} vs {g:?}"
        );
    }
    let sent: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sortie).expect("plan")).expect("json");
    let held: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.path().join("vehicle-3.plan")).expect("plan"),
    )
    .expect("json");
    for key in ["polygons"] {
        assert_eq!(
            sent["geoFence"][key].as_array().map(Vec::len),
            held["geoFence"][key].as_array().map(Vec::len)
        );
    }
    assert_eq!(
        sent["rallyPoints"]["points"].as_array().map(Vec::len),
        held["rallyPoints"]["points"].as_array().map(Vec::len)
    );
}

#[test]
fn an_upload_the_vehicle_stores_otherwise_is_named_and_fails() {
    let (plan_dir, _) = plan();
    let sortie = plan_dir.join("q1-1.waypoints");
    let out = mission_against(
        &["--tamper", "drop"],
        &["mission", "upload", sortie.to_str().expect("utf8")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr_text()
            .contains("system 3: mission read back: the vehicle holds"),
        "{}",
        out.stderr_text()
    );
    // A broken file is named by line before any vehicle is waited for.
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.waypoints");
    std::fs::write(&bad, "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.6\t-84.2\n").expect("write");
    let out = patrol(&[
        "mission",
        "upload",
        bad.to_str().expect("utf8"),
        "--connect",
        "udpin:127.0.0.1:0",
        "--sysid",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr_text()
            .contains("bad.waypoints: line 2: 10 columns, expected 12"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn mavsdk_as_the_vehicle_takes_a_sortie_and_gives_it_back_identical() {
    // MAVSDK's own MissionRawServer (PyPI mavsdk) plays the vehicle: a mission stack we did
    // not write stores what we upload and serves the read-back.
    let (plan_dir, plan) = plan();
    let sortie = &plan
        .drones
        .iter()
        .find(|d| d.system_id == 1)
        .expect("q1")
        .sorties[0];
    let file = plan_dir.join(format!("{}.plan", sortie.id));
    let port = udp_port();
    let vehicle = Proc::spawn(
        peer("mavsdk_vehicle.py")
            .args(["--connect", &format!("udpout://127.0.0.1:{port}")])
            .args(["--sysid", "4", "--wait", "4", "--timeout", "60"]),
    );
    let up = patrol(&[
        "mission",
        "upload",
        file.to_str().expect("utf8"),
        "--connect",
        &format!("udpin:127.0.0.1:{port}"),
        "--sysid",
        "4",
    ]);
    let text = up.stdout_text();
    assert!(up.status.success(), "{text}\n{}", up.stderr_text());
    for list in ["mission", "fence", "rally points"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{list}: ")) && l.ends_with("read back identical")),
            "{text}"
        );
    }
    let got = vehicle.wait_output(Duration::from_secs(30));
    let held = common::json_of(&got);
    assert!(got.status.success(), "{held}\n{}", got.stderr_text());
    // MAVSDK says it is a generic autopilot, not ArduPilot: the mission went up without a
    // home item, exactly the sortie's items after home.
    let items = held["missions"].as_array().expect("missions");
    let want: Vec<_> = sortie.mission.items.iter().skip(1).collect();
    assert_eq!(items.len(), want.len(), "{held}");
    for (g, w) in items.iter().zip(want) {
        assert_eq!(g[2].as_u64(), Some(u64::from(w.command)));
        assert_eq!(g[3].as_i64(), Some((w.lat_deg * 1e7).round() as i64));
        assert_eq!(g[4].as_i64(), Some((w.lon_deg * 1e7).round() as i64));
    }
    assert_eq!(held["uploads_by_type"]["1"], 1, "one fence upload: {held}");
    assert_eq!(held["uploads_by_type"]["2"], 1, "one rally upload: {held}");
}

#[test]
fn a_serial_port_that_cannot_open_is_named_at_once_by_sim_and_fly() {
    let out = patrol(&[
        "sim",
        "--area",
        bundled_area().to_str().expect("utf8"),
        "--drones",
        "1",
        "--connect",
        "serial:/dev/nonexistent-radio:57600",
        "--duration",
        "2",
    ]);
    assert!(
        out.stdout_text().contains(
            "link down: /dev/nonexistent-radio: No such file or directory; retrying every 5 s at most"
        ),
        "{}",
        out.stdout_text()
    );
    let (plan_dir, _) = plan();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        "serial:/dev/nonexistent-radio:57600",
        "--yes",
        "--sorties",
        "0",
        "--duration",
        "2",
        "--run-dir",
        dir.path().join("run").to_str().expect("utf8"),
    ]);
    assert!(
        out.stdout_text()
            .contains("service: link 0 down: /dev/nonexistent-radio: No such file or directory"),
        "{}",
        out.stdout_text()
    );
}
