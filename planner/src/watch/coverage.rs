//! What the towers and the alarms watch, per planning cell, and what is left to the drones.
//!
//! For every tower, its viewshed ([`super::viewshed`]) over the DEM within its range and pan
//! sector gives each DEM cell the smoke column a fire there needs before the camera can see
//! it. A planning cell takes the median over its DEM cells (a cell whose larger half is out of
//! sight or range is not seen), so one tower sees a cell "from" that column height. An alarm
//! covers the share of a cell that lies within its radius.
//!
//! How likely a fire in the cell is found soon without a drone ([`CellWatch::p_unwatched`]): each
//! tower misses it with `1 − p · reach`, where `p` is its detection probability and `reach`
//! is 1 for a column of at most [`WatchSettings::smoke_column_m`], falling linearly to 0 at
//! twice that (a fire's column rises to a few tens of metres in its first minutes; a place
//! that needs a 200 m column is not watched in any sense that matters); each alarm misses it
//! with `1 − p · share of the cell in its radius`; all independently.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::viewshed::{CURVATURE_COEFFICIENT, Grid, Observer, Viewshed, viewshed};
use crate::area::watch_layers::{IrAlarm, Tower};
use crate::geodesy::enu::Geodetic;
use crate::geodesy::flat::{self, LonLat};
use crate::risk::cells::RiskMap;
use crate::terrain::Terrain;

/// How the watch is judged, from `area.toml`'s `[watch]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchSettings {
    /// Height above the ground a fire's smoke column reaches in the minutes that matter,
    /// metres: a tower that needs at most this sees the fire.
    #[serde(default = "default_column_m")]
    pub smoke_column_m: f64,
    /// How strongly the planner favours what nothing else watches, 0..1: a cell's risk counts
    /// `1 − weight · (1 − p_unwatched)` of itself (0: plan as if there were no towers or
    /// alarms; 1: a cell every tower is sure to see is worth nothing to the drones).
    #[serde(default = "default_weight")]
    pub blind_spot_weight: f64,
}

fn default_column_m() -> f64 {
    60.0
}

fn default_weight() -> f64 {
    1.0
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            smoke_column_m: default_column_m(),
            blind_spot_weight: default_weight(),
        }
    }
}

/// One planning cell's watch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellWatch {
    /// Towers that see the cell within their range, with the smoke column needed, metres.
    pub towers: Vec<(usize, f32)>,
    /// Alarms whose radius reaches the cell, with the share of the cell they cover.
    pub alarms: Vec<(usize, f32)>,
    /// Chance no tower finds a fire in the cell.
    pub p_towers_miss: f64,
    /// Chance no alarm finds a fire in the cell.
    pub p_alarms_miss: f64,
    /// Chance a fire in the cell is found by neither towers nor alarms (the product).
    pub p_unwatched: f64,
}

/// Shares of the area's risk by who watches it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct WatchShares {
    /// Risk in cells at least one tower sees with the reference column.
    pub towers: f64,
    /// Risk in cells at least two towers see (their bearings cross into a place).
    pub two_towers: f64,
    /// Risk in cells' parts within an alarm's radius.
    pub alarms: f64,
    /// Risk in cells neither a tower nor an alarm watches at all.
    pub blind: f64,
    /// Expected share of the risk in fires that neither would find (risk × p_unwatched).
    pub unwatched: f64,
}

/// The watch over every planning cell.
#[derive(Debug, Clone)]
pub struct WatchCoverage {
    /// Per risk cell, in the risk map's order.
    pub cells: Vec<CellWatch>,
    /// The settings used.
    pub settings: WatchSettings,
    /// Per tower, the needed column over its DEM window.
    pub viewsheds: Vec<Viewshed>,
}

/// The DEM as a metric grid for viewsheds.
pub fn dem_grid(terrain: &Terrain) -> Grid<'_> {
    let r = terrain.raster();
    let (w_m, h_m) = terrain.resolution_m();
    Grid {
        elevation_m: &r.data,
        width: r.width,
        height: r.height,
        cell_w_m: w_m,
        cell_h_m: h_m,
    }
}

/// The DEM cell holding a WGS 84 position.
pub fn dem_cell(terrain: &Terrain, lon_deg: f64, lat_deg: f64) -> Option<(usize, usize)> {
    let r = terrain.raster();
    let (x, y) = r.crs.from_lon_lat(lon_deg, lat_deg);
    let (c, row) = r.transform.map_to_pixel(x, y);
    (c >= 0.0 && row >= 0.0 && (c as usize) < r.width && (row as usize) < r.height)
        .then(|| (c as usize, row as usize))
}

/// A tower's viewshed, with what lies outside its pan sector marked unseen.
pub fn tower_viewshed(terrain: &Terrain, tower: &Tower) -> Viewshed {
    let grid = dem_grid(terrain);
    let Some((col, row)) = dem_cell(terrain, tower.lon_deg, tower.lat_deg) else {
        return viewshed(
            &grid,
            &Observer {
                col: usize::MAX,
                row: 0,
                height_agl_m: 0.0,
                range_m: 0.0,
            },
            0.0,
        );
    };
    let mut v = viewshed(
        &grid,
        &Observer {
            col,
            row,
            height_agl_m: tower.mast_agl_m,
            range_m: tower.range_m,
        },
        CURVATURE_COEFFICIENT,
    );
    if tower.pan_deg.is_some() {
        for r in 0..v.height {
            for c in 0..v.width {
                let east = (c as f64 + v.col0 as f64 - col as f64) * grid.cell_w_m;
                let north = (row as f64 - (r + v.row0) as f64) * grid.cell_h_m;
                let bearing = east.atan2(north).to_degrees();
                if (east != 0.0 || north != 0.0) && !tower.sweeps(bearing) {
                    v.needed_agl_m[r * v.width + c] = f32::NAN;
                }
            }
        }
    }
    v
}

/// Which planning cell each DEM cell (its centre) falls in, and how many DEM cells each
/// planning cell holds.
#[derive(Debug, Clone)]
pub struct CellIndex {
    /// Per DEM cell, row by row: the risk cell's index, `usize::MAX` outside the grid.
    cell_of_dem: Vec<usize>,
    /// Per risk cell, its DEM cells.
    dem_per_cell: Vec<usize>,
    /// DEM columns.
    width: usize,
}

impl CellIndex {
    /// The index of `terrain`'s DEM cells into `risk`'s cells.
    pub fn new(terrain: &Terrain, risk: &RiskMap) -> CellIndex {
        let r = terrain.raster();
        let grid = risk.grid();
        let mut cell_of_dem = vec![usize::MAX; r.width * r.height];
        // The risk map keeps only cells with data, in its own order.
        let mut by_grid = vec![usize::MAX; grid.cols * grid.rows];
        for (i, c) in risk.cells().iter().enumerate() {
            by_grid[c.row * grid.cols + c.col] = i;
        }
        for row in 0..r.height {
            for col in 0..r.width {
                let p = terrain.pixel_center(col as i64, row as i64);
                let e = terrain.geodetic_to_enu(Geodetic {
                    lat_deg: p.lat_deg,
                    lon_deg: p.lon_deg,
                    alt_amsl_m: 0.0,
                });
                if let Some(g) = grid.index_of(e.east_m, e.north_m) {
                    cell_of_dem[row * r.width + col] = by_grid[g];
                }
            }
        }
        let mut dem_per_cell = vec![0usize; risk.cells().len()];
        for &c in &cell_of_dem {
            if c != usize::MAX {
                dem_per_cell[c] += 1;
            }
        }
        CellIndex {
            cell_of_dem,
            dem_per_cell,
            width: r.width,
        }
    }

    /// The cells a viewshed sees, each with its median needed column over the cell's DEM
    /// cells (the unseen counted as infinitely high; a cell seen on less than half is left
    /// out).
    pub fn cells_seen(&self, v: &Viewshed) -> Vec<(usize, f32)> {
        let mut seen: std::collections::HashMap<usize, Vec<f32>> = Default::default();
        for r in 0..v.height {
            for c in 0..v.width {
                let h = v.needed_agl_m[r * v.width + c];
                let cell = self.cell_of_dem[(r + v.row0) * self.width + c + v.col0];
                if !h.is_nan() && cell != usize::MAX {
                    seen.entry(cell).or_default().push(h);
                }
            }
        }
        let mut out: Vec<(usize, f32)> = seen
            .into_iter()
            .filter_map(|(cell, mut hs)| {
                let k = self.dem_per_cell[cell].max(hs.len()) / 2;
                (k < hs.len()).then(|| {
                    hs.sort_by(f32::total_cmp);
                    (cell, hs[k])
                })
            })
            .collect();
        out.sort_by_key(|(c, _)| *c);
        out
    }
}

/// The chance a tower with detection probability `p` sees a fire whose column must reach
/// `needed_m` (see the module's docs).
pub fn tower_catch(p: f64, needed_m: f64, column_m: f64) -> f64 {
    let reach = if needed_m <= column_m {
        1.0
    } else {
        ((2.0 * column_m - needed_m) / column_m).clamp(0.0, 1.0)
    };
    p * reach
}

impl WatchCoverage {
    /// The watch of an area's own towers and alarms over its risk cells, with its `[watch]`
    /// settings; `None` when it has neither towers nor alarms, or no risk map.
    pub fn of_area(area: &crate::area::Area) -> Option<WatchCoverage> {
        let risk = area.risk.as_ref()?;
        (!area.towers.is_empty() || !area.ir_alarms.is_empty()).then(|| {
            WatchCoverage::compute(
                &area.terrain,
                risk,
                &area.towers,
                &area.ir_alarms,
                area.manifest.watch,
            )
        })
    }

    /// The watch of `towers` and `alarms` over `risk`'s cells.
    pub fn compute(
        terrain: &Terrain,
        risk: &RiskMap,
        towers: &[Tower],
        alarms: &[IrAlarm],
        settings: WatchSettings,
    ) -> WatchCoverage {
        let viewsheds: Vec<Viewshed> = towers
            .par_iter()
            .map(|t| tower_viewshed(terrain, t))
            .collect();
        let index = CellIndex::new(terrain, risk);
        let mut cells = vec![CellWatch::default(); risk.cells().len()];
        for (ti, v) in viewsheds.iter().enumerate() {
            for (cell, h) in index.cells_seen(v) {
                cells[cell].towers.push((ti, h));
            }
        }
        let size = risk.grid().size_m;
        for (ci, cell) in risk.cells().iter().enumerate() {
            let centre = LonLat::new(cell.lon_deg, cell.lat_deg);
            for (ai, a) in alarms.iter().enumerate() {
                let d = flat::distance_m(centre, LonLat::new(a.lon_deg, a.lat_deg));
                if d > a.radius_m + size * std::f64::consts::FRAC_1_SQRT_2 {
                    continue;
                }
                // The share of the cell within the radius, on a 7 x 7 lattice of the cell.
                let (ae, an) = flat::offset_m(centre, LonLat::new(a.lon_deg, a.lat_deg));
                let mut inside = 0;
                for i in 0..7 {
                    for j in 0..7 {
                        let e = (f64::from(i) + 0.5) / 7.0 * size - size / 2.0;
                        let nn = (f64::from(j) + 0.5) / 7.0 * size - size / 2.0;
                        if (e - ae).hypot(nn - an) <= a.radius_m {
                            inside += 1;
                        }
                    }
                }
                if inside > 0 {
                    cells[ci].alarms.push((ai, inside as f32 / 49.0));
                }
            }
            let w = &mut cells[ci];
            w.p_towers_miss = w
                .towers
                .iter()
                .map(|&(ti, h)| {
                    1.0 - tower_catch(
                        towers[ti].detection_probability,
                        f64::from(h),
                        settings.smoke_column_m,
                    )
                })
                .product();
            w.p_alarms_miss = w
                .alarms
                .iter()
                .map(|&(ai, share)| 1.0 - alarms[ai].detection_probability * f64::from(share))
                .product();
            w.p_unwatched = w.p_towers_miss * w.p_alarms_miss;
        }
        WatchCoverage {
            cells,
            settings,
            viewsheds,
        }
    }

    /// Shares of `risk`'s total risk by who watches it.
    pub fn shares(&self, risk: &RiskMap) -> WatchShares {
        let total = risk.total_risk();
        if total <= 0.0 {
            return WatchShares::default();
        }
        let column = self.settings.smoke_column_m as f32;
        let mut s = WatchShares::default();
        for (c, w) in risk.cells().iter().zip(&self.cells) {
            let seeing = w.towers.iter().filter(|(_, h)| *h <= column).count();
            let alarm: f64 = w
                .alarms
                .iter()
                .map(|(_, f)| f64::from(*f))
                .sum::<f64>()
                .min(1.0);
            if seeing >= 1 {
                s.towers += c.risk;
            }
            if seeing >= 2 {
                s.two_towers += c.risk;
            }
            s.alarms += c.risk * alarm;
            if w.towers.is_empty() && w.alarms.is_empty() {
                s.blind += c.risk;
            }
            s.unwatched += c.risk * w.p_unwatched;
        }
        for v in [
            &mut s.towers,
            &mut s.two_towers,
            &mut s.alarms,
            &mut s.blind,
            &mut s.unwatched,
        ] {
            *v /= total;
        }
        s
    }

    /// The factor each cell's risk counts for in planning ([`WatchSettings::blind_spot_weight`]).
    pub fn planning_weights(&self) -> Vec<f64> {
        let w = self.settings.blind_spot_weight.clamp(0.0, 1.0);
        self.cells
            .iter()
            .map(|c| 1.0 - w * (1.0 - c.p_unwatched))
            .collect()
    }

    /// Per DEM cell, the lowest smoke column any tower needs there (metres; NaN where no tower
    /// reaches), row by row over the whole DEM.
    pub fn lowest_column_m(&self, terrain: &Terrain) -> Vec<f32> {
        let r = terrain.raster();
        let mut out = vec![f32::NAN; r.width * r.height];
        for v in &self.viewsheds {
            for row in 0..v.height {
                for col in 0..v.width {
                    let h = v.needed_agl_m[row * v.width + col];
                    let o = &mut out[(row + v.row0) * r.width + col + v.col0];
                    if !h.is_nan() && (o.is_nan() || h < *o) {
                        *o = h;
                    }
                }
            }
        }
        out
    }

    /// Per DEM cell, how many towers see a column of [`WatchSettings::smoke_column_m`] there.
    pub fn towers_seeing(&self, terrain: &Terrain) -> Vec<f32> {
        let r = terrain.raster();
        let column = self.settings.smoke_column_m as f32;
        let mut out = vec![0.0f32; r.width * r.height];
        for v in &self.viewsheds {
            for row in 0..v.height {
                for col in 0..v.width {
                    let h = v.needed_agl_m[row * v.width + col];
                    if h <= column {
                        out[(row + v.row0) * r.width + col + v.col0] += 1.0;
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tower_catches_what_its_column_reaches() {
        assert_eq!(tower_catch(0.9, 0.0, 60.0), 0.9);
        assert_eq!(tower_catch(0.9, 60.0, 60.0), 0.9);
        assert!((tower_catch(0.9, 90.0, 60.0) - 0.45).abs() < 1e-12);
        assert_eq!(tower_catch(0.9, 120.0, 60.0), 0.0);
        assert_eq!(tower_catch(0.9, 500.0, 60.0), 0.0);
    }
}
