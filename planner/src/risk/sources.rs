//! Reading a ready-made risk layer into planning cells: a GeoTIFF raster, a CSV with one cell
//! per row (`lon,lat,risk`), or GeoJSON polygons with a `risk` property. Values are on the
//! 0..1 index scale or China's danger classes 1..5, as the manifest says; out-of-range and
//! non-finite values are errors that name the pixel count, line or feature.

use std::path::Path;

use geo::{BoundingRect, Contains, Geometry, Point, Polygon};

use super::cells::{Accumulator, CellGrid, RiskMap, RowsOffTerrain, accumulate_raster};
use super::class::DangerClass;
use crate::area::error::AreaError;
use crate::area::manifest::RiskScale;
use crate::area::vector::VectorLayer;
use crate::raster::read_raster;
use crate::terrain::Terrain;

/// Converts a value on `scale` to the 0..1 index, or says why it cannot.
fn to_index(value: f64, scale: RiskScale) -> Result<f64, String> {
    if !value.is_finite() {
        return Err(format!("risk {value} is not a number"));
    }
    match scale {
        RiskScale::Unit if (0.0..=1.0).contains(&value) => Ok(value),
        RiskScale::Unit => Err(format!(
            "risk {value} is outside 0..1 (for danger classes 1..5 set scale = \"classes\" in [risk])"
        )),
        RiskScale::Classes => {
            let level = value.round();
            if (value - level).abs() > 1e-6 || !(1.0..=5.0).contains(&level) {
                return Err(format!("danger class {value} is not one of 1, 2, 3, 4, 5"));
            }
            Ok(DangerClass::new(level as u8).map_or(0.0, |c| c.representative_risk()))
        }
    }
}

/// Reads the risk layer at `path` into cells of `grid`.
pub fn read_risk(
    path: &Path,
    scale: RiskScale,
    terrain: &Terrain,
    grid: CellGrid,
) -> Result<RiskMap, AreaError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let mut off_terrain = None;
    let acc = match ext.as_str() {
        "tif" | "tiff" => {
            let mut raster = read_raster(path, None)?;
            let mut bad = 0usize;
            let mut example = None;
            for (i, v) in raster.data.iter_mut().enumerate() {
                if v.is_nan() {
                    continue;
                }
                match to_index(f64::from(*v), scale) {
                    Ok(r) => *v = r as f32,
                    Err(m) => {
                        bad += 1;
                        example.get_or_insert((i, m));
                    }
                }
            }
            if let Some((i, m)) = example {
                let (col, row) = (i % raster.width, i / raster.width);
                let (x, y) = raster
                    .transform
                    .pixel_to_map(col as f64 + 0.5, row as f64 + 0.5);
                let (lon, lat) = raster.crs.to_lon_lat(x, y);
                return Err(AreaError::Inconsistent {
                    path: path.to_path_buf(),
                    message: format!(
                        "{bad} pixels have unusable risk values, the first at column {col}, row {row} (lon {lon:.5}, lat {lat:.5}): {m}"
                    ),
                });
            }
            accumulate_raster(terrain, &grid, &raster)
        }
        "csv" => {
            let (acc, off) = read_csv(path, scale, terrain, &grid)?;
            off_terrain = off;
            acc
        }
        "geojson" | "json" => read_polygons(path, scale, terrain, &grid)?,
        other => {
            return Err(AreaError::Inconsistent {
                path: path.to_path_buf(),
                message: format!("unsupported risk format '.{other}' (use .tif, .csv or .geojson)"),
            });
        }
    };
    let mut map = RiskMap::from_accumulator(terrain, grid, &acc);
    if let Some(off) = off_terrain {
        map.set_rows_off_terrain(off);
    }
    if map.cells().is_empty() {
        return Err(AreaError::Inconsistent {
            path: path.to_path_buf(),
            message: "no risk value falls on the terrain: check the layer's coordinates and CRS"
                .to_string(),
        });
    }
    Ok(map)
}

/// Reads a `lon,lat,risk` CSV. Rows outside the terrain's grid are counted (a district's
/// whole table may cover more than one area); a row that lies far off but on the DEM once its
/// longitude and latitude are exchanged is refused, as the columns are then swapped.
fn read_csv(
    path: &Path,
    scale: RiskScale,
    terrain: &Terrain,
    grid: &CellGrid,
) -> Result<(Accumulator, Option<RowsOffTerrain>), AreaError> {
    const FAR_DEG: f64 = 5.0;
    let extent = terrain.extent();
    let far = |lon: f64, lat: f64| {
        lon < extent.west_deg - FAR_DEG
            || lon > extent.east_deg + FAR_DEG
            || lat < extent.south_deg - FAR_DEG
            || lat > extent.north_deg + FAR_DEG
    };
    let mut off: Option<RowsOffTerrain> = None;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| AreaError::Csv {
            path: path.to_path_buf(),
            line: 1,
            message: e.to_string(),
        })?;
    let headers = reader
        .headers()
        .map_err(|e| AreaError::Csv {
            path: path.to_path_buf(),
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| AreaError::Csv {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "no '{name}' column (expected a header lon,lat,risk; found {})",
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
            })
    };
    let (lon_i, lat_i, risk_i) = (column("lon")?, column("lat")?, column("risk")?);
    let mut acc = Accumulator::new(grid);
    for record in reader.records() {
        let record = record.map_err(|e| AreaError::Csv {
            path: path.to_path_buf(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let err = |message: String| AreaError::Csv {
            path: path.to_path_buf(),
            line,
            message,
        };
        let number = |i: usize, name: &str| -> Result<f64, AreaError> {
            let text = record.get(i).unwrap_or("");
            text.parse::<f64>()
                .map_err(|_| err(format!("{name} '{text}' is not a number")))
        };
        let (lon, lat, value) = (
            number(lon_i, "lon")?,
            number(lat_i, "lat")?,
            number(risk_i, "risk")?,
        );
        let swapped_on_dem = extent.contains(lat, lon);
        if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
            // Where longitudes pass 90 (Tasmania, much of Asia) a swapped row fails here.
            return Err(err(if swapped_on_dem {
                format!(
                    "({lon}, {lat}) is not a WGS 84 longitude, latitude, but it falls on the DEM with the two exchanged: are the lon and lat columns swapped?"
                )
            } else {
                format!("({lon}, {lat}) is not a WGS 84 longitude, latitude")
            }));
        }
        let risk = to_index(value, scale).map_err(err)?;
        let p = terrain.geodetic_to_enu(crate::geodesy::enu::Geodetic {
            lat_deg: lat,
            lon_deg: lon,
            alt_amsl_m: 0.0,
        });
        if let Some(cell) = grid.index_of(p.east_m, p.north_m) {
            acc.add(cell, risk);
            continue;
        }
        if far(lon, lat) && swapped_on_dem {
            return Err(err(format!(
                "(lon {lon}, lat {lat}) lies outside the DEM (lon {:.5}..{:.5}, lat {:.5}..{:.5}) but on it with the two exchanged: are the lon and lat columns swapped?",
                extent.west_deg, extent.east_deg, extent.south_deg, extent.north_deg
            )));
        }
        match &mut off {
            Some(o) => o.rows += 1,
            None => {
                off = Some(RowsOffTerrain {
                    rows: 1,
                    first_line: line,
                    lon_deg: lon,
                    lat_deg: lat,
                })
            }
        }
    }
    Ok((acc, off))
}

/// Polygons: each cell is sampled at 4 x 4 points; a point takes the highest risk of the
/// polygons containing it, and the cell the mean over its covered points.
fn read_polygons(
    path: &Path,
    scale: RiskScale,
    terrain: &Terrain,
    grid: &CellGrid,
) -> Result<Accumulator, AreaError> {
    let layer = VectorLayer::read(path)?;
    let mut polys: Vec<(Polygon<f64>, geo::Rect<f64>, f64)> = Vec::new();
    for f in &layer.features {
        let value = f
            .number("risk")
            .map_err(|m| layer.feature_error(f, m))?
            .ok_or_else(|| layer.feature_error(f, "has no 'risk' property"))?;
        let risk = to_index(value, scale).map_err(|m| layer.feature_error(f, m))?;
        let parts = match &f.geometry {
            Geometry::Polygon(p) => vec![p.clone()],
            Geometry::MultiPolygon(mp) => mp.0.clone(),
            _ => return Err(layer.feature_error(f, "risk features must be polygons")),
        };
        for p in parts {
            if let Some(bb) = p.bounding_rect() {
                polys.push((p, bb, risk));
            }
        }
    }
    let tree = rstar::RTree::bulk_load(
        polys
            .iter()
            .enumerate()
            .map(|(i, (_, bb, _))| {
                rstar::primitives::GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners(
                        [bb.min().x, bb.min().y],
                        [bb.max().x, bb.max().y],
                    ),
                    i,
                )
            })
            .collect(),
    );
    let mut acc = Accumulator::new(grid);
    const SUB: usize = 4;
    for row in 0..grid.rows {
        for col in 0..grid.cols {
            let cell = row * grid.cols + col;
            for s in 0..SUB * SUB {
                let e = grid.origin_east_m
                    + (col as f64 + ((s % SUB) as f64 + 0.5) / SUB as f64) * grid.size_m;
                let n = grid.origin_north_m
                    + (row as f64 + ((s / SUB) as f64 + 0.5) / SUB as f64) * grid.size_m;
                let g = terrain.enu_to_geodetic(crate::geodesy::enu::Enu {
                    east_m: e,
                    north_m: n,
                    up_m: 0.0,
                });
                let pt = Point::new(g.lon_deg, g.lat_deg);
                let best = tree
                    .locate_all_at_point([g.lon_deg, g.lat_deg])
                    .filter(|hit| polys[hit.data].0.contains(&pt))
                    .map(|hit| polys[hit.data].2)
                    .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
                if let Some(r) = best {
                    acc.add(cell, r);
                }
            }
        }
    }
    Ok(acc)
}
