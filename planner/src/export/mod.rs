//! Exporting a [`Plan`] to the files pilots, ground stations and GIS tools open.
//!
//! [`write_all`] writes one directory:
//!
//! | file | for | written by |
//! | --- | --- | --- |
//! | `<sortie>.plan` | QGroundControl (mission, no-fly fence, bases as rally points) | [`qgc_plan`] |
//! | `<sortie>.waypoints` | Mission Planner, MAVProxy, pymavlink (`QGC WPL 110`) | [`waypoints`] |
//! | `plan.kml` | Google Earth: routes in 3D, patrolled cells, no-fly zones, bases | [`kml`] |
//! | `routes.geojson`, `cells.geojson` | QGIS, GDAL | [`geojson`] |
//! | `plan.json` | forest-patrol itself (telemetry, viewer); read back with [`read_plan_json`] | here |
//! | `summary.csv` | a spreadsheet: one row per sortie | [`summary_csv`] |
//!
//! Each module has a pure function building the file's content (testable without a disk)
//! and a `write_*` function. Every error is an [`ExportError`] naming the file.
//! Clock times of the shift are formatted by [`clock::ShiftClock`]; cell squares come from
//! [`cell_square::cell_ring`].

pub mod cell_square;
pub mod clock;
pub mod geojson;
pub mod kml;
pub mod qgc_plan;
pub mod summary_csv;
pub mod vehicle_lists;
pub mod waypoints;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::area::fleet::Firmware;
use crate::plan::model::{Mission, MissionItem, PLAN_FORMAT_VERSION, Plan, cmd};

/// Why a plan could not be exported or read back.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file or directory could not be created, written or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// JSON could not be written, or a JSON file does not parse as a plan (the message carries
    /// line and column).
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The serializer's or parser's error.
        source: serde_json::Error,
    },
    /// A CSV file could not be written.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The CSV writer's error.
        source: csv::Error,
    },
    /// `plan.json` was written by another layout version of forest-patrol.
    #[error(
        "{}: format_version {found} is not supported: this version of forest-patrol reads \
         format_version {expected} only; plan again with this version",
        path.display()
    )]
    FormatVersion {
        /// The file.
        path: PathBuf,
        /// The version found in the file.
        found: u64,
        /// The only version this build reads ([`PLAN_FORMAT_VERSION`]).
        expected: u32,
    },
    /// Two sorties would be written to the same file.
    #[error("{}: sorties '{first}' and '{second}' have the same file name", path.display())]
    DuplicateSortie {
        /// The file both would be written to.
        path: PathBuf,
        /// The first sortie's id.
        first: String,
        /// The second sortie's id.
        second: String,
    },
    /// The output directory holds a mission file that is not this tool's previous plan: a
    /// pilot loading `out/*.plan` would load it with the new sorties.
    #[error(
        "{}: {file} is not a sortie of a plan made here; a pilot loading the folder's mission files would load it too: plan into a new or empty directory, or move it away",
        dir.display()
    )]
    ForeignMission {
        /// The output directory.
        dir: PathBuf,
        /// The file's name.
        file: String,
    },
}

impl ExportError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> ExportError {
        ExportError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn json(path: impl Into<PathBuf>, source: serde_json::Error) -> ExportError {
        ExportError::Json {
            path: path.into(),
            source,
        }
    }
}

/// Name of the whole plan in forest-patrol's own format.
pub const PLAN_JSON: &str = "plan.json";
/// Name of the Google Earth file.
pub const PLAN_KML: &str = "plan.kml";
/// Name of the GeoJSON file of the routes.
pub const ROUTES_GEOJSON: &str = "routes.geojson";
/// Name of the GeoJSON file of the patrolled cells.
pub const CELLS_GEOJSON: &str = "cells.geojson";
/// Name of the per-sortie table.
pub const SUMMARY_CSV: &str = "summary.csv";

/// Writes every export of `plan` into `out_dir` (created if missing) and returns the files
/// written, in the order written: per sortie `<sortie id>.plan` and `<sortie id>.waypoints`,
/// then `plan.kml`, `routes.geojson`, `cells.geojson`, `plan.json` and `summary.csv`.
///
/// Characters of a sortie id other than ASCII letters, digits, `-`, `_` and `.` become `_` in
/// its file names; two sorties whose file names collide are an error, checked before anything
/// is written.
pub fn write_all(plan: &Plan, out_dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let mut stems: HashMap<String, &str> = HashMap::new();
    for sortie in plan.drones.iter().flat_map(|d| &d.sorties) {
        let stem = file_stem(&sortie.id);
        if let Some(first) = stems.insert(stem.clone(), &sortie.id) {
            return Err(ExportError::DuplicateSortie {
                path: out_dir.join(format!("{stem}.plan")),
                first: first.to_string(),
                second: sortie.id.clone(),
            });
        }
    }

    std::fs::create_dir_all(out_dir).map_err(|e| ExportError::io(out_dir, e))?;
    remove_previous_missions(out_dir, &stems)?;
    let mut written = Vec::new();
    for drone in &plan.drones {
        for sortie in &drone.sorties {
            let stem = file_stem(&sortie.id);
            let path = out_dir.join(format!("{stem}.plan"));
            qgc_plan::write_qgc_plan(plan, drone.firmware, &sortie.mission, &path)?;
            written.push(path);
            let path = out_dir.join(format!("{stem}.waypoints"));
            waypoints::write_waypoints(drone.firmware, &sortie.mission, &path)?;
            written.push(path);
        }
    }

    let path = out_dir.join(PLAN_KML);
    kml::write_kml(plan, &path)?;
    written.push(path);
    let path = out_dir.join(ROUTES_GEOJSON);
    geojson::write_routes_geojson(plan, &path)?;
    written.push(path);
    let path = out_dir.join(CELLS_GEOJSON);
    geojson::write_cells_geojson(plan, &path)?;
    written.push(path);
    let path = out_dir.join(PLAN_JSON);
    write_plan_json(plan, &path)?;
    written.push(path);
    let path = out_dir.join(SUMMARY_CSV);
    summary_csv::write_summary_csv(plan, &path)?;
    written.push(path);
    Ok(written)
}

/// Writes `plan` as pretty-printed JSON, the layout [`read_plan_json`] reads.
pub fn write_plan_json(plan: &Plan, path: &Path) -> Result<(), ExportError> {
    let mut text = serde_json::to_vec_pretty(plan).map_err(|e| ExportError::json(path, e))?;
    text.push(b'\n');
    write_file(path, &text)
}

/// Which mission files (by stem) the plan already in `out_dir` wrote: its sorties' names, or,
/// when its plan.json cannot be read as a plan (another version), any `<drone>-<n>` name.
/// `None` when the folder holds no plan.json.
fn previous_sortie_stems(out_dir: &Path) -> Option<Box<dyn Fn(&str) -> bool>> {
    let path = out_dir.join(PLAN_JSON);
    if !path.is_file() {
        return None;
    }
    match read_plan_json(&path) {
        Ok(plan) => {
            let stems: std::collections::HashSet<String> = plan
                .drones
                .iter()
                .flat_map(|d| d.sorties.iter().map(|s| file_stem(&s.id)))
                .collect();
            Some(Box::new(move |stem: &str| stems.contains(stem)))
        }
        Err(_) => Some(Box::new(|stem: &str| {
            stem.rsplit_once('-').is_some_and(|(d, n)| {
                !d.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
            })
        })),
    }
}

/// Refuses an output directory that holds mission files (`.plan`, `.waypoints`) other than a
/// previous plan's sorties, which planning again replaces: checked before planning, so a
/// pilot never loads someone else's mission with ours. A missing directory is fine.
pub fn check_plan_dir(out_dir: &Path) -> Result<(), ExportError> {
    let Ok(entries) = std::fs::read_dir(out_dir) else {
        return Ok(());
    };
    let ours = previous_sortie_stems(out_dir);
    let mut foreign: Vec<String> = entries
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let stem = path.file_stem()?.to_str()?;
            let ext = path.extension()?.to_str()?.to_ascii_lowercase();
            let mission = ext == "plan" || ext == "waypoints";
            (mission && !ours.as_ref().is_some_and(|ours| ours(stem)))
                .then(|| path.file_name()?.to_str().map(str::to_string))
                .flatten()
        })
        .collect();
    foreign.sort();
    match foreign.into_iter().next() {
        Some(file) => Err(ExportError::ForeignMission {
            dir: out_dir.to_path_buf(),
            file,
        }),
        None => Ok(()),
    }
}

/// Planning again into a plan directory: the previous plan's mission files that the new plan
/// does not write again are removed, so that a pilot loading `out/*.plan` loads this plan's
/// sorties only. Only a directory holding our `plan.json` is cleaned, and only the `.plan` and
/// `.waypoints` files of that plan's sorties.
fn remove_previous_missions(
    out_dir: &Path,
    stems: &HashMap<String, &str>,
) -> Result<(), ExportError> {
    let Some(ours) = previous_sortie_stems(out_dir) else {
        return Ok(());
    };
    let entries = std::fs::read_dir(out_dir).map_err(|e| ExportError::io(out_dir, e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let (Some(stem), Some(ext)) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        if (ext == "plan" || ext == "waypoints") && ours(stem) && !stems.contains_key(stem) {
            std::fs::remove_file(&path).map_err(|e| ExportError::io(&path, e))?;
        }
    }
    Ok(())
}

/// The `plan.json` a user means by `given`: the file itself when it names one, else the one
/// in that plan directory (`--plan out/` and `--plan out/plan.json` are the same plan).
pub fn plan_json_in(given: &Path) -> PathBuf {
    if given.is_file()
        || given
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        given.to_path_buf()
    } else {
        given.join(PLAN_JSON)
    }
}

/// The area directory a plan read from `plan_json` was made for. `patrol plan` writes it
/// relative to the plan's own directory, so a plan directory moved together with its area,
/// or used from anywhere, still finds it; an absolute path is taken as it is; a plan written
/// before, relative to where `patrol plan` ran, is tried from the current directory last.
pub fn area_dir_of(plan: &Plan, plan_json: &Path) -> PathBuf {
    let given = Path::new(&plan.area_dir);
    if given.is_absolute() {
        return given.to_path_buf();
    }
    let beside = plan_json
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(given);
    if beside.join("area.toml").is_file() || !given.join("area.toml").is_file() {
        beside
    } else {
        given.to_path_buf()
    }
}

/// `target` relative to the directory `base` (both resolved first), e.g. `../missions/x`
/// from `out/` to `missions/x`; `None` when either cannot be resolved.
pub fn relative_path(target: &Path, base: &Path) -> Option<PathBuf> {
    let (t, b) = (target.canonicalize().ok()?, base.canonicalize().ok()?);
    let (tc, bc): (Vec<_>, Vec<_>) = (t.components().collect(), b.components().collect());
    let common = tc.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &tc[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    Some(out)
}

/// Reads a `plan.json` written by [`write_plan_json`].
///
/// The version is checked before the rest is parsed, so a plan of another
/// [`PLAN_FORMAT_VERSION`] is refused with [`ExportError::FormatVersion`] rather than with a
/// confusing message about a field.
pub fn read_plan_json(path: &Path) -> Result<Plan, ExportError> {
    /// Only the version; every other field is ignored at this step.
    #[derive(Deserialize)]
    struct Version {
        format_version: u64,
    }
    let text = std::fs::read_to_string(path).map_err(|e| ExportError::io(path, e))?;
    let version: Version = serde_json::from_str(&text).map_err(|e| ExportError::json(path, e))?;
    if version.format_version != u64::from(PLAN_FORMAT_VERSION) {
        return Err(ExportError::FormatVersion {
            path: path.to_path_buf(),
            found: version.format_version,
            expected: PLAN_FORMAT_VERSION,
        });
    }
    serde_json::from_str(&text).map_err(|e| ExportError::json(path, e))
}

/// Writes `bytes` to `path`, replacing the file.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let mut file = std::fs::File::create(path).map_err(|e| ExportError::io(path, e))?;
    file.write_all(bytes)
        .map_err(|e| ExportError::io(path, e))?;
    file.sync_all().map_err(|e| ExportError::io(path, e))
}

/// A sortie id made safe as a file name: anything but ASCII letters, digits, `-`, `_` and `.`
/// becomes `_`, and a name starting with `.` gets a leading `_` (no hidden files, no `..`).
pub fn file_stem(sortie_id: &str) -> String {
    let mut stem: String = sortie_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() || stem.starts_with('.') {
        stem.insert(0, '_');
    }
    stem
}

/// The mission items after the home item: all items, except that an ArduPilot mission's item 0
/// (a waypoint at seq 0, which ArduPilot treats as home) is left out.
pub(crate) fn items_after_home(firmware: Firmware, mission: &Mission) -> &[MissionItem] {
    match mission.items.split_first() {
        Some((first, rest)) if is_ardupilot_home(firmware, first) => rest,
        _ => &mission.items,
    }
}

/// Whether `item` is an ArduPilot mission's home item.
pub(crate) fn is_ardupilot_home(firmware: Firmware, item: &MissionItem) -> bool {
    firmware == Firmware::Ardupilot && item.seq == 0 && item.command == cmd::WAYPOINT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortie_ids_become_safe_file_names() {
        assert_eq!(file_stem("q1-1"), "q1-1");
        assert_eq!(file_stem("../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_stem("drone 7/2"), "drone_7_2");
        assert_eq!(file_stem(""), "_");
    }
}
