//! The patrol area: one validated model of everything the planner, the telemetry service and
//! the viewer share, loaded from an area directory and its `area.toml`.
//!
//! [`Area::load`] reads the manifest ([`manifest`]), the terrain, the optional risk layer
//! (into planning cells, [`crate::risk::cells`]), the forest mask, the human-access layers,
//! the no-fly zones, the bases, the towers and infrared alarms and the fleet, then checks that they agree with each other:
//! the DEM covers every base, no base sits inside a no-fly zone, every drone's home base
//! exists.

pub mod access;
pub mod base;
pub mod error;
pub mod fleet;
pub mod forest;
pub mod manifest;
pub mod no_fly;
pub mod summary;
pub mod vector;
pub mod watch_layers;

use std::path::{Path, PathBuf};

use access::{AccessKind, AccessLayer};
use base::{Base, read_bases};
use error::AreaError;
use fleet::Fleet;
use forest::ForestMask;
use manifest::AreaManifest;
use no_fly::{NoFlyZone, read_no_fly};
use vector::VectorLayer;
use watch_layers::{IrAlarm, Tower, read_ir_alarms, read_towers};

use crate::raster::{Crs, read_raster};
use crate::risk::cells::{CellGrid, RiskMap};
use crate::risk::sources::read_risk;
use crate::terrain::{LonLatBox, Terrain};

/// A loaded and validated patrol area.
#[derive(Debug, Clone)]
pub struct Area {
    /// The area directory.
    pub dir: PathBuf,
    /// The manifest as read.
    pub manifest: AreaManifest,
    /// The terrain.
    pub terrain: Terrain,
    /// Planning cells with risk, if the area has a risk layer.
    pub risk: Option<RiskMap>,
    /// The forest mask, if any.
    pub forest: Option<ForestMask>,
    /// Human-access layers present.
    pub access: Vec<AccessLayer>,
    /// No-fly zones.
    pub no_fly: Vec<NoFlyZone>,
    /// Launch bases.
    pub bases: Vec<Base>,
    /// Video towers (the `towers` layer; none without one).
    pub towers: Vec<Tower>,
    /// Under-canopy infrared alarms (the `ir_alarms` layer; none without one).
    pub ir_alarms: Vec<IrAlarm>,
    /// The fleet.
    pub fleet: Fleet,
}

impl Area {
    /// Loads and validates the area in `dir`, with its risk layer if it names one.
    pub fn load(dir: &Path) -> Result<Area, AreaError> {
        Area::load_with(dir, true)
    }

    /// Loads and validates the area in `dir`; `with_risk = false` skips the risk layer (used
    /// while computing it).
    pub fn load_with(dir: &Path, with_risk: bool) -> Result<Area, AreaError> {
        if !dir.is_dir() {
            return Err(AreaError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such area directory"),
            ));
        }
        let manifest = AreaManifest::read(dir)?;
        let terrain = load_terrain(dir, &manifest)?;

        let bases_layer = VectorLayer::read(&dir.join(&manifest.layers.bases))?;
        let bases = read_bases(&bases_layer)?;
        for b in &bases {
            if terrain.elevation_amsl_m(b.lat_deg, b.lon_deg).is_none() {
                let f =
                    &bases_layer.features[bases.iter().position(|x| x.name == b.name).unwrap_or(0)];
                let e = terrain.extent();
                let hint = if terrain.elevation_amsl_m(b.lon_deg, b.lat_deg).is_some() {
                    SWAPPED_HINT
                } else {
                    ""
                };
                return Err(bases_layer.feature_error(
                    f,
                    format!(
                        "base at ({:.5}, {:.5}) is not covered by the DEM (lon {:.5}..{:.5}, lat {:.5}..{:.5}){hint}",
                        b.lon_deg, b.lat_deg, e.west_deg, e.east_deg, e.south_deg, e.north_deg
                    ),
                ));
            }
        }

        let no_fly = match &manifest.layers.no_fly {
            Some(p) => {
                let layer = VectorLayer::read(&dir.join(p))?;
                check_lon_lat_order(&layer, &terrain.extent())?;
                let zones = read_no_fly(&layer)?;
                for b in &bases {
                    if let Some(z) = zones.iter().find(|z| z.contains(b.lon_deg, b.lat_deg)) {
                        return Err(AreaError::Inconsistent {
                            path: dir.join(&manifest.layers.bases),
                            message: format!(
                                "base '{}' lies inside no-fly zone '{}' ({}): drones could not take off",
                                b.name,
                                z.name,
                                layer.path.display()
                            ),
                        });
                    }
                }
                zones
            }
            None => Vec::new(),
        };

        let forest = match &manifest.layers.forest {
            None => None,
            Some(p) => {
                let path = dir.join(p);
                let is_raster = matches!(
                    path.extension()
                        .and_then(|e| e.to_str())
                        .map(str::to_ascii_lowercase)
                        .as_deref(),
                    Some("tif" | "tiff")
                );
                Some(if is_raster {
                    ForestMask::from_raster(read_raster(&path, None)?, &path)?
                } else {
                    let layer = VectorLayer::read(&path)?;
                    check_lon_lat_order(&layer, &terrain.extent())?;
                    ForestMask::from_layer(&layer)?
                })
            }
        };

        let mut access = Vec::new();
        for kind in AccessKind::ALL {
            let entry = match kind {
                AccessKind::Road => &manifest.layers.roads,
                AccessKind::Village => &manifest.layers.villages,
                AccessKind::Cemetery => &manifest.layers.cemeteries,
                AccessKind::ScenicSpot => &manifest.layers.scenic_spots,
            };
            if let Some(p) = entry {
                let layer = VectorLayer::read(&dir.join(p))?;
                check_lon_lat_order(&layer, &terrain.extent())?;
                access.push(AccessLayer::new(kind, layer)?);
            }
        }

        let fleet = Fleet::read(&dir.join(&manifest.fleet.path), &bases)?;

        let towers = match &manifest.layers.towers {
            Some(p) => {
                let layer = VectorLayer::read(&dir.join(p))?;
                check_lon_lat_order(&layer, &terrain.extent())?;
                read_towers(&layer, &terrain)?
            }
            None => Vec::new(),
        };
        let ir_alarms = match &manifest.layers.ir_alarms {
            Some(p) => {
                let layer = VectorLayer::read(&dir.join(p))?;
                check_lon_lat_order(&layer, &terrain.extent())?;
                read_ir_alarms(&layer, &terrain)?
            }
            None => Vec::new(),
        };

        let risk = match &manifest.risk {
            Some(r) if with_risk => {
                let grid = CellGrid::covering(&terrain, manifest.cells.size_m);
                Some(read_risk(&dir.join(&r.path), r.scale, &terrain, grid)?)
            }
            _ => None,
        };

        Ok(Area {
            dir: dir.to_path_buf(),
            manifest,
            terrain,
            risk,
            forest,
            access,
            no_fly,
            bases,
            towers,
            ir_alarms,
            fleet,
        })
    }

    /// The area's name.
    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    /// What to do about a missing `[risk]`: [`no_risk_hint`] for this area.
    pub fn no_risk_hint(&self) -> String {
        no_risk_hint(&self.dir)
    }
}

/// What an area in `dir` without a `[risk]` table should do: add the map `patrol area risk`
/// already wrote there, or compute one and then add it. Said the same way by every command
/// that needs a risk map, so that none sends the user round in a loop.
pub fn no_risk_hint(dir: &Path) -> String {
    const TABLE: &str = "[risk] path = \"risk/risk.tif\"";
    if dir.join("risk").join("risk.tif").is_file() {
        format!("risk/risk.tif is there (written by `patrol area risk`): add {TABLE} to area.toml")
    } else {
        format!("compute one with `patrol area risk`, then add {TABLE} to area.toml")
    }
}

const SWAPPED_HINT: &str = ": its coordinates look like [latitude, longitude] (swapped, they fall on the DEM); GeoJSON positions are [longitude, latitude] (RFC 7946)";

/// Rejects a feature written [latitude, longitude]: far (over 5 degrees) from the DEM, but on
/// it once swapped. Such a feature would otherwise be silently ignored (a no-fly zone that
/// forbids nothing). Far features that are not mirror images of the area are left alone, so
/// regional layers still load.
fn check_lon_lat_order(layer: &VectorLayer, extent: &LonLatBox) -> Result<(), AreaError> {
    use geo::BoundingRect;
    const FAR_DEG: f64 = 5.0;
    let overlaps = |(x0, y0, x1, y1): (f64, f64, f64, f64), margin: f64| {
        x1 >= extent.west_deg - margin
            && x0 <= extent.east_deg + margin
            && y1 >= extent.south_deg - margin
            && y0 <= extent.north_deg + margin
    };
    for f in &layer.features {
        let Some(r) = f.geometry.bounding_rect() else {
            continue;
        };
        let (min, max) = (r.min(), r.max());
        if !overlaps((min.x, min.y, max.x, max.y), FAR_DEG)
            && overlaps((min.y, min.x, max.y, max.x), 0.0)
        {
            return Err(layer.feature_error(
                f,
                format!(
                    "lies outside the DEM (lon {:.5}..{:.5}, lat {:.5}..{:.5}){SWAPPED_HINT}",
                    extent.west_deg, extent.east_deg, extent.south_deg, extent.north_deg
                ),
            ));
        }
    }
    Ok(())
}

/// Reads the DEM named by the manifest.
pub fn load_terrain(dir: &Path, manifest: &AreaManifest) -> Result<Terrain, AreaError> {
    let path = dir.join(&manifest.terrain.path);
    let hint = match &manifest.terrain.crs {
        Some(text) => Some(Crs::parse(text).ok_or_else(|| {
            AreaError::field(
                dir.join("area.toml"),
                "[terrain]",
                "crs",
                text,
                "unsupported CRS (supported: EPSG:4326 and WGS 84 / UTM EPSG:32601-32660, 32701-32760)",
            )
        })?),
        None => None,
    };
    let raster = read_raster(&path, hint)?;
    Terrain::from_raster(raster).map_err(|source| AreaError::Terrain { path, source })
}
