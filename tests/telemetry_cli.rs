//! End-to-end tests of `patrol sim` and `patrol fly` against software we did not write:
//! pymavlink as ground station, as scripted vehicle and as tlog reader and writer (scripts in
//! tests/peers/), over UDP on 127.0.0.1 and over a real serial pair made by socat.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{OutputText, Proc, bundled_area, expect_error, json_of, patrol, peer, udp_port};
use patrol_planner::export::read_plan_json;
use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::plan::model::Plan;
use patrol_telemetry::fly::lists::{fence_items, rally_items};
use patrol_telemetry::mav::tlog::read_tlog;
use serde_json::Value;

/// One plan of a one-hour shift over the bundled area, shared by the tests.
fn plan() -> &'static (PathBuf, Plan) {
    static PLAN: OnceLock<(PathBuf, Plan)> = OnceLock::new();
    PLAN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let area = bundled_area();
        let out = patrol(&[
            "plan",
            area.to_str().expect("utf8"),
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

#[test]
fn a_pymavlink_ground_station_flies_patrol_sim_through_the_mission_protocol() {
    let port = udp_port();
    let area = bundled_area();
    let _sim = Proc::patrol(&[
        "sim",
        "--area",
        area.to_str().expect("utf8"),
        "--drones",
        "2",
        "--connect",
        &format!("udpout:127.0.0.1:{port}"),
    ]);
    let out = peer("gcs_upload.py")
        .args([
            "--connect",
            &format!("udpin:127.0.0.1:{port}"),
            "--sysid",
            "2",
            "--items",
            "60",
            "--timeout",
            "40",
        ])
        .output()
        .expect("python runs");
    let j = json_of(&out);
    assert!(out.status.success(), "{j}\n{}", out.stderr_text());
    assert_eq!(j["mission_uploaded"], 60);
    assert_eq!(j["mission_downloaded_equal"], true);
    assert_eq!(j["fence_items"], 4);
    assert_eq!(j["rally_items"], 2);
    assert_eq!(j["interval_ack"], 0);
    assert_eq!(j["heartbeat_type"], 2, "quadrotor");
    assert_eq!(j["autopilot"], 3, "ArduPilot");
    let rate = j["global_position_rate_hz"].as_f64().expect("rate");
    assert!((3.5..=6.5).contains(&rate), "asked 5 Hz, got {rate}");
    // The vehicle stands at its base, on the ground, with a full battery.
    let base = &patrol_planner::area::Area::load_with(&area, false)
        .expect("area")
        .bases[0];
    assert!(
        (j["lat"].as_f64().expect("lat") - base.lat_deg).abs() < 0.001,
        "{j}"
    );
    assert!(j["relative_alt_m"].as_f64().expect("alt").abs() < 5.0);
    assert_eq!(j["battery_remaining"], 100);
    let seen: Vec<&str> = j["messages_seen"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for m in [
        "HEARTBEAT",
        "SYS_STATUS",
        "GLOBAL_POSITION_INT",
        "HOME_POSITION",
        "MISSION_REQUEST_INT",
        "MISSION_ACK",
    ] {
        assert!(seen.contains(&m), "{m} missing from {seen:?}");
    }
}

fn key_file(dir: &Path) -> PathBuf {
    let k = dir.join("fleet.key");
    std::fs::write(
        &k,
        "4f1c2d3e5a6b7c8d9e0f11223344556677889900aabbccddeeff001122334455\n",
    )
    .expect("key");
    k
}

#[test]
fn signing_admits_only_ground_stations_with_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = key_file(dir.path());
    let port = udp_port();
    let area = bundled_area();
    let sim = Proc::patrol(&[
        "sim",
        "--area",
        area.to_str().expect("utf8"),
        "--drones",
        "1",
        "--connect",
        &format!("udpout:127.0.0.1:{port}"),
        "--signing-key",
        key.to_str().expect("utf8"),
    ]);
    let connect = format!("udpin:127.0.0.1:{port}");
    let signed = peer("gcs_upload.py")
        .args([
            "--connect",
            &connect,
            "--sysid",
            "1",
            "--items",
            "10",
            "--timeout",
            "30",
            "--signing-key",
        ])
        .arg(&key)
        .output()
        .expect("python");
    assert!(
        signed.status.success(),
        "{}\n{}",
        signed.stdout_text(),
        signed.stderr_text()
    );
    assert_eq!(json_of(&signed)["mission_downloaded_equal"], true);
    // Without the key pymavlink hears nothing it accepts... and the vehicle ignores it.
    let unsigned = peer("gcs_upload.py")
        .args([
            "--connect",
            &connect,
            "--sysid",
            "1",
            "--items",
            "10",
            "--timeout",
            "4",
        ])
        .output()
        .expect("python");
    assert!(
        !unsigned.status.success(),
        "an unsigned ground station must not get through"
    );
    sim.signal("-INT");
    let out = sim.wait_output(Duration::from_secs(10));
    let text = out.stdout_text();
    let rejected: u64 = text
        .split(" rejected by signing")
        .next()
        .and_then(|s| s.rsplit(", ").next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rejection count in: {text}"));
    assert!(rejected > 0, "{text}");
    assert!(
        !text.contains("4f1c2d3e"),
        "the key never appears in output"
    );
    // The signing timestamp is kept beside the key for the next start.
    let ts: u64 = std::fs::read_to_string(dir.path().join("fleet.key.timestamp"))
        .expect("timestamp persisted")
        .trim()
        .parse()
        .expect("number");
    // 10 µs units since 2015-01-01: more than ten years by now.
    assert!(ts > 10 * 365 * 86_400 * 100_000, "{ts}");
}

/// Runs the scripted pymavlink vehicle as drone 1 against `patrol fly` over `fly_connect`.
/// `patrol fly` to one pymavlink vehicle; `answer` is typed on its standard input (the yes a
/// serial link asks for).
fn fly_to_scripted_vehicle(
    fly_connect: &str,
    vehicle_connect: &str,
    run_dir: &Path,
    answer: Option<&str>,
) -> Value {
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
    let mut fly_cmd = Command::new(env!("CARGO_BIN_EXE_patrol"));
    fly_cmd.args([
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        fly_connect,
        "--only",
        "1",
        "--sorties",
        "1",
        "--speedup",
        "100",
        "--run-dir",
        run_dir.to_str().expect("utf8"),
        "--duration",
        "40",
    ]);
    fly_cmd.stdin(std::process::Stdio::piped());
    let mut fly = Proc::spawn(&mut fly_cmd);
    {
        use std::io::Write as _;
        let mut stdin = fly.0.stdin.take().expect("stdin");
        if let Some(a) = answer {
            stdin.write_all(a.as_bytes()).expect("type the answer");
        }
    }
    let out = peer("scripted_vehicle.py")
        .args([
            "--connect",
            vehicle_connect,
            "--sysid",
            "1",
            "--timeout",
            "40",
            "--exit-after-start",
            "1.5",
        ])
        .args([
            "--lat",
            &base.lat_deg.to_string(),
            "--lon",
            &base.lon_deg.to_string(),
        ])
        .output()
        .expect("python");
    let j = json_of(&out);
    assert!(out.status.success(), "{j}\n{}", out.stderr_text());
    // What the vehicle received is the plan's first sortie, with its fence and rally points.
    let sortie = &d.sorties[0];
    let mission = j["missions"]["0"].as_array().expect("mission");
    assert_eq!(mission.len(), sortie.mission.items.len());
    for (got, want) in mission.iter().zip(&sortie.mission.items) {
        assert_eq!(got[1].as_u64(), Some(u64::from(want.frame)));
        assert_eq!(got[2].as_u64(), Some(u64::from(want.command)));
        assert_eq!(got[3].as_i64(), Some((want.lat_deg * 1e7).round() as i64));
        assert_eq!(got[4].as_i64(), Some((want.lon_deg * 1e7).round() as i64));
        assert!((got[5].as_f64().expect("alt") - want.alt_m).abs() < 0.01);
    }
    assert_eq!(
        j["missions"]["1"].as_array().map(|a| a.len()),
        Some(fence_items(plan).len())
    );
    assert_eq!(
        j["missions"]["2"].as_array().map(|a| a.len()),
        Some(rally_items(plan, 0.0).len())
    );
    // Guided, arm, start the mission, in that order; rate requests before.
    let cmds: Vec<(u64, f64)> = j["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|c| (c[0].as_u64().expect("cmd"), c[2].as_f64().unwrap_or(0.0)))
        .collect();
    let pos = |c: u64| {
        cmds.iter()
            .position(|x| x.0 == c)
            .unwrap_or_else(|| panic!("command {c} missing: {cmds:?}"))
    };
    assert!(
        pos(511) < pos(176) && pos(176) < pos(400) && pos(400) < pos(300),
        "{cmds:?}"
    );
    assert_eq!(cmds[pos(176)].1, 4.0, "GUIDED");
    assert_eq!(j["gcs_sysid"], 255);
    assert_eq!(j["gcs_compid"], 190);
    assert!(j["gcs_heartbeats"].as_u64().expect("n") >= 1);
    drop(fly);
    j
}

#[test]
fn patrol_fly_uploads_and_starts_a_sortie_on_a_pymavlink_vehicle_over_udp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = udp_port();
    let run = dir.path().join("run");
    fly_to_scripted_vehicle(
        &format!("udpin:127.0.0.1:{port}"),
        &format!("udpout:127.0.0.1:{port}"),
        &run,
        None,
    );
    // Our tlog of that vehicle, read by pymavlink: same frames, same timestamps.
    std::thread::sleep(Duration::from_millis(1200));
    let tlog = run.join("vehicle-1.tlog");
    let ours = read_tlog(&tlog).expect("tlog");
    let out = peer("read_tlog.py").arg(&tlog).output().expect("python");
    let j = json_of(&out);
    assert!(out.status.success(), "{j}");
    assert_eq!(j["bad_data"], 0);
    assert_eq!(j["messages"].as_u64(), Some(ours.records.len() as u64));
    assert_eq!(j["timestamps_monotonic"], true);
    let first = ours.records.first().expect("records").0 as f64 / 1e6;
    let last = ours.records.last().expect("records").0 as f64 / 1e6;
    assert!((j["first_timestamp"].as_f64().expect("t") - first).abs() < 1e-5);
    assert!((j["last_timestamp"].as_f64().expect("t") - last).abs() < 1e-5);
    let types = &j["types"];
    for m in [
        "HEARTBEAT",
        "MISSION_ITEM_INT",
        "COMMAND_LONG",
        "COMMAND_ACK",
        "GLOBAL_POSITION_INT",
    ] {
        assert!(
            types[m].as_u64().unwrap_or(0) > 0,
            "{m} not in the tlog: {types}"
        );
    }
}

#[test]
fn patrol_fly_talks_to_a_pymavlink_vehicle_over_a_serial_pair() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("ttyA"), dir.path().join("ttyB"));
    let _socat = Proc::spawn(
        Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", a.display()))
            .arg(format!("pty,raw,echo=0,link={}", b.display())),
    );
    let began = Instant::now();
    while !(a.exists() && b.exists()) {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "socat made no pair (is socat installed?)"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A serial port reaches real aircraft: nothing arms before a person's yes.
    let run = dir.path().join("run");
    fly_to_scripted_vehicle(
        &format!("{},57600", b.display()),
        &format!("serial:{}:57600", a.display()),
        &run,
        Some("yes\n"),
    );
    let events = std::fs::read_to_string(run.join("events.log")).expect("events.log");
    assert!(
        events.contains("starting its mission (confirmed by ")
            && events.contains("on standard input)"),
        "{events}"
    );
}

#[test]
fn real_links_arm_nothing_without_a_yes() {
    let (plan_dir, _) = plan();
    let dir = tempfile::tempdir().expect("tempdir");
    let fly = |connect: &str, speedup: &str, answer: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_patrol"));
        cmd.args([
            "fly",
            "--plan",
            plan_dir.to_str().expect("utf8"),
            "--connect",
            connect,
            "--speedup",
            speedup,
            "--start-now",
            "--run-dir",
            dir.path().join("run").to_str().expect("utf8"),
        ]);
        cmd.stdin(std::process::Stdio::piped());
        let mut p = Proc::spawn(&mut cmd);
        {
            use std::io::Write as _;
            let mut stdin = p.0.stdin.take().expect("stdin");
            stdin.write_all(answer.as_bytes()).expect("answer");
        }
        p.wait_output(Duration::from_secs(20))
    };
    // No answer (a script, a service): refused, pointing at --yes.
    let out = fly("/dev/ttyUSB0,57600", "1", "");
    let err = expect_error(&out, &["--yes", "nothing was uploaded or armed"]);
    assert!(
        out.stdout_text()
            .contains("About to arm and fly vehicles on serial:/dev/ttyUSB0:57600"),
        "{err}"
    );
    // Anything but yes: refused. Real time over UDP asks too.
    expect_error(
        &fly(&format!("udpin:127.0.0.1:{}", udp_port()), "1", "y\n"),
        &["answered 'y', not 'yes'"],
    );
    // Nothing was recorded: not even the run directory stays.
    assert!(!dir.path().join("run").exists());
}

#[test]
fn tlogs_written_by_pymavlink_read_back_with_their_timestamps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pymavlink.tlog");
    let out = peer("write_tlog.py")
        .arg(&path)
        .args(["--count", "1000"])
        .output()
        .expect("python");
    let j = json_of(&out);
    assert!(out.status.success(), "{j}");
    let back = read_tlog(&path).expect("read");
    assert_eq!(back.records.len(), 1000);
    assert_eq!(back.skipped_bytes, 0);
    assert!(!back.torn_tail);
    assert_eq!(back.records[0].0, j["first_usec"].as_u64().expect("first"));
    assert_eq!(back.records[999].0, j["last_usec"].as_u64().expect("last"));
    assert!(
        back.records
            .iter()
            .all(|(_, f)| f.system_id() == 7 && f.decode().is_ok())
    );
}

fn unix_now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_micros() as u64
}

#[test]
fn tlogs_survive_sigkill_up_to_the_last_second() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = key_file(dir.path());
    let port = udp_port();
    let area = bundled_area();
    let (plan_dir, _) = plan();
    let run = dir.path().join("run");
    // Signed both ways, so the tlog also shows that signatures never reach the log.
    let _sim = Proc::patrol(&[
        "sim",
        "--area",
        area.to_str().expect("utf8"),
        "--drones",
        "3",
        "--connect",
        &format!("udpout:127.0.0.1:{port}"),
        "--signing-key",
        key.to_str().expect("utf8"),
    ]);
    let fly = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udpin:127.0.0.1:{port}"),
        "--run-dir",
        run.to_str().expect("utf8"),
        "--signing-key",
        key.to_str().expect("utf8"),
        "--only",
        "1,2,3",
        // The simulator at real time looks like real vehicles: confirmed for the script, and
        // flown from now rather than at the shift's hour.
        "--yes",
        "--start-now",
    ]);
    std::thread::sleep(Duration::from_secs(6));
    let killed_at = unix_now_us();
    fly.signal("-KILL");
    let _ = fly.wait_output(Duration::from_secs(5));
    let secret = [0x4fu8, 0x1c, 0x2d, 0x3e, 0x5a, 0x6b];
    for id in [1, 2, 3] {
        let path = run.join(format!("vehicle-{id}.tlog"));
        let back = read_tlog(&path).expect("tlog readable after SIGKILL");
        let last = back.records.last().expect("records").0;
        assert!(
            killed_at.saturating_sub(last) < 1_500_000,
            "vehicle {id}: last record {:.2} s before the kill",
            (killed_at.saturating_sub(last)) as f64 / 1e6
        );
        assert!(
            back.records.iter().all(|(_, f)| !f.is_signed()),
            "signatures are stripped from tlogs"
        );
        let bytes = std::fs::read(&path).expect("bytes");
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "key bytes in the tlog"
        );
        let out = peer("read_tlog.py").arg(&path).output().expect("python");
        let j = json_of(&out);
        assert!(out.status.success(), "{j}");
        assert_eq!(j["messages"].as_u64(), Some(back.records.len() as u64));
    }
    let events = std::fs::read_to_string(run.join("events.log")).expect("events.log");
    assert!(events.contains("fence uploaded"), "{events}");
}

#[test]
fn patrol_sim_and_patrol_fly_fly_the_bundled_plan_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = udp_port();
    let area = bundled_area();
    let (plan_dir, plan) = plan();
    let run = dir.path().join("run");
    let _sim = Proc::patrol(&[
        "sim",
        "--area",
        area.to_str().expect("utf8"),
        "--connect",
        &format!("udpout:127.0.0.1:{port}"),
        "--speedup",
        "100",
        "--loss",
        "0.02",
    ]);
    let fly = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udpin:127.0.0.1:{port}"),
        "--run-dir",
        run.to_str().expect("utf8"),
        "--speedup",
        "100",
        "--status-every",
        "5",
    ]);
    let out = fly.wait_output(Duration::from_secs(150));
    let text = out.stdout_text();
    assert!(out.status.success(), "{text}\n{}", out.stderr_text());
    for d in &plan.drones {
        let n = d.sorties.len();
        assert!(
            text.contains(&format!(
                "(system {}): {n} of {n} sorties flown",
                d.system_id
            )),
            "drone {} did not fly all {n} sorties:\n{text}",
            d.drone_id
        );
        let tlog = run.join(format!("vehicle-{}.tlog", d.system_id));
        let out = peer("read_tlog.py").arg(&tlog).output().expect("python");
        let j = json_of(&out);
        assert!(out.status.success(), "{j}");
        let reached = j["types"]["MISSION_ITEM_REACHED"].as_u64().unwrap_or(0);
        let items: usize = d.sorties.iter().map(|s| s.mission.items.len()).sum();
        assert!(
            // Home items are never "reached"; a few reports are lost with the 2% loss.
            reached as f64 >= 0.9 * (items - d.sorties.len()) as f64,
            "drone {}: {reached} items reached of {items}",
            d.drone_id
        );
        // The last position reported is back at a base (at this speed-up the last report
        // may come a few seconds before touchdown).
        let last = &j["last_global_position"];
        let (lat, lon) = (
            last["lat"].as_f64().expect("lat"),
            last["lon"].as_f64().expect("lon"),
        );
        let near_base = plan.bases.iter().any(|b| {
            let dn = (lat - b.lat_deg) * 111_000.0;
            let de = (lon - b.lon_deg) * 111_000.0 * b.lat_deg.to_radians().cos();
            dn.hypot(de) < 100.0
        });
        assert!(near_base, "drone {} ended at {last}", d.drone_id);
        assert!(
            last["relative_alt_m"].as_f64().expect("alt") < 40.0,
            "{last}"
        );
    }
    assert!(run.join("plan.json").is_file());
    let events = std::fs::read_to_string(run.join("events.log")).expect("events");
    assert!(events.contains("all sorties done"));
    // Planned sorties fit the batteries: no vehicle had to turn back.
    assert!(!events.contains("Failsafe"), "{events}");
}

#[test]
fn bad_connection_strings_keys_plans_and_values_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let area = bundled_area();
    let area = area.to_str().expect("utf8");
    let sim = |extra: &[&str]| {
        let mut args = vec!["sim", "--area", area, "--connect", "udpout:127.0.0.1:9"];
        args.extend_from_slice(extra);
        patrol(&args)
    };
    expect_error(
        &patrol(&["sim", "--area", area, "--connect", "udp-in:127.0.0.1:1"]),
        &["udp-in:127.0.0.1:1"],
    );
    let bad_key = dir.path().join("short.key");
    std::fs::write(&bad_key, "topsecret").expect("write");
    let err = expect_error(
        &sim(&["--signing-key", bad_key.to_str().expect("utf8")]),
        &["short.key"],
    );
    assert!(!err.contains("topsecret"), "{err}");
    expect_error(&sim(&["--silence", "x@1"]), &["--silence"]);
    expect_error(&sim(&["--drop-link", "10+inf"]), &["--drop-link"]);
    expect_error(&sim(&["--duration", "inf"]), &["--duration"]);
    expect_error(&sim(&["--latency-ms", "100000000"]), &["--latency-ms"]);
    expect_error(&sim(&["--loss", "1.5"]), &["--loss"]);
    // `--start-now`: the shared plan is for 10:00-11:00 today in the area's time zone, so at
    // real time these runs would otherwise be refused as over (or wait) by the time of day.
    let fly = |plan: &Path, extra: &[&str]| {
        let mut args = vec![
            "fly",
            "--plan",
            plan.to_str().expect("utf8"),
            "--connect",
            "udpin:127.0.0.1:0",
            "--start-now",
        ];
        args.extend_from_slice(extra);
        patrol(&args)
    };
    expect_error(&fly(dir.path(), &[]), &["plan.json"]);
    let (plan_dir, _) = plan();
    expect_error(&fly(plan_dir, &["--rate-hz", "0"]), &["--rate-hz"]);
    expect_error(
        &fly(plan_dir, &["--vehicle-timeout", "1e20"]),
        &["--vehicle-timeout"],
    );
    // A run directory holding a recorded run is refused, never overwritten.
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).expect("mkdir");
    std::fs::write(run.join("vehicle-1.tlog"), b"earlier").expect("write");
    expect_error(
        &fly(plan_dir, &["--run-dir", run.to_str().expect("utf8")]),
        &["--run-dir", "already holds a recorded run"],
    );
    assert_eq!(
        std::fs::read(run.join("vehicle-1.tlog")).expect("read"),
        b"earlier"
    );
}

#[test]
fn external_alarms_from_a_file_and_a_udp_port_become_alerts_in_patrol_fly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (plan_dir, plan) = plan();
    let base = &plan.bases[0];
    let now_s = unix_now_us() as f64 / 1e6;
    // A point alarm, a line with no position, and a tower's bearing (alone it stays a bearing).
    let alarms = dir.path().join("alarms.jsonl");
    std::fs::write(
        &alarms,
        format!(
            "{{\"source\": \"ir-7\", \"kind\": \"infrared\", \"at_unix_s\": {now_s}, \"lat\": {}, \"lon\": {}, \"radius_m\": 80}}\n\
             {{\"source\": \"ir-8\", \"kind\": \"infrared\", \"at_unix_s\": {now_s}}}\n\
             {{\"source\": \"tower-2\", \"kind\": \"smoke\", \"at_unix_s\": {now_s}, \"from_lat\": {}, \"from_lon\": {}, \"bearing_deg\": 45, \"sigma_deg\": 1}}\n",
            base.lat_deg + 0.01,
            base.lon_deg,
            base.lat_deg,
            base.lon_deg
        ),
    )
    .expect("write alarms");
    let run = dir.path().join("run");
    let alarm_port = udp_port();
    let mut fly = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udpin:127.0.0.1:{}", udp_port()),
        "--run-dir",
        run.to_str().expect("utf8"),
        "--sorties",
        "0",
        "--duration",
        "8",
        "--alarms-file",
        alarms.to_str().expect("utf8"),
        "--alarms-udp",
        &format!("127.0.0.1:{alarm_port}"),
    ]);
    // Sent once the port is bound (fly says so), not after a guessed delay.
    let watch = fly.watch_stdout();
    watch.wait_for(
        &format!("external alarms: JSON lines on udp 127.0.0.1:{alarm_port}"),
        Duration::from_secs(20),
    );
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("udp");
    let second = format!(
        "{{\"source\": \"ir-9\", \"kind\": \"infrared\", \"at_unix_s\": {}, \"lat\": {}, \"lon\": {}, \"radius_m\": 60}}",
        unix_now_us() as f64 / 1e6,
        base.lat_deg - 0.02,
        base.lon_deg
    );
    socket
        .send_to(second.as_bytes(), ("127.0.0.1", alarm_port))
        .expect("send");
    socket
        .send_to(b"\xff\xfe not json", ("127.0.0.1", alarm_port))
        .expect("send");
    let out = fly.wait_output(Duration::from_secs(30));
    // The reader thread sees the pipe close when the process ends.
    let stdout = watch.wait_for("run directory:", Duration::from_secs(5));
    assert!(out.status.success(), "{}\n{stdout}", out.stderr_text());
    assert!(
        stdout.contains("external alarms 3 accepted, 2 rejected (no-location 1, not-utf8 1)"),
        "{stdout}"
    );
    let events = std::fs::read_to_string(run.join("events.log")).expect("events.log");
    assert!(
        events.contains("line 2"),
        "the bad line is named:\n{events}"
    );
    assert!(
        events.contains("ALERT 1:") && events.contains("ALERT 2:"),
        "{events}"
    );
    assert!(
        events.contains("no drone can reach it"),
        "no vehicle is up, so nobody is sent:\n{events}"
    );
    let store =
        patrol_telemetry::alerts::store::AlertStore::open_read_only(&run.join("alerts.sqlite"))
            .expect("store");
    let alerts = store.list(None).expect("list");
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    for a in &alerts {
        assert_eq!(a.alert.class.as_str(), "infrared");
        assert_eq!(a.alert.state.as_str(), "new");
        assert!(a.alert.nearest_base.is_some());
    }
}

/// A ground point both towers see, and each tower's (bearing, elevation) to it, degrees: the
/// first point of a grid between them whose lines of sight meet the ground there.
fn seen_by_both(
    terrain: &patrol_planner::terrain::Terrain,
    towers: [&patrol_planner::area::watch_layers::Tower; 2],
) -> Option<(Geodetic, [(f64, f64); 2])> {
    let camera = |t: &patrol_planner::area::watch_layers::Tower| {
        Some(Geodetic {
            lat_deg: t.lat_deg,
            lon_deg: t.lon_deg,
            alt_amsl_m: terrain.elevation_amsl_m(t.lat_deg, t.lon_deg)? + t.mast_agl_m,
        })
    };
    let cams = [camera(towers[0])?, camera(towers[1])?];
    for i in 1..20 {
        for j in -10..=10 {
            // Along the line between the towers, and off it on either side.
            let f = f64::from(i) / 20.0;
            let lat = cams[0].lat_deg + (cams[1].lat_deg - cams[0].lat_deg) * f
                - (cams[1].lon_deg - cams[0].lon_deg) * f64::from(j) * 0.03;
            let lon = cams[0].lon_deg
                + (cams[1].lon_deg - cams[0].lon_deg) * f
                + (cams[1].lat_deg - cams[0].lat_deg) * f64::from(j) * 0.03;
            let Some(ground) = terrain.elevation_amsl_m(lat, lon) else {
                continue;
            };
            let target = Geodetic {
                lat_deg: lat,
                lon_deg: lon,
                alt_amsl_m: ground,
            };
            let t = terrain.geodetic_to_enu(target);
            let mut angles = [(0.0, 0.0); 2];
            let mut clear = true;
            for (k, cam) in cams.iter().enumerate() {
                let c = terrain.geodetic_to_enu(*cam);
                let d = Enu {
                    east_m: t.east_m - c.east_m,
                    north_m: t.north_m - c.north_m,
                    up_m: t.up_m - c.up_m,
                };
                let range = d.east_m.hypot(d.north_m);
                let hit = terrain.ray_ground_intersection(c, d, 30_000.0);
                clear &= range > 1500.0
                    && range < 4500.0
                    && hit.is_some_and(|h| {
                        (h.enu.east_m - t.east_m).hypot(h.enu.north_m - t.north_m) < 30.0
                    });
                angles[k] = (
                    d.east_m.atan2(d.north_m).to_degrees().rem_euclid(360.0),
                    d.up_m.atan2(range).to_degrees(),
                );
            }
            if clear {
                return Some((target, angles));
            }
        }
    }
    None
}

#[test]
fn tower_reports_by_name_are_placed_on_the_ground_and_crossed_and_bad_ones_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (plan_dir, _) = plan();
    let area = patrol_planner::area::Area::load(&bundled_area()).expect("area");
    // Two towers of the bundled area that see one place; a tower camera system reports each
    // smoke by the tower's name, azimuth and vertical angle (read to 0.1°, as a fire finder).
    let (fire, angles, names) = area
        .towers
        .iter()
        .enumerate()
        .flat_map(|(i, a)| area.towers[i + 1..].iter().map(move |b| (a, b)))
        .find_map(|(a, b)| {
            seen_by_both(&area.terrain, [a, b]).map(|(f, ang)| (f, ang, [&a.id, &b.id]))
        })
        .expect("two bundled towers that see one place");
    let now_s = (unix_now_us() / 1_000_000) as f64;
    let report = |name: &str, (az, el): (f64, f64), at_s: f64| {
        format!(
            "{{\"source\": \"{name}\", \"kind\": \"smoke\", \"at_unix_s\": {at_s}, \"bearing_deg\": {:.1}, \"elevation_deg\": {:.1}, \"sigma_deg\": 0.3, \"confidence\": 0.8}}",
            az, el
        )
    };
    let run = dir.path().join("run");
    let alarm_port = udp_port();
    let mut fly = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udpin:127.0.0.1:{}", udp_port()),
        "--run-dir",
        run.to_str().expect("utf8"),
        "--sorties",
        "0",
        "--duration",
        "6",
        "--alarms-udp",
        &format!("127.0.0.1:{alarm_port}"),
    ]);
    let watch = fly.watch_stdout();
    watch.wait_for(
        &format!("external alarms: JSON lines on udp 127.0.0.1:{alarm_port}"),
        Duration::from_secs(20),
    );
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("udp");
    let send = |line: String| {
        socket
            .send_to(line.as_bytes(), ("127.0.0.1", alarm_port))
            .expect("send");
    };
    // Bad reports first: a tower the area does not have, one dated an hour ahead, a vertical
    // angle out of range. None of them may cost the good ones anything.
    send(report("tower-99", angles[0], now_s));
    send(report(names[0], angles[0], now_s + 3600.0));
    send(report(names[0], (angles[0].0, 95.0), now_s));
    send(report(names[0], angles[0], now_s));
    // Wait for the first tower's alert before the second tower reports.
    let events_path = run.join("events.log");
    wait_for_line(&events_path, "ALERT 1:", Duration::from_secs(20));
    let store_path = run.join("alerts.sqlite");
    let place = || {
        let store = patrol_telemetry::alerts::store::AlertStore::open_read_only(&store_path)
            .expect("store");
        let alerts = store.list(None).expect("list");
        assert_eq!(alerts.len(), 1, "{alerts:#?}");
        let a = &alerts[0].alert;
        let off_m = patrol_planner::geodesy::flat::distance_m(
            patrol_planner::geodesy::flat::LonLat::new(a.lon_deg, a.lat_deg),
            patrol_planner::geodesy::flat::LonLat::new(fire.lon_deg, fire.lat_deg),
        );
        (off_m, a.radius_m, a.class.as_str().to_string())
    };
    let (one_off_m, one_radius_m, class) = place();
    assert_eq!(class, "smoke");
    // One tower: placed on the ground along its line of sight, with a wide uncertainty.
    assert!(
        one_off_m < one_radius_m,
        "{one_off_m} m off, radius {one_radius_m} m"
    );
    eprintln!("one tower: {one_off_m:.0} m off, radius {one_radius_m:.0} m");
    send(report(names[1], angles[1], now_s));
    let out = fly.wait_output(Duration::from_secs(30));
    let stdout = watch.wait_for("run directory:", Duration::from_secs(5));
    assert!(out.status.success(), "{}\n{stdout}", out.stderr_text());
    // Two towers: the same alert, now where their lines of sight cross, and much tighter.
    let (two_off_m, two_radius_m, _) = place();
    eprintln!("two towers: {two_off_m:.0} m off, radius {two_radius_m:.0} m");
    assert!(two_off_m < 120.0, "crossing {two_off_m} m off the fire");
    assert!(
        two_radius_m < one_radius_m / 2.0,
        "radius {one_radius_m} m with one tower, {two_radius_m} m with two"
    );
    assert!(
        stdout.contains(
            "external alarms 2 accepted, 3 rejected (from-the-future 1, out-of-range 1, unknown-tower 1)"
        ),
        "{stdout}"
    );
}

#[test]
fn udp_listens_as_in_mavproxy_and_out_forwards_to_a_second_ground_station() {
    let dir = tempfile::tempdir().expect("tempdir");
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
    let (port, qgc_port) = (udp_port(), udp_port());
    // The second ground station listens first, as QGroundControl does on 14550.
    let qgc = Proc::spawn(peer("second_gcs.py").args([
        "--listen",
        &format!("udpin:127.0.0.1:{qgc_port}"),
        "--timeout",
        "40",
    ]));
    // `udp:` on --connect listens (pymavlink's and MAVProxy's --master meaning); on --out it
    // sends (MAVProxy's --out meaning). Our id 254 leaves 255 to the other station.
    let run = dir.path().join("run");
    let _fly = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udp:127.0.0.1:{port}"),
        "--out",
        &format!("udp:127.0.0.1:{qgc_port}"),
        "--gcs-sysid",
        "254",
        "--only",
        "1",
        "--sorties",
        "1",
        "--speedup",
        "100",
        "--run-dir",
        run.to_str().expect("utf8"),
        "--duration",
        "40",
    ]);
    let vehicle = peer("scripted_vehicle.py")
        .args([
            "--connect",
            &format!("udpout:127.0.0.1:{port}"),
            "--sysid",
            "1",
            "--timeout",
            "40",
            "--exit-after-start",
            "3",
        ])
        .args([
            "--lat",
            &base.lat_deg.to_string(),
            "--lon",
            &base.lon_deg.to_string(),
        ])
        .output()
        .expect("python");
    let v = json_of(&vehicle);
    assert!(vehicle.status.success(), "{v}\n{}", vehicle.stderr_text());
    let q = qgc.wait_output(Duration::from_secs(45));
    let g = json_of(&q);
    assert!(
        q.status.success(),
        "second ground station: {g}\n{}",
        q.stderr_text()
    );
    // The vehicle's heartbeats reached the second station, its command reached the vehicle
    // and the vehicle's answer came back to it.
    assert!(g["vehicle_heartbeats"].as_u64().expect("n") >= 2, "{g}");
    assert_eq!(g["ack"], 0, "MAV_RESULT_ACCEPTED: {g}");
    let commands: Vec<u64> = v["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|c| c[0].as_u64().expect("cmd"))
        .collect();
    assert!(
        commands.contains(&183),
        "DO_SET_SERVO from the second station: {commands:?}"
    );
    // Meanwhile we flew the sortie as ourselves: mission uploaded, armed, started.
    assert_eq!(
        v["missions"]["0"].as_array().map(|a| a.len()),
        Some(d.sorties[0].mission.items.len())
    );
    assert!(
        commands.contains(&400) && commands.contains(&300),
        "{commands:?}"
    );
    let events = std::fs::read_to_string(run.join("events.log")).expect("events.log");
    let started = format!("sortie {} started", d.sorties[0].id);
    assert!(events.contains(&started), "{started} not in:\n{events}");
}

/// Waits until `path` contains `needle` (a line the run writes as it happens).
fn wait_for_line(path: &Path, needle: &str, timeout: Duration) -> String {
    let began = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            began.elapsed() < timeout,
            "{needle:?} not in {} within {timeout:?}:\n{text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ctrl_c_stops_new_sorties_then_recalls_the_airborne_drones() {
    // q1 flies ArduCopter: RTL is custom mode 6.
    ctrl_c_then_recall(1, 6);
}

#[test]
fn ctrl_c_recalls_a_px4_drone_into_px4s_return_mode() {
    // q4 flies PX4 (the simulator answers with PX4's modes): AUTO.RTL is main mode 4, sub
    // mode 5, in the upper bytes.
    ctrl_c_then_recall(4, (4 << 16) | (5 << 24));
}

/// `patrol fly` with drone `system_id` only: the first Ctrl-C stops new sorties, the second
/// recalls it, and its own heartbeats in the tlog show `rtl_custom_mode`.
fn ctrl_c_then_recall(system_id: u8, rtl_custom_mode: u32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = udp_port();
    let area = bundled_area();
    let (plan_dir, plan) = plan();
    let drone = plan
        .drones
        .iter()
        .find(|d| d.system_id == system_id)
        .expect("the drone");
    assert!(drone.sorties.len() >= 2, "a second sortie to be stopped");
    let (first, second) = (&drone.sorties[0].id, &drone.sorties[1].id);
    let only = system_id.to_string();
    let run = dir.path().join("run");
    let events = run.join("events.log");
    let _sim = Proc::patrol(&[
        "sim",
        "--area",
        area.to_str().expect("utf8"),
        "--connect",
        &format!("udpout:127.0.0.1:{port}"),
        "--speedup",
        "100",
    ]);
    let fly = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udp:127.0.0.1:{port}"),
        "--only",
        &only,
        "--speedup",
        "100",
        "--run-dir",
        run.to_str().expect("utf8"),
        "--duration",
        "120",
    ]);
    wait_for_line(
        &events,
        &format!("sortie {first} started"),
        Duration::from_secs(60),
    );
    wait_for_line(&events, "in the air", Duration::from_secs(30));
    // First Ctrl-C: no new sortie; the airborne drone goes on.
    fly.signal("-INT");
    wait_for_line(
        &events,
        "stopping: no new sortie starts; 1 airborne drone(s) finish theirs",
        Duration::from_secs(10),
    );
    // Second: recall, confirmed by the vehicle's own mode.
    fly.signal("-INT");
    wait_for_line(
        &events,
        &format!("recalled during sortie {first}: RTL, confirmed by its heartbeat"),
        Duration::from_secs(20),
    );
    let out = fly.wait_output(Duration::from_secs(90));
    let text = std::fs::read_to_string(&events).expect("events.log");
    // It landed home and the run ended by itself, naming the sortie the crew stopped.
    assert!(
        text.contains(&format!("sortie {first} ended: landed and disarmed")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "sortie {second} skipped: the crew stopped the shift (Ctrl-C) before it started"
        )),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr_text());
    assert!(
        out.stderr_text()
            .contains(&format!("{second} of {}", drone.drone_id)),
        "{}",
        out.stderr_text()
    );
    // The tlog records the vehicle's own heartbeats in RTL.
    let tlog_path = run.join(format!("vehicle-{system_id}.tlog"));
    let tlog = read_tlog(&tlog_path).expect("tlog");
    let rtl_heartbeats = tlog
        .records
        .iter()
        .filter_map(|(_, f)| match f.decode() {
            Ok(patrol_telemetry::mav::dialect::MavMessage::HEARTBEAT(h))
                if f.system_id() == system_id =>
            {
                Some(h.custom_mode)
            }
            _ => None,
        })
        .filter(|&m| m == rtl_custom_mode)
        .count();
    assert!(rtl_heartbeats >= 1, "no RTL heartbeat in the tlog");
    // The same tlog as MAVProxy's mavlogdump.py (pymavlink) reads it: the vehicle's RTL.
    let dump = Command::new(common::python())
        .arg(
            common::python()
                .parent()
                .expect("venv bin")
                .join("mavlogdump.py"),
        )
        .args(["--types", "HEARTBEAT", "--format", "json"])
        .arg(&tlog_path)
        .env("MAVLINK20", "1")
        .env("MAVLINK_DIALECT", "ardupilotmega")
        .output()
        .expect("mavlogdump.py");
    assert!(dump.status.success(), "{}", dump.stderr_text());
    let rtl_seen = dump
        .stdout_text()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .any(|j| j["data"]["type"] == 2 && j["data"]["custom_mode"] == rtl_custom_mode);
    assert!(rtl_seen, "mavlogdump.py shows no RTL heartbeat");
}

#[test]
fn a_vehicle_heard_late_flies_its_remaining_sorties() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = udp_port();
    let area = bundled_area();
    let (plan_dir, plan) = plan();
    let q1 = plan
        .drones
        .iter()
        .find(|d| d.system_id == 1)
        .expect("drone 1");
    assert!(q1.sorties.len() >= 2, "a second sortie to fly");
    let (first, second) = (&q1.sorties[0].id, &q1.sorties[1].id);
    // The second sortie starts late enough (100x) for the vehicle to come up after the first
    // sortie's wait, as a crew powering its aircraft late would.
    assert!(
        q1.sorties[1].start_s / 100.0 > 12.0,
        "{}",
        q1.sorties[1].start_s
    );
    let run = dir.path().join("run");
    let events = run.join("events.log");
    let fly = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udp:127.0.0.1:{port}"),
        "--only",
        "1",
        "--speedup",
        "100",
        "--vehicle-timeout",
        "3",
        "--run-dir",
        run.to_str().expect("utf8"),
        "--duration",
        "90",
    ]);
    wait_for_line(
        &events,
        &format!(
            "sortie {first} skipped: its vehicle was not heard by the sortie's start and 3 s after"
        ),
        Duration::from_secs(30),
    );
    // Now the vehicle comes up.
    let _sim = Proc::patrol(&[
        "sim",
        "--area",
        area.to_str().expect("utf8"),
        "--connect",
        &format!("udpout:127.0.0.1:{port}"),
        "--drones",
        "1",
        "--speedup",
        "100",
    ]);
    let out = fly.wait_output(Duration::from_secs(100));
    let text = std::fs::read_to_string(&events).expect("events.log");
    assert!(
        text.contains(&format!("sortie {second} ended: landed and disarmed")),
        "{text}"
    );
    // Exit 1 names the one sortie not flown.
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr_text());
    let err = out.stderr_text();
    assert!(
        err.contains("1 sortie(s) not flown") && err.contains(&format!("{first} of q1")),
        "{err}"
    );
}

/// A plan of the bundled area for `shift` on `date` (America/New_York, the area's zone).
fn plan_for(dir: &Path, shift: &str, date: &str) -> PathBuf {
    let out = patrol(&[
        "plan",
        bundled_area().to_str().expect("utf8"),
        "-o",
        dir.to_str().expect("utf8"),
        "--shift",
        shift,
        "--date",
        date,
        "--time-limit",
        "1",
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    dir.to_path_buf()
}

/// New York's local `HH:MM` and date `offset_s` from now.
fn new_york(offset_s: i64) -> (String, String) {
    let t = (unix_now_us() / 1_000_000) as i64 + offset_s;
    let hm = patrol_planner::plan::wall_clock::local_time(t, "America/New_York")[..5].to_string();
    let date = patrol_planner::plan::wall_clock::date_at(t, "America/New_York").expect("date");
    (hm, date)
}

/// Shift seconds of an events.log line `[h:mm:ss] ...`.
fn line_time_s(line: &str) -> f64 {
    let stamp = line
        .trim_start_matches('[')
        .split(']')
        .next()
        .expect("stamp");
    stamp
        .split(':')
        .map(|p| p.parse::<f64>().expect("number"))
        .fold(0.0, |acc, v| acc * 60.0 + v)
}

#[test]
fn a_dated_plan_starts_its_sorties_on_the_wall_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A shift starting at the next whole minute after 90 s: 30 to 90 s from now.
    let (start, date) = new_york(90);
    let (end, _) = new_york(90 + 3600);
    let plan_dir = plan_for(&dir.path().join("soon"), &format!("{start}-{end}"), &date);
    let plan = patrol_planner::export::read_plan_json(&plan_dir.join("plan.json")).expect("plan");
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
    let run = dir.path().join("run");
    let port = udp_port();
    let mut fly = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udp:127.0.0.1:{port}"),
        "--only",
        "1",
        "--sorties",
        "1",
        "--yes",
        "--run-dir",
        run.to_str().expect("utf8"),
        "--duration",
        "150",
    ]);
    let watch = fly.watch_stdout();
    let text = watch.wait_for("on the wall clock", Duration::from_secs(20));
    assert!(
        text.contains(&format!("it starts at {start} E")),
        "the shift's local start: {text}"
    );
    let events = wait_for_line(
        &run.join("events.log"),
        "waits for its start at",
        Duration::from_secs(20),
    );
    // One clock: the log reads the shift's local time, and the sortie waits for its start.
    assert!(
        events.starts_with(&format!("# shift of {date} from "))
            && events.contains("(America/New_York, E"),
        "{events}"
    );
    let line = events
        .lines()
        .find(|l| l.contains("waits for its start at"))
        .expect("line");
    assert!(line.ends_with(&format!(" at {start}:00")), "{line}");
    let start_s = line_time_s(&format!("[{start}:00]"));
    // The vehicle is up from the beginning; it is armed at the shift's start, not at launch.
    let vehicle = peer("scripted_vehicle.py")
        .args(["--connect", &format!("udpout:127.0.0.1:{port}")])
        .args([
            "--sysid",
            "1",
            "--timeout",
            "140",
            "--exit-after-start",
            "1",
        ])
        .args(["--lat", &base.lat_deg.to_string()])
        .args(["--lon", &base.lon_deg.to_string()])
        .output()
        .expect("python");
    let v = json_of(&vehicle);
    assert!(vehicle.status.success(), "{v}\n{}", vehicle.stderr_text());
    let events = wait_for_line(
        &run.join("events.log"),
        &format!("sortie {} started", d.sorties[0].id),
        Duration::from_secs(20),
    );
    let arming = events
        .lines()
        .find(|l| l.contains("arming for sortie"))
        .expect("arming line");
    let armed_at = line_time_s(arming);
    assert!(
        armed_at >= start_s - 1.0 && armed_at <= start_s + 20.0,
        "armed at {armed_at} s, the shift starts at {start_s} s: {arming}"
    );
    let _ = fly.wait_output(Duration::from_secs(10));
}

#[test]
fn a_passed_window_is_not_flown_and_a_past_shift_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Began 30 minutes ago: the first sorties' windows have passed.
    let (start, date) = new_york(-1800);
    let (end, _) = new_york(3600);
    let plan_dir = plan_for(&dir.path().join("late"), &format!("{start}-{end}"), &date);
    let run = dir.path().join("run");
    let out = Proc::patrol(&[
        "fly",
        "--plan",
        plan_dir.to_str().expect("utf8"),
        "--connect",
        &format!("udp:127.0.0.1:{}", udp_port()),
        "--only",
        "1",
        "--yes",
        "--run-dir",
        run.to_str().expect("utf8"),
        "--duration",
        "4",
    ])
    .wait_output(Duration::from_secs(30));
    let events = std::fs::read_to_string(run.join("events.log")).expect("events.log");
    assert!(
        events.contains("skipped: its window has passed: it should have started 0:3")
            || events.contains("skipped: its window has passed: it should have started 0:29"),
        "{events}"
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr_text());
    // A shift that is over is refused before anything opens; --start-now flies it from now.
    let old = plan_for(&dir.path().join("old"), "10:00-11:00", "2020-01-06");
    let refused = patrol(&[
        "fly",
        "--plan",
        old.to_str().expect("utf8"),
        "--connect",
        "/dev/ttyUSB0,57600",
        "--yes",
    ]);
    expect_error(
        &refused,
        &[
            "2020-01-06 10:00-11:00 (America/New_York) ended at 11:00 EST",
            "--start-now",
        ],
    );
}
