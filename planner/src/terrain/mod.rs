//! The terrain of a patrol area: elevation above mean sea level from a DEM, with the queries
//! the planner, the geotagger and the viewer need.
//!
//! [`Terrain`] wraps a [`Raster`] of elevations and a [`LocalFrame`] centred on it. It answers
//! elevation at a latitude/longitude (bilinear), slope and aspect (Horn's method), the
//! profile along a segment ([`profile`]), the first intersection of a ray with the ground
//! ([`ray`]), and converts between WGS 84 and the local east-north-up frame.
//!
//! # Missing terrain
//!
//! NoData samples are holes: no elevation is ever made up for them. So are the empty edges a
//! reprojection leaves when no NoData value was set (`gdalwarp` fills them with 0): samples of
//! exactly 0 m joined to the raster's border, in a DEM whose lowest other sample is at least
//! [`EDGE_FILL_MIN_M`] up, are not sea level but no data ([`Terrain::edge_fill_holes`]). The
//! planner neither patrols, flies over nor takes off from a hole.

pub mod profile;
pub mod ray;
pub mod slope;

use crate::geodesy::enu::{Enu, Geodetic, LocalFrame};
use crate::geodesy::flat::LonLat;
use crate::raster::{Crs, Raster};

pub use profile::ProfileSample;
pub use ray::RayHit;
pub use slope::SlopeAspect;

/// A WGS 84 bounding box in degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LonLatBox {
    /// Western edge, degrees east.
    pub west_deg: f64,
    /// Southern edge, degrees north.
    pub south_deg: f64,
    /// Eastern edge, degrees east.
    pub east_deg: f64,
    /// Northern edge, degrees north.
    pub north_deg: f64,
}

impl LonLatBox {
    /// Whether the box contains the position (edges included).
    pub fn contains(&self, lon_deg: f64, lat_deg: f64) -> bool {
        lon_deg >= self.west_deg
            && lon_deg <= self.east_deg
            && lat_deg >= self.south_deg
            && lat_deg <= self.north_deg
    }

    /// The centre.
    pub fn center(&self) -> LonLat {
        LonLat::new(
            (self.west_deg + self.east_deg) / 2.0,
            (self.south_deg + self.north_deg) / 2.0,
        )
    }
}

/// Why a raster cannot serve as terrain.
#[derive(Debug, thiserror::Error)]
pub enum TerrainError {
    /// Too few samples carry data.
    #[error("the DEM has {valid} valid samples of {total}: too few to serve as terrain")]
    TooFewSamples {
        /// Samples with data.
        valid: usize,
        /// All samples.
        total: usize,
    },
    /// Elevations outside what Earth has.
    #[error(
        "elevations {min_m} m to {max_m} m are outside -500..9000 m: wrong units or a broken file"
    )]
    ImplausibleElevation {
        /// Lowest sample, metres.
        min_m: f32,
        /// Highest sample, metres.
        max_m: f32,
    },
}

/// A DEM whose lowest sample other than 0 m is at least this high, metres, cannot have 0 m
/// of real ground joined to its edge: such samples are a reprojection's fill.
pub const EDGE_FILL_MIN_M: f32 = 20.0;

/// Turns the empty edges of `raster` (see the module's doc) into NoData; returns how many
/// samples were.
fn empty_edges_to_holes(raster: &mut Raster) -> usize {
    let (w, h) = (raster.width, raster.height);
    let lowest_other = raster
        .data
        .iter()
        .filter(|v| !v.is_nan() && **v != 0.0)
        .fold(f32::INFINITY, |a, &b| a.min(b));
    if !(lowest_other >= EDGE_FILL_MIN_M) || w == 0 || h == 0 {
        return 0;
    }
    let mut queue: Vec<usize> = Vec::new();
    let take = |i: usize, data: &mut [f32], queue: &mut Vec<usize>| {
        if data[i] == 0.0 {
            data[i] = f32::NAN;
            queue.push(i);
        }
    };
    for c in 0..w {
        take(c, &mut raster.data, &mut queue);
        take((h - 1) * w + c, &mut raster.data, &mut queue);
    }
    for r in 0..h {
        take(r * w, &mut raster.data, &mut queue);
        take(r * w + w - 1, &mut raster.data, &mut queue);
    }
    let mut filled = 0;
    while let Some(i) = queue.pop() {
        filled += 1;
        let (c, r) = (i % w, i / w);
        if c > 0 {
            take(i - 1, &mut raster.data, &mut queue);
        }
        if c + 1 < w {
            take(i + 1, &mut raster.data, &mut queue);
        }
        if r > 0 {
            take(i - w, &mut raster.data, &mut queue);
        }
        if r + 1 < h {
            take(i + w, &mut raster.data, &mut queue);
        }
    }
    filled
}

/// Elevations of a patrol area above mean sea level, with its local east-north-up frame.
///
/// Invariant: the raster has at least 2 x 2 samples with data, all within -500..9000 m.
#[derive(Debug, Clone)]
pub struct Terrain {
    raster: Raster,
    frame: LocalFrame,
    extent: LonLatBox,
    resolution_m: (f64, f64),
    elevation_range_m: (f32, f32),
    edge_fill_holes: usize,
}

impl Terrain {
    /// Wraps an elevation raster (metres above mean sea level) as terrain.
    ///
    /// The local frame's origin is the centre of the raster's extent at 0 m above sea level.
    pub fn from_raster(mut raster: Raster) -> Result<Terrain, TerrainError> {
        let edge_fill_holes = empty_edges_to_holes(&mut raster);
        let valid = raster.valid_count();
        if raster.width < 2 || raster.height < 2 || valid < 4 {
            return Err(TerrainError::TooFewSamples {
                valid,
                total: raster.data.len(),
            });
        }
        let (min_m, max_m) = raster.value_range().unwrap_or((0.0, 0.0));
        if min_m < -500.0 || max_m > 9000.0 {
            return Err(TerrainError::ImplausibleElevation { min_m, max_m });
        }
        let extent = lon_lat_extent(&raster);
        let LonLat {
            lon_deg: lon0,
            lat_deg: lat0,
        } = extent.center();
        let frame = LocalFrame::new(Geodetic {
            lat_deg: lat0,
            lon_deg: lon0,
            alt_amsl_m: 0.0,
        });
        let resolution_m = pixel_size_m(&raster, lat0);
        Ok(Terrain {
            raster,
            frame,
            extent,
            resolution_m,
            elevation_range_m: (min_m, max_m),
            edge_fill_holes,
        })
    }

    /// The elevation raster.
    pub fn raster(&self) -> &Raster {
        &self.raster
    }

    /// The local east-north-up frame of the area.
    pub fn frame(&self) -> &LocalFrame {
        &self.frame
    }

    /// The WGS 84 bounding box of the DEM (pixel edges).
    pub fn extent(&self) -> LonLatBox {
        self.extent
    }

    /// Ground size of one DEM pixel at the area's centre, (east-west, north-south), metres.
    pub fn resolution_m(&self) -> (f64, f64) {
        self.resolution_m
    }

    /// Samples of the DEM without an elevation (NoData, and empty edges), and how many of
    /// those were empty edges of 0 m.
    pub fn holes(&self) -> (usize, usize) {
        (
            self.raster.data.len() - self.raster.valid_count(),
            self.edge_fill_holes,
        )
    }

    /// Lowest and highest elevation, metres above mean sea level.
    pub fn elevation_range_m(&self) -> (f32, f32) {
        self.elevation_range_m
    }

    /// The CRS of the DEM file.
    pub fn crs(&self) -> Crs {
        self.raster.crs
    }

    /// Elevation above mean sea level in metres at a WGS 84 position (bilinear between pixel
    /// centres); `None` outside the DEM or over a NoData hole.
    pub fn elevation_amsl_m(&self, lat_deg: f64, lon_deg: f64) -> Option<f64> {
        self.raster.sample_lon_lat(lon_deg, lat_deg)
    }

    /// Slope and aspect of the DEM pixel under a WGS 84 position.
    pub fn slope_aspect(&self, lat_deg: f64, lon_deg: f64) -> Option<SlopeAspect> {
        let (x, y) = self.raster.crs.from_lon_lat(lon_deg, lat_deg);
        let (c, r) = self.raster.transform.map_to_pixel(x, y);
        self.slope_aspect_at_pixel(c.floor() as i64, r.floor() as i64)
    }

    /// Slope and aspect of DEM pixel (col, row).
    pub fn slope_aspect_at_pixel(&self, col: i64, row: i64) -> Option<SlopeAspect> {
        let lat = self.pixel_center(col, row).lat_deg;
        let (dx_m, dy_m) = pixel_size_m(&self.raster, lat);
        slope::horn(&self.raster, col, row, dx_m, dy_m)
    }

    /// WGS 84 position of the centre of DEM pixel (col, row).
    pub fn pixel_center(&self, col: i64, row: i64) -> LonLat {
        let (x, y) = self
            .raster
            .transform
            .pixel_to_map(col as f64 + 0.5, row as f64 + 0.5);
        let (lon_deg, lat_deg) = self.raster.crs.to_lon_lat(x, y);
        LonLat::new(lon_deg, lat_deg)
    }

    /// Converts a WGS 84 position to the local frame (up = metres above the origin's sea
    /// level, less Earth's curvature).
    pub fn geodetic_to_enu(&self, p: Geodetic) -> Enu {
        self.frame.geodetic_to_enu(p)
    }

    /// Converts a local-frame position back to WGS 84.
    pub fn enu_to_geodetic(&self, e: Enu) -> Geodetic {
        self.frame.enu_to_geodetic(e)
    }

    /// Height above the ground in metres of a WGS 84 position; `None` off the DEM.
    pub fn height_agl_m(&self, p: Geodetic) -> Option<f64> {
        self.elevation_amsl_m(p.lat_deg, p.lon_deg)
            .map(|ground| p.alt_amsl_m - ground)
    }
}

/// WGS 84 extent of a raster; for projected rasters the edges are sampled, since straight
/// UTM edges are curved in longitude/latitude.
fn lon_lat_extent(raster: &Raster) -> LonLatBox {
    let (x0, y0, x1, y1) = raster.map_extent();
    let mut b = LonLatBox {
        west_deg: f64::INFINITY,
        south_deg: f64::INFINITY,
        east_deg: f64::NEG_INFINITY,
        north_deg: f64::NEG_INFINITY,
    };
    const STEPS: usize = 16;
    for i in 0..=STEPS {
        let t = i as f64 / STEPS as f64;
        let x = x0 + (x1 - x0) * t;
        let y = y0 + (y1 - y0) * t;
        for (px, py) in [(x, y0), (x, y1), (x0, y), (x1, y)] {
            let (lon, lat) = raster.crs.to_lon_lat(px, py);
            b.west_deg = b.west_deg.min(lon);
            b.east_deg = b.east_deg.max(lon);
            b.south_deg = b.south_deg.min(lat);
            b.north_deg = b.north_deg.max(lat);
        }
    }
    b
}

/// Ground size of a pixel in metres (east-west, north-south) at latitude `lat_deg`.
pub(crate) fn pixel_size_m(raster: &Raster, lat_deg: f64) -> (f64, f64) {
    match raster.crs {
        Crs::Wgs84 => {
            let (m_per_deg_lon, m_per_deg_lat) = metres_per_degree(lat_deg);
            (
                raster.transform.pixel_width * m_per_deg_lon,
                -raster.transform.pixel_height * m_per_deg_lat,
            )
        }
        Crs::Utm(_) => (raster.transform.pixel_width, -raster.transform.pixel_height),
    }
}

pub use crate::geodesy::flat::metres_per_degree;
