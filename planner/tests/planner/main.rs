//! Integration tests of patrol-planner, in one test binary.

mod exports;
mod gdal;
mod gdal_oracles;
mod risk_layers;
mod terrain_queries;
