//! `patrol eval`: how soon fires are found, by towers, alarms and drones, and how soon a drone
//! can be on scene: many risk-weighted fires over a shift, compared across ways of watching.
//!
//! The fires grow and smoke as the simulator's do ([`crate::sim::fire`]). The towers and
//! alarms report them as the simulator's watch does ([`crate::sim::watch`]); the drones see
//! them in the images of their planned flights through the simulator's detector
//! ([`crate::sim::detector`]), so that the prediction and the demo, which flies the same
//! plans over MAVLink, are one model. No MAVLink, no clock: a shift of a thousand fires is a
//! matter of seconds.
//!
//! Five strategies are compared on the same fires ([`run::Strategy`]): the towers and alarms
//! alone; the drones alone; towers and alarms with drones planned for the highest risk; with
//! drones planned for the towers' blind spots; with a lawn-mower survey of the same flight
//! hours ([`lawnmower`]). Detections follow the planned flights: a drone sent to verify a
//! fire is counted on scene ([`response`]) but its track is not changed.

pub mod detection;
pub mod lawnmower;
pub mod picture;
pub mod remedy;
pub mod report;
pub mod response;
pub mod run;
pub mod stats;
pub mod track;
