//! What the shift has done to each risk cell ([`CellState`]): its visits, the share of it
//! waiting to be seen again, and at the end, the revisit intervals the fleet could not keep.
//!
//! A visit sees the camera strip's share of a cell (a sweep sees it whole), and what was seen
//! recovers at one whole cell per revisit interval of its class (per shift for classes
//! without one): a cell seen an hour ago is worth patrolling again, one just seen is not.

use super::model::LeftOut;
use super::resolve::ResolvedRequest;
use crate::risk::cells::RiskCell;

/// One cell over the shift so far.
pub(super) struct CellState {
    /// Its last visit, seconds from the shift's start; `None` before the first.
    pub last_visit_s: Option<f64>,
    /// Share of the cell unseen just after its last visit (a strip leaves the rest).
    pub unseen_after_visit: f64,
    /// Its visits: when (seconds from the shift's start) and by which sortie, in the order
    /// they were planned (sorted when the plan is assembled).
    pub visits: Vec<(f64, String)>,
    /// Largest share of it seen by one visit.
    pub best_share: f64,
}

impl CellState {
    /// A cell not yet visited: all of it waiting.
    pub fn unvisited() -> CellState {
        CellState {
            last_visit_s: None,
            unseen_after_visit: 1.0,
            visits: Vec::new(),
            best_share: 0.0,
        }
    }
}

/// Share (0..1) of a cell's value waiting to be patrolled at `now_s`: what its last visit
/// left unseen, plus what has recovered since at one whole cell per revisit interval of its
/// class (or per shift, for classes without one). All of it before the first visit.
pub(super) fn available(
    state: &CellState,
    now_s: f64,
    interval_s: Option<f64>,
    shift_s: f64,
) -> f64 {
    match state.last_visit_s {
        None => 1.0,
        Some(last) => (state.unseen_after_visit
            + (now_s - last).max(0.0) / interval_s.unwrap_or(shift_s))
        .min(1.0),
    }
}

/// The revisit intervals of classes 5, 4 and 3 that the plan does not keep: per class, how
/// many of the `candidates` cells go longer than their interval without a visit (from the
/// shift's start to its end, a second's slack). A pilot must know that the fleet cannot keep
/// up, rather than read the plan as keeping every interval.
pub(super) fn late_revisits(
    cells: &[RiskCell],
    candidates: &[usize],
    state: &[CellState],
    req: &ResolvedRequest<'_>,
) -> Vec<LeftOut> {
    let shift_s = req.shift_s();
    let mut late_classes = Vec::new();
    for class in (3..=5u8).rev() {
        let Some(iv) = req.revisit_interval_s(class) else {
            continue;
        };
        let (mut late, mut total) = (0usize, 0usize);
        for &ci in candidates {
            if cells[ci].class.level() != class {
                continue;
            }
            total += 1;
            let mut times: Vec<f64> = state[ci].visits.iter().map(|v| v.0).collect();
            times.sort_by(f64::total_cmp);
            let mut prev = 0.0;
            let mut ok = true;
            for t in times.iter().chain(std::iter::once(&shift_s)) {
                if t - prev > iv + 1.0 {
                    ok = false;
                }
                prev = *t;
            }
            if !ok {
                late += 1;
            }
        }
        if late > 0 {
            late_classes.push(LeftOut {
                what: format!("{late} of {total} class-{class} cells"),
                reason: format!(
                    "go longer than the {:.0}-minute revisit interval without a visit: the fleet cannot keep up",
                    iv / 60.0
                ),
            });
        }
    }
    late_classes
}
