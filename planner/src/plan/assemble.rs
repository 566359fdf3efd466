//! The finished [`Plan`]: the flyers' sorties, the cells they visit (renumbered, with their
//! visits in time order), the totals a pilot compares plans by, and what was left out; with
//! the shift, settings, bases and no-fly zones, so that the plan file stands on its own.

use super::cell_visits::CellState;
use super::flyers::Flyer;
use super::model::{
    DronePlan, LeftOut, PLAN_FORMAT_VERSION, Plan, PlanSettings, PlanTotals, PlanWatch,
    PlannedBase, PlannedCell, PlannedZone, Shift, Sortie,
};
use super::resolve::ResolvedRequest;
use crate::area::Area;
use crate::risk::cells::RiskMap;
use crate::watch::coverage::WatchCoverage;

/// Assembles the plan from the flown shift. Only visited cells go into the plan, so that a
/// plan file holds what is flown rather than the whole risk map; the sorties refer to them
/// by their new index.
pub(super) fn assemble(
    area: &Area,
    req: &ResolvedRequest<'_>,
    risk: &RiskMap,
    flyers: Vec<Flyer<'_>>,
    state: Vec<CellState>,
    left_out: Vec<LeftOut>,
    watch: Option<&WatchCoverage>,
) -> Plan {
    let cells = risk.cells();
    let plan_watch = watch.map(|w| {
        let total = risk.total_risk().max(f64::MIN_POSITIVE);
        let mut shares = [0.0; 4];
        for ((c, cw), st) in cells.iter().zip(&w.cells).zip(&state) {
            let towers = 1.0 - cw.p_towers_miss;
            let alarms = cw.p_towers_miss * (1.0 - cw.p_alarms_miss);
            let patrol = cw.p_unwatched * st.best_share;
            let nobody = cw.p_unwatched * (1.0 - st.best_share);
            for (s, v) in shares.iter_mut().zip([towers, alarms, patrol, nobody]) {
                *s += c.risk * v / total;
            }
        }
        PlanWatch {
            towers: area.towers.len(),
            ir_alarms: area.ir_alarms.len(),
            weighted: req.use_watch && w.settings.blind_spot_weight > 0.0,
            by_towers: shares[0],
            by_alarms: shares[1],
            by_patrol: shares[2],
            unwatched: shares[3],
        }
    });
    // Plan cells: those visited, renumbered; sorties refer to them by the new index.
    let mut index = vec![usize::MAX; cells.len()];
    let mut planned = Vec::new();
    for (ci, st) in state.iter().enumerate() {
        if st.visits.is_empty() {
            continue;
        }
        index[ci] = planned.len();
        let mut visits = st.visits.clone();
        visits.sort_by(|a, b| a.0.total_cmp(&b.0));
        planned.push(PlannedCell {
            lat_deg: cells[ci].lat_deg,
            lon_deg: cells[ci].lon_deg,
            size_m: risk.grid().size_m,
            risk: cells[ci].risk,
            class: cells[ci].class.level(),
            visits_s: visits.iter().map(|v| v.0).collect(),
            visited_by: visits.into_iter().map(|v| v.1).collect(),
        });
    }
    let risk_covered: f64 = state
        .iter()
        .zip(cells)
        .map(|(s, c)| c.risk * s.best_share)
        .sum();
    let area_risk = risk.total_risk();
    let notes: Vec<LeftOut> = flyers.iter().flat_map(|f| f.notes.clone()).collect();
    let drones: Vec<DronePlan> = flyers
        .into_iter()
        .map(|f| DronePlan {
            drone_id: f.drone.id.clone(),
            system_id: f.drone.system_id,
            firmware: f.drone.autopilot.firmware,
            home_base: f.drone.home_base.clone(),
            sorties: f
                .sorties
                .into_iter()
                .map(|mut s| {
                    s.cells = s.cells.iter().map(|&ci| index[ci]).collect();
                    s
                })
                .collect(),
        })
        .collect();
    let all: Vec<&Sortie> = drones.iter().flat_map(|d| &d.sorties).collect();
    let totals = PlanTotals {
        area_risk,
        risk_covered,
        share_of_area_risk: if area_risk > 0.0 {
            risk_covered / area_risk
        } else {
            0.0
        },
        risk_patrolled: all.iter().map(|s| s.risk_patrolled).sum(),
        sorties: all.len(),
        flight_time_s: all.iter().map(|s| s.flight_time_s).sum(),
        distance_m: all.iter().map(|s| s.distance_m).sum(),
    };
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        generator: format!("forest-patrol {}", env!("CARGO_PKG_VERSION")),
        area_name: area.name().to_string(),
        area_dir: area.dir.display().to_string(),
        shift: Shift {
            start_local: req.shift_start_local.clone(),
            end_local: req.shift_end_local.clone(),
            duration_s: req.shift_s(),
            date: req.date.clone(),
            time_zone: req.time_zone.clone(),
        },
        settings: PlanSettings {
            alt_agl_m: req.heights.alt_agl_m,
            ceiling_agl_m: req.heights.ceiling_agl_m,
            min_agl_m: req.heights.min_agl_m,
            wind_from_deg: req.wind.from_deg,
            wind_speed_mps: req.wind.speed_mps,
            side_overlap: req.side_overlap,
            time_limit_s: req.time_limit_s,
            seed: req.seed,
        },
        bases: area
            .bases
            .iter()
            .map(|b| PlannedBase {
                name: b.name.clone(),
                lat_deg: b.lat_deg,
                lon_deg: b.lon_deg,
                alt_amsl_m: area
                    .terrain
                    .elevation_amsl_m(b.lat_deg, b.lon_deg)
                    .unwrap_or(0.0),
            })
            .collect(),
        no_fly: area
            .no_fly
            .iter()
            .map(|z| PlannedZone {
                name: z.name.clone(),
                ceiling_amsl_m: z.ceiling_amsl_m,
                polygon: z
                    .outline()
                    .exterior()
                    .0
                    .iter()
                    .map(|c| [c.x, c.y])
                    .collect(),
            })
            .collect(),
        drones,
        cells: planned,
        left_out,
        notes,
        totals,
        watch: plan_watch,
    }
}
