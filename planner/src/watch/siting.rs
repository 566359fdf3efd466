//! Where new towers would watch the most risk: for offices planning their tower network.
//!
//! Candidate sites are summits and ridge crests (a DEM cell higher than both neighbours along
//! at least two of the four axes through it, and standing at least [`SitingRequest::rise_m`]
//! above the mean of the ground within 500 m), within [`SitingRequest::road_reach_m`] of a road
//! (a tower needs building and servicing), outside no-fly zones. Each candidate's viewshed is
//! computed once; then, greedily, the candidate that adds the most expected risk watched
//! (risk × the chance nothing yet watches it × the chance it would) is taken, the watch is
//! updated, and so on, with new sites at least [`SitingRequest::min_spacing_m`] apart and from
//! the existing towers.

use rayon::prelude::*;

use super::coverage::{
    CellIndex, WatchCoverage, WatchSettings, dem_grid, tower_catch, tower_viewshed,
};
use crate::area::Area;
use crate::area::access::AccessKind;
use crate::area::watch_layers::{IrAlarm, Tower};
use crate::geodesy::flat::{self, LonLat};
use crate::risk::distance::distance_transform_m;
use crate::risk::model::burn_geometry;

/// What kind of towers to site, and where they may stand.
#[derive(Debug, Clone, PartialEq)]
pub struct SitingRequest {
    /// How many towers.
    pub count: usize,
    /// Camera height above the ground, metres.
    pub mast_agl_m: f64,
    /// Camera range, metres.
    pub range_m: f64,
    /// Farthest a site may be from a road, metres.
    pub road_reach_m: f64,
    /// Closest two towers may stand, metres.
    pub min_spacing_m: f64,
    /// How far a site must rise above the mean ground within 500 m, metres.
    pub rise_m: f64,
}

impl Default for SitingRequest {
    fn default() -> Self {
        SitingRequest {
            count: 5,
            mast_agl_m: 30.0,
            range_m: 5000.0,
            road_reach_m: 1000.0,
            min_spacing_m: 2000.0,
            rise_m: 20.0,
        }
    }
}

/// A proposed site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The tower there.
    pub tower: Tower,
    /// The share of the area's risk its watch adds (expected, after the towers before it).
    pub risk_gained: f64,
    /// Its ground, metres above mean sea level.
    pub ground_amsl_m: f64,
}

/// Siting cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SitingError {
    /// The area has no risk cells.
    #[error("the area has no risk map: compute one with `patrol area risk` first")]
    NoRisk,
    /// No DEM cell qualifies as a site.
    #[error(
        "no summit or ridge within {road_reach_m:.0} m of a road: no site qualifies (a larger reach or an area with roads helps)"
    )]
    NoCandidates {
        /// The reach asked for.
        road_reach_m: f64,
    },
}

/// Proposes `req.count` tower sites over `area`, given its existing towers and alarms.
pub fn site_towers(
    area: &Area,
    existing: &[Tower],
    alarms: &[IrAlarm],
    settings: WatchSettings,
    req: &SitingRequest,
) -> Result<Vec<Site>, SitingError> {
    let risk = area.risk.as_ref().ok_or(SitingError::NoRisk)?;
    let terrain = &area.terrain;
    let grid = dem_grid(terrain);
    let (w, h) = (grid.width, grid.height);
    let z = grid.elevation_m;
    // Distance to the nearest road (everywhere when the area has no roads layer).
    let dem = terrain.raster();
    let to_px = |lon: f64, lat: f64| {
        let (x, y) = dem.crs.from_lon_lat(lon, lat);
        dem.transform.map_to_pixel(x, y)
    };
    let roads = area.access.iter().find(|a| a.kind == AccessKind::Road);
    let road_m = roads.map(|roads| {
        let mut sources = vec![false; w * h];
        for f in &roads.layer.features {
            burn_geometry(&f.geometry, w, h, &to_px, |c, r| sources[r * w + c] = true);
        }
        distance_transform_m(&sources, w, h, grid.cell_w_m, grid.cell_h_m)
    });
    // Mean ground within ~500 m (a box), by summed-area table.
    let (bx, by) = (
        (500.0 / grid.cell_w_m).round().max(1.0) as usize,
        (500.0 / grid.cell_h_m).round().max(1.0) as usize,
    );
    let mut sat = vec![0.0f64; (w + 1) * (h + 1)];
    let mut cnt = vec![0i64; (w + 1) * (h + 1)];
    for r in 0..h {
        for c in 0..w {
            let v = z[r * w + c];
            let (s, n) = if v.is_nan() {
                (0.0, 0)
            } else {
                (f64::from(v), 1)
            };
            let i = (r + 1) * (w + 1) + c + 1;
            sat[i] = s + sat[i - 1] + sat[i - (w + 1)] - sat[i - (w + 1) - 1];
            cnt[i] = n + cnt[i - 1] + cnt[i - (w + 1)] - cnt[i - (w + 1) - 1];
        }
    }
    let mean_around = |c: usize, r: usize| {
        let (c0, c1) = (c.saturating_sub(bx), (c + bx + 1).min(w));
        let (r0, r1) = (r.saturating_sub(by), (r + by + 1).min(h));
        let at = |rr: usize, cc: usize| rr * (w + 1) + cc;
        let s = sat[at(r1, c1)] - sat[at(r0, c1)] - sat[at(r1, c0)] + sat[at(r0, c0)];
        let n = cnt[at(r1, c1)] - cnt[at(r0, c1)] - cnt[at(r1, c0)] + cnt[at(r0, c0)];
        (n > 0).then(|| s / n as f64)
    };
    let mut candidates = Vec::new();
    for r in 1..h.saturating_sub(1) {
        for c in 1..w.saturating_sub(1) {
            let v = z[r * w + c];
            if v.is_nan() {
                continue;
            }
            let at = |dc: i64, dr: i64| z[(r as i64 + dr) as usize * w + (c as i64 + dc) as usize];
            let crest = [(1, 0), (0, 1), (1, 1), (1, -1)]
                .iter()
                .filter(|&&(dc, dr)| v > at(dc, dr) && v > at(-dc, -dr))
                .count();
            if crest < 2 {
                continue;
            }
            if !mean_around(c, r).is_some_and(|m| f64::from(v) - m >= req.rise_m) {
                continue;
            }
            if let Some(d) = &road_m
                && f64::from(d[r * w + c]) > req.road_reach_m
            {
                continue;
            }
            let p = terrain.pixel_center(c as i64, r as i64);
            if area
                .no_fly
                .iter()
                .any(|zn| zn.contains(p.lon_deg, p.lat_deg))
            {
                continue;
            }
            candidates.push((c, r, p));
        }
    }
    if candidates.is_empty() {
        return Err(SitingError::NoCandidates {
            road_reach_m: req.road_reach_m,
        });
    }
    let base = WatchCoverage::compute(terrain, risk, existing, alarms, settings);
    let mut miss: Vec<f64> = base.cells.iter().map(|c| c.p_unwatched).collect();
    let tower_at = |k: usize, p: LonLat| Tower {
        id: format!("new-{k}"),
        lat_deg: p.lat_deg,
        lon_deg: p.lon_deg,
        mast_agl_m: req.mast_agl_m,
        range_m: req.range_m,
        pan_deg: None,
        recognition_delay_s: 120.0,
        detection_probability: 0.9,
    };
    // Each candidate's catch per risk cell, computed once.
    let index = CellIndex::new(terrain, risk);
    let catches: Vec<Vec<(usize, f64)>> = candidates
        .par_iter()
        .map(|&(_, _, p)| {
            let t = tower_at(0, p);
            index
                .cells_seen(&tower_viewshed(terrain, &t))
                .into_iter()
                .map(|(ci, hgt)| {
                    let catch = tower_catch(
                        t.detection_probability,
                        f64::from(hgt),
                        settings.smoke_column_m,
                    );
                    (ci, catch)
                })
                .filter(|(_, p)| *p > 0.0)
                .collect()
        })
        .collect();
    let total = risk.total_risk().max(f64::MIN_POSITIVE);
    let cells = risk.cells();
    let mut placed: Vec<LonLat> = existing
        .iter()
        .map(|t| LonLat::new(t.lon_deg, t.lat_deg))
        .collect();
    let mut out = Vec::new();
    for k in 1..=req.count {
        let best = candidates
            .iter()
            .zip(&catches)
            .filter(|((_, _, p), _)| {
                placed
                    .iter()
                    .all(|q| flat::distance_m(*p, *q) >= req.min_spacing_m)
            })
            .map(|(cand, catch)| {
                let gain: f64 = catch
                    .iter()
                    .map(|&(ci, p)| cells[ci].risk * miss[ci] * p)
                    .sum();
                (gain, cand, catch)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let Some((gain, &(c, r, p), catch)) = best else {
            break;
        };
        if gain <= 0.0 {
            break;
        }
        for &(ci, pc) in catch {
            miss[ci] *= 1.0 - pc;
        }
        placed.push(p);
        out.push(Site {
            tower: tower_at(k, p),
            risk_gained: gain / total,
            ground_amsl_m: f64::from(z[r * w + c]),
        });
    }
    Ok(out)
}
