//! The watch map `patrol area coverage` draws for a duty officer: the heat map, with what the
//! towers and the infrared alarms watch veiled in grey, so that the blind spots keep their
//! danger colours and stand out; the towers with their reach and the alarms on top, and the
//! shares of the risk each watches.

use super::area_map::AreaMap;
use super::canvas::Canvas;
use crate::area::Area;
use crate::watch::coverage::{WatchCoverage, WatchShares, dem_cell};

/// One tower sees it (a column of the reference height): a light grey veil.
const ONE_TOWER_RGB: [u8; 3] = [200, 200, 205];
/// Two or more towers see it: a darker one.
const TWO_TOWERS_RGB: [u8; 3] = [120, 120, 130];
/// Within an alarm's radius.
pub(super) const ALARM_RGB: [u8; 3] = [110, 40, 150];
pub(super) const TOWER_RGB: [u8; 3] = [20, 20, 30];

/// Renders the watch map of `area`, its larger side `map_px` pixels.
pub fn render_coverage_map(
    area: &Area,
    coverage: &WatchCoverage,
    shares: &WatchShares,
    map_px: u32,
) -> AreaMap {
    let mut map = AreaMap::render(area, map_px);
    let terrain = &area.terrain;
    let seeing = coverage.towers_seeing(terrain);
    let width = terrain.raster().width;
    let view = map.view;
    let o = view.origin_px();
    let alarms: Vec<(f64, f64, f64)> = area
        .ir_alarms
        .iter()
        .map(|a| {
            let (x, y) = view.lon_lat_to_px(terrain, a.lon_deg, a.lat_deg);
            (x, y, a.radius_m / view.m_per_px())
        })
        .collect();
    for py in 0..view.height_px {
        for px in 0..view.width_px {
            let (x, y) = (o + i64::from(px), o + i64::from(py));
            let g = terrain.enu_to_geodetic(view.px_to_enu(x as f64, y as f64));
            let Some((c, r)) = dem_cell(terrain, g.lon_deg, g.lat_deg) else {
                continue;
            };
            let n = seeing[r * width + c];
            let in_alarm = alarms
                .iter()
                .any(|&(ax, ay, rad)| (x as f64 - ax).hypot(y as f64 - ay) <= rad.max(1.5));
            if in_alarm {
                map.canvas.blend(x, y, ALARM_RGB, 0.55);
            } else if n >= 2.0 {
                map.canvas.blend(x, y, TWO_TOWERS_RGB, 0.7);
            } else if n >= 1.0 {
                map.canvas.blend(x, y, ONE_TOWER_RGB, 0.7);
            }
        }
    }
    draw_watch_posts(&mut map, area);
    draw_watch_legend(
        &mut map.canvas,
        o,
        o + i64::from(view.height_px),
        area,
        shares,
        coverage,
    );
    map
}

/// The towers (a triangle, their id and a ring at their camera range) and the infrared alarms
/// (a small square) on a map of `area`: on the area map, `coverage.png` and `plan.png`.
pub fn draw_watch_posts(map: &mut AreaMap, area: &Area) {
    let terrain = &area.terrain;
    let view = map.view;
    for t in &area.towers {
        let (x, y) = view.lon_lat_to_px(terrain, t.lon_deg, t.lat_deg);
        let rad = t.range_m / view.m_per_px();
        let ring: Vec<(f64, f64)> = (0..=72)
            .map(|k| {
                let a = f64::from(k) * std::f64::consts::TAU / 72.0;
                (x + rad * a.sin(), y - rad * a.cos())
            })
            .collect();
        map.canvas.polyline(&ring, 1.5, TOWER_RGB);
        map.canvas.triangle(x, y, 10.0, TOWER_RGB, [255, 255, 255]);
        map.canvas.text_halo(
            x as i64 + 12,
            y as i64 - 8,
            14.0,
            TOWER_RGB,
            [255, 255, 255],
            &t.id,
        );
    }
    for a in &area.ir_alarms {
        let (x, y) = view.lon_lat_to_px(terrain, a.lon_deg, a.lat_deg);
        map.canvas
            .fill_rect(x as i64 - 3, y as i64 - 3, 7, 7, ALARM_RGB, 1.0);
    }
}

/// The watch legend in the map's lower-left corner.
fn draw_watch_legend(
    canvas: &mut Canvas,
    x0: i64,
    bottom: i64,
    area: &Area,
    s: &WatchShares,
    coverage: &WatchCoverage,
) {
    let lines: Vec<([u8; 3], f32, String)> = vec![
        (
            ONE_TOWER_RGB,
            0.7,
            format!(
                "Seen by a tower ({} towers): {:.0} % of the risk",
                area.towers.len(),
                s.towers * 100.0
            ),
        ),
        (
            TWO_TOWERS_RGB,
            0.7,
            format!("Seen by two or more: {:.0} %", s.two_towers * 100.0),
        ),
        (
            ALARM_RGB,
            0.55,
            format!(
                "Infrared alarm ({}): {:.0} %",
                area.ir_alarms.len(),
                s.alarms * 100.0
            ),
        ),
        (
            [230, 120, 30],
            1.0,
            format!("Blind spots (in danger colours): {:.0} %", s.blind * 100.0),
        ),
    ];
    let h = 26 * lines.len() as i64 + 34;
    let y0 = bottom - h - 8;
    canvas.fill_rect(x0 + 8, y0, 390, h, [255, 255, 255], 0.85);
    canvas.stroke_rect(x0 + 8, y0, 390, h, [90, 90, 90]);
    let mut y = y0 + 8;
    canvas.text(
        x0 + 16,
        y,
        14.0,
        [30, 30, 30],
        &format!(
            "Watch with a {:.0} m smoke column",
            coverage.settings.smoke_column_m
        ),
    );
    y += 24;
    for (rgb, alpha, text) in lines {
        canvas.fill_rect(x0 + 16, y, 24, 16, rgb, alpha);
        canvas.stroke_rect(x0 + 16, y, 24, 16, [60, 60, 60]);
        canvas.text(x0 + 48, y, 14.0, [30, 30, 30], &text);
        y += 26;
    }
}
