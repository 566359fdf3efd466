//! Flying a plan: the sortie tasks, the alerting side (geotagging, fusion, alerts) and the
//! dispatcher that sends drones to verify alerts. The flight session ([`crate::shift`]) wires
//! them together.
pub mod alert_service;
pub mod alerting;
pub mod control;
pub mod dispatch;
pub mod lists;
pub mod sorties;
