//! How the simulated vehicle moves: mission execution, the motion segments it flies, battery
//! drain, failsafes, GPS noise and the state it reports. All of it is private to
//! [`super::FlightModel`]; the public commands live in the parent module.

use patrol_planner::area::fleet::Drone;
use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::plan::energy::{Wind, ground_speed_mps};
use patrol_planner::plan::model::{MissionItem, cmd, frame};
use patrol_planner::route::rng::SplitMix64;

use super::{FlightConfig, FlightEvent, FlightMode, FlightModel, LandedState, VehicleState};

/// Lowest return altitude above home, metres (ArduPilot's RTL_ALT, raised for tree cover).
const RTL_MIN_ALT_M: f64 = 30.0;
/// Below this height a landing slows to its final rate, metres (ArduCopter LAND_ALT_LOW).
const LAND_SLOW_AGL_M: f64 = 10.0;
/// Disarm delay after touchdown, seconds.
const LANDED_DISARM_S: f64 = 2.0;
/// Descent rate of a vehicle disarmed in the air, metres per second.
const FALL_RATE_MPS: f64 = 15.0;
/// Correlation time of the GPS error, seconds.
const GPS_TAU_S: f64 = 30.0;
/// Battery drain of idling motors on the ground, as a share of the cruise drain.
const GROUND_IDLE_DRAIN: f64 = 0.025;

/// One piece of motion the vehicle is committed to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Segment {
    /// Straight up or down to an altitude above mean sea level, metres.
    Climb { alt_amsl_m: f64 },
    /// A straight 3-D line to `to` ([east_m, north_m, alt_amsl_m]; altitude NaN keeps the
    /// starting one) from `from`, set when the line begins.
    Line {
        to: [f64; 3],
        from: Option<[f64; 3]>,
    },
    /// Hover for a while, seconds.
    Wait { left_s: f64 },
    /// Descend in place to the ground; `fall` when the motors are off.
    Descend { fall: bool },
}

/// Failsafes that have fired (each acts once until re-armed or its cause clears).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Fired {
    pub(super) gcs: bool,
    battery: bool,
    critical: bool,
    pub(super) gps: bool,
}

/// Performance figures of the drone, made positive and finite.
#[derive(Debug, Clone, Copy)]
pub(super) struct Perf {
    pub(super) cruise_mps: f64,
    max_speed_mps: f64,
    climb_mps: f64,
    descent_mps: f64,
    endurance_s: f64,
    swap_s: f64,
}

impl Perf {
    /// The drone's figures; nonsense (zero, negative, NaN) gets a modest stand-in.
    pub(super) fn of(drone: &Drone) -> Perf {
        let cruise_mps = positive_or(drone.cruise_speed_mps, 10.0);
        Perf {
            cruise_mps,
            max_speed_mps: positive_or(drone.max_speed_mps, cruise_mps).max(cruise_mps),
            climb_mps: positive_or(drone.climb_rate_mps, 2.0),
            descent_mps: positive_or(drone.descent_rate_mps, 1.5),
            endurance_s: positive_or(drone.endurance_min * 60.0, 600.0),
            swap_s: at_least_zero_or(drone.battery_swap_min * 60.0, 600.0),
        }
    }
}

fn positive_or(x: f64, fallback: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        fallback
    }
}

/// `x` if it is 0 or more (infinity included: "never"), else `fallback`.
fn at_least_zero_or(x: f64, fallback: f64) -> f64 {
    if x >= 0.0 { x } else { fallback }
}

/// The configuration with nonsense replaced, so that no setting can make the model panic.
pub(super) fn sanitized(config: FlightConfig) -> FlightConfig {
    let wind_ok = config.wind.speed_mps.is_finite() && config.wind.from_deg.is_finite();
    FlightConfig {
        // Beyond 100 m/s "wind" is a unit mistake, and its square would overflow the model.
        wind: if wind_ok && config.wind.speed_mps.abs() <= 100.0 {
            config.wind
        } else {
            Wind::CALM
        },
        gps_noise_m: at_least_zero_or(config.gps_noise_m, 0.0).min(1e4),
        seed: config.seed,
        low_battery_rtl: if config.low_battery_rtl.is_finite() {
            config.low_battery_rtl.clamp(0.0, 1.0)
        } else {
            0.25
        },
        acceptance_radius_m: at_least_zero_or(config.acceptance_radius_m, 2.0).min(1e3),
        gcs_failsafe_s: positive_or(config.gcs_failsafe_s, f64::INFINITY),
        idle_disarm_s: at_least_zero_or(config.idle_disarm_s, 10.0),
    }
}

/// A standard normal sample (Box-Muller).
pub(super) fn gauss(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.next_f64(); // in (0, 1]: ln stays finite
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl FlightModel {
    pub(super) fn emit(&mut self, event: FlightEvent) {
        self.events.push(event);
    }

    fn geodetic_of(&self, east_m: f64, north_m: f64) -> Geodetic {
        self.frame.enu_to_geodetic(Enu {
            east_m,
            north_m,
            up_m: 0.0,
        })
    }

    /// Terrain height, metres AMSL; off the DEM the home ground.
    pub(super) fn ground_at(&self, east_m: f64, north_m: f64) -> f64 {
        let g = self.geodetic_of(east_m, north_m);
        self.terrain
            .elevation_amsl_m(g.lat_deg, g.lon_deg)
            .filter(|h| h.is_finite())
            .unwrap_or(self.home.alt_amsl_m)
    }

    /// `alt_amsl_m`, but at least 2 m above the ground here (NaN gives the floor).
    pub(super) fn climb_floor(&self, alt_amsl_m: f64) -> f64 {
        alt_amsl_m.max(self.ground_at(self.pos[0], self.pos[1]) + 2.0)
    }

    /// A mission item's target [east_m, north_m, alt_amsl_m]; no position means here, and an
    /// altitude without a reference is NaN (keep the current one).
    fn target_of(&self, item: &MissionItem) -> [f64; 3] {
        let (lat, lon) = (item.lat_deg, item.lon_deg);
        let mut en = [self.pos[0], self.pos[1]];
        if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && !(lat == 0.0 && lon == 0.0) {
            let p = self.frame.geodetic_to_enu(Geodetic {
                lat_deg: lat,
                lon_deg: lon,
                alt_amsl_m: self.home.alt_amsl_m,
            });
            if p.east_m.is_finite() && p.north_m.is_finite() {
                en = [p.east_m, p.north_m];
            }
        }
        let alt = match item.frame {
            _ if !item.alt_m.is_finite() => f64::NAN,
            frame::GLOBAL_AMSL => item.alt_m,
            frame::RELATIVE_TO_HOME => self.home.alt_amsl_m + item.alt_m,
            frame::TERRAIN => self.ground_at(en[0], en[1]) + item.alt_m,
            _ => f64::NAN,
        };
        [en[0], en[1], alt]
    }

    pub(super) fn enter_mode(&mut self, mode: FlightMode, reason: &'static str) {
        if self.mode != mode {
            self.emit(FlightEvent::ModeChanged { mode, reason });
        }
        self.mode = mode;
        self.auto_running = false;
        self.nav_item = None;
        self.landing_item = None;
        if !self.armed {
            return; // nothing to command; a falling vehicle keeps falling
        }
        self.segments.clear();
        self.taking_off = false;
        if self.on_ground {
            return; // on the ground modes only wait: AUTO for MISSION_START, GUIDED for take-off
        }
        match mode {
            FlightMode::Auto => {
                self.auto_running = true;
                self.start_item();
            }
            FlightMode::Rtl => self.push_rtl(),
            FlightMode::Land => self.segments.push_back(Segment::Descend { fall: false }),
            FlightMode::Guided | FlightMode::Loiter | FlightMode::Stabilize => {}
        }
    }

    /// Climb to the return altitude, fly home, land.
    fn push_rtl(&mut self) {
        if !self.on_ground {
            let rtl_alt = self.pos[2].max(self.home.alt_amsl_m + RTL_MIN_ALT_M);
            if rtl_alt > self.pos[2] {
                self.segments.push_back(Segment::Climb {
                    alt_amsl_m: rtl_alt,
                });
            }
            self.segments.push_back(Segment::Line {
                to: [0.0, 0.0, rtl_alt],
                from: None,
            });
        }
        self.segments.push_back(Segment::Descend { fall: false });
    }

    /// Starts the current mission item, executing instant ones until one needs flying.
    pub(super) fn start_item(&mut self) {
        self.nav_item = None;
        self.landing_item = None;
        for _ in 0..self.mission.len() + 2 {
            let cur = self.mission_current;
            if cur == 0 && self.mission.len() > 1 {
                self.mission_current = 1; // item 0 is home, never flown
                self.emit(FlightEvent::CurrentItem(1));
                continue;
            }
            let Some(item) = self
                .mission
                .get(usize::from(cur))
                .copied()
                .filter(|_| cur > 0)
            else {
                self.mission_complete();
                return;
            };
            let target = self.target_of(&item);
            match item.command {
                cmd::TAKEOFF | cmd::VTOL_TAKEOFF => {
                    let alt_amsl_m = self.climb_floor(target[2]);
                    if self.on_ground || alt_amsl_m > self.pos[2] + 0.05 {
                        self.segments.push_back(Segment::Climb { alt_amsl_m });
                        self.nav_item = Some(cur);
                        return;
                    }
                }
                cmd::WAYPOINT => {
                    if self.on_ground {
                        // Copters lift off vertically before heading to a first waypoint.
                        self.segments.push_back(Segment::Climb {
                            alt_amsl_m: self.climb_floor(target[2]),
                        });
                    }
                    self.segments.push_back(Segment::Line {
                        to: target,
                        from: None,
                    });
                    if let Some(hold_s) = item.params[0].filter(|s| s.is_finite() && *s > 0.0) {
                        self.segments.push_back(Segment::Wait {
                            left_s: hold_s.min(3600.0),
                        });
                    }
                    self.nav_item = Some(cur);
                    return;
                }
                cmd::LAND | cmd::VTOL_LAND => {
                    let away = (target[0] - self.pos[0]).hypot(target[1] - self.pos[1]) > 0.01;
                    if away && !self.on_ground {
                        self.segments.push_back(Segment::Line {
                            to: [target[0], target[1], f64::NAN],
                            from: None,
                        });
                    }
                    self.segments.push_back(Segment::Descend { fall: false });
                    self.landing_item = Some(cur);
                    return;
                }
                cmd::RETURN_TO_LAUNCH => {
                    self.push_rtl();
                    self.landing_item = Some(cur);
                    return;
                }
                cmd::DO_CHANGE_SPEED => {
                    if let Some(v) = item.params[1].filter(|v| v.is_finite() && *v > 0.0) {
                        self.speed_mps = v.min(self.perf.max_speed_mps);
                    }
                }
                _ => {} // camera and other non-navigation items: nothing to simulate
            }
            self.emit(FlightEvent::ItemReached(cur));
            if !self.advance_item() {
                return;
            }
        }
    }

    /// Moves to the next item; false (and mission complete) past the last.
    fn advance_item(&mut self) -> bool {
        let next = usize::from(self.mission_current) + 1;
        match u16::try_from(next) {
            Ok(next) if usize::from(next) < self.mission.len() => {
                self.mission_current = next;
                self.emit(FlightEvent::CurrentItem(next));
                true
            }
            _ => {
                self.mission_complete();
                false
            }
        }
    }

    fn mission_complete(&mut self) {
        self.auto_running = false;
        self.nav_item = None;
        self.landing_item = None;
        if self.mode == FlightMode::Auto {
            self.enter_mode(FlightMode::Loiter, "mission complete");
        }
    }

    pub(super) fn sub_step(&mut self, h: f64) {
        let before = self.pos;
        self.advance(h);
        self.time_s += h;
        self.vel_mps = std::array::from_fn(|i| (self.pos[i] - before[i]) / h);
        if self.vel_mps[0].hypot(self.vel_mps[1]) > 0.2 {
            self.heading_deg = self.vel_mps[0]
                .atan2(self.vel_mps[1])
                .to_degrees()
                .rem_euclid(360.0);
        }
        self.ground_timers(h);
        self.failsafes();
        self.update_gps(h);
    }

    /// Flies the segments for `h` seconds, carrying time left over from one to the next.
    fn advance(&mut self, h: f64) {
        let mut left_s = h;
        // Bounded: each pass finishes a segment or uses up the time; 64 covers any real burst.
        for _ in 0..64 {
            let Some(seg) = self.segments.front().copied() else {
                break;
            };
            if left_s <= 1e-9 {
                break;
            }
            if self.on_ground {
                match seg {
                    Segment::Climb { .. } | Segment::Line { .. } if self.armed => {
                        self.on_ground = false;
                        self.taking_off = true;
                        self.landed_recently = false;
                        self.emit(FlightEvent::TookOff);
                    }
                    Segment::Wait { .. } => {}
                    Segment::Descend { .. } => {
                        self.segments.pop_front();
                        self.touchdown();
                        continue;
                    }
                    _ => {
                        self.segments.clear();
                        break;
                    }
                }
            }
            let (used_s, next) = self.run(seg, left_s);
            left_s -= used_s;
            match next {
                Some(s) => {
                    if let Some(front) = self.segments.front_mut() {
                        *front = s;
                    }
                }
                None => {
                    self.segments.pop_front();
                    self.segment_done(seg);
                }
            }
        }
        self.drain(left_s, 0.0); // hovering or idling for the rest
    }

    /// Runs one segment for at most `t` seconds: time used and what is left of it.
    fn run(&mut self, seg: Segment, t: f64) -> (f64, Option<Segment>) {
        match seg {
            Segment::Wait { left_s } => {
                let used = t.min(left_s);
                self.drain(used, 0.0);
                (
                    used,
                    (left_s - used > 1e-9).then_some(Segment::Wait {
                        left_s: left_s - used,
                    }),
                )
            }
            Segment::Climb { alt_amsl_m } => {
                let dz = alt_amsl_m - self.pos[2];
                let rate = if dz > 0.0 {
                    self.perf.climb_mps
                } else {
                    self.perf.descent_mps
                };
                let need = dz.abs() / rate;
                if need <= t {
                    self.pos[2] = alt_amsl_m;
                    self.drain(need, dz.max(0.0));
                    (need, None)
                } else {
                    let moved = rate * t * dz.signum();
                    self.pos[2] += moved;
                    self.drain(t, moved.max(0.0));
                    (t, Some(seg))
                }
            }
            Segment::Line { to, from } => {
                let from = from.unwrap_or(self.pos);
                let to = [
                    to[0],
                    to[1],
                    if to[2].is_finite() { to[2] } else { from[2] },
                ];
                let (de, dn, dz) = (to[0] - from[0], to[1] - from[1], to[2] - from[2]);
                let len = de.hypot(dn);
                if len <= self.config.acceptance_radius_m.max(0.01) {
                    return self.run(Segment::Climb { alt_amsl_m: to[2] }, t);
                }
                let (ue, un) = (de / len, dn / len);
                let mut vg =
                    ground_speed_mps(ue, un, self.speed_mps, self.config.wind).unwrap_or(0.5);
                // Stay on the 3-D line: slow down where the slope needs more than the vertical rate.
                let vz = dz / len * vg;
                if vz > self.perf.climb_mps {
                    vg *= self.perf.climb_mps / vz;
                } else if vz < -self.perf.descent_mps {
                    vg *= self.perf.descent_mps / -vz;
                }
                let done =
                    ((self.pos[0] - from[0]) * ue + (self.pos[1] - from[1]) * un).clamp(0.0, len);
                let need = (len - done) / vg;
                let (used, prog) = if need <= t {
                    (need, len)
                } else {
                    (t, done + vg * t)
                };
                let f = prog / len;
                let alt_before = self.pos[2];
                self.pos = [from[0] + de * f, from[1] + dn * f, from[2] + dz * f];
                // A target below the terrain is flown at ground level rather than through it.
                self.pos[2] = self.pos[2].max(self.ground_at(self.pos[0], self.pos[1]));
                self.drain(used, (self.pos[2] - alt_before).max(0.0));
                (
                    used,
                    (prog < len).then_some(Segment::Line {
                        to,
                        from: Some(from),
                    }),
                )
            }
            Segment::Descend { fall } => {
                let ground = self.ground_at(self.pos[0], self.pos[1]);
                let agl = (self.pos[2] - ground).max(0.0);
                let slow_mps = (self.perf.descent_mps / 3.0)
                    .max(0.5)
                    .min(self.perf.descent_mps);
                let (rate, floor) = match (fall, agl > LAND_SLOW_AGL_M) {
                    (true, _) => (FALL_RATE_MPS, 0.0),
                    (false, true) => (self.perf.descent_mps, LAND_SLOW_AGL_M),
                    (false, false) => (slow_mps, 0.0),
                };
                let need = (agl - floor) / rate;
                if need <= t {
                    self.pos[2] = ground + floor;
                    self.drain(need, 0.0);
                    (need, (floor > 0.0).then_some(seg))
                } else {
                    self.pos[2] -= rate * t;
                    self.drain(t, 0.0);
                    (t, Some(seg))
                }
            }
        }
    }

    fn segment_done(&mut self, seg: Segment) {
        if let Segment::Descend { .. } = seg {
            return self.touchdown();
        }
        self.taking_off = false; // whatever follows the first finished segment is flight
        if self.segments.is_empty()
            && self.mode == FlightMode::Auto
            && self.auto_running
            && let Some(seq) = self.nav_item.take()
        {
            self.emit(FlightEvent::ItemReached(seq));
            if self.advance_item() {
                self.start_item();
            }
        }
    }

    fn touchdown(&mut self) {
        self.on_ground = true;
        self.taking_off = false;
        self.pos[2] = self.ground_at(self.pos[0], self.pos[1]);
        self.segments.clear();
        if let Some(seq) = self.landing_item.take() {
            self.emit(FlightEvent::ItemReached(seq));
        }
        self.auto_running = false;
        self.nav_item = None;
        self.landed_recently = true;
        self.ground_armed_s = 0.0;
        self.ground_disarmed_s = 0.0;
        self.emit(FlightEvent::Landed);
    }

    /// Battery use of `dt_s` seconds with `climb_m` of ascent, by the planner's energy model.
    fn drain(&mut self, dt_s: f64, climb_m: f64) {
        if !self.armed || dt_s <= 0.0 {
            return;
        }
        let mut battery_s = if self.on_ground {
            dt_s * GROUND_IDLE_DRAIN
        } else {
            dt_s + climb_m / self.perf.climb_mps
        };
        if self.battery_fault {
            battery_s *= 10.0;
        }
        self.battery = (self.battery - battery_s / self.perf.endurance_s).max(0.0);
    }

    /// Auto-disarm on the ground, and the crew's battery swap.
    fn ground_timers(&mut self, h: f64) {
        if !self.on_ground {
            return;
        }
        if self.armed {
            if self.segments.is_empty() {
                self.ground_armed_s += h;
                let delay_s = if self.landed_recently {
                    LANDED_DISARM_S
                } else {
                    self.config.idle_disarm_s
                };
                if self.ground_armed_s >= delay_s {
                    self.armed = false;
                    self.auto_running = false;
                    self.emit(FlightEvent::Disarmed);
                }
            }
        } else if self.battery >= 1.0 && !self.battery_fault {
            self.ground_disarmed_s = 0.0; // nothing to swap: the crew's clock starts at need
        } else {
            self.ground_disarmed_s += h;
            if self.ground_disarmed_s >= self.perf.swap_s {
                self.battery = 1.0;
                self.battery_fault = false;
                self.ground_disarmed_s = 0.0;
                self.emit(FlightEvent::BatterySwapped);
            }
        }
    }

    fn landing(&self) -> bool {
        matches!(self.segments.front(), Some(Segment::Descend { .. }))
    }

    /// Already on the way down or home: a failsafe need not change the mode.
    fn returning(&self) -> bool {
        self.landing() || matches!(self.mode, FlightMode::Rtl | FlightMode::Land)
    }

    fn failsafes(&mut self) {
        if !self.armed || self.on_ground {
            return;
        }
        if self.gps_lost && !self.fired.gps {
            // Without GPS the vehicle can neither hold position nor navigate: ArduCopter lands.
            self.fired.gps = true;
            self.emit(FlightEvent::Failsafe { what: "gps" });
            if !self.landing() {
                self.enter_mode(FlightMode::Land, "GPS failsafe");
            }
        }
        if self.battery <= 0.0 && !self.fired.critical {
            self.fired.critical = true;
            self.emit(FlightEvent::Failsafe {
                what: "battery critical",
            });
            if !self.landing() {
                self.enter_mode(FlightMode::Land, "battery critical");
            }
        } else if self.battery < self.config.low_battery_rtl && !self.fired.battery {
            self.fired.battery = true;
            self.emit(FlightEvent::LowBattery {
                remaining: self.battery,
            });
            self.emit(FlightEvent::Failsafe { what: "battery" });
            if !self.returning() {
                self.enter_mode(FlightMode::Rtl, "battery failsafe");
            }
        }
        if let Some(last_s) = self.last_gcs_s
            && self.time_s - last_s > self.config.gcs_failsafe_s
            && !self.fired.gcs
        {
            self.fired.gcs = true;
            self.emit(FlightEvent::Failsafe { what: "gcs" });
            if !self.returning() {
                self.enter_mode(FlightMode::Rtl, "GCS failsafe");
            }
        }
    }

    /// First-order Gauss-Markov GPS error; the fix freezes while GPS is lost.
    fn update_gps(&mut self, h: f64) {
        let a = (-h / GPS_TAU_S).exp();
        let k = (1.0 - a * a).sqrt();
        let s = self.config.gps_noise_m;
        for (i, sigma) in [s, s, 1.5 * s].into_iter().enumerate() {
            self.gps_err_m[i] = a * self.gps_err_m[i] + k * sigma * gauss(&mut self.rng);
        }
        if self.time_s >= self.next_sat_change_s {
            self.satellites = 14 + self.rng.below(5) as u8;
            self.next_sat_change_s += 60.0;
        }
        if !self.gps_lost {
            self.reported = std::array::from_fn(|i| self.pos[i] + self.gps_err_m[i]);
        }
    }

    fn landed_state(&self) -> LandedState {
        if self.on_ground {
            LandedState::OnGround
        } else if self.landing() {
            LandedState::Landing
        } else if self.taking_off {
            LandedState::TakingOff
        } else {
            LandedState::InAir
        }
    }

    pub(super) fn vehicle_state(&self, p: [f64; 3]) -> VehicleState {
        let g = self.geodetic_of(p[0], p[1]);
        let ground_amsl_m = self.ground_at(p[0], p[1]);
        let [ve, vn, vu] = self.vel_mps;
        let (wind_e, wind_n) = self.config.wind.vector_mps();
        // Copters tilt toward their motion through the air: nose down forward, into a crosswind.
        let (air_e, air_n) = if self.on_ground {
            (0.0, 0.0)
        } else {
            (ve - wind_e, vn - wind_n)
        };
        let (sin_h, cos_h) = self.heading_deg.to_radians().sin_cos();
        let tilt = |v: f64| (0.15 * v / self.perf.cruise_mps).clamp(-0.6, 0.6);
        let current_a = match (self.armed, self.on_ground) {
            (true, false) => {
                20.0 + 15.0 * (vu / self.perf.climb_mps).clamp(0.0, 1.0)
                    - 4.0 * (-vu / self.perf.descent_mps).clamp(0.0, 1.0)
            }
            (true, true) => 0.5,
            (false, _) => 0.2,
        };
        let yaw = self.heading_deg.to_radians();
        VehicleState {
            lat_deg: g.lat_deg,
            lon_deg: g.lon_deg,
            alt_amsl_m: p[2],
            alt_rel_home_m: p[2] - self.home.alt_amsl_m,
            alt_agl_m: p[2] - ground_amsl_m,
            ground_amsl_m,
            vn_mps: vn,
            ve_mps: ve,
            vd_mps: -vu,
            heading_deg: self.heading_deg,
            roll_rad: tilt(air_e * cos_h - air_n * sin_h),
            pitch_rad: -tilt(air_e * sin_h + air_n * cos_h),
            yaw_rad: if yaw > std::f64::consts::PI {
                yaw - std::f64::consts::TAU
            } else {
                yaw
            },
            airspeed_mps: air_e.hypot(air_n),
            groundspeed_mps: ve.hypot(vn),
            climb_mps: vu,
            battery_remaining: self.battery,
            // 6S Li-ion: 4.2 V to 3.3 V a cell, sagging under load.
            battery_voltage_v: 19.8 + 5.4 * self.battery - 0.02 * current_a,
            battery_current_a: current_a,
            armed: self.armed,
            mode: self.mode,
            landed_state: self.landed_state(),
            mission_current: self.mission_current,
            mission_count: u16::try_from(self.mission.len()).unwrap_or(u16::MAX),
            gps_fix: !self.gps_lost,
            satellites: if self.gps_lost { 3 } else { self.satellites },
            home: self.home,
        }
    }
}
