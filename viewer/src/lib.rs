//! patrol-viewer: replays a patrol run (`patrol view <run-dir>`) in 3D over the area's terrain.
//!
//! Data flows one way: [`replay`] loads a run directory (the plan, one tlog per drone, the
//! alert store, the simulated fires) into time-indexed [`replay::track::Track`]s and alert
//! timelines and drives a [`replay::clock::PlaybackClock`]; it knows nothing of Bevy and is
//! unit-tested on its own. The Bevy app on top turns the run into a scene and draws the state
//! at the clock's cursor.

pub mod replay;
pub mod scene;

pub use scene::{ViewError, ViewOptions, run_viewer};
