//! Planning into the blind spots: on the bundled area (six towers, nine infrared alarms) a
//! plan weighted by the watch patrols more of the risk nothing else watches than the same
//! plan made as if the towers and alarms did not exist, and says how the risk is shared.

use std::path::Path;

use patrol_planner::area::Area;
use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::model::{Plan, PlanWatch};
use patrol_planner::plan::request::PlanRequest;
use patrol_planner::plan::summary::summary_text;

fn area() -> Area {
    Area::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../missions/cumberland")).unwrap()
}

fn plan(area: &Area, use_watch: bool) -> Plan {
    let req = PlanRequest {
        shift_start: "10:00".into(),
        shift_end: "12:00".into(),
        search_work: Some(20_000),
        use_watch,
        ..PlanRequest::default()
    };
    plan_patrol(area, &req).unwrap()
}

fn sum(w: &PlanWatch) -> f64 {
    w.by_towers + w.by_alarms + w.by_patrol + w.unwatched
}

#[test]
fn the_weighted_plan_patrols_more_of_what_nothing_else_watches() {
    let area = area();
    let weighted = plan(&area, true);
    let plain = plan(&area, false);
    let (w, p) = (weighted.watch.unwrap(), plain.watch.unwrap());
    assert!(w.weighted && !p.weighted);
    assert_eq!((w.towers, w.ir_alarms), (6, 9));
    for s in [&w, &p] {
        assert!((sum(s) - 1.0).abs() < 1e-9, "shares sum to {}", sum(s));
        assert!(s.by_towers > 0.2 && s.by_alarms > 0.0 && s.by_patrol > 0.0);
    }
    // The towers and alarms watch the same in both; only the drones move.
    assert!((w.by_towers - p.by_towers).abs() < 1e-12);
    assert!(
        w.by_patrol > p.by_patrol * 1.05,
        "weighted patrol finds {:.4} of the risk, unweighted {:.4}",
        w.by_patrol,
        p.by_patrol
    );
    assert!(w.unwatched < p.unwatched);
    // Chasing raw risk patrols more raw risk: the weighting changes where the drones go.
    assert!(p.by_patrol < plain.totals.share_of_area_risk);
    let text = summary_text(&weighted);
    assert!(
        text.contains("Watch (6 towers, 9 infrared alarms; patrol aimed at the blind spots)"),
        "{text}"
    );
    assert!(summary_text(&plain).contains("planned as if nothing else watched"));
}

#[test]
fn a_zero_blind_spot_weight_plans_as_if_unwatched() {
    let mut area = area();
    area.manifest.watch.blind_spot_weight = 0.0;
    let zero = plan(&area, true);
    let plain = plan(&area, false);
    assert!(!zero.watch.unwrap().weighted);
    assert_eq!(
        serde_json::to_string(&zero.drones).unwrap(),
        serde_json::to_string(&plain.drones).unwrap()
    );
}

#[test]
fn an_area_without_towers_or_alarms_has_no_watch_in_its_plan() {
    let mut area = area();
    area.towers.clear();
    area.ir_alarms.clear();
    let p = plan(&area, true);
    assert!(p.watch.is_none());
    assert!(!summary_text(&p).contains("Watch ("));
    // A plan file from before the watch existed still reads.
    let mut json: serde_json::Value = serde_json::to_value(&p).unwrap();
    json.as_object_mut().unwrap().remove("watch");
    let back: Plan = serde_json::from_value(json).unwrap();
    assert!(back.watch.is_none());
}
