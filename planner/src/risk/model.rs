//! The fire-risk model for an office that has no risk map of its own.
//!
//! For every DEM pixel:
//!
//! ```text
//! risk = fuel × (w_slope·S + w_aspect·A + w_access·H) / (w_slope + w_aspect + w_access) × W
//! ```
//!
//! - **S, slope**: fire runs uphill faster; `min(slope / slope_full_deg, 1)`.
//! - **A, sun-facing aspect**: slopes facing the afternoon sun (south-south-west in the
//!   northern hemisphere, north-north-east in the southern) are the driest;
//!   `(1 + cos(aspect − sunward_aspect)) / 2`, fading to 0.5 on flat ground.
//! - **H, human access**: people start most fires in these forests. For each layer, the
//!   influence `exp(−d / d_k)` decays with the distance `d` to the nearest road, village,
//!   cemetery or scenic spot; the layers combine like independent causes,
//!   `H = 1 − Π(1 − influence_k)`.
//! - **fuel**: the forest mask's fraction; outside the forest `non_forest_fuel` (grass and
//!   farmland burn too, less). Without a mask, everything counts as forest.
//! - **W, weather**: the Canadian Fire Weather Index of the day, `1 − exp(−FWI / fwi_scale)`;
//!   without weather, W = 1 (the static susceptibility alone).
//!
//! The five danger classes are equal fifths of the index (see [`super::class`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::distance::distance_transform_m;
use crate::area::access::{AccessKind, AccessLayer};
use crate::area::error::AreaError;
use crate::area::forest::ForestMask;
use crate::raster::Raster;
use crate::raster::rasterize::{fill_polygon, trace_line};
use crate::terrain::{Terrain, pixel_size_m};

/// `[risk_model]` in area.toml. Every weight and distance has a documented default.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskModelConfig {
    /// Weight of slope (default 0.25).
    pub slope_weight: f64,
    /// Weight of sun-facing aspect (default 0.15).
    pub aspect_weight: f64,
    /// Weight of human access (default 0.60): people cause most ignitions.
    pub access_weight: f64,
    /// Slope at which the slope factor saturates, degrees (default 35).
    pub slope_full_deg: f64,
    /// Decay distance of a road's or trail's influence, metres (default 300).
    pub road_distance_m: f64,
    /// Decay distance of a village's influence, metres (default 800).
    pub village_distance_m: f64,
    /// Decay distance of a cemetery's influence, metres (default 400).
    pub cemetery_distance_m: f64,
    /// Decay distance of a scenic spot's influence, metres (default 600).
    pub scenic_distance_m: f64,
    /// Fuel factor outside the forest mask, 0..1 (default 0.2).
    pub non_forest_fuel: f64,
    /// FWI scale of the weather factor: W = 1 − exp(−FWI / fwi_scale) (default 12, so FWI 30,
    /// the start of "extreme" in Canadian practice, gives W ≈ 0.92).
    pub fwi_scale: f64,
}

impl Default for RiskModelConfig {
    fn default() -> Self {
        RiskModelConfig {
            slope_weight: 0.25,
            aspect_weight: 0.15,
            access_weight: 0.60,
            slope_full_deg: 35.0,
            road_distance_m: 300.0,
            village_distance_m: 800.0,
            cemetery_distance_m: 400.0,
            scenic_distance_m: 600.0,
            non_forest_fuel: 0.2,
            fwi_scale: 12.0,
        }
    }
}

impl RiskModelConfig {
    /// Checks every value's range.
    pub fn validate(&self, path: &Path) -> Result<(), AreaError> {
        let checks: [(&str, f64, f64, f64); 10] = [
            ("slope_weight", self.slope_weight, 0.0, 100.0),
            ("aspect_weight", self.aspect_weight, 0.0, 100.0),
            ("access_weight", self.access_weight, 0.0, 100.0),
            ("slope_full_deg", self.slope_full_deg, 1.0, 90.0),
            ("road_distance_m", self.road_distance_m, 1.0, 100_000.0),
            (
                "village_distance_m",
                self.village_distance_m,
                1.0,
                100_000.0,
            ),
            (
                "cemetery_distance_m",
                self.cemetery_distance_m,
                1.0,
                100_000.0,
            ),
            ("scenic_distance_m", self.scenic_distance_m, 1.0, 100_000.0),
            ("non_forest_fuel", self.non_forest_fuel, 0.0, 1.0),
            ("fwi_scale", self.fwi_scale, 0.1, 1000.0),
        ];
        for (name, value, lo, hi) in checks {
            if !(value.is_finite() && value >= lo && value <= hi) {
                return Err(AreaError::field(
                    path,
                    "[risk_model]",
                    name,
                    value,
                    format!("expected {lo} to {hi}"),
                ));
            }
        }
        if self.slope_weight + self.aspect_weight + self.access_weight <= 0.0 {
            return Err(AreaError::field(
                path,
                "[risk_model]",
                "slope_weight + aspect_weight + access_weight",
                0,
                "at least one weight must be positive",
            ));
        }
        Ok(())
    }

    fn decay_m(&self, kind: AccessKind) -> f64 {
        match kind {
            AccessKind::Road => self.road_distance_m,
            AccessKind::Village => self.village_distance_m,
            AccessKind::Cemetery => self.cemetery_distance_m,
            AccessKind::ScenicSpot => self.scenic_distance_m,
        }
    }
}

/// The inputs of the model besides the terrain.
#[derive(Debug, Clone, Copy)]
pub struct ModelInputs<'a> {
    /// Weights and distances.
    pub config: &'a RiskModelConfig,
    /// Human-access layers.
    pub access: &'a [AccessLayer],
    /// Forest mask, if any.
    pub forest: Option<&'a ForestMask>,
    /// The day's Fire Weather Index, if known.
    pub fwi: Option<f64>,
}

/// Computes the risk index 0..1 for every DEM pixel (NaN where the DEM has no data).
pub fn compute_risk(terrain: &Terrain, inputs: ModelInputs<'_>) -> Raster {
    let dem = terrain.raster();
    let (w, h) = (dem.width, dem.height);
    let lat0 = terrain.extent().center().lat_deg;
    let (dx_m, dy_m) = pixel_size_m(dem, lat0);
    let cfg = inputs.config;
    let to_px = |lon: f64, lat: f64| {
        let (x, y) = dem.crs.from_lon_lat(lon, lat);
        dem.transform.map_to_pixel(x, y)
    };

    // Human access: one distance transform per layer.
    let mut no_cause = vec![1.0f32; w * h];
    for layer in inputs.access {
        let mut sources = vec![false; w * h];
        for f in &layer.layer.features {
            burn_geometry(&f.geometry, w, h, &to_px, |c, r| sources[r * w + c] = true);
        }
        let dist = distance_transform_m(&sources, w, h, dx_m, dy_m);
        let decay = cfg.decay_m(layer.kind) as f32;
        for (nc, d) in no_cause.iter_mut().zip(dist) {
            *nc *= 1.0 - (-d / decay).exp();
        }
    }

    let fuel: Vec<f32> = match inputs.forest {
        None => vec![1.0; w * h],
        Some(ForestMask::Polygons(mp)) => {
            let mut f = vec![cfg.non_forest_fuel as f32; w * h];
            for poly in &mp.0 {
                let rings = polygon_rings(poly, &to_px);
                fill_polygon(&rings, w, h, |c, r| f[r * w + c] = 1.0);
            }
            f
        }
        Some(mask) => (0..w * h)
            .map(|i| {
                let p = terrain.pixel_center((i % w) as i64, (i / w) as i64);
                let (lon, lat) = (p.lon_deg, p.lat_deg);
                let frac = mask.fraction_at(lon, lat);
                (frac + (1.0 - frac) * cfg.non_forest_fuel) as f32
            })
            .collect(),
    };

    let weather = inputs
        .fwi
        .map_or(1.0, |fwi| 1.0 - (-fwi.max(0.0) / cfg.fwi_scale).exp());
    let sunward_deg = if lat0 >= 0.0 { 202.5 } else { 22.5 };
    let weight_sum = cfg.slope_weight + cfg.aspect_weight + cfg.access_weight;
    let mut data = vec![f32::NAN; w * h];
    for row in 0..h {
        for col in 0..w {
            let i = row * w + col;
            let Some(sa) = terrain.slope_aspect_at_pixel(col as i64, row as i64) else {
                continue;
            };
            let s = (sa.slope_deg / cfg.slope_full_deg).min(1.0);
            let facing = sa
                .aspect_deg
                .map_or(0.5, |a| (1.0 + (a - sunward_deg).to_radians().cos()) / 2.0);
            // On gentle ground the facing matters little: blend towards neutral below 10°.
            let flatness = (sa.slope_deg / 10.0).min(1.0);
            let aspect = 0.5 + (facing - 0.5) * flatness;
            let access = 1.0 - f64::from(no_cause[i]);
            let susceptibility =
                (cfg.slope_weight * s + cfg.aspect_weight * aspect + cfg.access_weight * access)
                    / weight_sum;
            data[i] = (f64::from(fuel[i]) * susceptibility * weather).clamp(0.0, 1.0) as f32;
        }
    }
    Raster {
        data,
        ..dem.clone()
    }
}

fn polygon_rings(
    poly: &geo::Polygon<f64>,
    to_px: &impl Fn(f64, f64) -> (f64, f64),
) -> Vec<Vec<(f64, f64)>> {
    std::iter::once(poly.exterior())
        .chain(poly.interiors())
        .map(|ring| ring.0.iter().map(|c| to_px(c.x, c.y)).collect())
        .collect()
}

/// Marks the pixels a geometry covers: polygon interiors and outlines, lines, points.
pub(crate) fn burn_geometry(
    geometry: &geo::Geometry<f64>,
    w: usize,
    h: usize,
    to_px: &impl Fn(f64, f64) -> (f64, f64),
    mut mark: impl FnMut(usize, usize),
) {
    use geo::Geometry as G;
    let line = |ls: &geo::LineString<f64>| -> Vec<(f64, f64)> {
        ls.0.iter().map(|c| to_px(c.x, c.y)).collect()
    };
    let mut polys: Vec<&geo::Polygon<f64>> = Vec::new();
    let mut lines: Vec<&geo::LineString<f64>> = Vec::new();
    let mut points: Vec<geo::Point<f64>> = Vec::new();
    match geometry {
        G::Point(p) => points.push(*p),
        G::MultiPoint(mp) => points.extend(mp.0.iter().copied()),
        G::LineString(l) => lines.push(l),
        G::MultiLineString(ml) => lines.extend(ml.0.iter()),
        G::Polygon(p) => polys.push(p),
        G::MultiPolygon(mp) => polys.extend(mp.0.iter()),
        _ => {}
    }
    for p in polys {
        fill_polygon(&polygon_rings(p, to_px), w, h, &mut mark);
        lines.push(p.exterior());
    }
    for l in lines {
        trace_line(&line(l), w, h, &mut mark);
    }
    for p in points {
        trace_line(&[to_px(p.x(), p.y())], w, h, &mut mark);
    }
}
