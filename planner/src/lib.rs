//! # patrol-planner
//!
//! The pure core of forest-patrol: no async runtime, no UI. It holds the patrol area and
//! everything computed from it.
//!
//! - [`raster`]: georeferenced rasters and their file formats (GeoTIFF, SRTM `.hgt`, Esri
//!   `.asc`).
//! - [`geodesy`]: WGS 84, UTM and the local east-north-up frame ([`geodesy::enu::Enu`]).
//! - [`terrain`]: [`terrain::Terrain`], elevation, slope, profiles and ray casting.
//! - [`area`]: [`area::Area`], loaded from an area directory's `area.toml`: terrain, risk
//!   cells, forest, human access, no-fly zones, bases and the [`area::fleet::Fleet`].
//! - [`risk`]: planning cells ([`risk::cells::RiskMap`]), danger classes, the fire-risk
//!   model and the Canadian Fire Weather Index.
//! - [`map`]: the heat-map picture of an area.
//!
//! Data flows one way: files → [`area::Area`] → risk cells → (planning, maps). Errors are
//! [`area::error::AreaError`] values naming the file and the line, feature or field.

pub mod area;
pub mod export;
pub mod geodesy;
pub mod map;
pub mod plan;
pub mod raster;
pub mod risk;
pub mod route;
pub mod terrain;
pub mod watch;
