//! Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, "Distance Transforms
//! of Sampled Functions"): for every pixel, the distance in metres to the nearest marked
//! pixel, in time linear in the pixel count. Pixels may be rectangular (`dx_m` by `dy_m`), as
//! geographic DEM pixels are.

/// Distances in metres from every pixel to the nearest `true` pixel of `sources`
/// (row-major, `width` by `height`); `f32::INFINITY` everywhere when there is no source.
pub fn distance_transform_m(
    sources: &[bool],
    width: usize,
    height: usize,
    dx_m: f64,
    dy_m: f64,
) -> Vec<f32> {
    const FAR: f64 = 1e20;
    let mut sq: Vec<f64> = sources.iter().map(|&s| if s { 0.0 } else { FAR }).collect();
    if !sources.iter().any(|&s| s) {
        return vec![f32::INFINITY; width * height];
    }
    let mut f = vec![0.0; width.max(height)];
    let mut d = vec![0.0; width.max(height)];
    let mut v = vec![0usize; width.max(height)];
    let mut z = vec![0.0; width.max(height) + 1];
    // Columns first (spacing dy), then rows (spacing dx).
    for col in 0..width {
        for row in 0..height {
            f[row] = sq[row * width + col];
        }
        transform_1d(&f[..height], dy_m * dy_m, &mut d[..height], &mut v, &mut z);
        for row in 0..height {
            sq[row * width + col] = d[row];
        }
    }
    for row in 0..height {
        let line = &mut sq[row * width..(row + 1) * width];
        f[..width].copy_from_slice(line);
        transform_1d(&f[..width], dx_m * dx_m, &mut d[..width], &mut v, &mut z);
        line.copy_from_slice(&d[..width]);
    }
    sq.into_iter().map(|s| s.sqrt() as f32).collect()
}

/// The 1-D squared distance transform of `f` with sample spacing² `w`: out[p] = min_q f[q] +
/// w (p - q)².
fn transform_1d(f: &[f64], w: f64, out: &mut [f64], v: &mut [usize], z: &mut [f64]) {
    let n = f.len();
    if n == 0 {
        return;
    }
    let mut k = 0;
    v[0] = 0;
    z[0] = f64::NEG_INFINITY;
    z[1] = f64::INFINITY;
    for q in 1..n {
        loop {
            let p = v[k];
            let s = ((f[q] + w * (q * q) as f64) - (f[p] + w * (p * p) as f64))
                / (2.0 * w * (q as f64 - p as f64));
            if s <= z[k] && k > 0 {
                k -= 1;
                continue;
            }
            if s <= z[k] {
                // k == 0: q replaces the only parabola.
                v[0] = q;
                z[0] = f64::NEG_INFINITY;
                z[1] = f64::INFINITY;
                break;
            }
            k += 1;
            v[k] = q;
            z[k] = s;
            z[k + 1] = f64::INFINITY;
            break;
        }
    }
    k = 0;
    for (p, o) in out.iter_mut().enumerate() {
        while z[k + 1] < p as f64 {
            k += 1;
        }
        let q = v[k];
        let dq = p as f64 - q as f64;
        *o = f[q] + w * dq * dq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_brute_force_on_rectangular_pixels() {
        let (w, h) = (23, 17);
        let mut sources = vec![false; w * h];
        for &(c, r) in &[(3, 4), (20, 1), (11, 15), (12, 15)] {
            sources[r * w + c] = true;
        }
        let (dx, dy) = (74.0, 92.5);
        let got = distance_transform_m(&sources, w, h, dx, dy);
        for r in 0..h {
            for c in 0..w {
                let mut best = f64::INFINITY;
                for rr in 0..h {
                    for cc in 0..w {
                        if sources[rr * w + cc] {
                            let d =
                                ((c as f64 - cc as f64) * dx).hypot((r as f64 - rr as f64) * dy);
                            best = best.min(d);
                        }
                    }
                }
                assert!((f64::from(got[r * w + c]) - best).abs() < 1e-2, "({c},{r})");
            }
        }
    }

    #[test]
    fn no_source_is_infinitely_far() {
        assert!(
            distance_transform_m(&[false; 6], 3, 2, 1.0, 1.0)
                .iter()
                .all(|d| d.is_infinite())
        );
    }
}
