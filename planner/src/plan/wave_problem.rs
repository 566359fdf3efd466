//! One wave's routing problem ([`WaveProblem`]) for the team orienteering search: the cells
//! in reach and the sweeps as nodes scored by what is waiting to be seen, and the drones of
//! the wave as vehicles with their still-air budgets, distances measured around the no-fly
//! zones ([`ZoneMetric`]).

use super::cell_visits::{CellState, available};
use super::flyers::Flyer;
use super::waves::PatrolScope;
use super::zones::Obstacles;
use crate::route::instance::{Instance, InstanceNode, InstanceVehicle};
use crate::route::metric::{Metric, Point};
use crate::route::problem::{Node, Vehicle};

/// How much more a cell due for its revisit interval is worth to the search.
const DUE_FACTOR: f64 = 4.0;

/// Search metric: ground distance in metres, around no-fly zones.
pub(super) struct ZoneMetric<'a> {
    pub obstacles: &'a Obstacles,
}

impl Metric for ZoneMetric<'_> {
    fn cost(&self, a: Point, b: Point) -> f64 {
        self.obstacles.detour_cost_m((a.x, a.y), (b.x, b.y))
    }

    fn relative_cost(&self) -> f64 {
        // Measured on the bundled area (three zones): about 9 Euclidean calls' time.
        2.5 + self.obstacles.hulls.len() as f64 * 2.2
    }
}

/// The nodes and vehicles of one wave.
pub(super) struct WaveProblem {
    /// The cells in reach (point visits, in the order of the scope's candidates), then the
    /// sweeps (in the order of the scope's sweeps).
    pub nodes: Vec<Node>,
    /// The wave's drones, in the order of `flying`; budgets in metres.
    pub vehicles: Vec<Vehicle>,
}

/// The routing problem of the wave of `flying` (indices into `flyers`) taking off at `t0`
/// (seconds from the shift's start).
///
/// A cell is worth its risk times the share of it waiting at the middle of the wave's
/// sorties, times [`DUE_FACTOR`] when its revisit interval runs out before the wave's drones
/// could be back for it: that is what brings the highest classes back on time when the fleet
/// can manage it. A point visit scores the typical camera strip's share; a sweep sees its
/// cells whole.
pub(super) fn wave_problem(
    scope: &PatrolScope<'_>,
    flyers: &[Flyer<'_>],
    flying: &[usize],
    t0: f64,
    state: &[CellState],
) -> WaveProblem {
    let req = scope.req;
    let shift_s = req.shift_s();
    let cells = scope.risk.cells();
    let budgets_s: Vec<f64> = flying
        .iter()
        .map(|&i| {
            flyers[i].usable_s.min(shift_s - flyers[i].next_free_s)
                - flyers[i].takeoff_s
                - flyers[i].landing_s
        })
        .collect();
    let t_mid = t0 + budgets_s.iter().sum::<f64>() / budgets_s.len() as f64 / 2.0;
    let t_next = t0 + budgets_s.iter().fold(0.0, |a: f64, &b| a.max(b));
    let value_of = |ci: usize| {
        let c = &cells[ci];
        let interval_s = req.revisit_interval_s(c.class.level());
        let value = scope.weighted_risk(ci) * available(&state[ci], t_mid, interval_s, shift_s);
        // Due: its interval runs out before this wave's drones could be back for it.
        let due =
            interval_s.is_some_and(|iv| state[ci].last_visit_s.is_none_or(|l| t_next - l >= iv));
        if due { DUE_FACTOR * value } else { value }
    };
    let mut nodes: Vec<Node> = scope
        .candidates
        .iter()
        .map(|&ci| {
            Node::point(
                cells[ci].center.east_m,
                cells[ci].center.north_m,
                value_of(ci) * scope.typical_share,
            )
        })
        .collect();
    nodes.extend(scope.sweeps.iter().map(|sw| {
        let first = sw.points[0];
        let last = sw.points[sw.points.len() - 1];
        Node {
            entry: Point {
                x: first.0,
                y: first.1,
            },
            exit: Point {
                x: last.0,
                y: last.1,
            },
            service: sw.length_m,
            score: sw.cells.iter().map(|&ci| value_of(ci)).sum(),
        }
    }));
    let vehicles: Vec<Vehicle> = flying
        .iter()
        .zip(&budgets_s)
        .map(|(&i, &b)| {
            let p = Point {
                x: flyers[i].base_xy.0,
                y: flyers[i].base_xy.1,
            };
            Vehicle {
                start: p,
                end: p,
                budget: flyers[i].search_budget_m(b.max(0.0)),
            }
        })
        .collect();
    WaveProblem { nodes, vehicles }
}

impl WaveProblem {
    /// The problem as an abstract instance for other solvers: the first `cell_nodes` nodes
    /// (the point visits; sweeps left out), straight-line distances, budgets in metres.
    pub fn instance(&self, cell_nodes: usize) -> Instance {
        Instance {
            nodes: self.nodes[..cell_nodes]
                .iter()
                .map(|n| InstanceNode {
                    x: n.entry.x,
                    y: n.entry.y,
                    score: n.score,
                })
                .collect(),
            vehicles: self
                .vehicles
                .iter()
                .map(|v| InstanceVehicle {
                    start: v.start,
                    end: v.end,
                    budget: v.budget,
                })
                .collect(),
        }
    }
}
