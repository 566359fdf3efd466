//! The planner and the simulator share the energy model: a planned sortie flown by the
//! simulated autopilot must take about the planned time and battery, and must not need its
//! failsafe.

use std::sync::Arc;

use patrol_planner::area::Area;
use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::request::PlanRequest;
use patrol_telemetry::mav::flight_mode::FlightMode;
use patrol_telemetry::sim::autopilot::with_home_item;
use patrol_telemetry::sim::flight::{FlightConfig, FlightEvent, FlightModel};

use crate::common::*;

#[test]
fn planned_sorties_fly_in_the_planned_time_and_battery() {
    let area = Area::load(&area_dir()).expect("area with risk");
    let req = PlanRequest {
        shift_start: "10:00".into(),
        shift_end: "11:00".into(),
        time_limit_s: 1.0,
        search_work: Some(2_000_000),
        ..PlanRequest::default()
    };
    let plan = plan_patrol(&area, &req).expect("plan");
    let terrain = Arc::new(area.terrain.clone());
    let mut report = Vec::new();
    for d in &plan.drones {
        let drone = area
            .fleet
            .drones
            .iter()
            .find(|x| x.system_id == d.system_id)
            .expect("drone");
        for s in &d.sorties {
            let home = s.mission.home;
            let home = patrol_planner::geodesy::enu::Geodetic {
                lat_deg: home.lat_deg,
                lon_deg: home.lon_deg,
                alt_amsl_m: home.ground_amsl_m,
            };
            let mut fc = FlightConfig::for_drone(drone);
            fc.gps_noise_m = 0.0;
            let mut m = FlightModel::new(drone, home, terrain.clone(), fc);
            // As the simulated autopilot does: PX4 missions have no home item.
            if drone.autopilot.firmware == patrol_planner::area::fleet::Firmware::Px4 {
                m.set_mission(with_home_item(&s.mission.items, home));
            } else {
                m.set_mission(s.mission.items.clone());
            }
            m.set_mode(FlightMode::Guided).expect("guided");
            m.arm().expect("arms");
            m.mission_start().expect("starts");
            let battery0 = m.truth().battery_remaining;
            let mut t = 0.0;
            let mut failsafe = false;
            let mut landed = false;
            let mut ascent = 0.0;
            let mut last_alt = m.truth().alt_amsl_m;
            let mut max_alt: f64 = 0.0;
            while t < 4.0 * 3600.0 {
                let a = m.truth().alt_amsl_m;
                ascent += (a - last_alt).max(0.0);
                last_alt = a;
                max_alt = max_alt.max(m.truth().alt_agl_m);
                for e in m.step(1.0) {
                    match e {
                        FlightEvent::Failsafe { .. } => failsafe = true,
                        FlightEvent::Disarmed => landed = true,
                        _ => {}
                    }
                }
                t += 1.0;
                if landed {
                    break;
                }
            }
            let used = battery0 - m.truth().battery_remaining;
            let planned_ascent: f64 = s
                .path
                .windows(2)
                .map(|w| (w[1].alt_amsl_m - w[0].alt_amsl_m).max(0.0))
                .sum();
            let items_ascent: f64 = s
                .mission
                .items
                .windows(2)
                .map(|w| (w[1].alt_m - w[0].alt_m).max(0.0))
                .sum();
            eprintln!(
                "{}: ascent sim {ascent:.0} m, planned path {planned_ascent:.0} m, items alt_m ascent {items_ascent:.0}, max agl {max_alt:.0}, frames {:?}",
                s.id,
                s.mission
                    .items
                    .iter()
                    .map(|i| i.frame)
                    .collect::<std::collections::BTreeSet<_>>()
            );
            report.push((
                s.id.clone(),
                s.flight_time_s,
                t,
                s.battery_used,
                used,
                failsafe,
            ));
        }
    }
    let mut worst_battery: f64 = 0.0;
    for (id, plan_t, sim_t, plan_b, sim_b, failsafe) in &report {
        eprintln!(
            "{id}: planned {plan_t:.0} s, flown {sim_t:.0} s ({:+.1}%); battery planned {plan_b:.3}, used {sim_b:.3} ({:+.1}%){}",
            (sim_t / plan_t - 1.0) * 100.0,
            (sim_b / plan_b - 1.0) * 100.0,
            if *failsafe { " FAILSAFE" } else { "" }
        );
        worst_battery = worst_battery.max((sim_b / plan_b - 1.0).abs());
        // The plan times legs in battery-seconds (climbs counted twice), so flights end a
        // little before their planned end, never after.
        assert!(sim_t <= &(plan_t * 1.03), "{id} flew longer than planned");
    }
    assert!(report.iter().all(|r| !r.5), "no sortie needs its failsafe");
    assert!(
        worst_battery < 0.02,
        "battery used within 2% of the plan (worst {:.1}%)",
        worst_battery * 100.0
    );
}
