//! Launch bases: where drones take off, land and swap batteries.

use geo::Geometry;
use serde::Serialize;

use super::error::AreaError;
use super::vector::VectorLayer;

/// A launch base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Base {
    /// Unique name, used by the fleet file's `home_base`.
    pub name: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
}

/// Reads the bases layer: GeoJSON points, each with a unique `name`.
pub fn read_bases(layer: &VectorLayer) -> Result<Vec<Base>, AreaError> {
    let mut bases: Vec<Base> = Vec::new();
    for f in &layer.features {
        let Geometry::Point(p) = &f.geometry else {
            return Err(layer.feature_error(f, "a base must be a Point"));
        };
        let Some(name) = f.name.clone().filter(|n| !n.trim().is_empty()) else {
            return Err(layer.feature_error(f, "a base needs a non-empty 'name' property"));
        };
        if bases.iter().any(|b| b.name == name) {
            return Err(layer.feature_error(f, format!("a second base named '{name}'")));
        }
        bases.push(Base {
            name,
            lat_deg: p.y(),
            lon_deg: p.x(),
        });
    }
    if bases.is_empty() {
        return Err(AreaError::Inconsistent {
            path: layer.path.clone(),
            message: "no bases: drones need at least one place to take off".to_string(),
        });
    }
    Ok(bases)
}
