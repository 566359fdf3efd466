//! Link impairment for the simulator and for tests: packet loss each way, fixed latency, a
//! bandwidth limit (a radio's baud rate), and the whole link going down on command.
//!
//! Frames are delayed, never reordered: a radio is a FIFO. Bandwidth is modelled per direction
//! as a serial line: a frame occupies the line for `len * 10 / baud` seconds (8N1 framing) and
//! waits while the line is busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use patrol_planner::route::rng::SplitMix64;

/// How a link is impaired.
#[derive(Debug, Clone, Default)]
pub struct Impairment {
    /// Probability that a frame we send is lost (0..1).
    pub loss_out: f64,
    /// Probability that a frame sent to us is lost (0..1).
    pub loss_in: f64,
    /// One-way latency added to every frame.
    pub latency: Duration,
    /// Line rate in baud (bits per second, 10 bits per byte); `None` = unlimited.
    pub baud: Option<u32>,
    /// Seed of the loss draws.
    pub seed: u64,
    /// Set to take the whole link down (both ways) until cleared.
    pub down: Arc<AtomicBool>,
}

/// The state of an impaired link in one direction.
#[derive(Debug)]
pub(crate) struct Shaper {
    loss: f64,
    latency: Duration,
    seconds_per_byte: Option<f64>,
    line_free_at: Instant,
    rng: SplitMix64,
    down: Arc<AtomicBool>,
    /// Frames dropped by the impairment.
    pub(crate) dropped: u64,
}

impl Shaper {
    pub(crate) fn outbound(imp: &Impairment) -> Shaper {
        Shaper::new(imp, imp.loss_out, 1)
    }

    pub(crate) fn inbound(imp: &Impairment) -> Shaper {
        Shaper::new(imp, imp.loss_in, 2)
    }

    fn new(imp: &Impairment, loss: f64, stream: u64) -> Shaper {
        Shaper {
            loss: loss.clamp(0.0, 1.0),
            latency: imp.latency,
            seconds_per_byte: imp.baud.map(|b| 10.0 / f64::from(b.max(1))),
            line_free_at: Instant::now(),
            rng: SplitMix64::new(imp.seed.wrapping_mul(31).wrapping_add(stream)),
            down: imp.down.clone(),
            dropped: 0,
        }
    }

    /// When a frame of `len` bytes offered now is delivered, or `None` if it is lost.
    pub(crate) fn admit(&mut self, len: usize) -> Option<Instant> {
        if self.down.load(Ordering::Relaxed) || (self.loss > 0.0 && self.rng.next_f64() < self.loss)
        {
            self.dropped += 1;
            return None;
        }
        let now = Instant::now();
        let mut done = now;
        if let Some(spb) = self.seconds_per_byte {
            let start = self.line_free_at.max(now);
            done = start + Duration::from_secs_f64(spb * len as f64);
            self.line_free_at = done;
        }
        Some(done + self.latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_rate_and_line_time() {
        let imp = Impairment {
            loss_out: 0.2,
            baud: Some(57_600),
            seed: 7,
            ..Impairment::default()
        };
        let mut s = Shaper::outbound(&imp);
        let start = Instant::now();
        let mut last = start;
        let mut lost = 0;
        for _ in 0..10_000 {
            match s.admit(36) {
                Some(t) => last = t,
                None => lost += 1,
            }
        }
        assert!((1700..2300).contains(&lost), "{lost}");
        // 7,9xx frames of 36 bytes at 5,760 bytes/s.
        let secs = (last - start).as_secs_f64();
        let expected = (10_000 - lost) as f64 * 36.0 / 5760.0;
        assert!((secs - expected).abs() < 0.05, "{secs} vs {expected}");
    }
}
