//! Planning a shift over the bundled area: every leg avoids the no-fly zones and keeps its
//! height band, sorties fit batteries and the shift, missions suit each autopilot, the same
//! seed gives the same plan, and what cannot be done is said.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use patrol_planner::area::Area;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::error::PlanError;
use patrol_planner::plan::model::{Plan, cmd, frame};
use patrol_planner::plan::request::PlanRequest;
use patrol_planner::plan::resolve::RequestError;

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../missions/cumberland")
}

fn area() -> &'static Area {
    static AREA: OnceLock<Area> = OnceLock::new();
    AREA.get_or_init(|| Area::load(&bundled()).unwrap())
}

fn request() -> PlanRequest {
    PlanRequest {
        shift_start: "10:00".into(),
        shift_end: "12:30".into(),
        search_work: Some(30_000),
        ..PlanRequest::default()
    }
}

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| plan_patrol(area(), &request()).unwrap())
}

#[test]
fn every_drone_flies_within_battery_and_shift() {
    let plan = plan();
    assert_eq!(plan.drones.len(), 8);
    for d in &plan.drones {
        let drone = area().fleet.drone(&d.drone_id).unwrap();
        assert!(!d.sorties.is_empty(), "{} flies", d.drone_id);
        let mut last_end: Option<f64> = None;
        for s in &d.sorties {
            assert!(
                s.start_s >= 0.0 && s.end_s <= plan.shift.duration_s + 1e-6,
                "{} inside the shift",
                s.id
            );
            assert!(
                s.flight_time_s <= drone.usable_endurance_min() * 60.0 + 1e-6,
                "{} within endurance less reserve",
                s.id
            );
            if let Some(end) = last_end {
                assert!(
                    s.start_s >= end + drone.battery_swap_min * 60.0 - 1e-6,
                    "{} waits for the battery swap",
                    s.id
                );
            }
            last_end = Some(s.end_s);
            // The path is timed monotonically, starts and ends at the base on the ground.
            assert!(s.path.windows(2).all(|w| w[1].t_s >= w[0].t_s));
            let base = area().bases.iter().find(|b| b.name == s.base).unwrap();
            for p in [s.path.first().unwrap(), s.path.last().unwrap()] {
                assert!(
                    (p.lat_deg - base.lat_deg).abs() < 1e-9
                        && (p.lon_deg - base.lon_deg).abs() < 1e-9
                );
            }
        }
    }
    assert!(
        plan.totals.share_of_area_risk > 0.02,
        "{}",
        plan.totals.share_of_area_risk
    );
    assert!(plan.totals.risk_patrolled > 0.0);
}

#[test]
fn no_leg_crosses_a_no_fly_zone() {
    use geo::{Contains, Point};
    let zones: Vec<geo::Polygon<f64>> = area().no_fly.iter().map(|z| z.outline()).collect();
    let mut legs = 0;
    for s in plan().drones.iter().flat_map(|d| &d.sorties) {
        for w in s.path.windows(2) {
            legs += 1;
            for k in 0..=50 {
                let t = f64::from(k) / 50.0;
                let p = Point::new(
                    w[0].lon_deg + (w[1].lon_deg - w[0].lon_deg) * t,
                    w[0].lat_deg + (w[1].lat_deg - w[0].lat_deg) * t,
                );
                for (z, poly) in area().no_fly.iter().zip(&zones) {
                    assert!(
                        !poly.contains(&p),
                        "{} enters {} at ({}, {})",
                        s.id,
                        z.name,
                        p.x(),
                        p.y()
                    );
                }
            }
        }
    }
    assert!(legs > 100);
}

#[test]
fn every_leg_keeps_its_height_band_over_the_terrain() {
    let plan = plan();
    let t = &area().terrain;
    let (lo, hi) = (plan.settings.min_agl_m, plan.settings.ceiling_agl_m);
    for s in plan.drones.iter().flat_map(|d| &d.sorties) {
        // Between take-off and landing (first and last path points are on the ground).
        let flying = &s.path[1..s.path.len() - 1];
        for w in flying.windows(2) {
            let a = Geodetic {
                lat_deg: w[0].lat_deg,
                lon_deg: w[0].lon_deg,
                alt_amsl_m: 0.0,
            };
            let b = Geodetic {
                lat_deg: w[1].lat_deg,
                lon_deg: w[1].lon_deg,
                alt_amsl_m: 0.0,
            };
            let profile = t.profile(a, b, 0.0);
            let len = profile.last().unwrap().distance_m.max(1e-9);
            for p in &profile {
                let Some(ground) = p.elevation_amsl_m else {
                    continue;
                };
                let alt =
                    w[0].alt_amsl_m + (w[1].alt_amsl_m - w[0].alt_amsl_m) * p.distance_m / len;
                let agl = alt - ground;
                // Half a metre of slack for the DEM's interpolation between samples.
                assert!(
                    agl >= lo - 0.5 && agl <= hi + 0.5,
                    "{}: {agl:.1} m above ground at {:.0} m along a leg",
                    s.id,
                    p.distance_m
                );
            }
        }
    }
}

#[test]
fn missions_match_each_autopilot() {
    for d in &plan().drones {
        let drone = area().fleet.drone(&d.drone_id).unwrap();
        for s in &d.sorties {
            let items = &s.mission.items;
            assert!(items.len() <= drone.mission_item_limit() as usize);
            assert!(
                items
                    .iter()
                    .enumerate()
                    .all(|(i, it)| usize::from(it.seq) == i)
            );
            let waypoints: Vec<_> = items
                .iter()
                .filter(|i| i.command == cmd::WAYPOINT && i.seq > 0)
                .collect();
            assert!(!waypoints.is_empty());
            let expected_frame = match (
                format!("{:?}", drone.autopilot.firmware).as_str(),
                drone.autopilot.terrain_data,
            ) {
                ("Ardupilot", true) => frame::TERRAIN,
                ("Ardupilot", false) => frame::RELATIVE_TO_HOME,
                _ => frame::GLOBAL_AMSL,
            };
            assert!(
                waypoints.iter().all(|w| w.frame == expected_frame),
                "{}: frames",
                s.id
            );
            let first = if expected_frame == frame::GLOBAL_AMSL {
                0
            } else {
                1
            };
            if first == 1 {
                assert_eq!(
                    (items[0].seq, items[0].command, items[0].frame),
                    (0, cmd::WAYPOINT, frame::GLOBAL_AMSL),
                    "ArduPilot home"
                );
            }
            assert!(matches!(
                items[first].command,
                cmd::TAKEOFF | cmd::VTOL_TAKEOFF
            ));
            assert!(items.iter().any(|i| i.command == cmd::DO_CHANGE_SPEED
                && i.params[1] == Some(drone.cruise_speed_mps)));
            assert!(items.iter().any(|i| i.command == cmd::IMAGE_START_CAPTURE));
            assert!(matches!(
                items.last().unwrap().command,
                cmd::LAND | cmd::VTOL_LAND
            ));
            // Altitudes mean the patrol height in every frame.
            let home = s.mission.home.alt_amsl_m;
            for w in &waypoints {
                let path_point = s
                    .path
                    .iter()
                    .find(|p| {
                        (p.lat_deg - w.lat_deg).abs() < 1e-12
                            && (p.lon_deg - w.lon_deg).abs() < 1e-12
                    })
                    .unwrap();
                let amsl = match w.frame {
                    frame::TERRAIN => path_point.ground_amsl_m + w.alt_m,
                    frame::RELATIVE_TO_HOME => home + w.alt_m,
                    _ => w.alt_m,
                };
                assert!((amsl - path_point.alt_amsl_m).abs() < 1e-6);
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_plan() {
    let again = plan_patrol(area(), &request()).unwrap();
    assert_eq!(&again, plan());
}

#[test]
fn what_cannot_be_done_is_said() {
    let a = area();
    // Zones are reported, not silently dropped.
    assert!(
        plan()
            .left_out
            .iter()
            .any(|l| l.reason.contains("inside no-fly zones"))
    );
    // A gale grounds everyone.
    let gale = PlanRequest {
        wind: patrol_planner::plan::energy::Wind {
            from_deg: 270.0,
            speed_mps: 25.0,
        },
        ..request()
    };
    let e = plan_patrol(a, &gale).unwrap_err().to_string();
    assert!(
        e.contains("no drone can fly") && e.contains("grounded: wind 25.0 m/s"),
        "{e}"
    );
    // A three-minute shift holds no sortie (take-off and landing alone take over a minute).
    let short = PlanRequest {
        shift_start: "10:00".into(),
        shift_end: "10:03".into(),
        ..request()
    };
    assert!(
        plan_patrol(a, &short)
            .unwrap_err()
            .to_string()
            .contains("shorter than any useful sortie")
    );
    // An empty shift and unknown drones name the shift and the drone with the values given
    // (the command line names its flags: tests/plan_cli.rs).
    let back = PlanRequest {
        shift_start: "18:00".into(),
        shift_end: "18:00".into(),
        ..request()
    };
    match plan_patrol(a, &back) {
        Err(PlanError::Request(e @ RequestError::ShiftEndBeforeStart { .. })) => {
            assert_eq!(
                e,
                RequestError::ShiftEndBeforeStart {
                    start: "18:00".into(),
                    end: "18:00".into()
                }
            );
            let text = e.to_string();
            assert!(
                text.starts_with("the shift ends (18:00) when it starts (18:00)"),
                "{text}"
            );
        }
        other => panic!("expected ShiftEndBeforeStart, got {other:?}"),
    }
    let unknown = PlanRequest {
        drones: Some(vec!["q9".into()]),
        ..request()
    };
    match plan_patrol(a, &unknown) {
        Err(PlanError::Request(RequestError::UnknownDrone { id, known })) => {
            assert_eq!(id, "q9");
            assert!(known.iter().any(|k| k == "q1 (system 1)"), "{known:?}");
        }
        other => panic!("expected UnknownDrone, got {other:?}"),
    }
    let e = plan_patrol(a, &unknown).unwrap_err().to_string();
    assert!(e.contains("q9") && e.contains("q1"), "{e}");
    // A mission item limit too small for any sortie.
    let mut tight = a.clone();
    for d in &mut tight.fleet.drones {
        d.autopilot.mission_item_limit = Some(12);
    }
    match plan_patrol(
        &tight,
        &PlanRequest {
            drones: Some(vec!["q1".into()]),
            ..request()
        },
    ) {
        Err(PlanError::MissionTooLong {
            items, limit: 12, ..
        }) => assert!(items > 12),
        other => panic!("expected MissionTooLong, got {other:?}"),
    }
    // An area without risk cannot be planned.
    let mut no_risk = a.clone();
    no_risk.risk = None;
    assert!(
        plan_patrol(&no_risk, &request())
            .unwrap_err()
            .to_string()
            .contains("no [risk] layer")
    );
}

#[test]
fn wind_changes_timing_but_not_safety() {
    let windy = PlanRequest {
        wind: patrol_planner::plan::energy::Wind {
            from_deg: 250.0,
            speed_mps: 8.0,
        },
        drones: Some(vec!["q1".into(), "v1".into()]),
        ..request()
    };
    let plan = plan_patrol(area(), &windy).unwrap();
    for d in &plan.drones {
        let drone = area().fleet.drone(&d.drone_id).unwrap();
        for s in &d.sorties {
            assert!(s.flight_time_s <= drone.usable_endurance_min() * 60.0 + 1e-6);
        }
    }
    assert!(plan.drones.iter().all(|d| !d.sorties.is_empty()));
}

#[test]
fn a_compact_high_risk_stretch_is_swept_whole() {
    // A 1.5 x 1.25 km block of extreme risk next to the Newcomb base, low risk elsewhere.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("lon,lat,risk\n");
    for i in 0..90 {
        for j in 0..90 {
            let (lon, lat) = (
                -84.26 + f64::from(i) * 0.0015,
                36.50 + f64::from(j) * 0.0015,
            );
            let hot = (-84.190..-84.173).contains(&lon) && (36.545..36.556).contains(&lat);
            csv.push_str(&format!("{lon},{lat},{}\n", if hot { 0.95 } else { 0.05 }));
        }
    }
    let mut copy = area().clone();
    let path = dir.path().join("block.csv");
    std::fs::write(&path, csv).unwrap();
    let grid = *copy.risk.as_ref().unwrap().grid();
    copy.risk = Some(
        patrol_planner::risk::sources::read_risk(&path, Default::default(), &copy.terrain, grid)
            .unwrap(),
    );
    let req = PlanRequest {
        drones: Some(vec!["q3".into()]),
        ..request()
    };
    let plan = plan_patrol(&copy, &req).unwrap();
    let sweeps: usize = plan
        .drones
        .iter()
        .flat_map(|d| &d.sorties)
        .map(|s| s.sweeps)
        .sum();
    assert!(
        sweeps >= 1,
        "the block is swept: {:?}",
        plan.drones[0]
            .sorties
            .iter()
            .map(|s| (s.sweeps, s.cells.len()))
            .collect::<Vec<_>>()
    );
    // Swept whole: every cell of the block is patrolled, not a strip through it.
    let block = copy
        .risk
        .as_ref()
        .unwrap()
        .cells()
        .iter()
        .filter(|c| c.risk > 0.9)
        .count();
    let hot_cells = plan.cells.iter().filter(|c| c.risk > 0.9).count();
    assert!(block >= 20, "the block is about 30 cells: {block}");
    assert_eq!(
        hot_cells, block,
        "{hot_cells} of the block's {block} cells patrolled"
    );
}
