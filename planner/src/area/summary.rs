//! The at-a-glance summary `patrol area check` prints: extent, resolution, elevation range,
//! cells per danger class, bases, drones and no-fly area.

use std::fmt::Write as _;

use super::Area;
use super::fleet::{Airframe, Firmware};
use crate::risk::class::DangerClass;

/// Renders the summary of a loaded area as plain text, one fact per line.
pub fn summary_text(area: &Area) -> String {
    let mut out = String::new();
    let t = &area.terrain;
    let e = t.extent();
    let (res_x, res_y) = t.resolution_m();
    let (lo, hi) = t.elevation_range_m();
    let width_km = (e.east_deg - e.west_deg)
        * crate::terrain::metres_per_degree(e.center().lat_deg).0
        / 1000.0;
    let height_km = (e.north_deg - e.south_deg)
        * crate::terrain::metres_per_degree(e.center().lat_deg).1
        / 1000.0;
    let _ = writeln!(out, "Area        {} ({})", area.name(), area.dir.display());
    let _ = writeln!(
        out,
        "Extent      lon {:.5} to {:.5}, lat {:.5} to {:.5} ({:.1} x {:.1} km)",
        e.west_deg, e.east_deg, e.south_deg, e.north_deg, width_km, height_km
    );
    let r = t.raster();
    let _ = writeln!(
        out,
        "Terrain     {} x {} px, {:.0} x {:.0} m per pixel, {}",
        r.width,
        r.height,
        res_x,
        res_y,
        t.crs()
    );
    let _ = writeln!(out, "Elevation   {lo:.0} to {hi:.0} m above sea level");
    let (holes, edge_fill) = t.holes();
    if holes > 0 {
        let _ = writeln!(
            out,
            "Holes       {:.1} % of the DEM has no elevation ({holes} samples{}): no cell, leg or base over them is planned",
            100.0 * holes as f64 / r.data.len().max(1) as f64,
            if edge_fill > 0 {
                format!(
                    ", {edge_fill} of them 0 m along its edges: a reprojection's fill without a NoData value, taken as no data"
                )
            } else {
                String::new()
            }
        );
    }
    match &area.risk {
        Some(risk) => {
            let g = risk.grid();
            let counts = risk.class_counts();
            let total: usize = counts.iter().sum();
            let _ = writeln!(
                out,
                "Risk cells  {} cells of {:.0} m ({} over terrain without risk data)",
                total,
                g.size_m,
                risk.cells_without_risk()
            );
            if let Some(off) = risk.rows_off_terrain() {
                let _ = writeln!(
                    out,
                    "Risk rows   {} rows of the risk table fall outside the terrain and are not used, the first at line {} (lon {}, lat {})",
                    off.rows, off.first_line, off.lon_deg, off.lat_deg
                );
            }
            for (class, n) in DangerClass::ALL.iter().zip(counts) {
                let pct = if total > 0 {
                    100.0 * n as f64 / total as f64
                } else {
                    0.0
                };
                let bar = "#".repeat((pct / 2.5).round() as usize);
                let _ = writeln!(
                    out,
                    "  class {:<14} {:>6} cells {:>5.1}%  {}",
                    class.to_string(),
                    n,
                    pct,
                    bar
                );
            }
        }
        None => {
            let _ = writeln!(
                out,
                "Risk cells  none: the area has no [risk] layer ({})",
                area.no_risk_hint()
            );
        }
    }
    let forest = match &area.forest {
        Some(super::forest::ForestMask::Polygons(mp)) => format!("{} polygons", mp.0.len()),
        Some(super::forest::ForestMask::Raster(r)) => {
            format!("raster {} x {} px", r.width, r.height)
        }
        None => "none (all land counts as fuel)".to_string(),
    };
    let _ = writeln!(out, "Forest      {forest}");
    if !area.access.is_empty() {
        let parts: Vec<String> = area
            .access
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    a.layer.features.len(),
                    a.kind.key().replace('_', " ")
                )
            })
            .collect();
        let _ = writeln!(out, "Access      {}", parts.join(", "));
    }
    if !area.towers.is_empty() || !area.ir_alarms.is_empty() {
        let _ = writeln!(
            out,
            "Watch       {} towers, {} infrared alarms",
            area.towers.len(),
            area.ir_alarms.len()
        );
        if let (Some(risk), Some(cov)) = (
            &area.risk,
            crate::watch::coverage::WatchCoverage::of_area(area),
        ) {
            let _ = write!(
                out,
                "{}",
                watch_lines(&cov.shares(risk), cov.settings.smoke_column_m)
            );
        }
    }
    let _ = writeln!(out, "Bases       {}", area.bases.len());
    for b in &area.bases {
        let elev = t.elevation_amsl_m(b.lat_deg, b.lon_deg).unwrap_or(f64::NAN);
        let n = area
            .fleet
            .drones
            .iter()
            .filter(|d| d.home_base == b.name)
            .count();
        let _ = writeln!(
            out,
            "  {:<18} {:.5}, {:.5}  {:>5.0} m  {} drone{}",
            b.name,
            b.lat_deg,
            b.lon_deg,
            elev,
            n,
            if n == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(out, "Drones      {}", area.fleet.drones.len());
    for d in &area.fleet.drones {
        let airframe = match d.airframe {
            Airframe::Multirotor => "multirotor",
            Airframe::FixedWing => "fixed-wing",
            Airframe::Vtol => "VTOL",
        };
        let firmware = match d.autopilot.firmware {
            Firmware::Ardupilot => "ArduPilot",
            Firmware::Px4 => "PX4",
        };
        let _ = writeln!(
            out,
            "  {:<6} sysid {:>3}  {:<10} {:>4.0} m/s  {:>4.0}+{:.0} min  {:<9} {:<7} {:.0}° from {}",
            d.id,
            d.system_id,
            airframe,
            d.cruise_speed_mps,
            d.usable_endurance_min(),
            d.reserve_min,
            firmware,
            format!("{:?}", d.camera.kind).to_lowercase(),
            d.camera.gimbal_pitch_deg,
            d.home_base
        );
    }
    // An empty sum is -0.0: printed as 0.
    let no_fly_km2: f64 = area.no_fly.iter().map(|z| z.area_m2()).sum::<f64>() / 1e6 + 0.0;
    let _ = writeln!(
        out,
        "No-fly      {} zones, {:.2} km²",
        area.no_fly.len(),
        no_fly_km2
    );
    for z in &area.no_fly {
        let ceiling = z.ceiling_amsl_m.map_or("all altitudes".to_string(), |c| {
            format!("below {c:.0} m AMSL")
        });
        let _ = writeln!(
            out,
            "  {:<28} {:>7.2} km²  {}",
            z.name,
            z.area_m2() / 1e6,
            ceiling
        );
    }
    out
}

/// The shares of the risk each part of the watch covers, as `patrol area check` and
/// `patrol plan` print them.
pub fn watch_lines(s: &crate::watch::coverage::WatchShares, column_m: f64) -> String {
    [
        (
            format!("risk seen by a tower ({column_m:.0} m smoke column)"),
            s.towers,
        ),
        ("risk seen by two towers or more".to_string(), s.two_towers),
        (
            "risk within an infrared alarm's radius".to_string(),
            s.alarms,
        ),
        ("risk in blind spots (neither)".to_string(), s.blind),
        (
            "expected risk nothing else would find".to_string(),
            s.unwatched,
        ),
    ]
    .iter()
    .map(|(label, v)| format!("  {label:<42} {:>5.1}%\n", v * 100.0))
    .collect()
}
