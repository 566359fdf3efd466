//! The comparison `patrol eval` makes against a plan: a lawn-mower survey of the same flight
//! hours, the way an office without a risk map would patrol.
//!
//! The forest (the area's planning cells with any risk, less those whose centre is in a
//! no-fly zone) is cut into one east-west band per drone that flies in the plan, bands given
//! to drones by the north of their bases. Each drone sweeps its band in parallel east-west
//! passes one camera swath apart ([`swath_width_m`] at the plan's patrol height), alternating
//! direction, and starts over when it is done. It flies the plan's sorties as they are: the
//! same bases, take-off times and flight times (as flown, [`super::track::plan_flights`]). A sortie climbs over its base, flies straight
//! to where the last one stopped, sweeps on while it can still fly home in the time left, and
//! comes back. Heights follow the terrain at the patrol height; straight legs between the
//! stretches of forest cross whatever lies between (the survey is a yardstick, not a plan to
//! fly).

use patrol_planner::area::Area;
use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::plan::coverage::swath_width_m;
use patrol_planner::plan::model::Plan;

use super::track::TimedPoint;

/// Spacing of the points along a pass, metres.
const STEP_M: f64 = 50.0;

/// Per drone of `plan` (in its order), the lawn-mower flights that replace its sorties;
/// `windows[d]` holds drone `d`'s sorties' take-off and landing times as flown.
pub fn lawnmower_flights(
    area: &Area,
    plan: &Plan,
    windows: &[Vec<(f64, f64)>],
) -> Vec<Vec<Vec<TimedPoint>>> {
    let mut out = vec![Vec::new(); plan.drones.len()];
    let Some(risk) = area.risk.as_ref() else {
        return out;
    };
    let grid = *risk.grid();
    let mut forest = vec![false; grid.cols * grid.rows];
    let mut any = false;
    for c in risk.cells() {
        if !(c.risk.is_finite() && c.risk > 0.0)
            || area.no_fly.iter().any(|z| z.contains(c.lon_deg, c.lat_deg))
        {
            continue;
        }
        forest[c.row * grid.cols + c.col] = true;
        any = true;
    }
    // Drones that fly, with their first sortie's base.
    let flying: Vec<(usize, Enu)> = plan
        .drones
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let s = d.sorties.first()?;
            let b = plan.bases.iter().find(|b| b.name == s.base)?;
            let p = area.terrain.geodetic_to_enu(Geodetic {
                lat_deg: b.lat_deg,
                lon_deg: b.lon_deg,
                alt_amsl_m: b.alt_amsl_m,
            });
            Some((i, p))
        })
        .collect();
    if flying.is_empty() || !any {
        return out;
    }
    // Each base surveys the forest nearer to it than to any other, cut into one band per
    // drone there, north to south: short transits, no two drones on the same ground.
    let mut bases: Vec<Enu> = Vec::new();
    for (_, b) in &flying {
        if !bases
            .iter()
            .any(|x| x.east_m == b.east_m && x.north_m == b.north_m)
        {
            bases.push(*b);
        }
    }
    let nearest_base = |e: f64, n: f64| {
        (0..bases.len())
            .min_by(|&a, &b| {
                let d = |k: usize| (bases[k].east_m - e).hypot(bases[k].north_m - n);
                d(a).total_cmp(&d(b))
            })
            .unwrap_or(0)
    };
    let alt_agl_m = plan.settings.alt_agl_m;
    for (bi, base) in bases.iter().enumerate() {
        let here: Vec<usize> = flying
            .iter()
            .filter(|(_, b)| b.east_m == base.east_m && b.north_m == base.north_m)
            .map(|(i, _)| *i)
            .collect();
        let region: Vec<bool> = (0..forest.len())
            .map(|i| {
                forest[i] && {
                    let c = grid.center(i % grid.cols, i / grid.cols);
                    nearest_base(c.east_m, c.north_m) == bi
                }
            })
            .collect();
        let (mut south, mut north) = (f64::MAX, f64::MIN);
        for (i, _) in region.iter().enumerate().filter(|(_, r)| **r) {
            let c = grid.center(i % grid.cols, i / grid.cols);
            south = south.min(c.north_m - grid.size_m / 2.0);
            north = north.max(c.north_m + grid.size_m / 2.0);
        }
        if south >= north {
            continue;
        }
        let band_m = (north - south) / here.len() as f64;
        for (k, &di) in here.iter().enumerate() {
            let dp = &plan.drones[di];
            let Some(drone) = area.fleet.drones.iter().find(|d| d.id == dp.drone_id) else {
                continue;
            };
            let swath_m = swath_width_m(&drone.camera, alt_agl_m).max(STEP_M);
            let pattern = band_pattern(
                &region,
                &grid,
                south + k as f64 * band_m,
                south + (k + 1) as f64 * band_m,
                swath_m,
            );
            if pattern.is_empty() {
                continue;
            }
            let mut next = 0;
            for (s, &(start_s, end_s)) in
                dp.sorties.iter().zip(windows.get(di).into_iter().flatten())
            {
                let Some(first) = s.path.first() else {
                    continue;
                };
                let base = area.terrain.geodetic_to_enu(Geodetic {
                    lat_deg: first.lat_deg,
                    lon_deg: first.lon_deg,
                    alt_amsl_m: first.alt_amsl_m,
                });
                let flight = Sortie {
                    area,
                    base,
                    base_alt_amsl_m: first.alt_amsl_m,
                    alt_agl_m,
                    speed_mps: drone.cruise_speed_mps,
                    climb_s: alt_agl_m / drone.climb_rate_mps,
                    descent_s: alt_agl_m / drone.descent_rate_mps,
                }
                .fly(&pattern, &mut next, start_s, end_s);
                out[di].push(flight);
            }
        }
    }
    out
}

/// The points of a band's passes in flying order, local frame (east, north): every
/// [`STEP_M`] along east-west lines `swath_m` apart, over the forest only.
fn band_pattern(
    forest: &[bool],
    grid: &patrol_planner::risk::cells::CellGrid,
    south_m: f64,
    north_m: f64,
    swath_m: f64,
) -> Vec<(f64, f64)> {
    let west_m = grid.origin_east_m;
    let east_m = grid.origin_east_m + grid.cols as f64 * grid.size_m;
    let mut points = Vec::new();
    let mut n = south_m + swath_m / 2.0;
    let mut eastward = true;
    while n < north_m {
        let count = ((east_m - west_m) / STEP_M).floor() as usize;
        let mut pass: Vec<(f64, f64)> = (0..=count)
            .map(|i| (west_m + i as f64 * STEP_M, n))
            .filter(|&(e, n)| grid.index_of(e, n).is_some_and(|i| forest[i]))
            .collect();
        if !pass.is_empty() {
            if !eastward {
                pass.reverse();
            }
            eastward = !eastward;
            points.extend(pass);
        }
        n += swath_m;
    }
    points
}

/// One sortie of the survey.
struct Sortie<'a> {
    area: &'a Area,
    base: Enu,
    base_alt_amsl_m: f64,
    alt_agl_m: f64,
    speed_mps: f64,
    climb_s: f64,
    descent_s: f64,
}

impl Sortie<'_> {
    /// The point at patrol height over `(east, north)`.
    fn over(&self, (e, n): (f64, f64)) -> Geodetic {
        let g = self.area.terrain.enu_to_geodetic(Enu {
            east_m: e,
            north_m: n,
            up_m: 0.0,
        });
        let ground_m = self
            .area
            .terrain
            .elevation_amsl_m(g.lat_deg, g.lon_deg)
            .unwrap_or(self.base_alt_amsl_m);
        Geodetic {
            alt_amsl_m: ground_m + self.alt_agl_m,
            ..g
        }
    }

    fn home_s(&self, (e, n): (f64, f64)) -> f64 {
        (e - self.base.east_m).hypot(n - self.base.north_m) / self.speed_mps + self.descent_s
    }

    /// Flies from `start_s` to `end_s`, sweeping `pattern` from point `*next` on; leaves in
    /// `*next` where the next sortie takes over.
    fn fly(
        &self,
        pattern: &[(f64, f64)],
        next: &mut usize,
        start_s: f64,
        end_s: f64,
    ) -> Vec<TimedPoint> {
        let base_xy = (self.base.east_m, self.base.north_m);
        let on_ground = |t_s| TimedPoint {
            t_s,
            at: Geodetic {
                alt_amsl_m: self.base_alt_amsl_m,
                ..self.area.terrain.enu_to_geodetic(self.base)
            },
        };
        let mut points = vec![on_ground(start_s)];
        let mut t_s = start_s + self.climb_s;
        points.push(TimedPoint {
            t_s,
            at: Geodetic {
                alt_amsl_m: self.base_alt_amsl_m + self.alt_agl_m,
                ..points[0].at
            },
        });
        let mut at = base_xy;
        // Where the last sortie stopped may be out of this one's reach (a band's far end):
        // go on from the next point that leaves at least a quarter of the sortie to sweep.
        let out_and_back_s = |p: (f64, f64)| {
            2.0 * (p.0 - base_xy.0).hypot(p.1 - base_xy.1) / self.speed_mps
                + self.climb_s
                + self.descent_s
        };
        if let Some(k) = (0..pattern.len())
            .map(|k| (*next + k) % pattern.len())
            .find(|&k| out_and_back_s(pattern[k]) <= 0.75 * (end_s - start_s))
        {
            *next = k;
        }
        // Sweep on while the next point still leaves the time to fly home.
        // Every point is at least a step from the last but for repeats: bounded either way.
        let most = ((end_s - start_s) * self.speed_mps / STEP_M) as usize + pattern.len() + 2;
        for _ in 0..most {
            let p = pattern[*next % pattern.len()];
            let leg_s = (p.0 - at.0).hypot(p.1 - at.1) / self.speed_mps;
            if t_s + leg_s + self.home_s(p) > end_s {
                break;
            }
            t_s += leg_s;
            at = p;
            points.push(TimedPoint {
                t_s,
                at: self.over(p),
            });
            *next = (*next + 1) % pattern.len();
        }
        let back_s = (at.0 - base_xy.0).hypot(at.1 - base_xy.1) / self.speed_mps;
        points.push(TimedPoint {
            t_s: t_s + back_s,
            at: Geodetic {
                alt_amsl_m: self.base_alt_amsl_m + self.alt_agl_m,
                ..points[0].at
            },
        });
        points.push(on_ground(
            (t_s + back_s + self.descent_s).min(end_s.max(t_s + back_s)),
        ));
        points
    }
}
