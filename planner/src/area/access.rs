//! Human-access layers: where people are, because people start most fires in these forests.
//! Roads and trails are lines; villages, cemeteries (grave-side burning at Qingming) and scenic
//! spots are points or polygons.

use geo::Geometry;

use super::error::AreaError;
use super::vector::VectorLayer;

/// The kinds of human access the risk model weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// Roads and trails.
    Road,
    /// Villages and houses.
    Village,
    /// Cemeteries.
    Cemetery,
    /// Scenic spots and other visitor destinations.
    ScenicSpot,
}

impl AccessKind {
    /// All kinds, in display order.
    pub const ALL: [AccessKind; 4] = [
        AccessKind::Road,
        AccessKind::Village,
        AccessKind::Cemetery,
        AccessKind::ScenicSpot,
    ];

    /// Name as in area.toml.
    pub fn key(&self) -> &'static str {
        match self {
            AccessKind::Road => "roads",
            AccessKind::Village => "villages",
            AccessKind::Cemetery => "cemeteries",
            AccessKind::ScenicSpot => "scenic_spots",
        }
    }
}

/// One access layer, checked for the geometry its kind needs.
#[derive(Debug, Clone)]
pub struct AccessLayer {
    /// What it holds.
    pub kind: AccessKind,
    /// Its features.
    pub layer: VectorLayer,
}

impl AccessLayer {
    /// Checks that roads are lines and the other kinds points or polygons.
    pub fn new(kind: AccessKind, layer: VectorLayer) -> Result<AccessLayer, AreaError> {
        for f in &layer.features {
            let ok = match kind {
                AccessKind::Road => matches!(
                    f.geometry,
                    Geometry::LineString(_) | Geometry::MultiLineString(_)
                ),
                _ => matches!(
                    f.geometry,
                    Geometry::Point(_)
                        | Geometry::MultiPoint(_)
                        | Geometry::Polygon(_)
                        | Geometry::MultiPolygon(_)
                ),
            };
            if !ok {
                let want = if kind == AccessKind::Road {
                    "a LineString or MultiLineString"
                } else {
                    "a Point, MultiPoint, Polygon or MultiPolygon"
                };
                return Err(layer.feature_error(
                    f,
                    format!("a feature of the {} layer must be {want}", kind.key()),
                ));
            }
        }
        Ok(AccessLayer { kind, layer })
    }
}
