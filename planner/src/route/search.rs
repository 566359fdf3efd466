//! The search: construction, local search, then ruin-and-recreate perturbation, with one
//! independent search per thread and the best result kept.
//!
//! # Time limit and determinism
//!
//! The time limit is wall time: a pilot who asks for 20 seconds gets an answer in 20 seconds,
//! on a loaded machine too. Within it, the search also stops after a budget of *work units*
//! (move and insertion evaluations), the limit's worth at [`WORK_UNITS_PER_SECOND`] on the
//! project's 2-core machine, so that on an unloaded machine a seed gives the same routes on
//! every run. When the clock stops a search first, [`SearchOutcome::stopped_by_clock`] says so
//! (another run may differ). An exact work budget ([`SearchConfig::work_budget`], `--work`)
//! replaces the time limit: the same routes on every run and machine, however long it takes.

use std::time::{Duration, Instant};

use super::construct::{Unvisited, fill, fill_noisy};
use super::local_search::{exchange, or_opt, relocate, replace, two_opt};
use super::metric::Metric;
use super::problem::{Problem, Solution};
use super::rng::SplitMix64;

/// Work units one thread performs per second on the reference machine (move and insertion
/// evaluations with a cheap metric), set by timing searches on the project's 2-core machine;
/// no benchmark re-measures it yet, so the wall-clock guard is what bounds a search.
pub const WORK_UNITS_PER_SECOND: f64 = 1.6e7;

/// How to search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchConfig {
    /// Seed of the perturbations.
    pub seed: u64,
    /// Time the search may take.
    pub time_limit: Duration,
    /// Independent searches run in parallel (the best is kept).
    pub threads: usize,
    /// Work units each search may spend, replacing the time limit (no clock then); `None`:
    /// the time limit's worth, and the clock stops the search at the limit.
    pub work_budget: Option<u64>,
}

impl SearchConfig {
    /// A configuration using every core for `time_limit`.
    pub fn new(seed: u64, time_limit: Duration) -> SearchConfig {
        SearchConfig {
            seed,
            time_limit,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            work_budget: None,
        }
    }

    fn budget(&self, metric_cost: f64) -> u64 {
        self.work_budget.unwrap_or(
            (self.time_limit.as_secs_f64() * WORK_UNITS_PER_SECOND / metric_cost.max(0.01)) as u64,
        )
    }
}

/// The result of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOutcome {
    /// The best solution found.
    pub solution: Solution,
    /// Perturbation rounds performed by the winning thread.
    pub iterations: u64,
    /// Work units spent by the winning thread.
    pub work: u64,
    /// Whether the time limit (wall clock), not the work budget, ended some thread.
    pub stopped_by_clock: bool,
}

/// Solves a team orienteering problem.
pub fn solve<M: Metric>(problem: &Problem<'_, M>, config: &SearchConfig) -> SearchOutcome {
    let threads = config.threads.max(1);
    let results: Vec<SearchOutcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let seed = config.seed.wrapping_mul(0x9E37_79B9).wrapping_add(t as u64);
                scope.spawn(move || search_one(problem, config, seed))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let stopped_by_clock = results.iter().any(|r| r.stopped_by_clock);
    let mut best = results
        .into_iter()
        .reduce(|a, b| {
            if b.solution.better_than(&a.solution) {
                b
            } else {
                a
            }
        })
        .unwrap_or_else(|| SearchOutcome {
            solution: Solution::evaluate(problem, vec![Vec::new(); problem.vehicles.len()]),
            iterations: 0,
            work: 0,
            stopped_by_clock: false,
        });
    best.stopped_by_clock = stopped_by_clock;
    // Costs accumulated by deltas drift; report exact ones.
    best.solution = Solution::evaluate(problem, best.solution.routes);
    best
}

/// Local search until no move improves (at most a few rounds).
fn improve<M: Metric>(
    problem: &Problem<'_, M>,
    routes: &mut [Vec<usize>],
    costs: &mut [f64],
    unvisited: &mut Unvisited,
    work: &mut u64,
    full: bool,
) {
    for _round in 0..4 {
        let mut changed = false;
        for v in 0..routes.len() {
            changed |= two_opt(problem, v, &mut routes[v], &mut costs[v], work);
            changed |= or_opt(problem, v, &mut routes[v], &mut costs[v], work);
        }
        if full {
            changed |= relocate(problem, routes, costs, work);
            changed |= exchange(problem, routes, costs, work);
        }
        changed |= replace(problem, routes, costs, unvisited, work);
        changed |= fill(problem, routes, costs, unvisited, work) > 0;
        if !changed {
            break;
        }
    }
}

fn search_one<M: Metric>(
    problem: &Problem<'_, M>,
    config: &SearchConfig,
    seed: u64,
) -> SearchOutcome {
    let started = Instant::now();
    // The limit is wall time, unless an exact work budget replaces it.
    let deadline = config.work_budget.is_none().then_some(config.time_limit);
    let budget = config.budget(problem.metric.relative_cost());
    let mut rng = SplitMix64::new(seed);
    let mut work = 0u64;
    let v_count = problem.vehicles.len();

    let mut routes: Vec<Vec<usize>> = vec![Vec::new(); v_count];
    let mut costs: Vec<f64> = (0..v_count).map(|v| problem.route_cost(v, &[])).collect();
    let mut unvisited = Unvisited::new(problem, &routes);
    fill(problem, &mut routes, &mut costs, &mut unvisited, &mut work);
    improve(
        problem,
        &mut routes,
        &mut costs,
        &mut unvisited,
        &mut work,
        true,
    );

    let snapshot = |routes: &Vec<Vec<usize>>, costs: &Vec<f64>| Solution {
        routes: routes.clone(),
        costs: costs.clone(),
        score: routes.iter().map(|r| problem.route_score(r)).sum(),
    };
    let mut current = snapshot(&routes, &costs);
    let mut best = current.clone();
    let mut iterations = 0u64;
    let mut stopped_by_clock = false;
    while work < budget && routes.iter().any(|r| !r.is_empty()) {
        if deadline.is_some_and(|d| started.elapsed() >= d) {
            stopped_by_clock = true;
            break;
        }
        iterations += 1;
        // Ruin: a random stretch of one or two routes goes back to the unvisited set.
        let ruined = 1 + rng.below(2.min(v_count));
        for _ in 0..ruined {
            let v = rng.below(v_count);
            if routes[v].is_empty() {
                continue;
            }
            let len = routes[v].len();
            let take = 1 + rng.below((len * 2 / 5).max(1));
            let start = rng.below(len - take + 1);
            for n in routes[v].drain(start..start + take) {
                unvisited.put_back(problem, n);
            }
            costs[v] = problem.route_cost(v, &routes[v]);
        }
        // Recreate with noisy greed, then polish; inter-route moves only now and then
        // (they are costly).
        fill_noisy(
            problem,
            &mut routes,
            &mut costs,
            &mut unvisited,
            &mut rng,
            0.6,
            &mut work,
        );
        improve(
            problem,
            &mut routes,
            &mut costs,
            &mut unvisited,
            &mut work,
            iterations % 25 == 0,
        );
        let candidate = snapshot(&routes, &costs);
        // Accept improvements, and slightly worse solutions early on, to leave local optima.
        let progress = (work as f64 / budget.max(1) as f64).min(1.0);
        let tolerance = 0.04 * (1.0 - progress) * rng.next_f64();
        if candidate.better_than(&current) || candidate.score >= current.score * (1.0 - tolerance) {
            current = candidate;
            if current.better_than(&best) {
                best = current.clone();
            }
        } else {
            routes = current.routes.clone();
            costs = current.costs.clone();
            unvisited = Unvisited::new(problem, &routes);
        }
    }
    SearchOutcome {
        solution: best,
        iterations,
        work,
        stopped_by_clock,
    }
}
