//! The DEM resampled to a regular grid for the terrain mesh: elevations, normals and
//! hillshaded colours. Plain numbers, no Bevy types, so that it is tested on its own.

use patrol_planner::geodesy::flat::LonLat;
use patrol_planner::terrain::Terrain;

/// Light for the hillshade: from the north-west (azimuth 315°), 45° above the horizon, as
/// cartographers draw it.
const SUN_AZIMUTH_DEG: f64 = 315.0;
const SUN_ELEVATION_DEG: f64 = 45.0;

/// Elevations on a `cols` x `rows` grid of WGS 84 points spanning the DEM's extent, row 0 in
/// the north.
///
/// Invariant: `elev_amsl_m.len() == cols * rows`, `cols, rows >= 2`.
#[derive(Debug, Clone, PartialEq)]
pub struct TerrainGrid {
    /// Columns (west to east).
    pub cols: usize,
    /// Rows (north to south).
    pub rows: usize,
    /// Latitude of row 0 (north edge) and of the last row, degrees.
    pub lat_range_deg: (f64, f64),
    /// Longitude of column 0 (west edge) and of the last column, degrees.
    pub lon_range_deg: (f64, f64),
    /// Elevation per grid point, row-major, metres above mean sea level (NoData holes take
    /// the DEM's lowest elevation).
    pub elev_amsl_m: Vec<f64>,
}

impl TerrainGrid {
    /// Samples `terrain` on a grid of at most `max_points` points along its longer side,
    /// keeping the DEM's aspect ratio (never more points than DEM pixels).
    pub fn sample(terrain: &Terrain, max_points: usize) -> TerrainGrid {
        let raster = terrain.raster();
        let b = terrain.extent();
        let (res_x, res_y) = terrain.resolution_m();
        let width_m = raster.width as f64 * res_x;
        let height_m = raster.height as f64 * res_y;
        let longest = width_m.max(height_m).max(1.0);
        let max_points = max_points.max(2) as f64;
        let cols =
            ((width_m / longest * max_points).round() as usize).clamp(2, raster.width.max(2));
        let rows =
            ((height_m / longest * max_points).round() as usize).clamp(2, raster.height.max(2));
        // Grid points sit half a step inside the edges so that bilinear sampling has data.
        let lat_at =
            |r: usize| b.north_deg - (r as f64 + 0.5) / rows as f64 * (b.north_deg - b.south_deg);
        let lon_at =
            |c: usize| b.west_deg + (c as f64 + 0.5) / cols as f64 * (b.east_deg - b.west_deg);
        let fallback = f64::from(terrain.elevation_range_m().0);
        let mut elev_amsl_m = Vec::with_capacity(cols * rows);
        for r in 0..rows {
            for c in 0..cols {
                elev_amsl_m.push(
                    terrain
                        .elevation_amsl_m(lat_at(r), lon_at(c))
                        .unwrap_or(fallback),
                );
            }
        }
        TerrainGrid {
            cols,
            rows,
            lat_range_deg: (lat_at(0), lat_at(rows - 1)),
            lon_range_deg: (lon_at(0), lon_at(cols - 1)),
            elev_amsl_m,
        }
    }

    /// WGS 84 position of grid point (col, row).
    pub fn position(&self, col: usize, row: usize) -> LonLat {
        let f = |i: usize, n: usize| i as f64 / (n - 1) as f64;
        LonLat::new(
            self.lon_range_deg.0
                + (self.lon_range_deg.1 - self.lon_range_deg.0) * f(col, self.cols),
            self.lat_range_deg.0
                + (self.lat_range_deg.1 - self.lat_range_deg.0) * f(row, self.rows),
        )
    }

    /// Elevation at grid point (col, row), clamped to the grid, metres above mean sea level.
    pub fn elev(&self, col: isize, row: isize) -> f64 {
        let c = col.clamp(0, self.cols as isize - 1) as usize;
        let r = row.clamp(0, self.rows as isize - 1) as usize;
        self.elev_amsl_m[r * self.cols + c]
    }

    /// Unit surface normal at grid point (col, row) as (east, north, up), by central
    /// differences over grid steps of `step_m` = (east-west, north-south) metres.
    pub fn normal_enu(&self, col: usize, row: usize, step_m: (f64, f64)) -> [f64; 3] {
        let (c, r) = (col as isize, row as isize);
        let dz_de = (self.elev(c + 1, r) - self.elev(c - 1, r)) / (2.0 * step_m.0);
        // Rows run southwards, so north is -row.
        let dz_dn = (self.elev(c, r - 1) - self.elev(c, r + 1)) / (2.0 * step_m.1);
        let n = [-dz_de, -dz_dn, 1.0];
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        [n[0] / len, n[1] / len, n[2] / len]
    }
}

/// Hillshade brightness of a surface with unit normal (east, north, up), 0..1 (Lambert
/// towards the fixed sun).
pub fn hillshade(normal_enu: [f64; 3]) -> f64 {
    let az = SUN_AZIMUTH_DEG.to_radians();
    let el = SUN_ELEVATION_DEG.to_radians();
    let sun = [az.sin() * el.cos(), az.cos() * el.cos(), el.sin()];
    (normal_enu[0] * sun[0] + normal_enu[1] * sun[1] + normal_enu[2] * sun[2]).max(0.0)
}

/// sRGB colour (0..1) of terrain at `t` of the way from the lowest to the highest elevation:
/// forest green in the valleys through olive to a brown on the ridges.
pub fn elevation_colour(t: f64) -> [f64; 3] {
    const STOPS: [(f64, [f64; 3]); 3] = [
        (0.0, [0.20, 0.42, 0.20]),
        (0.5, [0.45, 0.50, 0.27]),
        (1.0, [0.58, 0.47, 0.35]),
    ];
    let t = t.clamp(0.0, 1.0);
    let (a, b) = if t <= STOPS[1].0 {
        (STOPS[0], STOPS[1])
    } else {
        (STOPS[1], STOPS[2])
    };
    let f = (t - a.0) / (b.0 - a.0);
    [0, 1, 2].map(|i| a.1[i] + (b.1[i] - a.1[i]) * f)
}

/// The colour drawn for terrain: elevation colour darkened by the hillshade (never below
/// 45 %, so that shaded slopes stay readable), sRGB 0..1.
pub fn shaded_colour(t: f64, normal_enu: [f64; 3]) -> [f64; 3] {
    let light = 0.45 + 0.55 * hillshade(normal_enu);
    elevation_colour(t).map(|c| c * light)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(elev: Vec<f64>, cols: usize) -> TerrainGrid {
        let rows = elev.len() / cols;
        TerrainGrid {
            cols,
            rows,
            lat_range_deg: (36.1, 36.0),
            lon_range_deg: (-84.0, -83.9),
            elev_amsl_m: elev,
        }
    }

    #[test]
    fn flat_ground_faces_up() {
        let g = grid(vec![500.0; 9], 3);
        let n = g.normal_enu(1, 1, (30.0, 30.0));
        assert_eq!(n, [0.0, 0.0, 1.0]);
        assert!((hillshade(n) - 45f64.to_radians().sin()).abs() < 1e-12);
    }

    #[test]
    fn a_slope_rising_east_faces_west() {
        // +10 m per 10 m step eastwards: a 45° slope facing west.
        let g = grid(vec![0.0, 10.0, 20.0, 0.0, 10.0, 20.0, 0.0, 10.0, 20.0], 3);
        let n = g.normal_enu(1, 1, (10.0, 10.0));
        assert!((n[0] + 0.5f64.sqrt()).abs() < 1e-12, "{n:?}");
        assert!(n[1].abs() < 1e-12);
        // Facing the north-western sun is brighter than facing away from it.
        let facing_away = grid(vec![20.0, 10.0, 0.0, 20.0, 10.0, 0.0, 20.0, 10.0, 0.0], 3)
            .normal_enu(1, 1, (10.0, 10.0));
        assert!(hillshade(n) > hillshade(facing_away));
    }

    #[test]
    fn rows_run_south() {
        // Higher in the north (row 0): the slope faces south.
        let g = grid(vec![20.0, 20.0, 20.0, 10.0, 10.0, 10.0, 0.0, 0.0, 0.0], 3);
        let n = g.normal_enu(1, 1, (10.0, 10.0));
        assert!(n[1] < -0.5, "{n:?}");
        assert_eq!(g.position(0, 0), LonLat::new(-84.0, 36.1));
        assert_eq!(g.position(2, 2), LonLat::new(-83.9, 36.0));
    }

    #[test]
    fn colours_run_from_green_to_brown() {
        let low = elevation_colour(0.0);
        let high = elevation_colour(1.0);
        assert!(low[1] > low[0], "valleys are green");
        assert!(high[0] > high[2], "ridges are brown");
        assert_eq!(elevation_colour(-1.0), low);
        let shaded = shaded_colour(0.0, [0.0, 0.0, -1.0]);
        assert!((shaded[1] - low[1] * 0.45).abs() < 1e-12);
    }
}
