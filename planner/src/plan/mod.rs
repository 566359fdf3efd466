//! Patrol planning: from an area's risk cells and fleet to sorties, missions and a [`model::Plan`].
//!
//! [`build::plan_patrol`] runs the shift in waves of sorties routed by the team orienteering
//! search ([`crate::route`]), with the energy model of [`energy`], camera coverage of
//! [`coverage`], detours around no-fly zones of [`zones`], and missions with terrain
//! clearance of [`mission`]. [`summary`] prints what a pilot reads.

pub mod build;
pub mod coverage;
pub mod energy;
pub mod error;
pub mod mission;
pub mod model;
pub mod request;
pub mod summary;
pub mod sweep;
pub mod zones;
