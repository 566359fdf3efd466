//! Fire alerts: one alert per incident, kept in SQLite with a traced lifecycle.
//!
//! Detections from the drones and alarms from outside (tower cameras, under-canopy infrared
//! sensors, [`crate::alarms`]) are fused into incidents elsewhere; each incident gets one alert
//! here. Data flows:
//!
//! - [`model`] holds the alert's vocabulary: [`model::AlertState`] and its allowed moves,
//!   [`model::NewAlert`], [`model::Evidence`] and the [`model::TraceEntry`] lifecycle record.
//! - [`store`] keeps them in one SQLite file ([`store::AlertStore`]): every change is committed
//!   before the call returns, and a read-only store reads while a run is writing.
//! - [`schema`] is the SQLite schema and its version check.
//! - [`record`] is what the store gives back: [`record::Alert`], [`record::AlertSummary`],
//!   [`record::AlertDetail`] with its [`record::StepTimes`].
//! - [`export`] writes the alerts as GeoJSON and CSV for maps and spreadsheets.
//!
//! The file formats are documented in `docs/alerts.md`.

pub mod export;
mod lifecycle;
pub mod model;
mod query;
pub mod record;
pub mod schema;
mod state_rows;
pub mod store;
mod store_error;
mod validate;
