//! Georeferenced single-band rasters: the common form of every gridded layer (terrain, risk,
//! forest mask) once it is read, whatever file it came from.
//!
//! [`Raster`] holds `f32` samples row by row from the north-west corner, with `NaN` for
//! "no data", a [`GeoTransform`] from pixel to map coordinates and the [`Crs`] those map
//! coordinates are in. Readers live in one file per format ([`geotiff_read`], [`hgt`],
//! [`asc`]); [`geotiff_write`] writes rasters that GDAL and QGIS read back.

pub mod asc;
pub mod geotiff_read;
pub mod geotiff_write;
pub mod hgt;
mod lzw_chunk;
pub mod rasterize;

use std::path::{Path, PathBuf};

use crate::geodesy::utm::{self, UtmZone};

/// The coordinate reference systems forest-patrol reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS 84 longitude/latitude in degrees (EPSG:4326).
    Wgs84,
    /// WGS 84 / UTM, easting and northing in metres (EPSG:326xx north, 327xx south).
    Utm(UtmZone),
}

impl Crs {
    /// The EPSG code of this CRS.
    pub fn epsg(&self) -> u32 {
        match self {
            Crs::Wgs84 => 4326,
            Crs::Utm(zone) => zone.epsg(),
        }
    }

    /// The CRS of an EPSG code, if forest-patrol supports it.
    pub fn from_epsg(code: u32) -> Option<Crs> {
        if code == 4326 {
            Some(Crs::Wgs84)
        } else {
            UtmZone::from_epsg(code).map(Crs::Utm)
        }
    }

    /// Parses `EPSG:nnnn` (case-insensitive) or a bare code.
    pub fn parse(text: &str) -> Option<Crs> {
        let trimmed = text.trim();
        let code = trimmed
            .strip_prefix("EPSG:")
            .or_else(|| trimmed.strip_prefix("epsg:"))
            .unwrap_or(trimmed);
        code.parse().ok().and_then(Crs::from_epsg)
    }

    /// Map coordinates (x, y) of a WGS 84 position: degrees for [`Crs::Wgs84`], metres for UTM.
    pub fn from_lon_lat(&self, lon_deg: f64, lat_deg: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (lon_deg, lat_deg),
            Crs::Utm(zone) => utm::lon_lat_to_utm(*zone, lon_deg, lat_deg),
        }
    }

    /// WGS 84 (lon_deg, lat_deg) of map coordinates in this CRS.
    pub fn to_lon_lat(&self, x: f64, y: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (x, y),
            Crs::Utm(zone) => utm::utm_to_lon_lat(*zone, x, y),
        }
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Crs::Wgs84 => write!(f, "EPSG:4326 (WGS 84)"),
            Crs::Utm(zone) => write!(
                f,
                "EPSG:{} (WGS 84 / UTM zone {}{})",
                zone.epsg(),
                zone.zone,
                if zone.north { 'N' } else { 'S' }
            ),
        }
    }
}

/// Pixel to map transform of a north-up raster, as GDAL's geotransform without rotation.
///
/// Map x of the *edge* of column `col` is `origin_x + col * pixel_width`; map y of the top edge
/// of row `row` is `origin_y + row * pixel_height` (`pixel_height` is negative for north-up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoTransform {
    /// Map x of the west edge of the raster.
    pub origin_x: f64,
    /// Map y of the north edge of the raster.
    pub origin_y: f64,
    /// Pixel width in map units (positive).
    pub pixel_width: f64,
    /// Pixel height in map units (negative for north-up rasters).
    pub pixel_height: f64,
}

impl GeoTransform {
    /// Fractional pixel coordinates (col, row) of a map position, measured from the raster's
    /// corner: the centre of pixel (0, 0) is at (0.5, 0.5).
    pub fn map_to_pixel(&self, x: f64, y: f64) -> (f64, f64) {
        (
            (x - self.origin_x) / self.pixel_width,
            (y - self.origin_y) / self.pixel_height,
        )
    }

    /// Map position of fractional pixel coordinates measured from the raster's corner.
    pub fn pixel_to_map(&self, col: f64, row: f64) -> (f64, f64) {
        (
            self.origin_x + col * self.pixel_width,
            self.origin_y + row * self.pixel_height,
        )
    }
}

/// A georeferenced single-band raster of `f32` samples; `NaN` marks "no data".
///
/// Invariant: `data.len() == width * height`, rows from north to south.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Pixel to map transform.
    pub transform: GeoTransform,
    /// CRS of the map coordinates.
    pub crs: Crs,
    /// Samples row by row; `NaN` where there is no data.
    pub data: Vec<f32>,
}

impl Raster {
    /// The sample at (col, row), `None` outside the raster or where there is no data.
    pub fn get(&self, col: i64, row: i64) -> Option<f32> {
        if col < 0 || row < 0 || col as usize >= self.width || row as usize >= self.height {
            return None;
        }
        let v = self.data[row as usize * self.width + col as usize];
        (!v.is_nan()).then_some(v)
    }

    /// Bilinear interpolation between pixel centres at a map position.
    ///
    /// Where some of the four neighbours have no data, the nearest valid one is used, so that
    /// values near a NoData hole stay defined; `None` when the position is outside the raster
    /// or all four neighbours are empty.
    pub fn sample_map(&self, x: f64, y: f64) -> Option<f64> {
        let (col_f, row_f) = self.transform.map_to_pixel(x, y);
        if !(col_f >= 0.0
            && row_f >= 0.0
            && col_f <= self.width as f64
            && row_f <= self.height as f64)
        {
            return None;
        }
        // Pixel centres sit at +0.5; clamp so the outer half-pixel extrapolates flat.
        let cx = (col_f - 0.5).clamp(0.0, (self.width - 1) as f64);
        let cy = (row_f - 0.5).clamp(0.0, (self.height - 1) as f64);
        let c0 = cx.floor() as i64;
        let r0 = cy.floor() as i64;
        let c1 = (c0 + 1).min(self.width as i64 - 1);
        let r1 = (r0 + 1).min(self.height as i64 - 1);
        let tx = cx - c0 as f64;
        let ty = cy - r0 as f64;
        let corners = [
            (self.get(c0, r0), (1.0 - tx) * (1.0 - ty)),
            (self.get(c1, r0), tx * (1.0 - ty)),
            (self.get(c0, r1), (1.0 - tx) * ty),
            (self.get(c1, r1), tx * ty),
        ];
        if corners.iter().all(|(v, _)| v.is_some()) {
            return Some(
                corners
                    .iter()
                    .map(|(v, w)| f64::from(v.unwrap_or(0.0)) * w)
                    .sum(),
            );
        }
        corners
            .iter()
            .filter_map(|(v, w)| v.map(|v| (v, *w)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(v, _)| f64::from(v))
    }

    /// Bilinear sample at a WGS 84 position (see [`Raster::sample_map`]).
    pub fn sample_lon_lat(&self, lon_deg: f64, lat_deg: f64) -> Option<f64> {
        let (x, y) = self.crs.from_lon_lat(lon_deg, lat_deg);
        self.sample_map(x, y)
    }

    /// The raster's map extent as (min_x, min_y, max_x, max_y), pixel edges.
    pub fn map_extent(&self) -> (f64, f64, f64, f64) {
        let (x0, y0) = self.transform.pixel_to_map(0.0, 0.0);
        let (x1, y1) = self
            .transform
            .pixel_to_map(self.width as f64, self.height as f64);
        (x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1))
    }

    /// Minimum and maximum of the valid samples, `None` if the raster is all NoData.
    pub fn value_range(&self) -> Option<(f32, f32)> {
        self.data
            .iter()
            .filter(|v| !v.is_nan())
            .fold(None, |acc, &v| match acc {
                None => Some((v, v)),
                Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            })
    }

    /// Number of samples with data.
    pub fn valid_count(&self) -> usize {
        self.data.iter().filter(|v| !v.is_nan()).count()
    }
}

/// Why a raster file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    /// The file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TIFF structure is broken or uses a feature the decoder lacks.
    #[error("{}: not a readable TIFF ({source})", path.display())]
    Tiff {
        /// The file.
        path: PathBuf,
        /// The decoder's error.
        source: tiff::TiffError,
    },
    /// The file is readable but its content is not acceptable.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the tag, key, line or field.
        message: String,
    },
}

impl RasterError {
    pub(crate) fn invalid(path: &Path, message: impl Into<String>) -> RasterError {
        RasterError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> RasterError {
        RasterError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Reads a raster by its extension: `.tif`/`.tiff` (GeoTIFF), `.hgt` (SRTM), `.asc` (Esri
/// ASCII grid). `crs_hint` gives the CRS of formats that do not carry one (`.asc`).
pub fn read_raster(path: &Path, crs_hint: Option<Crs>) -> Result<Raster, RasterError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "tif" | "tiff" => geotiff_read::read_geotiff(path),
        "hgt" => hgt::read_hgt(path),
        "asc" => asc::read_asc(path, crs_hint),
        other => Err(RasterError::invalid(
            path,
            format!(
                "unsupported raster format '.{other}' (supported: GeoTIFF .tif, SRTM .hgt, Esri ASCII grid .asc)"
            ),
        )),
    }
}
