//! Why a run cannot be replayed.

use std::path::PathBuf;

/// Errors loading a run directory. Each names the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The run directory does not exist or is not a directory.
    #[error("{path}: no such run directory")]
    MissingRunDir {
        /// The directory given.
        path: PathBuf,
    },
    /// The run directory has no plan.
    #[error("{path}: missing (a run directory from `patrol fly` or `patrol demo` has one)")]
    MissingPlan {
        /// Where plan.json was expected.
        path: PathBuf,
    },
    /// plan.json cannot be read.
    #[error(transparent)]
    Plan(#[from] patrol_planner::export::ExportError),
    /// A tlog cannot be read.
    #[error(transparent)]
    Tlog(#[from] patrol_telemetry::mav::tlog::TlogError),
    /// run.json cannot be read.
    #[error(transparent)]
    RunInfo(#[from] patrol_telemetry::run_dir::RunInfoError),
    /// The run directory cannot be listed.
    #[error(transparent)]
    RunDir(#[from] patrol_telemetry::run_dir::RunDirError),
    /// The alert store cannot be read.
    #[error(transparent)]
    Alerts(#[from] patrol_telemetry::alerts::store::StoreError),
    /// fires.json cannot be read.
    #[error(transparent)]
    Fires(#[from] patrol_telemetry::fire_file::FireError),
    /// The area named by the plan cannot be loaded.
    #[error("area {dir} (plan.json's area_dir): {source}")]
    Area {
        /// The area directory.
        dir: PathBuf,
        /// Cause.
        source: patrol_planner::area::error::AreaError,
    },
    /// The run has no position telemetry at all.
    #[error(
        "{path}: no position telemetry (GLOBAL_POSITION_INT from a vehicle's autopilot) in its tlogs"
    )]
    NoTelemetry {
        /// The run directory.
        path: PathBuf,
    },
    /// A time given on the command line is not HH:MM:SS.
    #[error(
        "time `{text}`: expected the shift's local time of day HH:MM[:SS], or +H:MM:SS from the start of the run (a bare tlog: H:MM:SS from its start)"
    )]
    BadTime {
        /// What was given.
        text: String,
    },
    /// A time beyond the end of the run.
    #[error("time {text}: outside the run, which covers {span}")]
    TimeOutOfRun {
        /// What was given.
        text: String,
        /// The run's span as the user reads it (local times and length).
        span: String,
    },
    /// A drone id the run does not have.
    #[error("drone `{id}`: not in this run (drones: {known})")]
    UnknownDrone {
        /// What was given.
        id: String,
        /// The run's drone ids, comma-separated.
        known: String,
    },
}
