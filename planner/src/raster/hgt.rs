//! SRTM `.hgt` tiles: 1 x 1 degree, big-endian int16 metres, 1201 x 1201 samples (3
//! arc-second) or 3601 x 3601 (1 arc-second), -32768 for voids, named after the south-west
//! corner of the tile (`N36W085.hgt`). Samples are points on the degree grid, so edge pixels
//! reach half a sample beyond the tile, as GDAL's SRTMHGT driver reports them.

use std::path::Path;

use super::{Crs, GeoTransform, Raster, RasterError};

const VOID: i16 = -32768;

/// Reads an SRTM `.hgt` tile; its corner comes from the file name.
pub fn read_hgt(path: &Path) -> Result<Raster, RasterError> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| RasterError::invalid(path, "file name is not valid UTF-8"))?;
    let (lat_sw, lon_sw) = parse_tile_name(name).ok_or_else(|| {
        RasterError::invalid(
            path,
            format!("file name '{name}' is not an SRTM tile name such as N36W085"),
        )
    })?;
    let bytes = std::fs::read(path).map_err(|e| RasterError::io(path, e))?;
    let side = match bytes.len() {
        n if n == 1201 * 1201 * 2 => 1201,
        n if n == 3601 * 3601 * 2 => 3601,
        n => {
            return Err(RasterError::invalid(
                path,
                format!(
                    "{n} bytes: an SRTM tile has {} (3 arc-second) or {} (1 arc-second)",
                    1201 * 1201 * 2,
                    3601 * 3601 * 2
                ),
            ));
        }
    };
    let data = bytes
        .chunks_exact(2)
        .map(|b| match i16::from_be_bytes([b[0], b[1]]) {
            VOID => f32::NAN,
            v => f32::from(v),
        })
        .collect();
    let step = 1.0 / (side - 1) as f64;
    Ok(Raster {
        width: side,
        height: side,
        transform: GeoTransform {
            origin_x: lon_sw - step / 2.0,
            origin_y: lat_sw + 1.0 + step / 2.0,
            pixel_width: step,
            pixel_height: -step,
        },
        crs: Crs::Wgs84,
        data,
    })
}

/// `N36W085` -> (36.0, -85.0).
fn parse_tile_name(name: &str) -> Option<(f64, f64)> {
    let upper = name.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    if bytes.len() != 7 {
        return None;
    }
    let lat_sign = match bytes[0] {
        b'N' => 1.0,
        b'S' => -1.0,
        _ => return None,
    };
    let lon_sign = match bytes[3] {
        b'E' => 1.0,
        b'W' => -1.0,
        _ => return None,
    };
    let lat: f64 = upper.get(1..3)?.parse().ok()?;
    let lon: f64 = upper.get(4..7)?.parse().ok()?;
    (lat <= 90.0 && lon <= 180.0).then_some((lat_sign * lat, lon_sign * lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_names() {
        assert_eq!(parse_tile_name("N36W085"), Some((36.0, -85.0)));
        assert_eq!(parse_tile_name("s12e130"), Some((-12.0, 130.0)));
        assert_eq!(parse_tile_name("N36W85"), None);
        assert_eq!(parse_tile_name("X36W085"), None);
    }

    #[test]
    fn reads_a_synthetic_tile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("N36W085.hgt");
        let mut bytes = Vec::with_capacity(1201 * 1201 * 2);
        for row in 0..1201i32 {
            for col in 0..1201i32 {
                let v: i16 = if row == 5 && col == 5 {
                    VOID
                } else {
                    (row + col) as i16
                };
                bytes.extend_from_slice(&v.to_be_bytes());
            }
        }
        std::fs::write(&path, bytes).unwrap();
        let r = read_hgt(&path).unwrap();
        assert_eq!((r.width, r.height), (1201, 1201));
        // The north-west sample sits exactly on (37 N, 85 W).
        assert_eq!(r.sample_lon_lat(-85.0, 37.0), Some(0.0));
        assert!((r.sample_lon_lat(-84.0, 36.0).unwrap() - 2400.0).abs() < 1e-6);
        assert_eq!(r.get(5, 5), None);
        let short = dir.path().join("N36W084.hgt");
        std::fs::write(&short, [0u8; 100]).unwrap();
        assert!(
            read_hgt(&short)
                .unwrap_err()
                .to_string()
                .contains("100 bytes")
        );
    }
}
