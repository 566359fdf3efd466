//! Greedy construction and refilling: insert, anywhere in any route, the unvisited node with
//! the best ratio of score to added cost that keeps its route within budget, until nothing
//! fits. Candidates for a gap are the unvisited nodes nearest to the gap's start (an R-tree),
//! and every route's best insertion is cached, so a large instance stays fast.

use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::metric::Metric;
use super::problem::Problem;
use super::rng::SplitMix64;

/// Candidates examined per gap.
pub const CANDIDATES_PER_GAP: usize = 10;

/// The unvisited nodes, indexed by their entry point.
#[derive(Debug, Clone)]
pub struct Unvisited {
    tree: RTree<GeomWithData<[f64; 2], usize>>,
    visited: Vec<bool>,
}

impl Unvisited {
    /// All nodes with a positive score, minus those already in `routes`.
    pub fn new<M: Metric>(problem: &Problem<'_, M>, routes: &[Vec<usize>]) -> Unvisited {
        let mut visited = vec![false; problem.nodes.len()];
        for &n in routes.iter().flatten() {
            visited[n] = true;
        }
        let items = problem
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| !visited[*i] && n.score > 0.0)
            .map(|(i, n)| GeomWithData::new([n.entry.x, n.entry.y], i))
            .collect();
        Unvisited {
            tree: RTree::bulk_load(items),
            visited,
        }
    }

    /// Marks a node visited.
    pub fn take<M: Metric>(&mut self, problem: &Problem<'_, M>, n: usize) {
        let e = problem.nodes[n].entry;
        self.tree.remove(&GeomWithData::new([e.x, e.y], n));
        self.visited[n] = true;
    }

    /// Returns a node to the unvisited set.
    pub fn put_back<M: Metric>(&mut self, problem: &Problem<'_, M>, n: usize) {
        if self.visited[n] && problem.nodes[n].score > 0.0 {
            let e = problem.nodes[n].entry;
            self.tree.insert(GeomWithData::new([e.x, e.y], n));
            self.visited[n] = false;
        }
    }

    /// Whether a node is in some route.
    pub fn is_visited(&self, n: usize) -> bool {
        self.visited[n]
    }

    /// Up to `k` unvisited nodes nearest to a point.
    pub fn nearest(&self, x: f64, y: f64, k: usize) -> impl Iterator<Item = usize> + '_ {
        self.tree
            .nearest_neighbor_iter([x, y])
            .take(k)
            .map(|g| g.data)
    }

    /// How many nodes are unvisited.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether every node is visited.
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

#[derive(Debug, Clone, Copy)]
struct Insertion {
    ratio: f64,
    node: usize,
    delta: f64,
}

/// The best node to insert into gap `gap` of route `v` (between positions `gap` and
/// `gap + 1`, depots included) within the budget left.
#[allow(clippy::too_many_arguments)]
fn best_for_gap<M: Metric>(
    problem: &Problem<'_, M>,
    v: usize,
    route: &[usize],
    gap: usize,
    slack: f64,
    unvisited: &Unvisited,
    noise: &mut Noise<'_>,
    work: &mut u64,
) -> Option<Insertion> {
    let a = problem.exit_at(v, route, gap);
    let b = problem.entry_at(v, route, gap + 1);
    let base = problem.metric.cost(a, b);
    let mut best: Option<Insertion> = None;
    for n in unvisited.nearest(a.x, a.y, CANDIDATES_PER_GAP) {
        *work += 1;
        let node = &problem.nodes[n];
        let delta =
            problem.metric.cost(a, node.entry) + node.service + problem.metric.cost(node.exit, b)
                - base;
        if delta > slack + 1e-9 {
            continue;
        }
        let ratio = node.score / delta.max(1e-6) * noise.factor();
        if best.is_none_or(|x| ratio > x.ratio) {
            best = Some(Insertion {
                ratio,
                node: n,
                delta,
            });
        }
    }
    best
}

/// Random perturbation of insertion ratios, so that recreating after a ruin explores other
/// solutions than plain greed would rebuild.
struct Noise<'a> {
    rng: Option<&'a mut SplitMix64>,
    amplitude: f64,
}

impl Noise<'_> {
    fn factor(&mut self) -> f64 {
        match self.rng.as_deref_mut() {
            Some(rng) => 1.0 + self.amplitude * (rng.next_f64() - 0.5),
            None => 1.0,
        }
    }
}

/// [`fill`] with each insertion ratio multiplied by a random factor in `1 ± amplitude / 2`.
pub fn fill_noisy<M: Metric>(
    problem: &Problem<'_, M>,
    routes: &mut [Vec<usize>],
    costs: &mut [f64],
    unvisited: &mut Unvisited,
    rng: &mut SplitMix64,
    amplitude: f64,
    work: &mut u64,
) -> usize {
    fill_with(
        problem,
        routes,
        costs,
        unvisited,
        &mut Noise {
            rng: Some(rng),
            amplitude,
        },
        work,
    )
}

/// Inserts unvisited nodes into `routes` greedily until none fits; returns how many.
///
/// Every gap of every route keeps its best candidate; an insertion recomputes only the two
/// gaps it creates and the gaps whose candidate it took, and a candidate that no longer fits
/// its route's shrunken slack is recomputed when it comes up.
pub fn fill<M: Metric>(
    problem: &Problem<'_, M>,
    routes: &mut [Vec<usize>],
    costs: &mut [f64],
    unvisited: &mut Unvisited,
    work: &mut u64,
) -> usize {
    fill_with(
        problem,
        routes,
        costs,
        unvisited,
        &mut Noise {
            rng: None,
            amplitude: 0.0,
        },
        work,
    )
}

fn fill_with<M: Metric>(
    problem: &Problem<'_, M>,
    routes: &mut [Vec<usize>],
    costs: &mut [f64],
    unvisited: &mut Unvisited,
    noise: &mut Noise<'_>,
    work: &mut u64,
) -> usize {
    let slack = |v: usize, costs: &[f64]| problem.vehicles[v].budget - costs[v];
    let mut gaps: Vec<Vec<Option<Insertion>>> = (0..routes.len())
        .map(|v| {
            (0..=routes[v].len())
                .map(|g| {
                    best_for_gap(
                        problem,
                        v,
                        &routes[v],
                        g,
                        slack(v, costs),
                        unvisited,
                        noise,
                        work,
                    )
                })
                .collect()
        })
        .collect();
    let mut inserted = 0;
    loop {
        let mut best: Option<(usize, usize, Insertion)> = None;
        for (v, route_gaps) in gaps.iter().enumerate() {
            for (g, ins) in route_gaps.iter().enumerate() {
                if let Some(ins) = ins {
                    if best.is_none_or(|b| ins.ratio > b.2.ratio) {
                        best = Some((v, g, *ins));
                    }
                }
            }
        }
        let Some((v, g, ins)) = best else { break };
        if ins.delta > slack(v, costs) + 1e-9 || unvisited.is_visited(ins.node) {
            // Stale: the route grew since, or the node went elsewhere.
            gaps[v][g] = best_for_gap(
                problem,
                v,
                &routes[v],
                g,
                slack(v, costs),
                unvisited,
                noise,
                work,
            );
            continue;
        }
        routes[v].insert(g, ins.node);
        costs[v] += ins.delta;
        unvisited.take(problem, ins.node);
        inserted += 1;
        let sl = slack(v, costs);
        let left = best_for_gap(problem, v, &routes[v], g, sl, unvisited, noise, work);
        let right = best_for_gap(problem, v, &routes[v], g + 1, sl, unvisited, noise, work);
        gaps[v][g] = left;
        gaps[v].insert(g + 1, right);
        for (u, route_gaps) in gaps.iter_mut().enumerate() {
            for (h, slot) in route_gaps.iter_mut().enumerate() {
                if slot.is_some_and(|c| c.node == ins.node) {
                    *slot = best_for_gap(
                        problem,
                        u,
                        &routes[u],
                        h,
                        problem.vehicles[u].budget - costs[u],
                        unvisited,
                        noise,
                        work,
                    );
                }
            }
        }
    }
    inserted
}
