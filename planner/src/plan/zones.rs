//! No-fly zones as obstacles in the local frame, and the shortest way around them.
//!
//! Each zone that the patrol altitude cannot overfly becomes its convex hull, pushed out by a
//! safety margin ([`MARGIN_M`]). A leg that would cut a hull goes around it: the search uses
//! the exact detour around each crossed hull on its own ([`Obstacles::detour_cost_m`], cheap),
//! and the final path takes the shortest path through the visibility graph of all hull
//! corners ([`Obstacles::path_around`]), which is never longer. Going around hulls rather than
//! the zones themselves is conservative for concave zones.

use geo::{ConvexHull, Coord, Polygon};

use crate::area::no_fly::NoFlyZone;
use crate::geodesy::enu::Geodetic;
use crate::terrain::Terrain;

/// Distance kept from every zone, metres.
pub const MARGIN_M: f64 = 50.0;

/// Most corners an obstacle keeps: detours cost a shortest-path search over the corners, and
/// a circle zone's 64-gon would make every crossing leg slow to price.
pub const MAX_CORNERS: usize = 16;

/// A zone as a convex obstacle in the local frame (east, north metres), counter-clockwise.
#[derive(Debug, Clone)]
pub struct Obstacle {
    /// The zone's name.
    pub name: String,
    /// Hull corners, counter-clockwise, not closed.
    pub corners: Vec<(f64, f64)>,
    bbox: (f64, f64, f64, f64),
}

/// The obstacles of an area for a given patrol height.
#[derive(Debug, Clone, Default)]
pub struct Obstacles {
    /// The obstacles.
    pub hulls: Vec<Obstacle>,
}

fn cross(o: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

impl Obstacle {
    /// Whether a point is strictly inside.
    pub fn contains(&self, p: (f64, f64)) -> bool {
        if p.0 < self.bbox.0 || p.0 > self.bbox.2 || p.1 < self.bbox.1 || p.1 > self.bbox.3 {
            return false;
        }
        let n = self.corners.len();
        (0..n).all(|i| cross(self.corners[i], self.corners[(i + 1) % n], p) > 1e-9)
    }

    /// Whether the segment a-b passes through the interior.
    pub fn blocks(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        if a.0.max(b.0) < self.bbox.0
            || a.0.min(b.0) > self.bbox.2
            || a.1.max(b.1) < self.bbox.1
            || a.1.min(b.1) > self.bbox.3
        {
            return false;
        }
        // Clip the segment against every edge's half-plane (Cyrus-Beck): what survives is
        // inside; a positive length inside means the segment cuts the hull.
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let d = (b.0 - a.0, b.1 - a.1);
        let n = self.corners.len();
        for i in 0..n {
            let p = self.corners[i];
            let q = self.corners[(i + 1) % n];
            // Inside is left of p->q: cross(p, q, x) > 0.
            let num = cross(p, q, a);
            let den = (q.0 - p.0) * d.1 - (q.1 - p.1) * d.0;
            if den.abs() < 1e-12 {
                if num <= 1e-9 {
                    return false;
                }
                continue;
            }
            let t = -num / den;
            if den > 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t1 - t0 <= 1e-9 {
                return false;
            }
        }
        (t1 - t0) * (d.0 * d.0 + d.1 * d.1).sqrt() > 1e-3
    }
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    // sqrt, not hypot: no overflow is possible at these magnitudes and hypot is 5x slower.
    ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).sqrt()
}

impl Obstacles {
    /// The zones the patrol cannot overfly at `alt_agl_m` above the ground, as obstacles.
    /// A zone with a ceiling is overflown when the ground under it plus the patrol height
    /// clears the ceiling everywhere in the zone.
    pub fn new(terrain: &Terrain, zones: &[NoFlyZone], alt_agl_m: f64) -> Obstacles {
        let mut hulls = Vec::new();
        for z in zones {
            let outline = z.outline();
            if let Some(ceiling) = z.ceiling_amsl_m {
                let lowest_ground = lowest_ground_m(terrain, &outline);
                if lowest_ground + alt_agl_m > ceiling {
                    continue;
                }
            }
            let enu: Vec<Coord<f64>> = outline
                .exterior()
                .0
                .iter()
                .map(|c| {
                    let e = terrain.geodetic_to_enu(Geodetic {
                        lat_deg: c.y,
                        lon_deg: c.x,
                        alt_amsl_m: 0.0,
                    });
                    Coord {
                        x: e.east_m,
                        y: e.north_m,
                    }
                })
                .collect();
            let hull = Polygon::new(geo::LineString::new(enu), vec![]).convex_hull();
            let mut pts: Vec<(f64, f64)> = hull.exterior().0.iter().map(|c| (c.x, c.y)).collect();
            pts.pop(); // closing point
            if pts.len() < 3 {
                continue;
            }
            // Counter-clockwise order.
            let area2: f64 = (0..pts.len())
                .map(|i| cross((0.0, 0.0), pts[i], pts[(i + 1) % pts.len()]))
                .sum();
            if area2 < 0.0 {
                pts.reverse();
            }
            let corners = offset_convex(&simplify_convex(&pts, MAX_CORNERS), MARGIN_M);
            let bbox = corners
                .iter()
                .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |b, p| {
                    (b.0.min(p.0), b.1.min(p.1), b.2.max(p.0), b.3.max(p.1))
                });
            hulls.push(Obstacle {
                name: z.name.clone(),
                corners,
                bbox,
            });
        }
        Obstacles { hulls }
    }

    /// The obstacle containing a point, if any.
    pub fn containing(&self, p: (f64, f64)) -> Option<&Obstacle> {
        self.hulls.iter().find(|h| h.contains(p))
    }

    /// Length of the way from a to b, going around each crossed obstacle on its own
    /// (an upper bound of nothing and a lower bound of nothing: exact for one obstacle).
    pub fn detour_cost_m(&self, a: (f64, f64), b: (f64, f64)) -> f64 {
        let straight = dist(a, b);
        let mut extra = 0.0;
        for h in &self.hulls {
            if h.blocks(a, b) {
                extra += taut_around(h, a, b) - straight;
            }
        }
        straight + extra
    }

    /// The shortest way from a to b avoiding all obstacles: the corners to fly through
    /// (excluding a and b) and the length; `None` if there is none.
    pub fn path_around(&self, a: (f64, f64), b: (f64, f64)) -> Option<(f64, Vec<(f64, f64)>)> {
        let all: Vec<&Obstacle> = self.hulls.iter().collect();
        if !all.iter().any(|h| h.blocks(a, b)) {
            return Some((dist(a, b), Vec::new()));
        }
        shortest_path(&all, a, b)
    }
}

/// Length of the shortest way from a to b around one convex obstacle that the segment a-b
/// cuts: the shorter of the two boundary chains between a and b of the convex hull of the
/// obstacle's corners with a and b (a taut string around a convex body follows that hull).
fn taut_around(h: &Obstacle, a: (f64, f64), b: (f64, f64)) -> f64 {
    let mut pts: Vec<(f64, f64)> = h.corners.clone();
    pts.push(a);
    pts.push(b);
    let hull = convex_hull_ccw(pts);
    let (Some(ia), Some(ib)) = (
        hull.iter().position(|&p| p == a),
        hull.iter().position(|&p| p == b),
    ) else {
        // Not both on the hull: the segment cannot really cut the obstacle; be safe anyway.
        return shortest_path(&[h], a, b).map_or(f64::INFINITY, |(len, _)| len);
    };
    let n = hull.len();
    let chain = |from: usize, to: usize| {
        let mut len = 0.0;
        let mut i = from;
        while i != to {
            let j = (i + 1) % n;
            len += dist(hull[i], hull[j]);
            i = j;
        }
        len
    };
    chain(ia, ib).min(chain(ib, ia))
}

/// Convex hull, counter-clockwise, by Andrew's monotone chain.
fn convex_hull_ccw(mut pts: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    pts.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.total_cmp(&q.1)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut hull: Vec<(f64, f64)> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &(f64, f64)>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// Dijkstra over a, b and the corners of `hulls`, edges where no hull is cut.
fn shortest_path(
    hulls: &[&Obstacle],
    a: (f64, f64),
    b: (f64, f64),
) -> Option<(f64, Vec<(f64, f64)>)> {
    let mut pts = vec![a, b];
    for h in hulls {
        pts.extend(h.corners.iter().copied());
    }
    let n = pts.len();
    let visible = |i: usize, j: usize| !hulls.iter().any(|h| h.blocks(pts[i], pts[j]));
    let mut best = vec![f64::INFINITY; n];
    let mut prev = vec![usize::MAX; n];
    let mut done = vec![false; n];
    best[0] = 0.0;
    for _ in 0..n {
        let Some(u) = (0..n)
            .filter(|&i| !done[i] && best[i].is_finite())
            .min_by(|&x, &y| best[x].total_cmp(&best[y]))
        else {
            break;
        };
        if u == 1 {
            break;
        }
        done[u] = true;
        for v in 0..n {
            if done[v] || v == u {
                continue;
            }
            let d = best[u] + dist(pts[u], pts[v]);
            if d < best[v] && visible(u, v) {
                best[v] = d;
                prev[v] = u;
            }
        }
    }
    if !best[1].is_finite() {
        return None;
    }
    let mut corners = Vec::new();
    let mut at = prev[1];
    while at != 0 && at != usize::MAX {
        corners.push(pts[at]);
        at = prev[at];
    }
    corners.reverse();
    Some((best[1], corners))
}

/// A convex polygon with at most `max` corners that still contains `pts` (counter-clockwise,
/// convex): every k-th corner, pushed out by the farthest distance any dropped corner lay
/// outside the reduced polygon.
fn simplify_convex(pts: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    if pts.len() <= max {
        return pts.to_vec();
    }
    let step = pts.len().div_ceil(max);
    let kept: Vec<(f64, f64)> = pts.iter().step_by(step).copied().collect();
    let n = kept.len();
    let mut outside = 0.0f64;
    for &p in pts {
        for i in 0..n {
            let (a, b) = (kept[i], kept[(i + 1) % n]);
            let len = dist(a, b).max(1e-12);
            // Negative cross = right of a->b = outside for a counter-clockwise ring.
            outside = outside.max(-cross(a, b, p) / len);
        }
    }
    offset_convex(&kept, outside + 1e-6)
}

/// Pushes a counter-clockwise convex polygon out by `margin` (mitred corners, capped).
fn offset_convex(pts: &[(f64, f64)], margin: f64) -> Vec<(f64, f64)> {
    let n = pts.len();
    (0..n)
        .map(|i| {
            let p = pts[i];
            let prev = pts[(i + n - 1) % n];
            let next = pts[(i + 1) % n];
            let normal = |a: (f64, f64), b: (f64, f64)| {
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                let l = dx.hypot(dy).max(1e-12);
                (dy / l, -dx / l) // right of a->b is outside for CCW
            };
            let n1 = normal(prev, p);
            let n2 = normal(p, next);
            let (mx, my) = (n1.0 + n2.0, n1.1 + n2.1);
            let dot = 1.0 + n1.0 * n2.0 + n1.1 * n2.1;
            let scale = if dot > 0.2 {
                margin * 2.0 / dot
            } else {
                margin * 10.0
            };
            // (n1 + n2) · scale / 2 puts the corner at `margin` from both edges.
            (p.0 + mx * scale / 2.0, p.1 + my * scale / 2.0)
        })
        .collect()
}

fn lowest_ground_m(terrain: &Terrain, outline: &Polygon<f64>) -> f64 {
    use geo::{BoundingRect, Contains};
    let Some(bb) = outline.bounding_rect() else {
        return f64::NEG_INFINITY;
    };
    let mut lowest = f64::INFINITY;
    for i in 0..=20 {
        for j in 0..=20 {
            let lon = bb.min().x + (bb.max().x - bb.min().x) * f64::from(i) / 20.0;
            let lat = bb.min().y + (bb.max().y - bb.min().y) * f64::from(j) / 20.0;
            if outline.contains(&geo::Point::new(lon, lat)) {
                if let Some(e) = terrain.elevation_amsl_m(lat, lon) {
                    lowest = lowest.min(e);
                }
            }
        }
    }
    if lowest.is_finite() {
        lowest
    } else {
        f64::NEG_INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Obstacle {
        let corners = vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0)];
        Obstacle {
            name: "sq".into(),
            corners,
            bbox: (0.0, 0.0, 100.0, 100.0),
        }
    }

    #[test]
    fn blocking_and_touching() {
        let s = square();
        assert!(s.blocks((-50.0, 50.0), (150.0, 50.0)));
        assert!(!s.blocks((-50.0, 150.0), (150.0, 150.0)));
        assert!(
            !s.blocks((0.0, 0.0), (100.0, 0.0)),
            "along an edge is outside"
        );
        assert!(
            s.blocks((0.0, 0.0), (100.0, 100.0)),
            "a diagonal cuts through"
        );
        assert!(!s.blocks((-10.0, -10.0), (0.0, 0.0)));
    }

    #[test]
    fn shortest_way_around_a_square() {
        let obstacles = Obstacles {
            hulls: vec![square()],
        };
        let (len, corners) = obstacles.path_around((-50.0, 50.0), (150.0, 50.0)).unwrap();
        // Around two corners: 2 * hypot(50, 50) + 100.
        assert!(
            (len - (2.0 * 50f64.hypot(50.0) + 100.0)).abs() < 1e-6,
            "{len}"
        );
        assert_eq!(corners.len(), 2);
        assert!((obstacles.detour_cost_m((-50.0, 50.0), (150.0, 50.0)) - len).abs() < 1e-9);
        let offset = offset_convex(&square().corners, 10.0);
        // A 64-gon circle reduced to 16 corners still contains the circle.
        let circle: Vec<(f64, f64)> = (0..64)
            .map(|i| {
                let a = f64::from(i) * std::f64::consts::TAU / 64.0;
                (100.0 * a.cos(), 100.0 * a.sin())
            })
            .collect();
        let reduced = simplify_convex(&circle, MAX_CORNERS);
        assert!(reduced.len() <= MAX_CORNERS);
        let hull = Obstacle {
            name: "c".into(),
            bbox: (-200.0, -200.0, 200.0, 200.0),
            corners: reduced,
        };
        assert!(
            circle
                .iter()
                .all(|&p| hull.contains((p.0 * 0.999, p.1 * 0.999)))
        );
        assert!(
            (offset[0].0 + 10.0).abs() < 1e-9 && (offset[0].1 + 10.0).abs() < 1e-9,
            "{offset:?}"
        );
    }
}
