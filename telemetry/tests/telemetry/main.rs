//! Integration tests of patrol-telemetry: the ground service and the simulated fleet talking
//! real MAVLink over loopback sockets and serial pairs.

mod alert_store;
mod common;
mod detection_intake;
mod fuzz;
mod links;
mod plan_timing;
mod reliability;
mod session;
mod sim_detector;
