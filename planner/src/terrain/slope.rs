//! Slope and aspect by Horn's (1981) third-order finite difference, the method of GDAL's
//! `gdaldem slope` and `gdaldem aspect`, so that our values can be checked against it.

use crate::raster::Raster;

/// Steepness and facing of the ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlopeAspect {
    /// Slope in degrees from horizontal (0 flat, 90 vertical).
    pub slope_deg: f64,
    /// Direction the slope faces (downhill), degrees clockwise from north (grid north for
    /// projected DEMs); `None` on flat ground.
    pub aspect_deg: Option<f64>,
}

/// Horn's slope and aspect at pixel (col, row) of an elevation raster whose pixels measure
/// `dx_m` by `dy_m` on the ground. Edge pixels reuse the centre value for missing neighbours;
/// `None` where the pixel itself has no data.
pub fn horn(raster: &Raster, col: i64, row: i64, dx_m: f64, dy_m: f64) -> Option<SlopeAspect> {
    let center = f64::from(raster.get(col, row)?);
    let z = |dc: i64, dr: i64| {
        raster
            .get(col + dc, row + dr)
            .map(f64::from)
            .unwrap_or(center)
    };
    let (a, b, c) = (z(-1, -1), z(0, -1), z(1, -1));
    let (d, f) = (z(-1, 0), z(1, 0));
    let (g, h, i) = (z(-1, 1), z(0, 1), z(1, 1));
    // dz/dx positive when the ground rises to the east; dz/dy positive when it rises north
    // (rows grow southward, hence the sign).
    let dzdx = ((c + 2.0 * f + i) - (a + 2.0 * d + g)) / (8.0 * dx_m);
    let dzdy = ((a + 2.0 * b + c) - (g + 2.0 * h + i)) / (8.0 * dy_m);
    let slope_deg = dzdx.hypot(dzdy).atan().to_degrees();
    let aspect_deg = if dzdx == 0.0 && dzdy == 0.0 {
        None
    } else {
        // Downhill points along -gradient.
        Some((-dzdx).atan2(-dzdy).to_degrees().rem_euclid(360.0))
    };
    Some(SlopeAspect {
        slope_deg,
        aspect_deg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::{Crs, GeoTransform};

    fn plane(east_rise: f32, north_rise: f32) -> Raster {
        let mut data = Vec::new();
        for row in 0..3 {
            for col in 0..3 {
                data.push(east_rise * col as f32 + north_rise * (2 - row) as f32);
            }
        }
        Raster {
            width: 3,
            height: 3,
            transform: GeoTransform {
                origin_x: 0.0,
                origin_y: 30.0,
                pixel_width: 10.0,
                pixel_height: -10.0,
            },
            crs: Crs::Utm(crate::geodesy::utm::UtmZone {
                zone: 17,
                north: true,
            }),
            data,
        }
    }

    #[test]
    fn a_plane_rising_east_faces_west_at_45_degrees() {
        let s = horn(&plane(10.0, 0.0), 1, 1, 10.0, 10.0).unwrap();
        assert!((s.slope_deg - 45.0).abs() < 1e-9);
        assert!((s.aspect_deg.unwrap() - 270.0).abs() < 1e-9);
    }

    #[test]
    fn a_plane_rising_north_faces_south() {
        let s = horn(&plane(0.0, 5.0), 1, 1, 10.0, 10.0).unwrap();
        assert!((s.slope_deg - 0.5f64.atan().to_degrees()).abs() < 1e-9);
        assert!((s.aspect_deg.unwrap() - 180.0).abs() < 1e-9);
        let flat = horn(&plane(0.0, 0.0), 1, 1, 10.0, 10.0).unwrap();
        assert_eq!((flat.slope_deg, flat.aspect_deg), (0.0, None));
    }
}
