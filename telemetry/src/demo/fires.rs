//! The demo's fires: some where the shift patrols, some elsewhere that only a ground sensor
//! reports, so that both ways a fire becomes an alert are exercised.
//!
//! Both kinds are drawn with [`random_ignitions`] (places weighted by the day's risk, times
//! uniform over the first 70 % of the shift). A *patrol* fire is one that falls in a cell the
//! plan visits at least two minutes after it ignites (a drone can only find what it flies
//! over after the fact); an *alarm* fire is any other, reported by a simulated under-canopy
//! infrared sensor a few minutes after ignition, through the same UDP alarm port a real
//! sensor network would use.

use patrol_planner::geodesy::flat::{self, LonLat};
use patrol_planner::plan::model::Plan;
use patrol_planner::risk::cells::RiskMap;
use patrol_planner::terrain::Terrain;

use crate::sim::fire::{Fire, FireError, random_ignitions};

/// How the demo's fires are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoFireCounts {
    /// Fires in patrolled cells.
    pub patrol: usize,
    /// Fires elsewhere, reported by a ground sensor.
    pub alarm: usize,
}

/// A drawn fire and how it is meant to be found.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoFire {
    /// The fire.
    pub fire: Fire,
    /// Whether a ground sensor reports it (else only the patrol can find it).
    pub sensor_alarm: bool,
}

/// Draws the demo's fires; the same seed gives the same fires.
pub fn demo_fires(
    terrain: &Terrain,
    risk: &RiskMap,
    plan: &Plan,
    counts: DemoFireCounts,
    shift_s: f64,
    seed: u64,
) -> Result<Vec<DemoFire>, FireError> {
    let wanted = counts.patrol + counts.alarm;
    if wanted == 0 {
        return Ok(Vec::new());
    }
    let pool = random_ignitions(
        terrain,
        risk,
        (wanted * 200).min(100_000),
        shift_s * 0.7,
        seed,
    )?;
    let patrolled = |f: &Fire| {
        plan.cells.iter().any(|c| {
            let (east_m, north_m) = flat::offset_m(
                LonLat::new(c.lon_deg, c.lat_deg),
                LonLat::new(f.lon_deg, f.lat_deg),
            );
            east_m.abs() <= c.size_m / 2.0
                && north_m.abs() <= c.size_m / 2.0
                && c.visits_s.iter().any(|v| *v >= f.ignition_s + 120.0)
        })
    };
    let mut out = Vec::new();
    let (mut p, mut a) = (0, 0);
    for f in pool {
        if patrolled(&f) {
            if p < counts.patrol {
                p += 1;
                out.push(DemoFire {
                    fire: Fire {
                        id: format!("p{p}"),
                        ..f
                    },
                    sensor_alarm: false,
                });
            }
        } else if a < counts.alarm {
            a += 1;
            out.push(DemoFire {
                fire: Fire {
                    id: format!("a{a}"),
                    ..f
                },
                sensor_alarm: true,
            });
        }
        if p == counts.patrol && a == counts.alarm {
            break;
        }
    }
    out.sort_by(|x, y| x.fire.ignition_s.total_cmp(&y.fire.ignition_s));
    Ok(out)
}
