//! What the viewer says about a drone at the cursor: altitude above sea level and above
//! ground, speed, battery, mode, sortie and mission item.

use patrol_planner::plan::model::DronePlan;

use super::track::Track;

/// A drone's state at an instant, as the readout shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DroneReadout {
    /// Altitude, metres above mean sea level (`None` inside a gap or off the track).
    pub alt_amsl_m: Option<f64>,
    /// Height above the ground below, metres.
    pub alt_agl_m: Option<f64>,
    /// Ground speed, metres per second.
    pub speed_mps: Option<f64>,
    /// Battery remaining, percent (the last report).
    pub battery_pct: Option<u8>,
    /// Flight mode name (as the autopilot's ground stations name it), or its number when
    /// unknown.
    pub mode: Option<String>,
    /// The planned sortie whose window holds the instant.
    pub sortie: Option<String>,
    /// Current mission item (the last MISSION_CURRENT).
    pub mission_seq: Option<u16>,
    /// Whether the instant falls in a telemetry gap.
    pub in_gap: bool,
}

/// The readout of `track` at `t_unix_us`; `elapsed_s` is the same instant in seconds from
/// the start of the run, matched against the plan's sortie windows (seconds from the shift's
/// start: the run starts when the shift does); `ground_amsl_m` gives the terrain elevation
/// (metres above mean sea level) at (lat_deg, lon_deg).
pub fn drone_readout(
    track: &Track,
    plan: Option<&DronePlan>,
    t_unix_us: i64,
    elapsed_s: f64,
    ground_amsl_m: impl Fn(f64, f64) -> Option<f64>,
) -> DroneReadout {
    let pose = track.pose_at(t_unix_us);
    let last = track.sample_at(t_unix_us);
    DroneReadout {
        alt_amsl_m: pose.map(|p| p.alt_amsl_m),
        alt_agl_m: pose.and_then(|p| Some(p.alt_amsl_m - ground_amsl_m(p.lat_deg, p.lon_deg)?)),
        speed_mps: track.ground_speed_mps(t_unix_us),
        battery_pct: last.and_then(|s| s.battery_pct),
        mode: last.and_then(|s| s.mode).map(|m| m.to_string()),
        sortie: plan.and_then(|d| {
            d.sorties
                .iter()
                .find(|s| s.start_s <= elapsed_s && elapsed_s <= s.end_s)
                .map(|s| s.id.clone())
        }),
        mission_seq: last.and_then(|s| s.mission_seq),
        in_gap: track.in_gap(t_unix_us),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::track::Sample;
    use patrol_telemetry::mav::{FlightMode, ModeNumbering, VehicleMode};

    /// A sample with an ArduCopter `custom_mode`.
    fn sample(t_s: i64, mode: u32) -> Sample {
        Sample {
            t_unix_us: t_s * 1_000_000,
            lat_deg: 36.0 + t_s as f64 * 1e-4,
            lon_deg: -84.0,
            alt_amsl_m: 800.0,
            roll_rad: 0.0,
            pitch_rad: 0.0,
            yaw_rad: 0.0,
            mode: Some(VehicleMode {
                numbering: ModeNumbering::ArduCopter,
                custom_mode: mode,
            }),
            battery_pct: Some(71),
            mission_seq: Some(4),
        }
    }

    #[test]
    fn readout_of_a_flying_drone() {
        let track = Track::new(vec![
            sample(0, 3),
            sample(1, 3),
            sample(2, 99),
            // A PX4 drone's heartbeat: its RTL is PX4's AUTO.RTL, named as QGroundControl does.
            Sample {
                mode: Some(VehicleMode::of(ModeNumbering::Px4, FlightMode::Rtl)),
                ..sample(10, 0)
            },
        ]);
        let r = drone_readout(&track, None, 500_000, 0.5, |_, _| Some(700.0));
        assert_eq!(r.alt_amsl_m, Some(800.0));
        assert_eq!(r.alt_agl_m, Some(100.0));
        let v = r.speed_mps.expect("speed");
        assert!((v - 11.1).abs() < 0.2, "{v}");
        assert_eq!(r.battery_pct, Some(71));
        assert_eq!(r.mode.as_deref(), Some("AUTO"));
        assert_eq!(r.mission_seq, Some(4));
        assert!(!r.in_gap);
        assert_eq!(r.sortie, None);

        let unknown = drone_readout(&track, None, 2_000_000, 2.0, |_, _| None);
        assert_eq!(
            unknown.mode.as_deref(),
            Some("mode 99"),
            "unknown modes show their number"
        );
        assert_eq!(unknown.alt_agl_m, None, "no ground, no height above it");

        let gap = drone_readout(&track, None, 5_000_000, 5.0, |_, _| Some(700.0));
        assert!(gap.in_gap);
        assert_eq!(gap.alt_amsl_m, None);
        assert_eq!(gap.battery_pct, Some(71), "the last report still stands");

        let px4 = drone_readout(&track, None, 10_000_000, 10.0, |_, _| None);
        assert_eq!(px4.mode.as_deref(), Some("Return"));
    }
}
