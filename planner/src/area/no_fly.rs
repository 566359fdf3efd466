//! No-fly zones: polygons, or circles given as a point with `radius_m`, each optionally with a
//! `ceiling_amsl_m` above which flight is allowed (without it the zone reaches up forever).

use geo::{
    Contains, Distance, Geodesic, GeodesicArea, Geometry, Orient, Point, Polygon, orient::Direction,
};

use super::error::AreaError;
use super::vector::VectorLayer;

/// The ground shape of a no-fly zone, in WGS 84.
#[derive(Debug, Clone, PartialEq)]
pub enum ZoneShape {
    /// A polygon (x = longitude, y = latitude).
    Polygon(Polygon<f64>),
    /// A circle around a centre.
    Circle {
        /// Centre (x = longitude, y = latitude).
        center: Point<f64>,
        /// Radius, metres.
        radius_m: f64,
    },
}

/// A no-fly zone.
#[derive(Debug, Clone, PartialEq)]
pub struct NoFlyZone {
    /// Name, for messages and maps.
    pub name: String,
    /// Its footprint.
    pub shape: ZoneShape,
    /// Flight above this altitude (metres above mean sea level) may cross the zone; `None`
    /// means no altitude may.
    pub ceiling_amsl_m: Option<f64>,
}

impl NoFlyZone {
    /// Whether the zone's footprint contains the position.
    pub fn contains(&self, lon_deg: f64, lat_deg: f64) -> bool {
        let p = Point::new(lon_deg, lat_deg);
        match &self.shape {
            ZoneShape::Polygon(poly) => poly.contains(&p),
            ZoneShape::Circle { center, radius_m } => Geodesic.distance(*center, p) <= *radius_m,
        }
    }

    /// Footprint area, square metres (geodesic).
    pub fn area_m2(&self) -> f64 {
        match &self.shape {
            // Orient first: a clockwise ring would otherwise measure the rest of the globe.
            ZoneShape::Polygon(poly) => poly.orient(Direction::Default).geodesic_area_unsigned(),
            ZoneShape::Circle { radius_m, .. } => std::f64::consts::PI * radius_m * radius_m,
        }
    }

    /// The footprint as a polygon: circles become 64-gons (for drawing and exports).
    pub fn outline(&self) -> Polygon<f64> {
        match &self.shape {
            ZoneShape::Polygon(p) => p.clone(),
            ZoneShape::Circle { center, radius_m } => {
                use geo::Destination;
                let ring: Vec<geo::Coord<f64>> = (0..=64)
                    .map(|i| {
                        let bearing = f64::from(i % 64) * 360.0 / 64.0;
                        Geodesic.destination(*center, bearing, *radius_m).0
                    })
                    .collect();
                Polygon::new(geo::LineString::new(ring), vec![])
            }
        }
    }
}

/// Reads the no-fly layer.
pub fn read_no_fly(layer: &VectorLayer) -> Result<Vec<NoFlyZone>, AreaError> {
    let mut zones = Vec::new();
    for f in &layer.features {
        let name = f
            .name
            .clone()
            .unwrap_or_else(|| format!("zone {}", f.index));
        let ceiling_amsl_m = f
            .number("ceiling_amsl_m")
            .map_err(|m| layer.feature_error(f, m))?;
        if let Some(c) = ceiling_amsl_m {
            if !(-500.0..=20_000.0).contains(&c) {
                return Err(layer.feature_error(
                    f,
                    format!("ceiling_amsl_m = {c}: expected metres above sea level, -500..20000"),
                ));
            }
        }
        let radius = f
            .number("radius_m")
            .map_err(|m| layer.feature_error(f, m))?;
        let shapes: Vec<ZoneShape> = match (&f.geometry, radius) {
            (Geometry::Polygon(p), None) => vec![ZoneShape::Polygon(p.clone())],
            (Geometry::MultiPolygon(mp), None) => {
                mp.0.iter().cloned().map(ZoneShape::Polygon).collect()
            }
            (Geometry::Point(center), Some(r)) => {
                if !(r > 0.0 && r <= 100_000.0) {
                    return Err(layer.feature_error(
                        f,
                        format!(
                            "radius_m = {r}: a circle's radius is more than 0 and at most 100000 m"
                        ),
                    ));
                }
                vec![ZoneShape::Circle {
                    center: *center,
                    radius_m: r,
                }]
            }
            (Geometry::Point(_), None) => {
                return Err(
                    layer.feature_error(f, "a point zone needs a 'radius_m' property (a circle)")
                );
            }
            (_, Some(_)) => {
                return Err(layer.feature_error(f, "'radius_m' is only for Point zones"));
            }
            _ => {
                return Err(layer.feature_error(
                    f,
                    "a no-fly zone is a Polygon, a MultiPolygon, or a Point with 'radius_m'",
                ));
            }
        };
        for shape in shapes {
            zones.push(NoFlyZone {
                name: name.clone(),
                shape,
                ceiling_amsl_m,
            });
        }
    }
    Ok(zones)
}
