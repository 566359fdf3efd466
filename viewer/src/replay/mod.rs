//! Replay logic without Bevy: a run directory loaded into time-indexed tracks
//! ([`run::Run`], [`track::Track`]), alert lifecycles by time ([`alert_timeline`]), and the
//! playback clock the UI drives with commands ([`clock::PlaybackClock`]).

pub mod alert_timeline;
pub mod clock;
pub mod error;
pub mod mission_file;
pub mod readout;
pub mod run;
pub mod synthetic;
pub mod time;
pub mod track;
