//! A shift on the wall clock. A plan's shift is local times (`10:00-18:00`); with its date and
//! IANA time zone it becomes instants, so that `patrol fly` starts each sortie when the plan
//! says, not when the program starts. A shift whose end is before its start ends the next day.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

use super::model::{Plan, Shift};
use super::request::parse_clock_s;

/// A date or time zone that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WallClockError {
    /// Not an IANA time zone name.
    #[error("unknown time zone '{0}' (an IANA name such as America/New_York or Asia/Shanghai)")]
    UnknownTimeZone(String),
    /// Not a `YYYY-MM-DD` date.
    #[error("date '{0}': expected YYYY-MM-DD, e.g. 2026-04-05")]
    BadDate(String),
    /// The shift's start is not `HH:MM`.
    #[error("shift start '{0}': expected HH:MM")]
    BadStart(String),
    /// The local time does not exist or is ambiguous in that zone (a daylight-saving change).
    #[error("{0}")]
    Unrepresentable(String),
}

/// The time zone named `name`.
pub fn time_zone(name: &str) -> Result<TimeZone, WallClockError> {
    TimeZone::get(name).map_err(|_| WallClockError::UnknownTimeZone(name.to_string()))
}

/// This machine's time zone as an IANA name (`UTC` when it has none).
pub fn system_time_zone() -> String {
    TimeZone::system()
        .iana_name()
        .map_or_else(|| "UTC".to_string(), str::to_string)
}

/// Today's date in the zone `name`, `YYYY-MM-DD`.
pub fn today_in(name: &str) -> Result<String, WallClockError> {
    date_at(Timestamp::now().as_second(), name)
}

/// Checks a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Result<Date, WallClockError> {
    text.trim()
        .parse::<Date>()
        .map_err(|_| WallClockError::BadDate(text.to_string()))
}

/// The shift's start as seconds since the UNIX epoch; `None` for a plan without a date and
/// time zone (made before plans had them).
pub fn shift_start_unix_s(shift: &Shift) -> Option<Result<i64, WallClockError>> {
    let (date, zone) = (shift.date.as_deref()?, shift.time_zone.as_deref()?);
    Some((|| {
        let date = parse_date(date)?;
        let secs = parse_clock_s(&shift.start_local)
            .ok_or_else(|| WallClockError::BadStart(shift.start_local.clone()))?;
        let time = Time::new((secs / 3600.0) as i8, ((secs % 3600.0) / 60.0) as i8, 0, 0)
            .map_err(|e| WallClockError::Unrepresentable(e.to_string()))?;
        let zoned = date
            .to_datetime(time)
            .to_zoned(time_zone(zone)?)
            .map_err(|e| WallClockError::Unrepresentable(e.to_string()))?;
        Ok(zoned.timestamp().as_second())
    })())
}

/// `unix_s` as the local time of day in the zone `name`, e.g. `10:00 EDT`.
pub fn local_time(unix_s: i64, name: &str) -> String {
    let Ok(tz) = time_zone(name) else {
        return format!("{unix_s} s");
    };
    let Ok(ts) = Timestamp::from_second(unix_s) else {
        return format!("{unix_s} s");
    };
    let z: Zoned = ts.to_zoned(tz);
    z.strftime("%H:%M %Z").to_string()
}

/// The date (`YYYY-MM-DD`) in the zone `name` at `unix_s`.
pub fn date_at(unix_s: i64, name: &str) -> Result<String, WallClockError> {
    let tz = time_zone(name)?;
    let ts = Timestamp::from_second(unix_s)
        .map_err(|e| WallClockError::Unrepresentable(e.to_string()))?;
    Ok(ts.to_zoned(tz).date().to_string())
}

/// The plan with every time moved by `offset_s` (its shift time zero moved to another
/// instant): sorties, their paths and the cells' visits.
pub fn retimed(plan: &Plan, offset_s: f64) -> Plan {
    let mut p = plan.clone();
    for d in &mut p.drones {
        for s in &mut d.sorties {
            s.start_s += offset_s;
            s.end_s += offset_s;
            for pt in &mut s.path {
                pt.t_s += offset_s;
            }
        }
    }
    for c in &mut p.cells {
        for v in &mut c.visits_s {
            *v += offset_s;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(date: &str, zone: &str, start: &str) -> Shift {
        Shift {
            start_local: start.into(),
            end_local: "18:00".into(),
            duration_s: 3600.0,
            date: Some(date.into()),
            time_zone: Some(zone.into()),
        }
    }

    #[test]
    fn local_times_become_instants_in_their_zone() {
        // 10:00 in New York in April (EDT, UTC-4) is 14:00 UTC.
        let t = shift_start_unix_s(&shift("2026-04-05", "America/New_York", "10:00"))
            .expect("dated")
            .expect("valid");
        assert_eq!(t, 1_775_397_600);
        assert_eq!(local_time(t, "America/New_York"), "10:00 EDT");
        assert_eq!(local_time(t, "UTC"), "14:00 UTC");
        // Chongqing keeps China Standard Time, UTC+8.
        let c = shift_start_unix_s(&shift("2026-04-05", "Asia/Shanghai", "10:00"))
            .expect("dated")
            .expect("valid");
        assert_eq!(t - c, 12 * 3600);
    }

    #[test]
    fn bad_dates_and_zones_are_named() {
        assert_eq!(
            shift_start_unix_s(&shift("2026-13-05", "UTC", "10:00")),
            Some(Err(WallClockError::BadDate("2026-13-05".into())))
        );
        assert_eq!(
            shift_start_unix_s(&shift("2026-04-05", "Mars/Olympus", "10:00")),
            Some(Err(WallClockError::UnknownTimeZone("Mars/Olympus".into())))
        );
        let undated = Shift {
            date: None,
            ..shift("2026-04-05", "UTC", "10:00")
        };
        assert_eq!(shift_start_unix_s(&undated), None);
    }
}
