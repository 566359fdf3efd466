//! The whole plan as one KML 2.2 document for Google Earth.
//!
//! - A folder per drone, with one 3D line per sortie (`altitudeMode` absolute, the planned path
//!   at its altitudes above mean sea level), in the drone's colour from [`DRONE_COLOURS`].
//! - "Patrolled cells": each cell's square, coloured by danger class, with its risk and visits.
//! - "No-fly zones": red polygons. "Bases": points.
//!
//! KML coordinates are `lon,lat[,alt]`; colours are `aabbggrr` hexadecimal.

use std::fmt::Write as _;
use std::path::Path;

use crate::area::fleet::Firmware;
use crate::export::cell_square::cell_ring;
use crate::export::clock::ShiftClock;
use crate::export::{ExportError, write_file};
use crate::plan::model::{Plan, PlannedBase, PlannedCell, PlannedZone, Sortie};

/// Line colours of the drones, in the order of [`Plan::drones`] (repeating after ten), as
/// `RRGGBB`: ten colours told apart easily on satellite imagery.
pub const DRONE_COLOURS: [&str; 10] = [
    "e6194b", "3cb44b", "4363d8", "f58231", "911eb4", "42d4f4", "f032e6", "bfef45", "9a6324",
    "ffffff",
];

/// Fill colours of danger classes 1 to 5 (green, blue, yellow, orange, red) as `RRGGBB`.
pub const CLASS_COLOURS: [&str; 5] = ["00c000", "0060ff", "ffff00", "ff8c00", "ff0000"];

/// Opacity of cell fills, 0..=255: see-through enough to show the ground.
const CELL_FILL_ALPHA: u8 = 0x70;

/// The KML document of `plan`.
pub fn kml_document(plan: &Plan) -> String {
    let clock = ShiftClock::new(&plan.shift.start_local);
    let mut k = String::new();
    k.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n",
        "<Document>\n",
    ));
    element(&mut k, "name", &format!("{} patrol plan", plan.area_name));
    element(
        &mut k,
        "description",
        &format!(
            "Shift {}-{} local; {} sorties; written by {}",
            plan.shift.start_local, plan.shift.end_local, plan.totals.sorties, plan.generator
        ),
    );
    styles(&mut k, plan.drones.len());

    for (d, drone) in plan.drones.iter().enumerate() {
        k.push_str("<Folder>\n");
        element(&mut k, "name", &drone.drone_id);
        element(
            &mut k,
            "description",
            &format!(
                "system id {}, {}, base {}",
                drone.system_id,
                firmware_name(drone.firmware),
                drone.home_base
            ),
        );
        for sortie in &drone.sorties {
            sortie_placemark(&mut k, sortie, &drone_style(d), &clock);
        }
        k.push_str("</Folder>\n");
    }

    k.push_str("<Folder>\n");
    element(&mut k, "name", "Patrolled cells");
    for (i, cell) in plan.cells.iter().enumerate() {
        cell_placemark(&mut k, i, cell, &clock);
    }
    k.push_str("</Folder>\n");

    k.push_str("<Folder>\n");
    element(&mut k, "name", "No-fly zones");
    for zone in &plan.no_fly {
        zone_placemark(&mut k, zone);
    }
    k.push_str("</Folder>\n");

    k.push_str("<Folder>\n");
    element(&mut k, "name", "Bases");
    for base in &plan.bases {
        base_placemark(&mut k, base);
    }
    k.push_str("</Folder>\n");

    k.push_str("</Document>\n</kml>\n");
    k
}

/// Writes [`kml_document`] to `path`.
pub fn write_kml(plan: &Plan, path: &Path) -> Result<(), ExportError> {
    write_file(path, kml_document(plan).as_bytes())
}

/// The firmware's name as its project writes it.
fn firmware_name(firmware: Firmware) -> &'static str {
    match firmware {
        Firmware::Ardupilot => "ArduPilot",
        Firmware::Px4 => "PX4",
    }
}

/// The style id of the drone at `index` in [`Plan::drones`].
fn drone_style(index: usize) -> String {
    format!("drone-{}", index % DRONE_COLOURS.len())
}

/// `RRGGBB` and an opacity as KML's `aabbggrr`.
fn kml_colour(rgb: &str, alpha: u8) -> String {
    let (r, g, b) = (&rgb[0..2], &rgb[2..4], &rgb[4..6]);
    format!("{alpha:02x}{b}{g}{r}")
}

/// Shared styles: one per drone colour in use, one per danger class, no-fly zones and bases.
fn styles(k: &mut String, drones: usize) {
    for (i, rgb) in DRONE_COLOURS.iter().enumerate().take(drones) {
        let _ = writeln!(
            k,
            "<Style id=\"{}\"><LineStyle><color>{}</color><width>3</width></LineStyle></Style>",
            drone_style(i),
            kml_colour(rgb, 0xff)
        );
    }
    for (i, rgb) in CLASS_COLOURS.iter().enumerate() {
        let _ = writeln!(
            k,
            "<Style id=\"class-{}\"><LineStyle><color>{}</color><width>1</width></LineStyle>\
             <PolyStyle><color>{}</color></PolyStyle></Style>",
            i + 1,
            kml_colour(rgb, 0xff),
            kml_colour(rgb, CELL_FILL_ALPHA)
        );
    }
    let _ = writeln!(
        k,
        "<Style id=\"no-fly\"><LineStyle><color>{}</color><width>2</width></LineStyle>\
         <PolyStyle><color>{}</color></PolyStyle></Style>",
        kml_colour("ff0000", 0xff),
        kml_colour("ff0000", 0x60)
    );
    k.push_str("<Style id=\"base\"><IconStyle><scale>1.2</scale></IconStyle></Style>\n");
}

/// A sortie's flown path as a 3D line.
fn sortie_placemark(k: &mut String, sortie: &Sortie, style: &str, clock: &ShiftClock) {
    k.push_str("<Placemark>\n");
    element(k, "name", &sortie.id);
    element(
        k,
        "description",
        &format!(
            "{} to {}, from {}; {:.1} km, {:.0} min, battery {:.0} %, cells {}, risk {:.3}",
            clock.format(sortie.start_s),
            clock.format(sortie.end_s),
            sortie.base,
            sortie.distance_m / 1000.0,
            sortie.flight_time_s / 60.0,
            sortie.battery_used * 100.0,
            sortie.cells.len(),
            sortie.risk_patrolled
        ),
    );
    element(k, "styleUrl", &format!("#{style}"));
    k.push_str("<LineString><altitudeMode>absolute</altitudeMode><coordinates>");
    for (i, p) in sortie.path.iter().enumerate() {
        if i > 0 {
            k.push(' ');
        }
        let _ = write!(k, "{:.8},{:.8},{:.2}", p.lon_deg, p.lat_deg, p.alt_amsl_m);
    }
    k.push_str("</coordinates></LineString>\n</Placemark>\n");
}

/// A patrolled cell's square, coloured by its class.
fn cell_placemark(k: &mut String, index: usize, cell: &PlannedCell, clock: &ShiftClock) {
    k.push_str("<Placemark>\n");
    element(k, "name", &format!("Cell {}", index + 1));
    let visits: Vec<String> = cell
        .visits_s
        .iter()
        .enumerate()
        .map(|(i, &t)| match cell.visited_by.get(i) {
            Some(by) => format!("{} ({by})", clock.format(t)),
            None => clock.format(t),
        })
        .collect();
    element(
        k,
        "description",
        &format!(
            "Risk {:.3}, danger class {}. Visits: {}",
            cell.risk,
            cell.class,
            if visits.is_empty() {
                "none".to_string()
            } else {
                visits.join(", ")
            }
        ),
    );
    element(k, "styleUrl", &format!("#class-{}", cell.class.clamp(1, 5)));
    polygon(k, &cell_ring(cell));
    k.push_str("</Placemark>\n");
}

/// A no-fly zone's polygon.
fn zone_placemark(k: &mut String, zone: &PlannedZone) {
    k.push_str("<Placemark>\n");
    element(k, "name", &zone.name);
    let ceiling = match zone.ceiling_amsl_m {
        Some(c) => format!("No flight below {c:.0} m above mean sea level"),
        None => "No flight at any height".to_string(),
    };
    element(k, "description", &ceiling);
    element(k, "styleUrl", "#no-fly");
    let mut ring = zone.polygon.clone();
    if ring.len() > 1 && ring.first() != ring.last() {
        ring.push(ring[0]);
    }
    polygon(k, &ring);
    k.push_str("</Placemark>\n");
}

/// A base as a point on the ground.
fn base_placemark(k: &mut String, base: &PlannedBase) {
    k.push_str("<Placemark>\n");
    element(k, "name", &base.name);
    element(
        k,
        "description",
        &format!("Ground {:.0} m above mean sea level", base.alt_amsl_m),
    );
    element(k, "styleUrl", "#base");
    let _ = writeln!(
        k,
        "<Point><coordinates>{:.8},{:.8}</coordinates></Point>",
        base.lon_deg, base.lat_deg
    );
    k.push_str("</Placemark>\n");
}

/// A ground-clamped polygon of a closed `[lon, lat]` ring.
fn polygon(k: &mut String, ring: &[[f64; 2]]) {
    k.push_str("<Polygon><outerBoundaryIs><LinearRing><coordinates>");
    for (i, [lon, lat]) in ring.iter().enumerate() {
        if i > 0 {
            k.push(' ');
        }
        let _ = write!(k, "{lon:.8},{lat:.8}");
    }
    k.push_str("</coordinates></LinearRing></outerBoundaryIs></Polygon>\n");
}

/// Appends `<name>text</name>` with the text escaped.
fn element(k: &mut String, name: &str, text: &str) {
    let _ = writeln!(k, "<{name}>{}</{name}>", escape_xml(text));
}

/// `text` made safe as XML character data or attribute value: markup characters become
/// entities, and characters XML 1.0 forbids (control characters other than tab, newline and
/// carriage return) are dropped.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(
            escape_xml("A&B <c> \"d\" 'e'\u{1}\tf"),
            "A&amp;B &lt;c&gt; &quot;d&quot; &apos;e&apos;\tf"
        );
    }

    #[test]
    fn colours_are_written_alpha_blue_green_red() {
        assert_eq!(kml_colour("ff8000", 0x70), "700080ff");
    }
}
