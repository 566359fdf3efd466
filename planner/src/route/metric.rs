//! Costs between points, in the same units as the vehicles' budgets.

/// A point in a plane (metres in the planner's local frame; any unit in abstract instances).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    /// x (east).
    pub x: f64,
    /// y (north).
    pub y: f64,
}

/// The cost of travelling from one point to another. May be asymmetric (wind, climb).
///
/// Invariant: non-negative and finite between every pair the search asks for; a pair that
/// cannot be travelled returns `f64::INFINITY`.
pub trait Metric: Sync {
    /// Cost from `a` to `b`.
    fn cost(&self, a: Point, b: Point) -> f64;

    /// How much slower one call is than [`Euclidean`]'s, so that the search's time limit
    /// buys the same wall-clock time whatever the metric (see `search` on determinism).
    fn relative_cost(&self) -> f64 {
        1.0
    }
}

/// Straight-line distance: the metric of abstract instances.
#[derive(Debug, Clone, Copy, Default)]
pub struct Euclidean;

impl Metric for Euclidean {
    fn cost(&self, a: Point, b: Point) -> f64 {
        ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).sqrt()
    }
}
