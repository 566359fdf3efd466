//! `plan.png`: the area's heat map with every drone's sorties in its own colour, the towers
//! and alarms, and who watches the area's risk.

use super::area_map::AreaMap;
use super::coverage_map::draw_watch_posts;
use crate::area::Area;
use crate::plan::model::{Plan, PlanWatch};

/// Drone colours, in plan order (shared with the KML export's palette order).
pub const DRONE_COLORS: [[u8; 3]; 10] = [
    [31, 119, 180],
    [214, 39, 40],
    [44, 160, 44],
    [148, 103, 189],
    [255, 127, 14],
    [23, 190, 207],
    [227, 119, 194],
    [140, 86, 75],
    [188, 189, 34],
    [60, 60, 60],
];

/// Renders the area map with the plan's routes and a legend of drones.
pub fn render_plan_map(area: &Area, plan: &Plan, map_px: u32) -> AreaMap {
    let mut map = AreaMap::render(area, map_px);
    let view = map.view;
    for (i, d) in plan.drones.iter().enumerate() {
        let color = DRONE_COLORS[i % DRONE_COLORS.len()];
        for s in &d.sorties {
            let pts: Vec<(f64, f64)> = s
                .path
                .iter()
                .map(|p| view.lon_lat_to_px(&area.terrain, p.lon_deg, p.lat_deg))
                .collect();
            map.canvas.polyline(&pts, 2.0, color);
        }
    }
    if let Some(w) = &plan.watch {
        draw_watch_posts(&mut map, area);
        draw_watch_shares(&mut map, w);
    }
    // Drone legend under the map's legend column, bottom up.
    let x0 = i64::from(view.width_px + 32);
    let mut y = i64::from(map.canvas.image.height()) - 24 * plan.drones.len() as i64 - 16;
    for (i, d) in plan.drones.iter().enumerate() {
        let color = DRONE_COLORS[i % DRONE_COLORS.len()];
        map.canvas.polyline(
            &[
                (x0 as f64, y as f64 + 9.0),
                (x0 as f64 + 28.0, y as f64 + 9.0),
            ],
            3.0,
            color,
        );
        let label = format!("{} ({} sorties)", d.drone_id, d.sorties.len());
        map.canvas.text(x0 + 38, y, 15.0, [30, 30, 30], &label);
        y += 24;
    }
    map
}

/// Who watches the risk, in the map's lower-left corner: the duty officer's answer to "what
/// do the drones add to the towers and alarms".
fn draw_watch_shares(map: &mut AreaMap, w: &PlanWatch) {
    let lines = [
        format!(
            "Risk watched by towers ({}): {:.1} %",
            w.towers,
            w.by_towers * 100.0
        ),
        format!(
            "by infrared alarms ({}): {:.1} %",
            w.ir_alarms,
            w.by_alarms * 100.0
        ),
        format!("by the drone patrol: {:.1} %", w.by_patrol * 100.0),
        format!("left unwatched: {:.1} %", w.unwatched * 100.0),
    ];
    let o = map.view.origin_px();
    let h = 22 * lines.len() as i64 + 12;
    let y0 = o + i64::from(map.view.height_px) - h - 8;
    map.canvas
        .fill_rect(o + 8, y0, 300, h, [255, 255, 255], 0.85);
    map.canvas.stroke_rect(o + 8, y0, 300, h, [90, 90, 90]);
    let mut y = y0 + 6;
    for text in &lines {
        map.canvas.text(o + 16, y, 14.0, [30, 30, 30], text);
        y += 22;
    }
}
