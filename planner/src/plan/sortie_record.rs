//! A timed route that fits its battery, recorded as a [`Sortie`]: the cells its camera sees
//! along the whole track (not only those it was routed to), what that patrols of each cell,
//! its flight path and its mission for the drone's autopilot.

use std::collections::HashSet;

use super::cell_visits::{CellState, available};
use super::coverage::pass_share;
use super::error::PlanError;
use super::flyers::Flyer;
use super::mission::build_mission;
use super::model::{Mission, PathPoint, Sortie};
use super::resolve::ResolvedRequest;
use super::sweep::Sweep;
use super::timed_route::{Stop, TimedRoute};
use crate::area::Area;
use crate::risk::cells::RiskMap;

/// The home (the base on the ground at take-off) and the mission of `timed` on flyer `f`'s
/// autopilot. The first waypoint is the base at patrol height, where take-off already ends.
fn home_and_mission(
    area: &Area,
    f: &Flyer<'_>,
    timed: &TimedRoute,
    req: &ResolvedRequest<'_>,
) -> (PathPoint, Mission) {
    let base = &area.bases[f.base];
    let home = PathPoint {
        lat_deg: base.lat_deg,
        lon_deg: base.lon_deg,
        alt_amsl_m: f.base_ground_m,
        ground_amsl_m: f.base_ground_m,
        t_s: timed.start_s,
    };
    let mission = build_mission(f.drone, home, &timed.waypoints[1..], req.heights);
    (home, mission)
}

/// How many mission items `timed` needs on flyer `f`'s autopilot.
pub(super) fn mission_items(
    area: &Area,
    f: &Flyer<'_>,
    timed: &TimedRoute,
    req: &ResolvedRequest<'_>,
) -> usize {
    home_and_mission(area, f, timed, req).1.items.len()
}

/// Records `timed` (the timing of `route`) as flyer `f`'s next sortie and marks the cells it
/// sees in `state`, at the time the drone passes them. Fails when the mission has more items
/// than the drone's autopilot stores: such a sortie could not be uploaded.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_sortie(
    area: &Area,
    risk: &RiskMap,
    f: &mut Flyer<'_>,
    timed: TimedRoute,
    route: &[Stop],
    sweeps: &[Sweep],
    req: &ResolvedRequest<'_>,
    state: &mut [CellState],
) -> Result<Sortie, PlanError> {
    let id = format!("{}-{}", f.drone.id, f.sorties.len() + 1);
    let cells = risk.cells();
    let shift_s = req.shift_s();
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
    let swept: HashSet<usize> = route
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
        let waiting = available(st, t, req.revisit_interval_s(c.class.level()), shift_s);
        risk_patrolled += c.risk * share * waiting;
        st.unseen_after_visit = waiting * (1.0 - share);
        st.last_visit_s = Some(t);
        st.visits.push((t, id.clone()));
        st.best_share = st.best_share.max(share);
        cell_ids.push(ci);
    }
    let base = &area.bases[f.base];
    let (home, mission) = home_and_mission(area, f, &timed, req);
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
