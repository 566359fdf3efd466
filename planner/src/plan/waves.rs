//! The shift flown in waves: in each wave every drone that is on the ground and can still fly
//! a worthwhile sortie takes off, and one team orienteering search ([`crate::route`]) routes
//! all of them together. Each route is then timed exactly, trimmed while it exceeds the
//! battery, and recorded as a sortie, until no drone can fly again before the shift ends.

use std::time::Duration;

use super::cell_visits::CellState;
use super::error::PlanError;
use super::flyers::{Flyer, MIN_PATROL_S};
use super::model::LeftOut;
use super::resolve::ResolvedRequest;
use super::sortie_record::{mission_items, record_sortie};
use super::sweep::Sweep;
use super::timed_route::{Stop, time_route};
use super::wave_problem::{ZoneMetric, wave_problem};
use super::zones::Obstacles;
use crate::area::Area;
use crate::risk::cells::RiskMap;
use crate::route::instance::Instance;
use crate::route::problem::Problem;
use crate::route::search::{SearchConfig, solve};

/// Most waves in a shift: a guard; real shifts end long before.
const MAX_WAVES: u64 = 500;
/// How long a drone with nothing worth flying waits for cell values to recover, seconds.
const IDLE_WAIT_S: f64 = 900.0;
/// Drones ready within this of the wave's take-off join it, seconds.
const WAVE_JOIN_S: f64 = 60.0;

/// What stays fixed while the waves are flown.
pub(super) struct PatrolScope<'a> {
    pub area: &'a Area,
    pub risk: &'a RiskMap,
    pub req: &'a ResolvedRequest<'a>,
    pub obstacles: &'a Obstacles,
    /// Indices of the cells in reach, into the risk map's cells.
    pub candidates: &'a [usize],
    /// The sweeps offered to the search.
    pub sweeps: &'a [Sweep],
    /// Share of a cell one pass sees, for every drone's point visits.
    pub typical_share: f64,
    /// What each cell's risk counts for the drones, by the chance nothing else (towers,
    /// alarms) would find a fire there ([`crate::watch::coverage::WatchCoverage::planning_weights`]);
    /// 1 everywhere without a watch.
    pub weights: &'a [f64],
}

impl PatrolScope<'_> {
    /// The risk of cell `ci` as the drones weigh it.
    pub fn weighted_risk(&self, ci: usize) -> f64 {
        self.risk.cells()[ci].risk * self.weights.get(ci).copied().unwrap_or(1.0)
    }
}

/// Flies the shift's waves: gives `flyers` their sorties and marks what they see in `state`.
/// With `first_wave`, hands back the first wave's routing problem as an abstract instance.
pub(super) fn fly_waves(
    scope: &PatrolScope<'_>,
    flyers: &mut [Flyer<'_>],
    state: &mut [CellState],
    mut first_wave: Option<&mut Option<Instance>>,
) -> Result<(), PlanError> {
    let req = scope.req;
    let search_s_per_sortie = search_s_per_sortie(flyers, req);
    let metric = ZoneMetric {
        obstacles: scope.obstacles,
    };
    let mut wave = 0u64;
    while wave < MAX_WAVES {
        let Some((t0, flying)) = next_wave(flyers, req.shift_s()) else {
            break;
        };
        let wave_nodes = wave_problem(scope, flyers, &flying, t0, state);
        let problem = Problem {
            nodes: &wave_nodes.nodes,
            vehicles: &wave_nodes.vehicles,
            metric: &metric,
        };
        let wave_time = Duration::from_secs_f64(search_s_per_sortie * flying.len() as f64);
        let mut config = SearchConfig::new(req.seed.wrapping_add(wave), wave_time);
        config.work_budget = req.search_work;
        if let Some(slot) = first_wave.take() {
            *slot = Some(wave_nodes.instance(scope.candidates.len()));
        }
        let outcome = solve(&problem, &config);
        for (k, &fi) in flying.iter().enumerate() {
            let route: Vec<Stop> = outcome.solution.routes[k]
                .iter()
                .map(|&n| {
                    if n < scope.candidates.len() {
                        Stop::Cell(scope.candidates[n])
                    } else {
                        Stop::Sweep(n - scope.candidates.len())
                    }
                })
                .collect();
            fly_route(scope, &mut flyers[fi], route, t0, state)?;
        }
        wave += 1;
    }
    Ok(())
}

/// Search seconds per sortie: the time limit shared out by the sorties the fleet could fly
/// in the shift, so that a wave of k drones gets k sorties' worth and the whole search keeps
/// to the limit.
fn search_s_per_sortie(flyers: &[Flyer<'_>], req: &ResolvedRequest<'_>) -> f64 {
    let sorties_estimate: f64 = flyers
        .iter()
        .map(|f| {
            (req.shift_s() / (f.usable_s + f.drone.battery_swap_min * 60.0))
                .ceil()
                .max(1.0)
        })
        .sum();
    req.time_limit_s / sorties_estimate
}

/// The next wave: its take-off time (seconds from the shift's start) and its flyers (indices
/// into `flyers`); `None` when no drone can fly a worthwhile sortie before the shift ends.
/// The wave takes off at the earliest ready time; drones ready more than [`WAVE_JOIN_S`]
/// later wait for the next wave, so that one search routes drones that fly together.
fn next_wave(flyers: &[Flyer<'_>], shift_s: f64) -> Option<(f64, Vec<usize>)> {
    let ready: Vec<usize> = (0..flyers.len())
        .filter(|&i| {
            flyers[i].next_free_s + flyers[i].takeoff_s + flyers[i].landing_s + MIN_PATROL_S
                <= shift_s
        })
        .collect();
    if ready.is_empty() {
        return None;
    }
    let t0 = ready
        .iter()
        .map(|&i| flyers[i].next_free_s)
        .fold(f64::MAX, f64::min);
    let flying: Vec<usize> = ready
        .into_iter()
        .filter(|&i| flyers[i].next_free_s <= t0 + WAVE_JOIN_S)
        .collect();
    Some((t0, flying))
}

/// Flies `route` with flyer `f` in the wave taking off at `t0`: times it exactly and, while
/// it exceeds the battery or the rest of the shift, drops its least valuable stop (the
/// search plans in still air on a share of the battery, so exact timing may not fit). The
/// sortie that fits is recorded; a drone left with nothing to fly waits [`IDLE_WAIT_S`] for
/// cell values to recover.
fn fly_route(
    scope: &PatrolScope<'_>,
    f: &mut Flyer<'_>,
    mut route: Vec<Stop>,
    t0: f64,
    state: &mut [CellState],
) -> Result<(), PlanError> {
    let req = scope.req;
    let cells = scope.risk.cells();
    if route.is_empty() {
        f.next_free_s = t0 + IDLE_WAIT_S;
        return Ok(());
    }
    let start = f.next_free_s.max(t0);
    let limit_s = f.usable_s.min(req.shift_s() - start);
    loop {
        let timed = time_route(
            &scope.area.terrain,
            cells,
            f,
            &route,
            scope.sweeps,
            scope.obstacles,
            req.heights,
            req.wind,
            start,
        );
        // Never over missing terrain: take out the stop at the end of the first leg that
        // crosses a hole, and time the rest again.
        if let Some(leg) = leg_over_hole(&scope.area.terrain, &timed.waypoints) {
            route.remove(stop_ending(&route, &timed.cell_waypoint, leg + 1));
            f.stops_over_holes += 1;
            if route.is_empty() {
                f.next_free_s = t0 + IDLE_WAIT_S;
                return Ok(());
            }
            continue;
        }
        if timed.flight_time_s <= limit_s || route.len() <= 1 {
            let items_limit = f.drone.mission_item_limit() as usize;
            if timed.flight_time_s <= limit_s && route.len() > 1 {
                let items = mission_items(scope.area, f, &timed, req);
                if items > items_limit {
                    return split_route(scope, f, route, start, items, state);
                }
            }
            if timed.flight_time_s <= limit_s {
                keep_sortie(scope, f, timed, &route, state)?;
            } else {
                f.next_free_s = t0 + IDLE_WAIT_S;
            }
            return Ok(());
        }
        let worth = |stop: &Stop| match *stop {
            Stop::Cell(ci) => scope.weighted_risk(ci) * scope.typical_share,
            Stop::Sweep(k) => scope.sweeps[k]
                .cells
                .iter()
                .map(|&ci| scope.weighted_risk(ci))
                .sum(),
        };
        if let Some(pos) =
            (0..route.len()).min_by(|&a, &b| worth(&route[a]).total_cmp(&worth(&route[b])))
        {
            route.remove(pos);
        }
    }
}

/// Records `timed` (the timing of `route`) as flyer `f`'s next sortie, which leaves it free
/// again after the battery swap; returns the sortie's id.
fn keep_sortie(
    scope: &PatrolScope<'_>,
    f: &mut Flyer<'_>,
    timed: super::timed_route::TimedRoute,
    route: &[Stop],
    state: &mut [CellState],
) -> Result<String, PlanError> {
    let sortie = record_sortie(
        scope.area,
        scope.risk,
        f,
        timed,
        route,
        scope.sweeps,
        scope.req,
        state,
    )?;
    let id = sortie.id.clone();
    f.next_free_s = sortie.end_s + f.drone.battery_swap_min * 60.0;
    f.sorties.push(sortie);
    Ok(id)
}

/// The first leg of `waypoints` (index of its start) over which some ground has no
/// elevation: a NoData hole, the DEM's empty edge, or off the DEM.
fn leg_over_hole(
    terrain: &crate::terrain::Terrain,
    waypoints: &[super::mission::Waypoint],
) -> Option<usize> {
    let at = |w: &super::mission::Waypoint| crate::geodesy::enu::Geodetic {
        lat_deg: w.lat_deg,
        lon_deg: w.lon_deg,
        alt_amsl_m: 0.0,
    };
    waypoints.windows(2).position(|w| {
        terrain
            .profile(at(&w[0]), at(&w[1]), 0.0)
            .iter()
            .any(|s| s.elevation_amsl_m.is_none())
    })
}

/// Index in `route` of the stop flown at or after waypoint `wp`: the first cell stop whose
/// waypoint (`cell_waypoint`, in route order) is at or past it, else the last stop (the leg
/// home).
fn stop_ending(route: &[Stop], cell_waypoint: &[usize], wp: usize) -> usize {
    let mut cells_seen = 0;
    for (i, stop) in route.iter().enumerate() {
        if let Stop::Cell(_) = stop {
            if cell_waypoint.get(cells_seen).is_some_and(|&w| w >= wp) {
                return i;
            }
            cells_seen += 1;
        }
    }
    route.len() - 1
}

/// Flies `route`, whose mission would need `items` items, over flyer `f`'s autopilot limit,
/// as several sorties: the longest first part whose mission fits, taking off at `start`, then
/// the rest as the next sortie after the battery swap (split again if it must be). The
/// pilot is told in the plan's notes. A first stop whose mission alone is over the limit (a
/// long sweep) cannot be split: that fails as before.
fn split_route(
    scope: &PatrolScope<'_>,
    f: &mut Flyer<'_>,
    mut route: Vec<Stop>,
    start: f64,
    items: usize,
    state: &mut [CellState],
) -> Result<(), PlanError> {
    let req = scope.req;
    let limit = f.drone.mission_item_limit() as usize;
    let timed_prefix = |f: &Flyer<'_>, k: usize| {
        time_route(
            &scope.area.terrain,
            scope.risk.cells(),
            f,
            &route[..k],
            scope.sweeps,
            scope.obstacles,
            req.heights,
            req.wind,
            start,
        )
    };
    // The longest prefix that fits: prefixes grow by whole stops, so their item counts grow.
    let (mut lo, mut hi) = (1, route.len() - 1);
    if mission_items(scope.area, f, &timed_prefix(f, 1), req) > limit {
        hi = 0;
    }
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if mission_items(scope.area, f, &timed_prefix(f, mid), req) <= limit {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut k = hi.max(1);
    let mut timed = timed_prefix(f, k);
    // The first part comes home from its last stop: not over a hole either.
    while k > 1 && leg_over_hole(&scope.area.terrain, &timed.waypoints).is_some() {
        k -= 1;
        timed = timed_prefix(f, k);
    }
    let rest = route.split_off(k);
    let id = keep_sortie(scope, f, timed, &route, state)?;
    let before = f.sorties.len();
    let notes_before = f.notes.len();
    let t0 = f.next_free_s;
    fly_route(scope, f, rest, t0, state)?;
    // One note for the whole route, however many times its rest was split again.
    f.notes.truncate(notes_before);
    let more: Vec<String> = f.sorties[before..].iter().map(|s| s.id.clone()).collect();
    f.notes.push(LeftOut {
        what: format!("sortie {id}"),
        reason: format!(
            "its route needed {items} mission items, over drone {}'s autopilot limit of {limit}: split, the rest flown as {}",
            f.drone.id,
            if more.is_empty() {
                "nothing (no time left in the shift)".to_string()
            } else {
                more.join(", ")
            }
        ),
    });
    Ok(())
}
