//! The plan summary printed on stdout: per drone its sorties, flight time, distance, battery
//! use and risk patrolled; in total the share of the area's risk patrolled; who watches the
//! risk when the area has towers or alarms; then what was left out and why.

use std::fmt::Write as _;

use super::model::Plan;
use super::request::{format_clock, parse_clock_s};

/// The summary as text.
pub fn summary_text(plan: &Plan) -> String {
    let mut out = String::new();
    let clock0 = parse_clock_s(&plan.shift.start_local).unwrap_or(0.0);
    let _ = writeln!(
        out,
        "Plan for {} — shift {}-{}{}, wind {:.1} m/s from {:.0}°, patrol {:.0} m above ground",
        plan.area_name,
        plan.shift.start_local,
        plan.shift.end_local,
        match (&plan.shift.date, &plan.shift.time_zone) {
            (Some(d), Some(z)) => format!(" on {d} ({z})"),
            _ => String::new(),
        },
        plan.settings.wind_speed_mps,
        plan.settings.wind_from_deg,
        plan.settings.alt_agl_m
    );
    let _ = writeln!(
        out,
        "{:<6} {:>7} {:>10} {:>10} {:>9} {:>8} {:>9}",
        "drone", "sorties", "flight", "distance", "battery", "cells", "risk"
    );
    for d in &plan.drones {
        // `+ 0.0`: an empty f64 sum is -0.0, which prints as "-0" for a drone with no sortie.
        let flight = d.sorties.iter().map(|s| s.flight_time_s).sum::<f64>() + 0.0;
        let dist = d.sorties.iter().map(|s| s.distance_m).sum::<f64>() + 0.0;
        let battery = d.sorties.iter().map(|s| s.battery_used).sum::<f64>() + 0.0;
        let cells: usize = d.sorties.iter().map(|s| s.cells.len()).sum();
        let risk = d.sorties.iter().map(|s| s.risk_patrolled).sum::<f64>() + 0.0;
        let _ = writeln!(
            out,
            "{:<6} {:>7} {:>6.0} min {:>7.1} km {:>6.1} bat {:>8} {:>9.2}",
            d.drone_id,
            d.sorties.len(),
            flight / 60.0,
            dist / 1000.0,
            battery,
            cells,
            risk
        );
        for s in &d.sorties {
            let _ = writeln!(
                out,
                "         {:<7} {}-{}  {:>4.0} min {:>6.1} km  {:>3.0}% battery  {:>4} cells  {:>3} items",
                s.id,
                &format_clock(clock0 + s.start_s)[..5],
                &format_clock(clock0 + s.end_s)[..5],
                s.flight_time_s / 60.0,
                s.distance_m / 1000.0,
                s.battery_used * 100.0,
                s.cells.len(),
                s.mission.items.len()
            );
        }
    }
    let t = &plan.totals;
    let sweeps: usize = plan
        .drones
        .iter()
        .flat_map(|d| &d.sorties)
        .map(|s| s.sweeps)
        .sum();
    if sweeps > 0 {
        let _ = writeln!(out, "Lawn-mower sweeps over high-risk stretches: {sweeps}");
    }
    let _ = writeln!(
        out,
        "Total: {} sorties, {:.1} h flown, {:.0} km; {} cells patrolled; {:.1}% of the area's risk patrolled ({:.1} of {:.1}); risk patrolled counting revisits {:.1}",
        t.sorties,
        t.flight_time_s / 3600.0,
        t.distance_m / 1000.0,
        plan.cells.len(),
        t.share_of_area_risk * 100.0,
        t.risk_covered,
        t.area_risk,
        t.risk_patrolled
    );
    if let Some(w) = &plan.watch {
        let _ = writeln!(
            out,
            "Watch ({} towers, {} infrared alarms; patrol {}): of the area's risk {:.1}% found by towers, {:.1}% by alarms, {:.1}% by the drone patrol, {:.1}% left unwatched",
            w.towers,
            w.ir_alarms,
            if w.weighted {
                "aimed at the blind spots"
            } else {
                "planned as if nothing else watched"
            },
            w.by_towers * 100.0,
            w.by_alarms * 100.0,
            w.by_patrol * 100.0,
            w.unwatched * 100.0
        );
    }
    // How PX4 drones are flown, and what stays ArduPilot-only, said where the pilot plans
    // (docs/real-drones.md).
    let px4: Vec<&str> = plan
        .drones
        .iter()
        .filter(|d| d.firmware == crate::area::fleet::Firmware::Px4)
        .map(|d| d.drone_id.as_str())
        .collect();
    if !px4.is_empty() {
        let _ = writeln!(
            out,
            "PX4 drones ({}): flown with PX4's modes and commands (Mission, Hold, Return; verification flights by DO_REPOSITION), missions at altitudes above mean sea level; terrain-following altitudes are ArduPilot-only",
            px4.join(", ")
        );
    }
    for n in &plan.notes {
        let _ = writeln!(out, "Note: {}: {}", n.what, n.reason);
    }
    for l in &plan.left_out {
        let _ = writeln!(out, "Left out: {}: {}", l.what, l.reason);
    }
    out
}
