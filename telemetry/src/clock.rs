//! The mission clock: wall time sped up for simulated shifts.
//!
//! With a speed-up of K, one wall second is K mission seconds. Vehicles, sorties and tlog
//! timestamps all run on the mission clock, so a replay of a sped-up flight looks like the
//! real thing; protocol timeouts and heartbeats stay in wall time, because they are about the
//! link, not the flight.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Wall time mapped to mission time.
#[derive(Debug, Clone, Copy)]
pub struct MissionClock {
    start: Instant,
    start_unix_us: u64,
    speedup: f64,
}

impl MissionClock {
    /// A clock starting now at the current UNIX time, running `speedup` times faster.
    pub fn start(speedup: f64) -> MissionClock {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_micros() as u64;
        MissionClock::starting_at(unix, speedup)
    }

    /// A clock starting now at `start_unix_us`.
    pub fn starting_at(start_unix_us: u64, speedup: f64) -> MissionClock {
        MissionClock {
            start: Instant::now(),
            start_unix_us,
            speedup: if speedup.is_finite() && speedup > 0.0 {
                speedup
            } else {
                1.0
            },
        }
    }

    /// Mission seconds since the clock started.
    pub fn elapsed_s(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.speedup
    }

    /// Mission seconds at wall instant `t`.
    pub fn elapsed_at_s(&self, t: Instant) -> f64 {
        t.saturating_duration_since(self.start).as_secs_f64() * self.speedup
    }

    /// Mission time now, microseconds since the UNIX epoch.
    pub fn now_unix_us(&self) -> u64 {
        self.start_unix_us + (self.elapsed_s() * 1e6) as u64
    }

    /// The UNIX time (µs) at which the clock started.
    pub fn start_unix_us(&self) -> u64 {
        self.start_unix_us
    }

    /// The speed-up factor.
    pub fn speedup(&self) -> f64 {
        self.speedup
    }

    /// Wall duration of `mission_s` mission seconds.
    pub fn wall_duration(&self, mission_s: f64) -> std::time::Duration {
        let s = mission_s / self.speedup;
        if !(s > 0.0) {
            return std::time::Duration::ZERO;
        }
        std::time::Duration::try_from_secs_f64(s).unwrap_or(std::time::Duration::MAX)
    }

    /// Sleeps until mission time `at_s` (seconds since the start), waking at least every
    /// 200 ms of wall time so that a cancelled task ends promptly.
    pub async fn sleep_until_s(&self, at_s: f64) {
        loop {
            let now = self.elapsed_s();
            if now >= at_s {
                return;
            }
            tokio::time::sleep(
                self.wall_duration(at_s - now)
                    .min(std::time::Duration::from_millis(200)),
            )
            .await;
        }
    }
}
