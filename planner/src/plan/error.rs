//! Why a plan cannot be made. Each message says what to change.

/// A planning failure.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// An option has a wrong value.
    #[error("{option} {value}: {message}")]
    Option {
        /// The option as typed, e.g. `--shift`.
        option: String,
        /// Its value.
        value: String,
        /// What it should be.
        message: String,
    },
    /// The area lacks what planning needs.
    #[error("{0}")]
    Area(String),
    /// Nothing can be flown at all.
    #[error("nothing can be planned: {0}")]
    Infeasible(String),
    /// A sortie needs more mission items than its autopilot stores.
    #[error(
        "sortie {sortie} needs {items} mission items but drone {drone}'s autopilot stores at most {limit} (autopilot.mission_item_limit in the fleet file): raise the limit if the vehicle stores missions on SD, or fly shorter sorties"
    )]
    MissionTooLong {
        /// Sortie id.
        sortie: String,
        /// Drone id.
        drone: String,
        /// Items needed.
        items: usize,
        /// The limit.
        limit: u32,
    },
}
