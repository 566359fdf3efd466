//! Planning cells: the area cut into squares (250 m by default) in the local east-north-up
//! frame, each with its fire risk and danger class, indexed with an R-tree for "which cells
//! are near here" queries.
//!
//! Risk layers of any resolution and CRS are resampled into the cells by averaging every
//! source pixel whose centre falls in a cell. A pixel larger than half a cell is sampled at a
//! grid of points across it instead (spaced at most an eighth of a cell apart), so that a
//! coarse map gives every cell it covers its value, area-weighted where pixels straddle cells,
//! as GDAL's `average` resampling does, rather than filling only the cells its centres fall in.
//! Mapping each pixel exactly would dominate the cost, so, as GDAL's approximate transformer
//! does, each raster row is cut into spans over which linear interpolation stays within 5 cm
//! of the exact transform.

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use super::class::DangerClass;
use crate::geodesy::enu::{Enu, Geodetic};
use crate::raster::Raster;
use crate::terrain::Terrain;

/// The square grid of planning cells in the local frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CellGrid {
    /// East of the grid's west edge, metres.
    pub origin_east_m: f64,
    /// North of the grid's south edge, metres.
    pub origin_north_m: f64,
    /// Edge of a cell, metres.
    pub size_m: f64,
    /// Cells west to east.
    pub cols: usize,
    /// Cells south to north.
    pub rows: usize,
}

impl CellGrid {
    /// The grid covering a terrain's extent with cells of `size_m`.
    pub fn covering(terrain: &Terrain, size_m: f64) -> CellGrid {
        let e = terrain.extent();
        let (mut min_e, mut min_n, mut max_e, mut max_n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for i in 0..=8 {
            let t = f64::from(i) / 8.0;
            let lon = e.west_deg + (e.east_deg - e.west_deg) * t;
            let lat = e.south_deg + (e.north_deg - e.south_deg) * t;
            for (lo, la) in [
                (lon, e.south_deg),
                (lon, e.north_deg),
                (e.west_deg, lat),
                (e.east_deg, lat),
            ] {
                let p = terrain.geodetic_to_enu(Geodetic {
                    lat_deg: la,
                    lon_deg: lo,
                    alt_amsl_m: 0.0,
                });
                min_e = min_e.min(p.east_m);
                max_e = max_e.max(p.east_m);
                min_n = min_n.min(p.north_m);
                max_n = max_n.max(p.north_m);
            }
        }
        CellGrid {
            origin_east_m: min_e,
            origin_north_m: min_n,
            size_m,
            cols: ((max_e - min_e) / size_m).ceil().max(1.0) as usize,
            rows: ((max_n - min_n) / size_m).ceil().max(1.0) as usize,
        }
    }

    /// Index of the cell containing a local-frame position, if inside the grid.
    pub fn index_of(&self, east_m: f64, north_m: f64) -> Option<usize> {
        let c = ((east_m - self.origin_east_m) / self.size_m).floor();
        let r = ((north_m - self.origin_north_m) / self.size_m).floor();
        if c >= 0.0 && r >= 0.0 && (c as usize) < self.cols && (r as usize) < self.rows {
            Some(r as usize * self.cols + c as usize)
        } else {
            None
        }
    }

    /// Centre of cell (col, row) in the local frame (up = 0).
    pub fn center(&self, col: usize, row: usize) -> Enu {
        Enu {
            east_m: self.origin_east_m + (col as f64 + 0.5) * self.size_m,
            north_m: self.origin_north_m + (row as f64 + 0.5) * self.size_m,
            up_m: 0.0,
        }
    }
}

/// A planning cell with its fire risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskCell {
    /// Column in the grid, west to east.
    pub col: usize,
    /// Row in the grid, south to north.
    pub row: usize,
    /// Centre in the local frame, metres (up = ground elevation in the frame).
    pub center: Enu,
    /// Centre latitude, degrees.
    pub lat_deg: f64,
    /// Centre longitude, degrees.
    pub lon_deg: f64,
    /// Ground elevation at the centre, metres above mean sea level.
    pub elevation_amsl_m: f64,
    /// Fire-risk index, 0 (none) to 1 (highest).
    pub risk: f64,
    /// Danger class of the risk.
    pub class: DangerClass,
}

/// Risk sums per grid cell while resampling.
#[derive(Debug, Clone)]
pub struct Accumulator {
    sum: Vec<f64>,
    count: Vec<u32>,
}

impl Accumulator {
    /// An empty accumulator for a grid.
    pub fn new(grid: &CellGrid) -> Accumulator {
        Accumulator {
            sum: vec![0.0; grid.cols * grid.rows],
            count: vec![0; grid.cols * grid.rows],
        }
    }

    /// Adds one risk sample to a cell.
    pub fn add(&mut self, cell: usize, risk: f64) {
        self.sum[cell] += risk;
        self.count[cell] += 1;
    }

    fn merge(mut self, other: Accumulator) -> Accumulator {
        for (a, b) in self.sum.iter_mut().zip(other.sum) {
            *a += b;
        }
        for (a, b) in self.count.iter_mut().zip(other.count) {
            *a += b;
        }
        self
    }

    /// Mean risk of a cell, `None` if no sample fell in it.
    pub fn mean(&self, cell: usize) -> Option<f64> {
        (self.count[cell] > 0).then(|| self.sum[cell] / f64::from(self.count[cell]))
    }
}

/// Rows of a risk table that fall outside the terrain and are not used: how many, and the
/// first, so the user can find them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowsOffTerrain {
    /// How many rows.
    pub rows: usize,
    /// The first one's line in the file.
    pub first_line: u64,
    /// Its longitude, degrees.
    pub lon_deg: f64,
    /// Its latitude, degrees.
    pub lat_deg: f64,
}

/// The planning cells of an area with their risk, and an R-tree over their centres.
#[derive(Debug, Clone)]
pub struct RiskMap {
    grid: CellGrid,
    cells: Vec<RiskCell>,
    index: RTree<GeomWithData<[f64; 2], usize>>,
    cells_without_risk: usize,
    rows_off_terrain: Option<RowsOffTerrain>,
}

impl RiskMap {
    /// Builds the cells from accumulated risk: every grid cell whose centre has terrain and
    /// which received at least one risk sample.
    pub fn from_accumulator(terrain: &Terrain, grid: CellGrid, acc: &Accumulator) -> RiskMap {
        let mut cells = Vec::new();
        let mut cells_without_risk = 0;
        for row in 0..grid.rows {
            for col in 0..grid.cols {
                let c = grid.center(col, row);
                let g = terrain.enu_to_geodetic(c);
                let Some(elev) = terrain.elevation_amsl_m(g.lat_deg, g.lon_deg) else {
                    continue;
                };
                let Some(risk) = acc.mean(row * grid.cols + col) else {
                    cells_without_risk += 1;
                    continue;
                };
                let center = terrain.geodetic_to_enu(Geodetic {
                    alt_amsl_m: elev,
                    ..g
                });
                cells.push(RiskCell {
                    col,
                    row,
                    center,
                    lat_deg: g.lat_deg,
                    lon_deg: g.lon_deg,
                    elevation_amsl_m: elev,
                    risk,
                    class: DangerClass::from_risk(risk),
                });
            }
        }
        let index = RTree::bulk_load(
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| GeomWithData::new([c.center.east_m, c.center.north_m], i))
                .collect(),
        );
        RiskMap {
            grid,
            cells,
            index,
            cells_without_risk,
            rows_off_terrain: None,
        }
    }

    /// Records the rows of the source table left out as outside the terrain.
    pub fn set_rows_off_terrain(&mut self, off: RowsOffTerrain) {
        self.rows_off_terrain = Some(off);
    }

    /// The rows of the source table left out as outside the terrain, if any.
    pub fn rows_off_terrain(&self) -> Option<RowsOffTerrain> {
        self.rows_off_terrain
    }

    /// Resamples a risk raster (values already on the 0..1 scale) into the grid.
    pub fn from_raster(terrain: &Terrain, grid: CellGrid, risk: &Raster) -> RiskMap {
        let acc = accumulate_raster(terrain, &grid, risk);
        RiskMap::from_accumulator(terrain, grid, &acc)
    }

    /// The grid.
    pub fn grid(&self) -> &CellGrid {
        &self.grid
    }

    /// The cells with risk, south-west to north-east.
    pub fn cells(&self) -> &[RiskCell] {
        &self.cells
    }

    /// Grid cells over terrain that no risk sample reached.
    pub fn cells_without_risk(&self) -> usize {
        self.cells_without_risk
    }

    /// Indices into [`RiskMap::cells`] of the cells whose centres lie within `radius_m` of a
    /// local-frame position.
    pub fn cells_within(&self, east_m: f64, north_m: f64, radius_m: f64) -> Vec<usize> {
        self.index
            .locate_within_distance([east_m, north_m], radius_m * radius_m)
            .map(|g| g.data)
            .collect()
    }

    /// Index of the cell nearest to a local-frame position.
    pub fn nearest_cell(&self, east_m: f64, north_m: f64) -> Option<usize> {
        self.index
            .nearest_neighbor([east_m, north_m])
            .map(|g| g.data)
    }

    /// Number of cells per danger class, low to extreme.
    pub fn class_counts(&self) -> [usize; 5] {
        let mut counts = [0; 5];
        for c in &self.cells {
            counts[usize::from(c.class.level() - 1)] += 1;
        }
        counts
    }

    /// Sum of the risk of all cells (the most a patrol could cover).
    pub fn total_risk(&self) -> f64 {
        self.cells.iter().map(|c| c.risk).sum()
    }
}

/// Adds every valid pixel of `risk` to the cell under its centre, or, for pixels larger than
/// half a cell, each of a grid of points across the pixel to the cell under it (rows in
/// parallel).
pub fn accumulate_raster(terrain: &Terrain, grid: &CellGrid, risk: &Raster) -> Accumulator {
    if risk.width == 0 || risk.height == 0 {
        return Accumulator::new(grid);
    }
    let frame = terrain.frame();
    // Fractional pixel coordinates (0, 0 the raster's top-left corner) to the local frame.
    let at = |col: f64, row: f64| {
        let (x, y) = risk.transform.pixel_to_map(col, row);
        let (lon, lat) = risk.crs.to_lon_lat(x, y);
        let p = frame.geodetic_to_enu(Geodetic {
            lat_deg: lat,
            lon_deg: lon,
            alt_amsl_m: 0.0,
        });
        (p.east_m, p.north_m)
    };
    let (mc, mr) = (risk.width as f64 / 2.0, risk.height as f64 / 2.0);
    let o = at(mc, mr);
    let (x, y) = (at(mc + 1.0, mr), at(mc, mr + 1.0));
    let pixel_m = (x.0 - o.0)
        .hypot(x.1 - o.1)
        .max((y.0 - o.0).hypot(y.1 - o.1));
    let samples = if pixel_m.is_finite() && pixel_m > grid.size_m / 2.0 {
        ((pixel_m / (grid.size_m / 8.0)).ceil() as usize).clamp(2, 512)
    } else {
        1
    };
    if samples > 1 {
        return accumulate_coarse(&at, grid, risk, samples);
    }
    // A pixel's centre.
    let to_enu = |col: f64, row: f64| at(col + 0.5, row + 0.5);
    let rows_per_job = 64;
    (0..risk.height.div_ceil(rows_per_job))
        .into_par_iter()
        .fold(
            || Accumulator::new(grid),
            |mut acc, job| {
                let mut spans = Vec::new();
                for row in job * rows_per_job..((job + 1) * rows_per_job).min(risk.height) {
                    let line = &risk.data[row * risk.width..(row + 1) * risk.width];
                    spans.clear();
                    let last = risk.width - 1;
                    linear_spans(
                        &|c| to_enu(c as f64, row as f64),
                        0,
                        last,
                        to_enu(0.0, row as f64),
                        to_enu(last as f64, row as f64),
                        &mut spans,
                    );
                    for &(c0, c1, (e0, n0), (e1, n1)) in &spans {
                        let span = (c1 - c0).max(1) as f64;
                        let (de, dn) = ((e1 - e0) / span, (n1 - n0) / span);
                        // Each span owns its start column; the row's last column closes the last.
                        let end = if c1 == last { c1 } else { c1 - 1 };
                        for col in c0..=end {
                            let v = line[col];
                            if v.is_nan() {
                                continue;
                            }
                            let k = (col - c0) as f64;
                            if let Some(cell) = grid.index_of(e0 + de * k, n0 + dn * k) {
                                acc.add(cell, f64::from(v));
                            }
                        }
                    }
                }
                acc
            },
        )
        .reduce(|| Accumulator::new(grid), Accumulator::merge)
}

/// [`accumulate_raster`] for a raster whose pixels span cells: each valid pixel adds its value
/// at `samples` × `samples` points evenly spread over it, so that each cell's mean weighs the
/// pixels by how much of the cell they cover.
fn accumulate_coarse(
    at: &(impl Fn(f64, f64) -> (f64, f64) + Sync),
    grid: &CellGrid,
    risk: &Raster,
    samples: usize,
) -> Accumulator {
    let step = 1.0 / samples as f64;
    (0..risk.height)
        .into_par_iter()
        .fold(
            || Accumulator::new(grid),
            |mut acc, row| {
                for col in 0..risk.width {
                    let v = risk.data[row * risk.width + col];
                    if v.is_nan() {
                        continue;
                    }
                    // Bilinear between the pixel's corners: exact enough within one pixel.
                    let (c, r) = (col as f64, row as f64);
                    let (p00, p10, p01, p11) = (
                        at(c, r),
                        at(c + 1.0, r),
                        at(c, r + 1.0),
                        at(c + 1.0, r + 1.0),
                    );
                    for i in 0..samples {
                        let u = (i as f64 + 0.5) * step;
                        for j in 0..samples {
                            let w = (j as f64 + 0.5) * step;
                            let e = (1.0 - u) * (1.0 - w) * p00.0
                                + u * (1.0 - w) * p10.0
                                + (1.0 - u) * w * p01.0
                                + u * w * p11.0;
                            let n = (1.0 - u) * (1.0 - w) * p00.1
                                + u * (1.0 - w) * p10.1
                                + (1.0 - u) * w * p01.1
                                + u * w * p11.1;
                            if let Some(cell) = grid.index_of(e, n) {
                                acc.add(cell, f64::from(v));
                            }
                        }
                    }
                }
                acc
            },
        )
        .reduce(|| Accumulator::new(grid), Accumulator::merge)
}

/// How far (metres) linear interpolation may stray from the exact transform.
const MAX_INTERPOLATION_ERROR_M: f64 = 0.05;

type Span = (usize, usize, (f64, f64), (f64, f64));

/// Splits columns `c0..=c1` into spans over which the exact pixel-to-frame transform is linear
/// within [`MAX_INTERPOLATION_ERROR_M`], checking the midpoint as GDAL's approximate
/// transformer does. A 4000-pixel row of a UTM raster needs a handful of exact transforms.
fn linear_spans(
    exact: &impl Fn(usize) -> (f64, f64),
    c0: usize,
    c1: usize,
    p0: (f64, f64),
    p1: (f64, f64),
    out: &mut Vec<Span>,
) {
    if c1 - c0 <= 8 {
        out.push((c0, c1, p0, p1));
        return;
    }
    let mid = (c0 + c1) / 2;
    let pm = exact(mid);
    let t = (mid - c0) as f64 / (c1 - c0) as f64;
    let err = (p0.0 + (p1.0 - p0.0) * t - pm.0).hypot(p0.1 + (p1.1 - p0.1) * t - pm.1);
    if err <= MAX_INTERPOLATION_ERROR_M {
        out.push((c0, c1, p0, p1));
    } else {
        linear_spans(exact, c0, mid, p0, pm, out);
        linear_spans(exact, mid, c1, pm, p1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_every_column_once_and_follow_a_curve() {
        // A curved "transform": x = c, y = c² / 5000 (0.05 m error allowed).
        let exact = |c: usize| (c as f64, (c * c) as f64 / 5000.0);
        let mut spans = Vec::new();
        linear_spans(&exact, 0, 3999, exact(0), exact(3999), &mut spans);
        assert!(
            spans.len() > 4 && spans.len() < 400,
            "{} spans",
            spans.len()
        );
        assert_eq!(spans.first().map(|s| s.0), Some(0));
        assert_eq!(spans.last().map(|s| s.1), Some(3999));
        for w in spans.windows(2) {
            assert_eq!(w[0].1, w[1].0, "spans share their boundary column");
        }
        for &(c0, c1, p0, p1) in &spans {
            for c in c0..=c1 {
                let t = (c - c0) as f64 / (c1 - c0).max(1) as f64;
                let y = p0.1 + (p1.1 - p0.1) * t;
                assert!((y - exact(c).1).abs() <= 0.06, "col {c}");
            }
        }
    }
}
