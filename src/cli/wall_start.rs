//! When a shift's sorties start. At real time a dated plan runs on the wall clock: its shift
//! time zero is the shift's local start on its date, so a 10:00 sortie starts at 10:00, and
//! one whose start has long passed is not flown. The simulator's accelerated time, a plan
//! without a date (made before plans had one) and `--start-now` count from now instead.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use patrol_planner::plan::model::Plan;
use patrol_planner::plan::wall_clock::{local_time, retimed, shift_start_unix_s};
use patrol_telemetry::fly::sorties::WINDOW_PASSED_S;
use patrol_telemetry::shift::render::hms;

/// The plan as it will be flown (times from now) and a line saying how it is timed.
pub(crate) fn timed_plan(
    plan: &Plan,
    speedup: f64,
    start_now: bool,
) -> anyhow::Result<(Plan, String)> {
    if speedup > 1.0 {
        return Ok((
            plan.clone(),
            format!("simulated time at {speedup}x: the shift starts now"),
        ));
    }
    if start_now {
        return Ok((
            plan.clone(),
            "--start-now: the plan's times count from now".into(),
        ));
    }
    let Some(t0) = shift_start_unix_s(&plan.shift) else {
        return Ok((
            plan.clone(),
            "the plan has no date and time zone (made by an older patrol plan): its times count from now; plan again to fly on the wall clock".into(),
        ));
    };
    let t0 = t0.context("the plan's shift date or time zone")? as f64;
    let zone = plan.shift.time_zone.as_deref().unwrap_or("UTC");
    let date = plan.shift.date.as_deref().unwrap_or("?");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let end = t0 + plan.shift.duration_s;
    if now >= end {
        anyhow::bail!(
            "the shift {date} {}-{} ({zone}) ended at {}: plan today's shift (patrol plan --date), or fly this plan from now with --start-now",
            plan.shift.start_local,
            plan.shift.end_local,
            local_time(end as i64, zone)
        );
    }
    let plan = retimed(plan, t0 - now);
    let first = plan
        .drones
        .iter()
        .flat_map(|d| &d.sorties)
        .filter(|s| s.start_s >= -WINDOW_PASSED_S)
        .min_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let when = |s: f64| {
        if s >= 0.0 {
            format!("in {}", hms(s))
        } else {
            format!("{} ago", hms(-s))
        }
    };
    let note = format!(
        "shift {date} {}-{} ({zone}) on the wall clock: it starts at {} ({}); {}",
        plan.shift.start_local,
        plan.shift.end_local,
        local_time(t0 as i64, zone),
        when(t0 - now),
        match first {
            Some(s) => format!(
                "the first sortie, {}, at {} ({})",
                s.id,
                local_time((now + s.start_s) as i64, zone),
                when(s.start_s)
            ),
            None => "no sortie's window is still open".into(),
        }
    );
    Ok((plan, note))
}
