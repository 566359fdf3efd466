//! The area's towers and infrared alarms, played by `patrol sim --alarms-to`: what they report
//! about the simulated fires reaches `patrol fly` through its external-alarm port as a real
//! tower camera system and alarm network would send it, and becomes alerts at the fires.

mod common;

use std::time::Duration;

use common::{OutputText, Proc, bundled_area, patrol, udp_port};
use patrol_planner::area::Area;
use patrol_planner::geodesy::flat::{self, LonLat};
use patrol_planner::watch::coverage::{dem_cell, tower_viewshed};
use patrol_telemetry::alerts::store::AlertStore;

/// A place tower `t` sees down to the ground, 1.5 to 4 km from it.
fn seen_from_its_foot(area: &Area, t: &patrol_planner::area::watch_layers::Tower) -> LonLat {
    let view = tower_viewshed(&area.terrain, t);
    for k in 0..360 {
        for r in [2500.0, 3500.0, 1500.0, 4000.0] {
            let a = f64::from(k).to_radians();
            let p = flat::moved(LonLat::new(t.lon_deg, t.lat_deg), r * a.sin(), r * a.cos());
            let seen = dem_cell(&area.terrain, p.lon_deg, p.lat_deg)
                .and_then(|(c, row)| view.needed_at(c, row))
                .is_some_and(|n| n == 0.0);
            if seen {
                return p;
            }
        }
    }
    panic!("tower {} sees no ground 1.5 to 4 km out", t.id)
}

#[test]
fn simulated_towers_and_alarms_report_through_patrol_flys_alarm_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    let area = Area::load(&bundled_area()).expect("area");
    let tower = &area.towers[0];
    let alarm = &area.ir_alarms[0];
    // One fire in the open below a tower, one beside an infrared alarm.
    let seen = seen_from_its_foot(&area, tower);
    let by_alarm = flat::moved(LonLat::new(alarm.lon_deg, alarm.lat_deg), 10.0, 0.0);
    let fires = dir.path().join("fires.json");
    std::fs::write(
        &fires,
        format!(
            r#"{{"fires": [
  {{"id": "open", "lat": {}, "lon": {}, "ignition_s": 0, "spread_mps": 0.02, "smoke_height_m": 80}},
  {{"id": "alarm", "lat": {}, "lon": {}, "ignition_s": 0, "spread_mps": 0.02, "smoke_height_m": 80}}
]}}"#,
            seen.lat_deg, seen.lon_deg, by_alarm.lat_deg, by_alarm.lon_deg
        ),
    )
    .expect("fires");
    let (mav_port, alarm_port) = (udp_port(), udp_port());
    let run = dir.path().join("run");
    // The delays (the tower's 120 s recognition, the alarm's report delay) at 20x: seconds.
    let fly = Proc::patrol(&[
        "fly",
        "--plan",
        &plan_dir(dir.path()),
        "--connect",
        &format!("udpin:127.0.0.1:{mav_port}"),
        "--run-dir",
        run.to_str().expect("utf8"),
        "--sorties",
        "0",
        "--speedup",
        "20",
        "--duration",
        "25",
        "--alarms-udp",
        &format!("127.0.0.1:{alarm_port}"),
    ]);
    let mut sim = Proc::patrol(&[
        "sim",
        "--area",
        bundled_area().to_str().expect("utf8"),
        "--drones",
        "1",
        "--connect",
        &format!("udpout:127.0.0.1:{mav_port}"),
        "--speedup",
        "20",
        "--duration",
        "30",
        "--fires",
        fires.to_str().expect("utf8"),
        "--alarms-to",
        &format!("127.0.0.1:{alarm_port}"),
    ]);
    let said = sim
        .watch_stdout()
        .wait_for("reports over the run", Duration::from_secs(20));
    assert!(
        said.contains(&format!(
            "{} towers and {} infrared alarms report to udp 127.0.0.1:{alarm_port}",
            area.towers.len(),
            area.ir_alarms.len()
        )),
        "{said}"
    );
    let out = fly.wait_output(Duration::from_secs(60));
    assert!(out.status.success(), "{}", out.stderr_text());
    let store = AlertStore::open_read_only(&run.join("alerts.sqlite")).expect("store");
    let alerts = store.list(None).expect("list");
    let near = |lon: f64, lat: f64, source: &str| {
        alerts.iter().find_map(|a| {
            let a = &a.alert;
            let d = flat::distance_m(LonLat::new(a.lon_deg, a.lat_deg), LonLat::new(lon, lat));
            (a.source.starts_with(source) && d <= a.radius_m.max(100.0)).then_some((d, a.radius_m))
        })
    };
    // The tower's report: placed on the ground along its line of sight, within its radius.
    let (d, r) = near(seen.lon_deg, seen.lat_deg, &tower.id)
        .unwrap_or_else(|| panic!("no alert from {} near the fire: {alerts:#?}", tower.id));
    eprintln!("{}: {d:.0} m from the fire, radius {r:.0} m", tower.id);
    // The alarm's: at the alarm, with its radius.
    near(by_alarm.lon_deg, by_alarm.lat_deg, &alarm.id)
        .unwrap_or_else(|| panic!("no alert from {} near the fire: {alerts:#?}", alarm.id));
    // Every report the towers and alarms sent was taken (other towers may see the fire too).
    assert!(
        out.stdout_text().contains(" accepted, 0 rejected"),
        "{}",
        out.stdout_text()
    );
}

/// A plan of the bundled area (no sortie is flown: `--sorties 0`).
fn plan_dir(dir: &std::path::Path) -> String {
    let out = dir.join("plan");
    let p = patrol(&[
        "plan",
        bundled_area().to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--shift",
        "10:00-11:00",
        "--time-limit",
        "1",
    ]);
    assert!(p.status.success(), "{}", p.stderr_text());
    out.to_str().expect("utf8").to_string()
}
