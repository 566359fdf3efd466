//! A run directory: everything one shift of `patrol fly` or `patrol demo` leaves behind, and
//! the only place that knows its file names.
//!
//! | file | written by | holds |
//! |---|---|---|
//! | `plan.json` | the session, at start | the plan flown |
//! | `run.json` | the session, at start | the shift's start on the mission clock ([`RunInfo`]) |
//! | `events.log` | the session's event log | every event of the shift as a line of text |
//! | `vehicle-<sysid>.tlog` | the ground service | every frame to and from one vehicle; a vehicle heard on a second link gets `vehicle-<sysid>-<k>.tlog` |
//! | `alerts.sqlite` | the alerting side | alerts, evidence and lifecycles |
//! | `alerts.geojson`, `alerts.csv` | the demo | the alerts exported |
//! | `fires.json` | the demo | the simulated fires (ground truth) |
//! | `report.md` | the demo | the report |
//! | `plan/` | the demo | the plan's mission files |
//!
//! A run directory holds one run: [`RunDir::create`] refuses a directory that already holds a
//! recording, so an earlier run is never overwritten.

pub mod run_info;

use std::path::{Path, PathBuf};

pub use run_info::{RunInfo, RunInfoError};

/// A run directory's path, with the names of the files in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
}

/// A run directory cannot be created or used.
#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    /// Creating or reading the directory failed.
    #[error("cannot use the run directory {path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The directory already holds a run.
    #[error("{path}: already holds a recorded run ({found}); choose a new directory")]
    Taken {
        /// The directory.
        path: PathBuf,
        /// The file that shows it.
        found: String,
    },
    /// No free name under the base directory.
    #[error("cannot find a free run directory under {base}")]
    NoFreeName {
        /// Where runs go.
        base: PathBuf,
    },
}

/// The plan flown.
pub const PLAN_JSON: &str = patrol_planner::export::PLAN_JSON;
/// The shift's clock ([`RunInfo`]).
pub const RUN_JSON: &str = "run.json";
/// The event log.
pub const EVENTS_LOG: &str = "events.log";
/// The alert store.
pub const ALERTS_DB: &str = "alerts.sqlite";
/// The alerts as GeoJSON.
pub const ALERTS_GEOJSON: &str = "alerts.geojson";
/// The alerts as CSV.
pub const ALERTS_CSV: &str = "alerts.csv";
/// The simulated fires.
pub const FIRES_JSON: &str = "fires.json";
/// The demo's report.
pub const REPORT_MD: &str = "report.md";
/// The plan's mission files.
pub const PLAN_DIR: &str = "plan";

impl RunDir {
    /// A run directory at `path`, for reading (nothing is checked or created).
    pub fn at(path: impl Into<PathBuf>) -> RunDir {
        RunDir { path: path.into() }
    }

    /// Creates `path` (and its parents) for a new run; refused if it already holds one (an
    /// event log, an alert store or a tlog).
    pub fn create(path: impl Into<PathBuf>) -> Result<RunDir, RunDirError> {
        let path = path.into();
        std::fs::create_dir_all(&path).map_err(|source| RunDirError::Io {
            path: path.clone(),
            source,
        })?;
        let dir = RunDir { path };
        if let Some(found) = dir.recording()? {
            return Err(RunDirError::Taken {
                path: dir.path,
                found,
            });
        }
        Ok(dir)
    }

    /// A new directory under `base`, named after the UTC time `YYYYMMDD-HHMMSS` with
    /// `prefix` before it, suffixed `-2`, `-3`... if two runs start within one second.
    pub fn create_new_under(base: &Path, prefix: &str) -> Result<RunDir, RunDirError> {
        std::fs::create_dir_all(base).map_err(|source| RunDirError::Io {
            path: base.to_path_buf(),
            source,
        })?;
        let stamp = format!("{prefix}{}", utc_stamp(std::time::SystemTime::now()));
        for n in 1..1000 {
            let path = if n == 1 {
                base.join(&stamp)
            } else {
                base.join(format!("{stamp}-{n}"))
            };
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(RunDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(RunDirError::Io { path, source }),
            }
        }
        Err(RunDirError::NoFreeName {
            base: base.to_path_buf(),
        })
    }

    /// The file that shows the directory holds a recorded run, if one does.
    fn recording(&self) -> Result<Option<String>, RunDirError> {
        let entries = std::fs::read_dir(&self.path).map_err(|source| RunDirError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(entries.filter_map(Result::ok).find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name == EVENTS_LOG || name == ALERTS_DB || tlog_system_id(&name).is_some())
                .then_some(name)
        }))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `plan.json`.
    pub fn plan_json(&self) -> PathBuf {
        self.path.join(PLAN_JSON)
    }

    /// `run.json`.
    pub fn run_json(&self) -> PathBuf {
        self.path.join(RUN_JSON)
    }

    /// `events.log`.
    pub fn events_log(&self) -> PathBuf {
        self.path.join(EVENTS_LOG)
    }

    /// `alerts.sqlite`.
    pub fn alerts_db(&self) -> PathBuf {
        self.path.join(ALERTS_DB)
    }

    /// `alerts.geojson`.
    pub fn alerts_geojson(&self) -> PathBuf {
        self.path.join(ALERTS_GEOJSON)
    }

    /// `alerts.csv`.
    pub fn alerts_csv(&self) -> PathBuf {
        self.path.join(ALERTS_CSV)
    }

    /// `fires.json`.
    pub fn fires_json(&self) -> PathBuf {
        self.path.join(FIRES_JSON)
    }

    /// `report.md`.
    pub fn report_md(&self) -> PathBuf {
        self.path.join(REPORT_MD)
    }

    /// `plan/`, the plan's mission files.
    pub fn plan_dir(&self) -> PathBuf {
        self.path.join(PLAN_DIR)
    }

    /// The tlog of a vehicle: `vehicle-<sysid>.tlog` for the first vehicle with that system
    /// id, `vehicle-<sysid>-<k>.tlog` for the k-th (k from 2).
    pub fn tlog(&self, system_id: u8, k: usize) -> PathBuf {
        self.path.join(tlog_file_name(system_id, k))
    }

    /// The run's tlogs by system id, each vehicle's files in order.
    pub fn tlogs(&self) -> Result<Vec<(u8, Vec<PathBuf>)>, RunDirError> {
        let entries = std::fs::read_dir(&self.path).map_err(|source| RunDirError::Io {
            path: self.path.clone(),
            source,
        })?;
        // Sorted by system id, index, then the plain name first (`vehicle-3.tlog` before a
        // foreign `vehicle-3-1.tlog`).
        let mut files: Vec<(u8, usize, usize, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let (id, k) = tlog_system_id(&name)?;
                Some((id, k, name.len(), e.path()))
            })
            .collect();
        files.sort();
        let mut out: Vec<(u8, Vec<PathBuf>)> = Vec::new();
        for (id, _, _, path) in files {
            match out.last_mut() {
                Some((last, paths)) if *last == id => paths.push(path),
                _ => out.push((id, vec![path])),
            }
        }
        Ok(out)
    }

    /// Writes `plan.json`.
    pub fn write_plan(
        &self,
        plan: &patrol_planner::plan::model::Plan,
    ) -> Result<(), patrol_planner::export::ExportError> {
        patrol_planner::export::write_plan_json(plan, &self.plan_json())
    }

    /// Reads `run.json`; `Ok(None)` for runs that have none.
    pub fn read_info(&self) -> Result<Option<RunInfo>, RunInfoError> {
        RunInfo::read_file(&self.run_json())
    }

    /// Writes `run.json`.
    pub fn write_info(&self, info: &RunInfo) -> Result<(), RunInfoError> {
        info.write_file(&self.run_json())
    }
}

/// The file name of the `k`-th tlog of a system id (k = 1 for the first).
pub fn tlog_file_name(system_id: u8, k: usize) -> String {
    if k <= 1 {
        format!("vehicle-{system_id}.tlog")
    } else {
        format!("vehicle-{system_id}-{k}.tlog")
    }
}

/// The system id and index of a tlog's file name (`vehicle-3.tlog` is (3, 1)); `None` for any
/// other file.
pub fn tlog_system_id(name: &str) -> Option<(u8, usize)> {
    let stem = name.strip_prefix("vehicle-")?.strip_suffix(".tlog")?;
    match stem.split_once('-') {
        Some((id, k)) => Some((id.parse().ok()?, k.parse().ok()?)),
        None => Some((stem.parse().ok()?, 1)),
    }
}

fn utc_stamp(t: std::time::SystemTime) -> String {
    let s = t
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (days, rem) = (s / 86_400, s % 86_400);
    let date = patrol_planner::risk::weather::CivilDate::from_days_since_epoch(days as i64);
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        date.year,
        date.month,
        date.day,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlog_names_round_trip() {
        for (id, k) in [(1u8, 1usize), (3, 2), (255, 7)] {
            assert_eq!(tlog_system_id(&tlog_file_name(id, k)), Some((id, k)));
        }
        for other in [
            "vehicle-x.tlog",
            "vehicle-4-y.tlog",
            "events.log",
            "vehicle-3.log",
        ] {
            assert_eq!(tlog_system_id(other), None, "{other}");
        }
    }

    #[test]
    fn tlogs_are_grouped_by_vehicle_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "vehicle-3.tlog",
            "vehicle-12.tlog",
            "vehicle-3-3.tlog",
            "vehicle-3-2.tlog",
            "vehicle-3-1.tlog",
            "vehicle-x.tlog",
            "vehicle-4-y.tlog",
            "events.log",
        ] {
            std::fs::write(dir.path().join(name), b"").expect("write");
        }
        let run = RunDir::at(dir.path());
        let names = |paths: &Vec<PathBuf>| {
            paths
                .iter()
                .map(|p| {
                    p.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect::<Vec<_>>()
        };
        let tlogs = run.tlogs().expect("listing");
        assert_eq!(tlogs.len(), 2);
        assert_eq!(tlogs[0].0, 3);
        assert_eq!(
            names(&tlogs[0].1),
            [
                "vehicle-3.tlog",
                "vehicle-3-1.tlog",
                "vehicle-3-2.tlog",
                "vehicle-3-3.tlog"
            ]
        );
        assert_eq!(tlogs[1].0, 12);
        assert_eq!(names(&tlogs[1].1), ["vehicle-12.tlog"]);
    }

    #[test]
    fn a_directory_holding_a_run_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fresh = RunDir::create(dir.path().join("a")).expect("a new directory");
        assert!(fresh.path().is_dir());
        for taken in [EVENTS_LOG, ALERTS_DB, "vehicle-7.tlog"] {
            let d = dir.path().join(taken.replace('.', "_"));
            std::fs::create_dir_all(&d).expect("dir");
            std::fs::write(d.join(taken), "earlier run\n").expect("write");
            let err = RunDir::create(&d).expect_err("taken");
            assert!(err.to_string().contains(taken), "{err}");
            assert_eq!(
                std::fs::read_to_string(d.join(taken)).expect("read"),
                "earlier run\n"
            );
        }
    }

    #[test]
    fn new_directories_under_a_base_never_collide() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = RunDir::create_new_under(dir.path(), "demo-").expect("first");
        let b = RunDir::create_new_under(dir.path(), "demo-").expect("second");
        assert_ne!(a, b);
        let name = a
            .path()
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with("demo-20") && name.len() == "demo-YYYYMMDD-HHMMSS".len(),
            "{name}"
        );
    }

    #[test]
    fn the_layout_is_what_earlier_runs_wrote() {
        // Runs written before this type existed must still open: the names are a format.
        let run = RunDir::at("/r");
        for (path, name) in [
            (run.plan_json(), "plan.json"),
            (run.run_json(), "run.json"),
            (run.events_log(), "events.log"),
            (run.alerts_db(), "alerts.sqlite"),
            (run.alerts_geojson(), "alerts.geojson"),
            (run.alerts_csv(), "alerts.csv"),
            (run.fires_json(), "fires.json"),
            (run.report_md(), "report.md"),
            (run.plan_dir(), "plan"),
            (run.tlog(4, 1), "vehicle-4.tlog"),
            (run.tlog(4, 2), "vehicle-4-2.tlog"),
        ] {
            assert_eq!(path, Path::new("/r").join(name));
        }
    }
}
