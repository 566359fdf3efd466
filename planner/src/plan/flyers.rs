//! The drones that take part in a shift ([`Flyer`]): each with its base in the local frame,
//! its take-off and landing times, its usable battery and camera strip, and the sorties it has
//! been given so far. Drones that cannot take part are reported as left out, with why.

use super::coverage::{pass_share, swath_width_m};
use super::energy::takeoff_landing_s;
use super::error::PlanError;
use super::model::{LeftOut, Sortie};
use super::resolve::ResolvedRequest;
use crate::area::Area;
use crate::area::fleet::Drone;
use crate::geodesy::enu::Geodetic;

/// Shortest sortie worth flying, seconds of patrol.
pub(super) const MIN_PATROL_S: f64 = 180.0;
/// Share of the still-air budget the search may plan, leaving room for wind, climbs and the
/// waypoints added for terrain clearance; exact timing trims what still does not fit.
const SEARCH_BUDGET_SHARE: f64 = 0.85;

/// A drone flying the shift, and where it stands in it.
pub(super) struct Flyer<'a> {
    pub drone: &'a Drone,
    /// Index of its home base in the area's bases.
    pub base: usize,
    /// Its home base in the local frame, (east, north) metres.
    pub base_xy: (f64, f64),
    /// Ground height at the base, metres above mean sea level.
    pub base_ground_m: f64,
    /// Take-off to patrol height, seconds.
    pub takeoff_s: f64,
    /// Landing from patrol height, seconds.
    pub landing_s: f64,
    /// Flight time per sortie, reserve kept, seconds.
    pub usable_s: f64,
    /// Camera strip width on the ground at patrol height, metres.
    pub swath_m: f64,
    /// When it can take off again, seconds from the shift's start.
    pub next_free_s: f64,
    /// Its sorties so far, in flying order.
    pub sorties: Vec<Sortie>,
    /// What the pilot should know about its sorties (one split for the mission item limit).
    pub notes: Vec<LeftOut>,
    /// Stops taken out of its routes because a leg to or from them crossed missing terrain.
    pub stops_over_holes: usize,
}

impl Flyer<'_> {
    /// The distance the search may plan for `patrol_s` seconds of patrol, metres (still air,
    /// less the margin of [`SEARCH_BUDGET_SHARE`]).
    pub fn search_budget_m(&self, patrol_s: f64) -> f64 {
        patrol_s * self.drone.cruise_speed_mps * SEARCH_BUDGET_SHARE
    }
}

/// The chosen drones that can fly the shift. A drone grounded by the wind or whose battery
/// leaves under [`MIN_PATROL_S`] of patrol is left out, and one whose sorties outlast the
/// shift flies cut sorties; both are said in `left_out`, since a pilot would otherwise
/// wonder where the drone went. Fails when no drone can fly or no sortie fits the shift:
/// there would be nothing to plan.
pub(super) fn flyers_for_shift<'a>(
    area: &Area,
    req: &ResolvedRequest<'a>,
    left_out: &mut Vec<LeftOut>,
) -> Result<Vec<Flyer<'a>>, PlanError> {
    let terrain = &area.terrain;
    let alt_agl_m = req.heights.alt_agl_m;
    let shift_s = req.shift_s();
    let mut flyers: Vec<Flyer<'a>> = Vec::new();
    for &d in &req.drones {
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
        // The area checks every drone's home base when it loads; the first base stands in
        // for a fleet edited in memory.
        let base = area
            .bases
            .iter()
            .position(|b| b.name == d.home_base)
            .unwrap_or(0);
        let b = &area.bases[base];
        let e = terrain.geodetic_to_enu(Geodetic {
            lat_deg: b.lat_deg,
            lon_deg: b.lon_deg,
            alt_amsl_m: 0.0,
        });
        // A base over missing terrain has no height to take off from or come back to.
        let Some(base_ground_m) = terrain.elevation_amsl_m(b.lat_deg, b.lon_deg) else {
            left_out.push(LeftOut {
                what: format!("drone {}", d.id),
                reason: format!(
                    "its base {} is over missing terrain (a NoData hole or the DEM's empty edge): it cannot take off there",
                    b.name
                ),
            });
            continue;
        };
        let (takeoff_s, landing_s) = takeoff_landing_s(d, alt_agl_m);
        let usable_s = d.usable_endurance_min() * 60.0;
        if usable_s - takeoff_s - landing_s < MIN_PATROL_S {
            left_out.push(LeftOut {
                what: format!("drone {}", d.id),
                reason: format!(
                    "endurance {:.0} min less reserve {:.0} min leaves under {:.0} s of patrol after take-off and landing",
                    d.endurance_min, d.reserve_min, MIN_PATROL_S
                ),
            });
            continue;
        }
        if usable_s > shift_s {
            left_out.push(LeftOut {
                what: format!("drone {}", d.id),
                reason: format!(
                    "its sorties ({:.0} min) are longer than the shift ({:.0} min): they are cut to the shift",
                    usable_s / 60.0,
                    shift_s / 60.0
                ),
            });
        }
        flyers.push(Flyer {
            drone: d,
            base,
            base_xy: (e.east_m, e.north_m),
            base_ground_m,
            takeoff_s,
            landing_s,
            usable_s,
            swath_m: swath_width_m(&d.camera, alt_agl_m),
            next_free_s: 0.0,
            sorties: Vec::new(),
            notes: Vec::new(),
            stops_over_holes: 0,
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
    Ok(flyers)
}

/// The share of a cell the median flyer's camera strip sees in one pass: what the search
/// counts for a point visit, whichever drone flies it, so that a cell's score is the same for
/// all drones of a wave.
pub(super) fn typical_pass_share(flyers: &[Flyer<'_>], cell_size_m: f64) -> f64 {
    let mut shares: Vec<f64> = flyers
        .iter()
        .map(|f| pass_share(f.swath_m, cell_size_m))
        .collect();
    shares.sort_by(f64::total_cmp);
    shares[shares.len() / 2]
}
