//! The ground side of the MAVLink mission protocol, for missions, fences and rally points:
//! upload (MISSION_COUNT → vehicle requests each item → MISSION_ACK) and download
//! (MISSION_REQUEST_LIST → MISSION_COUNT → we request each item → our MISSION_ACK).
//!
//! A pure state machine: it is fed the vehicle's messages and the clock, and answers with the
//! messages to send, so the protocol is tested without sockets. Timeouts are
//! QGroundControl's: 1.5 s for the opening exchange and the final acknowledgement, 250 ms per
//! item, 5 retries. A retry is counted only when the vehicle said nothing at all during the
//! timeout: any message from it (a repeated request, its telemetry) proves it is alive, so the
//! exchange is resent without using up a retry. On a lossy radio this is what lets a long
//! transfer finish (with 20% loss each way a round trip fails 36% of the time, and 5 plain
//! retries would fail one item in 500), while a vehicle that has really gone silent still fails
//! the transfer after 5 retries, and one that talks but ignores the protocol after 40 resends
//! of the same step.

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
/// Retries without any answer before a transfer fails.
pub const MAX_RETRIES: u32 = 5;
/// Resends of one item or request while the vehicle is heard but the exchange keeps failing
/// (a vehicle that streams telemetry but ignores the protocol must not hold us forever).
pub const MAX_RESENDS_PER_STEP: u32 = 40;

/// Why a transfer failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransferError {
    /// The vehicle stopped answering.
    #[error("{kind} {direction}: no answer from the vehicle after {retries} retries ({stage})")]
    Timeout {
        /// Mission, fence or rally.
        kind: &'static str,
        /// "upload" or "download".
        direction: &'static str,
        /// Retries made.
        retries: u32,
        /// Where it stopped.
        stage: String,
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
    retries: u32,
    resends_this_step: u32,
    step: Option<u16>,
    heard_since_retry: bool,
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
            retries: 0,
            resends_this_step: 0,
            step: None,
            heard_since_retry: false,
            result: None,
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
        // Any message proves the vehicle is alive (the service passes only this vehicle's).
        self.heard_since_retry = true;
        let mine = |t| ListKind::from_mission_type(t) == Some(self.kind);
        let mut out = Vec::new();
        match (&mut self.stage, msg) {
            (Stage::Uploading { sent }, MavMessage::MISSION_REQUEST_INT(r))
                if mine(r.mission_type) =>
            {
                *sent = Some(r.seq);
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

    /// Advances the clock; returns messages to resend after a timeout.
    pub fn on_tick(&mut self, now: Instant) -> Vec<MavMessage> {
        if self.result.is_some() || now < self.deadline {
            return Vec::new();
        }
        if self.heard_since_retry {
            self.heard_since_retry = false;
            self.retries = 0;
        }
        let step = match &self.stage {
            Stage::Uploading { sent } => sent.map(|s| s.saturating_add(1)),
            Stage::AwaitCount => None,
            Stage::Downloading { next, .. } => Some(next.saturating_add(1)),
        };
        if step != self.step {
            self.step = step;
            self.resends_this_step = 0;
        }
        self.resends_this_step += 1;
        if self.retries >= MAX_RETRIES || self.resends_this_step > MAX_RESENDS_PER_STEP {
            let stage = match &self.stage {
                Stage::Uploading { sent: None } => "waiting for the first item request".to_string(),
                Stage::Uploading { sent: Some(s) } => {
                    format!("after item {s} of {}", self.items.len())
                }
                Stage::AwaitCount => "waiting for the item count".to_string(),
                Stage::Downloading { next, count } => format!("item {next} of {count}"),
            };
            let direction = if matches!(self.stage, Stage::Uploading { .. }) {
                "upload"
            } else {
                "download"
            };
            self.finish(Err(TransferError::Timeout {
                kind: self.kind.name(),
                direction,
                retries: self.retries,
                stage,
            }));
            return Vec::new();
        }
        self.retries += 1;
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
}
