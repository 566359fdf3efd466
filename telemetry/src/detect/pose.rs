//! Where a vehicle was and how its camera pointed at a past instant: a bounded history of
//! position, attitude and gimbal telemetry, interpolated at a detection's capture time.
//!
//! Position (GLOBAL_POSITION_INT), attitude (ATTITUDE) and gimbal
//! (GIMBAL_DEVICE_ATTITUDE_STATUS) arrive as separate streams at their own rates, so each is
//! kept and interpolated on its own, all on the vehicle's `time_boot_ms` clock.
//!
//! Invariants: each stream is sorted by time with one sample per timestamp (a duplicate
//! replaces the earlier one), and spans at most [`PoseLimits::span_ms`] behind the newest
//! sample of any stream. Out-of-order samples are inserted in place. When time goes back by
//! more than [`PoseLimits::reset_ms`], the vehicle has rebooted and its clock restarted: every
//! stream is cleared, since old and new times no longer compare.

use std::collections::VecDeque;
use std::fmt;

use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::geodesy::flat;

use super::attitude::{GimbalAttitude, Rot3, VehicleAttitude, camera_to_enu};

/// How long, and how patchy, a history may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoseLimits {
    /// Samples older than this behind the newest are dropped, milliseconds.
    pub span_ms: u32,
    /// How far past either end of a stream a time may be and still use the end sample,
    /// milliseconds (held, or for position extrapolated with its velocity).
    pub edge_tolerance_ms: u32,
    /// The widest gap between two samples a time may be interpolated across, milliseconds.
    pub max_gap_ms: u32,
    /// A step back in time larger than this is a reboot, milliseconds.
    pub reset_ms: u32,
}

impl Default for PoseLimits {
    fn default() -> Self {
        PoseLimits {
            span_ms: 120_000,
            edge_tolerance_ms: 1_000,
            max_gap_ms: 3_000,
            reset_ms: 5_000,
        }
    }
}

/// One of the telemetry streams a pose is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoseStream {
    /// GLOBAL_POSITION_INT (or equivalent).
    Position,
    /// ATTITUDE.
    Attitude,
    /// GIMBAL_DEVICE_ATTITUDE_STATUS.
    Gimbal,
}

impl fmt::Display for PoseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PoseStream::Position => "position",
            PoseStream::Attitude => "attitude",
            PoseStream::Gimbal => "gimbal",
        })
    }
}

/// Why no pose can be given for a time, or a sample was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PoseError {
    /// The stream has no samples (none yet, or none since the last reboot).
    #[error(
        "no {stream} telemetry received (since the last reboot) to place time {time_boot_ms} ms"
    )]
    NoSamples {
        /// The empty stream.
        stream: PoseStream,
        /// The time asked for, ms since boot.
        time_boot_ms: u32,
    },
    /// The time lies outside the stream's samples by more than the tolerance.
    #[error(
        "time {time_boot_ms} ms is outside the {stream} history ({first_ms}..{last_ms} ms since boot)"
    )]
    OutsideHistory {
        /// The stream.
        stream: PoseStream,
        /// The time asked for, ms since boot.
        time_boot_ms: u32,
        /// Its oldest sample, ms since boot.
        first_ms: u32,
        /// Its newest sample, ms since boot.
        last_ms: u32,
    },
    /// The samples around the time are too far apart to interpolate between.
    #[error(
        "{stream} telemetry has a {gap_s:.1} s gap ({from_ms}..{to_ms} ms since boot) around time {time_boot_ms} ms"
    )]
    TelemetryGap {
        /// The stream.
        stream: PoseStream,
        /// The time asked for, ms since boot.
        time_boot_ms: u32,
        /// The sample before, ms since boot.
        from_ms: u32,
        /// The sample after, ms since boot.
        to_ms: u32,
        /// The gap, seconds.
        gap_s: f64,
    },
    /// A sample carries a value that is not a number (or out of range).
    #[error("{stream} sample at {time_boot_ms} ms has {field} = {value}: refused")]
    InvalidSample {
        /// The stream.
        stream: PoseStream,
        /// The sample's time, ms since boot.
        time_boot_ms: u32,
        /// The field.
        field: &'static str,
        /// Its value.
        value: f64,
    },
}

/// A position sample.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PositionSample {
    position: Geodetic,
    velocity_ned_mps: Option<[f64; 3]>,
}

/// The vehicle's pose at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// The instant, ms since boot.
    pub time_boot_ms: u32,
    /// Position; height in metres above mean sea level.
    pub position: Geodetic,
    /// Velocity, NED metres per second, at the vehicle; reported, or differenced from
    /// positions; `None` when neither is possible.
    pub velocity_ned_mps: Option<[f64; 3]>,
    /// Vehicle attitude.
    pub attitude: VehicleAttitude,
    /// Gimbal attitude; `None` when this vehicle never reported one (use its fixed mount).
    pub gimbal: Option<GimbalAttitude>,
    /// The widest time, seconds, any stream was interpolated across (between its bracketing
    /// samples) or held over (past its end): how stale the pose may be.
    pub bracket_gap_s: f64,
}

impl Pose {
    /// Camera frame → ENU at the vehicle: the reported gimbal, or `fixed_mount` when there is
    /// none.
    pub fn camera_to_enu(&self, fixed_mount: &GimbalAttitude) -> Rot3 {
        camera_to_enu(&self.attitude, self.gimbal.as_ref().unwrap_or(fixed_mount))
    }
}

/// Where a time falls in a stream.
enum Bracket<'a, T> {
    /// Between two samples (or on one: `f` = 0), at fraction `f`.
    Between(&'a (u32, T), &'a (u32, T), f64),
    /// Past an end by `dt_s` seconds (negative before the first sample).
    Held(&'a (u32, T), f64),
}

/// One stream: samples sorted by time, one per timestamp.
#[derive(Debug, Clone)]
struct Stream<T> {
    samples: VecDeque<(u32, T)>,
}

impl<T> Stream<T> {
    fn new() -> Self {
        Stream {
            samples: VecDeque::new(),
        }
    }

    fn insert(&mut self, time_ms: u32, value: T) {
        let i = self.samples.partition_point(|s| s.0 < time_ms);
        match self.samples.get_mut(i) {
            Some(s) if s.0 == time_ms => s.1 = value,
            _ => self.samples.insert(i, (time_ms, value)),
        }
    }

    fn prune_before(&mut self, oldest_ms: u32) {
        while self.samples.front().is_some_and(|s| s.0 < oldest_ms) {
            self.samples.pop_front();
        }
    }

    fn bracket(
        &self,
        stream: PoseStream,
        t: u32,
        limits: &PoseLimits,
    ) -> Result<Bracket<'_, T>, PoseError> {
        let (Some(first), Some(last)) = (self.samples.front(), self.samples.back()) else {
            return Err(PoseError::NoSamples {
                stream,
                time_boot_ms: t,
            });
        };
        let outside = || PoseError::OutsideHistory {
            stream,
            time_boot_ms: t,
            first_ms: first.0,
            last_ms: last.0,
        };
        if t < first.0 {
            return if first.0 - t <= limits.edge_tolerance_ms {
                Ok(Bracket::Held(first, -f64::from(first.0 - t) / 1000.0))
            } else {
                Err(outside())
            };
        }
        if t > last.0 {
            return if t - last.0 <= limits.edge_tolerance_ms {
                Ok(Bracket::Held(last, f64::from(t - last.0) / 1000.0))
            } else {
                Err(outside())
            };
        }
        // first.0 <= t <= last.0, so 1 <= after <= len.
        let after = self.samples.partition_point(|s| s.0 <= t);
        let a = &self.samples[after - 1];
        if a.0 == t {
            return Ok(Bracket::Between(a, a, 0.0));
        }
        let b = &self.samples[after];
        let gap_ms = b.0 - a.0;
        if gap_ms > limits.max_gap_ms {
            return Err(PoseError::TelemetryGap {
                stream,
                time_boot_ms: t,
                from_ms: a.0,
                to_ms: b.0,
                gap_s: f64::from(gap_ms) / 1000.0,
            });
        }
        Ok(Bracket::Between(
            a,
            b,
            f64::from(t - a.0) / f64::from(gap_ms),
        ))
    }
}

impl<T> Bracket<'_, T> {
    /// Seconds between the bracketing samples, or held past the end.
    fn span_s(&self) -> f64 {
        match self {
            Bracket::Between(a, b, _) => f64::from(b.0 - a.0) / 1000.0,
            Bracket::Held(_, dt_s) => dt_s.abs(),
        }
    }
}

/// One vehicle's recent telemetry, for placing detections in time.
#[derive(Debug, Clone)]
pub struct PoseHistory {
    limits: PoseLimits,
    positions: Stream<PositionSample>,
    attitudes: Stream<VehicleAttitude>,
    gimbals: Stream<GimbalAttitude>,
    newest_ms: Option<u32>,
    resets: u32,
}

impl Default for PoseHistory {
    fn default() -> Self {
        Self::new(PoseLimits::default())
    }
}

impl PoseHistory {
    /// An empty history.
    pub fn new(limits: PoseLimits) -> PoseHistory {
        PoseHistory {
            limits,
            positions: Stream::new(),
            attitudes: Stream::new(),
            gimbals: Stream::new(),
            newest_ms: None,
            resets: 0,
        }
    }

    /// How many reboots (clock resets) cleared the history.
    pub fn resets(&self) -> u32 {
        self.resets
    }

    /// Adds a position: degrees, metres above mean sea level, optional NED velocity (m/s).
    pub fn push_position(
        &mut self,
        time_boot_ms: u32,
        position: Geodetic,
        velocity_ned_mps: Option<[f64; 3]>,
    ) -> Result<(), PoseError> {
        let bad = |field, value| PoseError::InvalidSample {
            stream: PoseStream::Position,
            time_boot_ms,
            field,
            value,
        };
        if position.lat_deg.is_nan() || position.lat_deg.abs() > 90.0 {
            return Err(bad("lat_deg", position.lat_deg));
        }
        if position.lon_deg.is_nan() || position.lon_deg.abs() > 360.0 {
            return Err(bad("lon_deg", position.lon_deg));
        }
        if !position.alt_amsl_m.is_finite() {
            return Err(bad("alt_amsl_m", position.alt_amsl_m));
        }
        if let Some(v) = velocity_ned_mps.and_then(|v| v.into_iter().find(|c| !c.is_finite())) {
            return Err(bad("velocity_ned_mps", v));
        }
        self.observe_time(time_boot_ms);
        let sample = PositionSample {
            position,
            velocity_ned_mps,
        };
        self.positions.insert(time_boot_ms, sample);
        self.prune();
        Ok(())
    }

    /// Adds an ATTITUDE sample (radians).
    pub fn push_attitude(
        &mut self,
        time_boot_ms: u32,
        attitude: VehicleAttitude,
    ) -> Result<(), PoseError> {
        for (field, value) in [
            ("roll_rad", attitude.roll_rad),
            ("pitch_rad", attitude.pitch_rad),
            ("yaw_rad", attitude.yaw_rad),
        ] {
            if !value.is_finite() {
                return Err(PoseError::InvalidSample {
                    stream: PoseStream::Attitude,
                    time_boot_ms,
                    field,
                    value,
                });
            }
        }
        self.observe_time(time_boot_ms);
        self.attitudes.insert(time_boot_ms, attitude);
        self.prune();
        Ok(())
    }

    /// Adds a gimbal attitude (already checked by [`GimbalAttitude::from_device_status`]).
    pub fn push_gimbal(&mut self, time_boot_ms: u32, gimbal: GimbalAttitude) {
        self.observe_time(time_boot_ms);
        self.gimbals.insert(time_boot_ms, gimbal);
        self.prune();
    }

    /// Clears everything on a reboot; otherwise advances the newest time.
    fn observe_time(&mut self, t: u32) {
        match self.newest_ms {
            Some(newest) if t.saturating_add(self.limits.reset_ms) < newest => {
                self.positions = Stream::new();
                self.attitudes = Stream::new();
                self.gimbals = Stream::new();
                self.newest_ms = Some(t);
                self.resets += 1;
            }
            Some(newest) => self.newest_ms = Some(newest.max(t)),
            None => self.newest_ms = Some(t),
        }
    }

    fn prune(&mut self) {
        let oldest = self
            .newest_ms
            .unwrap_or(0)
            .saturating_sub(self.limits.span_ms);
        self.positions.prune_before(oldest);
        self.attitudes.prune_before(oldest);
        self.gimbals.prune_before(oldest);
    }

    /// The pose at `time_boot_ms`: position interpolated linearly (or extrapolated along its
    /// velocity up to the edge tolerance), attitude with yaw unwrapped across ±180°, gimbal by
    /// quaternion slerp.
    pub fn pose_at(&self, time_boot_ms: u32) -> Result<Pose, PoseError> {
        let t = time_boot_ms;
        let pos = self
            .positions
            .bracket(PoseStream::Position, t, &self.limits)?;
        let att = self
            .attitudes
            .bracket(PoseStream::Attitude, t, &self.limits)?;
        let gim = if self.gimbals.samples.is_empty() {
            None
        } else {
            Some(self.gimbals.bracket(PoseStream::Gimbal, t, &self.limits)?)
        };
        let bracket_gap_s = pos
            .span_s()
            .max(att.span_s())
            .max(gim.as_ref().map_or(0.0, |g| g.span_s()));
        let (position, velocity_ned_mps) = self.position_at(&pos);
        let attitude = match att {
            Bracket::Between(a, b, f) => VehicleAttitude {
                roll_rad: lerp_angle(a.1.roll_rad, b.1.roll_rad, f),
                pitch_rad: a.1.pitch_rad + (b.1.pitch_rad - a.1.pitch_rad) * f,
                yaw_rad: lerp_angle(a.1.yaw_rad, b.1.yaw_rad, f),
            },
            Bracket::Held(s, _) => s.1,
        };
        let gimbal = gim.map(|g| match g {
            Bracket::Between(a, b, f) if a.1.reference == b.1.reference => GimbalAttitude {
                q_wxyz: slerp(a.1.q_wxyz, b.1.q_wxyz, f),
                reference: a.1.reference,
            },
            // The gimbal switched frames: the nearer report is the one to trust.
            Bracket::Between(a, b, f) => {
                if f < 0.5 {
                    a.1
                } else {
                    b.1
                }
            }
            Bracket::Held(s, _) => s.1,
        });
        Ok(Pose {
            time_boot_ms,
            position,
            velocity_ned_mps,
            attitude,
            gimbal,
            bracket_gap_s,
        })
    }

    fn position_at(&self, b: &Bracket<'_, PositionSample>) -> (Geodetic, Option<[f64; 3]>) {
        match *b {
            Bracket::Between(a, c, f) => {
                let (p, q) = (a.1.position, c.1.position);
                let position = Geodetic {
                    lat_deg: p.lat_deg + (q.lat_deg - p.lat_deg) * f,
                    lon_deg: p.lon_deg + wrap_deg(q.lon_deg - p.lon_deg) * f,
                    alt_amsl_m: p.alt_amsl_m + (q.alt_amsl_m - p.alt_amsl_m) * f,
                };
                let velocity = match (a.1.velocity_ned_mps, c.1.velocity_ned_mps) {
                    (Some(va), Some(vc)) => Some([0, 1, 2].map(|i| va[i] + (vc[i] - va[i]) * f)),
                    _ if c.0 > a.0 => Some(velocity_between(p, q, f64::from(c.0 - a.0) / 1000.0)),
                    _ => a.1.velocity_ned_mps,
                };
                (position, velocity)
            }
            Bracket::Held(s, dt_s) => {
                let velocity = s.1.velocity_ned_mps.or_else(|| self.end_velocity(s.0));
                let position = match velocity {
                    Some(v) => displace(s.1.position, v.map(|c| c * dt_s)),
                    None => s.1.position,
                };
                (position, velocity)
            }
        }
    }

    /// Velocity differenced from the end sample at `end_ms` and its neighbour, if they are
    /// close enough in time.
    fn end_velocity(&self, end_ms: u32) -> Option<[f64; 3]> {
        let s = &self.positions.samples;
        let i = s.iter().position(|x| x.0 == end_ms)?;
        let (a, b) = if i == 0 {
            (s.front()?, s.get(1)?)
        } else {
            (s.get(i - 1)?, s.get(i)?)
        };
        let dt_ms = b.0 - a.0;
        (dt_ms > 0 && dt_ms <= self.limits.max_gap_ms)
            .then(|| velocity_between(a.1.position, b.1.position, f64::from(dt_ms) / 1000.0))
    }
}

/// NED velocity, m/s, of moving from `p` to `q` in `dt_s` seconds.
fn velocity_between(p: Geodetic, q: Geodetic, dt_s: f64) -> [f64; 3] {
    let (east_m, north_m) = flat::offset_m(p.into(), q.into());
    [
        north_m / dt_s,
        east_m / dt_s,
        -(q.alt_amsl_m - p.alt_amsl_m) / dt_s,
    ]
}

/// `p` moved by a NED offset in metres (small offsets: a second of flight).
fn displace(p: Geodetic, d_ned_m: [f64; 3]) -> Geodetic {
    let to = flat::moved(p.into(), d_ned_m[1], d_ned_m[0]);
    Geodetic {
        lat_deg: to.lat_deg,
        lon_deg: to.lon_deg,
        alt_amsl_m: p.alt_amsl_m - d_ned_m[2],
    }
}

/// An angle difference folded into [-180, 180) degrees.
fn wrap_deg(d: f64) -> f64 {
    (d + 180.0).rem_euclid(360.0) - 180.0
}

/// Interpolates angles (radians) the short way round, result in (-π, π].
fn lerp_angle(a: f64, b: f64, f: f64) -> f64 {
    use std::f64::consts::{PI, TAU};
    let d = (b - a).rem_euclid(TAU);
    let d = if d > PI { d - TAU } else { d };
    let x = (a + d * f).rem_euclid(TAU);
    if x > PI { x - TAU } else { x }
}

/// Spherical interpolation between unit quaternions, the short way round.
fn slerp(a: [f64; 4], b: [f64; 4], f: f64) -> [f64; 4] {
    let mut dot: f64 = (0..4).map(|i| a[i] * b[i]).sum();
    // q and -q are the same rotation; take the nearer one.
    let b = if dot < 0.0 {
        dot = -dot;
        b.map(|c| -c)
    } else {
        b
    };
    let (wa, wb) = if dot > 0.9995 {
        (1.0 - f, f)
    } else {
        let theta = dot.clamp(-1.0, 1.0).acos();
        let s = theta.sin();
        (((1.0 - f) * theta).sin() / s, (f * theta).sin() / s)
    };
    let q = [0, 1, 2, 3].map(|i| wa * a[i] + wb * b[i]);
    let n = q.iter().map(|c| c * c).sum::<f64>().sqrt();
    q.map(|c| c / n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::attitude::{GimbalReference, quaternion_from_euler_321};
    use patrol_planner::geodesy::flat::metres_per_degree;

    const P0: Geodetic = Geodetic {
        lat_deg: 36.6,
        lon_deg: -84.2,
        alt_amsl_m: 500.0,
    };

    fn att(yaw_deg: f64) -> VehicleAttitude {
        VehicleAttitude {
            roll_rad: 0.0,
            pitch_rad: 0.0,
            yaw_rad: yaw_deg.to_radians(),
        }
    }

    /// Flying east at 12 m/s from P0 at t = 10 s, samples every `step_ms`.
    fn history(step_ms: u32, until_ms: u32) -> PoseHistory {
        let mut h = PoseHistory::default();
        let (m_lon, _) = metres_per_degree(P0.lat_deg);
        let mut t = 10_000;
        while t <= until_ms {
            let east_m = 12.0 * f64::from(t - 10_000) / 1000.0;
            let p = Geodetic {
                lon_deg: P0.lon_deg + east_m / m_lon,
                ..P0
            };
            h.push_position(t, p, Some([0.0, 12.0, 0.0]))
                .expect("valid");
            h.push_attitude(t, att(90.0)).expect("valid");
            t += step_ms;
        }
        h
    }

    #[test]
    fn position_and_attitude_interpolate_midway() {
        let mut h = PoseHistory::default();
        let p1 = Geodetic {
            lat_deg: P0.lat_deg + 0.001,
            lon_deg: P0.lon_deg - 0.002,
            alt_amsl_m: 520.0,
        };
        h.push_position(1000, P0, None).expect("valid");
        h.push_position(2000, p1, None).expect("valid");
        h.push_attitude(
            1000,
            VehicleAttitude {
                roll_rad: 0.1,
                pitch_rad: -0.2,
                yaw_rad: 1.0,
            },
        )
        .expect("valid");
        h.push_attitude(
            2000,
            VehicleAttitude {
                roll_rad: 0.3,
                pitch_rad: 0.0,
                yaw_rad: 1.5,
            },
        )
        .expect("valid");
        let pose = h.pose_at(1500).expect("inside");
        assert!((pose.position.lat_deg - (P0.lat_deg + 0.0005)).abs() < 1e-12);
        assert!((pose.position.lon_deg - (P0.lon_deg - 0.001)).abs() < 1e-12);
        assert!((pose.position.alt_amsl_m - 510.0).abs() < 1e-9);
        assert!((pose.attitude.roll_rad - 0.2).abs() < 1e-12);
        assert!((pose.attitude.pitch_rad + 0.1).abs() < 1e-12);
        assert!((pose.attitude.yaw_rad - 1.25).abs() < 1e-12);
        assert_eq!(pose.bracket_gap_s, 1.0);
        assert_eq!(pose.gimbal, None);
        // No reported velocity: differenced from the positions (north 0.001° in 1 s).
        let v = pose.velocity_ned_mps.expect("differenced");
        assert!((v[0] - 0.001 * metres_per_degree(36.6005).1).abs() < 1e-6);
        assert!((v[2] + 20.0).abs() < 1e-9, "climbing 20 m/s is NED -20");
    }

    #[test]
    fn yaw_wraps_across_180_degrees() {
        let mut h = PoseHistory::default();
        h.push_position(0, P0, None).expect("valid");
        h.push_position(100, P0, None).expect("valid");
        h.push_attitude(0, att(179.0)).expect("valid");
        h.push_attitude(100, att(-179.0)).expect("valid");
        let yaw = h.pose_at(50).expect("inside").attitude.yaw_rad.to_degrees();
        assert!(
            (yaw.abs() - 180.0).abs() < 1e-9,
            "midway is 180°, not 0°: {yaw}"
        );
        let yaw = h.pose_at(75).expect("inside").attitude.yaw_rad.to_degrees();
        assert!((yaw + 179.5).abs() < 1e-9, "{yaw}");
    }

    #[test]
    fn gimbal_slerps_and_keeps_its_reference() {
        let mut h = history(100, 11_000);
        let q0 = quaternion_from_euler_321(0.0, (-20f64).to_radians(), 0.0);
        let q1 = quaternion_from_euler_321(0.0, (-40f64).to_radians(), 0.0);
        // -q1 is the same rotation: slerp must still take the short way.
        let q1_neg = q1.map(|c| -c);
        h.push_gimbal(
            10_000,
            GimbalAttitude::from_device_status(q0, 64).expect("unit"),
        );
        h.push_gimbal(
            10_500,
            GimbalAttitude::from_device_status(q1_neg, 64).expect("unit"),
        );
        let g = h.pose_at(10_250).expect("inside").gimbal.expect("reported");
        let expected = quaternion_from_euler_321(0.0, (-30f64).to_radians(), 0.0);
        let dot: f64 = (0..4).map(|i| g.q_wxyz[i] * expected[i]).sum();
        assert!((dot.abs() - 1.0).abs() < 1e-12);
        assert_eq!(g.reference, GimbalReference::Earth);
    }

    #[test]
    fn a_telemetry_gap_is_an_error_naming_it() {
        let mut h = history(100, 12_000);
        h.push_position(16_000, P0, None).expect("valid");
        h.push_attitude(16_000, att(90.0)).expect("valid");
        let err = h.pose_at(14_000).expect_err("4 s gap");
        assert_eq!(
            err,
            PoseError::TelemetryGap {
                stream: PoseStream::Position,
                time_boot_ms: 14_000,
                from_ms: 12_000,
                to_ms: 16_000,
                gap_s: 4.0,
            }
        );
        assert!(err.to_string().contains("4.0 s gap"), "{err}");
        // Just past the end: held, with extrapolation along the velocity.
        let h = history(100, 12_000);
        let pose = h.pose_at(12_500).expect("within tolerance");
        let east_m = (pose.position.lon_deg - P0.lon_deg) * metres_per_degree(P0.lat_deg).0;
        assert!((east_m - 12.0 * 2.5).abs() < 1e-6, "{east_m}");
        assert_eq!(pose.bracket_gap_s, 0.5);
        assert!(matches!(
            h.pose_at(13_500),
            Err(PoseError::OutsideHistory { .. })
        ));
        assert!(matches!(
            h.pose_at(8_000),
            Err(PoseError::OutsideHistory { .. })
        ));
    }

    #[test]
    fn missing_streams_are_named() {
        let mut h = PoseHistory::default();
        h.push_position(1000, P0, None).expect("valid");
        let err = h.pose_at(1000).expect_err("no attitude");
        assert!(matches!(
            err,
            PoseError::NoSamples {
                stream: PoseStream::Attitude,
                ..
            }
        ));
        assert!(err.to_string().contains("no attitude telemetry"));
        let mut h = history(100, 12_000);
        let q = quaternion_from_euler_321(0.0, -1.0, 0.0);
        h.push_gimbal(
            10_000,
            GimbalAttitude::from_device_status(q, 32).expect("unit"),
        );
        // A gimbal that stopped reporting is not silently replaced by the fixed mount.
        let err = h.pose_at(11_500).expect_err("gimbal stale");
        assert!(matches!(
            err,
            PoseError::TelemetryGap { .. } | PoseError::OutsideHistory { .. }
        ));
    }

    #[test]
    fn out_of_order_and_duplicate_samples_do_not_panic() {
        let mut h = PoseHistory::default();
        for &t in &[3000, 1000, 2000, 2000, 1000, 3000, 2500] {
            h.push_position(t, P0, None).expect("valid");
            h.push_attitude(t, att(f64::from(t) / 100.0))
                .expect("valid");
        }
        let times: Vec<u32> = h.attitudes.samples.iter().map(|s| s.0).collect();
        assert_eq!(times, vec![1000, 2000, 2500, 3000]);
        let yaw = h
            .pose_at(2250)
            .expect("inside")
            .attitude
            .yaw_rad
            .to_degrees();
        assert!((yaw - 22.5).abs() < 1e-9);
        // Exactly on a duplicated sample: its latest value.
        assert!(
            h.pose_at(2000)
                .expect("inside")
                .attitude
                .yaw_rad
                .to_degrees()
                - 20.0
                < 1e-9
        );
    }

    #[test]
    fn invalid_samples_are_refused() {
        let mut h = PoseHistory::default();
        let nan = Geodetic {
            lat_deg: f64::NAN,
            ..P0
        };
        let err = h.push_position(1, nan, None).expect_err("NaN");
        assert!(err.to_string().contains("lat_deg"));
        let err = h
            .push_position(1, P0, Some([0.0, f64::INFINITY, 0.0]))
            .expect_err("inf");
        assert!(err.to_string().contains("velocity_ned_mps"));
        let bad = VehicleAttitude {
            roll_rad: 0.0,
            pitch_rad: f64::NAN,
            yaw_rad: 0.0,
        };
        assert!(h.push_attitude(1, bad).is_err());
        assert!(matches!(h.pose_at(1), Err(PoseError::NoSamples { .. })));
    }

    #[test]
    fn a_reboot_clears_the_history() {
        let mut h = history(100, 60_000);
        h.push_position(2_000, P0, None).expect("valid");
        assert_eq!(h.resets(), 1);
        assert!(matches!(
            h.pose_at(2_000),
            Err(PoseError::NoSamples {
                stream: PoseStream::Attitude,
                ..
            })
        ));
        assert_eq!(h.positions.samples.len(), 1);
        // A small step back (a late packet) is not a reboot.
        let mut h = history(100, 20_000);
        h.push_position(18_050, P0, None).expect("valid");
        assert_eq!(h.resets(), 0);
    }

    #[test]
    fn the_history_is_bounded() {
        let h = history(100, 200_000);
        let first = h.positions.samples.front().map(|s| s.0);
        assert_eq!(first, Some(80_000));
        assert_eq!(h.positions.samples.len(), 1201);
    }
}
