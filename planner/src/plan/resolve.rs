//! A [`PlanRequest`] checked in one pure step into the [`ResolvedRequest`] the planner works
//! from: the shift in seconds, the drones found in the fleet, every number within its range.
//!
//! The errors ([`RequestError`]) speak of the shift, the heights, the wind and the drones, and
//! carry the values given; a front end that knows where a value came from (a command-line
//! flag, a form field) names it when it shows the error.

use super::energy::Wind;
use super::mission::HeightBand;
use super::request::{PlanRequest, parse_clock_s};
use crate::area::fleet::{Drone, Fleet};

/// Lowest patrol height, metres above ground.
pub const MIN_PATROL_HEIGHT_AGL_M: f64 = 10.0;
/// Highest ceiling, metres above ground.
pub const MAX_CEILING_AGL_M: f64 = 500.0;
/// Strongest wind the planner accepts, metres per second.
pub const MAX_WIND_MPS: f64 = 60.0;
/// Longest search time limit, seconds.
pub const MAX_TIME_LIMIT_S: f64 = 3600.0;
/// Side overlap of lawn-mower passes: at least 0, below this.
pub const MAX_SIDE_OVERLAP: f64 = 0.95;

/// Which end of the shift a time belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftBound {
    /// When the shift starts.
    Start,
    /// When the shift ends.
    End,
}

impl std::fmt::Display for ShiftBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ShiftBound::Start => "start",
            ShiftBound::End => "end",
        })
    }
}

/// Why a request cannot be planned as asked. Each variant carries the values given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// A shift time is not a local time of day `HH:MM`.
    #[error("the shift's {bound} '{text}' is not a time of day HH:MM (00:00 to 23:59)")]
    ShiftTimeUnreadable {
        /// Which end of the shift.
        bound: ShiftBound,
        /// The time as given.
        text: String,
    },
    /// The shift ends when it starts (an end before the start crosses midnight).
    #[error(
        "the shift ends ({end}) when it starts ({start}): give its end (an end before the start is the next day's)"
    )]
    ShiftEndBeforeStart {
        /// Start as given, `HH:MM`.
        start: String,
        /// End as given, `HH:MM`.
        end: String,
    },
    /// The shift's date or time zone is unusable.
    #[error("{0}")]
    WallClock(super::wall_clock::WallClockError),
    /// The patrol height is below [`MIN_PATROL_HEIGHT_AGL_M`] or above the ceiling, or the
    /// ceiling is above [`MAX_CEILING_AGL_M`].
    #[error(
        "the patrol height ({alt_agl_m} m above ground) must be {MIN_PATROL_HEIGHT_AGL_M} m or more and at most the ceiling ({ceiling_agl_m} m, itself at most {MAX_CEILING_AGL_M} m)"
    )]
    PatrolHeightOutOfRange {
        /// Patrol height, metres above ground.
        alt_agl_m: f64,
        /// Ceiling, metres above ground.
        ceiling_agl_m: f64,
    },
    /// The lowest height is not above 0 and below the patrol height.
    #[error(
        "the lowest height ({min_agl_m} m above ground) must be above 0 and below the patrol height ({alt_agl_m} m)"
    )]
    LowestHeightOutOfRange {
        /// Lowest height, metres above ground.
        min_agl_m: f64,
        /// Patrol height, metres above ground.
        alt_agl_m: f64,
    },
    /// The wind is faster than [`MAX_WIND_MPS`], negative, or blows from no direction.
    #[error(
        "the wind ({speed_mps} m/s from {from_deg} degrees) must be 0 to {MAX_WIND_MPS} m/s from a direction in degrees"
    )]
    WindOutOfRange {
        /// Speed, metres per second.
        speed_mps: f64,
        /// Direction it blows from, degrees clockwise from north.
        from_deg: f64,
    },
    /// The search time limit is not above 0 and at most [`MAX_TIME_LIMIT_S`].
    #[error(
        "the search time limit ({time_limit_s} s) must be more than 0 and at most {MAX_TIME_LIMIT_S} seconds"
    )]
    TimeLimitOutOfRange {
        /// The limit, seconds.
        time_limit_s: f64,
    },
    /// The side overlap is not at least 0 and below [`MAX_SIDE_OVERLAP`].
    #[error("the side overlap of sweep passes ({side_overlap}) must be 0 to {MAX_SIDE_OVERLAP}")]
    SideOverlapOutOfRange {
        /// The overlap, 0..1.
        side_overlap: f64,
    },
    /// A drone asked for is not in the fleet.
    #[error("no drone {id} in the fleet (fleet: {})", .known.join(", "))]
    UnknownDrone {
        /// The id asked for.
        id: String,
        /// The fleet's drones as `id (system N)`, in file order.
        known: Vec<String>,
    },
}

/// A request within its ranges, its drones found in the fleet `'f`.
///
/// Invariants: `shift_start_s < shift_end_s`; `heights.min_agl_m` > 0 and below
/// `heights.alt_agl_m`, itself at least [`MIN_PATROL_HEIGHT_AGL_M`] and at most
/// `heights.ceiling_agl_m` ≤ [`MAX_CEILING_AGL_M`]; the wind, time limit and side overlap are
/// within the ranges of their constants.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedRequest<'f> {
    /// Shift start as given, local `HH:MM` (the plan file keeps it).
    pub shift_start_local: String,
    /// Shift end as given, local `HH:MM`.
    pub shift_end_local: String,
    /// Shift start, seconds after local midnight.
    pub shift_start_s: f64,
    /// Shift end, seconds after local midnight.
    pub shift_end_s: f64,
    /// The drones to use, in the order asked (the whole fleet, in file order, by default).
    pub drones: Vec<&'f Drone>,
    /// The wind.
    pub wind: Wind,
    /// Search time limit, seconds.
    pub time_limit_s: f64,
    /// Search seed.
    pub seed: u64,
    /// Patrol, lowest and highest heights, metres above ground.
    pub heights: HeightBand,
    /// Side overlap of lawn-mower passes, 0..[`MAX_SIDE_OVERLAP`].
    pub side_overlap: f64,
    /// Longest time between visits per danger class 1..5, seconds; `None`: no limit.
    pub revisit_s: [Option<f64>; 5],
    /// Exact search work per wave and thread instead of the time limit's share.
    pub search_work: Option<u64>,
    /// Whether the towers' and alarms' watch weighs the cells.
    pub use_watch: bool,
    /// The shift's date, checked.
    pub date: Option<String>,
    /// The shift's IANA time zone, checked.
    pub time_zone: Option<String>,
}

impl ResolvedRequest<'_> {
    /// Length of the shift, seconds.
    pub fn shift_s(&self) -> f64 {
        self.shift_end_s - self.shift_start_s
    }

    /// Longest time between visits of a cell of danger class `class` (1..5, clamped), seconds;
    /// `None`: no limit.
    pub fn revisit_interval_s(&self, class: u8) -> Option<f64> {
        self.revisit_s[usize::from(class.clamp(1, 5) - 1)]
    }
}

impl PlanRequest {
    /// Checks the request and finds its drones in `fleet`. Pure: the same request and fleet
    /// give the same answer. The first problem found is returned, in field order: shift,
    /// heights, wind, time limit, side overlap, drones.
    pub fn resolve<'f>(&self, fleet: &'f Fleet) -> Result<ResolvedRequest<'f>, RequestError> {
        let clock = |bound, text: &String| {
            parse_clock_s(text).ok_or_else(|| RequestError::ShiftTimeUnreadable {
                bound,
                text: text.clone(),
            })
        };
        let shift_start_s = clock(ShiftBound::Start, &self.shift_start)?;
        let mut shift_end_s = clock(ShiftBound::End, &self.shift_end)?;
        // A night shift: an end before the start is the next day's.
        if shift_end_s < shift_start_s {
            shift_end_s += 86_400.0;
        }
        if shift_end_s <= shift_start_s {
            return Err(RequestError::ShiftEndBeforeStart {
                start: self.shift_start.clone(),
                end: self.shift_end.clone(),
            });
        }
        if let Some(date) = &self.date {
            super::wall_clock::parse_date(date).map_err(RequestError::WallClock)?;
        }
        if let Some(zone) = &self.time_zone {
            super::wall_clock::time_zone(zone).map_err(RequestError::WallClock)?;
        }
        if !(self.alt_agl_m >= MIN_PATROL_HEIGHT_AGL_M
            && self.alt_agl_m <= self.ceiling_agl_m
            && self.ceiling_agl_m <= MAX_CEILING_AGL_M)
        {
            return Err(RequestError::PatrolHeightOutOfRange {
                alt_agl_m: self.alt_agl_m,
                ceiling_agl_m: self.ceiling_agl_m,
            });
        }
        if !(self.min_agl_m > 0.0 && self.min_agl_m < self.alt_agl_m) {
            return Err(RequestError::LowestHeightOutOfRange {
                min_agl_m: self.min_agl_m,
                alt_agl_m: self.alt_agl_m,
            });
        }
        let wind = self.wind;
        if !(wind.speed_mps >= 0.0 && wind.speed_mps <= MAX_WIND_MPS && wind.from_deg.is_finite()) {
            return Err(RequestError::WindOutOfRange {
                speed_mps: wind.speed_mps,
                from_deg: wind.from_deg,
            });
        }
        if !(self.time_limit_s > 0.0 && self.time_limit_s <= MAX_TIME_LIMIT_S) {
            return Err(RequestError::TimeLimitOutOfRange {
                time_limit_s: self.time_limit_s,
            });
        }
        if !(0.0..MAX_SIDE_OVERLAP).contains(&self.side_overlap) {
            return Err(RequestError::SideOverlapOutOfRange {
                side_overlap: self.side_overlap,
            });
        }
        let drones = match &self.drones {
            None => fleet.drones.iter().collect(),
            Some(typed) => {
                let mut drones: Vec<&Drone> = Vec::new();
                for t in typed {
                    let d = fleet.find(t).ok_or_else(|| RequestError::UnknownDrone {
                        id: t.trim().to_string(),
                        known: fleet.drones.iter().map(|d| d.label()).collect(),
                    })?;
                    // Named twice ("q1, q1"), flown once.
                    if !drones.iter().any(|k| k.id == d.id) {
                        drones.push(d);
                    }
                }
                drones
            }
        };
        Ok(ResolvedRequest {
            shift_start_local: self.shift_start.clone(),
            shift_end_local: self.shift_end.clone(),
            shift_start_s,
            shift_end_s,
            drones,
            wind,
            time_limit_s: self.time_limit_s,
            seed: self.seed,
            heights: HeightBand {
                alt_agl_m: self.alt_agl_m,
                min_agl_m: self.min_agl_m,
                ceiling_agl_m: self.ceiling_agl_m,
            },
            side_overlap: self.side_overlap,
            revisit_s: self.revisit_min.map(|m| m.map(|m| m * 60.0)),
            search_work: self.search_work,
            use_watch: self.use_watch,
            date: self.date.clone(),
            time_zone: self.time_zone.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two drones, `q1` and `v1`, in that order.
    fn fleet() -> Fleet {
        let drone = |id: &str, system_id: u8| {
            format!(
                r#"
[[drone]]
id = "{id}"
system_id = {system_id}
airframe = "multirotor"
cruise_speed_mps = 12.0
max_speed_mps = 20.0
climb_rate_mps = 5.0
descent_rate_mps = 3.0
endurance_min = 38.0
reserve_min = 8.0
battery_swap_min = 8.0
home_base = "Jellico"
max_wind_mps = 12.0
autopilot = {{ firmware = "ardupilot" }}
camera = {{ kind = "thermal", sensor_width_mm = 7.68, sensor_height_mm = 6.14, focal_length_mm = 13.0, resolution_px = [640, 512], gimbal_pitch_deg = -90.0 }}
"#
            )
        };
        toml::from_str(&(drone("q1", 1) + &drone("v1", 2))).expect("test fleet")
    }

    fn error_of(request: PlanRequest) -> RequestError {
        request.resolve(&fleet()).expect_err("an invalid request")
    }

    #[test]
    fn a_good_request_resolves_to_seconds_heights_and_drones() {
        let fleet = fleet();
        let request = PlanRequest {
            shift_start: "09:30".into(),
            shift_end: " 17:15".into(),
            drones: Some(vec!["v1".into(), "q1".into()]),
            wind: Wind {
                from_deg: 250.0,
                speed_mps: 4.0,
            },
            ..PlanRequest::default()
        };
        let resolved = request.resolve(&fleet).expect("a good request");
        assert_eq!(resolved.shift_start_s, 9.0 * 3600.0 + 1800.0);
        assert_eq!(resolved.shift_end_s, 17.0 * 3600.0 + 900.0);
        assert_eq!(resolved.shift_s(), 7.75 * 3600.0);
        assert_eq!(resolved.shift_end_local, " 17:15", "kept as given");
        let ids: Vec<&str> = resolved.drones.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["v1", "q1"], "in the order asked");
        assert_eq!(
            resolved.heights,
            HeightBand {
                alt_agl_m: 100.0,
                min_agl_m: 60.0,
                ceiling_agl_m: 120.0
            }
        );
        assert_eq!(resolved.wind, request.wind);
        assert_eq!(resolved.revisit_interval_s(5), Some(3600.0));
        assert_eq!(resolved.revisit_interval_s(3), Some(4.0 * 3600.0));
        assert_eq!(resolved.revisit_interval_s(1), None);
        assert_eq!(resolved.revisit_interval_s(9), Some(3600.0), "clamped to 5");
        let all = PlanRequest::default().resolve(&fleet).expect("defaults");
        assert_eq!(all.drones.len(), 2, "no choice: the whole fleet");
    }

    #[test]
    fn an_unreadable_shift_time_names_its_end() {
        for (start, end, bound, text) in [
            ("10", "18:00", ShiftBound::Start, "10"),
            ("10:00", "24:00", ShiftBound::End, "24:00"),
            ("10:00", "18:60", ShiftBound::End, "18:60"),
        ] {
            let e = error_of(PlanRequest {
                shift_start: start.into(),
                shift_end: end.into(),
                ..PlanRequest::default()
            });
            assert_eq!(
                e,
                RequestError::ShiftTimeUnreadable {
                    bound,
                    text: text.into()
                }
            );
            assert!(
                e.to_string().contains(&format!("shift's {bound} '{text}'")),
                "{e}"
            );
        }
    }

    #[test]
    fn a_night_shift_ends_the_next_day() {
        let fleet = fleet();
        let r = PlanRequest {
            shift_start: "22:00".into(),
            shift_end: "02:30".into(),
            ..PlanRequest::default()
        }
        .resolve(&fleet)
        .expect("a night shift");
        assert_eq!(r.shift_s(), 4.5 * 3600.0);
    }

    #[test]
    fn a_shift_must_end_after_it_starts() {
        for (start, end) in [("10:00", "10:00"), ("00:00", "00:00")] {
            let e = error_of(PlanRequest {
                shift_start: start.into(),
                shift_end: end.into(),
                ..PlanRequest::default()
            });
            assert_eq!(
                e,
                RequestError::ShiftEndBeforeStart {
                    start: start.into(),
                    end: end.into()
                }
            );
            assert!(
                e.to_string()
                    .starts_with(&format!("the shift ends ({end}) when it starts ({start})"))
            );
        }
    }

    #[test]
    fn heights_outside_their_band_are_refused() {
        for (alt, ceiling) in [
            (9.0, 120.0),
            (130.0, 120.0),
            (100.0, 600.0),
            (f64::NAN, 120.0),
        ] {
            let e = error_of(PlanRequest {
                alt_agl_m: alt,
                ceiling_agl_m: ceiling,
                ..PlanRequest::default()
            });
            assert!(
                matches!(e, RequestError::PatrolHeightOutOfRange { alt_agl_m, ceiling_agl_m }
                    if alt_agl_m.to_bits() == alt.to_bits() && ceiling_agl_m == ceiling),
                "{alt} {ceiling}: {e:?}"
            );
        }
        for min in [0.0, 100.0, 150.0] {
            let e = error_of(PlanRequest {
                min_agl_m: min,
                ..PlanRequest::default()
            });
            assert_eq!(
                e,
                RequestError::LowestHeightOutOfRange {
                    min_agl_m: min,
                    alt_agl_m: 100.0
                }
            );
        }
        assert!(
            error_of(PlanRequest {
                min_agl_m: 100.0,
                ..PlanRequest::default()
            })
            .to_string()
            .contains("lowest height (100 m above ground)")
        );
    }

    #[test]
    fn wind_time_limit_and_overlap_outside_their_ranges_are_refused() {
        for (speed_mps, from_deg) in [(-1.0, 0.0), (61.0, 270.0), (5.0, f64::INFINITY)] {
            let e = error_of(PlanRequest {
                wind: Wind {
                    from_deg,
                    speed_mps,
                },
                ..PlanRequest::default()
            });
            assert_eq!(
                e,
                RequestError::WindOutOfRange {
                    speed_mps,
                    from_deg
                }
            );
        }
        for time_limit_s in [0.0, -5.0, 3601.0] {
            let e = error_of(PlanRequest {
                time_limit_s,
                ..PlanRequest::default()
            });
            assert_eq!(e, RequestError::TimeLimitOutOfRange { time_limit_s });
        }
        assert!(
            PlanRequest {
                time_limit_s: 3600.0,
                ..PlanRequest::default()
            }
            .resolve(&fleet())
            .is_ok(),
            "the limit itself is allowed"
        );
        for side_overlap in [-0.1, 0.95, 1.0] {
            let e = error_of(PlanRequest {
                side_overlap,
                ..PlanRequest::default()
            });
            assert_eq!(e, RequestError::SideOverlapOutOfRange { side_overlap });
        }
    }

    #[test]
    fn an_unknown_drone_lists_the_fleet() {
        let e = error_of(PlanRequest {
            drones: Some(vec!["q1".into(), "zz".into()]),
            ..PlanRequest::default()
        });
        assert_eq!(
            e,
            RequestError::UnknownDrone {
                id: "zz".into(),
                known: vec!["q1 (system 1)".into(), "v1 (system 2)".into()]
            }
        );
        assert_eq!(
            e.to_string(),
            "no drone zz in the fleet (fleet: q1 (system 1), v1 (system 2))"
        );
    }

    #[test]
    fn drones_are_typed_with_spaces_by_system_id_and_named_twice() {
        let fleet = fleet();
        let request = PlanRequest {
            drones: Some(vec!["q1".into(), " q1".into(), " 2 ".into()]),
            ..PlanRequest::default()
        };
        let resolved = request.resolve(&fleet).expect("typed as a pilot types");
        let ids: Vec<&str> = resolved.drones.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["q1", "v1"], "once each, system 2 is v1");
    }

    #[test]
    fn the_first_problem_in_field_order_is_reported() {
        let e = error_of(PlanRequest {
            shift_start: "09:00".into(),
            shift_end: "09:00".into(),
            alt_agl_m: 5.0,
            drones: Some(vec!["zz".into()]),
            ..PlanRequest::default()
        });
        assert!(
            matches!(e, RequestError::ShiftEndBeforeStart { .. }),
            "{e:?}"
        );
    }
}
