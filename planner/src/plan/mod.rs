//! Patrol planning: from an area's risk cells and fleet to sorties, missions and a [`model::Plan`].
//!
//! A [`request::PlanRequest`] is checked into a [`resolve::ResolvedRequest`] (or a
//! [`resolve::RequestError`] naming the shift, a height, the wind or a drone); then
//! [`build::plan_patrol`] runs the shift in waves of sorties routed by the team orienteering
//! search ([`crate::route`]), with the energy model of [`energy`], camera coverage of
//! [`coverage`], sweeps of [`sweep`], detours around no-fly zones of [`zones`], and missions
//! with terrain clearance of [`mission`]. [`summary`] prints what a pilot reads.

mod assemble;
pub mod build;
mod cell_visits;
pub mod coverage;
pub mod energy;
pub mod error;
mod flyers;
pub mod mission;
pub mod model;
pub mod request;
pub mod resolve;
pub mod shift_clock;
mod sortie_record;
pub mod summary;
pub mod sweep;
mod targets;
mod timed_route;
pub mod wall_clock;
mod wave_problem;
mod waves;
pub mod zones;
