//! One clock per run. Everything a user reads about a run (the event log, the report, the
//! alerts, the viewer and its `--at`) gives times as the shift's local date and time in the
//! plan's time zone, so one event has one time everywhere.
//!
//! Runs record instants on the mission clock. At real time that is the wall clock, and the
//! local time is the instant's. A simulated shift runs sped up from whenever it was started:
//! its times are the plan's shift on its date, moved along by the shift time elapsed, so a
//! 10:00 sortie of a demo started at night still reads 10:00.

use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};

use super::model::Shift;
use super::request::parse_clock_s;
use super::wall_clock::{parse_date, system_time_zone, time_zone};

/// Shift time (seconds since the shift's start) as the shift's local date and time.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftClock {
    /// Shift time zero, local.
    base: Zoned,
    /// Shift time zero on the mission clock, µs since the UNIX epoch.
    start_unix_us: i64,
}

impl ShiftClock {
    /// The clock of a run of `shift` whose time zero was `start_unix_us` on the mission clock;
    /// `real_time` when the mission clock was the wall clock (speed-up 1). A plan without a
    /// time zone (made before plans had one) is read in this machine's zone; one without a
    /// date takes the date the run started.
    pub fn new(shift: &Shift, start_unix_us: i64, real_time: bool) -> ShiftClock {
        let zone = shift
            .time_zone
            .as_deref()
            .and_then(|z| time_zone(z).ok())
            .or_else(|| time_zone(&system_time_zone()).ok())
            .unwrap_or(TimeZone::UTC);
        let started = Timestamp::from_microsecond(start_unix_us)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(zone.clone());
        let base = if real_time {
            started
        } else {
            let date = shift
                .date
                .as_deref()
                .and_then(|d| parse_date(d).ok())
                .unwrap_or_else(|| started.date());
            let secs = parse_clock_s(&shift.start_local).unwrap_or(0.0) as i32;
            let time = Time::new((secs / 3600) as i8, (secs / 60 % 60) as i8, 0, 0)
                .unwrap_or(Time::midnight());
            DateTime::from_parts(date, time)
                .to_zoned(zone)
                .unwrap_or(started)
        };
        ShiftClock {
            base,
            start_unix_us,
        }
    }

    /// The clock of a run recorded at `speedup` (mission seconds per wall second): at 1 or
    /// less the mission clock was the wall clock.
    pub fn for_run(shift: &Shift, start_unix_us: i64, speedup: f64) -> ShiftClock {
        ShiftClock::new(shift, start_unix_us, speedup <= 1.0)
    }

    /// The wall clock in this machine's time zone from `start_unix_us`, for a link with no
    /// plan (`patrol mission`).
    pub fn wall(start_unix_us: i64) -> ShiftClock {
        let shift = Shift {
            start_local: "00:00".into(),
            end_local: "00:00".into(),
            duration_s: 0.0,
            date: None,
            time_zone: None,
        };
        ShiftClock::new(&shift, start_unix_us, true)
    }

    /// Local date and time `shift_us` microseconds into the shift (whole microseconds, so a
    /// time is never shown a second early by rounding).
    fn local(&self, shift_us: i64) -> Zoned {
        self.base
            .checked_add(SignedDuration::from_micros(shift_us))
            .unwrap_or_else(|_| self.base.clone())
    }

    /// `HH:MM:SS` at shift time `shift_s`, with the date before it when the day is not the
    /// shift's first (a night shift past midnight).
    pub fn at_shift_s(&self, shift_s: f64) -> String {
        let us = if shift_s.is_finite() {
            (shift_s * 1e6).round() as i64
        } else {
            0
        };
        self.at_shift_us(us)
    }

    fn at_shift_us(&self, shift_us: i64) -> String {
        let z = self.local(shift_us);
        if z.date() == self.base.date() {
            z.strftime("%H:%M:%S").to_string()
        } else {
            z.strftime("%Y-%m-%d %H:%M:%S").to_string()
        }
    }

    /// [`Self::at_shift_s`] of a mission-clock instant.
    pub fn at_unix_us(&self, t_unix_us: i64) -> String {
        self.at_shift_us(t_unix_us - self.start_unix_us)
    }

    /// The date, time and zone abbreviation of a mission-clock instant, e.g.
    /// `2026-04-05 10:03:02 EDT`.
    pub fn full_at_unix_us(&self, t_unix_us: i64) -> String {
        self.local(t_unix_us - self.start_unix_us)
            .strftime("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    }

    /// Shift seconds of a mission-clock instant.
    pub fn shift_s(&self, t_unix_us: i64) -> f64 {
        (t_unix_us - self.start_unix_us) as f64 / 1e6
    }

    /// Shift time zero on the mission clock, µs since the UNIX epoch.
    pub fn start_unix_us(&self) -> i64 {
        self.start_unix_us
    }

    /// The shift's first day, `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        self.base.date().to_string()
    }

    /// The zone's IANA name, `America/New_York`.
    pub fn zone_name(&self) -> String {
        self.base
            .time_zone()
            .iana_name()
            .unwrap_or("UTC")
            .to_string()
    }

    /// The zone as a reader wants it: `America/New_York, EDT`.
    pub fn zone_label(&self) -> String {
        let name = self
            .base
            .time_zone()
            .iana_name()
            .unwrap_or("UTC")
            .to_string();
        let abbreviation = self.base.strftime("%Z").to_string();
        if abbreviation == name {
            name
        } else {
            format!("{name}, {abbreviation}")
        }
    }

    /// The line that heads a run's times: `shift of 2026-04-05 from 10:00:00 (America/New_York,
    /// EDT); times are local`.
    pub fn header(&self) -> String {
        format!(
            "shift of {} from {} ({}); times are the shift's local time",
            self.base.date(),
            self.base.strftime("%H:%M:%S"),
            self.zone_label()
        )
    }

    /// Shift seconds of a local time of day typed by a user (`HH:MM[:SS]`): the first such
    /// moment at or after the shift's start (for a night shift, 01:30 is the next morning).
    pub fn parse_local(&self, text: &str) -> Option<f64> {
        let t: Time = text.trim().parse().ok()?;
        let zone = self.base.time_zone().clone();
        let day = self.base.date();
        // The start as the clock shows it (whole seconds): typing what is shown is in the run.
        let start = self.base.with().subsec_nanosecond(0).build().ok()?;
        let mut at = DateTime::from_parts(day, t).to_zoned(zone.clone()).ok()?;
        if at < start {
            // The next morning, on its own calendar day (a daylight-saving night is not 24 h).
            at = DateTime::from_parts(day.tomorrow().ok()?, t)
                .to_zoned(zone)
                .ok()?;
        }
        Some(self.base.duration_until(&at).as_secs_f64().max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(start: &str, date: Option<&str>) -> Shift {
        Shift {
            start_local: start.into(),
            end_local: "06:00".into(),
            duration_s: 8.0 * 3600.0,
            date: date.map(str::to_string),
            time_zone: Some("America/New_York".into()),
        }
    }

    /// 2026-04-05 14:00:00 UTC (10:00 EDT), µs.
    const TEN_EDT_US: i64 = 1_775_397_600_000_000;

    #[test]
    fn a_real_time_run_reads_the_wall_clock_in_the_plans_zone() {
        let c = ShiftClock::new(&shift("10:00", Some("2026-04-05")), TEN_EDT_US, true);
        assert_eq!(c.at_shift_s(0.0), "10:00:00");
        assert_eq!(c.at_unix_us(TEN_EDT_US + 3_782_000_000), "11:03:02");
        assert_eq!(c.full_at_unix_us(TEN_EDT_US), "2026-04-05 10:00:00 EDT");
        assert_eq!(c.zone_label(), "America/New_York, EDT");
    }

    #[test]
    fn a_simulated_run_reads_the_plans_shift_whenever_it_ran() {
        // Run at 02:17 UTC on another day, sped up: still the plan's 22:00 on its date.
        let ran_at = 1_796_000_000_000_000;
        let c = ShiftClock::new(&shift("22:00", Some("2026-04-05")), ran_at, false);
        assert_eq!(c.at_shift_s(0.0), "22:00:00");
        assert_eq!(c.at_shift_s(90.0 * 60.0), "23:30:00");
        // Past midnight the date is said.
        assert_eq!(c.at_shift_s(3.5 * 3600.0), "2026-04-06 01:30:00");
        assert_eq!(c.full_at_unix_us(ran_at), "2026-04-05 22:00:00 EDT");
        assert!(
            c.header()
                .starts_with("shift of 2026-04-05 from 22:00:00 (America/New_York, EDT)")
        );
    }

    #[test]
    fn a_typed_local_time_is_found_in_a_night_shift() {
        let c = ShiftClock::new(&shift("22:00", Some("2026-04-05")), 0, false);
        assert_eq!(c.parse_local("22:30"), Some(1800.0));
        assert_eq!(c.parse_local("01:30:10"), Some(3.5 * 3600.0 + 10.0));
        assert_eq!(c.parse_local("nonsense"), None);
    }

    #[test]
    fn the_shown_start_is_in_the_run_and_the_morning_after_a_clock_change_is_found() {
        // Real time from 09:58:31.6: typing the shown 09:58:31 is the start, not tomorrow.
        let c = ShiftClock::new(
            &shift("10:00", Some("2026-04-05")),
            TEN_EDT_US - 88_400_000,
            true,
        );
        assert_eq!(c.at_shift_s(0.0), "09:58:31");
        assert_eq!(c.parse_local("09:58:31"), Some(0.0));
        // A 22:00 shift on 2026-10-31 in New York: clocks go back at 02:00 on 1 November, so
        // 05:00 EST is 8 hours after 22:00 EDT.
        let night = ShiftClock::new(&shift("22:00", Some("2026-10-31")), 0, false);
        assert_eq!(night.parse_local("05:00"), Some(8.0 * 3600.0));
        assert_eq!(night.at_shift_s(8.0 * 3600.0), "2026-11-01 05:00:00");
    }
}
