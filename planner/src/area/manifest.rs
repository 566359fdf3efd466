//! `area.toml`: the manifest of a patrol area directory. Every layer is named by a path
//! relative to the manifest. Unknown keys are errors, so a misspelt key is never silently
//! ignored.
//!
//! ```toml
//! name = "Cumberland Mountains"
//!
//! [terrain]
//! path = "terrain/cumberland-dem.tif"   # GeoTIFF, SRTM .hgt or Esri .asc
//!
//! [risk]                                # optional: a ready-made risk map
//! path = "risk/risk.tif"                # GeoTIFF, CSV (lon,lat,risk) or GeoJSON polygons
//! scale = "unit"                        # "unit" (0..1) or "classes" (danger levels 1..5)
//!
//! [cells]
//! size_m = 250                          # planning cell size
//!
//! [layers]
//! forest = "layers/forest.geojson"      # polygons or a GeoTIFF mask (0..1)
//! roads = "layers/roads.geojson"
//! villages = "layers/villages.geojson"
//! cemeteries = "layers/cemeteries.geojson"
//! scenic_spots = "layers/scenic.geojson"
//! no_fly = "layers/no-fly.geojson"
//! bases = "layers/bases.geojson"
//! towers = "layers/towers.geojson"     # optional: video towers (points)
//! ir_alarms = "layers/ir-alarms.geojson" # optional: infrared alarms (points)
//!
//! [watch]                               # optional
//! smoke_column_m = 60                   # the column a tower must see for a fire to count
//! blind_spot_weight = 1.0               # 0: plan as if towers and alarms did not exist
//!
//! [fleet]
//! path = "fleet.toml"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{AreaError, read_toml};
use crate::risk::model::RiskModelConfig;
use crate::risk::weather::WeatherConfig;

/// The parsed `area.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaManifest {
    /// The area's name, shown in summaries and maps.
    pub name: String,
    /// The IANA time zone of its shifts' local times (e.g. `America/New_York`,
    /// `Asia/Shanghai`); without it, the planning machine's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The digital elevation model.
    pub terrain: TerrainEntry,
    /// A ready-made fire-risk layer; without it, `patrol area risk` computes one.
    pub risk: Option<RiskEntry>,
    /// Planning cells.
    #[serde(default)]
    pub cells: CellsEntry,
    /// Vector and mask layers.
    pub layers: LayersEntry,
    /// The fleet file.
    pub fleet: FleetEntry,
    /// Weights of the fire-risk model (documented defaults).
    #[serde(default)]
    pub risk_model: RiskModelConfig,
    /// The day's noon weather for the Fire Weather Index.
    pub weather: Option<WeatherConfig>,
    /// How the towers' and alarms' watch is judged and weighed in planning.
    #[serde(default)]
    pub watch: crate::watch::coverage::WatchSettings,
}

/// `[terrain]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerrainEntry {
    /// DEM file, relative to area.toml.
    pub path: PathBuf,
    /// CRS for formats that carry none (`.asc`), e.g. `"EPSG:32617"`.
    pub crs: Option<String>,
}

/// How risk values in a layer are expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RiskScale {
    /// A probability-like index from 0 (no risk) to 1 (highest).
    #[default]
    Unit,
    /// China's five forest-fire danger levels, 1 (low) to 5 (extreme).
    Classes,
}

/// `[risk]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskEntry {
    /// Risk file, relative to area.toml: `.tif`, `.csv` or `.geojson`.
    pub path: PathBuf,
    /// How the values are expressed.
    #[serde(default)]
    pub scale: RiskScale,
}

/// `[cells]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellsEntry {
    /// Edge of a square planning cell, metres (default 250).
    #[serde(default = "default_cell_size_m")]
    pub size_m: f64,
}

impl Default for CellsEntry {
    fn default() -> Self {
        CellsEntry {
            size_m: default_cell_size_m(),
        }
    }
}

fn default_cell_size_m() -> f64 {
    250.0
}

/// `[layers]`: every entry optional except the bases.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayersEntry {
    /// Forest/fuel mask: GeoJSON polygons or a GeoTIFF of fuel fraction 0..1.
    pub forest: Option<PathBuf>,
    /// Roads and trails: GeoJSON lines.
    pub roads: Option<PathBuf>,
    /// Villages: GeoJSON points or polygons.
    pub villages: Option<PathBuf>,
    /// Cemeteries: GeoJSON points or polygons.
    pub cemeteries: Option<PathBuf>,
    /// Scenic spots: GeoJSON points or polygons.
    pub scenic_spots: Option<PathBuf>,
    /// No-fly zones: GeoJSON polygons, or points with a `radius_m` property.
    pub no_fly: Option<PathBuf>,
    /// Launch bases: GeoJSON points with a `name`.
    pub bases: PathBuf,
    /// Video towers: GeoJSON points (see [`super::watch_layers`]).
    pub towers: Option<PathBuf>,
    /// Under-canopy infrared alarms: GeoJSON points (see [`super::watch_layers`]).
    pub ir_alarms: Option<PathBuf>,
}

/// `[fleet]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetEntry {
    /// Fleet file, relative to area.toml.
    pub path: PathBuf,
}

impl AreaManifest {
    /// Reads `<dir>/area.toml`.
    pub fn read(dir: &Path) -> Result<AreaManifest, AreaError> {
        let path = dir.join("area.toml");
        let manifest: AreaManifest = read_toml(&path)?;
        if !(manifest.cells.size_m.is_finite()
            && manifest.cells.size_m >= 10.0
            && manifest.cells.size_m <= 5000.0)
        {
            return Err(AreaError::field(
                &path,
                "[cells]",
                "size_m",
                manifest.cells.size_m,
                "a planning cell is 10 to 5000 metres across",
            ));
        }
        manifest.risk_model.validate(&path)?;
        if let Some(w) = &manifest.weather {
            w.validate(&path)?;
        }
        if let Some(zone) = &manifest.time_zone {
            if crate::plan::wall_clock::time_zone(zone).is_err() {
                return Err(AreaError::field(
                    &path,
                    "top level",
                    "time_zone",
                    zone,
                    "an IANA time zone name such as America/New_York or Asia/Shanghai",
                ));
            }
        }
        let watch = manifest.watch;
        if !(watch.smoke_column_m.is_finite() && (1.0..=1000.0).contains(&watch.smoke_column_m)) {
            return Err(AreaError::field(
                &path,
                "[watch]",
                "smoke_column_m",
                watch.smoke_column_m,
                "1 to 1000 metres above the ground",
            ));
        }
        if !(0.0..=1.0).contains(&watch.blind_spot_weight) {
            return Err(AreaError::field(
                &path,
                "[watch]",
                "blind_spot_weight",
                watch.blind_spot_weight,
                "0 (towers and alarms ignored in planning) to 1",
            ));
        }
        Ok(manifest)
    }
}
