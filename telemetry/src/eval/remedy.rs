//! What would meet the goal where it is missed, worked out on the same fires.
//!
//! - **Towers.** New tower sites as `patrol area site-towers` proposes them (greedily, the
//!   site that watches the most risk left first; masts and ranges like the area's towers),
//!   their reports simulated for the same fires; the fewest of them, in that order, with
//!   which the share found within 15 minutes reaches the goal.
//! - **Bases.** Where the fires found waited more than 5 minutes for a drone: places, among
//!   those fires, for drone bases with a drone standing by, taken greedily by how many of the
//!   waiting fires each brings within 5 minutes, until the median would be met.

use patrol_planner::area::Area;
use patrol_planner::area::watch_layers::Tower;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::watch::siting::{SitingRequest, site_towers};
use serde::Serialize;

use crate::sim::fire::FireField;
use crate::sim::watch::{SimWatch, Watcher};

use super::response::ARM_S;
use super::run::{FireOutcome, WITHIN_S};

/// Most towers tried.
pub const MAX_NEW_TOWERS: usize = 40;

/// A place proposed for a tower or a base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// Its name (`new-1`, ...).
    pub id: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
}

/// New towers that would meet the 15-minute goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoreTowers {
    /// The sites, in the order taken; all of them are needed.
    pub sites: Vec<Place>,
    /// The share found within 15 minutes with them.
    pub share_within_15: f64,
    /// Whether the goal is reached (else: the most sites tried, and the share they reach).
    pub reaches_goal: bool,
}

/// The fewest new towers (at most [`MAX_NEW_TOWERS`]) with which `goal` of the fires are
/// found within 15 minutes, given what `outcomes` already found; `None` when no site
/// qualifies.
pub fn more_towers(
    area: &Area,
    field: &FireField,
    outcomes: &[FireOutcome],
    until_s: f64,
    seed: u64,
    goal: f64,
) -> Option<MoreTowers> {
    let like = area.towers.first();
    let req = SitingRequest {
        count: MAX_NEW_TOWERS,
        mast_agl_m: like.map_or(30.0, |t| t.mast_agl_m),
        range_m: like.map_or(5000.0, |t| t.range_m),
        ..SitingRequest::default()
    };
    let sites = site_towers(
        area,
        &area.towers,
        &area.ir_alarms,
        area.manifest.watch,
        &req,
    )
    .ok()?;
    if sites.is_empty() {
        return None;
    }
    let towers: Vec<Tower> = sites
        .iter()
        .map(|s| Tower {
            recognition_delay_s: like
                .map_or(s.tower.recognition_delay_s, |t| t.recognition_delay_s),
            detection_probability: like
                .map_or(s.tower.detection_probability, |t| t.detection_probability),
            ..s.tower.clone()
        })
        .collect();
    let watch = SimWatch::compute(&area.terrain, &towers, &[], field, until_s, seed ^ 0x5173);
    // Per fire, per site: the earliest report after ignition, as an index into `towers`.
    let index: std::collections::HashMap<&str, usize> = field
        .fires()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let site_of: std::collections::HashMap<&str, usize> = towers
        .iter()
        .enumerate()
        .map(|(k, t)| (t.id.as_str(), k))
        .collect();
    // The first site (in siting order) to find each fire within 15 minutes.
    let mut first_site = vec![usize::MAX; outcomes.len()];
    for (r, _) in &watch.reports {
        if r.watcher != Watcher::Tower {
            continue;
        }
        let (Some(&i), Some(&k)) = (
            index.get(r.fire_id.as_str()),
            site_of.get(r.source.as_str()),
        ) else {
            continue;
        };
        if r.at_s - outcomes[i].ignition_s <= WITHIN_S[1] {
            first_site[i] = first_site[i].min(k);
        }
    }
    let n = outcomes.len().max(1) as f64;
    let mut found: usize = outcomes
        .iter()
        .filter(|f| f.found_after_s.is_some_and(|t| t <= WITHIN_S[1]))
        .count();
    let mut gained_by = vec![0usize; towers.len()];
    for (i, f) in outcomes.iter().enumerate() {
        if !f.found_after_s.is_some_and(|t| t <= WITHIN_S[1]) && first_site[i] < towers.len() {
            gained_by[first_site[i]] += 1;
        }
    }
    let mut used = 0;
    while used < towers.len() && (found as f64) / n < goal {
        found += gained_by[used];
        used += 1;
    }
    Some(MoreTowers {
        sites: towers[..used]
            .iter()
            .map(|t| Place {
                id: t.id.clone(),
                lat_deg: t.lat_deg,
                lon_deg: t.lon_deg,
            })
            .collect(),
        share_within_15: found as f64 / n,
        reaches_goal: found as f64 / n >= goal,
    })
}

/// New bases that would bring the median first report to drone on scene within `goal_s`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoreBases {
    /// The places, in the order taken.
    pub sites: Vec<Place>,
    /// How far a drone gets from a base within the goal, metres.
    pub reach_m: f64,
    /// Whether the median would be met.
    pub reaches_goal: bool,
}

/// Greedy base sites among the fires that waited longer than `goal_s`.
pub fn more_bases(area: &Area, outcomes: &[FireOutcome], alt_agl_m: f64, goal_s: f64) -> MoreBases {
    let (climb, speed) = area
        .fleet
        .drones
        .iter()
        .map(|d| (d.climb_rate_mps, d.max_speed_mps.max(d.cruise_speed_mps)))
        .fold((0.1_f64, 0.1_f64), |a, b| (a.0.max(b.0), a.1.max(b.1)));
    let reach_m = (goal_s - ARM_S - alt_agl_m / climb).max(0.0) * speed;
    let found: Vec<&FireOutcome> = outcomes
        .iter()
        .filter(|f| f.found_after_s.is_some())
        .collect();
    let fast = found
        .iter()
        .filter(|f| f.on_scene_after_s.is_some_and(|s| s <= goal_s))
        .count();
    let needed = found.len().div_ceil(2).saturating_sub(fast);
    let xy: Vec<(f64, f64)> = found
        .iter()
        .filter(|f| !f.on_scene_after_s.is_some_and(|s| s <= goal_s))
        .map(|f| {
            let p = area.terrain.geodetic_to_enu(Geodetic {
                lat_deg: f.lat_deg,
                lon_deg: f.lon_deg,
                alt_amsl_m: 0.0,
            });
            (p.east_m, p.north_m)
        })
        .collect();
    let mut covered = vec![false; xy.len()];
    let mut gained = 0;
    let mut sites = Vec::new();
    while gained < needed && sites.len() < 50 {
        let best = (0..xy.len())
            .filter(|&c| !covered[c])
            .map(|c| {
                let n = (0..xy.len())
                    .filter(|&j| {
                        !covered[j] && (xy[j].0 - xy[c].0).hypot(xy[j].1 - xy[c].1) <= reach_m
                    })
                    .count();
                (n, c)
            })
            .max();
        let Some((n, c)) = best else { break };
        if n == 0 {
            break;
        }
        for j in 0..xy.len() {
            if (xy[j].0 - xy[c].0).hypot(xy[j].1 - xy[c].1) <= reach_m {
                covered[j] = true;
            }
        }
        gained += n;
        let g = area
            .terrain
            .enu_to_geodetic(patrol_planner::geodesy::enu::Enu {
                east_m: xy[c].0,
                north_m: xy[c].1,
                up_m: 0.0,
            });
        sites.push(Place {
            id: format!("base-{}", sites.len() + 1),
            lat_deg: g.lat_deg,
            lon_deg: g.lon_deg,
        });
    }
    MoreBases {
        sites,
        reach_m,
        reaches_goal: gained >= needed,
    }
}
