//! patrol-telemetry: the MAVLink side of forest-patrol, from bytes on a radio to alerts a duty
//! officer acts on.
//!
//! # Layers, bottom up
//!
//! - [`mav`]: the MAVLink transport. Connection strings ([`mav::Endpoint`]), one task per
//!   link ([`mav::link`]), frames, signing, the `.tlog` format, the dialect (ArduPilot's plus
//!   `FOREST_DETECTION`), mission items on the wire, ArduCopter's mode numbers.
//! - [`gcs`]: the ground service. One actor owns every link and vehicle ([`gcs::Gcs`] is the
//!   handle): heartbeats and link loss, telemetry rates, mission/fence/rally transfers,
//!   commands, a tlog per vehicle, [`gcs::GcsEvent`]s, and a tap that copies chosen messages
//!   to the detection pipeline.
//! - [`detect`]: geotagging. A detection's pixel and the vehicle's pose become a ray, the
//!   ray a point on the terrain with an error ellipse (or a bearing, for smoke), and sightings
//!   become incidents.
//! - [`alarms`]: external alarm inputs (tower cameras, infrared sensors) as JSON lines.
//! - [`alerts`]: the SQLite alert store with its traced lifecycle.
//! - [`fly`]: flying a plan (the sortie tasks), the alerting task and the dispatcher.
//! - [`shift`]: the flight session that wires one running shift
//!   ([`shift::session::FlightSession`]), its typed events ([`shift::event::ShiftEvent`]) and
//!   their subscribers (event log, progress, live table).
//! - [`run_dir`]: a run directory's layout ([`run_dir::RunDir`]), the only place that knows
//!   its file names.
//! - [`sim`] and [`demo`]: the simulated fleet (an autopilot, flight model, fires and onboard
//!   detector speaking MAVLink) and the demo that flies a whole shift against it. Nothing else
//!   imports them; [`fire_file`] is the fire format they share with the replay.
//!
//! # How a frame becomes an alert
//!
//! A link task splits bytes into [`mav::Frame`]s and hands them to the [`gcs`] actor, which
//! decodes them, updates the vehicle's state, writes the tlog, and copies pose, attitude,
//! gimbal, camera and `FOREST_DETECTION` messages onto the tap. The alerting task
//! ([`fly::alerting`]) feeds them to the [`detect::intake::DetectionIntake`], which keeps each
//! vehicle's pose history and turns a detection into a located
//! [`detect::observation::Sighting`]; external alarms become sightings too. The
//! [`detect::incident::IncidentTracker`] fuses sightings into incidents; a believable one gets
//! an alert in the [`alerts::store::AlertStore`] (committed first), an
//! [`shift::event::AlertEvent`] on the session's bus, and a request to the
//! [`fly::dispatch::Dispatcher`], which sends the drone that can be on scene first.
pub use mavlink;

pub mod alarms;
pub mod alerts;
pub mod clock;
pub mod demo;
pub mod detect;
pub mod eval;
pub mod fire_file;
pub mod fly;
pub mod gcs;
pub mod mav;
pub mod run_dir;
pub mod shift;
pub mod sim;
