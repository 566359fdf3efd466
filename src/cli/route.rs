//! `patrol route solve`: the routing core on an abstract instance.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Subcommand;
use patrol_planner::route::instance::Instance;
use patrol_planner::route::metric::Euclidean;
use patrol_planner::route::problem::Problem;
use patrol_planner::route::search::{SearchConfig, solve};

#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Solve a team orienteering instance (nodes with scores, vehicles with budgets).
    #[command(
        after_help = "The instance format is described in docs/route-instance.md.\n\nExample:\n  patrol route solve bench/instances/small.json --time-limit 2 --seed 7"
    )]
    Solve {
        /// The instance file (JSON).
        instance: PathBuf,
        /// Search time, wall-clock seconds: the answer comes within it (on a loaded machine a
        /// seed may then give other routes; --work is reproducible).
        #[arg(long, default_value_t = 5.0)]
        time_limit: f64,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Exact work budget per thread, replacing the time limit: the same routes on every run.
        #[arg(long)]
        work: Option<u64>,
        /// Parallel searches (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: RouteCommand) -> anyhow::Result<()> {
    match cmd {
        RouteCommand::Solve {
            instance,
            time_limit,
            seed,
            work,
            threads,
            json,
        } => {
            if !(time_limit.is_finite() && time_limit > 0.0 && time_limit <= 86_400.0) {
                anyhow::bail!(
                    "--time-limit {time_limit}: expected more than 0 and at most 86400 seconds"
                );
            }
            let inst = Instance::read(&instance)?;
            let nodes = inst.nodes();
            let vehicles = inst.vehicles();
            let problem = Problem {
                nodes: &nodes,
                vehicles: &vehicles,
                metric: &Euclidean,
            };
            let mut config = SearchConfig::new(seed, Duration::from_secs_f64(time_limit));
            config.work_budget = work;
            if let Some(t) = threads {
                config.threads = t.max(1);
            }
            let started = Instant::now();
            let outcome = solve(&problem, &config);
            let elapsed = started.elapsed().as_secs_f64();
            let s = &outcome.solution;
            // A vehicle whose start to end alone is over its budget cannot fly at all; an
            // unused one flies nothing: both have length 0 (not the direct distance).
            let direct: Vec<f64> = (0..vehicles.len())
                .map(|v| problem.route_cost(v, &[]))
                .collect();
            let cannot_fly: Vec<usize> = (0..vehicles.len())
                .filter(|&v| direct[v] > vehicles[v].budget)
                .collect();
            let lengths: Vec<f64> = s
                .routes
                .iter()
                .zip(&s.costs)
                .map(|(r, c)| if r.is_empty() { 0.0 } else { *c })
                .collect();
            // -0.0 + 0.0 is 0.0: an empty sum prints as 0.
            let score = s.score + 0.0;
            let stopped = if outcome.stopped_by_clock {
                "time-limit"
            } else {
                "work-budget"
            };
            if json {
                let value = serde_json::json!({
                    "score": score,
                    "routes": s.routes,
                    "lengths": lengths,
                    "cannot_fly": cannot_fly.iter().map(|v| serde_json::json!({
                        "vehicle": v,
                        "start_to_end": direct[*v],
                        "budget": vehicles[*v].budget,
                    })).collect::<Vec<_>>(),
                    "visited": s.routes.iter().map(Vec::len).sum::<usize>(),
                    "iterations": outcome.iterations,
                    "seconds": elapsed,
                    "stopped_by": stopped,
                });
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                for (v, route) in s.routes.iter().enumerate() {
                    if cannot_fly.contains(&v) {
                        println!(
                            "vehicle {}: cannot fly: its start to end alone is {:.2}, over its budget of {:.2}; no route",
                            v + 1,
                            direct[v],
                            vehicles[v].budget
                        );
                        continue;
                    }
                    if route.is_empty() {
                        println!("vehicle {}: unused (no node fits its budget)", v + 1);
                        continue;
                    }
                    let score: f64 = route.iter().map(|&n| nodes[n].score).sum();
                    let list: Vec<String> = route.iter().map(ToString::to_string).collect();
                    println!(
                        "vehicle {}: {} nodes, length {:.2} of {:.2}, score {:.3}: {}",
                        v + 1,
                        route.len(),
                        lengths[v],
                        vehicles[v].budget,
                        score,
                        list.join(" ")
                    );
                }
                let visited: usize = s.routes.iter().map(Vec::len).sum();
                let total: f64 = nodes.iter().map(|n| n.score).sum();
                println!(
                    "total score {:.3} of {:.3} ({} of {} nodes) in {:.2} s, {} iterations; {}",
                    score,
                    total,
                    visited,
                    nodes.len(),
                    elapsed,
                    outcome.iterations,
                    if outcome.stopped_by_clock {
                        format!(
                            "stopped at the {time_limit} s time limit before its work budget was spent (another run may differ; --work is reproducible)"
                        )
                    } else if work.is_some() {
                        "its exact work budget spent (reproducible)".to_string()
                    } else {
                        format!(
                            "its work budget spent within the {time_limit} s time limit (reproducible on an unloaded machine)"
                        )
                    }
                );
            }
            Ok(())
        }
    }
}
