//! What `patrol view` was asked, validated into what the app needs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use patrol_planner::area::Area;
use patrol_planner::terrain::Terrain;

use super::area_layers::AreaLayers;
use super::camera::CameraMode;
use super::colouring::TrackColouring;
use crate::replay::clock::{ClockCommand, PlaybackClock};
use crate::replay::error::ReplayError;
use crate::replay::mission_file::mission_path;
use crate::replay::run::Run;
use crate::replay::time::{format_hms, parse_hms_s};
use patrol_planner::export::vehicle_lists::VehicleLists;

/// The viewer's options as typed.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    /// The run directory, or a bare tlog.
    pub run_dir: PathBuf,
    /// The area directory; by default the plan's `area_dir` (as given, then relative to the
    /// run directory's parent). Required for a bare tlog.
    pub area: Option<PathBuf>,
    /// How to colour the flown tracks.
    pub colour_by: TrackColouring,
    /// Start with the risk heat map over the terrain.
    pub risk: bool,
    /// Render one frame into this PNG and exit.
    pub screenshot: Option<PathBuf>,
    /// Time from the start of the run, `HH:MM:SS`.
    pub at: Option<String>,
    /// Window size, `WIDTHxHEIGHT` pixels.
    pub size: Option<String>,
    /// Drone id to follow.
    pub follow: Option<String>,
    /// Look straight down, north up.
    pub top: bool,
}

/// Why the viewer cannot start or finish.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The run cannot be loaded, or a time or drone does not fit it.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// `--size` is not WIDTHxHEIGHT.
    #[error("size `{text}`: expected WIDTHxHEIGHT in pixels, each 16..=8192, e.g. 1600x900")]
    BadSize {
        /// What was given.
        text: String,
    },
    /// `--colour-by` is not a colouring.
    #[error("colouring `{text}`: expected drone, mode or height")]
    BadColouring {
        /// What was given.
        text: String,
    },
    /// The area cannot be found or loaded.
    #[error("area {dir}: {detail}")]
    Area {
        /// The area directory tried.
        dir: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A mission file cannot be read or placed over the area.
    #[error("{detail}")]
    Mission {
        /// What went wrong, naming the file.
        detail: String,
    },
    /// The screenshot cannot be written there.
    #[error("{path}: the screenshot's folder does not exist")]
    ScreenshotDir {
        /// The file asked for.
        path: PathBuf,
    },
    /// Rendering failed.
    #[error("render: {detail}")]
    Render {
        /// What went wrong.
        detail: String,
    },
}

/// Validated options with the run and terrain loaded.
#[derive(Debug, Clone)]
pub struct ResolvedView {
    /// The run.
    pub run: Arc<Run>,
    /// The area's terrain.
    pub terrain: Arc<Terrain>,
    /// The area's risk map, no-fly zones and bases.
    pub layers: Arc<AreaLayers>,
    /// Window size, pixels.
    pub size_px: (u32, u32),
    /// Where playback starts, µs since the UNIX epoch.
    pub start_at_unix_us: i64,
    /// How the camera looks.
    pub camera_mode: CameraMode,
    /// The PNG to write, if only a picture is wanted.
    pub screenshot: Option<PathBuf>,
    /// How to colour the tracks at the start.
    pub colouring: TrackColouring,
    /// Whether the risk map is shown at the start.
    pub risk_overlay: bool,
}

impl ResolvedView {
    /// The playback clock over the whole run, at the start position, paused.
    pub fn clock(&self) -> PlaybackClock {
        let mut clock = PlaybackClock::new(
            self.run.start_unix_us,
            self.run.end_unix_us,
            self.run.event_times_unix_us(),
        );
        clock.apply(ClockCommand::SeekUnixUs(self.start_at_unix_us));
        clock
    }
}

impl ViewOptions {
    /// Loads the run and its terrain and checks every option against them.
    pub fn resolve(&self) -> Result<ResolvedView, ViewError> {
        let size_px = match &self.size {
            Some(text) => parse_size(text)?,
            None => (1600, 900),
        };
        if let Some(path) = &self.screenshot {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            if parent.is_some_and(|p| !p.is_dir()) {
                return Err(ViewError::ScreenshotDir { path: path.clone() });
            }
        }
        let is_mission_file = self.run_dir.is_file()
            && self
                .run_dir
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e == "plan" || e == "waypoints");
        if is_mission_file {
            return self.resolve_mission_file(size_px);
        }
        let run = if self.run_dir.is_file() {
            if self.area.is_none() {
                return Err(ViewError::Area {
                    dir: self.run_dir.clone(),
                    detail: "a bare tlog has no plan to name its area: give it with --area <dir>"
                        .into(),
                });
            }
            Run::load_tlog(&self.run_dir)?
        } else {
            Run::load(&self.run_dir)?
        };
        let start_at_unix_us = match &self.at {
            Some(text) => {
                // The run's one clock: a local time of the shift (10:42:10); +0:42:10 is the
                // time since the run's start. A run without a plan has only the latter.
                let s = match (&run.clock, text.trim().strip_prefix('+')) {
                    (_, Some(elapsed)) => parse_hms_s(elapsed)?,
                    (Some(c), None) => {
                        let shift_s = c
                            .parse_local(text)
                            .ok_or_else(|| ReplayError::BadTime { text: text.clone() })?;
                        // Shift time to time since the run's start (which may be earlier).
                        shift_s + (c.start_unix_us() - run.start_unix_us) as f64 / 1e6
                    }
                    (None, None) => parse_hms_s(text)?,
                };
                if !(0.0..=run.duration_s()).contains(&s) {
                    let span = match &run.clock {
                        Some(c) => format!(
                            "{} to {} ({}; +0:00:00 to +{})",
                            c.at_unix_us(run.start_unix_us),
                            c.at_unix_us(run.end_unix_us),
                            c.zone_label(),
                            format_hms(run.duration_s())
                        ),
                        None => format!("0:00:00 to {}", format_hms(run.duration_s())),
                    };
                    return Err(ReplayError::TimeOutOfRun {
                        text: text.clone(),
                        span,
                    }
                    .into());
                }
                run.start_unix_us + (s * 1e6).round() as i64
            }
            // A picture of a followed drone shows it at its last fix (after it the viewer does
            // not know where it is).
            None if self.screenshot.is_some() && self.follow.is_some() => {
                let last_fix = self
                    .follow
                    .as_deref()
                    .and_then(|id| run.drone(id).ok())
                    .and_then(|d| d.track.time_range_unix_us())
                    .map(|(_, last)| last);
                last_fix.unwrap_or(run.end_unix_us).min(run.end_unix_us)
            }
            // A picture shows the run at its end: every track flown, every alert's last state.
            None if self.screenshot.is_some() => run.end_unix_us,
            None => run.start_unix_us,
        };
        let camera_mode = match &self.follow {
            Some(id) => {
                run.drone(id)?;
                CameraMode::Follow(id.clone())
            }
            None if self.top => CameraMode::Top,
            None => CameraMode::Fit,
        };
        let (terrain, layers) = load_area(&self.area_dir(&run))?;
        Ok(ResolvedView {
            run: Arc::new(run),
            terrain: Arc::new(terrain),
            layers: Arc::new(layers),
            size_px,
            start_at_unix_us,
            camera_mode,
            screenshot: self.screenshot.clone(),
            colouring: self.colour_by,
            risk_overlay: self.risk,
        })
    }

    /// A `.plan` or `.waypoints` file before upload: its path over the area (`--area`, else
    /// the area of the plan folder it sits in), seen from the top unless asked otherwise.
    fn resolve_mission_file(&self, size_px: (u32, u32)) -> Result<ResolvedView, ViewError> {
        let file = &self.run_dir;
        let lists = VehicleLists::read(file).map_err(|e| ViewError::Mission {
            detail: e.to_string(),
        })?;
        let area_dir = match &self.area {
            Some(dir) => dir.clone(),
            None => {
                let plan_json = file.with_file_name("plan.json");
                let plan = patrol_planner::export::read_plan_json(&plan_json).map_err(|_| {
                    ViewError::Area {
                        dir: file.clone(),
                        detail:
                            "a mission file outside a plan folder: give its area with --area <dir>"
                                .into(),
                    }
                })?;
                patrol_planner::export::area_dir_of(&plan, &plan_json)
            }
        };
        let (terrain, layers) = load_area(&area_dir)?;
        let flown = mission_path(&lists, &terrain).map_err(|e| ViewError::Mission {
            detail: format!("{}: {e}", file.display()),
        })?;
        if self.at.is_some() || self.follow.is_some() {
            return Err(ViewError::Mission {
                detail: format!(
                    "{}: a mission file has no times or drones (--at and --follow are for runs)",
                    file.display()
                ),
            });
        }
        let run = Run::mission_preview(file, flown);
        Ok(ResolvedView {
            start_at_unix_us: run.start_unix_us,
            run: Arc::new(run),
            terrain: Arc::new(terrain),
            layers: Arc::new(layers),
            size_px,
            camera_mode: if self.top {
                CameraMode::Top
            } else {
                CameraMode::Fit
            },
            screenshot: self.screenshot.clone(),
            colouring: self.colour_by,
            risk_overlay: self.risk,
        })
    }

    /// The area directory: `--area`; else the one `run.json` recorded, if it still exists;
    /// else the plan's `area_dir` from the folder of its plan.json (as `patrol plan` writes
    /// it); else the plan's `area_dir` as written (relative to where `patrol plan` ran) from the
    /// current directory, then from the run directory's parent and grandparent (the
    /// checkout, for `runs/<time>`).
    fn area_dir(&self, run: &Run) -> PathBuf {
        if let Some(dir) = &self.area {
            return dir.clone();
        }
        if let Some(dir) = run.area_dir.as_ref().filter(|d| d.is_dir()) {
            return dir.clone();
        }
        // A plan folder's plan.json names its area from the folder itself.
        if let Some(plan) = &run.plan {
            let beside = patrol_planner::export::area_dir_of(plan, &run.dir.join("plan.json"));
            if beside.is_dir() {
                return beside;
            }
        }
        let given = PathBuf::from(run.plan.as_ref().map_or("", |p| p.area_dir.as_str()));
        if given.is_dir() || given.is_absolute() {
            return given;
        }
        run.dir
            .ancestors()
            .skip(1)
            .take(2)
            .map(|p| p.join(&given))
            .find(|p| p.is_dir())
            .unwrap_or(given)
    }
}

/// The area's terrain and the layers the scene draws over it.
fn load_area(dir: &Path) -> Result<(Terrain, AreaLayers), ViewError> {
    let area_err = |detail: String| ViewError::Area {
        dir: dir.to_path_buf(),
        detail,
    };
    if !dir.is_dir() {
        return Err(area_err(
            "no such directory (give the area with --area <dir>)".into(),
        ));
    }
    let Area {
        terrain,
        risk,
        no_fly,
        bases,
        ..
    } = Area::load(dir).map_err(|e| area_err(e.to_string()))?;
    Ok((
        terrain,
        AreaLayers {
            risk,
            no_fly,
            bases,
        },
    ))
}

/// Parses `WIDTHxHEIGHT` (pixels, each 16..=8192).
pub fn parse_size(text: &str) -> Result<(u32, u32), ViewError> {
    let bad = || ViewError::BadSize {
        text: text.to_string(),
    };
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.parse().map_err(|_| bad())?;
    let h: u32 = h.parse().map_err(|_| bad())?;
    if !(16..=8192).contains(&w) || !(16..=8192).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1600x900").ok(), Some((1600, 900)));
        assert_eq!(parse_size("800X600").ok(), Some((800, 600)));
        for bad in [
            "",
            "800",
            "800x",
            "x600",
            "0x600",
            "800x99999",
            "a x b",
            "-800x600",
        ] {
            let err = parse_size(bad).expect_err(bad);
            assert!(err.to_string().contains("WIDTHxHEIGHT"), "{err}");
        }
    }

    #[test]
    fn a_missing_run_dir_is_named() {
        let err = ViewOptions {
            run_dir: "/nonexistent/run".into(),
            ..ViewOptions::default()
        }
        .resolve()
        .expect_err("missing");
        assert_eq!(err.to_string(), "/nonexistent/run: no such run directory");
    }

    #[test]
    fn a_screenshot_into_a_missing_folder_is_refused_before_loading() {
        let err = ViewOptions {
            run_dir: "/nonexistent/run".into(),
            screenshot: Some("/nonexistent/dir/shot.png".into()),
            ..ViewOptions::default()
        }
        .resolve()
        .expect_err("missing folder");
        assert!(err.to_string().contains("folder does not exist"), "{err}");
    }
}
