//! The planner: from an area and a request to a [`Plan`].
//!
//! The shift is flown in waves: in each wave every drone that is on the ground and can still
//! fly a worthwhile sortie takes off, and one team orienteering search ([`crate::route`])
//! routes all of them together. A cell's value is its risk times the share of it waiting to
//! be seen: a visit sees the camera strip's share (a sweep sees it whole), and what was seen
//! recovers at one whole cell per revisit interval of its class (per shift for classes without
//! one). Cells due for their interval before the drones could be back are worth four times as
//! much, so the highest classes come back on time when the fleet can manage it. Each route is
//! then made flyable and timed exactly (wind, climb, detours around no-fly zones, terrain
//! clearance), trimmed if the exact timing exceeds the battery, and turned into a mission.

use std::time::Duration;

use super::coverage::{pass_share, swath_width_m};
use super::energy::{Wind, ground_speed_mps, takeoff_landing_s};
use super::error::PlanError;
use super::mission::{HeightBand, Waypoint, build_mission, waypoints_with_clearance};
use super::model::*;
use super::request::{PlanRequest, parse_clock_s};
use super::sweep::{Sweep, build_sweeps};
use super::zones::Obstacles;
use crate::area::Area;
use crate::area::fleet::Drone;
use crate::risk::cells::RiskMap;
use crate::route::instance::{Instance, InstanceNode, InstanceVehicle};
use crate::route::metric::{Metric, Point};
use crate::route::problem::{Node, Problem, Vehicle};
use crate::route::search::{SearchConfig, solve};

/// Search metric: ground distance in metres, around no-fly zones.
struct ZoneMetric<'a> {
    obstacles: &'a Obstacles,
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

/// Share of the still-air budget the search may plan, leaving room for wind, climbs and the
/// waypoints added for terrain clearance; exact timing trims what still does not fit.
const SEARCH_BUDGET_SHARE: f64 = 0.85;
/// How much more a cell due for its revisit interval is worth to the search.
const DUE_FACTOR: f64 = 4.0;
/// Shortest sortie worth flying, seconds of patrol.
const MIN_PATROL_S: f64 = 180.0;

struct Flyer<'a> {
    drone: &'a Drone,
    base: usize,
    base_xy: (f64, f64),
    base_ground_m: f64,
    takeoff_s: f64,
    landing_s: f64,
    usable_s: f64,
    swath_m: f64,
    next_free_s: f64,
    sorties: Vec<Sortie>,
}

/// One stop of a route: a cell flown over, or a lawn-mower sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop {
    Cell(usize),
    Sweep(usize),
}

struct CellState {
    last_visit_s: Option<f64>,
    /// Share of the cell unseen just after its last visit (a strip leaves the rest).
    unseen_after_visit: f64,
    visits: Vec<(f64, String)>,
    best_share: f64,
}

/// Makes the plan.
pub fn plan_patrol(area: &Area, req: &PlanRequest) -> Result<Plan, PlanError> {
    plan_patrol_capturing(area, req, None)
}

/// [`plan_patrol`]; with `first_wave`, also hands back the first wave's routing problem as an abstract
/// instance (point visits only, straight-line distances in metres, budgets in metres), so that
/// other solvers can be compared on the bundled area (`patrol plan --export-instance`).
pub fn plan_patrol_capturing(
    area: &Area,
    req: &PlanRequest,
    mut first_wave: Option<&mut Option<Instance>>,
) -> Result<Plan, PlanError> {
    let opt = |option: &str, value: String, message: &str| PlanError::Option {
        option: option.into(),
        value,
        message: message.into(),
    };
    let start_s = parse_clock_s(&req.shift_start).ok_or_else(|| {
        opt(
            "--shift",
            req.shift_start.clone(),
            "expected HH:MM-HH:MM, e.g. 10:00-18:00",
        )
    })?;
    let end_s = parse_clock_s(&req.shift_end).ok_or_else(|| {
        opt(
            "--shift",
            req.shift_end.clone(),
            "expected HH:MM-HH:MM, e.g. 10:00-18:00",
        )
    })?;
    if end_s <= start_s {
        return Err(opt(
            "--shift",
            format!("{}-{}", req.shift_start, req.shift_end),
            "the shift must end after it starts (same day)",
        ));
    }
    let shift_s = end_s - start_s;
    if !(req.alt_agl_m >= 10.0 && req.alt_agl_m <= req.ceiling_agl_m && req.ceiling_agl_m <= 500.0)
    {
        return Err(opt(
            "--alt-agl",
            req.alt_agl_m.to_string(),
            &format!(
                "the patrol height must be 10 m or more and at most the ceiling ({} m)",
                req.ceiling_agl_m
            ),
        ));
    }
    if !(req.min_agl_m > 0.0 && req.min_agl_m < req.alt_agl_m) {
        return Err(opt(
            "--min-agl",
            req.min_agl_m.to_string(),
            "must be above 0 and below the patrol height",
        ));
    }
    if !(req.wind.speed_mps >= 0.0 && req.wind.speed_mps <= 60.0 && req.wind.from_deg.is_finite()) {
        return Err(opt(
            "--wind",
            format!("{}@{}", req.wind.speed_mps, req.wind.from_deg),
            "expected SPEED_MPS@FROM_DEG, e.g. 5@270",
        ));
    }
    if !(req.time_limit_s > 0.0 && req.time_limit_s <= 3600.0) {
        return Err(opt(
            "--time-limit",
            req.time_limit_s.to_string(),
            "expected more than 0 and at most 3600 seconds",
        ));
    }
    if !(0.0..0.95).contains(&req.side_overlap) {
        return Err(opt(
            "--side-overlap",
            req.side_overlap.to_string(),
            "expected 0 to 0.95",
        ));
    }
    let risk: &RiskMap = area.risk.as_ref().ok_or_else(|| {
        PlanError::Area(format!("{}: the area has no [risk] layer: add one to area.toml or compute it with `patrol area risk`", area.dir.join("area.toml").display()))
    })?;
    let terrain = &area.terrain;
    let band = HeightBand {
        alt_agl_m: req.alt_agl_m,
        min_agl_m: req.min_agl_m,
        ceiling_agl_m: req.ceiling_agl_m,
    };
    let mut left_out = Vec::new();

    let chosen: Vec<&Drone> = match &req.drones {
        None => area.fleet.drones.iter().collect(),
        Some(ids) => ids
            .iter()
            .map(|id| {
                area.fleet.drone(id).ok_or_else(|| {
                    let known: Vec<&str> =
                        area.fleet.drones.iter().map(|d| d.id.as_str()).collect();
                    opt(
                        "--drones",
                        id.clone(),
                        &format!("no such drone (fleet: {})", known.join(", ")),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let obstacles = Obstacles::new(terrain, &area.no_fly, req.alt_agl_m);
    let mut flyers: Vec<Flyer<'_>> = Vec::new();
    for d in chosen {
        if req.wind.speed_mps > d.max_wind_mps {
            left_out.push(LeftOut {
                what: format!("drone {}", d.id),
                reason: format!(
                    "grounded: wind {:.1} m/s exceeds its limit of {:.1} m/s",
                    req.wind.speed_mps, d.max_wind_mps
                ),
            });
            continue;
        }
        let base = area
            .bases
            .iter()
            .position(|b| b.name == d.home_base)
            .unwrap_or(0);
        let b = &area.bases[base];
        let e = terrain.geodetic_to_enu(crate::geodesy::enu::Geodetic {
            lat_deg: b.lat_deg,
            lon_deg: b.lon_deg,
            alt_amsl_m: 0.0,
        });
        let (takeoff_s, landing_s) = takeoff_landing_s(d, req.alt_agl_m);
        let usable_s = d.usable_endurance_min() * 60.0;
        if usable_s - takeoff_s - landing_s < MIN_PATROL_S {
            left_out.push(LeftOut { what: format!("drone {}", d.id), reason: format!("endurance {:.0} min less reserve {:.0} min leaves under {:.0} s of patrol after take-off and landing", d.endurance_min, d.reserve_min, MIN_PATROL_S) });
            continue;
        }
        if usable_s > shift_s {
            left_out.push(LeftOut { what: format!("drone {}", d.id), reason: format!("its sorties ({:.0} min) are longer than the shift ({:.0} min): they are cut to the shift", usable_s / 60.0, shift_s / 60.0) });
        }
        flyers.push(Flyer {
            drone: d,
            base,
            base_xy: (e.east_m, e.north_m),
            base_ground_m: terrain
                .elevation_amsl_m(b.lat_deg, b.lon_deg)
                .unwrap_or(0.0),
            takeoff_s,
            landing_s,
            usable_s,
            swath_m: swath_width_m(&d.camera, req.alt_agl_m),
            next_free_s: 0.0,
            sorties: Vec::new(),
        });
    }
    if flyers.is_empty() {
        let reasons: Vec<String> = left_out
            .iter()
            .map(|l| format!("{}: {}", l.what, l.reason))
            .collect();
        return Err(PlanError::Infeasible(format!(
            "no drone can fly ({})",
            reasons.join("; ")
        )));
    }
    if flyers
        .iter()
        .all(|f| f.takeoff_s + f.landing_s + MIN_PATROL_S > shift_s)
    {
        return Err(PlanError::Infeasible(format!(
            "the shift ({:.0} min) is shorter than any useful sortie",
            shift_s / 60.0
        )));
    }

    // Cells that can be patrolled at all.
    let cells = risk.cells();
    let mut candidates: Vec<usize> = Vec::new();
    let (mut in_zone, mut in_zone_risk, mut unreachable, mut unreachable_risk) =
        (0usize, 0.0, 0usize, 0.0);
    for (i, c) in cells.iter().enumerate() {
        if c.risk <= 0.0 {
            continue;
        }
        let p = (c.center.east_m, c.center.north_m);
        if obstacles.containing(p).is_some() {
            in_zone += 1;
            in_zone_risk += c.risk;
            continue;
        }
        let reachable = flyers.iter().any(|f| {
            let out = leg_time(f.drone, f.base_xy, p, &obstacles, req.wind);
            let back = leg_time(f.drone, p, f.base_xy, &obstacles, req.wind);
            out + back + f.takeoff_s + f.landing_s <= f.usable_s.min(shift_s)
        });
        if reachable {
            candidates.push(i);
        } else {
            unreachable += 1;
            unreachable_risk += c.risk;
        }
    }
    if in_zone > 0 {
        left_out.push(LeftOut {
            what: format!("{in_zone} cells (risk {in_zone_risk:.1})"),
            reason: "inside no-fly zones at the patrol height".into(),
        });
    }
    if unreachable > 0 {
        left_out.push(LeftOut {
            what: format!("{unreachable} cells (risk {unreachable_risk:.1})"),
            reason: "no drone can reach them and return to its base within its endurance".into(),
        });
    }
    if candidates.is_empty() {
        return Err(PlanError::Infeasible(
            "no cell with risk is within reach of any drone".into(),
        ));
    }

    // Sweeps see every cell of their stretch, so their passes are as far apart as the
    // narrowest camera strip of the fleet allows with the side overlap.
    let narrowest_swath_m = flyers
        .iter()
        .map(|f| f.swath_m)
        .fold(f64::INFINITY, f64::min);
    let longest_budget_m = flyers
        .iter()
        .map(|f| {
            (f.usable_s.min(shift_s) - f.takeoff_s - f.landing_s)
                * f.drone.cruise_speed_mps
                * SEARCH_BUDGET_SHARE
        })
        .fold(0.0, f64::max);
    let sweeps: Vec<Sweep> = build_sweeps(
        cells,
        &candidates,
        risk.grid(),
        narrowest_swath_m * (1.0 - req.side_overlap),
        0.5 * longest_budget_m,
    )
    .into_iter()
    .filter(|s| s.length_m < 0.6 * longest_budget_m)
    .collect();
    // A point visit sees a strip of its cell; scores count what the camera sees.
    let mut shares: Vec<f64> = flyers
        .iter()
        .map(|f| pass_share(f.swath_m, risk.grid().size_m))
        .collect();
    shares.sort_by(f64::total_cmp);
    let typical_share = shares[shares.len() / 2];
    let mut state: Vec<CellState> = cells
        .iter()
        .map(|_| CellState {
            last_visit_s: None,
            unseen_after_visit: 1.0,
            visits: Vec::new(),
            best_share: 0.0,
        })
        .collect();
    let interval_s =
        |class: u8| req.revisit_min[usize::from(class.clamp(1, 5) - 1)].map(|m| m * 60.0);
    // The search time is shared out by sortie: a wave of k drones gets k sorties' worth.
    let sorties_estimate: f64 = flyers
        .iter()
        .map(|f| {
            (shift_s / (f.usable_s + f.drone.battery_swap_min * 60.0))
                .ceil()
                .max(1.0)
        })
        .sum();
    let search_s_per_sortie = req.time_limit_s / sorties_estimate;
    let mut wave = 0u64;
    while wave < 500 {
        let ready: Vec<usize> = (0..flyers.len())
            .filter(|&i| {
                flyers[i].next_free_s + flyers[i].takeoff_s + flyers[i].landing_s + MIN_PATROL_S
                    <= shift_s
            })
            .collect();
        if ready.is_empty() {
            break;
        }
        // The wave takes off at the earliest ready time; later drones wait for the next wave.
        let t0 = ready
            .iter()
            .map(|&i| flyers[i].next_free_s)
            .fold(f64::MAX, f64::min);
        let flying: Vec<usize> = ready
            .into_iter()
            .filter(|&i| flyers[i].next_free_s <= t0 + 60.0)
            .collect();
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
            let value = c.risk * available(&state[ci], t_mid, interval_s(c.class.level()), shift_s);
            // Due: its interval runs out before this wave's drones could be back for it.
            let due = interval_s(c.class.level())
                .is_some_and(|iv| state[ci].last_visit_s.is_none_or(|l| t_next - l >= iv));
            if due { DUE_FACTOR * value } else { value }
        };
        let mut nodes: Vec<Node> = candidates
            .iter()
            .map(|&ci| {
                Node::point(
                    cells[ci].center.east_m,
                    cells[ci].center.north_m,
                    value_of(ci) * typical_share,
                )
            })
            .collect();
        nodes.extend(sweeps.iter().map(|sw| {
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
                    budget: b.max(0.0) * flyers[i].drone.cruise_speed_mps * SEARCH_BUDGET_SHARE,
                }
            })
            .collect();
        let metric = ZoneMetric {
            obstacles: &obstacles,
        };
        let problem = Problem {
            nodes: &nodes,
            vehicles: &vehicles,
            metric: &metric,
        };
        let wave_time = Duration::from_secs_f64(search_s_per_sortie * flying.len() as f64);
        let mut config = SearchConfig::new(req.seed.wrapping_add(wave), wave_time);
        config.work_budget = req.search_work;
        if let Some(slot) = first_wave.take() {
            *slot = Some(Instance {
                nodes: nodes[..candidates.len()]
                    .iter()
                    .map(|n| InstanceNode {
                        x: n.entry.x,
                        y: n.entry.y,
                        score: n.score,
                    })
                    .collect(),
                vehicles: vehicles
                    .iter()
                    .map(|v| InstanceVehicle {
                        start: v.start,
                        end: v.end,
                        budget: v.budget,
                    })
                    .collect(),
            });
        }
        let outcome = solve(&problem, &config);
        for (k, &fi) in flying.iter().enumerate() {
            let mut route: Vec<Stop> = outcome.solution.routes[k]
                .iter()
                .map(|&n| {
                    if n < candidates.len() {
                        Stop::Cell(candidates[n])
                    } else {
                        Stop::Sweep(n - candidates.len())
                    }
                })
                .collect();
            if route.is_empty() {
                // Nothing worth flying now: wait a quarter of an hour for values to recover.
                flyers[fi].next_free_s = t0 + 900.0;
                continue;
            }
            let start = flyers[fi].next_free_s.max(t0);
            let limit_s = flyers[fi].usable_s.min(shift_s - start);
            loop {
                let timed = time_route(
                    area,
                    &flyers[fi],
                    &route,
                    &sweeps,
                    &obstacles,
                    band,
                    req.wind,
                    start,
                );
                if timed.flight_time_s <= limit_s || route.len() <= 1 {
                    if timed.flight_time_s <= limit_s {
                        let sortie = record_sortie(
                            area,
                            risk,
                            &mut flyers[fi],
                            timed,
                            &route,
                            &sweeps,
                            band,
                            &mut state,
                            &interval_s,
                            shift_s,
                        )?;
                        flyers[fi].next_free_s =
                            sortie.end_s + flyers[fi].drone.battery_swap_min * 60.0;
                        flyers[fi].sorties.push(sortie);
                    } else {
                        flyers[fi].next_free_s = t0 + 900.0;
                    }
                    break;
                }
                // Over budget: drop the least valuable stop and time again.
                let worth = |stop: &Stop| match *stop {
                    Stop::Cell(ci) => cells[ci].risk * typical_share,
                    Stop::Sweep(k) => sweeps[k].cells.iter().map(|&ci| cells[ci].risk).sum(),
                };
                if let Some(pos) =
                    (0..route.len()).min_by(|&a, &b| worth(&route[a]).total_cmp(&worth(&route[b])))
                {
                    route.remove(pos);
                }
            }
        }
        wave += 1;
    }

    // Revisit intervals the fleet could not keep.
    for class in (3..=5u8).rev() {
        let Some(iv) = interval_s(class) else {
            continue;
        };
        let (mut late, mut total) = (0usize, 0usize);
        for &ci in &candidates {
            if cells[ci].class.level() != class {
                continue;
            }
            total += 1;
            let mut times: Vec<f64> = state[ci].visits.iter().map(|v| v.0).collect();
            times.sort_by(f64::total_cmp);
            let mut prev = 0.0;
            let mut ok = true;
            for t in times.iter().chain(std::iter::once(&shift_s)) {
                if t - prev > iv + 1.0 {
                    ok = false;
                }
                prev = *t;
            }
            if !ok {
                late += 1;
            }
        }
        if late > 0 {
            left_out.push(LeftOut {
                what: format!("{late} of {total} class-{class} cells"),
                reason: format!("go longer than the {:.0}-minute revisit interval without a visit: the fleet cannot keep up", iv / 60.0),
            });
        }
    }

    Ok(assemble(area, req, risk, flyers, state, left_out, shift_s))
}

/// Battery seconds of a straight leg (around zones), wind included, climb ignored.
fn leg_time(drone: &Drone, a: (f64, f64), b: (f64, f64), obstacles: &Obstacles, wind: Wind) -> f64 {
    let d = obstacles.detour_cost_m(a, b);
    match ground_speed_mps(b.0 - a.0, b.1 - a.1, drone.cruise_speed_mps, wind) {
        Some(v) => d / v,
        None => f64::INFINITY,
    }
}

/// Share (0..1) of a cell's value waiting to be patrolled at `now_s`: what its last visit
/// left unseen, plus what has recovered since at one whole cell per revisit interval of its
/// class (or per shift, for classes without one). All of it before the first visit.
fn available(state: &CellState, now_s: f64, interval_s: Option<f64>, shift_s: f64) -> f64 {
    match state.last_visit_s {
        None => 1.0,
        Some(last) => (state.unseen_after_visit
            + (now_s - last).max(0.0) / interval_s.unwrap_or(shift_s))
        .min(1.0),
    }
}

/// A route made flyable and timed.
struct TimedRoute {
    /// Waypoints from the base at patrol height, through the cells, back over the base.
    waypoints: Vec<Waypoint>,
    /// Arrival time at each waypoint, seconds from the shift's start.
    times_s: Vec<f64>,
    /// Index in `waypoints` of each route cell.
    cell_waypoint: Vec<usize>,
    distance_m: f64,
    flight_time_s: f64,
    start_s: f64,
}

#[allow(clippy::too_many_arguments)]
fn time_route(
    area: &Area,
    f: &Flyer<'_>,
    route: &[Stop],
    sweeps: &[Sweep],
    obstacles: &Obstacles,
    band: HeightBand,
    wind: Wind,
    start_s: f64,
) -> TimedRoute {
    let cells = area.risk.as_ref().map(|r| r.cells()).unwrap_or(&[]);
    let mut points = vec![f.base_xy];
    let mut cell_point = Vec::with_capacity(route.len());
    let go_to = |points: &mut Vec<(f64, f64)>, p: (f64, f64)| {
        let prev = points[points.len() - 1];
        if let Some((_, corners)) = obstacles.path_around(prev, p) {
            points.extend(corners);
        }
        points.push(p);
    };
    for stop in route {
        match *stop {
            Stop::Cell(ci) => {
                go_to(
                    &mut points,
                    (cells[ci].center.east_m, cells[ci].center.north_m),
                );
                cell_point.push(points.len() - 1);
            }
            Stop::Sweep(k) => {
                for &p in &sweeps[k].points {
                    go_to(&mut points, p);
                }
            }
        }
    }
    let last = points[points.len() - 1];
    if let Some((_, corners)) = obstacles.path_around(last, f.base_xy) {
        points.extend(corners);
    }
    points.push(f.base_xy);
    let waypoints = waypoints_with_clearance(&area.terrain, &points, band, f.base_ground_m);
    // Map each cell's point index to its waypoint index (clearance adds waypoints between).
    let mut cell_waypoint = Vec::with_capacity(cell_point.len());
    let mut wi = 0;
    for &pi in &cell_point {
        let target = points[pi];
        while wi < waypoints.len()
            && (waypoints[wi].enu.east_m - target.0).hypot(waypoints[wi].enu.north_m - target.1)
                > 1e-6
        {
            wi += 1;
        }
        cell_waypoint.push(wi.min(waypoints.len() - 1));
    }
    let mut t = start_s + f.takeoff_s;
    let mut times_s = vec![t];
    let mut distance_m = 0.0;
    for w in waypoints.windows(2) {
        let (de, dn) = (
            w[1].enu.east_m - w[0].enu.east_m,
            w[1].enu.north_m - w[0].enu.north_m,
        );
        let dz = w[1].alt_amsl_m - w[0].alt_amsl_m;
        let leg = super::energy::leg_time_s(f.drone, de, dn, dz, wind).unwrap_or(f64::INFINITY);
        distance_m += de.hypot(dn);
        t += leg;
        times_s.push(t);
    }
    let flight_time_s = t + f.landing_s - start_s;
    TimedRoute {
        waypoints,
        times_s,
        cell_waypoint,
        distance_m,
        flight_time_s,
        start_s,
    }
}

#[allow(clippy::too_many_arguments)]
fn record_sortie(
    area: &Area,
    risk: &RiskMap,
    f: &mut Flyer<'_>,
    timed: TimedRoute,
    route: &[Stop],
    sweeps: &[Sweep],
    band: HeightBand,
    state: &mut [CellState],
    interval_s: &impl Fn(u8) -> Option<f64>,
    shift_s: f64,
) -> Result<Sortie, PlanError> {
    let id = format!("{}-{}", f.drone.id, f.sorties.len() + 1);
    let cells = risk.cells();
    let share = pass_share(f.swath_m, risk.grid().size_m);
    // Cells seen: the route's cells at their waypoints, and any cell whose centre passes
    // within half a swath of the track, at the time the drone passes.
    let route_cells = route.iter().filter_map(|s| match *s {
        Stop::Cell(ci) => Some(ci),
        Stop::Sweep(_) => None,
    });
    let mut seen: Vec<(usize, f64)> = route_cells
        .zip(&timed.cell_waypoint)
        .map(|(ci, &wi)| (ci, timed.times_s[wi]))
        .collect();
    // Cells of the sweeps flown are seen whole.
    let swept: std::collections::HashSet<usize> = route
        .iter()
        .filter_map(|s| match *s {
            Stop::Sweep(k) => Some(sweeps[k].cells.iter().copied()),
            Stop::Cell(_) => None,
        })
        .flatten()
        .collect();
    for (k, w) in timed.waypoints.windows(2).enumerate() {
        let (a, b) = (w[0].enu, w[1].enu);
        let len = (b.east_m - a.east_m).hypot(b.north_m - a.north_m);
        let steps = (len / 25.0).ceil().max(1.0) as usize;
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let (e, n) = (
                a.east_m + (b.east_m - a.east_m) * t,
                a.north_m + (b.north_m - a.north_m) * t,
            );
            for ci in risk.cells_within(e, n, f.swath_m / 2.0) {
                if !seen.iter().any(|x| x.0 == ci) {
                    seen.push((
                        ci,
                        timed.times_s[k] + (timed.times_s[k + 1] - timed.times_s[k]) * t,
                    ));
                }
            }
        }
    }
    let mut risk_patrolled = 0.0;
    let mut cell_ids = Vec::new();
    for &(ci, t) in &seen {
        let c = &cells[ci];
        let st = &mut state[ci];
        let share = if swept.contains(&ci) { 1.0 } else { share };
        let waiting = available(st, t, interval_s(c.class.level()), shift_s);
        risk_patrolled += c.risk * share * waiting;
        st.unseen_after_visit = waiting * (1.0 - share);
        st.last_visit_s = Some(t);
        st.visits.push((t, id.clone()));
        st.best_share = st.best_share.max(share);
        cell_ids.push(ci);
    }
    let base = &area.bases[f.base];
    let home = PathPoint {
        lat_deg: base.lat_deg,
        lon_deg: base.lon_deg,
        alt_amsl_m: f.base_ground_m,
        ground_amsl_m: f.base_ground_m,
        t_s: timed.start_s,
    };
    let mut path = vec![home];
    for (w, &t) in timed.waypoints.iter().zip(&timed.times_s) {
        path.push(PathPoint {
            lat_deg: w.lat_deg,
            lon_deg: w.lon_deg,
            alt_amsl_m: w.alt_amsl_m,
            ground_amsl_m: w.ground_amsl_m,
            t_s: t,
        });
    }
    let end_s = timed.start_s + timed.flight_time_s;
    path.push(PathPoint { t_s: end_s, ..home });
    // The first waypoint is the base at patrol height, where take-off already ends.
    let mission = build_mission(f.drone, home, &timed.waypoints[1..], band);
    let limit = f.drone.mission_item_limit();
    if mission.items.len() > limit as usize {
        return Err(PlanError::MissionTooLong {
            sortie: id,
            drone: f.drone.id.clone(),
            items: mission.items.len(),
            limit,
        });
    }
    Ok(Sortie {
        id,
        start_s: timed.start_s,
        end_s,
        base: base.name.clone(),
        distance_m: timed.distance_m,
        flight_time_s: timed.flight_time_s,
        battery_used: timed.flight_time_s / (f.drone.endurance_min * 60.0),
        risk_patrolled,
        cells: cell_ids,
        sweeps: route.iter().filter(|s| matches!(s, Stop::Sweep(_))).count(),
        path,
        mission,
    })
}

fn assemble(
    area: &Area,
    req: &PlanRequest,
    risk: &RiskMap,
    flyers: Vec<Flyer<'_>>,
    state: Vec<CellState>,
    left_out: Vec<LeftOut>,
    shift_s: f64,
) -> Plan {
    let cells = risk.cells();
    // Plan cells: those visited, renumbered; sorties refer to them by the new index.
    let mut index = vec![usize::MAX; cells.len()];
    let mut planned = Vec::new();
    for (ci, st) in state.iter().enumerate() {
        if st.visits.is_empty() {
            continue;
        }
        index[ci] = planned.len();
        let mut visits = st.visits.clone();
        visits.sort_by(|a, b| a.0.total_cmp(&b.0));
        planned.push(PlannedCell {
            lat_deg: cells[ci].lat_deg,
            lon_deg: cells[ci].lon_deg,
            size_m: risk.grid().size_m,
            risk: cells[ci].risk,
            class: cells[ci].class.level(),
            visits_s: visits.iter().map(|v| v.0).collect(),
            visited_by: visits.into_iter().map(|v| v.1).collect(),
        });
    }
    let risk_covered: f64 = state
        .iter()
        .zip(cells)
        .map(|(s, c)| c.risk * s.best_share)
        .sum();
    let area_risk = risk.total_risk();
    let drones: Vec<DronePlan> = flyers
        .into_iter()
        .map(|f| DronePlan {
            drone_id: f.drone.id.clone(),
            system_id: f.drone.system_id,
            firmware: f.drone.autopilot.firmware,
            home_base: f.drone.home_base.clone(),
            sorties: f
                .sorties
                .into_iter()
                .map(|mut s| {
                    s.cells = s.cells.iter().map(|&ci| index[ci]).collect();
                    s
                })
                .collect(),
        })
        .collect();
    let all: Vec<&Sortie> = drones.iter().flat_map(|d| &d.sorties).collect();
    let totals = PlanTotals {
        area_risk,
        risk_covered,
        share_of_area_risk: if area_risk > 0.0 {
            risk_covered / area_risk
        } else {
            0.0
        },
        risk_patrolled: all.iter().map(|s| s.risk_patrolled).sum(),
        sorties: all.len(),
        flight_time_s: all.iter().map(|s| s.flight_time_s).sum(),
        distance_m: all.iter().map(|s| s.distance_m).sum(),
    };
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        generator: format!("forest-patrol {}", env!("CARGO_PKG_VERSION")),
        area_name: area.name().to_string(),
        area_dir: area.dir.display().to_string(),
        shift: Shift {
            start_local: req.shift_start.clone(),
            end_local: req.shift_end.clone(),
            duration_s: shift_s,
        },
        settings: PlanSettings {
            alt_agl_m: req.alt_agl_m,
            ceiling_agl_m: req.ceiling_agl_m,
            min_agl_m: req.min_agl_m,
            wind_from_deg: req.wind.from_deg,
            wind_speed_mps: req.wind.speed_mps,
            side_overlap: req.side_overlap,
            time_limit_s: req.time_limit_s,
            seed: req.seed,
        },
        bases: area
            .bases
            .iter()
            .map(|b| PlannedBase {
                name: b.name.clone(),
                lat_deg: b.lat_deg,
                lon_deg: b.lon_deg,
                alt_amsl_m: area
                    .terrain
                    .elevation_amsl_m(b.lat_deg, b.lon_deg)
                    .unwrap_or(0.0),
            })
            .collect(),
        no_fly: area
            .no_fly
            .iter()
            .map(|z| PlannedZone {
                name: z.name.clone(),
                ceiling_amsl_m: z.ceiling_amsl_m,
                polygon: z
                    .outline()
                    .exterior()
                    .0
                    .iter()
                    .map(|c| [c.x, c.y])
                    .collect(),
            })
            .collect(),
        drones,
        cells: planned,
        left_out,
        totals,
    }
}
