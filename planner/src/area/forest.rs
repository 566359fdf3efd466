//! The forest (fuel) mask: where there is something to burn. Either GeoJSON polygons (inside
//! = forest) or a GeoTIFF of the forest fraction, 0 to 1, per pixel.

use geo::{Contains, Geometry, MultiPolygon, Point};

use super::error::AreaError;
use super::vector::VectorLayer;
use crate::raster::Raster;

/// Where the fuel is.
#[derive(Debug, Clone)]
pub enum ForestMask {
    /// Forest polygons (x = longitude, y = latitude).
    Polygons(MultiPolygon<f64>),
    /// Forest fraction 0..1 per pixel.
    Raster(Raster),
}

impl ForestMask {
    /// Builds a mask from a GeoJSON layer of polygons.
    pub fn from_layer(layer: &VectorLayer) -> Result<ForestMask, AreaError> {
        let mut polys = Vec::new();
        for f in &layer.features {
            match &f.geometry {
                Geometry::Polygon(p) => polys.push(p.clone()),
                Geometry::MultiPolygon(mp) => polys.extend(mp.0.iter().cloned()),
                _ => {
                    return Err(layer.feature_error(f, "forest features must be polygons"));
                }
            }
        }
        Ok(ForestMask::Polygons(MultiPolygon::new(polys)))
    }

    /// Builds a mask from a fraction raster, rejecting values outside 0..1.
    pub fn from_raster(raster: Raster, path: &std::path::Path) -> Result<ForestMask, AreaError> {
        if let Some((lo, hi)) = raster.value_range() {
            if lo < 0.0 || hi > 1.0 {
                return Err(AreaError::Inconsistent {
                    path: path.to_path_buf(),
                    message: format!(
                        "forest fraction ranges {lo}..{hi}: expected 0 (no forest) to 1 (full cover)"
                    ),
                });
            }
        }
        Ok(ForestMask::Raster(raster))
    }

    /// Forest fraction 0..1 at a position (0 where the raster has no data).
    pub fn fraction_at(&self, lon_deg: f64, lat_deg: f64) -> f64 {
        match self {
            ForestMask::Polygons(mp) => {
                if mp.contains(&Point::new(lon_deg, lat_deg)) {
                    1.0
                } else {
                    0.0
                }
            }
            ForestMask::Raster(r) => r.sample_lon_lat(lon_deg, lat_deg).unwrap_or(0.0),
        }
    }
}
