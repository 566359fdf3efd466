//! `run.json`: when a run's shift started on the mission clock and how fast it ran, so that a
//! replay puts shift time zero where the flight did (the first tlog record comes later: the
//! vehicles are found seconds into the shift).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clock::MissionClock;

/// What a run directory records about its clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Shift time zero, µs since the UNIX epoch on the mission clock (tlog timestamps and
    /// alert times use the same clock).
    pub shift_start_unix_us: u64,
    /// Mission seconds per wall second.
    pub speedup: f64,
    /// The patrol area's directory, absolute (the plan's `area_dir` is relative to where
    /// `patrol plan` ran); `None` when it was not found.
    #[serde(default)]
    pub area_dir: Option<String>,
    /// When the run ended on the mission clock, µs since the UNIX epoch; `None` while it runs
    /// (and for runs recorded before it was written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_unix_us: Option<u64>,
}

/// Why `run.json` cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum RunInfoError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not the JSON expected.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// Cause, with line and column.
        source: serde_json::Error,
    },
}

impl RunInfo {
    /// The information of a run on `clock` over the area in `area_dir`.
    pub fn of(clock: &MissionClock, area_dir: &Path) -> RunInfo {
        RunInfo {
            shift_start_unix_us: clock.start_unix_us(),
            speedup: clock.speedup(),
            area_dir: std::fs::canonicalize(area_dir)
                .ok()
                .map(|p| p.to_string_lossy().into_owned()),
            ended_unix_us: None,
        }
    }

    /// Now on the run's mission clock, µs since the UNIX epoch: its clock (which started at
    /// the wall time of its shift time zero) run on to `wall_now_unix_us` at its speed-up,
    /// never past the run's end. Alert ages and the duty officer's actions use it, so that a
    /// sped-up run's alerts are not all "0 s" old.
    pub fn mission_now_unix_us(&self, wall_now_unix_us: i64) -> i64 {
        let start = self.shift_start_unix_us as i64;
        let now = start + ((wall_now_unix_us - start).max(0) as f64 * self.speedup) as i64;
        match self.ended_unix_us {
            Some(end) => now.min(end as i64),
            None => now,
        }
    }

    /// Writes the run information to `path` (a run directory's `run.json`, see
    /// [`super::RunDir::write_info`]).
    pub fn write_file(&self, path: &Path) -> Result<(), RunInfoError> {
        let path = path.to_path_buf();
        let text = serde_json::to_string_pretty(self).map_err(|source| RunInfoError::Json {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&path, text + "\n").map_err(|source| RunInfoError::Io { path, source })
    }

    /// Reads the run information at `path`; `Ok(None)` when there is none (runs before it
    /// existed, other ground stations).
    pub fn read_file(path: &Path) -> Result<Option<RunInfo>, RunInfoError> {
        let path = path.to_path_buf();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(RunInfoError::Io { path, source }),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| RunInfoError::Json { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mission_now_runs_at_the_speedup_and_stops_at_the_end() {
        let mut info = RunInfo {
            shift_start_unix_us: 1_000_000_000,
            speedup: 100.0,
            area_dir: None,
            ended_unix_us: None,
        };
        // Two wall seconds into a 100x run: 200 mission seconds.
        assert_eq!(
            info.mission_now_unix_us(1_002_000_000),
            1_000_000_000 + 200_000_000
        );
        info.ended_unix_us = Some(1_000_000_000 + 50_000_000);
        assert_eq!(info.mission_now_unix_us(1_002_000_000), 1_050_000_000);
        // Before the start (a skewed clock) is the start.
        assert_eq!(info.mission_now_unix_us(0), 1_000_000_000);
    }

    #[test]
    fn written_and_read_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let run = super::super::RunDir::at(dir.path());
        assert_eq!(run.read_info().expect("no file is fine"), None);
        let info = RunInfo::of(
            &MissionClock::starting_at(1_795_993_000_000_000, 100.0),
            dir.path(),
        );
        run.write_info(&info).expect("write");
        assert_eq!(run.read_info().expect("read"), Some(info.clone()));
        let area = info.area_dir.expect("the area exists");
        assert!(Path::new(&area).is_absolute(), "{area}");
        assert_eq!(info.shift_start_unix_us, 1_795_993_000_000_000);
        assert_eq!(info.speedup, 100.0);
    }

    #[test]
    fn a_broken_file_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let run = super::super::RunDir::at(dir.path());
        std::fs::write(run.run_json(), "{\"speedup\": 2}").expect("write");
        let err = run.read_info().expect_err("missing field");
        let text = err.to_string();
        assert!(
            text.contains("run.json") && text.contains("shift_start_unix_us"),
            "{text}"
        );
    }
}
