//! One evaluation: the fires, what each way of watching finds and when, and the figures.

use std::sync::Arc;

use patrol_planner::area::Area;
use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::plan::energy::Wind;
use patrol_planner::plan::model::Plan;
use serde::Serialize;

use crate::sim::detector::{Detector, DetectorConfig, DetectorError};
use crate::sim::fire::{Fire, FireError, FireField};
use crate::sim::watch::SimWatch;

use super::detection::{FirstReports, drone_first_sightings, watch_first_reports};
use super::lawnmower::lawnmower_flights;
use super::remedy::{MoreBases, MoreTowers, more_bases, more_towers};
use super::report::{GOAL_FOUND_15, GOAL_ON_SCENE_S};
use super::response::{Dispatcher, Responder};
use super::stats::{Quantile, Share};
use super::track::{Track, plan_flights};

/// After the shift the towers and alarms keep watching this long, seconds: every fire of the
/// shift has at least half an hour to be found (drones fly only the shift).
pub const TAIL_S: f64 = 1800.0;
/// The office's thresholds: found within 5, 15 and 30 minutes of ignition.
pub const WITHIN_S: [f64; 3] = [300.0, 900.0, 1800.0];

/// The local frame's origin (a fleet drone's base is always one of the area's: validated).
const ORIGIN: Enu = Enu {
    east_m: 0.0,
    north_m: 0.0,
    up_m: 0.0,
};

/// A way of watching the area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The towers and alarms alone (drones stand by at their bases to verify).
    Watch,
    /// The drones alone, planned for the highest risk (as if there were no towers).
    Drones,
    /// Towers and alarms, with drones planned for the highest risk.
    WatchAndRiskPlan,
    /// Towers and alarms, with drones planned for the blind spots.
    WatchAndBlindSpotPlan,
    /// Towers and alarms, with drones flying a lawn-mower survey of the same flight hours.
    WatchAndLawnMower,
}

impl Strategy {
    /// All of them, in the report's order.
    pub const ALL: [Strategy; 5] = [
        Strategy::Watch,
        Strategy::Drones,
        Strategy::WatchAndRiskPlan,
        Strategy::WatchAndBlindSpotPlan,
        Strategy::WatchAndLawnMower,
    ];

    /// A line of the report.
    pub fn label(self) -> &'static str {
        match self {
            Strategy::Watch => "towers and alarms only",
            Strategy::Drones => "drones only (risk plan)",
            Strategy::WatchAndRiskPlan => "towers, alarms + drones, risk plan",
            Strategy::WatchAndBlindSpotPlan => "towers, alarms + drones, blind-spot plan",
            Strategy::WatchAndLawnMower => "towers, alarms + drones, lawn-mower",
        }
    }

    fn uses_watch(self) -> bool {
        self != Strategy::Drones
    }
}

/// What found a fire first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Finder {
    /// A tower camera.
    Tower,
    /// An infrared alarm.
    Alarm,
    /// A drone's camera.
    Drone,
}

impl Finder {
    /// `tower`, `alarm`, `drone`.
    pub fn name(self) -> &'static str {
        match self {
            Finder::Tower => "tower",
            Finder::Alarm => "alarm",
            Finder::Drone => "drone",
        }
    }
}

/// One fire under one strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FireOutcome {
    /// The fire's id.
    pub fire: String,
    /// Ignition, seconds from the shift's start.
    pub ignition_s: f64,
    /// Where it burns: latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Seconds from ignition to the first report (`None`: never found).
    pub found_after_s: Option<f64>,
    /// What found it first.
    pub finder: Option<Finder>,
    /// The tower, alarm or drone that did.
    pub finder_id: Option<String>,
    /// Seconds from the first report to a drone on scene (`None`: none could go).
    pub on_scene_after_s: Option<f64>,
    /// Seconds from ignition to each kind's first report, when it reports at all.
    pub tower_after_s: Option<f64>,
    /// The same for the alarms.
    pub alarm_after_s: Option<f64>,
    /// The same for the drones.
    pub drone_after_s: Option<f64>,
}

/// The figures of one strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Found within 5, 15 and 30 minutes of ignition.
    pub within: [Share; 3],
    /// Never found (by the shift's end plus [`TAIL_S`]).
    pub never: Share,
    /// Time to the first report: median.
    pub median: Quantile,
    /// Its 90th percentile.
    pub p90: Quantile,
    /// Per kind of source: (kind, found by it within 15 minutes, found first by it).
    pub by_source: Vec<(Finder, Share, Share)>,
    /// First report to a drone on scene, over the fires found: median.
    pub on_scene_median: Quantile,
    /// Its 90th percentile.
    pub on_scene_p90: Quantile,
    /// Drone flight hours flown.
    pub drone_hours: f64,
}

/// One strategy's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategyResult {
    /// Which.
    pub strategy: Strategy,
    /// Its figures.
    pub summary: Summary,
    /// Per fire.
    pub fires: Vec<FireOutcome>,
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct EvalInputs<'a> {
    /// The area, with its towers, alarms and fleet.
    pub area: &'a Area,
    /// The plan made for the blind spots (with the towers' and alarms' watch).
    pub blind_spot_plan: &'a Plan,
    /// The plan made for the highest risk (as if nothing else watched).
    pub risk_plan: &'a Plan,
    /// The fires.
    pub fires: Vec<Fire>,
    /// Length of the shift, seconds.
    pub shift_s: f64,
    /// The drones' detector (the simulator's).
    pub detector: DetectorConfig,
    /// Seed of the towers', alarms' and detectors' draws.
    pub seed: u64,
    /// Threads to share the fires over.
    pub threads: usize,
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Fires evaluated.
    pub fires: usize,
    /// Length of the shift, seconds.
    pub shift_s: f64,
    /// The patrol height, metres above the ground.
    pub alt_agl_m: f64,
    /// Per strategy, in [`Strategy::ALL`]'s order.
    pub strategies: Vec<StrategyResult>,
    /// New towers that would meet the 15-minute goal, when it is missed.
    pub more_towers: Option<MoreTowers>,
    /// New bases that would meet the on-scene goal, when it is missed.
    pub more_bases: Option<MoreBases>,
}

impl Evaluation {
    /// The result of `strategy`.
    pub fn of(&self, strategy: Strategy) -> Option<&StrategyResult> {
        self.strategies.iter().find(|s| s.strategy == strategy)
    }
}

/// Why an evaluation cannot run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A fire cannot be placed.
    #[error("fires")]
    Fires(#[from] FireError),
    /// A drone's camera cannot be simulated.
    #[error("detector")]
    Detector(#[from] DetectorError),
}

/// Runs every strategy over the same fires.
pub fn evaluate(inputs: &EvalInputs<'_>) -> Result<Evaluation, EvalError> {
    let area = inputs.area;
    let terrain = Arc::new(area.terrain.clone());
    // The smoke drifts in the plan's wind.
    let wind = Wind {
        from_deg: inputs.blind_spot_plan.settings.wind_from_deg,
        speed_mps: inputs.blind_spot_plan.settings.wind_speed_mps,
    };
    let field = Arc::new(FireField::new(inputs.fires.clone(), &area.terrain)?.with_wind(wind));
    let until_s = inputs.shift_s + TAIL_S;
    let watch = SimWatch::compute(
        &area.terrain,
        &area.towers,
        &area.ir_alarms,
        &field,
        until_s,
        inputs.seed,
    );
    let watched = watch_first_reports(&watch, &field);
    let detectors = area
        .fleet
        .drones
        .iter()
        .map(|d| {
            Detector::new(
                d,
                inputs.detector,
                Arc::clone(&field),
                Arc::clone(&terrain),
                0,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let interval_s = inputs.detector.capture_interval_s;
    let index_of = |id: &str| area.fleet.drones.iter().position(|d| d.id == id);
    let tracks_of = |plan: &Plan, flights: Option<Vec<Vec<Vec<super::track::TimedPoint>>>>| {
        let wind = Wind {
            from_deg: plan.settings.wind_from_deg,
            speed_mps: plan.settings.wind_speed_mps,
        };
        let flights = flights.unwrap_or_else(|| {
            plan.drones
                .iter()
                .map(|dp| match index_of(&dp.drone_id) {
                    Some(i) => plan_flights(dp, &area.fleet.drones[i], wind),
                    None => Vec::new(),
                })
                .collect()
        });
        plan.drones
            .iter()
            .zip(flights)
            .filter_map(|(dp, f)| {
                let i = index_of(&dp.drone_id)?;
                Some(Track::from_flights(
                    i,
                    &f,
                    &area.terrain,
                    &detectors[i],
                    interval_s,
                ))
            })
            .collect::<Vec<Track>>()
    };
    let risk_tracks = tracks_of(inputs.risk_plan, None);
    let blind_tracks = tracks_of(inputs.blind_spot_plan, None);
    // The lawn-mower flies the blind-spot plan's sorties, as long as they are flown.
    let windows: Vec<Vec<(f64, f64)>> = inputs
        .blind_spot_plan
        .drones
        .iter()
        .map(|dp| {
            index_of(&dp.drone_id)
                .and_then(|i| blind_tracks.iter().find(|t| t.drone == i))
                .map_or_else(Vec::new, |t| t.sorties.clone())
        })
        .collect();
    let mower_tracks = tracks_of(
        inputs.blind_spot_plan,
        Some(lawnmower_flights(area, inputs.blind_spot_plan, &windows)),
    );
    let sightings = |tracks: &[Track]| {
        drone_first_sightings(
            &field,
            tracks,
            &detectors,
            inputs.detector.miss_rate,
            until_s,
            inputs.seed,
            inputs.threads,
        )
    };
    let risk_seen = sightings(&risk_tracks);
    let blind_seen = sightings(&blind_tracks);
    let mower_seen = sightings(&mower_tracks);
    let bases: Vec<Enu> = area
        .fleet
        .drones
        .iter()
        .map(|d| {
            let b = area.bases.iter().find(|b| b.name == d.home_base);
            b.map_or(ORIGIN, |b| {
                let ground_m = area
                    .terrain
                    .elevation_amsl_m(b.lat_deg, b.lon_deg)
                    .unwrap_or(0.0);
                area.terrain.geodetic_to_enu(Geodetic {
                    lat_deg: b.lat_deg,
                    lon_deg: b.lon_deg,
                    alt_amsl_m: ground_m,
                })
            })
        })
        .collect();
    let fires: Vec<&Fire> = field.fires().collect();
    let strategies = Strategy::ALL
        .iter()
        .map(|&strategy| {
            let (tracks, seen): (&[Track], Option<&[Option<(f64, usize)>]>) = match strategy {
                Strategy::Watch => (&[], None),
                Strategy::Drones | Strategy::WatchAndRiskPlan => (&risk_tracks, Some(&risk_seen)),
                Strategy::WatchAndBlindSpotPlan => (&blind_tracks, Some(&blind_seen)),
                Strategy::WatchAndLawnMower => (&mower_tracks, Some(&mower_seen)),
            };
            let reports: Vec<FirstReports> = (0..fires.len())
                .map(|i| FirstReports {
                    drone: seen.and_then(|s| s[i]),
                    ..if strategy.uses_watch() {
                        watched[i].clone()
                    } else {
                        FirstReports::default()
                    }
                })
                .collect();
            let responders = area
                .fleet
                .drones
                .iter()
                .enumerate()
                .map(|(i, d)| Responder {
                    drone: d,
                    base: bases[i],
                    track: tracks.iter().find(|t| t.drone == i),
                })
                .collect();
            let dispatcher = Dispatcher::new(
                responders,
                inputs.blind_spot_plan.settings.alt_agl_m,
                inputs.shift_s,
            );
            let fire_enu: Vec<Enu> = (0..fires.len())
                .map(|i| field.fire_at(i, f64::MAX).map_or(ORIGIN, |f| f.enu))
                .collect();
            let outcomes = outcomes(&fires, &fire_enu, &reports, dispatcher, area);
            let drone_hours = tracks
                .iter()
                .flat_map(|t| &t.sorties)
                .map(|(a, b)| (b - a) / 3600.0)
                // An empty sum is -0.0.
                .sum::<f64>()
                + 0.0;
            StrategyResult {
                strategy,
                summary: summarise(&outcomes, drone_hours),
                fires: outcomes,
            }
        })
        .collect::<Vec<StrategyResult>>();
    // Where the goal is missed, what would meet it.
    let best = strategies
        .iter()
        .find(|r| r.strategy == Strategy::WatchAndBlindSpotPlan);
    let more_towers = best
        .filter(|b| b.summary.within[1].share < GOAL_FOUND_15)
        .and_then(|b| more_towers(area, &field, &b.fires, until_s, inputs.seed, GOAL_FOUND_15));
    let more_bases = best
        .filter(|b| {
            !b.summary
                .on_scene_median
                .value_s
                .is_some_and(|s| s <= GOAL_ON_SCENE_S)
        })
        .map(|b| {
            more_bases(
                area,
                &b.fires,
                inputs.blind_spot_plan.settings.alt_agl_m,
                GOAL_ON_SCENE_S,
            )
        });
    Ok(Evaluation {
        fires: fires.len(),
        more_towers,
        more_bases,
        shift_s: inputs.shift_s,
        alt_agl_m: inputs.blind_spot_plan.settings.alt_agl_m,
        strategies,
    })
}

/// Per fire: the first report, its finder, and the drone sent after it.
fn outcomes(
    fires: &[&Fire],
    fire_enu: &[Enu],
    reports: &[FirstReports],
    mut dispatcher: Dispatcher<'_>,
    area: &Area,
) -> Vec<FireOutcome> {
    let mut out: Vec<FireOutcome> = fires
        .iter()
        .zip(reports)
        .map(|(f, r)| {
            let candidates = [
                r.tower
                    .as_ref()
                    .map(|(t, id)| (*t, Finder::Tower, id.clone())),
                r.alarm
                    .as_ref()
                    .map(|(t, id)| (*t, Finder::Alarm, id.clone())),
                r.drone
                    .map(|(t, d)| (t, Finder::Drone, area.fleet.drones[d].id.clone())),
            ];
            let first = candidates
                .into_iter()
                .flatten()
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let after = |t: Option<f64>| t.map(|t| (t - f.ignition_s).max(0.0));
            FireOutcome {
                fire: f.id.clone(),
                ignition_s: f.ignition_s,
                lat_deg: f.lat_deg,
                lon_deg: f.lon_deg,
                found_after_s: after(first.as_ref().map(|c| c.0)),
                finder: first.as_ref().map(|c| c.1),
                finder_id: first.map(|c| c.2),
                on_scene_after_s: None,
                tower_after_s: after(r.tower.as_ref().map(|x| x.0)),
                alarm_after_s: after(r.alarm.as_ref().map(|x| x.0)),
                drone_after_s: after(r.drone.map(|x| x.0)),
            }
        })
        .collect();
    // The dispatcher takes the reports in the order they come.
    let mut order: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].found_after_s.is_some())
        .collect();
    let report_s = |o: &FireOutcome| o.ignition_s + o.found_after_s.unwrap_or(0.0);
    order.sort_by(|&a, &b| report_s(&out[a]).total_cmp(&report_s(&out[b])));
    for i in order {
        out[i].on_scene_after_s = if out[i].finder == Some(Finder::Drone) {
            Some(0.0)
        } else {
            dispatcher.send(fire_enu[i], report_s(&out[i]))
        };
    }
    out
}

/// The figures of a strategy's outcomes.
fn summarise(fires: &[FireOutcome], drone_hours: f64) -> Summary {
    let n = fires.len();
    let found: Vec<Option<f64>> = fires.iter().map(|f| f.found_after_s).collect();
    let within = WITHIN_S.map(|w| {
        Share::of(
            found.iter().filter(|t| t.is_some_and(|t| t <= w)).count(),
            n,
        )
    });
    let by_source = [Finder::Tower, Finder::Alarm, Finder::Drone]
        .into_iter()
        .map(|k| {
            let time = |f: &FireOutcome| match k {
                Finder::Tower => f.tower_after_s,
                Finder::Alarm => f.alarm_after_s,
                Finder::Drone => f.drone_after_s,
            };
            (
                k,
                Share::of(
                    fires
                        .iter()
                        .filter(|f| time(f).is_some_and(|t| t <= WITHIN_S[1]))
                        .count(),
                    n,
                ),
                Share::of(fires.iter().filter(|f| f.finder == Some(k)).count(), n),
            )
        })
        .collect();
    let on_scene: Vec<Option<f64>> = fires
        .iter()
        .filter(|f| f.found_after_s.is_some())
        .map(|f| f.on_scene_after_s)
        .collect();
    Summary {
        within,
        never: Share::of(found.iter().filter(|t| t.is_none()).count(), n),
        median: Quantile::of(&found, 0.5),
        p90: Quantile::of(&found, 0.9),
        by_source,
        on_scene_median: Quantile::of(&on_scene, 0.5),
        on_scene_p90: Quantile::of(&on_scene, 0.9),
        drone_hours,
    }
}
