//! Why a plan cannot be made. Each message says what to change.

use super::resolve::RequestError;

/// A planning failure.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The request is out of range or names a drone the fleet lacks.
    #[error(transparent)]
    Request(#[from] RequestError),
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
