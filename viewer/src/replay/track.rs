//! One drone's flown track: telemetry samples indexed by time, with the gaps where the link
//! was silent, interpolated at any instant.

use patrol_telemetry::mav::VehicleMode;

/// Shortest silence between two position samples that counts as a telemetry gap,
/// microseconds. QGroundControl calls a link lost after 3.5 s, MAVSDK after 3 s.
pub const MIN_GAP_US: i64 = 3_000_000;

/// A silence counts as a gap when it is this many times the track's median sample interval
/// (and at least [`MIN_GAP_US`]): a sped-up simulated shift or a ground station that asked
/// for a slow stream logs positions seconds apart in mission time without losing the link.
pub const GAP_INTERVALS: i64 = 3;

/// What the vehicle reported at one position fix (`GLOBAL_POSITION_INT`), with the latest
/// attitude, mode, battery and mission item heard at or before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Time of the tlog record, µs since the UNIX epoch (mission clock).
    pub t_unix_us: i64,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, metres above mean sea level.
    pub alt_amsl_m: f64,
    /// Roll, radians (ATTITUDE; 0 until the first one).
    pub roll_rad: f32,
    /// Pitch, radians.
    pub pitch_rad: f32,
    /// Yaw, radians clockwise from north.
    pub yaw_rad: f32,
    /// The autopilot's HEARTBEAT mode, read with its numbering, if heard yet.
    pub mode: Option<VehicleMode>,
    /// Battery remaining, percent, if reported.
    pub battery_pct: Option<u8>,
    /// MISSION_CURRENT sequence number, if reported.
    pub mission_seq: Option<u16>,
}

/// A stretch of time with no position sample for longer than the track's gap threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// Time of the last sample before the silence, µs since the UNIX epoch.
    pub from_unix_us: i64,
    /// Time of the first sample after it, µs since the UNIX epoch.
    pub to_unix_us: i64,
}

impl Gap {
    /// Length of the silence, seconds.
    pub fn duration_s(&self) -> f64 {
        (self.to_unix_us - self.from_unix_us) as f64 / 1e6
    }
}

/// Position and attitude at an instant, interpolated between two samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, metres above mean sea level.
    pub alt_amsl_m: f64,
    /// Roll, radians.
    pub roll_rad: f32,
    /// Pitch, radians.
    pub pitch_rad: f32,
    /// Yaw, radians clockwise from north, in -π..π.
    pub yaw_rad: f32,
}

/// One drone's samples in time order, and its gaps.
///
/// Invariant: `samples` is sorted by `t_unix_us` (ties keep file order); `gaps` lists, in
/// order, every pair of neighbours more than `gap_threshold_us` apart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    samples: Vec<Sample>,
    gaps: Vec<Gap>,
    gap_threshold_us: i64,
}

impl Track {
    /// A track from samples in any order (they are sorted by time).
    pub fn new(mut samples: Vec<Sample>) -> Track {
        samples.sort_by_key(|s| s.t_unix_us);
        let gap_threshold_us = gap_threshold_us(&samples);
        let gaps = samples
            .windows(2)
            .filter(|w| w[1].t_unix_us - w[0].t_unix_us > gap_threshold_us)
            .map(|w| Gap {
                from_unix_us: w[0].t_unix_us,
                to_unix_us: w[1].t_unix_us,
            })
            .collect();
        Track {
            samples,
            gaps,
            gap_threshold_us,
        }
    }

    /// Longest silence between two samples still drawn as one line, µs.
    pub fn gap_threshold_us(&self) -> i64 {
        self.gap_threshold_us
    }

    /// Every sample, in time order.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Every telemetry gap, in time order.
    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    /// First and last sample time, µs since the UNIX epoch; `None` for an empty track.
    pub fn time_range_unix_us(&self) -> Option<(i64, i64)> {
        Some((
            self.samples.first()?.t_unix_us,
            self.samples.last()?.t_unix_us,
        ))
    }

    /// Index of the last sample at or before `t_unix_us` (binary search); `None` before the
    /// first sample.
    pub fn index_at(&self, t_unix_us: i64) -> Option<usize> {
        self.samples
            .partition_point(|s| s.t_unix_us <= t_unix_us)
            .checked_sub(1)
    }

    /// The last sample at or before `t_unix_us`: what the vehicle had last reported then.
    pub fn sample_at(&self, t_unix_us: i64) -> Option<&Sample> {
        self.index_at(t_unix_us).map(|i| &self.samples[i])
    }

    /// Whether `t_unix_us` falls strictly inside a telemetry gap.
    pub fn in_gap(&self, t_unix_us: i64) -> bool {
        let i = self.gaps.partition_point(|g| g.to_unix_us <= t_unix_us);
        self.gaps
            .get(i)
            .is_some_and(|g| g.from_unix_us < t_unix_us && t_unix_us < g.to_unix_us)
    }

    /// Position and attitude at `t_unix_us`, linear between the neighbouring samples (yaw
    /// along the shorter way round). `None` before the first sample, after the last, and
    /// inside a gap: the viewer shows no drone where it does not know where it was.
    pub fn pose_at(&self, t_unix_us: i64) -> Option<Pose> {
        let i = self.index_at(t_unix_us)?;
        let a = &self.samples[i];
        if a.t_unix_us == t_unix_us {
            return Some(pose_of(a));
        }
        let b = self.samples.get(i + 1)?;
        let span = b.t_unix_us - a.t_unix_us;
        if span > self.gap_threshold_us {
            return None;
        }
        let f = (t_unix_us - a.t_unix_us) as f64 / span as f64;
        let lerp = |x: f64, y: f64| x + (y - x) * f;
        let lerp32 = |x: f32, y: f32| x + (y - x) * f as f32;
        Some(Pose {
            lat_deg: lerp(a.lat_deg, b.lat_deg),
            lon_deg: lerp(a.lon_deg, b.lon_deg),
            alt_amsl_m: lerp(a.alt_amsl_m, b.alt_amsl_m),
            roll_rad: lerp32(a.roll_rad, b.roll_rad),
            pitch_rad: lerp32(a.pitch_rad, b.pitch_rad),
            yaw_rad: wrap_pi(a.yaw_rad + wrap_pi(b.yaw_rad - a.yaw_rad) * f as f32),
        })
    }

    /// The track cut at its gaps: each slice is a stretch to draw as one line.
    pub fn segments(&self) -> impl Iterator<Item = &[Sample]> {
        self.samples
            .chunk_by(|a, b| b.t_unix_us - a.t_unix_us <= self.gap_threshold_us)
    }

    /// Ground speed between the samples around `t_unix_us`, metres per second (equirectangular
    /// over the short span); `None` where [`Track::pose_at`] has no pose or at the last sample.
    pub fn ground_speed_mps(&self, t_unix_us: i64) -> Option<f64> {
        let i = self.index_at(t_unix_us)?;
        let (a, b) = (&self.samples[i], self.samples.get(i + 1)?);
        let span = b.t_unix_us - a.t_unix_us;
        if span <= 0 || span > self.gap_threshold_us {
            return None;
        }
        let metres = patrol_planner::geodesy::flat::distance_m(
            patrol_planner::geodesy::flat::LonLat::new(a.lon_deg, a.lat_deg),
            patrol_planner::geodesy::flat::LonLat::new(b.lon_deg, b.lat_deg),
        );
        Some(metres / (span as f64 / 1e6))
    }
}

/// [`GAP_INTERVALS`] times the median interval between samples (sorted), at least
/// [`MIN_GAP_US`].
fn gap_threshold_us(samples: &[Sample]) -> i64 {
    let mut intervals: Vec<i64> = samples
        .windows(2)
        .map(|w| w[1].t_unix_us - w[0].t_unix_us)
        .collect();
    if intervals.is_empty() {
        return MIN_GAP_US;
    }
    let mid = intervals.len() / 2;
    let (_, median, _) = intervals.select_nth_unstable(mid);
    (*median * GAP_INTERVALS).max(MIN_GAP_US)
}

fn pose_of(s: &Sample) -> Pose {
    Pose {
        lat_deg: s.lat_deg,
        lon_deg: s.lon_deg,
        alt_amsl_m: s.alt_amsl_m,
        roll_rad: s.roll_rad,
        pitch_rad: s.pitch_rad,
        yaw_rad: wrap_pi(s.yaw_rad),
    }
}

/// An angle brought into -π..π, radians.
fn wrap_pi(a: f32) -> f32 {
    use std::f32::consts::{PI, TAU};
    let r = (a + PI).rem_euclid(TAU) - PI;
    if r <= -PI { r + TAU } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_telemetry::mav::{FlightMode, ModeNumbering};

    fn s(t_s: f64, lat: f64, yaw: f32) -> Sample {
        Sample {
            t_unix_us: (t_s * 1e6) as i64,
            lat_deg: lat,
            lon_deg: -84.0,
            alt_amsl_m: 500.0 + t_s,
            roll_rad: 0.0,
            pitch_rad: 0.0,
            yaw_rad: yaw,
            mode: Some(VehicleMode::of(ModeNumbering::ArduCopter, FlightMode::Auto)),
            battery_pct: Some(90),
            mission_seq: Some(1),
        }
    }

    fn track() -> Track {
        // 1 Hz from 10 to 13 s, silence, then 20 and 21 s; given out of order.
        Track::new(vec![
            s(21.0, 36.6, 0.0),
            s(10.0, 36.0, 0.0),
            s(11.0, 36.1, 0.0),
            s(12.0, 36.2, 0.0),
            s(13.0, 36.3, 0.0),
            s(20.0, 36.5, 0.0),
        ])
    }

    #[test]
    fn samples_are_sorted_and_gaps_found() {
        let t = track();
        let times: Vec<i64> = t
            .samples()
            .iter()
            .map(|s| s.t_unix_us / 1_000_000)
            .collect();
        assert_eq!(times, [10, 11, 12, 13, 20, 21]);
        assert_eq!(
            t.gaps(),
            [Gap {
                from_unix_us: 13_000_000,
                to_unix_us: 20_000_000
            }]
        );
        assert_eq!(t.gaps()[0].duration_s(), 7.0);
        assert_eq!(t.time_range_unix_us(), Some((10_000_000, 21_000_000)));
    }

    #[test]
    fn exactly_three_seconds_is_not_a_gap() {
        let mut samples: Vec<Sample> = (0..6).map(|i| s(f64::from(i), 36.0, 0.0)).collect();
        samples.push(s(8.0, 36.1, 0.0));
        samples.push(s(11.001, 36.2, 0.0));
        let t = Track::new(samples);
        assert_eq!(t.gap_threshold_us(), MIN_GAP_US);
        assert_eq!(t.gaps().len(), 1);
        assert_eq!(t.gaps()[0].from_unix_us, 8_000_000);
    }

    #[test]
    fn a_slow_stream_is_not_cut_into_gaps() {
        // A sped-up shift logs a fix every 20 s of mission time: the threshold is 60 s.
        let t = Track::new(
            (0..10)
                .map(|i| s(f64::from(i) * 20.0, 36.0, 0.0))
                .chain([s(230.0, 36.1, 0.0)])
                .collect(),
        );
        assert_eq!(t.gap_threshold_us(), 60_000_000);
        assert!(t.gaps().is_empty(), "50 s after 20 s fixes is no gap");
        assert_eq!(t.segments().count(), 1);
        assert!(t.pose_at(10_000_000).is_some());
        let t = Track::new(
            (0..10)
                .map(|i| s(f64::from(i) * 20.0, 36.0, 0.0))
                .chain([s(250.0, 36.1, 0.0)])
                .collect(),
        );
        assert_eq!(t.gaps().len(), 1, "a 70 s silence is a gap");
        assert!(t.pose_at(200_000_000).is_none());
    }

    #[test]
    fn seek_finds_the_last_sample_at_or_before() {
        let t = track();
        assert_eq!(t.index_at(9_999_999), None);
        assert_eq!(t.index_at(10_000_000), Some(0));
        assert_eq!(t.index_at(10_999_999), Some(0));
        assert_eq!(t.index_at(11_000_000), Some(1));
        assert_eq!(t.index_at(15_000_000), Some(3));
        assert_eq!(t.index_at(99_000_000), Some(5));
        assert_eq!(t.sample_at(20_500_000).map(|s| s.lat_deg), Some(36.5));
    }

    #[test]
    fn position_is_interpolated_between_samples() {
        let t = track();
        let p = t.pose_at(11_500_000).expect("inside the track");
        assert!((p.lat_deg - 36.15).abs() < 1e-9, "{}", p.lat_deg);
        assert!((p.alt_amsl_m - 511.5).abs() < 1e-9);
        let exact = t.pose_at(12_000_000).expect("on a sample");
        assert_eq!(exact.lat_deg, 36.2);
    }

    #[test]
    fn no_pose_inside_a_gap_or_outside_the_track() {
        let t = track();
        assert!(t.pose_at(15_000_000).is_none());
        assert!(t.in_gap(15_000_000));
        assert!(!t.in_gap(13_000_000));
        assert!(!t.in_gap(20_000_000));
        assert!(!t.in_gap(11_000_000));
        assert!(t.pose_at(13_000_000).is_some());
        assert!(t.pose_at(20_000_000).is_some());
        assert!(t.pose_at(9_000_000).is_none());
        assert!(t.pose_at(22_000_000).is_none());
        assert!(Track::default().pose_at(0).is_none());
    }

    #[test]
    fn yaw_takes_the_short_way_round() {
        let a = 170f32.to_radians();
        let b = (-170f32).to_radians();
        let t = Track::new(vec![s(0.0, 36.0, a), s(1.0, 36.0, b)]);
        let mid = t.pose_at(500_000).expect("inside");
        assert!(
            (mid.yaw_rad.abs() - std::f32::consts::PI).abs() < 1e-4,
            "yaw {} should be ±180°",
            mid.yaw_rad.to_degrees()
        );
        let quarter = t.pose_at(250_000).expect("inside");
        assert!((quarter.yaw_rad.to_degrees() - 175.0).abs() < 1e-3);
    }

    #[test]
    fn segments_break_at_gaps() {
        let t = track();
        let lens: Vec<usize> = t.segments().map(<[Sample]>::len).collect();
        assert_eq!(lens, [4, 2]);
        assert_eq!(Track::default().segments().count(), 0);
    }

    #[test]
    fn ground_speed_from_neighbouring_samples() {
        // 0.001° of latitude per second is about 111 m/s.
        let t = Track::new(vec![s(0.0, 36.0, 0.0), s(1.0, 36.001, 0.0)]);
        let v = t.ground_speed_mps(500_000).expect("inside");
        assert!((v - 110.9).abs() < 1.0, "{v}");
        assert!(t.ground_speed_mps(1_000_000).is_none());
    }
}
