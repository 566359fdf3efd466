//! The watch besides the drones: what video towers see and infrared alarms sense over the
//! patrol area, so that drones are sent where nothing else looks.
//!
//! - [`viewshed`]: a tower camera's line of sight over the DEM, as GDAL's `gdal_viewshed`
//!   computes it (its `-om GROUND` output is this module's oracle): per DEM cell, the smoke
//!   column a fire there needs before the camera sees it.
//! - [`coverage`]: per planning cell, the towers that see it and from what column, the alarms
//!   that cover it, the chance a fire there is found by neither; the shares of the area's risk
//!   each watches; the weights the planner gives what is left to the drones.
//! - [`siting`]: where new towers would watch the most risk.
//!
//! The tower and alarm layers themselves are area layers
//! ([`crate::area::watch_layers`]).
pub mod coverage;
pub mod siting;
pub mod viewshed;
