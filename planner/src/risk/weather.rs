//! The day's fire weather: noon observations from area.toml (or the command line), run
//! through the Fire Weather Index with yesterday's moisture codes from a state file.
//!
//! The state file (JSON) keeps the date, the codes that day started from and the codes it
//! ended with. Running the same day again starts from the same codes, so re-running is
//! idempotent; running the next day carries the codes on; a gap of days is reported, because
//! the codes then miss the drying or wetting of the missing days.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fwi::{FwiDay, MoistureCodes, NoonWeather, fwi_day};
use crate::area::error::AreaError;

/// `[weather]` in area.toml: noon local standard time observations.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WeatherConfig {
    /// The day observed, `YYYY-MM-DD`.
    pub date: String,
    /// Air temperature, degrees Celsius.
    pub temp_c: f64,
    /// Relative humidity, percent.
    pub rh_pct: f64,
    /// Mean wind speed at 10 m, km/h.
    pub wind_kmh: f64,
    /// Where the wind comes from, degrees clockwise from north. Optional for the risk; with
    /// it, `patrol plan`, `sim`, `eval` and `demo` fly in this wind unless `--wind` says
    /// otherwise.
    #[serde(default)]
    pub wind_from_deg: Option<f64>,
    /// Rain in the 24 hours to noon, millimetres.
    pub rain_24h_mm: f64,
    /// Yesterday's codes, relative to area.toml (default `fwi-state.json`).
    #[serde(default = "default_state_file")]
    pub state_file: PathBuf,
}

fn default_state_file() -> PathBuf {
    PathBuf::from("fwi-state.json")
}

impl WeatherConfig {
    /// Checks the date and the observations' ranges.
    pub fn validate(&self, path: &Path) -> Result<(), AreaError> {
        CivilDate::parse(&self.date).ok_or_else(|| {
            AreaError::field(
                path,
                "[weather]",
                "date",
                &self.date,
                "expected a date YYYY-MM-DD",
            )
        })?;
        if let Some(d) = self.wind_from_deg {
            if !(0.0..=360.0).contains(&d) {
                return Err(AreaError::field(
                    path,
                    "[weather]",
                    "wind_from_deg",
                    &d.to_string(),
                    "expected degrees clockwise from north, 0 to 360",
                ));
            }
        }
        self.noon().validate().map_err(|e| AreaError::Inconsistent {
            path: path.to_path_buf(),
            message: format!("[weather]: {e}"),
        })
    }

    /// The day's wind for flying: the 10 m mean speed (km/h here, m/s in the planner) from
    /// its direction; `None` without a direction.
    pub fn wind(&self) -> Option<crate::plan::energy::Wind> {
        Some(crate::plan::energy::Wind {
            from_deg: self.wind_from_deg?,
            speed_mps: self.wind_kmh / 3.6,
        })
    }

    /// The observations as the FWI takes them.
    pub fn noon(&self) -> NoonWeather {
        NoonWeather {
            temp_c: self.temp_c,
            rh_pct: self.rh_pct,
            wind_kmh: self.wind_kmh,
            rain_24h_mm: self.rain_24h_mm,
        }
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate {
    /// Year.
    pub year: i32,
    /// Month 1..=12.
    pub month: u32,
    /// Day 1..=31.
    pub day: u32,
}

impl CivilDate {
    /// Parses `YYYY-MM-DD`, checking the day exists.
    pub fn parse(text: &str) -> Option<CivilDate> {
        let mut it = text.trim().splitn(3, '-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: u32 = it.next()?.parse().ok()?;
        let day: u32 = it.next()?.parse().ok()?;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        let max = *days_in_month.get(month.checked_sub(1)? as usize)?;
        (day >= 1 && day <= max).then_some(CivilDate { year, month, day })
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    pub fn days_since_epoch(&self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's civil_from_days): the inverse of
    /// [`CivilDate::days_since_epoch`].
    pub fn from_days_since_epoch(days: i64) -> CivilDate {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        CivilDate { year, month, day }
    }
}

impl std::fmt::Display for CivilDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// What the state file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FwiState {
    /// The last day computed, `YYYY-MM-DD`.
    pub date: String,
    /// The codes that day started from (yesterday's).
    pub codes_before: MoistureCodes,
    /// The codes that day ended with.
    pub codes: MoistureCodes,
}

/// Today's FWI and the state to save, with a note when the codes could not simply carry on.
#[derive(Debug, Clone)]
pub struct WeatherDay {
    /// Today's codes and indices.
    pub fwi: FwiDay,
    /// The state to write back.
    pub state: FwiState,
    /// Why the start codes are not plain yesterday's, if they are not.
    pub note: Option<String>,
}

/// Computes today's FWI from the weather and the state file at `state_path` (absent: the
/// standard start-up codes, as at the start of a fire season).
pub fn weather_day(
    weather: &WeatherConfig,
    state_path: &Path,
    lat_deg: f64,
) -> Result<WeatherDay, AreaError> {
    let today = CivilDate::parse(&weather.date).ok_or_else(|| {
        AreaError::field(
            state_path,
            "[weather]",
            "date",
            &weather.date,
            "expected a date YYYY-MM-DD",
        )
    })?;
    let (start, note) = match std::fs::read_to_string(state_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
            MoistureCodes::STARTUP,
            Some(format!(
                "no state file {}: starting from the standard start-up codes (FFMC 85, DMC 6, DC 15)",
                state_path.display()
            )),
        ),
        Err(e) => return Err(AreaError::io(state_path, e)),
        Ok(text) => {
            let state: FwiState =
                serde_json::from_str(&text).map_err(|e| AreaError::json(state_path, &e))?;
            let last = CivilDate::parse(&state.date).ok_or_else(|| {
                AreaError::field(
                    state_path,
                    "state",
                    "date",
                    &state.date,
                    "expected a date YYYY-MM-DD",
                )
            })?;
            for codes in [&state.codes, &state.codes_before] {
                codes.validate().map_err(|e| AreaError::Inconsistent {
                    path: state_path.to_path_buf(),
                    message: e.to_string(),
                })?;
            }
            let gap = today.days_since_epoch() - last.days_since_epoch();
            match gap {
                0 => (state.codes_before, None),
                1 => (state.codes, None),
                g if g > 1 => (
                    state.codes,
                    Some(format!(
                        "the state file's last day is {last}, {g} days before {today}: the codes miss {} day(s) of weather",
                        g - 1
                    )),
                ),
                _ => {
                    return Err(AreaError::field(
                        state_path,
                        "state",
                        "date",
                        &state.date,
                        format!("is after today's date {today}: the codes cannot run backwards"),
                    ));
                }
            }
        }
    };
    let fwi = fwi_day(start, &weather.noon(), today.month, lat_deg).map_err(|e| {
        AreaError::Inconsistent {
            path: state_path.to_path_buf(),
            message: e.to_string(),
        }
    })?;
    Ok(WeatherDay {
        fwi,
        state: FwiState {
            date: today.to_string(),
            codes_before: start,
            codes: fwi.codes,
        },
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            CivilDate::parse("1970-01-01").unwrap().days_since_epoch(),
            0
        );
        assert_eq!(
            CivilDate::parse("2026-11-29").unwrap().days_since_epoch(),
            20_786
        );
        assert_eq!(CivilDate::parse("2024-02-29").map(|d| d.day), Some(29));
        assert_eq!(CivilDate::parse("2023-02-29"), None);
        assert_eq!(CivilDate::parse("2023-13-01"), None);
        // The inverse, across leap years, centuries and before the epoch.
        for days in (-700_000..800_000).step_by(997) {
            let d = CivilDate::from_days_since_epoch(days);
            assert_eq!(d.days_since_epoch(), days, "{d}");
            assert_eq!(CivilDate::parse(&d.to_string()), Some(d));
        }
        assert_eq!(
            CivilDate::from_days_since_epoch(20_786).to_string(),
            "2026-11-29"
        );
    }
}
