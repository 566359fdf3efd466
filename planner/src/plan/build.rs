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
//!
//! The steps, each in its own file: the request is resolved ([`super::resolve`]), the drones
//! that can fly are set up (`flyers`), the cells in reach and the sweeps chosen (`targets`),
//! the waves flown (`waves`, `wave_problem`, `timed_route`, `sortie_record`), the revisit
//! intervals missed reported (`cell_visits`) and the plan assembled (`assemble`).

use super::assemble::assemble;
use super::cell_visits::{CellState, late_revisits};
use super::error::PlanError;
use super::flyers::{flyers_for_shift, typical_pass_share};
use super::model::LeftOut;
use super::model::Plan;
use super::request::PlanRequest;
use super::targets::{cells_in_reach, sweeps_for_fleet};
use super::waves::{PatrolScope, fly_waves};
use super::zones::Obstacles;
use crate::area::Area;
use crate::risk::cells::RiskMap;
use crate::route::instance::Instance;
use crate::watch::coverage::WatchCoverage;

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
    first_wave: Option<&mut Option<Instance>>,
) -> Result<Plan, PlanError> {
    let req = req.resolve(&area.fleet)?;
    let risk = risk_layer(area)?;
    // What cannot be flown or patrolled, in the order it is found: drones, cells, intervals.
    let mut left_out = Vec::new();
    let obstacles = Obstacles::new(&area.terrain, &area.no_fly, req.heights.alt_agl_m);
    let mut flyers = flyers_for_shift(area, &req, &mut left_out)?;
    let candidates = cells_in_reach(risk, &flyers, &obstacles, &req, &mut left_out)?;
    let sweeps = sweeps_for_fleet(risk, &candidates, &flyers, &req);
    // The towers' and alarms' watch: what they see is worth less to the drones (unless the
    // request turns that off; the plan still says who watches what).
    let watch = WatchCoverage::of_area(area);
    let weights = match &watch {
        Some(w) if req.use_watch => w.planning_weights(),
        _ => vec![1.0; risk.cells().len()],
    };
    let scope = PatrolScope {
        area,
        risk,
        req: &req,
        obstacles: &obstacles,
        candidates: &candidates,
        sweeps: &sweeps,
        typical_share: typical_pass_share(&flyers, risk.grid().size_m),
        weights: &weights,
    };
    let mut state: Vec<CellState> = risk
        .cells()
        .iter()
        .map(|_| CellState::unvisited())
        .collect();
    fly_waves(&scope, &mut flyers, &mut state, first_wave)?;
    let over_holes: usize = flyers.iter().map(|f| f.stops_over_holes).sum();
    if over_holes > 0 {
        left_out.push(LeftOut {
            what: format!("{over_holes} stops of routes"),
            reason: "a leg to or from them crosses missing terrain (a NoData hole or the DEM's empty edge), where no height above the ground can be kept: taken out of the sorties that would have flown over it".into(),
        });
    }
    left_out.extend(late_revisits(risk.cells(), &candidates, &state, &req));
    Ok(assemble(
        area,
        &req,
        risk,
        flyers,
        state,
        left_out,
        watch.as_ref(),
    ))
}

/// The area's risk cells: planning patrols them, so an area without them cannot be planned.
fn risk_layer(area: &Area) -> Result<&RiskMap, PlanError> {
    area.risk.as_ref().ok_or_else(|| {
        PlanError::Area(format!(
            "{}: the area has no [risk] layer: {}",
            area.dir.join("area.toml").display(),
            area.no_risk_hint()
        ))
    })
}
