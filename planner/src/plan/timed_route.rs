//! A route as the search returns it ([`Stop`]s), made flyable and timed exactly
//! ([`TimedRoute`]): detours around no-fly zones, waypoints added for terrain clearance, and
//! every leg timed with the wind, climbs and descents. The search plans in still air on a
//! share of the battery; this timing is what decides whether a route fits.

use super::energy::{Wind, leg_time_s};
use super::flyers::Flyer;
use super::mission::{HeightBand, Waypoint, waypoints_with_clearance};
use super::sweep::Sweep;
use super::zones::Obstacles;
use crate::risk::cells::RiskCell;
use crate::terrain::Terrain;

/// One stop of a route: a cell flown over, or a lawn-mower sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Stop {
    /// A risk cell, by index into the risk map's cells.
    Cell(usize),
    /// A sweep, by index into the shift's sweeps.
    Sweep(usize),
}

/// A route made flyable and timed.
pub(super) struct TimedRoute {
    /// Waypoints from the base at patrol height, through the cells, back over the base.
    pub waypoints: Vec<Waypoint>,
    /// Arrival time at each waypoint, seconds from the shift's start.
    pub times_s: Vec<f64>,
    /// Index in `waypoints` of each route cell.
    pub cell_waypoint: Vec<usize>,
    /// Ground distance flown, metres.
    pub distance_m: f64,
    /// From take-off to landing, seconds.
    pub flight_time_s: f64,
    /// Take-off, seconds from the shift's start.
    pub start_s: f64,
}

/// Times `route` for flyer `f` taking off at `start_s` (seconds from the shift's start):
/// from its base, through the stops in order, around the zones, within the height band over
/// the terrain, and back to the base.
#[allow(clippy::too_many_arguments)]
pub(super) fn time_route(
    terrain: &Terrain,
    cells: &[RiskCell],
    f: &Flyer<'_>,
    route: &[Stop],
    sweeps: &[Sweep],
    obstacles: &Obstacles,
    band: HeightBand,
    wind: Wind,
    start_s: f64,
) -> TimedRoute {
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
    let waypoints = waypoints_with_clearance(terrain, &points, band, f.base_ground_m);
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
        let leg = leg_time_s(f.drone, de, dn, dz, wind).unwrap_or(f64::INFINITY);
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
