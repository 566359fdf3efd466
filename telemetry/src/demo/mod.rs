//! `patrol demo`: a whole patrol shift on the bundled area, without hardware.
//!
//! [`run::run_demo`] plans the shift, ignites fires at random places weighted by the day's
//! risk, starts the simulated fleet (each drone with its simulated detector) on a loopback UDP
//! link, flies the plan through the ground service at a high speed-up, and lets the alerting
//! side geotag, alert and dispatch as it would with real drones. [`report::DemoReport`] then
//! scores the run against the simulator's ground truth and writes `report.md`.
pub mod fires;
pub mod report;
pub mod run;
