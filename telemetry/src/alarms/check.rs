//! A parsed alarm checked against what the area knows and the clock, before it is counted as
//! accepted: the step between parsing (which needs nothing) and placing (which needs the DEM).
//!
//! A tower's camera system reports by the tower's name: a bearing without `from_lat` and
//! `from_lon` gets the position of the area's tower of that `source`, and any bearing from a
//! known tower gets its camera height (`mast_agl_m`), which the vertical angle needs. A bearing
//! from an unnamed place and an unknown source cannot be placed, and is refused; so is a report
//! dated after it arrived, beyond what two clocks may differ by.

use std::collections::BTreeMap;

use patrol_planner::area::watch_layers::Tower;

use super::external::{AlarmLocation, ExternalAlarm};
use super::rejection::AlarmRejection;

/// How far ahead of the receiver's clock a report may be dated, seconds: sensors' clocks drift,
/// but not by minutes.
pub const FUTURE_SLACK_S: f64 = 60.0;

/// The towers of an area, by id.
#[derive(Debug, Clone, Default)]
pub struct AlarmCheck {
    towers: BTreeMap<String, Tower>,
}

impl AlarmCheck {
    /// A check that knows `towers`.
    pub fn new(towers: &[Tower]) -> AlarmCheck {
        AlarmCheck {
            towers: towers.iter().map(|t| (t.id.clone(), t.clone())).collect(),
        }
    }

    /// `alarm` completed from the area's towers, or why it is refused; `now_unix_us` is when it
    /// was received.
    pub fn check(
        &self,
        mut alarm: ExternalAlarm,
        now_unix_us: i64,
    ) -> Result<ExternalAlarm, AlarmRejection> {
        let ahead_s = (alarm.at_unix_us - now_unix_us) as f64 / 1e6;
        if ahead_s > FUTURE_SLACK_S {
            return Err(AlarmRejection::FromTheFuture {
                ahead_s,
                slack_s: FUTURE_SLACK_S,
            });
        }
        if let AlarmLocation::Bearing {
            from_deg,
            camera_agl_m,
            ..
        } = &mut alarm.location
        {
            match (self.towers.get(&alarm.source), *from_deg) {
                (Some(t), given) => {
                    *from_deg = Some(given.unwrap_or((t.lat_deg, t.lon_deg)));
                    *camera_agl_m = Some(t.mast_agl_m);
                }
                (None, Some(_)) => {}
                (None, None) => return Err(AlarmRejection::UnknownTower(alarm.source.clone())),
            }
        }
        Ok(alarm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarms::external::parse_alarm_line;

    fn tower() -> Tower {
        Tower {
            id: "tower-2".into(),
            lat_deg: 36.485,
            lon_deg: -84.23,
            mast_agl_m: 30.0,
            range_m: 5000.0,
            pan_deg: None,
            recognition_delay_s: 120.0,
            detection_probability: 0.9,
        }
    }

    const NOW_US: i64 = 1_784_034_300_000_000;

    fn line(source: &str, at_unix_s: i64, from: &str) -> ExternalAlarm {
        parse_alarm_line(
            &format!(
                r#"{{"source": "{source}", "kind": "smoke", "at_unix_s": {at_unix_s}, {from}"bearing_deg": 10, "elevation_deg": -1, "sigma_deg": 0.5}}"#
            ),
            1,
        )
        .expect("parses")
    }

    #[test]
    fn a_named_tower_gets_its_position_and_camera_height() {
        let check = AlarmCheck::new(&[tower()]);
        let a = check
            .check(line("tower-2", 1_784_034_290, ""), NOW_US)
            .expect("known");
        assert!(matches!(
            a.location,
            AlarmLocation::Bearing { from_deg: Some((lat, lon)), camera_agl_m: Some(h), .. }
                if lat == 36.485 && lon == -84.23 && h == 30.0
        ));
        // A position given is kept; the height still comes from the area.
        let a = check
            .check(
                line(
                    "tower-2",
                    1_784_034_290,
                    r#""from_lat": 36.5, "from_lon": -84.2, "#,
                ),
                NOW_US,
            )
            .expect("known");
        assert!(matches!(
            a.location,
            AlarmLocation::Bearing { from_deg: Some((lat, _)), camera_agl_m: Some(_), .. }
                if lat == 36.5
        ));
    }

    #[test]
    fn unknown_towers_and_reports_from_the_future_are_refused_by_reason() {
        let check = AlarmCheck::new(&[tower()]);
        let err = check
            .check(line("tower-9", 1_784_034_290, ""), NOW_US)
            .expect_err("unknown");
        assert_eq!(err.reason(), "unknown-tower");
        assert!(err.to_string().contains("\"tower-9\""), "{err}");
        // An unknown source that says where it stands is taken as it is.
        let placed = check.check(
            line(
                "tower-9",
                1_784_034_290,
                r#""from_lat": 36.5, "from_lon": -84.2, "#,
            ),
            NOW_US,
        );
        assert!(placed.is_ok());
        let err = check
            .check(line("tower-2", 1_784_034_300 + 600, ""), NOW_US)
            .expect_err("future");
        assert_eq!(err.reason(), "from-the-future");
        assert!(err.to_string().contains("dated 600 s after"), "{err}");
        // Within the clocks' slack it is accepted.
        assert!(
            check
                .check(line("tower-2", 1_784_034_300 + 30, ""), NOW_US)
                .is_ok()
        );
    }
}
