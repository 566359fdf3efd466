//! `plan.png`: the area's heat map with every drone's sorties in its own colour, the towers
//! and alarms, and who watches the area's risk.

use super::area_map::{AreaMap, draw_bases};
use super::coverage_map::draw_watch_posts;
use crate::area::Area;
use crate::plan::model::{Plan, PlanWatch};

/// Drone colours, in plan order: navy, purples, pinks, cyan, teal and black, none of them
/// near a danger class's colour (green, blue, yellow, orange, red) or the roads' brown, so a
/// route never reads as risk or as a road. Each route is drawn over a white casing.
pub const DRONE_COLORS: [[u8; 3]; 10] = [
    [20, 40, 160],
    [150, 40, 200],
    [0, 200, 200],
    [230, 60, 170],
    [20, 20, 20],
    [80, 0, 160],
    [120, 0, 90],
    [0, 90, 90],
    [170, 120, 230],
    [60, 60, 110],
];

/// Renders the area map with the plan's routes: titled with the plan (shift, wind, totals),
/// each drone's sorties in its own colour and labelled with the sortie's id, the bases drawn
/// over the routes, and a legend of drones.
pub fn render_plan_map(area: &Area, plan: &Plan, map_px: u32) -> AreaMap {
    let mut map = AreaMap::render_titled(
        area,
        map_px,
        "Patrol plan",
        &plan_lines(plan),
        24 * plan.drones.len() as u32 + 16,
    );
    let view = map.view;
    let mut labels = Vec::new();
    for (i, d) in plan.drones.iter().enumerate() {
        let color = DRONE_COLORS[i % DRONE_COLORS.len()];
        for s in &d.sorties {
            let pts: Vec<(f64, f64)> = s
                .path
                .iter()
                .map(|p| view.lon_lat_to_px(&area.terrain, p.lon_deg, p.lat_deg))
                .collect();
            map.canvas.polyline(&pts, 4.0, [255, 255, 255]);
            map.canvas.polyline(&pts, 2.0, color);
            // The sortie's id where it reaches farthest from its base.
            let from_base = |p: &(f64, f64)| (p.0 - pts[0].0).hypot(p.1 - pts[0].1);
            if let Some(&far) = pts
                .iter()
                .max_by(|a, b| from_base(a).total_cmp(&from_base(b)))
            {
                labels.push((far, color, s.id.clone()));
            }
        }
    }
    for ((x, y), color, id) in &labels {
        map.canvas.text_halo(
            *x as i64 + 5,
            *y as i64 - 7,
            13.0,
            *color,
            [255, 255, 255],
            id,
        );
    }
    if let Some(w) = &plan.watch {
        draw_watch_posts(&mut map, area);
        draw_watch_shares(&mut map, w);
    }
    // The bases over the routes that start from them, their names readable.
    draw_bases(&mut map.canvas, area, &view);
    // Drone legend under the map's legend column.
    let x0 = i64::from(view.width_px + 32);
    let mut y = map.legend_end_px + 12;
    for (i, d) in plan.drones.iter().enumerate() {
        let color = DRONE_COLORS[i % DRONE_COLORS.len()];
        let line = [
            (x0 as f64, y as f64 + 9.0),
            (x0 as f64 + 28.0, y as f64 + 9.0),
        ];
        map.canvas.polyline(&line, 5.0, [255, 255, 255]);
        map.canvas.polyline(&line, 3.0, color);
        let label = format!("{} ({} sorties)", d.drone_id, d.sorties.len());
        map.canvas.text(x0 + 38, y, 15.0, [30, 30, 30], &label);
        y += 24;
    }
    map
}

/// The plan's title lines: its shift, wind and totals.
fn plan_lines(plan: &Plan) -> Vec<String> {
    let sh = &plan.shift;
    // Lines fit the 300-pixel legend column.
    let mut lines = vec![plan.area_name.clone()];
    match (&sh.date, &sh.time_zone) {
        (Some(d), Some(z)) => {
            lines.push(format!("Shift {d}, {}-{}", sh.start_local, sh.end_local));
            lines.push(format!("local time, {z}"));
        }
        _ => lines.push(format!("Shift {}-{}", sh.start_local, sh.end_local)),
    }
    let st = &plan.settings;
    lines.push(if st.wind_speed_mps > 0.0 {
        format!(
            "Wind {:.1} m/s from {:.0}°, at {:.0} m AGL",
            st.wind_speed_mps, st.wind_from_deg, st.alt_agl_m
        )
    } else {
        format!("Calm air, at {:.0} m AGL", st.alt_agl_m)
    });
    let t = &plan.totals;
    lines.extend([
        format!(
            "{} sorties, {:.0} km, {:.1} h in the air",
            t.sorties,
            t.distance_m / 1000.0,
            t.flight_time_s / 3600.0
        ),
        format!(
            "{:.1} % of the area's risk patrolled",
            t.share_of_area_risk * 100.0
        ),
    ]);
    lines
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
