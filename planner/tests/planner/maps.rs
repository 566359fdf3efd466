//! The pictures a duty officer reads at a glance: `map.png` says the day and weather behind
//! its risk, names the places and tells a zone open above a ceiling from a closed one;
//! `plan.png` has its own title (shift, wind, totals), labels every sortie and keeps its drone
//! colours apart from the danger classes and the roads. Checked by what the picture says
//! (every text drawn) and by its pixels.

use std::path::PathBuf;

use patrol_planner::area::Area;
use patrol_planner::map::area_map::AreaMap;
use patrol_planner::map::plan_map::{DRONE_COLORS, render_plan_map};
use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::energy::Wind;
use patrol_planner::plan::request::PlanRequest;
use patrol_planner::risk::class::DangerClass;

fn bundled() -> Area {
    Area::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../missions/cumberland"))
        .expect("bundled area")
}

/// With `PATROL_TEST_PICTURES=<dir>` the pictures are kept there, to look at.
fn keep(map: &AreaMap, name: &str) {
    if let Some(dir) = std::env::var_os("PATROL_TEST_PICTURES") {
        map.save_png(&PathBuf::from(dir).join(name))
            .expect("write the picture");
    }
}

fn said(texts: &[String], needle: &str) -> bool {
    texts.iter().any(|t| t.contains(needle))
}

#[test]
fn the_area_map_says_its_day_weather_places_and_partial_zones() {
    let area = bundled();
    let map = AreaMap::render(&area, 700);
    keep(&map, "map.png");
    let t = &map.canvas.texts;
    for needle in [
        "Cumberland Mountains",
        "Weather of 2026-04-05: 26 °C, RH 24 %,",
        "wind 20 km/h, rain 0 mm",
        "FWI ",
        // Villages by name.
        "Jellico",
        "Elk Valley",
        // The bundled area's zone open above 700 m, and its legend entry.
        "open above 700 m AMSL",
        "No-fly below a ceiling",
        "No-fly zone",
    ] {
        assert!(said(t, needle), "{needle:?} not on the map: {t:?}");
    }
}

#[test]
fn the_plan_map_has_its_own_title_sortie_labels_and_distinct_colours() {
    let area = bundled();
    let plan = plan_patrol(
        &area,
        &PlanRequest {
            shift_start: "10:00".into(),
            shift_end: "11:00".into(),
            drones: Some(vec!["q1".into(), "v1".into()]),
            date: Some("2026-04-05".into()),
            time_zone: Some("America/New_York".into()),
            wind: Wind {
                from_deg: 240.0,
                speed_mps: 5.0,
            },
            search_work: Some(20_000),
            ..PlanRequest::default()
        },
    )
    .expect("plan");
    let map = render_plan_map(&area, &plan, 700);
    keep(&map, "plan.png");
    let t = &map.canvas.texts;
    // Its own title, not the risk map's.
    assert!(t.iter().any(|x| x == "Patrol plan"), "{t:?}");
    assert!(
        !t.iter().any(|x| x.contains("danger by planning cell")),
        "{t:?}"
    );
    for needle in [
        "Cumberland Mountains",
        "Shift 2026-04-05, 10:00-11:00",
        "local time, America/New_York",
        "Wind 5.0 m/s from 240°",
        &format!("{} sorties, ", plan.totals.sorties),
        "of the area's risk patrolled",
        "q1 (",
        "v1 (",
    ] {
        assert!(said(t, needle), "{needle:?} not on the plan map: {t:?}");
    }
    for d in &plan.drones {
        for s in &d.sorties {
            assert!(t.contains(&s.id), "sortie {} not labelled: {t:?}", s.id);
        }
    }
    // The bases are drawn over the routes: each base's name comes after the last sortie label.
    let ids: Vec<&String> = plan
        .drones
        .iter()
        .flat_map(|d| d.sorties.iter().map(|s| &s.id))
        .collect();
    let last_label = t.iter().rposition(|x| ids.contains(&x)).expect("labels");
    for b in &area.bases {
        assert!(
            t.iter()
                .rposition(|x| x == &b.name)
                .is_some_and(|i| i > last_label),
            "base {} not drawn over the routes",
            b.name
        );
    }
    // No drone colour is a danger class's or the roads' (brown): within 60 per channel.
    let close = |a: [u8; 3], b: [u8; 3]| (0..3).all(|k| a[k].abs_diff(b[k]) < 60);
    for c in DRONE_COLORS {
        for class in DangerClass::ALL {
            assert!(!close(c, class.color_rgb()), "{c:?} looks like {class}");
        }
        assert!(!close(c, [120, 84, 60]), "{c:?} looks like a road");
    }
    // And the first drone's colour is on the picture.
    let first = DRONE_COLORS[0];
    let n = map.canvas.image.pixels().filter(|p| p.0 == first).count();
    assert!(n > 100, "only {n} pixels of the first drone's colour");
}
