//! The ground service's actor: one task that owns every link and every vehicle's state, so the
//! protocols need no locks.
//!
//! It sends the ground station's 1 Hz heartbeat on every link, keeps a [`Vehicle`] per
//! (link, peer, system id), declares a vehicle lost after 3.5 s without a heartbeat and found
//! again on the next one, asks for telemetry rates whenever a vehicle appears or comes back,
//! runs mission transfers and commands, records a tlog per vehicle, and publishes
//! [`GcsEvent`]s. Callers talk to it through [`super::Gcs`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mavlink::{MavHeader, Message};
use patrol_planner::plan::model::MissionItem;
use rustc_hash::FxHashMap;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::command::{Command, CommandError, CommandTransaction};
use super::event::{EventKind, GcsEvent};
use super::handle::{GcsConfig, Request, Snapshot};
use super::tap::{Malformed, Tapped};
use super::transfer::{Transfer, TransferError, retries_for_loss};
use super::vehicle::{LINK_LOST_AFTER, Vehicle, VehicleKey};
use crate::mav::dialect::{
    AUTOPILOT_COMPONENT_ID, GCS_COMPONENT_ID, HEARTBEAT_DATA, MavAutopilot, MavMessage,
    MavModeFlag, MavState, MavType,
};
use crate::mav::frame::Frame;
use crate::mav::link::{Destination, Link, LinkEvent, LinkId};
use crate::mav::tlog::TlogWriter;

type TransferReply = oneshot::Sender<Result<Vec<MissionItem>, TransferError>>;

pub(super) struct Hub {
    config: GcsConfig,
    links: Vec<Link>,
    vehicles: FxHashMap<VehicleKey, Vehicle>,
    routes: FxHashMap<(u8, crate::mav::link::PeerId, u8), VehicleKey>,
    tlogs: FxHashMap<VehicleKey, TlogWriter>,
    transfers: FxHashMap<VehicleKey, (Transfer, TransferReply)>,
    queued: FxHashMap<VehicleKey, VecDeque<Request>>,
    commands: Vec<(
        VehicleKey,
        CommandTransaction,
        Option<oneshot::Sender<Result<(), CommandError>>>,
    )>,
    seq: u8,
    events: broadcast::Sender<GcsEvent>,
    snapshot: Arc<Mutex<Snapshot>>,
    decode_errors: u64,
    last_heartbeat: Option<Instant>,
    /// Wall and mission time of the event being handled.
    now: Instant,
    now_us: u64,
    /// SET_MESSAGE_INTERVAL requests waiting for the one in flight (an acknowledgement does
    /// not say which message it is for, so they go one at a time per vehicle).
    interval_queue: FxHashMap<VehicleKey, VecDeque<Command>>,
}

impl Hub {
    /// The actor for `links`, publishing events on `events` and its state in `snapshot`.
    pub(super) fn new(
        config: GcsConfig,
        links: Vec<Link>,
        events: broadcast::Sender<GcsEvent>,
        snapshot: Arc<Mutex<Snapshot>>,
    ) -> Hub {
        let now_us = config.clock.now_unix_us();
        Hub {
            config,
            links,
            vehicles: FxHashMap::default(),
            routes: FxHashMap::default(),
            tlogs: FxHashMap::default(),
            transfers: FxHashMap::default(),
            queued: FxHashMap::default(),
            commands: Vec::new(),
            seq: 0,
            events,
            snapshot,
            decode_errors: 0,
            last_heartbeat: None,
            now: Instant::now(),
            now_us,
            interval_queue: FxHashMap::default(),
        }
    }

    pub(super) async fn run(
        mut self,
        mut link_rx: mpsc::Receiver<LinkEvent>,
        mut req_rx: mpsc::UnboundedReceiver<Request>,
    ) {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_snapshot = Instant::now();
        loop {
            tokio::select! {
                ev = link_rx.recv() => {
                    let Some(ev) = ev else { break };
                    // One clock reading per burst: reading the clock costs as much as
                    // decoding a frame.
                    self.refresh_clock();
                    self.on_link_event(ev);
                    // Drain what is already queued before anything else: a burst from 200
                    // vehicles is handled in one go.
                    while let Ok(ev) = link_rx.try_recv() {
                        self.on_link_event(ev);
                    }
                }
                r = req_rx.recv() => {
                    self.refresh_clock();
                    match r {
                        None => break,
                        Some(Request::Shutdown { reply }) => {
                            self.flush_all();
                            self.publish_snapshot();
                            let _ = reply.send(());
                            break;
                        }
                        Some(r) => self.on_request(r),
                    }
                }
                _ = tick.tick() => {
                    self.refresh_clock();
                    self.on_tick();
                    if last_snapshot.elapsed() >= Duration::from_millis(200) {
                        last_snapshot = Instant::now();
                        self.publish_snapshot();
                    }
                }
            }
        }
        self.flush_all();
    }

    fn flush_all(&mut self) {
        for w in self.tlogs.values_mut() {
            if let Err(e) = w.flush() {
                tracing::error!("{e}");
            }
        }
    }

    fn publish_snapshot(&self) {
        if let Ok(mut s) = self.snapshot.lock() {
            s.vehicles = self.vehicles.values().cloned().collect();
            s.vehicles.sort_by_key(|v| v.key);
            s.links = self.links.iter().map(|l| l.stats()).collect();
            s.decode_errors = self.decode_errors;
        }
    }

    fn emit(&self, vehicle: Option<VehicleKey>, kind: EventKind) {
        // Whoever reacts to a change of a vehicle's presence must find it in the snapshot.
        if matches!(
            kind,
            EventKind::Found { .. }
                | EventKind::Lost
                | EventKind::Regained { .. }
                | EventKind::DuplicateSystemId { .. }
        ) {
            self.publish_snapshot();
        }
        let _ = self.events.send(GcsEvent {
            at_unix_us: self.now_us,
            vehicle,
            kind,
        });
    }

    /// A frame from the ground station, with the next sequence number.
    fn frame_to(&mut self, msg: &MavMessage) -> Frame {
        let header = MavHeader {
            system_id: u32::from(self.config.system_id),
            component_id: GCS_COMPONENT_ID,
            sequence: self.seq,
        };
        self.seq = self.seq.wrapping_add(1);
        Frame::encode_v2(header, msg)
    }

    fn send_to(&mut self, key: VehicleKey, msg: &MavMessage) {
        let frame = self.frame_to(msg);
        self.record(key, &frame);
        let (link, peer) = self
            .vehicles
            .get(&key)
            .map_or((key.link, key.peer), |v| v.route);
        if let Some(link) = self.links.get(link as usize) {
            link.send(Destination::Peer(peer), frame);
        }
    }

    fn refresh_clock(&mut self) {
        self.now = Instant::now();
        self.now_us = self.config.clock.now_unix_us();
    }

    fn record(&mut self, key: VehicleKey, frame: &Frame) {
        let t = self.now_us;
        if let Some(w) = self.tlogs.get_mut(&key) {
            if let Err(e) = w.record(t, frame) {
                tracing::error!("{e}");
            }
            return;
        }
        let Some(dir) = &self.config.tlog_dir else {
            return;
        };
        {
            let dups = self
                .tlogs
                .keys()
                .filter(|k| k.system_id == key.system_id)
                .count();
            match TlogWriter::create(&dir.tlog(key.system_id, dups + 1)) {
                Ok(w) => {
                    self.tlogs.insert(key, w);
                }
                Err(e) => {
                    tracing::error!("{e}");
                    return;
                }
            }
        }
        if let Some(w) = self.tlogs.get_mut(&key) {
            if let Err(e) = w.record(t, frame) {
                tracing::error!("{e}");
            }
        }
    }

    /// Whether `link` is an output to another ground station rather than a vehicle link.
    fn is_output(&self, link: LinkId) -> bool {
        usize::from(link) >= self.config.endpoints.len()
    }

    fn on_link_event(&mut self, ev: LinkEvent) {
        match ev {
            // The other ground station's frames go to every vehicle link as they are: the
            // vehicles answer it by its own ids, and their answers come back through here.
            LinkEvent::Frame(rx) if self.is_output(rx.link) => {
                for l in &self.links[..self.config.endpoints.len()] {
                    l.send(Destination::All, rx.frame.clone());
                }
            }
            LinkEvent::Frame(rx) => {
                for l in &self.links[self.config.endpoints.len()..] {
                    l.send(Destination::All, rx.frame.clone());
                }
                self.on_frame(rx)
            }
            LinkEvent::Up { link, detail } => {
                // A reconnected link: ask every vehicle on it for its streams again.
                let keys: Vec<VehicleKey> = self
                    .vehicles
                    .keys()
                    .filter(|k| k.link == link)
                    .copied()
                    .collect();
                for k in keys {
                    self.request_streams(k);
                }
                self.emit(None, EventKind::LinkUp { link, detail });
            }
            LinkEvent::Down { link, peer, reason } => {
                // Vehicles behind a closed connection may come back on a new one before they
                // count as lost: let them be adopted there rather than seen as duplicates.
                if let Some(peer) = peer {
                    for v in self.vehicles.values_mut() {
                        if v.route == (link, peer) {
                            v.route_closed = true;
                        }
                    }
                }
                self.emit(None, EventKind::LinkDown { link, reason })
            }
        }
    }

    fn on_frame(&mut self, rx: crate::mav::link::Received) {
        let now = self.now;
        let route = (rx.link, rx.peer, rx.frame.system_id());
        let msg = match rx.frame.decode() {
            Ok(m) => m,
            Err(e) => {
                self.decode_errors += 1;
                let id = rx.frame.message_id();
                if let (Some(tap), Some(key)) = (&self.config.tap, self.routes.get(&route))
                    && tap.wants(id)
                {
                    tap.offer(Tapped {
                        at_unix_us: self.now_us,
                        vehicle: *key,
                        component_id: rx.frame.component_id(),
                        message: Err(Malformed {
                            message_id: id,
                            reason: e.to_string(),
                        }),
                    });
                }
                return;
            }
        };
        let mut found = None;
        let key = match self.routes.get(&route) {
            Some(k) => *k,
            None => {
                let MavMessage::HEARTBEAT(h) = &msg else {
                    return;
                };
                // Other ground stations and non-autopilot components are not vehicles.
                if h.mavtype == MavType::MAV_TYPE_GCS
                    || h.autopilot == MavAutopilot::MAV_AUTOPILOT_INVALID
                    || rx.frame.component_id() != AUTOPILOT_COMPONENT_ID
                {
                    return;
                }
                let system_id = rx.frame.system_id();
                // A lost vehicle heard again from a new place (a reconnected serial port or TCP
                // client, a new UDP source port, another radio) is the same vehicle: keep its
                // key, route to the new place. A live one elsewhere is a duplicate.
                let lost_same = self
                    .vehicles
                    .values()
                    .find(|o| {
                        o.key.system_id == system_id
                            && (o.lost || o.route_closed)
                            && o.duplicate_of.is_none()
                    })
                    .map(|o| o.key);
                match lost_same {
                    Some(k) => {
                        // The old place may later be used by another device: forget it.
                        self.routes.retain(|_, k2| *k2 != k);
                        self.routes.insert(route, k);
                        if let Some(v) = self.vehicles.get_mut(&k) {
                            v.route = (rx.link, rx.peer);
                            v.route_closed = false;
                        }
                        k
                    }
                    None => {
                        let key = VehicleKey {
                            link: rx.link,
                            peer: rx.peer,
                            system_id,
                        };
                        let mut v = Vehicle::new(key, now);
                        let first = self
                            .vehicles
                            .values()
                            .find(|o| {
                                o.key.system_id == system_id && !o.lost && o.duplicate_of.is_none()
                            })
                            .map(|o| o.key);
                        v.duplicate_of = first;
                        self.vehicles.insert(key, v);
                        self.routes.insert(route, key);
                        // Announced once its first heartbeat is applied below: whoever
                        // reacts to a new vehicle finds its autopilot and type filled in.
                        found = Some((
                            num_traits::ToPrimitive::to_u8(&h.mavtype).unwrap_or(0),
                            first,
                        ));
                        key
                    }
                }
            }
        };
        self.record(key, &rx.frame);
        // A second vehicle claiming a system id (or a redundant link to one) is not tapped:
        // its detections would count twice, or mix two vehicles' poses.
        let duplicate = self
            .vehicles
            .get(&key)
            .is_some_and(|v| v.duplicate_of.is_some());
        if let Some(tap) = &self.config.tap
            && !duplicate
            && tap.wants(rx.frame.message_id())
        {
            tap.offer(Tapped {
                at_unix_us: self.now_us,
                vehicle: key,
                component_id: rx.frame.component_id(),
                message: Ok(msg.clone()),
            });
        }
        let mut changes = Vec::new();
        let mut regained = None;
        if let Some(v) = self.vehicles.get_mut(&key) {
            if rx.frame.component_id() == AUTOPILOT_COMPONENT_ID {
                v.seq.see(rx.frame.sequence());
                let was_lost = v.lost;
                let silent = now.duration_since(v.last_heartbeat).as_secs_f64();
                v.apply(&msg, now, &mut changes);
                if was_lost && matches!(msg, MavMessage::HEARTBEAT(_)) {
                    v.lost = false;
                    regained = Some(silent);
                }
            }
        }
        if let Some((mav_type, first)) = found {
            self.emit(Some(key), EventKind::Found { mav_type });
            if let Some(first) = first {
                self.emit(Some(key), EventKind::DuplicateSystemId { first });
            }
            self.request_streams(key);
        }
        if let Some(silent_s) = regained {
            self.emit(Some(key), EventKind::Regained { silent_s });
            self.request_streams(key);
        }
        for c in changes {
            self.emit(Some(key), EventKind::Changed(c));
        }
        // Protocol machines addressed to us.
        let to_us = msg
            .target_system_id()
            .is_none_or(|t| t == 0 || t == self.config.system_id);
        if !to_us {
            return;
        }
        let mut out = Vec::new();
        let mut touched = false;
        if let Some((t, _)) = self.transfers.get_mut(&key) {
            // Every message feeds the transfer: any of them proves the vehicle is alive.
            out.extend(t.on_message(&msg, now));
            touched = true;
        }
        if matches!(msg, MavMessage::COMMAND_ACK(_)) {
            for (k, c, _) in &mut self.commands {
                if *k == key {
                    c.on_message(&msg, now);
                    touched = true;
                }
            }
        }
        for m in out {
            self.send_to(key, &m);
        }
        if touched {
            self.settle(key);
        }
    }

    /// Finishes ended transactions of `key` and starts the next queued transfer.
    fn settle(&mut self, key: VehicleKey) {
        if self.transfers.get(&key).is_some_and(|(t, _)| t.is_done()) {
            if let Some((mut t, reply)) = self.transfers.remove(&key) {
                if let Some(r) = t.take_result() {
                    let _ = reply.send(r);
                }
            }
        }
        let mut i = 0;
        while i < self.commands.len() {
            if self.commands[i].0 == key {
                if let Some(r) = self.commands[i].1.take_result() {
                    let (_, _, reply) = self.commands.swap_remove(i);
                    if let Some(reply) = reply {
                        let _ = reply.send(r);
                    }
                    continue;
                }
            }
            i += 1;
        }
        // A queued transfer that fails at once must not strand the ones behind it.
        while !self.transfers.contains_key(&key) {
            let Some(next) = self.queued.get_mut(&key).and_then(|q| q.pop_front()) else {
                break;
            };
            self.on_request(next);
        }
        self.next_interval_request(key);
    }

    fn request_streams(&mut self, key: VehicleKey) {
        let rates = self.config.stream_rates_hz.clone();
        let queue = self.interval_queue.entry(key).or_default();
        // A new round replaces whatever was still waiting from the last one.
        queue.clear();
        for (id, hz) in rates {
            let interval_us = if hz > 0.0 { (1e6 / hz) as f32 } else { -1.0 };
            queue.push_back(Command::long(
                511,
                [id as f32, interval_us, 0.0, 0.0, 0.0, 0.0, 0.0],
            ));
        }
        self.next_interval_request(key);
    }

    /// Starts the next queued SET_MESSAGE_INTERVAL of `key` if none is in flight.
    fn next_interval_request(&mut self, key: VehicleKey) {
        let busy = self
            .commands
            .iter()
            .any(|(k, c, _)| *k == key && c.command() == 511);
        if busy {
            return;
        }
        if let Some(cmd) = self
            .interval_queue
            .get_mut(&key)
            .and_then(|q| q.pop_front())
        {
            self.start_command(key, cmd, None);
        }
    }

    fn start_command(
        &mut self,
        key: VehicleKey,
        cmd: Command,
        reply: Option<oneshot::Sender<Result<(), CommandError>>>,
    ) {
        // One transaction per (vehicle, command): a new one replaces an old one, since an
        // acknowledgement could not tell them apart.
        if let Some(i) = self
            .commands
            .iter()
            .position(|(k, c, _)| *k == key && c.command() == cmd.command)
        {
            let (_, _, old) = self.commands.swap_remove(i);
            if let Some(old) = old {
                let _ = old.send(Err(CommandError::Aborted(
                    "replaced by a newer command".into(),
                )));
            }
        }
        match CommandTransaction::start(cmd, (key.system_id, AUTOPILOT_COMPONENT_ID), self.now) {
            Ok((t, m)) => {
                self.send_to(key, &m);
                self.commands.push((key, t, reply));
            }
            Err(e) => {
                if let Some(reply) = reply {
                    let _ = reply.send(Err(e));
                }
            }
        }
    }

    fn on_request(&mut self, r: Request) {
        match r {
            Request::Transfer {
                key,
                upload,
                kind,
                reply,
            } => {
                if self.transfers.contains_key(&key) {
                    self.queued
                        .entry(key)
                        .or_default()
                        .push_back(Request::Transfer {
                            key,
                            upload,
                            kind,
                            reply,
                        });
                    return;
                }
                let now = self.now;
                let target = (key.system_id, AUTOPILOT_COMPONENT_ID);
                let started = match upload {
                    Some(items) => Transfer::upload(kind, target, items, now),
                    None => Ok(Transfer::download(kind, target, now)),
                };
                // As many retries per step as the loss this vehicle's link shows needs.
                let loss = self.vehicles.get(&key).map_or(0.0, |v| v.seq.loss_ratio());
                match started {
                    Ok((t, first)) => {
                        let t = t.with_retry_limit(retries_for_loss(loss));
                        self.send_to(key, &first);
                        self.transfers.insert(key, (t, reply));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            Request::Command { key, cmd, reply } => self.start_command(key, cmd, reply),
            Request::Send { key, msg } => self.send_to(key, &msg),
            Request::Shutdown { .. } => {}
        }
    }

    fn on_tick(&mut self) {
        let now = self.now;
        if self
            .last_heartbeat
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
        {
            self.last_heartbeat = Some(now);
            let hb = MavMessage::HEARTBEAT(HEARTBEAT_DATA {
                custom_mode: 0,
                mavtype: MavType::MAV_TYPE_GCS,
                autopilot: MavAutopilot::MAV_AUTOPILOT_INVALID,
                base_mode: MavModeFlag::empty(),
                system_status: MavState::MAV_STATE_ACTIVE,
                mavlink_version: 3,
            });
            let frame = self.frame_to(&hb);
            // To the vehicles only: the station on an output has its own heartbeat.
            for link in &self.links[..self.config.endpoints.len()] {
                link.send(Destination::All, frame.clone());
            }
            let keys: Vec<VehicleKey> = self.vehicles.keys().copied().collect();
            for k in keys {
                self.record(k, &frame);
            }
        }
        let mut newly_lost = Vec::new();
        for v in self.vehicles.values_mut() {
            if !v.lost && now.duration_since(v.last_heartbeat) > LINK_LOST_AFTER {
                v.lost = true;
                newly_lost.push(v.key);
            }
        }
        for k in newly_lost {
            self.emit(Some(k), EventKind::Lost);
        }
        let mut out = Vec::new();
        let mut retries = Vec::new();
        for (k, (t, _)) in &mut self.transfers {
            for m in t.on_tick(now) {
                out.push((*k, m));
            }
            if let Some(r) = t.take_retry() {
                retries.push((*k, r));
            }
        }
        for (k, r) in retries {
            self.emit(Some(k), EventKind::TransferRetry(r));
        }
        for (k, c, _) in &mut self.commands {
            if let Some(m) = c.on_tick(now) {
                out.push((*k, m));
            }
        }
        for (k, m) in out {
            self.send_to(k, &m);
        }
        let keys: Vec<VehicleKey> = self
            .transfers
            .keys()
            .chain(self.commands.iter().map(|(k, _, _)| k))
            .copied()
            .collect();
        for k in keys {
            self.settle(k);
        }
        for w in self.tlogs.values_mut() {
            if let Err(e) = w.flush_if_due() {
                tracing::error!("{e}");
            }
        }
    }
}
