//! What a tower camera can see: per DEM cell, the height above the ground a target there must
//! reach to be in the camera's line of sight (for a fire, the height its smoke column must
//! reach), within the camera's range.
//!
//! # Algorithm
//!
//! The same as GDAL 3.6's `gdal_viewshed` (`alg/viewshed.cpp`, its "edge" interpolation, the
//! only one the command offers), so that its `-om GROUND` output is an outside oracle for this
//! one (`planner/tests/planner/viewshed_gdal.rs`). Rows are swept outward from the observer's
//! row, and in each row columns outward from the observer's column. Every cell's sight-line
//! height `Z` (the lowest height at that cell that the line of sight from the observer's eye
//! clears, given everything between) is interpolated from the two neighbours one step closer
//! to the observer, in the previous row and in this one:
//!
//! - `line(i, za, zo) = za` for `i = 1`, else `za + (za − zo) / (i − 1)`: straight out from
//!   the eye `zo` over `za`, one step further;
//! - `edge(i, j, za, zb, zo) = ((za − zo)·i + (zb − zo)·(j − i)) / (j − 1) + zo`, the same
//!   between two neighbours weighted by the direction (`i < j` are the smaller and larger
//!   offsets from the observer);
//!
//! then the cell's effective height for the cells behind it becomes `max(ground, Z)`, and the
//! height a target needs is `max(0, Z − ground)`. Ground heights are lowered by Earth's
//! curvature less refraction, `cc · r² / (2 a)` with `r` the horizontal distance between cell
//! centres, `a` WGS 84's semi-major axis and `cc` = 0.85714 (GDAL's default: a refraction
//! coefficient of 1/7). A cell farther than the range from the observer's cell centre, and every
//! cell beyond it in its row on that side, is out of range.
//!
//! Where this differs from GDAL 3.6.2, on purpose: the eight neighbours of the observer's cell
//! are reported seen down to the ground (nothing stands between them and the camera; GDAL
//! gives the north, south and diagonal ones the observer's ground as their sight line, without
//! the mast, and so reports one below the mast's foot hidden), while the sight line carried
//! past them stays GDAL's; and a NoData cell (NaN) stays unknown instead of being taken as an
//! elevation.

/// GDAL's default curvature coefficient: 1 − the refraction coefficient 1/7.
pub const CURVATURE_COEFFICIENT: f64 = 0.85714;
/// WGS 84 semi-major axis, metres.
pub const WGS84_SEMI_MAJOR_M: f64 = 6_378_137.0;

/// A DEM as the viewshed reads it: elevations row by row from the north, in a metric grid.
#[derive(Debug, Clone, Copy)]
pub struct Grid<'a> {
    /// Elevations, metres; NaN where unknown.
    pub elevation_m: &'a [f32],
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Cell width (east-west), metres.
    pub cell_w_m: f64,
    /// Cell height (north-south), metres.
    pub cell_h_m: f64,
}

/// A camera on a mast.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observer {
    /// The DEM cell the mast stands in.
    pub col: usize,
    /// The DEM cell the mast stands in.
    pub row: usize,
    /// The camera's height above that cell's ground, metres.
    pub height_agl_m: f64,
    /// Range, metres (cell centre to cell centre); 0 = unlimited.
    pub range_m: f64,
}

/// The result: a window of the DEM around the observer (the range's bounding box, clipped to
/// the DEM), with per cell the height above the ground a target needs to be seen, metres
/// (0 = seen down to the ground); NaN out of range or over unknown ground.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewshed {
    /// The window's first column in the DEM.
    pub col0: usize,
    /// The window's first row in the DEM.
    pub row0: usize,
    /// The window's columns.
    pub width: usize,
    /// The window's rows.
    pub height: usize,
    /// Needed height above the ground, metres, row by row.
    pub needed_agl_m: Vec<f32>,
}

impl Viewshed {
    /// The needed height at DEM cell (col, row); `None` outside the window or out of range.
    pub fn needed_at(&self, col: usize, row: usize) -> Option<f32> {
        let (c, r) = (col.checked_sub(self.col0)?, row.checked_sub(self.row0)?);
        if c >= self.width || r >= self.height {
            return None;
        }
        let v = self.needed_agl_m[r * self.width + c];
        (!v.is_nan()).then_some(v)
    }
}

fn line(i: f64, za: f64, zo: f64) -> f64 {
    if i == 1.0 {
        za
    } else {
        (za - zo) / (i - 1.0) + za
    }
}

fn edge(i: f64, j: f64, za: f64, zb: f64, zo: f64) -> f64 {
    if i == j {
        line(i, za, zo)
    } else {
        ((za - zo) * i + (zb - zo) * (j - i)) / (j - 1.0) + zo
    }
}

/// The viewshed of `observer` over `grid`, with curvature coefficient `cc` (0 = none).
///
/// # Panics
/// Never; an observer outside the grid gives an empty window.
pub fn viewshed(grid: &Grid<'_>, observer: &Observer, cc: f64) -> Viewshed {
    let (w, h) = (grid.width, grid.height);
    if observer.col >= w || observer.row >= h || grid.elevation_m.len() < w * h {
        return Viewshed {
            col0: 0,
            row0: 0,
            width: 0,
            height: 0,
            needed_agl_m: Vec::new(),
        };
    }
    let (nx, ny) = (observer.col as i64, observer.row as i64);
    let md = observer.range_m.max(0.0);
    let (px, py) = (grid.cell_w_m, grid.cell_h_m);
    let (x0, x1, y0, y1) = if md > 0.0 {
        (
            ((nx as f64 - md / px).floor().max(0.0)) as usize,
            (((nx as f64 + md / px).ceil() + 1.0) as usize).min(w),
            ((ny as f64 - md / py).floor().max(0.0)) as usize,
            (((ny as f64 + md / py).ceil() + 1.0) as usize).min(h),
        )
    } else {
        (0, w, 0, h)
    };
    let ww = x1 - x0;
    let md2 = md * md;
    let diam = 2.0 * WGS84_SEMI_MAJOR_M;
    // The ground lowered by curvature, and whether the cell is in range.
    let adjust = |dx: f64, dy: f64, z: f64| -> (f64, bool) {
        let (x, y) = (px * dx, py * dy);
        let r2 = x * x + y * y;
        (z - cc * r2 / diam, !(md2 > 0.0 && r2 > md2))
    };
    let raw_row = |r: usize| -> Vec<f64> {
        grid.elevation_m[r * w + x0..r * w + x1]
            .iter()
            .map(|&v| f64::from(v))
            .collect()
    };
    let needed = |z: f64, ground: f64| -> f32 {
        if ground.is_nan() {
            f32::NAN
        } else {
            (z - ground).max(0.0) as f32
        }
    };
    // The sight line does not rise over unknown ground.
    let effective = |ground: f64, z: f64| if ground.is_nan() { z } else { ground.max(z) };
    let cx = observer.col - x0;
    let mut out = vec![f32::NAN; ww * (y1 - y0)];

    // The observer's row.
    let mut first = raw_row(observer.row);
    let zo = observer.height_agl_m + first[cx];
    {
        let res = &mut out[(observer.row - y0) * ww..(observer.row - y0 + 1) * ww];
        res[cx] = if first[cx].is_nan() { f32::NAN } else { 0.0 };
        for c in [cx.checked_sub(1), Some(cx + 1)].into_iter().flatten() {
            if c < ww {
                first[c] = adjust(1.0, 0.0, first[c]).0;
                res[c] = if first[c].is_nan() { f32::NAN } else { 0.0 };
            }
        }
        for step in [-1i64, 1] {
            let mut c = cx as i64 + 2 * step;
            let mut gone = false;
            while c >= 0 && (c as usize) < ww {
                let cu = c as usize;
                let d = (c - cx as i64).unsigned_abs() as f64;
                let (a, ok) = adjust(d, 0.0, first[cu]);
                first[cu] = a;
                if !ok || gone {
                    gone = true;
                } else {
                    let z = line(d, first[(c - step) as usize], zo);
                    res[cu] = needed(z, a);
                    first[cu] = effective(a, z);
                }
                c += step;
            }
        }
    }

    // Rows north of the observer, then south.
    let north: Vec<usize> = (y0..observer.row).rev().collect();
    let south: Vec<usize> = (observer.row + 1..y1).collect();
    for rows in [north, south] {
        let mut last = first.clone();
        for r in rows {
            let mut this = raw_row(r);
            let res = &mut out[(r - y0) * ww..(r - y0 + 1) * ww];
            let dy = (r as i64 - ny).unsigned_abs() as f64;
            let (a, ok) = adjust(0.0, dy, this[cx]);
            this[cx] = a;
            if ok {
                let z = line(dy, last[cx], zo);
                // The neighbour straight north or south of the mast is seen to the ground.
                res[cx] = if dy == 1.0 {
                    needed(a, a)
                } else {
                    needed(z, a)
                };
                this[cx] = effective(a, z);
            }
            for step in [-1i64, 1] {
                let mut c = cx as i64 + step;
                let mut gone = false;
                while c >= 0 && (c as usize) < ww {
                    let cu = c as usize;
                    if gone {
                        c += step;
                        continue;
                    }
                    let dx = (c - cx as i64).unsigned_abs() as f64;
                    let (a, ok) = adjust(dx, dy, this[cu]);
                    this[cu] = a;
                    if !ok {
                        gone = true;
                        c += step;
                        continue;
                    }
                    let p = (c - step) as usize;
                    let z = if dx >= dy {
                        edge(dy, dx, last[p], this[p], zo)
                    } else {
                        edge(dx, dy, last[p], last[cu], zo)
                    };
                    // A diagonal neighbour of the mast: nothing stands between.
                    res[cu] = if dx == 1.0 && dy == 1.0 {
                        needed(a, a)
                    } else {
                        needed(z, a)
                    };
                    this[cu] = effective(a, z);
                    c += step;
                }
            }
            last = this;
        }
    }
    Viewshed {
        col0: x0,
        row0: y0,
        width: ww,
        height: y1 - y0,
        needed_agl_m: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 7 x 7 DEM of GDAL 3.6.2's worked examples (10 m cells, no curvature without a CRS).
    const DEM: [[f32; 7]; 7] = [
        [10., 10., 11., 10., 10., 12., 10.],
        [10., 12., 14., 16., 14., 12., 9.],
        [10., 11., 10., 10., 10., 11., 10.],
        [8., 10., 15., 10., 9., 10., 13.],
        [10., 10., 9., 8., 9., 10., 10.],
        [10., 13., 10., 11., 10., 13., 10.],
        [10., 10., 10., 20., 10., 10., 7.],
    ];

    fn grid(data: &[f32], cell_m: f64) -> Grid<'_> {
        Grid {
            elevation_m: data,
            width: 7,
            height: 7,
            cell_w_m: cell_m,
            cell_h_m: cell_m,
        }
    }

    #[test]
    fn matches_gdal_3_6_2_on_its_worked_example() {
        // `gdal_viewshed -ox 35 -oy 35 -om GROUND` (observer in cell 3,3, mast 2 m), as GDAL
        // wrote it; the cells next to the observer where GDAL's quirk shows are marked G.
        let gdal: [[f32; 7]; 7] = [
            [2., 4., 5., 8., 6., 2., 2.],
            [3., 0., 0., 0., 0., 0., 2.],
            [6., 2., 0., 0., 0., 0., 0.],
            [13., 8., 0., 0., 0., 0., 0.],
            [6., 3., 1., 2., 1., 0., 0.], // G: (2,4) 1, (3,4) 2, (4,4) 1
            [3.5, 0., 0., 0., 0., 0., 0.5],
            [3.5, 0.5, 0., 0., 0., 0.5, 6.5],
        ];
        let data: Vec<f32> = DEM.iter().flatten().copied().collect();
        let v = viewshed(
            &grid(&data, 10.0),
            &Observer {
                col: 3,
                row: 3,
                height_agl_m: 2.0,
                range_m: 0.0,
            },
            0.0,
        );
        assert_eq!((v.col0, v.row0, v.width, v.height), (0, 0, 7, 7));
        let mut differ = Vec::new();
        for r in 0..7 {
            for c in 0..7 {
                let ours = v.needed_at(c, r).expect("in range");
                if ours != gdal[r][c] {
                    differ.push((c, r, ours, gdal[r][c]));
                }
            }
        }
        // Only the neighbours below the mast's foot that GDAL hides: seen here.
        assert_eq!(
            differ,
            [(2, 4, 0.0, 1.0), (3, 4, 0.0, 2.0), (4, 4, 0.0, 1.0)],
            "{differ:?}"
        );
    }

    #[test]
    fn range_crops_the_window_and_marks_cells_beyond() {
        // `-ox 52 -oy 38 -oz 5 -md 25`: GDAL's window is columns 2-6, rows 0-6.
        let data: Vec<f32> = DEM.iter().flatten().copied().collect();
        let v = viewshed(
            &grid(&data, 10.0),
            &Observer {
                col: 5,
                row: 3,
                height_agl_m: 5.0,
                range_m: 25.0,
            },
            0.0,
        );
        assert_eq!((v.col0, v.row0, v.width, v.height), (2, 0, 5, 7));
        // GDAL's output: 99 (out of range) where `None` is expected here.
        let gdal: [[Option<f32>; 5]; 7] = [
            [None, None, None, None, None],
            [None, None, Some(0.), Some(0.), Some(0.)],
            [None, Some(0.), Some(0.), Some(0.), Some(0.)],
            [None, Some(0.), Some(0.), Some(0.), Some(0.)],
            [None, Some(0.), Some(0.), Some(0.), Some(0.)], // GDAL: 1 at column 4 (quirk)
            [None, None, Some(0.), Some(0.), Some(0.)],
            [None, None, None, None, None],
        ];
        for (r, row) in gdal.iter().enumerate() {
            for (c, want) in row.iter().enumerate() {
                assert_eq!(v.needed_at(c + 2, r), *want, "cell ({}, {r})", c + 2);
            }
        }
    }

    #[test]
    fn curvature_lowers_distant_ground_as_gdal_does() {
        // A flat plane, 1 km cells: along the observer's row the needed height grows as
        // d (d - 1) k with k = cc a² / (2 R) per cell, GDAL's quirk of its interpolation.
        let data = vec![100.0f32; 49];
        let v = viewshed(
            &grid(&data, 1000.0),
            &Observer {
                col: 0,
                row: 3,
                height_agl_m: 0.0,
                range_m: 0.0,
            },
            CURVATURE_COEFFICIENT,
        );
        let k = CURVATURE_COEFFICIENT * 1e6 / (2.0 * WGS84_SEMI_MAJOR_M);
        for d in 2..7 {
            let got = f64::from(v.needed_at(d, 3).expect("in range"));
            let want = (d * (d - 1)) as f64 * k;
            assert!((got - want).abs() < 1e-4, "d {d}: {got} vs {want}");
        }
    }

    #[test]
    fn a_ridge_hides_the_valley_behind_it() {
        // A 50 m ridge two cells east of a 10 m mast on flat ground: the valley behind needs
        // a column rising with the distance behind the ridge.
        let mut data = vec![0.0f32; 49];
        for r in 0..7 {
            data[r * 7 + 3] = 50.0;
        }
        let v = viewshed(
            &grid(&data, 30.0),
            &Observer {
                col: 1,
                row: 3,
                height_agl_m: 10.0,
                range_m: 0.0,
            },
            0.0,
        );
        let behind: Vec<f32> = (4..7)
            .map(|c| v.needed_at(c, 3).expect("in range"))
            .collect();
        assert!(behind.windows(2).all(|w| w[1] > w[0]), "{behind:?}");
        // Straight out over the crest: the line from the eye (10 m) through the crest (50 m),
        // 2 cells away, is at 70 m one cell behind it.
        assert_eq!(behind[0], 70.0);
        assert_eq!(
            v.needed_at(0, 3),
            Some(0.0),
            "the cell behind the mast is seen"
        );
    }
}
