//! Reading GeoJSON layers into WGS 84 `geo` geometries, keeping each feature's index and name
//! so that errors can point at the feature a pilot must fix.

use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, Validation};
use geojson::GeoJson;
use serde_json::{Map, Value};

use super::error::AreaError;

/// One feature of a GeoJSON layer.
#[derive(Debug, Clone)]
pub struct VectorFeature {
    /// Index in the file's feature collection, from 0.
    pub index: usize,
    /// The `name` property, if any.
    pub name: Option<String>,
    /// The geometry, in WGS 84 degrees (x = longitude, y = latitude).
    pub geometry: Geometry<f64>,
    /// All properties.
    pub properties: Map<String, Value>,
}

/// A GeoJSON layer: its file and its features.
#[derive(Debug, Clone)]
pub struct VectorLayer {
    /// The file it was read from.
    pub path: PathBuf,
    /// The features in file order.
    pub features: Vec<VectorFeature>,
}

impl VectorLayer {
    /// Reads a GeoJSON FeatureCollection (a single Feature or bare Geometry is accepted as a
    /// collection of one). Every coordinate must be a valid longitude/latitude and every
    /// polygon valid (closed, not self-intersecting).
    pub fn read(path: &Path) -> Result<VectorLayer, AreaError> {
        let text = std::fs::read_to_string(path).map_err(|e| AreaError::io(path, e))?;
        let geojson: GeoJson =
            serde_json::from_str(&text).map_err(|e| AreaError::json(path, &e))?;
        let raw = match geojson {
            GeoJson::FeatureCollection(fc) => fc.features,
            GeoJson::Feature(f) => vec![f],
            GeoJson::Geometry(g) => vec![geojson::Feature::from(g)],
        };
        let mut features = Vec::with_capacity(raw.len());
        for (index, f) in raw.into_iter().enumerate() {
            let properties = f.properties.clone().unwrap_or_default();
            let name = properties
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string);
            let err = |message: String| AreaError::Feature {
                path: path.to_path_buf(),
                index,
                name: name.clone(),
                message,
            };
            let geometry_json = f
                .geometry
                .ok_or_else(|| err("has no geometry".to_string()))?;
            let geometry: Geometry<f64> = Geometry::try_from(geometry_json)
                .map_err(|e| err(format!("geometry cannot be used: {e}")))?;
            check_coordinates(&geometry).map_err(&err)?;
            check_validity(&geometry).map_err(&err)?;
            features.push(VectorFeature {
                index,
                name,
                geometry,
                properties,
            });
        }
        Ok(VectorLayer {
            path: path.to_path_buf(),
            features,
        })
    }

    /// An error about one feature of this layer.
    pub fn feature_error(&self, feature: &VectorFeature, message: impl Into<String>) -> AreaError {
        AreaError::Feature {
            path: self.path.clone(),
            index: feature.index,
            name: feature.name.clone(),
            message: message.into(),
        }
    }
}

impl VectorFeature {
    /// A numeric property; `Ok(None)` when absent, an error message when not a number.
    pub fn number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.properties.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .ok_or_else(|| format!("property '{key}' is not a finite number")),
            Some(other) => Err(format!("property '{key}' = {other} is not a number")),
        }
    }
}

fn check_coordinates(geometry: &Geometry<f64>) -> Result<(), String> {
    use geo::CoordsIter;
    for Coord { x, y } in geometry.coords_iter() {
        if !(x.is_finite()
            && y.is_finite()
            && (-180.0..=180.0).contains(&x)
            && (-90.0..=90.0).contains(&y))
        {
            return Err(format!(
                "coordinate [{x}, {y}] is not a WGS 84 [longitude, latitude] (GeoJSON is always lon/lat, RFC 7946)"
            ));
        }
    }
    Ok(())
}

fn check_validity(geometry: &Geometry<f64>) -> Result<(), String> {
    // geo's validation accepts empty geometries, which would silently vanish (an empty
    // no-fly zone forbids nothing).
    let empty = |p: &geo::Polygon<f64>| p.exterior().0.is_empty();
    match geometry {
        Geometry::Polygon(p) if empty(p) => Err("a polygon with no coordinates".to_string()),
        Geometry::MultiPolygon(mp) if mp.0.is_empty() || mp.0.iter().any(empty) => {
            Err("a multipolygon with no coordinates or an empty polygon".to_string())
        }
        Geometry::Polygon(p) => p
            .check_validation()
            .map_err(|e| format!("invalid polygon: {e}")),
        Geometry::MultiPolygon(p) => p
            .check_validation()
            .map_err(|e| format!("invalid multipolygon: {e}")),
        Geometry::LineString(l) if l.0.len() < 2 => {
            Err("a line needs at least two points".to_string())
        }
        _ => Ok(()),
    }
}
