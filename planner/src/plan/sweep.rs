//! Lawn-mower sweeps over contiguous high-risk stretches.
//!
//! Point visits cross a cell along one camera strip; where the danger is high over a
//! contiguous stretch, the planner also offers the search a sweep that sees all of it:
//! parallel east-west passes spaced by the camera strip less the side overlap, flown in
//! alternating directions (boustrophedon). Components of class 4 and 5 cells (4-connected) of
//! at least [`MIN_CELLS`] cells become sweeps, cut into pieces of at most [`MAX_CELLS`] cells
//! so that one fits in a sortie.

use std::collections::{HashMap, VecDeque};

use crate::risk::cells::{CellGrid, RiskCell};

/// Smallest stretch worth a sweep, cells.
pub const MIN_CELLS: usize = 6;
/// Largest sweep, cells (fewer when the fleet's sorties are short).
pub const MAX_CELLS: usize = 36;
/// Lowest danger class swept.
pub const MIN_CLASS: u8 = 4;

/// A lawn-mower sweep over some cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// Indices of the cells it covers (into the risk map's cells).
    pub cells: Vec<usize>,
    /// Pass ends in flying order, local frame (east, north) metres.
    pub points: Vec<(f64, f64)>,
    /// Length of the pattern from first to last point, metres.
    pub length_m: f64,
}

/// The sweeps over the high-risk stretches among `candidates` (cell indices), with passes
/// `spacing_m` apart, each of about `max_length_m` at most (so that it fits in a sortie).
pub fn build_sweeps(
    cells: &[RiskCell],
    candidates: &[usize],
    grid: &CellGrid,
    spacing_m: f64,
    max_length_m: f64,
) -> Vec<Sweep> {
    if !(spacing_m > 1.0) {
        return Vec::new();
    }
    let hot: HashMap<(usize, usize), usize> = candidates
        .iter()
        .filter(|&&ci| cells[ci].class.level() >= MIN_CLASS)
        .map(|&ci| ((cells[ci].col, cells[ci].row), ci))
        .collect();
    let mut keys: Vec<(usize, usize)> = hot.keys().copied().collect();
    keys.sort_by_key(|&(c, r)| (r, c));
    let mut done: HashMap<(usize, usize), bool> = HashMap::new();
    let mut sweeps = Vec::new();
    for start in keys {
        if done.contains_key(&start) {
            continue;
        }
        let mut component = Vec::new();
        let mut queue = VecDeque::from([start]);
        done.insert(start, true);
        while let Some((c, r)) = queue.pop_front() {
            component.push((c, r));
            let neighbours = [
                (c.wrapping_sub(1), r),
                (c + 1, r),
                (c, r.wrapping_sub(1)),
                (c, r + 1),
            ];
            for n in neighbours {
                if hot.contains_key(&n) && !done.contains_key(&n) {
                    done.insert(n, true);
                    queue.push_back(n);
                }
            }
        }
        if component.len() < MIN_CELLS {
            continue;
        }
        component.sort_by_key(|&(c, r)| (r, c));
        // A cell takes about size² / spacing metres of passes.
        let per_cell_m = grid.size_m * grid.size_m / spacing_m;
        let max_cells = ((max_length_m / per_cell_m) as usize).clamp(MIN_CELLS, MAX_CELLS);
        for piece in component.chunks(max_cells) {
            if piece.len() < MIN_CELLS {
                continue;
            }
            let sweep = sweep_over(piece, &hot, grid, spacing_m);
            // A strip wider than the stretch leaves no pass to fly: point visits see it all.
            if sweep.points.len() >= 2 {
                sweeps.push(sweep);
            }
        }
    }
    sweeps
}

fn sweep_over(
    piece: &[(usize, usize)],
    hot: &HashMap<(usize, usize), usize>,
    grid: &CellGrid,
    spacing_m: f64,
) -> Sweep {
    let row_min = piece.iter().map(|p| p.1).min().unwrap_or(0);
    let row_max = piece.iter().map(|p| p.1).max().unwrap_or(0);
    let south = grid.origin_north_m + row_min as f64 * grid.size_m;
    let north = grid.origin_north_m + (row_max + 1) as f64 * grid.size_m;
    let mut points = Vec::new();
    let mut y = south + spacing_m / 2.0;
    let mut eastward = true;
    while y < north {
        let row = ((y - grid.origin_north_m) / grid.size_m).floor() as usize;
        let cols: Vec<usize> = piece.iter().filter(|p| p.1 == row).map(|p| p.0).collect();
        if let (Some(&c0), Some(&c1)) = (cols.iter().min(), cols.iter().max()) {
            let west = grid.origin_east_m + c0 as f64 * grid.size_m;
            let east = grid.origin_east_m + (c1 + 1) as f64 * grid.size_m;
            if eastward {
                points.push((west, y));
                points.push((east, y));
            } else {
                points.push((east, y));
                points.push((west, y));
            }
            eastward = !eastward;
        }
        y += spacing_m;
    }
    let length_m = points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
        .sum();
    Sweep {
        cells: piece.iter().filter_map(|p| hot.get(p).copied()).collect(),
        points,
        length_m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::enu::Enu;
    use crate::risk::class::DangerClass;

    fn cell(col: usize, row: usize, level: u8) -> RiskCell {
        RiskCell {
            col,
            row,
            center: Enu {
                east_m: col as f64 * 250.0 + 125.0,
                north_m: row as f64 * 250.0 + 125.0,
                up_m: 0.0,
            },
            lat_deg: 0.0,
            lon_deg: 0.0,
            elevation_amsl_m: 0.0,
            risk: f64::from(level) / 5.0 - 0.1,
            class: DangerClass::new(level).unwrap(),
        }
    }

    #[test]
    fn a_block_of_hot_cells_gets_a_boustrophedon() {
        let grid = CellGrid {
            origin_east_m: 0.0,
            origin_north_m: 0.0,
            size_m: 250.0,
            cols: 10,
            rows: 10,
        };
        let mut cells = Vec::new();
        for r in 2..5 {
            for c in 3..6 {
                cells.push(cell(c, r, 5));
            }
        }
        cells.push(cell(0, 0, 5)); // isolated: no sweep
        cells.push(cell(8, 8, 2)); // low class: no sweep
        let candidates: Vec<usize> = (0..cells.len()).collect();
        let sweeps = build_sweeps(&cells, &candidates, &grid, 50.0, 1e9);
        assert_eq!(sweeps.len(), 1);
        let s = &sweeps[0];
        assert_eq!(s.cells.len(), 9);
        // 750 m tall block, passes 50 m apart: 15 passes of 750 m, alternating.
        assert_eq!(s.points.len(), 30);
        assert_eq!(s.points[0], (750.0, 525.0));
        assert_eq!(s.points[1], (1500.0, 525.0));
        assert_eq!(s.points[2], (1500.0, 575.0));
        assert!((s.length_m - (15.0 * 750.0 + 14.0 * 50.0)).abs() < 1e-9);
        // Passes further apart than the stretch is tall: no sweep, rather than an empty one.
        assert!(build_sweeps(&cells, &candidates, &grid, 2000.0, 1e9).is_empty());
    }
}
