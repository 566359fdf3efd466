//! Pictures of a patrol area: the heat map `patrol area map` draws.

pub mod area_map;
pub mod canvas;
pub mod coverage_map;
pub mod plan_map;
