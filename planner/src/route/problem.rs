//! The problem the search solves and the routes it returns.

use super::metric::{Metric, Point};

/// A place worth visiting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// Where a route arrives.
    pub entry: Point,
    /// Where a route leaves (the entry for a point; the far end for a sweep).
    pub exit: Point,
    /// Cost of serving the node itself (a sweep's length), budget units.
    pub service: f64,
    /// What visiting it is worth.
    pub score: f64,
}

impl Node {
    /// A point node with no service cost.
    pub fn point(x: f64, y: f64, score: f64) -> Node {
        let p = Point { x, y };
        Node {
            entry: p,
            exit: p,
            service: 0.0,
            score,
        }
    }
}

/// A vehicle's route frame: where it starts and ends, and how much it may spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vehicle {
    /// Start depot.
    pub start: Point,
    /// End depot.
    pub end: Point,
    /// Largest total cost of its route, budget units.
    pub budget: f64,
}

/// Nodes, vehicles and the metric between them.
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a, M: Metric> {
    /// The nodes.
    pub nodes: &'a [Node],
    /// The vehicles.
    pub vehicles: &'a [Vehicle],
    /// Travel costs.
    pub metric: &'a M,
}

impl<M: Metric> Problem<'_, M> {
    /// Cost of a route (node indices) for vehicle `v`, depots included.
    pub fn route_cost(&self, v: usize, route: &[usize]) -> f64 {
        let veh = &self.vehicles[v];
        let mut cost = 0.0;
        let mut at = veh.start;
        for &n in route {
            let node = &self.nodes[n];
            cost += self.metric.cost(at, node.entry) + node.service;
            at = node.exit;
        }
        cost + self.metric.cost(at, veh.end)
    }

    /// Score of a route.
    pub fn route_score(&self, route: &[usize]) -> f64 {
        route.iter().map(|&n| self.nodes[n].score).sum()
    }

    /// The exit point of position `i` of a route, where `i == 0` is the start depot and
    /// positions 1..=len are the nodes.
    pub fn exit_at(&self, v: usize, route: &[usize], i: usize) -> Point {
        if i == 0 {
            self.vehicles[v].start
        } else {
            self.nodes[route[i - 1]].exit
        }
    }

    /// The entry point of position `i`, where `i == len + 1` is the end depot.
    pub fn entry_at(&self, v: usize, route: &[usize], i: usize) -> Point {
        if i == route.len() + 1 {
            self.vehicles[v].end
        } else {
            self.nodes[route[i - 1]].entry
        }
    }
}

/// Routes for every vehicle, with their costs and the total score.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Node indices per vehicle, in visiting order.
    pub routes: Vec<Vec<usize>>,
    /// Cost of each route.
    pub costs: Vec<f64>,
    /// Sum of the scores of all visited nodes.
    pub score: f64,
}

impl Solution {
    /// Recomputes costs and score from routes.
    pub fn evaluate<M: Metric>(problem: &Problem<'_, M>, routes: Vec<Vec<usize>>) -> Solution {
        let costs = routes
            .iter()
            .enumerate()
            .map(|(v, r)| problem.route_cost(v, r))
            .collect();
        let score = routes.iter().map(|r| problem.route_score(r)).sum();
        Solution {
            routes,
            costs,
            score,
        }
    }

    /// Total cost of all routes.
    pub fn total_cost(&self) -> f64 {
        self.costs.iter().sum()
    }

    /// Whether `self` beats `other`: more score, or equal score (within 1e-9) at less cost.
    pub fn better_than(&self, other: &Solution) -> bool {
        self.score > other.score + 1e-9
            || ((self.score - other.score).abs() <= 1e-9
                && self.total_cost() < other.total_cost() - 1e-9)
    }
}
