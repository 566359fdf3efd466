//! The simulated fleet.
pub mod flight;
