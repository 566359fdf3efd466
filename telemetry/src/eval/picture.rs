//! Where fires go unfound: the area's heat map with the towers and alarms, every evaluated
//! fire of one strategy as a dot, red where it was not found within 15 minutes.

use patrol_planner::area::Area;
use patrol_planner::map::area_map::AreaMap;
use patrol_planner::map::coverage_map::draw_watch_posts;

use super::run::{StrategyResult, WITHIN_S};

/// Not found within 15 minutes.
const UNFOUND_RGB: [u8; 3] = [200, 20, 30];
/// Found within 15 minutes.
const FOUND_RGB: [u8; 3] = [40, 120, 60];
/// Outline of every dot.
const OUTLINE_RGB: [u8; 3] = [255, 255, 255];

/// The map of `result`'s fires over `area`, its larger side `map_px` pixels.
pub fn render_unfound_map(area: &Area, result: &StrategyResult, map_px: u32) -> AreaMap {
    let mut map = AreaMap::render(area, map_px);
    draw_watch_posts(&mut map, area);
    let view = map.view;
    let late = |f: &&super::run::FireOutcome| !f.found_after_s.is_some_and(|t| t <= WITHIN_S[1]);
    // Found ones first, so that the unfound stay on top.
    for (fires, rgb, radius) in [
        (
            result.fires.iter().filter(|f| !late(f)).collect::<Vec<_>>(),
            FOUND_RGB,
            2,
        ),
        (result.fires.iter().filter(late).collect(), UNFOUND_RGB, 4),
    ] {
        for f in fires {
            let (x, y) = view.lon_lat_to_px(&area.terrain, f.lon_deg, f.lat_deg);
            map.canvas.disc(x, y, radius + 1, OUTLINE_RGB);
            map.canvas.disc(x, y, radius, rgb);
        }
    }
    let o = view.origin_px();
    let bottom = o + i64::from(view.height_px);
    let unfound = result.fires.iter().filter(late).count();
    let lines = [
        (
            UNFOUND_RGB,
            format!(
                "Not found within 15 min: {unfound} of {}",
                result.fires.len()
            ),
        ),
        (
            FOUND_RGB,
            format!("Found within 15 min: {}", result.fires.len() - unfound),
        ),
    ];
    let (x0, h) = (o + 8, 26 * lines.len() as i64 + 34);
    let y0 = bottom - h - 8;
    map.canvas.fill_rect(x0, y0, 400, h, [255, 255, 255], 0.85);
    map.canvas.stroke_rect(x0, y0, 400, h, [90, 90, 90]);
    map.canvas.text(
        x0 + 8,
        y0 + 8,
        14.0,
        [30, 30, 30],
        &format!("Fires, {}", result.strategy.label()),
    );
    let mut y = y0 + 32;
    for (rgb, text) in lines {
        map.canvas.disc(x0 as f64 + 20.0, y as f64 + 8.0, 5, rgb);
        map.canvas.text(x0 + 36, y, 14.0, [30, 30, 30], &text);
        y += 26;
    }
    map
}
