//! Burning vector features into a raster grid: polygons by scanline (holes respected, even-odd
//! rule), lines by stepping along each segment, points into their pixel. Coordinates are
//! already in fractional pixel units (col, row from the raster's corner), so any CRS works:
//! the caller maps longitude/latitude to pixels.

/// Calls `mark(col, row)` for every pixel whose centre lies inside the polygon given by its
/// rings (exterior first, then holes) in pixel coordinates.
pub fn fill_polygon(
    rings: &[Vec<(f64, f64)>],
    width: usize,
    height: usize,
    mut mark: impl FnMut(usize, usize),
) {
    let (mut min_row, mut max_row) = (f64::INFINITY, f64::NEG_INFINITY);
    for ring in rings {
        for &(_, r) in ring {
            min_row = min_row.min(r);
            max_row = max_row.max(r);
        }
    }
    if !min_row.is_finite() {
        return;
    }
    let first = (min_row - 0.5).ceil().max(0.0) as usize;
    let last = ((max_row - 0.5).floor().min(height as f64 - 1.0)).max(-1.0);
    if last < 0.0 {
        return;
    }
    let mut crossings = Vec::new();
    for row in first..=last as usize {
        let y = row as f64 + 0.5;
        crossings.clear();
        for ring in rings {
            for i in 0..ring.len() {
                let (x0, y0) = ring[i];
                let (x1, y1) = ring[(i + 1) % ring.len()];
                // Half-open rule so that a vertex on the scanline counts once.
                if (y0 <= y && y < y1) || (y1 <= y && y < y0) {
                    crossings.push(x0 + (y - y0) * (x1 - x0) / (y1 - y0));
                }
            }
        }
        crossings.sort_by(f64::total_cmp);
        for pair in crossings.chunks_exact(2) {
            let start = (pair[0] - 0.5).ceil().max(0.0);
            let end = (pair[1] - 0.5).floor().min(width as f64 - 1.0);
            if end < start {
                continue;
            }
            for col in start as usize..=end as usize {
                mark(col, row);
            }
        }
    }
}

/// Calls `mark(col, row)` for every pixel a polyline passes through (sampled every quarter
/// pixel), in pixel coordinates.
pub fn trace_line(
    points: &[(f64, f64)],
    width: usize,
    height: usize,
    mut mark: impl FnMut(usize, usize),
) {
    let mut visit = |c: f64, r: f64| {
        if c >= 0.0 && r >= 0.0 && (c as usize) < width && (r as usize) < height {
            mark(c as usize, r as usize);
        }
    };
    if let [only] = points {
        visit(only.0, only.1);
    }
    for w in points.windows(2) {
        let (c0, r0) = w[0];
        let (c1, r1) = w[1];
        let n = (((c1 - c0).abs().max((r1 - r0).abs())) * 4.0)
            .ceil()
            .max(1.0);
        if !n.is_finite() || n > 1e8 {
            continue;
        }
        for i in 0..=n as usize {
            let t = i as f64 / n;
            visit(c0 + (c1 - c0) * t, r0 + (r1 - r0) * t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_a_square_with_a_hole() {
        let outer = vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let hole = vec![(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0)];
        let mut n = 0;
        let mut in_hole = false;
        fill_polygon(&[outer, hole], 20, 20, |c, r| {
            n += 1;
            in_hole |= (4..6).contains(&c) && (4..6).contains(&r);
        });
        assert_eq!(n, 100 - 4);
        assert!(!in_hole);
    }

    #[test]
    fn clips_to_the_grid_and_traces_lines() {
        let big = vec![(-5.0, -5.0), (50.0, -5.0), (50.0, 50.0), (-5.0, 50.0)];
        let mut n = 0;
        fill_polygon(&[big], 4, 3, |_, _| n += 1);
        assert_eq!(n, 12);
        let mut seen = std::collections::BTreeSet::new();
        trace_line(&[(0.5, 0.5), (3.5, 0.5)], 3, 1, |c, r| {
            seen.insert((c, r));
        });
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            vec![(0, 0), (1, 0), (2, 0)]
        );
    }
}
