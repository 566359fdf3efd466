//! What the search may visit over a shift: the risk cells some drone can reach outside the
//! no-fly zones, and the lawn-mower sweeps over their high-risk stretches that the fleet's
//! cameras and batteries allow.

use super::energy::{Wind, ground_speed_mps};
use super::error::PlanError;
use super::flyers::Flyer;
use super::model::LeftOut;
use super::resolve::ResolvedRequest;
use super::sweep::{Sweep, build_sweeps};
use super::zones::Obstacles;
use crate::area::fleet::Drone;
use crate::risk::cells::RiskMap;

/// Indices (into `risk`'s cells) of the cells with risk that some flyer can reach and come
/// back from within one sortie, and that lie outside the no-fly zones. The cells left out
/// are counted in `left_out` with their risk, so that what the plan cannot patrol is said.
/// Fails when no cell is left: there would be nothing to plan.
pub(super) fn cells_in_reach(
    risk: &RiskMap,
    flyers: &[Flyer<'_>],
    obstacles: &Obstacles,
    req: &ResolvedRequest<'_>,
    left_out: &mut Vec<LeftOut>,
) -> Result<Vec<usize>, PlanError> {
    let shift_s = req.shift_s();
    let mut candidates: Vec<usize> = Vec::new();
    let (mut in_zone, mut in_zone_risk, mut unreachable, mut unreachable_risk) =
        (0usize, 0.0, 0usize, 0.0);
    // Per drone: whether it can reach any cell at all.
    let mut reaches_any = vec![false; flyers.len()];
    for (i, c) in risk.cells().iter().enumerate() {
        if c.risk <= 0.0 {
            continue;
        }
        let p = (c.center.east_m, c.center.north_m);
        if obstacles.containing(p).is_some() {
            in_zone += 1;
            in_zone_risk += c.risk;
            continue;
        }
        let mut reachable = false;
        for (k, f) in flyers.iter().enumerate() {
            if reachable && reaches_any[k] {
                continue;
            }
            let out = leg_time(f.drone, f.base_xy, p, obstacles, req.wind);
            let back = leg_time(f.drone, p, f.base_xy, obstacles, req.wind);
            if out + back + f.takeoff_s + f.landing_s <= f.usable_s.min(shift_s) {
                reachable = true;
                reaches_any[k] = true;
            }
        }
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
    for (f, reaches) in flyers.iter().zip(&reaches_any) {
        if !reaches {
            left_out.push(LeftOut {
                what: format!("drone {}", f.drone.id),
                reason: "no sortie: at its speed, in this wind, it cannot reach any cell with risk and return to its base within its endurance".into(),
            });
        }
    }
    if candidates.is_empty() {
        return Err(PlanError::Infeasible(
            "no cell with risk is within reach of any drone".into(),
        ));
    }
    Ok(candidates)
}

/// Battery seconds of a straight leg (around zones), wind included, climb ignored: enough to
/// tell whether a cell is in reach at all; routes are timed exactly later.
fn leg_time(drone: &Drone, a: (f64, f64), b: (f64, f64), obstacles: &Obstacles, wind: Wind) -> f64 {
    let d = obstacles.detour_cost_m(a, b);
    match ground_speed_mps(b.0 - a.0, b.1 - a.1, drone.cruise_speed_mps, wind) {
        Some(v) => d / v,
        None => f64::INFINITY,
    }
}

/// The sweeps offered to the search over the high-risk stretches among `candidates`.
///
/// Sweeps see every cell of their stretch, so their passes are as far apart as the narrowest
/// camera strip of the fleet allows with the side overlap. They are cut to half the longest
/// sortie's search budget, and those still over 0.6 of it dropped, so that a sweep leaves room
/// in a sortie for the flight to and from it.
pub(super) fn sweeps_for_fleet(
    risk: &RiskMap,
    candidates: &[usize],
    flyers: &[Flyer<'_>],
    req: &ResolvedRequest<'_>,
) -> Vec<Sweep> {
    let shift_s = req.shift_s();
    let narrowest_swath_m = flyers
        .iter()
        .map(|f| f.swath_m)
        .fold(f64::INFINITY, f64::min);
    let longest_budget_m = flyers
        .iter()
        .map(|f| f.search_budget_m(f.usable_s.min(shift_s) - f.takeoff_s - f.landing_s))
        .fold(0.0, f64::max);
    build_sweeps(
        risk.cells(),
        candidates,
        risk.grid(),
        narrowest_swath_m * (1.0 - req.side_overlap),
        0.5 * longest_budget_m,
    )
    .into_iter()
    .filter(|s| s.length_m < 0.6 * longest_budget_m)
    .collect()
}
