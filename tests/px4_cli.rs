//! PX4 drones: the simulator answers a PX4 drone with PX4's modes and commands, checked by
//! MAVSDK (PX4's own SDK) flying it; and `patrol demo` starts, dispatches and sends home a
//! fleet that is all PX4.

mod common;

use std::time::Duration;

use common::{OutputText, Proc, area_copy, json_of, patrol, peer, udp_port};
use patrol_telemetry::mav::dialect::{MavAutopilot, MavMessage};
use patrol_telemetry::mav::tlog::read_tlog;
use patrol_telemetry::mav::{FlightMode, ModeNumbering};

#[test]
fn mavsdk_flies_a_simulated_px4_drone_with_px4s_commands_and_modes() {
    let port = udp_port();
    let area = common::bundled_area();
    // The whole bundled fleet; q4 (system 4) is a PX4 drone.
    let _sim = Proc::patrol(&[
        "sim",
        "--area",
        area.to_str().expect("utf8"),
        "--connect",
        &format!("udpout:127.0.0.1:{port}"),
        "--speedup",
        "10",
        "--duration",
        "300",
    ]);
    let gcs = Proc::spawn(
        peer("mavsdk_gcs.py")
            .args(["--connect", &format!("udpin://127.0.0.1:{port}")])
            .args(["--sysid", "4", "--timeout", "60"]),
    );
    let out = gcs.wait_output(Duration::from_secs(300));
    let got = json_of(&out);
    assert!(out.status.success(), "{got}\n{}", out.stderr_text());
    // MAVSDK took it for PX4 from its heartbeat, and read its modes as PX4's: Hold after the
    // reposition, Mission, Hold again, then Return until it was down and disarmed.
    assert_eq!(got["autopilot"], "PX4", "{got}");
    let modes: Vec<&str> = got["modes"]
        .as_array()
        .expect("modes")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let after = |from: usize, name: &str| {
        modes[from..]
            .iter()
            .position(|m| *m == name)
            .map(|i| from + i)
            .unwrap_or_else(|| panic!("{name} not after {from} in {modes:?}"))
    };
    let hold = after(0, "HOLD");
    let mission = after(hold, "MISSION");
    let hold_again = after(mission, "HOLD");
    let rtl = after(hold_again, "RETURN_TO_LAUNCH");
    assert_eq!(rtl, modes.len() - 1, "{modes:?}");
    // Once heard, the mode was always one MAVSDK knows as PX4's.
    assert!(modes[1..].iter().all(|m| *m != "UNKNOWN"), "{modes:?}");
    // DO_REPOSITION took it where it was sent, at the altitude it was given.
    assert!(got["goto_error_m"].as_f64().expect("goto") < 5.0, "{got}");
    assert!(
        got["goto_alt_error_m"].as_f64().expect("alt").abs() < 3.0,
        "{got}"
    );
    assert_eq!(got["landed_disarmed"], true, "{got}");
}

#[test]
fn a_px4_fleet_flies_its_sorties_and_verifies_alarms() {
    // The bundled area with every drone on PX4.
    let area = area_copy();
    let fleet_path = area.path().join("fleet.toml");
    let fleet = std::fs::read_to_string(&fleet_path).expect("fleet.toml");
    let fleet = fleet
        .replace(
            r#"firmware = "ardupilot", mission_item_limit = 700, terrain_data = true"#,
            r#"firmware = "px4", mission_item_limit = 500"#,
        )
        .replace(
            r#"firmware = "ardupilot", mission_item_limit = 700"#,
            r#"firmware = "px4", mission_item_limit = 500"#,
        );
    assert!(!fleet.contains("ardupilot"), "{fleet}");
    std::fs::write(&fleet_path, fleet).expect("write fleet");
    let run = area.path().join("run");
    let out = patrol(&[
        "demo",
        area.path().to_str().expect("utf8"),
        "--shift",
        "10:00-11:00",
        "--speedup",
        "100",
        "--ignitions",
        "0",
        "--sensor-fires",
        "2",
        "--plan-time-limit",
        "5",
        "--run-dir",
        run.to_str().expect("utf8"),
    ]);
    assert!(
        out.status.success(),
        "{}\n{}",
        out.stderr_text(),
        out.stdout_text()
    );
    let events = std::fs::read_to_string(run.join("events.log")).expect("events.log");
    // Every sortie started: armed from Hold, then Mission (a PX4 drone that came home sits in
    // Return, where it cannot arm).
    assert!(!events.contains("start of sortie"), "{events}");
    assert!(events.contains("mode Mission"), "{events}");
    // The alarms were verified by PX4 drones: sent, on scene, and home or back on their
    // sorties.
    let dispatched: Vec<&str> = events
        .lines()
        .filter(|l| l.contains("dispatch: alert") && l.contains(" on scene "))
        .collect();
    assert!(!dispatched.is_empty(), "no drone on scene:\n{events}");
    assert!(
        events.contains("returns to base") || events.contains("resumes"),
        "{events}"
    );
    // A verifying drone's own heartbeats: PX4, in Hold on its way, in Return after.
    let drone = dispatched[0]
        .split("dispatch: alert ")
        .nth(1)
        .and_then(|s| s.split_whitespace().nth(1))
        .expect("drone id");
    let system_id = events
        .lines()
        .find_map(|l| {
            l.split_once(&format!("] {drone} (system "))
                .and_then(|(_, rest)| rest.split(')').next()?.parse::<u8>().ok())
        })
        .expect("the drone's system id");
    let tlog = read_tlog(&run.join(format!("vehicle-{system_id}.tlog"))).expect("tlog");
    let heartbeats: Vec<_> = tlog
        .records
        .iter()
        .filter(|(_, f)| f.system_id() == system_id)
        .filter_map(|(_, f)| match f.decode() {
            Ok(MavMessage::HEARTBEAT(h)) => Some(h),
            _ => None,
        })
        .collect();
    assert!(
        heartbeats
            .iter()
            .all(|h| h.autopilot == MavAutopilot::MAV_AUTOPILOT_PX4)
    );
    for mode in [FlightMode::Guided, FlightMode::Rtl] {
        let want = ModeNumbering::Px4.custom_mode(mode);
        assert!(
            heartbeats.iter().any(|h| h.custom_mode == want),
            "no heartbeat in PX4's {} ({want:#x})",
            ModeNumbering::Px4.name(mode)
        );
    }
}
