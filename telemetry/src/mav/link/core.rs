//! What every transport of a link shares: signing, impairment, counting and delivery of
//! frames to the service.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{Destination, LinkEvent, LinkId, LinkOptions, LinkStats, PeerId, Received};
use crate::mav::frame::Frame;
use crate::mav::shaper::Shaper;
use crate::mav::signing::{Signer, Verifier};

/// What every transport shares: signing, impairment, counting, delivery.
pub(super) struct Core {
    pub(super) id: LinkId,
    events: mpsc::Sender<LinkEvent>,
    stats: Arc<Mutex<LinkStats>>,
    signer: Option<Signer>,
    verifier: Option<Verifier>,
    shape_out: Option<Shaper>,
    shape_in: Option<Shaper>,
    delayed_out: VecDeque<(Instant, Destination, Frame)>,
    delayed_in: VecDeque<(Instant, Received)>,
    last_persist: Instant,
}

impl Core {
    pub(super) fn new(
        id: LinkId,
        options: &LinkOptions,
        events: mpsc::Sender<LinkEvent>,
        stats: Arc<Mutex<LinkStats>>,
    ) -> Core {
        Core {
            id,
            events,
            stats,
            signer: options.signing.clone().map(|k| Signer::new(k, id)),
            verifier: options.signing.clone().map(Verifier::new),
            shape_out: options.impairment.as_ref().map(Shaper::outbound),
            shape_in: options.impairment.as_ref().map(Shaper::inbound),
            delayed_out: VecDeque::new(),
            delayed_in: VecDeque::new(),
            last_persist: Instant::now(),
        }
    }

    pub(super) fn with_stats(&self, f: impl FnOnce(&mut LinkStats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    /// Frames parsed from received bytes.
    /// Whether the frame was accepted (passed the signature check).
    pub(super) async fn received(&mut self, peer: PeerId, frame: Frame) -> bool {
        if let Some(v) = &mut self.verifier {
            if v.check(&frame).is_err() {
                let r = v.rejected();
                self.with_stats(|s| s.rejected = r);
                return false;
            }
        }
        self.with_stats(|s| s.frames_in += 1);
        let rx = Received {
            link: self.id,
            peer,
            frame,
        };
        match &mut self.shape_in {
            None => {
                let _ = self.events.send(LinkEvent::Frame(rx)).await;
            }
            Some(sh) => match sh.admit(rx.frame.bytes().len()) {
                None => self.with_stats(|s| s.impaired += 1),
                // Nothing owed and nothing queued ahead: deliver now rather than through a
                // timer (tokio's timers round up to the next millisecond).
                Some(at) if self.delayed_in.is_empty() && at <= Instant::now() => {
                    let _ = self.events.send(LinkEvent::Frame(rx)).await;
                }
                Some(at) => self.delayed_in.push_back((at, rx)),
            },
        }
        true
    }

    /// A frame to send: signed, then impaired; returns frames due now.
    pub(super) fn outgoing(
        &mut self,
        dest: Destination,
        mut frame: Frame,
    ) -> Option<(Destination, Frame)> {
        if let Some(s) = &mut self.signer {
            s.sign(&mut frame);
            if self.last_persist.elapsed() > Duration::from_secs(10) {
                self.last_persist = Instant::now();
                if let Err(e) = s.persist_if_due() {
                    tracing::warn!("cannot persist the signing timestamp: {e}");
                }
            }
        }
        match &mut self.shape_out {
            None => Some((dest, frame)),
            Some(sh) => match sh.admit(frame.bytes().len()) {
                None => {
                    self.with_stats(|s| s.impaired += 1);
                    None
                }
                Some(at) if self.delayed_out.is_empty() && at <= Instant::now() => {
                    Some((dest, frame))
                }
                Some(at) => {
                    self.delayed_out.push_back((at, dest, frame));
                    None
                }
            },
        }
    }

    /// When the next delayed frame is due: a simulated radio never delivers a byte before the
    /// line could have carried it, so that a measured transfer time is never below the line's
    /// own ([`sleep_until_opt`] wakes at that instant, not a timer tick later).
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let a = self.delayed_out.front().map(|d| d.0);
        let b = self.delayed_in.front().map(|d| d.0);
        let due = match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        due
    }

    /// Delivers delayed inbound frames that are due, and returns outbound ones that are due.
    pub(super) async fn due(&mut self) -> Vec<(Destination, Frame)> {
        let now = Instant::now();
        while self.delayed_in.front().is_some_and(|d| d.0 <= now) {
            if let Some((_, rx)) = self.delayed_in.pop_front() {
                let _ = self.events.send(LinkEvent::Frame(rx)).await;
            }
        }
        let mut out = Vec::new();
        while self.delayed_out.front().is_some_and(|d| d.0 <= now) {
            if let Some((_, d, f)) = self.delayed_out.pop_front() {
                out.push((d, f));
            }
        }
        out
    }

    pub(super) fn sent(&self, bytes: usize) {
        self.with_stats(|s| {
            s.frames_out += 1;
            s.bytes_out += bytes as u64;
        });
    }

    pub(super) async fn event(&self, e: LinkEvent) {
        let _ = self.events.send(e).await;
    }

    pub(super) fn persist_signing(&mut self) {
        if let Some(s) = &mut self.signer {
            let _ = s.persist();
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        self.persist_signing();
    }
}

/// How far before a due instant tokio's timer is left to wake: it has 1 ms ticks, rounds
/// deadlines up and fires late.
const TIMER_SLACK: Duration = Duration::from_micros(1500);

/// Waits until `t` (forever for `None`): on tokio's timer to within [`TIMER_SLACK`] of it,
/// then yielding to the runtime until the instant has passed, so that a delayed frame is
/// released neither early nor a timer tick late (a millisecond per frame is an eighth more
/// time for a 700-item upload at 57,600 baud).
pub(super) async fn sleep_until_opt(t: Option<Instant>) {
    let Some(t) = t else {
        return std::future::pending().await;
    };
    if let Some(coarse) = t.checked_sub(TIMER_SLACK)
        && coarse > Instant::now()
    {
        tokio::time::sleep_until(coarse.into()).await;
    }
    while Instant::now() < t {
        tokio::task::yield_now().await;
    }
}
