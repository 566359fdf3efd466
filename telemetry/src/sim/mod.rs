//! The simulated fleet: [`flight`] flies one vehicle (pure physics and autopilot logic),
//! [`autopilot`] gives it ArduPilot's (or PX4's) MAVLink face, [`fleet`] runs many on one link.
//! [`fire`] holds ground-truth fires and [`detector`] plays each vehicle's onboard fire
//! detector, reporting what its camera sees of them; [`watch`] plays the area's towers and
//! infrared alarms, reporting the fires they would.
pub mod autopilot;
pub mod detector;
pub mod fire;
pub mod fleet;
pub mod flight;
pub mod watch;
