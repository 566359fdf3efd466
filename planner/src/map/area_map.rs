//! The heat map of a patrol area: hillshaded terrain tinted by elevation, the danger class of
//! every planning cell, human-access features, no-fly zones, bases, a legend, a scale bar and
//! a north arrow. The planner draws its routes on top of the same map ([`AreaMap::view`]).

use std::path::Path;

use geo::Geometry;

use super::canvas::Canvas;
use crate::area::Area;
use crate::area::access::AccessKind;
use crate::geodesy::enu::{Enu, Geodetic};
use crate::risk::class::DangerClass;
use crate::terrain::Terrain;

const LEGEND_WIDTH_PX: u32 = 300;
const MARGIN_PX: u32 = 16;

/// Maps the local frame onto the map's pixels (north up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapView {
    west_m: f64,
    north_m: f64,
    m_per_px: f64,
    offset_px: f64,
    /// Map area width, pixels.
    pub width_px: u32,
    /// Map area height, pixels.
    pub height_px: u32,
}

impl MapView {
    /// Pixel (x, y) of a local-frame position.
    pub fn enu_to_px(&self, e: Enu) -> (f64, f64) {
        (
            self.offset_px + (e.east_m - self.west_m) / self.m_per_px,
            self.offset_px + (self.north_m - e.north_m) / self.m_per_px,
        )
    }

    /// Pixel (x, y) of a WGS 84 position.
    pub fn lon_lat_to_px(&self, terrain: &Terrain, lon_deg: f64, lat_deg: f64) -> (f64, f64) {
        self.enu_to_px(terrain.geodetic_to_enu(Geodetic {
            lat_deg,
            lon_deg,
            alt_amsl_m: 0.0,
        }))
    }

    /// The canvas pixel of the map area's north-west corner (the map starts this far in).
    pub fn origin_px(&self) -> i64 {
        self.offset_px as i64
    }

    /// The local-frame position at the centre of canvas pixel (px, py) (up = 0).
    pub fn px_to_enu(&self, px: f64, py: f64) -> Enu {
        Enu {
            east_m: self.west_m + (px - self.offset_px + 0.5) * self.m_per_px,
            north_m: self.north_m - (py - self.offset_px + 0.5) * self.m_per_px,
            up_m: 0.0,
        }
    }

    /// Metres on the ground per map pixel.
    pub fn m_per_px(&self) -> f64 {
        self.m_per_px
    }
}

/// A rendered area map and its projection.
#[derive(Debug)]
pub struct AreaMap {
    /// The picture.
    pub canvas: Canvas,
    /// Where the local frame lands on it.
    pub view: MapView,
    /// Where the legend column's content ends (canvas y, pixels): more may go below it.
    pub legend_end_px: i64,
}

impl AreaMap {
    /// Renders the map of `area`, its larger side `map_px` pixels, with the legend beside it:
    /// titled with the area's name, the day and weather behind its risk.
    pub fn render(area: &Area, map_px: u32) -> AreaMap {
        let mut lines = vec!["Forest-fire danger by planning cell".to_string()];
        lines.extend(weather_lines(area));
        AreaMap::render_titled(area, map_px, area.name(), &lines, 0)
    }

    /// Renders the map with its own title and lines under it (the plan's map names the plan),
    /// and room for `extra_legend_px` more of legend below the legend's end.
    pub fn render_titled(
        area: &Area,
        map_px: u32,
        title: &str,
        lines: &[String],
        extra_legend_px: u32,
    ) -> AreaMap {
        let terrain = &area.terrain;
        let e = terrain.extent();
        let corners = [
            (e.west_deg, e.south_deg),
            (e.east_deg, e.south_deg),
            (e.west_deg, e.north_deg),
            (e.east_deg, e.north_deg),
        ]
        .map(|(lon, lat)| {
            terrain.geodetic_to_enu(Geodetic {
                lat_deg: lat,
                lon_deg: lon,
                alt_amsl_m: 0.0,
            })
        });
        let west = corners.iter().map(|c| c.east_m).fold(f64::MAX, f64::min);
        let east = corners.iter().map(|c| c.east_m).fold(f64::MIN, f64::max);
        let south = corners.iter().map(|c| c.north_m).fold(f64::MAX, f64::min);
        let north = corners.iter().map(|c| c.north_m).fold(f64::MIN, f64::max);
        let m_per_px = (east - west).max(north - south) / f64::from(map_px.max(100));
        let width_px = ((east - west) / m_per_px).ceil() as u32;
        let height_px = ((north - south) / m_per_px).ceil() as u32;
        let view = MapView {
            west_m: west,
            north_m: north,
            m_per_px,
            offset_px: f64::from(MARGIN_PX),
            width_px,
            height_px,
        };
        let total_w = width_px + 2 * MARGIN_PX + LEGEND_WIDTH_PX;
        // The legend's length, measured by drawing it on a one-pixel scratch canvas (drawing
        // outside a canvas is clipped), sets the height with the map's.
        let mut scratch = Canvas::new(1, 1, [250, 250, 247]);
        let legend_h = draw_legend(&mut scratch, area, &view, title, lines);
        let total_h = (height_px + 2 * MARGIN_PX)
            .max(u32::try_from(legend_h).unwrap_or(0) + extra_legend_px + MARGIN_PX)
            .max(560);
        let mut canvas = Canvas::new(total_w, total_h, [250, 250, 247]);
        draw_terrain_and_risk(&mut canvas, area, &view);
        draw_access(&mut canvas, area, &view);
        draw_no_fly(&mut canvas, area, &view);
        draw_bases(&mut canvas, area, &view);
        let legend_end_px = draw_legend(&mut canvas, area, &view, title, lines);
        AreaMap {
            canvas,
            view,
            legend_end_px,
        }
    }

    /// Writes the map as PNG.
    pub fn save_png(&self, path: &Path) -> Result<(), image::ImageError> {
        self.canvas.save_png(path)
    }
}

/// Hypsometric tint: valley green to ridge tan, lightened for the risk colours to stand out.
fn elevation_tint(t: f64) -> [f64; 3] {
    let stops = [
        (0.0, [170.0, 196.0, 160.0]),
        (0.5, [214.0, 206.0, 170.0]),
        (1.0, [236.0, 226.0, 214.0]),
    ];
    let t = t.clamp(0.0, 1.0);
    let (a, b) = if t < 0.5 {
        (stops[0], stops[1])
    } else {
        (stops[1], stops[2])
    };
    let u = (t - a.0) / (b.0 - a.0);
    [0, 1, 2].map(|k| a.1[k] + (b.1[k] - a.1[k]) * u)
}

fn draw_terrain_and_risk(canvas: &mut Canvas, area: &Area, view: &MapView) {
    let terrain = &area.terrain;
    let (lo, hi) = terrain.elevation_range_m();
    let span = f64::from((hi - lo).max(1.0));
    let class_of = area.risk.as_ref().map(|risk| {
        let g = *risk.grid();
        let mut lookup = vec![None; g.cols * g.rows];
        for c in risk.cells() {
            lookup[c.row * g.cols + c.col] = Some(c.class);
        }
        (g, lookup)
    });
    // Sun from the north-west at 45°, the cartographic convention.
    let (sun_az, sun_alt) = (315.0f64.to_radians(), 45.0f64.to_radians());
    let o = MARGIN_PX as i64;
    for py in 0..view.height_px {
        for px in 0..view.width_px {
            let e = Enu {
                east_m: view.west_m + (f64::from(px) + 0.5) * view.m_per_px,
                north_m: view.north_m - (f64::from(py) + 0.5) * view.m_per_px,
                up_m: 0.0,
            };
            let g = terrain.enu_to_geodetic(e);
            let Some(elev) = terrain.elevation_amsl_m(g.lat_deg, g.lon_deg) else {
                continue;
            };
            let shade = terrain
                .slope_aspect(g.lat_deg, g.lon_deg)
                .map_or(1.0, |sa| {
                    let slope = sa.slope_deg.to_radians();
                    let aspect = sa.aspect_deg.unwrap_or(0.0).to_radians();
                    (sun_alt.sin() * slope.cos()
                        + sun_alt.cos() * slope.sin() * (sun_az - aspect).cos())
                    .max(0.0)
                });
            let mut rgb = elevation_tint((elev - f64::from(lo)) / span);
            if let Some((grid, lookup)) = &class_of {
                if let Some(Some(class)) = grid.index_of(e.east_m, e.north_m).map(|i| lookup[i]) {
                    let c = class.color_rgb();
                    // Low danger stays faint so that the terrain reads through it.
                    let alpha = match class.level() {
                        1 => 0.25,
                        2 => 0.45,
                        _ => 0.65,
                    };
                    for k in 0..3 {
                        rgb[k] = rgb[k] * (1.0 - alpha) + f64::from(c[k]) * alpha;
                    }
                }
            }
            // Shade multiplies, but never below 35% so that shadowed risk stays readable.
            let light = 0.35 + 0.65 * shade / (sun_alt.sin());
            let out = rgb.map(|v| (v * light.min(1.25)).clamp(0.0, 255.0) as u8);
            canvas.blend(o + i64::from(px), o + i64::from(py), out, 1.0);
        }
    }
}

fn geometry_lines(g: &Geometry<f64>) -> Vec<&geo::LineString<f64>> {
    match g {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(ml) => ml.0.iter().collect(),
        Geometry::Polygon(p) => vec![p.exterior()],
        Geometry::MultiPolygon(mp) => mp.0.iter().map(|p| p.exterior()).collect(),
        _ => vec![],
    }
}

fn geometry_points(g: &Geometry<f64>) -> Vec<geo::Point<f64>> {
    use geo::Centroid;
    match g {
        Geometry::Point(p) => vec![*p],
        Geometry::MultiPoint(mp) => mp.0.clone(),
        Geometry::Polygon(p) => p.centroid().into_iter().collect(),
        Geometry::MultiPolygon(mp) => mp.0.iter().filter_map(|p| p.centroid()).collect(),
        _ => vec![],
    }
}

const ROAD_RGB: [u8; 3] = [120, 84, 60];
const VILLAGE_RGB: [u8; 3] = [40, 40, 40];
const CEMETERY_RGB: [u8; 3] = [95, 60, 130];
const SCENIC_RGB: [u8; 3] = [0, 120, 130];
const NO_FLY_RGB: [u8; 3] = [200, 0, 40];

fn draw_access(canvas: &mut Canvas, area: &Area, view: &MapView) {
    let t = &area.terrain;
    for layer in &area.access {
        for f in &layer.layer.features {
            for line in geometry_lines(&f.geometry) {
                let pts: Vec<(f64, f64)> = line
                    .0
                    .iter()
                    .map(|c| view.lon_lat_to_px(t, c.x, c.y))
                    .collect();
                let (width, color) = match layer.kind {
                    AccessKind::Road => (2.0, ROAD_RGB),
                    AccessKind::Village => (1.5, VILLAGE_RGB),
                    AccessKind::Cemetery => (1.0, CEMETERY_RGB),
                    AccessKind::ScenicSpot => (1.0, SCENIC_RGB),
                };
                canvas.polyline(&pts, width, color);
            }
            if layer.kind == AccessKind::Road {
                continue;
            }
            for p in geometry_points(&f.geometry) {
                let (x, y) = view.lon_lat_to_px(t, p.x(), p.y());
                access_symbol(canvas, layer.kind, x, y);
                // Place names: what a duty officer says on the radio.
                if layer.kind == AccessKind::Village {
                    if let Some(name) = &f.name {
                        canvas.text_halo(
                            x as i64 + 7,
                            y as i64 + 3,
                            12.0,
                            VILLAGE_RGB,
                            [255, 255, 255],
                            name,
                        );
                    }
                }
            }
        }
    }
}

fn access_symbol(canvas: &mut Canvas, kind: AccessKind, x: f64, y: f64) {
    match kind {
        AccessKind::Village => {
            canvas.fill_rect(x as i64 - 4, y as i64 - 4, 9, 9, [255, 255, 255], 1.0);
            canvas.fill_rect(x as i64 - 3, y as i64 - 3, 7, 7, VILLAGE_RGB, 1.0);
        }
        AccessKind::Cemetery => {
            canvas.polyline(&[(x, y - 6.0), (x, y + 6.0)], 2.0, CEMETERY_RGB);
            canvas.polyline(&[(x - 4.0, y - 2.0), (x + 4.0, y - 2.0)], 2.0, CEMETERY_RGB);
        }
        AccessKind::ScenicSpot => {
            canvas.disc(x, y, 5, [255, 255, 255]);
            canvas.disc(x, y, 4, SCENIC_RGB);
        }
        AccessKind::Road => {}
    }
}

fn draw_no_fly(canvas: &mut Canvas, area: &Area, view: &MapView) {
    let t = &area.terrain;
    for z in &area.no_fly {
        let outline = z.outline();
        let rings: Vec<Vec<(f64, f64)>> = std::iter::once(outline.exterior())
            .chain(outline.interiors())
            .map(|r| {
                r.0.iter()
                    .map(|c| view.lon_lat_to_px(t, c.x, c.y))
                    .collect()
            })
            .collect();
        let label = match z.ceiling_amsl_m {
            // Open above its ceiling: a light tint and a dashed edge, not the closed zone's
            // hatching, so a route over it does not look like a violation.
            Some(ceiling) => {
                canvas.fill_polygon(&rings, NO_FLY_RGB, 0.08);
                for ring in &rings {
                    dashed(canvas, ring, 2.0, NO_FLY_RGB);
                }
                format!("{}: open above {ceiling:.0} m AMSL", z.name)
            }
            None => {
                canvas.fill_polygon(&rings, NO_FLY_RGB, 0.18);
                // Hatching: fill thin diagonal stripes clipped by the zone.
                let mut hatch = Vec::new();
                crate::raster::rasterize::fill_polygon(
                    &rings,
                    canvas.image.width() as usize,
                    canvas.image.height() as usize,
                    |c, r| {
                        if (c + r) % 10 < 2 {
                            hatch.push((c, r));
                        }
                    },
                );
                for (c, r) in hatch {
                    canvas.blend(c as i64, r as i64, NO_FLY_RGB, 0.55);
                }
                for ring in &rings {
                    canvas.polyline(ring, 2.5, NO_FLY_RGB);
                }
                z.name.clone()
            }
        };
        if let Some(top) = rings
            .first()
            .and_then(|r| r.iter().min_by(|a, b| a.1.total_cmp(&b.1)))
        {
            let (w, h) = canvas.text_size(13.0, &label);
            canvas.text_halo(
                within_map(view, top.0 as i64 - i64::from(w) / 2, w),
                top.1 as i64 - i64::from(h) - 6,
                13.0,
                NO_FLY_RGB,
                [255, 255, 255],
                &label,
            );
        }
    }
}

/// A label's left edge moved so that its `width` stays over the map, off the legend.
fn within_map(view: &MapView, x: i64, width: u32) -> i64 {
    let o = view.origin_px();
    x.min(o + i64::from(view.width_px) - i64::from(width) - 2)
        .max(o + 2)
}

/// A dashed line: 8 pixels drawn, 6 left out.
fn dashed(canvas: &mut Canvas, points: &[(f64, f64)], width_px: f64, color: [u8; 3]) {
    const ON_PX: f64 = 8.0;
    const PERIOD_PX: f64 = 14.0;
    let mut along = 0.0;
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let mut t = 0.0;
        while t < len {
            let phase = (along + t) % PERIOD_PX;
            let step = if phase < ON_PX {
                (ON_PX - phase).min(len - t)
            } else {
                (PERIOD_PX - phase).min(len - t)
            };
            if phase < ON_PX {
                let p = |u: f64| (a.0 + (b.0 - a.0) * u / len, a.1 + (b.1 - a.1) * u / len);
                canvas.polyline(&[p(t), p(t + step)], width_px, color);
            }
            t += step.max(0.5);
        }
        along += len;
    }
}

/// The bases with their names (the plan's map draws them again over its routes).
pub(crate) fn draw_bases(canvas: &mut Canvas, area: &Area, view: &MapView) {
    for b in &area.bases {
        let (x, y) = view.lon_lat_to_px(&area.terrain, b.lon_deg, b.lat_deg);
        canvas.triangle(x, y, 9.0, [255, 255, 255], [0, 0, 0]);
        canvas.disc(x, y + 1.0, 2, [0, 0, 0]);
        canvas.text_halo(
            x as i64 + 12,
            y as i64 - 8,
            15.0,
            [0, 0, 0],
            [255, 255, 255],
            &b.name,
        );
    }
}

/// The largest 1-2-5 length that fits in `max_m`.
fn nice_length_m(max_m: f64) -> f64 {
    let mag = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0]
        .iter()
        .map(|k| k * mag)
        .find(|&l| l <= max_m)
        .unwrap_or(mag)
}

/// The day and weather the risk stands for, from `[weather]`, with the day's Fire Weather
/// Index when its state file can be read: a risk map without its date cannot be trusted.
fn weather_lines(area: &Area) -> Vec<String> {
    let Some(w) = &area.manifest.weather else {
        return Vec::new();
    };
    let mut lines = vec![
        format!(
            "Weather of {}: {:.0} °C, RH {:.0} %,",
            w.date, w.temp_c, w.rh_pct
        ),
        format!(
            "wind {:.0} km/h{}, rain {:.0} mm",
            w.wind_kmh,
            w.wind_from_deg
                .map_or(String::new(), |d| format!(" from {d:.0}°")),
            w.rain_24h_mm
        ),
    ];
    let lat = area.terrain.extent().center().lat_deg;
    if let Ok(day) = crate::risk::weather::weather_day(w, &area.dir.join(&w.state_file), lat) {
        lines.push(format!(
            "FWI {:.1} (FFMC {:.0}, DMC {:.0}, DC {:.0})",
            day.fwi.fwi, day.fwi.codes.ffmc, day.fwi.codes.dmc, day.fwi.codes.dc
        ));
    }
    lines
}

/// Draws the legend column; returns where its content ends (canvas y).
fn draw_legend(
    canvas: &mut Canvas,
    area: &Area,
    view: &MapView,
    title: &str,
    lines: &[String],
) -> i64 {
    let x0 = i64::from(view.width_px + 2 * MARGIN_PX);
    let mut y = i64::from(MARGIN_PX);
    let dark = [30, 30, 30];
    canvas.text(x0, y, 20.0, dark, title);
    y += 28;
    for line in lines {
        canvas.text(x0, y, 14.0, [90, 90, 90], line);
        y += 19;
    }
    y += 9;
    let counts = area.risk.as_ref().map(|r| r.class_counts());
    for class in DangerClass::ALL.iter().rev() {
        canvas.fill_rect(x0, y, 28, 18, class.color_rgb(), 1.0);
        canvas.stroke_rect(x0, y, 28, 18, [60, 60, 60]);
        let label = match counts {
            Some(c) => format!("{}  {} cells", class, c[usize::from(class.level() - 1)]),
            None => class.to_string(),
        };
        canvas.text(x0 + 38, y + 1, 15.0, dark, &label);
        y += 26;
    }
    if area.risk.is_none() {
        canvas.text(
            x0,
            y,
            13.0,
            [150, 0, 0],
            "No risk layer: run `patrol area risk`",
        );
        y += 20;
    }
    y += 12;
    canvas.triangle(
        x0 as f64 + 14.0,
        y as f64 + 9.0,
        9.0,
        [255, 255, 255],
        [0, 0, 0],
    );
    canvas.text(x0 + 38, y + 1, 15.0, dark, "Launch base");
    y += 26;
    canvas.fill_rect(x0, y, 28, 18, NO_FLY_RGB, 0.3);
    canvas.stroke_rect(x0, y, 28, 18, NO_FLY_RGB);
    canvas.text(x0 + 38, y + 1, 15.0, dark, "No-fly zone");
    y += 26;
    if area.no_fly.iter().any(|z| z.ceiling_amsl_m.is_some()) {
        canvas.fill_rect(x0, y, 28, 18, NO_FLY_RGB, 0.08);
        let (x, yy) = (x0 as f64, y as f64);
        dashed(
            canvas,
            &[
                (x, yy),
                (x + 28.0, yy),
                (x + 28.0, yy + 18.0),
                (x, yy + 18.0),
                (x, yy),
            ],
            2.0,
            NO_FLY_RGB,
        );
        canvas.text(x0 + 38, y + 1, 15.0, dark, "No-fly below a ceiling");
        y += 26;
    }
    let kinds: Vec<AccessKind> = area.access.iter().map(|a| a.kind).collect();
    for kind in kinds {
        let label = match kind {
            AccessKind::Road => {
                canvas.polyline(
                    &[
                        (x0 as f64, y as f64 + 9.0),
                        (x0 as f64 + 28.0, y as f64 + 9.0),
                    ],
                    2.0,
                    ROAD_RGB,
                );
                "Road or trail"
            }
            AccessKind::Village => {
                access_symbol(canvas, kind, x0 as f64 + 14.0, y as f64 + 9.0);
                "Village"
            }
            AccessKind::Cemetery => {
                access_symbol(canvas, kind, x0 as f64 + 14.0, y as f64 + 9.0);
                "Cemetery"
            }
            AccessKind::ScenicSpot => {
                access_symbol(canvas, kind, x0 as f64 + 14.0, y as f64 + 9.0);
                "Scenic spot"
            }
        };
        canvas.text(x0 + 38, y + 1, 15.0, dark, label);
        y += 26;
    }
    if !area.towers.is_empty() {
        use super::coverage_map::TOWER_RGB;
        canvas.triangle(
            x0 as f64 + 14.0,
            y as f64 + 9.0,
            9.0,
            TOWER_RGB,
            [255, 255, 255],
        );
        canvas.text(x0 + 38, y + 1, 15.0, dark, "Video tower (ring: its range)");
        y += 26;
    }
    if !area.ir_alarms.is_empty() {
        use super::coverage_map::ALARM_RGB;
        canvas.fill_rect(x0 + 11, y + 6, 7, 7, ALARM_RGB, 1.0);
        canvas.text(x0 + 38, y + 1, 15.0, dark, "Infrared alarm");
        y += 26;
    }
    // Scale bar.
    y += 16;
    let bar_m = nice_length_m(f64::from(LEGEND_WIDTH_PX - 60) * view.m_per_px);
    let bar_px = (bar_m / view.m_per_px).round() as i64;
    canvas.fill_rect(x0, y, bar_px / 2, 8, dark, 1.0);
    canvas.fill_rect(
        x0 + bar_px / 2,
        y,
        bar_px - bar_px / 2,
        8,
        [255, 255, 255],
        1.0,
    );
    canvas.stroke_rect(x0, y, bar_px, 8, dark);
    let label = if bar_m >= 1000.0 {
        format!("{} km", bar_m / 1000.0)
    } else {
        format!("{bar_m} m")
    };
    canvas.text(x0, y + 12, 14.0, dark, "0");
    let (lw, _) = canvas.text_size(14.0, &label);
    canvas.text(x0 + bar_px - i64::from(lw) / 2, y + 12, 14.0, dark, &label);
    y += 44;
    // North arrow.
    let (ax, ay) = (x0 as f64 + 14.0, y as f64);
    canvas.fill_polygon(
        &[vec![
            (ax, ay),
            (ax + 9.0, ay + 26.0),
            (ax, ay + 19.0),
            (ax - 9.0, ay + 26.0),
        ]],
        dark,
        1.0,
    );
    canvas.text(x0 + 34, y + 6, 16.0, dark, "N");
    y += 44;
    let (lo, hi) = area.terrain.elevation_range_m();
    for line in [
        format!("Elevation {lo:.0}-{hi:.0} m, hillshaded"),
        format!("Cells {:.0} m", area.manifest.cells.size_m),
    ] {
        canvas.text(x0, y, 13.0, [90, 90, 90], &line);
        y += 18;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::nice_length_m;

    #[test]
    fn scale_bar_lengths() {
        assert_eq!(nice_length_m(7300.0), 5000.0);
        assert_eq!(nice_length_m(2600.0), 2000.0);
        assert_eq!(nice_length_m(1999.0), 1000.0);
        assert_eq!(nice_length_m(450.0), 200.0);
    }
}
