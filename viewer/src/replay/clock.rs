//! The playback clock: where in the run the viewer is, how fast it moves, and the commands
//! that move it (play, pause, speed, steps, seeks, jumps to the next or previous event).

/// Playback speeds offered, as multiples of real time.
pub const SPEEDS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// A command to the clock: what the timeline UI and the keyboard send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockCommand {
    /// Start moving.
    Play,
    /// Stop moving.
    Pause,
    /// Play when paused, pause when playing.
    Toggle,
    /// Set the speed, a multiple of real time (snapped to the nearest of [`SPEEDS`]).
    SetSpeed(f64),
    /// Move by this many seconds (negative: back), e.g. ±1 s, ±10 s.
    Step(f64),
    /// Go to this instant, µs since the UNIX epoch.
    SeekUnixUs(i64),
    /// Go to the first event after the cursor.
    NextEvent,
    /// Go to the last event before the cursor.
    PrevEvent,
}

/// The cursor in a run, always within `start..=end`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaybackClock {
    start_unix_us: i64,
    end_unix_us: i64,
    now_unix_us: i64,
    playing: bool,
    speed: f64,
    /// Event times (alerts, detections), sorted, µs since the UNIX epoch.
    events_unix_us: Vec<i64>,
}

impl PlaybackClock {
    /// A paused clock at `start` at 1x over `start..=end` (µs since the UNIX epoch), with the
    /// event times the jumps stop at (any order).
    pub fn new(start_unix_us: i64, end_unix_us: i64, mut events_unix_us: Vec<i64>) -> Self {
        let end_unix_us = end_unix_us.max(start_unix_us);
        events_unix_us.sort_unstable();
        events_unix_us.dedup();
        PlaybackClock {
            start_unix_us,
            end_unix_us,
            now_unix_us: start_unix_us,
            playing: false,
            speed: 1.0,
            events_unix_us,
        }
    }

    /// The cursor, µs since the UNIX epoch.
    pub fn now_unix_us(&self) -> i64 {
        self.now_unix_us
    }

    /// Seconds from the start of the run to the cursor.
    pub fn elapsed_s(&self) -> f64 {
        (self.now_unix_us - self.start_unix_us) as f64 / 1e6
    }

    /// Start and end of the run, µs since the UNIX epoch.
    pub fn range_unix_us(&self) -> (i64, i64) {
        (self.start_unix_us, self.end_unix_us)
    }

    /// Length of the run, seconds.
    pub fn duration_s(&self) -> f64 {
        (self.end_unix_us - self.start_unix_us) as f64 / 1e6
    }

    /// Whether the clock moves with wall time.
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// Current speed, a multiple of real time.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Applies a command.
    pub fn apply(&mut self, cmd: ClockCommand) {
        match cmd {
            ClockCommand::Play => self.playing = true,
            ClockCommand::Pause => self.playing = false,
            ClockCommand::Toggle => self.playing = !self.playing,
            ClockCommand::SetSpeed(x) => self.speed = snap_speed(x),
            ClockCommand::Step(s) => self.seek(self.now_unix_us + (s * 1e6).round() as i64),
            ClockCommand::SeekUnixUs(t) => self.seek(t),
            ClockCommand::NextEvent => {
                let i = self
                    .events_unix_us
                    .partition_point(|&e| e <= self.now_unix_us);
                if let Some(&e) = self.events_unix_us.get(i) {
                    self.seek(e);
                }
            }
            ClockCommand::PrevEvent => {
                let i = self
                    .events_unix_us
                    .partition_point(|&e| e < self.now_unix_us);
                if let Some(&e) = i.checked_sub(1).and_then(|i| self.events_unix_us.get(i)) {
                    self.seek(e);
                }
            }
        }
    }

    /// Moves the cursor by `wall_dt_s` seconds of wall time times the speed, when playing.
    /// Stops at the end of the run.
    pub fn advance(&mut self, wall_dt_s: f64) {
        if !self.playing || !wall_dt_s.is_finite() || wall_dt_s <= 0.0 {
            return;
        }
        self.seek(self.now_unix_us + (wall_dt_s * self.speed * 1e6).round() as i64);
        if self.now_unix_us == self.end_unix_us {
            self.playing = false;
        }
    }

    fn seek(&mut self, t_unix_us: i64) {
        self.now_unix_us = t_unix_us.clamp(self.start_unix_us, self.end_unix_us);
    }
}

/// The speed of [`SPEEDS`] nearest to `x` (on a log scale); 1x for nonsense.
pub fn snap_speed(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return 1.0;
    }
    SPEEDS
        .iter()
        .copied()
        .min_by(|a, b| (a.ln() - x.ln()).abs().total_cmp(&(b.ln() - x.ln()).abs()))
        .unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;

    fn clock() -> PlaybackClock {
        PlaybackClock::new(100 * S, 200 * S, vec![150 * S, 120 * S, 150 * S])
    }

    #[test]
    fn starts_paused_at_the_start() {
        let mut c = clock();
        assert!(!c.is_playing());
        assert_eq!(c.now_unix_us(), 100 * S);
        c.advance(5.0);
        assert_eq!(c.now_unix_us(), 100 * S, "paused clocks do not move");
        assert_eq!(c.duration_s(), 100.0);
    }

    #[test]
    fn plays_at_the_chosen_speed() {
        let mut c = clock();
        c.apply(ClockCommand::Play);
        c.advance(2.0);
        assert_eq!(c.elapsed_s(), 2.0);
        c.apply(ClockCommand::SetSpeed(64.0));
        c.advance(0.5);
        assert_eq!(c.elapsed_s(), 34.0);
        c.apply(ClockCommand::SetSpeed(0.1));
        c.advance(10.0);
        assert!((c.elapsed_s() - 35.0).abs() < 1e-9);
        c.apply(ClockCommand::Toggle);
        c.advance(10.0);
        assert!((c.elapsed_s() - 35.0).abs() < 1e-9);
    }

    #[test]
    fn stops_at_the_end() {
        let mut c = clock();
        c.apply(ClockCommand::SetSpeed(64.0));
        c.apply(ClockCommand::Play);
        c.advance(10.0);
        assert_eq!(c.now_unix_us(), 200 * S);
        assert!(!c.is_playing());
    }

    #[test]
    fn speeds_snap_to_the_offered_ones() {
        assert_eq!(snap_speed(3.0), 4.0);
        assert_eq!(snap_speed(1000.0), 64.0);
        assert_eq!(snap_speed(0.01), 0.1);
        assert_eq!(snap_speed(0.3), 0.25);
        assert_eq!(snap_speed(f64::NAN), 1.0);
        assert_eq!(snap_speed(-2.0), 1.0);
    }

    #[test]
    fn steps_and_seeks_are_clamped() {
        let mut c = clock();
        c.apply(ClockCommand::Step(10.0));
        c.apply(ClockCommand::Step(1.0));
        assert_eq!(c.elapsed_s(), 11.0);
        c.apply(ClockCommand::Step(-1.0));
        assert_eq!(c.elapsed_s(), 10.0);
        c.apply(ClockCommand::Step(-10.0));
        c.apply(ClockCommand::Step(-10.0));
        assert_eq!(c.now_unix_us(), 100 * S);
        c.apply(ClockCommand::SeekUnixUs(500 * S));
        assert_eq!(c.now_unix_us(), 200 * S);
        c.apply(ClockCommand::SeekUnixUs(142 * S));
        assert_eq!(c.elapsed_s(), 42.0);
    }

    #[test]
    fn jumps_between_events() {
        let mut c = clock();
        c.apply(ClockCommand::NextEvent);
        assert_eq!(c.now_unix_us(), 120 * S);
        c.apply(ClockCommand::NextEvent);
        assert_eq!(c.now_unix_us(), 150 * S);
        c.apply(ClockCommand::NextEvent);
        assert_eq!(c.now_unix_us(), 150 * S, "no event after the last");
        c.apply(ClockCommand::PrevEvent);
        assert_eq!(c.now_unix_us(), 120 * S);
        c.apply(ClockCommand::SeekUnixUs(130 * S));
        c.apply(ClockCommand::PrevEvent);
        assert_eq!(c.now_unix_us(), 120 * S);
        c.apply(ClockCommand::PrevEvent);
        assert_eq!(c.now_unix_us(), 120 * S, "no event before the first");
    }
}
