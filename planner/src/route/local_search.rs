//! Local search moves. Cost moves shorten routes without losing score (2-opt, or-opt,
//! relocate and exchange between routes), which frees budget for [`super::construct::fill`];
//! score moves trade a visited node for a better unvisited one. All moves keep every route
//! within its budget, and all handle asymmetric metrics (each evaluates the edges it
//! changes in the direction they are flown).

use super::construct::{CANDIDATES_PER_GAP, Unvisited};
use super::metric::Metric;
use super::problem::Problem;

const EPS: f64 = 1e-9;

/// 2-opt: reverses a stretch of a route where that shortens it. Returns whether it improved.
pub fn two_opt<M: Metric>(
    problem: &Problem<'_, M>,
    v: usize,
    route: &mut [usize],
    cost: &mut f64,
    work: &mut u64,
) -> bool {
    let m = problem.metric;
    let n = route.len();
    if n < 2 {
        return false;
    }
    let mut improved_any = false;
    for _pass in 0..8 {
        // fwd[t]: edge t -> t+1 as flown; bwd[t]: the same pair flown backwards.
        let mut fwd = vec![0.0; n];
        let mut bwd = vec![0.0; n];
        for t in 0..n - 1 {
            fwd[t + 1] = fwd[t]
                + m.cost(
                    problem.nodes[route[t]].exit,
                    problem.nodes[route[t + 1]].entry,
                );
            bwd[t + 1] = bwd[t]
                + m.cost(
                    problem.nodes[route[t + 1]].exit,
                    problem.nodes[route[t]].entry,
                );
        }
        let mut improved = false;
        'outer: for i in 0..n - 1 {
            let a = problem.exit_at(v, route, i);
            for j in i + 1..n {
                *work += 1;
                let b = problem.entry_at(v, route, j + 2);
                let (first, last) = (&problem.nodes[route[i]], &problem.nodes[route[j]]);
                let old = m.cost(a, first.entry) + (fwd[j] - fwd[i]) + m.cost(last.exit, b);
                let new = m.cost(a, last.entry) + (bwd[j] - bwd[i]) + m.cost(first.exit, b);
                if new < old - EPS {
                    route[i..=j].reverse();
                    *cost += new - old;
                    improved = true;
                    improved_any = true;
                    break 'outer;
                }
            }
        }
        if !improved {
            break;
        }
    }
    improved_any
}

/// Or-opt: moves a stretch of one to three nodes elsewhere in the same route where that
/// shortens it. Returns whether it improved.
pub fn or_opt<M: Metric>(
    problem: &Problem<'_, M>,
    v: usize,
    route: &mut Vec<usize>,
    cost: &mut f64,
    work: &mut u64,
) -> bool {
    let m = problem.metric;
    let mut improved_any = false;
    let mut improved = true;
    let mut passes = 0;
    while improved && passes < 8 {
        improved = false;
        passes += 1;
        'search: for len in 1..=3usize {
            if route.len() < len + 1 {
                break;
            }
            for i in 0..=route.len() - len {
                let seg: Vec<usize> = route[i..i + len].to_vec();
                let (s_first, s_last) = (
                    problem.nodes[seg[0]].entry,
                    problem.nodes[seg[len - 1]].exit,
                );
                let prev = problem.exit_at(v, route, i);
                let next = problem.entry_at(v, route, i + len + 1);
                let gain = m.cost(prev, s_first) + m.cost(s_last, next) - m.cost(prev, next);
                let mut rest = route.clone();
                rest.drain(i..i + len);
                for gap in 0..=rest.len() {
                    if gap == i {
                        continue;
                    }
                    *work += 1;
                    let a = problem.exit_at(v, &rest, gap);
                    let b = problem.entry_at(v, &rest, gap + 1);
                    let add = m.cost(a, s_first) + m.cost(s_last, b) - m.cost(a, b);
                    if add < gain - EPS {
                        rest.splice(gap..gap, seg.iter().copied());
                        *route = rest;
                        *cost += add - gain;
                        improved = true;
                        improved_any = true;
                        break 'search;
                    }
                }
            }
        }
    }
    improved_any
}

/// Cheapest place to insert node `n` into route `v`: (index to insert before, added cost).
fn cheapest_gap<M: Metric>(
    problem: &Problem<'_, M>,
    v: usize,
    route: &[usize],
    n: usize,
    work: &mut u64,
) -> (usize, f64) {
    let m = problem.metric;
    let node = &problem.nodes[n];
    let mut best = (0, f64::INFINITY);
    for gap in 0..=route.len() {
        *work += 1;
        let a = problem.exit_at(v, route, gap);
        let b = problem.entry_at(v, route, gap + 1);
        let add = m.cost(a, node.entry) + node.service + m.cost(node.exit, b) - m.cost(a, b);
        if add < best.1 {
            best = (gap, add);
        }
    }
    best
}

/// Saving from removing position `i` of a route.
fn removal_gain<M: Metric>(problem: &Problem<'_, M>, v: usize, route: &[usize], i: usize) -> f64 {
    let m = problem.metric;
    let node = &problem.nodes[route[i]];
    let prev = problem.exit_at(v, route, i);
    let next = problem.entry_at(v, route, i + 2);
    m.cost(prev, node.entry) + node.service + m.cost(node.exit, next) - m.cost(prev, next)
}

/// Whether `p` lies within `reach` (per axis) of some point of route `v`, depots included.
fn near_route<M: Metric>(
    problem: &Problem<'_, M>,
    v: usize,
    route: &[usize],
    p: super::metric::Point,
    reach: f64,
) -> bool {
    let veh = &problem.vehicles[v];
    std::iter::once(veh.start)
        .chain(std::iter::once(veh.end))
        .chain(route.iter().map(|&n| problem.nodes[n].entry))
        .any(|q| (q.x - p.x).abs() <= reach && (q.y - p.y).abs() <= reach)
}

/// Relocate: moves a node to another route where that lowers the total cost within budgets.
pub fn relocate<M: Metric>(
    problem: &Problem<'_, M>,
    routes: &mut [Vec<usize>],
    costs: &mut [f64],
    work: &mut u64,
) -> bool {
    let mut improved = false;
    for a in 0..routes.len() {
        let mut i = 0;
        while i < routes[a].len() {
            let gain = removal_gain(problem, a, &routes[a], i);
            let n = routes[a][i];
            let mut best: Option<(usize, usize, f64)> = None;
            let p = problem.nodes[n].entry;
            for b in 0..routes.len() {
                if b == a
                    || !near_route(
                        problem,
                        b,
                        &routes[b],
                        p,
                        2.0 * costs[b] / (routes[b].len() + 1) as f64,
                    )
                {
                    continue;
                }
                let (gap, add) = cheapest_gap(problem, b, &routes[b], n, work);
                if costs[b] + add <= problem.vehicles[b].budget + EPS
                    && add < gain - EPS
                    && best.is_none_or(|x| add < x.2)
                {
                    best = Some((b, gap, add));
                }
            }
            if let Some((b, gap, add)) = best {
                routes[a].remove(i);
                costs[a] -= gain;
                routes[b].insert(gap, n);
                costs[b] += add;
                improved = true;
            } else {
                i += 1;
            }
        }
    }
    improved
}

/// Exchange: swaps two nodes of different routes where that lowers the total cost within
/// budgets. Only pairs of nearby nodes are tried.
pub fn exchange<M: Metric>(
    problem: &Problem<'_, M>,
    routes: &mut [Vec<usize>],
    costs: &mut [f64],
    work: &mut u64,
) -> bool {
    let m = problem.metric;
    let mut improved = false;
    let swap_delta = |v: usize, route: &[usize], i: usize, n: usize| -> f64 {
        let old = &problem.nodes[route[i]];
        let new = &problem.nodes[n];
        let prev = problem.exit_at(v, route, i);
        let next = problem.entry_at(v, route, i + 2);
        (m.cost(prev, new.entry) + new.service + m.cost(new.exit, next))
            - (m.cost(prev, old.entry) + old.service + m.cost(old.exit, next))
    };
    for a in 0..routes.len() {
        for b in a + 1..routes.len() {
            // Nodes further apart than a couple of typical hops never profit from a swap.
            let hop = |v: usize, r: &[usize]| costs[v] / (r.len() + 1) as f64;
            let reach = 2.0 * (hop(a, &routes[a]) + hop(b, &routes[b]));
            for i in 0..routes[a].len() {
                let pa = problem.nodes[routes[a][i]].entry;
                for j in 0..routes[b].len() {
                    let pb = problem.nodes[routes[b][j]].entry;
                    if (pa.x - pb.x).abs() > reach || (pa.y - pb.y).abs() > reach {
                        continue;
                    }
                    *work += 2;
                    let da = swap_delta(a, &routes[a], i, routes[b][j]);
                    let db = swap_delta(b, &routes[b], j, routes[a][i]);
                    if da + db < -EPS
                        && costs[a] + da <= problem.vehicles[a].budget + EPS
                        && costs[b] + db <= problem.vehicles[b].budget + EPS
                    {
                        let tmp = routes[a][i];
                        routes[a][i] = routes[b][j];
                        routes[b][j] = tmp;
                        costs[a] += da;
                        costs[b] += db;
                        improved = true;
                    }
                }
            }
        }
    }
    improved
}

/// Replace: swaps a visited node for a nearby unvisited one worth more that fits the budget.
pub fn replace<M: Metric>(
    problem: &Problem<'_, M>,
    routes: &mut [Vec<usize>],
    costs: &mut [f64],
    unvisited: &mut Unvisited,
    work: &mut u64,
) -> bool {
    let m = problem.metric;
    let mut improved = false;
    for v in 0..routes.len() {
        for i in 0..routes[v].len() {
            let old_n = routes[v][i];
            let old = problem.nodes[old_n];
            let prev = problem.exit_at(v, &routes[v], i);
            let next = problem.entry_at(v, &routes[v], i + 2);
            let old_cost = m.cost(prev, old.entry) + old.service + m.cost(old.exit, next);
            let mut best: Option<(usize, f64)> = None;
            for n in unvisited.nearest(old.entry.x, old.entry.y, CANDIDATES_PER_GAP) {
                *work += 1;
                let node = &problem.nodes[n];
                if node.score <= old.score + EPS {
                    continue;
                }
                let delta =
                    m.cost(prev, node.entry) + node.service + m.cost(node.exit, next) - old_cost;
                if costs[v] + delta <= problem.vehicles[v].budget + EPS
                    && best.is_none_or(|b| node.score > problem.nodes[b.0].score)
                {
                    best = Some((n, delta));
                }
            }
            if let Some((n, delta)) = best {
                unvisited.take(problem, n);
                unvisited.put_back(problem, old_n);
                routes[v][i] = n;
                costs[v] += delta;
                improved = true;
            }
        }
    }
    improved
}
