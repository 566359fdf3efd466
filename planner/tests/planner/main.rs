//! Integration tests of patrol-planner, in one test binary.

mod blind_spots;
mod exports;
mod gdal;
mod gdal_oracles;
mod maps;
mod planning;
mod risk_layers;
mod route_core;
mod terrain_queries;
mod viewshed_gdal;
