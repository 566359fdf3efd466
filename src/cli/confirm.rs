//! The person's yes before `patrol fly` arms real vehicles: what will fly, when and from
//! where, then an explicit "yes" (or `--yes` for scripted use). Only the simulator keeps
//! accelerated time, so a run at real time, or over a serial port, is taken to reach real
//! aircraft.

use std::io::{BufRead, IsTerminal, Write};

use patrol_planner::plan::model::Plan;
use patrol_telemetry::fly::sorties::WINDOW_PASSED_S;
use patrol_telemetry::mav::endpoint::Endpoint;
use patrol_telemetry::shift::render::hms;

/// Whether the links may reach real vehicles: a serial port, or any link at real time.
pub(crate) fn may_reach_real_vehicles(endpoints: &[Endpoint], speedup: f64) -> bool {
    speedup <= 1.0
        || endpoints
            .iter()
            .any(|e| matches!(e, Endpoint::Serial { .. }))
}

/// What will fly: per drone, its sorties with their times from now and their base.
pub(crate) fn flight_summary(plan: &Plan, only: &[u8], max_sorties: Option<usize>) -> String {
    let mut out = String::new();
    let mut count = 0;
    for d in &plan.drones {
        if !only.is_empty() && !only.contains(&d.system_id) {
            continue;
        }
        let sorties: Vec<String> = d
            .sorties
            .iter()
            .take(max_sorties.unwrap_or(usize::MAX))
            .map(|s| {
                if s.start_s < -WINDOW_PASSED_S {
                    return format!("{} (its window has passed: not flown)", s.id);
                }
                count += 1;
                format!(
                    "{} from {} in {} for {:.0} min",
                    s.id,
                    s.base,
                    hms(s.start_s.max(0.0)),
                    s.flight_time_s / 60.0
                )
            })
            .collect();
        out.push_str(&format!(
            "  {} (system {}): {}\n",
            d.drone_id,
            d.system_id,
            sorties.join("; ")
        ));
    }
    format!(
        "{count} sortie(s) of {} (shift {}-{}); times from now:\n{out}",
        plan.area_name, plan.shift.start_local, plan.shift.end_local
    )
}

/// Asks for the yes; who confirmed, for the log. `yes` is `--yes`.
pub(crate) fn confirm_arming(
    plan: &Plan,
    only: &[u8],
    max_sorties: Option<usize>,
    endpoints: &[Endpoint],
    yes: bool,
) -> anyhow::Result<String> {
    let links: Vec<String> = endpoints.iter().map(ToString::to_string).collect();
    println!(
        "About to arm and fly vehicles on {}: {}",
        links.join(", "),
        flight_summary(plan, only, max_sorties)
    );
    if yes {
        println!("Confirmed by --yes.");
        return Ok("--yes (scripted)".into());
    }
    print!(
        "Each vehicle will be armed and its mission started at its sortie's time. Type yes to fly: "
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let read = std::io::stdin().lock().read_line(&mut answer)?;
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "the operator".into());
    match answer.trim() {
        "yes" => {
            let place = if std::io::stdin().is_terminal() {
                "at the terminal"
            } else {
                "on standard input"
            };
            Ok(format!("{who} {place}"))
        }
        _ if read == 0 => anyhow::bail!(
            "no one confirmed: patrol fly arms real vehicles only after a typed yes (run it in a terminal), or with --yes for scripted use; nothing was uploaded or armed"
        ),
        other => anyhow::bail!(
            "not confirmed (answered '{other}', not 'yes'); nothing was uploaded or armed"
        ),
    }
}
