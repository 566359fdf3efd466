//! Esri ASCII grids (`.asc`): a header of `ncols`, `nrows`, `xllcorner`/`xllcenter`,
//! `yllcorner`/`yllcenter`, `cellsize` (or `dx` and `dy`) and an optional `NODATA_value`,
//! then the rows from north to south. The format carries no CRS: it comes from a `.prj`
//! sidecar naming a WKT `AUTHORITY["EPSG",...]`, from the caller, or defaults to WGS 84 when
//! the cell size is clearly in degrees.

use std::path::Path;

use super::{Crs, GeoTransform, Raster, RasterError};

/// Reads an Esri ASCII grid. Errors name the line and the header key or value at fault.
pub fn read_asc(path: &Path, crs_hint: Option<Crs>) -> Result<Raster, RasterError> {
    let text = std::fs::read_to_string(path).map_err(|e| RasterError::io(path, e))?;
    let mut header = Header::default();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((_, line)) = lines.peek() {
        let mut parts = line.split_whitespace();
        let Some(key) = parts.next() else {
            lines.next();
            continue;
        };
        if key.parse::<f64>().is_ok() || key.starts_with('-') {
            break; // First data row.
        }
        let (idx, line) = lines.next().unwrap_or((0, ""));
        let line_no = idx + 1;
        let value_text = line.split_whitespace().nth(1).ok_or_else(|| {
            RasterError::invalid(
                path,
                format!("line {line_no}: header key '{key}' has no value"),
            )
        })?;
        let value: f64 = value_text.parse().map_err(|_| {
            RasterError::invalid(
                path,
                format!("line {line_no}: {key} = '{value_text}' is not a number"),
            )
        })?;
        match key.to_ascii_lowercase().as_str() {
            "ncols" => header.ncols = Some(value),
            "nrows" => header.nrows = Some(value),
            "xllcorner" => header.xll = Some((value, false)),
            "xllcenter" => header.xll = Some((value, true)),
            "yllcorner" => header.yll = Some((value, false)),
            "yllcenter" => header.yll = Some((value, true)),
            "cellsize" => {
                header.dx = Some(value);
                header.dy = Some(value);
            }
            "dx" => header.dx = Some(value),
            "dy" => header.dy = Some(value),
            "nodata_value" => header.nodata = Some(value),
            other => {
                return Err(RasterError::invalid(
                    path,
                    format!("line {line_no}: unknown header key '{other}'"),
                ));
            }
        }
    }
    let need = |v: Option<f64>, name: &str| {
        v.ok_or_else(|| RasterError::invalid(path, format!("header has no '{name}'")))
    };
    let ncols = need(header.ncols, "ncols")?;
    let nrows = need(header.nrows, "nrows")?;
    let (xll, x_center) = header
        .xll
        .ok_or_else(|| RasterError::invalid(path, "header has no 'xllcorner' or 'xllcenter'"))?;
    let (yll, y_center) = header
        .yll
        .ok_or_else(|| RasterError::invalid(path, "header has no 'yllcorner' or 'yllcenter'"))?;
    let dx = need(header.dx, "cellsize")?;
    let dy = need(header.dy, "cellsize")?;
    if ncols < 1.0 || nrows < 1.0 || ncols.fract() != 0.0 || nrows.fract() != 0.0 {
        return Err(RasterError::invalid(
            path,
            format!("ncols = {ncols}, nrows = {nrows}: expected positive whole numbers"),
        ));
    }
    if !(dx > 0.0 && dy > 0.0) {
        return Err(RasterError::invalid(
            path,
            format!("cellsize {dx} x {dy} must be positive"),
        ));
    }
    let (width, height) = (ncols as usize, nrows as usize);
    let mut data = Vec::with_capacity(width * height);
    for (idx, line) in lines {
        for token in line.split_whitespace() {
            let v: f64 = token.parse().map_err(|_| {
                RasterError::invalid(
                    path,
                    format!("line {}: value '{token}' is not a number", idx + 1),
                )
            })?;
            if data.len() == width * height {
                return Err(RasterError::invalid(
                    path,
                    format!(
                        "line {}: more than ncols x nrows = {} values",
                        idx + 1,
                        width * height
                    ),
                ));
            }
            let is_nodata = header.nodata.is_some_and(|nd| v == nd);
            data.push(if is_nodata { f32::NAN } else { v as f32 });
        }
    }
    if data.len() != width * height {
        return Err(RasterError::invalid(
            path,
            format!(
                "{} values, but the header promises ncols x nrows = {} x {} = {}",
                data.len(),
                width,
                height,
                width * height
            ),
        ));
    }
    let origin_x = if x_center { xll - dx / 2.0 } else { xll };
    let south = if y_center { yll - dy / 2.0 } else { yll };
    let crs = match crs_hint.or(prj_crs(path)?) {
        Some(crs) => crs,
        None if dx < 0.1 => Crs::Wgs84,
        None => {
            return Err(RasterError::invalid(
                path,
                format!(
                    "cell size {dx} looks like metres but the grid names no CRS: add a .prj file or set `crs = \"EPSG:326nn\"` for the terrain in area.toml"
                ),
            ));
        }
    };
    Ok(Raster {
        width,
        height,
        transform: GeoTransform {
            origin_x,
            origin_y: south + dy * height as f64,
            pixel_width: dx,
            pixel_height: -dy,
        },
        crs,
        data,
    })
}

#[derive(Default)]
struct Header {
    ncols: Option<f64>,
    nrows: Option<f64>,
    xll: Option<(f64, bool)>,
    yll: Option<(f64, bool)>,
    dx: Option<f64>,
    dy: Option<f64>,
    nodata: Option<f64>,
}

/// The CRS of a `.prj` sidecar, by the last EPSG authority code in its WKT (the outermost
/// one, for GDAL's and ArcGIS's WKT1).
fn prj_crs(path: &Path) -> Result<Option<Crs>, RasterError> {
    let prj = path.with_extension("prj");
    let Ok(wkt) = std::fs::read_to_string(&prj) else {
        return Ok(None);
    };
    let code = wkt
        .rmatch_indices("AUTHORITY[\"EPSG\",")
        .next()
        .and_then(|(i, m)| {
            let rest = &wkt[i + m.len()..];
            rest.trim_start_matches(['"', ' '])
                .split(['"', ']'])
                .next()?
                .parse::<u32>()
                .ok()
        });
    match code {
        Some(c) => Crs::from_epsg(c).map(Some).ok_or_else(|| {
            RasterError::invalid(
                &prj,
                format!("unsupported CRS EPSG:{c} (supported: EPSG:4326, WGS 84 / UTM)"),
            )
        }),
        None if wkt.contains("GEOGCS[\"GCS_WGS_1984\"") || wkt.contains("GEOGCS[\"WGS 84\"") => {
            Ok(Some(Crs::Wgs84))
        }
        None => Err(RasterError::invalid(
            &prj,
            "names no EPSG code this reader understands",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_corner_and_center_headers() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "a.asc",
            "ncols 3\nnrows 2\nxllcorner -84.0\nyllcorner 36.0\ncellsize 0.01\nNODATA_value -9999\n1 2 3\n4 -9999 6\n",
        );
        let r = read_asc(&p, None).unwrap();
        assert_eq!((r.width, r.height, r.crs), (3, 2, Crs::Wgs84));
        assert!((r.transform.origin_y - 36.02).abs() < 1e-12);
        assert_eq!(r.get(0, 0), Some(1.0));
        assert_eq!(r.get(1, 1), None);
        let c = write(
            dir.path(),
            "c.asc",
            "ncols 1\nnrows 1\nxllcenter 500000\nyllcenter 4000000\ncellsize 30\n7\n",
        );
        let r = read_asc(&c, Crs::parse("EPSG:32617")).unwrap();
        assert_eq!(r.transform.origin_x, 499_985.0);
        assert_eq!(r.transform.origin_y, 4_000_015.0);
    }

    #[test]
    fn names_the_line_of_a_bad_value_and_a_short_grid() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "b.asc",
            "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 0.01\n1 2\n3 x\n",
        );
        let e = read_asc(&p, None).unwrap_err().to_string();
        assert!(e.contains("line 7") && e.contains("'x'"), "{e}");
        let s = write(
            dir.path(),
            "s.asc",
            "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 0.01\n1 2\n3\n",
        );
        let e = read_asc(&s, None).unwrap_err().to_string();
        assert!(e.contains("3 values"), "{e}");
        let m = write(
            dir.path(),
            "m.asc",
            "ncols 1\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 30\n1\n",
        );
        assert!(
            read_asc(&m, None)
                .unwrap_err()
                .to_string()
                .contains("names no CRS")
        );
    }
}
