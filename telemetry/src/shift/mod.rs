//! The flight session: one running shift, wired once for `patrol fly` and `patrol demo`.
//!
//! - [`session::FlightSession`] starts the ground service, the alerting side and the event
//!   subscribers over a [`crate::run_dir::RunDir`], flies the plan and finishes.
//! - [`event::ShiftEvent`]: every flight, upload, dispatch, alarm and alert event as a typed
//!   value, stamped with mission and wall time, published on the [`bus::EventBus`].
//! - Subscribers render them: [`event_log`] (`events.log` and the console, text from
//!   [`render`]), [`progress`] (each drone's sorties flown and skipped, its phase), and the
//!   live [`status_table`].
pub mod bus;
pub mod event;
pub mod event_log;
pub mod progress;
pub mod render;
pub mod session;
pub mod status_table;
