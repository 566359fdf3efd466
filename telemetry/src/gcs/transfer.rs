//! The ground side of the MAVLink mission protocol, for missions, fences and rally points:
//! upload (MISSION_COUNT → vehicle requests each item → MISSION_ACK) and download
//! (MISSION_REQUEST_LIST → MISSION_COUNT → we request each item → our MISSION_ACK).
//!
//! A pure state machine: it is fed the vehicle's messages and the clock, and answers with the
//! messages to send, so the protocol is tested without sockets. Timeouts are
//! QGroundControl's: 1.5 s for the opening exchange and the final acknowledgement, 250 ms per
//! item.
//!
//! # Retries
//!
//! The protocol's rule: a retry is a resend of the message the vehicle did not answer, whatever
//! else the vehicle sends meanwhile (its telemetry proves the link, not that it heard us). Only
//! an answer of the protocol moves the exchange on and starts the count again: the vehicle's
//! request for an item (also a repeated one: it re-requests what it did not get, as ArduPilot
//! does), the item count, the item asked for. After [`MAX_RETRIES`] unanswered resends of one
//! step the transfer fails, naming the message that went unanswered: about 9 s for a vehicle
//! that ignores MISSION_COUNT, as in QGroundControl.
//!
//! A lossy radio needs more: with 20 % loss each way a round trip fails 36 % of the time, and
//! 5 retries would leave one step in 500 failed. [`retries_for_loss`] gives the retries that
//! keep a step's failure below one in a million at the loss the link shows (the vehicle's
//! sequence gaps), never fewer than 5; each retry is reported as it happens
//! ([`TransferRetry`]).

use std::time::{Duration, Instant};

use patrol_planner::plan::model::MissionItem;

use crate::mav::dialect::{
    MISSION_ACK_DATA, MISSION_COUNT_DATA, MISSION_REQUEST_INT_DATA, MISSION_REQUEST_LIST_DATA,
    MavMessage, MavMissionResult,
};
use crate::mav::mission_item::{ListKind, from_wire, to_wire};

/// Timeout for the opening exchange and the final acknowledgement.
pub const ACK_TIMEOUT: Duration = Duration::from_millis(1500);
/// Timeout per item.
pub const ITEM_TIMEOUT: Duration = Duration::from_millis(250);
/// Unanswered resends of one step before a transfer fails, on a link without loss
/// (QGroundControl's figure).
pub const MAX_RETRIES: u32 = 5;
/// The most retries [`retries_for_loss`] gives, however lossy the link.
pub const MAX_RETRIES_LOSSY: u32 = 20;

/// Retries of one step that keep its failure below one in a million when each message is lost
/// with probability `loss_ratio` (both ways), between [`MAX_RETRIES`] and
/// [`MAX_RETRIES_LOSSY`].
pub fn retries_for_loss(loss_ratio: f64) -> u32 {
    let loss = if loss_ratio.is_finite() {
        loss_ratio.clamp(0.0, 0.99)
    } else {
        0.0
    };
    // A round trip fails unless both messages get through.
    let fail = 1.0 - (1.0 - loss) * (1.0 - loss);
    if fail <= 0.0 {
        return MAX_RETRIES;
    }
    // Attempts n with fail^n <= 1e-6; retries are the attempts after the first.
    let attempts = (1e-6_f64.ln() / fail.ln()).ceil();
    ((attempts as u32).saturating_sub(1)).clamp(MAX_RETRIES, MAX_RETRIES_LOSSY)
}

/// One resend of a step the vehicle did not answer, for the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferRetry {
    /// Mission, fence or rally points.
    pub list: ListKind,
    /// Upload (else download).
    pub upload: bool,
    /// The message that went unanswered, e.g. `MISSION_COUNT` or `MISSION_REQUEST_INT 7`.
    pub unanswered: String,
    /// How long it waited for the answer, seconds.
    pub waited_s: f64,
    /// This retry, from 1.
    pub retry: u32,
    /// Retries allowed before the transfer fails.
    pub of: u32,
}

/// Why a transfer failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransferError {
    /// The vehicle did not answer one step of the protocol.
    #[error("{kind} {direction} failed: {unanswered} unanswered after {retries} retries")]
    Timeout {
        /// Mission, fence or rally.
        kind: &'static str,
        /// "upload" or "download".
        direction: &'static str,
        /// Retries made.
        retries: u32,
        /// The message that went unanswered, e.g. `MISSION_COUNT` or `MISSION_ITEM_INT 7 of 53`.
        unanswered: String,
    },
    /// The vehicle refused (an error MISSION_ACK); it keeps its previous list.
    #[error("{kind} upload rejected by the vehicle: {result}")]
    Rejected {
        /// Mission, fence or rally.
        kind: &'static str,
        /// The MAV_MISSION_RESULT name.
        result: String,
    },
    /// An item cannot be sent.
    #[error("{0}")]
    Item(String),
    /// The vehicle vanished or the service stopped.
    #[error("{0}")]
    Aborted(String),
}

#[derive(Debug)]
enum Stage {
    /// Upload: count sent, waiting for requests; `sent` is the last item sent.
    Uploading { sent: Option<u16> },
    /// Download: list requested, waiting for the count.
    AwaitCount,
    /// Download: item `next` requested.
    Downloading { next: u16, count: u16 },
}

/// One transfer in progress.
#[derive(Debug)]
pub struct Transfer {
    kind: ListKind,
    target: (u8, u8),
    stage: Stage,
    items: Vec<MissionItem>,
    deadline: Instant,
    /// When the message now waiting for its answer was sent.
    sent_at: Instant,
    /// Unanswered resends of the current step.
    retries: u32,
    /// Retries allowed per step.
    retry_limit: u32,
    /// The last resend, not yet reported.
    retry: Option<TransferRetry>,
    /// Set when the transfer has ended.
    result: Option<Result<Vec<MissionItem>, TransferError>>,
}

impl Transfer {
    /// Starts an upload of `items` (renumbered 0..n) to `target` (system, component);
    /// returns the transfer and the first message.
    pub fn upload(
        kind: ListKind,
        target: (u8, u8),
        mut items: Vec<MissionItem>,
        now: Instant,
    ) -> Result<(Transfer, MavMessage), TransferError> {
        for (i, it) in items.iter_mut().enumerate() {
            it.seq = i as u16;
            to_wire(it, kind, target).map_err(|e| TransferError::Item(e.to_string()))?;
        }
        let mut t = Transfer::new(kind, target, Stage::Uploading { sent: None }, items, now);
        let count = t.restart_upload();
        Ok((t, count))
    }

    fn new(
        kind: ListKind,
        target: (u8, u8),
        stage: Stage,
        items: Vec<MissionItem>,
        now: Instant,
    ) -> Transfer {
        Transfer {
            kind,
            target,
            stage,
            items,
            deadline: now + ACK_TIMEOUT,
            sent_at: now,
            retries: 0,
            retry_limit: MAX_RETRIES,
            retry: None,
            result: None,
        }
    }

    /// The same transfer allowing `retries` unanswered resends per step (see
    /// [`retries_for_loss`]).
    pub fn with_retry_limit(mut self, retries: u32) -> Transfer {
        self.retry_limit = retries.max(1);
        self
    }

    /// The resend made by the last [`Transfer::on_tick`], once.
    pub fn take_retry(&mut self) -> Option<TransferRetry> {
        self.retry.take()
    }

    /// The vehicle answered the step: the next one starts with a fresh count.
    fn answered(&mut self, now: Instant) {
        self.retries = 0;
        self.sent_at = now;
    }

    /// The message the current step waits an answer to.
    fn unanswered(&self) -> String {
        match &self.stage {
            Stage::Uploading { sent: None } => "MISSION_COUNT".to_string(),
            Stage::Uploading { sent: Some(s) } if *s as usize + 1 == self.items.len() => {
                format!("MISSION_ITEM_INT {s} (the last: no MISSION_ACK)")
            }
            Stage::Uploading { sent: Some(s) } => {
                format!("MISSION_ITEM_INT {s} of {}", self.items.len())
            }
            Stage::AwaitCount => "MISSION_REQUEST_LIST".to_string(),
            Stage::Downloading { next, count } => format!("MISSION_REQUEST_INT {next} of {count}"),
        }
    }

    /// Starts a download; returns the transfer and the first message.
    pub fn download(kind: ListKind, target: (u8, u8), now: Instant) -> (Transfer, MavMessage) {
        (
            Transfer::new(kind, target, Stage::AwaitCount, Vec::new(), now),
            Self::request_list(kind, target),
        )
    }

    fn request_list(kind: ListKind, target: (u8, u8)) -> MavMessage {
        MavMessage::MISSION_REQUEST_LIST(MISSION_REQUEST_LIST_DATA {
            target_system: target.0,
            target_component: target.1,
            mission_type: kind.mission_type(),
        })
    }

    /// The result once the transfer has ended (items for a download, the sent items for an
    /// upload).
    pub fn take_result(&mut self) -> Option<Result<Vec<MissionItem>, TransferError>> {
        self.result.take()
    }

    /// Whether the transfer has ended.
    pub fn is_done(&self) -> bool {
        self.result.is_some()
    }

    fn item_msg(&self, seq: u16) -> Option<MavMessage> {
        let item = self.items.get(seq as usize)?;
        to_wire(item, self.kind, self.target)
            .ok()
            .map(MavMessage::MISSION_ITEM_INT)
    }

    fn request_item(&self, seq: u16) -> MavMessage {
        MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
            seq,
            target_system: self.target.0,
            target_component: self.target.1,
            mission_type: self.kind.mission_type(),
        })
    }

    fn finish(&mut self, r: Result<Vec<MissionItem>, TransferError>) {
        self.result = Some(r);
    }

    /// Feeds a message from the target vehicle; returns messages to send.
    pub fn on_message(&mut self, msg: &MavMessage, now: Instant) -> Vec<MavMessage> {
        if self.result.is_some() {
            return Vec::new();
        }
        let mine = |t| ListKind::from_mission_type(t) == Some(self.kind);
        let mut out = Vec::new();
        match (&mut self.stage, msg) {
            (Stage::Uploading { sent }, MavMessage::MISSION_REQUEST_INT(r))
                if mine(r.mission_type) =>
            {
                *sent = Some(r.seq);
                self.retries = 0;
                self.sent_at = now;
                match self.item_msg(r.seq) {
                    Some(m) => out.push(m),
                    None => {
                        // A request past the end: the vehicle is confused; start over.
                        out.push(self.restart_upload());
                    }
                }
                self.deadline = now
                    + if r.seq as usize + 1 == self.items.len() {
                        ACK_TIMEOUT
                    } else {
                        ITEM_TIMEOUT
                    };
            }
            #[allow(deprecated)]
            (Stage::Uploading { sent }, MavMessage::MISSION_REQUEST(r)) if mine(r.mission_type) => {
                // Legacy request: answer with MISSION_ITEM_INT anyway (as QGroundControl does);
                // a request past the end starts over (which also forgets `sent`).
                *sent = Some(r.seq);
                self.retries = 0;
                self.sent_at = now;
                match self.item_msg(r.seq) {
                    Some(m) => out.push(m),
                    None => out.push(self.restart_upload()),
                }
                self.deadline = now + ITEM_TIMEOUT;
            }
            (Stage::Uploading { sent }, MavMessage::MISSION_ACK(a)) if mine(a.mission_type) => {
                // An acceptance counts only once every item was asked for: an ACK left over
                // from an earlier upload of this list must not end this one.
                let complete = self.items.is_empty()
                    || matches!(sent, Some(s) if *s as usize + 1 == self.items.len());
                if a.mavtype == MavMissionResult::MAV_MISSION_ACCEPTED && !complete {
                    return out;
                }
                if a.mavtype == MavMissionResult::MAV_MISSION_ACCEPTED {
                    let items = std::mem::take(&mut self.items);
                    self.finish(Ok(items));
                } else {
                    self.finish(Err(TransferError::Rejected {
                        kind: self.kind.name(),
                        result: format!("{:?}", a.mavtype),
                    }));
                }
            }
            (Stage::AwaitCount, MavMessage::MISSION_COUNT(c)) if mine(c.mission_type) => {
                self.answered(now);
                if c.count == 0 {
                    out.push(self.ack());
                    self.finish(Ok(Vec::new()));
                } else {
                    self.stage = Stage::Downloading {
                        next: 0,
                        count: c.count,
                    };
                    out.push(self.request_item(0));
                    self.deadline = now + ITEM_TIMEOUT;
                }
            }
            (Stage::Downloading { next, count }, MavMessage::MISSION_ITEM_INT(it))
                if mine(it.mission_type) =>
            {
                if it.seq == *next {
                    self.retries = 0;
                    self.sent_at = now;
                    self.items.push(from_wire(it));
                    *next += 1;
                    if *next == *count {
                        out.push(self.ack());
                        let items = std::mem::take(&mut self.items);
                        self.finish(Ok(items));
                    } else {
                        let n = *next;
                        out.push(self.request_item(n));
                        self.deadline = now + ITEM_TIMEOUT;
                    }
                }
            }
            (Stage::Downloading { .. } | Stage::AwaitCount, MavMessage::MISSION_ACK(a))
                if mine(a.mission_type) && a.mavtype != MavMissionResult::MAV_MISSION_ACCEPTED =>
            {
                self.finish(Err(TransferError::Rejected {
                    kind: self.kind.name(),
                    result: format!("{:?}", a.mavtype),
                }));
            }
            _ => {}
        }
        out
    }

    fn ack(&self) -> MavMessage {
        MavMessage::MISSION_ACK(MISSION_ACK_DATA {
            target_system: self.target.0,
            target_component: self.target.1,
            mavtype: MavMissionResult::MAV_MISSION_ACCEPTED,
            mission_type: self.kind.mission_type(),
            opaque_id: 0,
        })
    }

    /// (Re)starts an upload from its MISSION_COUNT.
    fn restart_upload(&mut self) -> MavMessage {
        self.stage = Stage::Uploading { sent: None };
        MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
            count: self.items.len() as u16,
            target_system: self.target.0,
            target_component: self.target.1,
            mission_type: self.kind.mission_type(),
            opaque_id: 0,
        })
    }

    /// Advances the clock; returns messages to resend after a timeout (reported once by
    /// [`Transfer::take_retry`]), or ends the transfer when the step's retries are used up.
    pub fn on_tick(&mut self, now: Instant) -> Vec<MavMessage> {
        if self.result.is_some() || now < self.deadline {
            return Vec::new();
        }
        let unanswered = self.unanswered();
        let upload = matches!(self.stage, Stage::Uploading { .. });
        if self.retries >= self.retry_limit {
            self.finish(Err(TransferError::Timeout {
                kind: self.kind.name(),
                direction: if upload { "upload" } else { "download" },
                retries: self.retries,
                unanswered,
            }));
            return Vec::new();
        }
        self.retries += 1;
        self.retry = Some(TransferRetry {
            list: self.kind,
            upload,
            unanswered,
            waited_s: now.saturating_duration_since(self.sent_at).as_secs_f64(),
            retry: self.retries,
            of: self.retry_limit,
        });
        self.sent_at = now;
        match &self.stage {
            Stage::Uploading { sent: None } => {
                self.deadline = now + ACK_TIMEOUT;
                vec![self.restart_upload()]
            }
            Stage::Uploading { sent: Some(s) } => {
                let s = *s;
                self.deadline = now
                    + if s as usize + 1 == self.items.len() {
                        ACK_TIMEOUT
                    } else {
                        ITEM_TIMEOUT
                    };
                self.item_msg(s).into_iter().collect()
            }
            Stage::AwaitCount => {
                self.deadline = now + ACK_TIMEOUT;
                vec![Self::request_list(self.kind, self.target)]
            }
            Stage::Downloading { next, .. } => {
                let n = *next;
                self.deadline = now + ITEM_TIMEOUT;
                vec![self.request_item(n)]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mav::dialect::MISSION_ITEM_INT_DATA;

    fn items(n: usize) -> Vec<MissionItem> {
        (0..n)
            .map(|i| MissionItem {
                seq: i as u16,
                frame: 3,
                command: 16,
                current: false,
                autocontinue: true,
                params: [Some(0.0); 4],
                lat_deg: 36.9 + i as f64 * 1e-4,
                lon_deg: -84.9,
                alt_m: 100.0,
            })
            .collect()
    }

    fn request(seq: u16) -> MavMessage {
        MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
            seq,
            target_system: 255,
            target_component: 190,
            mission_type: ListKind::Mission.mission_type(),
        })
    }

    #[test]
    fn upload_answers_requests_and_ends_on_ack() {
        let t0 = Instant::now();
        let (mut t, first) = Transfer::upload(ListKind::Mission, (1, 1), items(3), t0).expect("ok");
        assert!(matches!(first, MavMessage::MISSION_COUNT(ref c) if c.count == 3));
        for s in 0..3 {
            let out = t.on_message(&request(s), t0);
            assert!(
                matches!(&out[..], [MavMessage::MISSION_ITEM_INT(MISSION_ITEM_INT_DATA { seq, .. })] if *seq == s)
            );
        }
        t.on_message(
            &MavMessage::MISSION_ACK(MISSION_ACK_DATA {
                target_system: 255,
                target_component: 190,
                mavtype: MavMissionResult::MAV_MISSION_ACCEPTED,
                mission_type: ListKind::Mission.mission_type(),
                opaque_id: 0,
            }),
            t0,
        );
        assert_eq!(t.take_result().expect("done").expect("ok").len(), 3);
    }

    #[test]
    fn silence_fails_after_five_retries_but_repeats_keep_it_alive() {
        let t0 = Instant::now();
        let (mut t, _) = Transfer::upload(ListKind::Mission, (1, 1), items(3), t0).expect("ok");
        let mut now = t0;
        let mut resends = 0;
        for _ in 0..40 {
            now += Duration::from_millis(100);
            resends += t.on_tick(now).len();
            // The vehicle repeats its request for item 0 every 300 ms: alive.
            if (now - t0).as_millis() % 300 == 0 {
                t.on_message(&request(0), now);
            }
        }
        assert!(!t.is_done(), "a vehicle that keeps asking is not timed out");
        let mut silent = 0;
        while !t.is_done() {
            now += Duration::from_millis(50);
            silent += t.on_tick(now).len();
            assert!(now - t0 < Duration::from_secs(30));
        }
        assert_eq!(silent, 5);
        assert!(resends > 0);
        assert!(matches!(
            t.take_result(),
            Some(Err(TransferError::Timeout { .. }))
        ));
    }

    #[test]
    fn telemetry_does_not_answer_the_protocol() {
        // A vehicle that streams telemetry but ignores MISSION_COUNT: five resends of 1.5 s,
        // each reported, then a failure naming the message, about 9 s in (QGroundControl's).
        let t0 = Instant::now();
        let (mut t, _) = Transfer::upload(ListKind::Fence, (1, 1), items(3), t0).expect("ok");
        let heartbeat = MavMessage::HEARTBEAT(crate::mav::dialect::HEARTBEAT_DATA::default());
        let mut now = t0;
        let mut retries = Vec::new();
        while !t.is_done() {
            now += Duration::from_millis(100);
            t.on_message(&heartbeat, now);
            t.on_tick(now);
            retries.extend(t.take_retry());
            assert!(now - t0 < Duration::from_secs(60), "never ends");
        }
        let took = (now - t0).as_secs_f64();
        assert!((8.9..=9.2).contains(&took), "failed after {took} s");
        assert_eq!(retries.len(), 5);
        for (i, r) in retries.iter().enumerate() {
            assert_eq!((r.retry, r.of, r.upload), (i as u32 + 1, 5, true));
            assert_eq!(r.unanswered, "MISSION_COUNT");
            assert!((r.waited_s - 1.5).abs() < 0.11, "{r:?}");
        }
        let err = t.take_result().expect("done").expect_err("timed out");
        assert_eq!(
            err.to_string(),
            "fence upload failed: MISSION_COUNT unanswered after 5 retries"
        );
    }

    #[test]
    fn an_unanswered_item_request_is_named_in_a_download() {
        let t0 = Instant::now();
        let (mut t, _) = Transfer::download(ListKind::Mission, (1, 1), t0);
        let count = MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
            count: 4,
            target_system: 255,
            target_component: 190,
            mission_type: ListKind::Mission.mission_type(),
            opaque_id: 0,
        });
        t.on_message(&count, t0);
        let mut now = t0;
        while !t.is_done() {
            now += Duration::from_millis(50);
            t.on_tick(now);
        }
        let err = t.take_result().expect("done").expect_err("timed out");
        assert_eq!(
            err.to_string(),
            "mission download failed: MISSION_REQUEST_INT 0 of 4 unanswered after 5 retries"
        );
        // 250 ms per request, six of them.
        assert!((now - t0) <= Duration::from_millis(1600), "{:?}", now - t0);
    }

    #[test]
    fn retries_grow_with_the_loss_the_link_shows() {
        assert_eq!(retries_for_loss(0.0), MAX_RETRIES);
        assert_eq!(retries_for_loss(0.01), MAX_RETRIES);
        assert_eq!(retries_for_loss(f64::NAN), MAX_RETRIES);
        // 20 % each way: 36 % of round trips fail; 0.36^14 < 1e-6.
        assert_eq!(retries_for_loss(0.2), 13);
        assert_eq!(retries_for_loss(0.6), MAX_RETRIES_LOSSY);
    }
}
