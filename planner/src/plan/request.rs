//! What `patrol plan` is asked for, checked before any work starts.

use super::energy::Wind;

/// Planner inputs besides the area.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// Shift start, local `HH:MM`.
    pub shift_start: String,
    /// Shift end, local `HH:MM` (after the start, same day).
    pub shift_end: String,
    /// Drone ids to use; `None`: the whole fleet.
    pub drones: Option<Vec<String>>,
    /// The wind.
    pub wind: Wind,
    /// Search time limit, seconds.
    pub time_limit_s: f64,
    /// Search seed.
    pub seed: u64,
    /// Patrol height, metres above ground (default 100).
    pub alt_agl_m: f64,
    /// Highest height on any leg, metres above ground (default 120).
    pub ceiling_agl_m: f64,
    /// Lowest height on any leg, metres above ground (default 60).
    pub min_agl_m: f64,
    /// Side overlap of lawn-mower passes, 0..1 (default 0.2).
    pub side_overlap: f64,
    /// Longest time between visits per danger class 1..5, minutes; `None`: no limit.
    pub revisit_min: [Option<f64>; 5],
    /// Exact search work per wave and thread instead of the time limit's share: the same
    /// plan on any machine, however loaded (tests use it).
    pub search_work: Option<u64>,
    /// Weigh each cell's risk by the chance the area's towers and alarms would miss a fire
    /// there (`[watch]` of `area.toml`); `false` plans as if they did not exist.
    pub use_watch: bool,
    /// The shift's date, `YYYY-MM-DD` (with `time_zone`, the plan's times become instants).
    pub date: Option<String>,
    /// The IANA time zone of the shift's local times.
    pub time_zone: Option<String>,
}

impl Default for PlanRequest {
    fn default() -> Self {
        PlanRequest {
            shift_start: "10:00".into(),
            shift_end: "18:00".into(),
            drones: None,
            wind: Wind::CALM,
            time_limit_s: 20.0,
            seed: 1,
            alt_agl_m: 100.0,
            ceiling_agl_m: 120.0,
            min_agl_m: 60.0,
            side_overlap: 0.2,
            revisit_min: [None, None, Some(240.0), Some(120.0), Some(60.0)],
            search_work: None,
            use_watch: true,
            date: None,
            time_zone: None,
        }
    }
}

/// Parses `HH:MM` into seconds after midnight.
pub fn parse_clock_s(text: &str) -> Option<f64> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(f64::from(h * 3600 + m * 60))
}

/// Formats seconds after midnight as `HH:MM:SS`.
pub fn format_clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{:02}:{:02}:{:02}", s / 3600 % 24, s / 60 % 60, s % 60)
}
