//! The simulated fleet: [`flight`] flies one vehicle (pure physics and autopilot logic),
//! [`autopilot`] gives it ArduPilot's MAVLink face, [`fleet`] runs many on one link.
pub mod autopilot;
pub mod fleet;
pub mod flight;
