//! The routing core on abstract instances: optimal on instances small enough to enumerate,
//! within budgets, and deterministic for a seed.

use patrol_planner::route::metric::{Euclidean, Metric, Point};
use patrol_planner::route::problem::{Node, Problem, Vehicle};
use patrol_planner::route::rng::SplitMix64;
use patrol_planner::route::search::{SearchConfig, solve};
use std::time::Duration;

fn random_instance(seed: u64, n: usize, vehicles: usize, budget: f64) -> (Vec<Node>, Vec<Vehicle>) {
    let mut rng = SplitMix64::new(seed);
    let nodes = (0..n)
        .map(|_| {
            Node::point(
                rng.next_f64() * 100.0,
                rng.next_f64() * 100.0,
                1.0 + (rng.next_f64() * 9.0).floor(),
            )
        })
        .collect();
    let depot = Point { x: 50.0, y: 50.0 };
    (
        nodes,
        vec![
            Vehicle {
                start: depot,
                end: depot,
                budget
            };
            vehicles
        ],
    )
}

/// Shortest tour from the depot through `set` and back, by trying every order.
fn best_tour(nodes: &[Node], depot: Point, set: &[usize]) -> f64 {
    fn permute(
        nodes: &[Node],
        depot: Point,
        rest: &mut Vec<usize>,
        at: Point,
        so_far: f64,
        best: &mut f64,
    ) {
        if so_far >= *best {
            return;
        }
        if rest.is_empty() {
            *best = best.min(so_far + Euclidean.cost(at, depot));
            return;
        }
        for i in 0..rest.len() {
            let n = rest.remove(i);
            permute(
                nodes,
                depot,
                rest,
                nodes[n].entry,
                so_far + Euclidean.cost(at, nodes[n].entry),
                best,
            );
            rest.insert(i, n);
        }
    }
    let mut best = f64::INFINITY;
    permute(nodes, depot, &mut set.to_vec(), depot, 0.0, &mut best);
    best
}

/// The optimal score, by assigning every node to a vehicle or to nobody.
fn optimum(nodes: &[Node], vehicles: &[Vehicle]) -> f64 {
    let n = nodes.len();
    let k = vehicles.len() + 1;
    let mut best = 0.0f64;
    let mut assignment = vec![0usize; n];
    loop {
        let mut ok = true;
        let mut score = 0.0;
        for (v, veh) in vehicles.iter().enumerate() {
            let set: Vec<usize> = (0..n).filter(|&i| assignment[i] == v + 1).collect();
            if !set.is_empty() && best_tour(nodes, veh.start, &set) > veh.budget + 1e-9 {
                ok = false;
                break;
            }
            score += set.iter().map(|&i| nodes[i].score).sum::<f64>();
        }
        if ok {
            best = best.max(score);
        }
        // Next assignment in base k.
        let mut i = 0;
        while i < n {
            assignment[i] += 1;
            if assignment[i] < k {
                break;
            }
            assignment[i] = 0;
            i += 1;
        }
        if i == n {
            return best;
        }
    }
}

fn config(seed: u64, work: u64) -> SearchConfig {
    SearchConfig {
        seed,
        time_limit: Duration::from_secs(30),
        threads: 2,
        work_budget: Some(work),
    }
}

#[test]
fn reaches_the_enumerated_optimum_on_small_instances() {
    for seed in 0..6 {
        let (nodes, vehicles) = random_instance(seed, 8, 2, 110.0);
        let opt = optimum(&nodes, &vehicles);
        let problem = Problem {
            nodes: &nodes,
            vehicles: &vehicles,
            metric: &Euclidean,
        };
        let got = solve(&problem, &config(seed, 200_000)).solution;
        assert!(
            (got.score - opt).abs() < 1e-9,
            "instance {seed}: {} vs optimum {opt}",
            got.score
        );
    }
}

#[test]
fn routes_stay_within_budget_and_visit_each_node_once() {
    let (nodes, vehicles) = random_instance(42, 400, 4, 180.0);
    let problem = Problem {
        nodes: &nodes,
        vehicles: &vehicles,
        metric: &Euclidean,
    };
    let s = solve(&problem, &config(3, 2_000_000)).solution;
    let mut seen = vec![false; nodes.len()];
    for (v, r) in s.routes.iter().enumerate() {
        assert!(problem.route_cost(v, r) <= vehicles[v].budget + 1e-6);
        for &n in r {
            assert!(!seen[n], "node {n} twice");
            seen[n] = true;
        }
    }
    let score: f64 = s.routes.iter().flatten().map(|&n| nodes[n].score).sum();
    assert!((score - s.score).abs() < 1e-9);
    assert!(
        s.routes.iter().all(|r| r.len() > 10),
        "every vehicle works: {:?}",
        s.routes.iter().map(Vec::len).collect::<Vec<_>>()
    );
}

#[test]
fn the_same_seed_gives_the_same_routes() {
    let (nodes, vehicles) = random_instance(7, 300, 3, 150.0);
    let problem = Problem {
        nodes: &nodes,
        vehicles: &vehicles,
        metric: &Euclidean,
    };
    let a = solve(&problem, &config(11, 1_000_000));
    let b = solve(&problem, &config(11, 1_000_000));
    assert_eq!(a.solution.routes, b.solution.routes);
    assert_eq!(a.iterations, b.iterations);
    // More search never loses what less search found with the same seed's start.
    let more = solve(&problem, &config(11, 4_000_000));
    assert!(more.solution.score >= a.solution.score - 1e-9);
}

#[test]
fn asymmetric_costs_are_respected() {
    /// Going east costs double: a wind from the west would do the opposite, but the point is
    /// that the route's cost is measured in its flying direction.
    struct Eastward;
    impl Metric for Eastward {
        fn cost(&self, a: Point, b: Point) -> f64 {
            let d = Euclidean.cost(a, b);
            if b.x > a.x { 2.0 * d } else { d }
        }
    }
    let (nodes, vehicles) = random_instance(5, 60, 2, 150.0);
    let problem = Problem {
        nodes: &nodes,
        vehicles: &vehicles,
        metric: &Eastward,
    };
    let s = solve(&problem, &config(1, 500_000)).solution;
    for (v, r) in s.routes.iter().enumerate() {
        assert!(
            problem.route_cost(v, r) <= vehicles[v].budget + 1e-6,
            "route {v}"
        );
    }
    assert!(s.score > 0.0);
}

/// Euclidean, but each call spins for a while: a machine far slower (or far busier) than the
/// one the work units were calibrated on.
struct Slow;

impl Metric for Slow {
    fn cost(&self, a: Point, b: Point) -> f64 {
        let began = std::time::Instant::now();
        while began.elapsed() < Duration::from_micros(20) {
            std::hint::spin_loop();
        }
        Euclidean.cost(a, b)
    }
}

#[test]
fn the_time_limit_holds_on_a_slow_machine_and_an_exact_work_budget_replaces_it() {
    let (nodes, vehicles) = random_instance(5, 40, 2, 150.0);
    let problem = Problem {
        nodes: &nodes,
        vehicles: &vehicles,
        metric: &Slow,
    };
    // The limit's worth of work units would take this metric minutes: the clock stops the
    // search at the limit, and says so.
    let limit = Duration::from_millis(300);
    let config = SearchConfig {
        seed: 1,
        time_limit: limit,
        threads: 1,
        work_budget: None,
    };
    let began = std::time::Instant::now();
    let out = solve(&problem, &config);
    let took = began.elapsed();
    assert!(out.stopped_by_clock);
    assert!(out.solution.score > 0.0);
    // Past the limit by at most the round in progress (construction and one perturbation
    // with this metric take tens of milliseconds, not seconds).
    assert!(took < limit + Duration::from_secs(1), "{took:?}");
    // An exact budget is spent whatever the clock says, and gives the same routes again.
    let exact = SearchConfig {
        time_limit: Duration::from_millis(1),
        work_budget: Some(20_000),
        ..config
    };
    let a = solve(&problem, &exact);
    let b = solve(&problem, &exact);
    assert!(!a.stopped_by_clock);
    assert!(a.work >= 20_000);
    assert_eq!(a.solution.routes, b.solution.routes);
}
