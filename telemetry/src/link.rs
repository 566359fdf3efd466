//! Links: one task per connection string, turning bytes into checked frames and back.
//!
//! A [`Link`] owns its socket, listener or serial port. Received frames go to one shared
//! channel as [`LinkEvent::Frame`], tagged with the link and the peer they came from (a UDP
//! address or a stream connection), so that several vehicles on one port are told apart and
//! two vehicles claiming one system id are seen as two. Frames to send are queued with
//! [`Link::send`] for one peer or for all.
//!
//! Behaviour by transport (what QGroundControl and MAVSDK do, not what rust-mavlink's
//! connections do): `tcpout` and `serial` reconnect by themselves with a backoff of 0.5 s
//! doubling to 5 s; `tcpin` accepts any number of clients; `udpin` answers every peer heard.
//! With a signing key, outgoing frames are signed and incoming frames without a valid
//! signature are dropped and counted.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::conn::Endpoint;
use crate::frame::{DiscardCounts, Frame, FrameParser};
use crate::shaper::{Impairment, Shaper};
use crate::signing::{RejectionCounts, Signer, SigningKey, Verifier};

/// Index of a link in the service (also the MAVLink 2 signing link id).
pub type LinkId = u8;

/// The far end a frame came from, within one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeerId {
    /// A UDP source address.
    Udp(SocketAddr),
    /// A stream connection (TCP client or serial port), numbered from 0 per link.
    Stream(u32),
}

impl std::fmt::Display for PeerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerId::Udp(a) => write!(f, "{a}"),
            PeerId::Stream(n) => write!(f, "connection {n}"),
        }
    }
}

/// A frame as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The link it came in on.
    pub link: LinkId,
    /// The peer that sent it.
    pub peer: PeerId,
    /// The frame (checksum verified, signature verified when signing is on).
    pub frame: Frame,
}

/// What links report.
#[derive(Debug)]
pub enum LinkEvent {
    /// A frame arrived.
    Frame(Received),
    /// A stream link (re)connected, or a TCP client arrived.
    Up {
        /// Which link.
        link: LinkId,
        /// What connected.
        detail: String,
    },
    /// A stream link or a TCP client went away; stream links retry by themselves.
    Down {
        /// Which link.
        link: LinkId,
        /// The peer that went away, if the link knows it.
        peer: Option<PeerId>,
        /// Why.
        reason: String,
    },
}

/// Where to send a frame on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// Every peer of the link.
    All,
    /// One peer.
    Peer(PeerId),
}

/// Options of a link.
#[derive(Debug, Clone, Default)]
pub struct LinkOptions {
    /// Sign outgoing frames and require valid signatures on incoming ones.
    pub signing: Option<SigningKey>,
    /// Impair the link (simulator and tests).
    pub impairment: Option<Impairment>,
}

/// Counters of a link.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkStats {
    /// Frames received and accepted.
    pub frames_in: u64,
    /// Frames sent.
    pub frames_out: u64,
    /// Bytes received.
    pub bytes_in: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// What the framing threw away.
    pub discarded: DiscardCounts,
    /// Frames refused by the signature check.
    pub rejected: RejectionCounts,
    /// Frames dropped by the impairment, both ways.
    pub impaired: u64,
    /// Times a stream link was (re)connected.
    pub connects: u64,
    /// Whether the link is connected now (UDP links always are once bound).
    pub connected: bool,
}

/// Opening a link failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot open {endpoint}: {source}")]
pub struct LinkError {
    /// The connection string.
    pub endpoint: String,
    /// Cause.
    pub source: std::io::Error,
}

/// A running link.
#[derive(Debug)]
pub struct Link {
    id: LinkId,
    endpoint: Endpoint,
    out: mpsc::UnboundedSender<(Destination, Frame)>,
    stats: Arc<Mutex<LinkStats>>,
    local_addr: Option<SocketAddr>,
    task: JoinHandle<()>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Delayed frames are released up to this long before they are due. Tokio's timers have a
/// millisecond's resolution and fire late; releasing a little early makes the simulated line's
/// timing err both ways instead of always late. The line's capacity is unaffected: it is kept
/// by the shaper's own account of when the line is free.
const RELEASE_EARLY: Duration = Duration::from_micros(1000);

/// Socket buffers for UDP links: 200 vehicles at 10 Hz arrive in bursts that overflow the
/// default (about 200 KB, a few hundred datagrams).
const UDP_BUFFER_BYTES: usize = 4 << 20;

/// Binds a UDP socket with large buffers (best effort: the kernel may cap them).
fn bind_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let sock = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    let _ = sock.set_recv_buffer_size(UDP_BUFFER_BYTES);
    let _ = sock.set_send_buffer_size(UDP_BUFFER_BYTES);
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    UdpSocket::from_std(sock.into())
}

/// Backoff between reconnection attempts.
const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

impl Link {
    /// Opens `endpoint` as link `id`; received frames and link changes go to `events`.
    /// Listening sockets are bound before this returns, so a busy port is an error here;
    /// client links (`tcpout`, `serial`) keep trying in the background.
    pub async fn open(
        id: LinkId,
        endpoint: Endpoint,
        options: LinkOptions,
        events: mpsc::Sender<LinkEvent>,
    ) -> Result<Link, LinkError> {
        let err = |source| LinkError {
            endpoint: endpoint.to_string(),
            source,
        };
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let stats = Arc::new(Mutex::new(LinkStats::default()));
        let core = Core::new(id, &options, events, stats.clone());
        let (task, local_addr) = match &endpoint {
            Endpoint::UdpIn(addr) => {
                let sock = bind_udp(*addr).map_err(err)?;
                let local = sock.local_addr().ok();
                (tokio::spawn(run_udp(sock, None, core, out_rx)), local)
            }
            Endpoint::UdpOut(addr) => {
                let bind: SocketAddr = if addr.is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                };
                let sock = bind_udp(bind).map_err(err)?;
                let local = sock.local_addr().ok();
                (
                    tokio::spawn(run_udp(sock, Some(*addr), core, out_rx)),
                    local,
                )
            }
            Endpoint::TcpIn(addr) => {
                let listener = TcpListener::bind(addr).await.map_err(err)?;
                let local = listener.local_addr().ok();
                (tokio::spawn(run_tcp_in(listener, core, out_rx)), local)
            }
            Endpoint::TcpOut(target) => {
                let target = target.clone();
                let task = tokio::spawn(run_reconnecting(core, out_rx, move || {
                    let target = target.clone();
                    async move {
                        let s = TcpStream::connect(&target).await?;
                        s.set_nodelay(true)?;
                        Ok::<_, std::io::Error>((s, format!("connected to {target}")))
                    }
                }));
                (task, None)
            }
            Endpoint::Serial { port, baud } => {
                let (port, baud) = (port.clone(), *baud);
                let task = tokio::spawn(run_reconnecting(core, out_rx, move || {
                    let (port, baud) = (port.clone(), baud);
                    async move {
                        use tokio_serial::SerialPortBuilderExt;
                        let s = tokio_serial::new(&port, baud)
                            .data_bits(tokio_serial::DataBits::Eight)
                            .parity(tokio_serial::Parity::None)
                            .stop_bits(tokio_serial::StopBits::One)
                            .flow_control(tokio_serial::FlowControl::None)
                            .open_native_async()
                            .map_err(std::io::Error::other)?;
                        Ok::<_, std::io::Error>((s, format!("opened {port} at {baud} baud")))
                    }
                }));
                (task, None)
            }
        };
        Ok(Link {
            id,
            endpoint,
            out: out_tx,
            stats,
            local_addr,
            task,
        })
    }

    /// Queues `frame` for `dest`. Never blocks; frames queued while a stream link is down
    /// are dropped (a stale command is worse than none; the protocols retry).
    pub fn send(&self, dest: Destination, frame: Frame) {
        let _ = self.out.send((dest, frame));
    }

    /// This link's id.
    pub fn id(&self) -> LinkId {
        self.id
    }

    /// The connection string.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The bound local address of UDP and listening TCP links.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> LinkStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }
}

/// What every transport shares: signing, impairment, counting, delivery.
struct Core {
    id: LinkId,
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
    fn new(
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

    fn with_stats(&self, f: impl FnOnce(&mut LinkStats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    /// Frames parsed from received bytes.
    /// Whether the frame was accepted (passed the signature check).
    async fn received(&mut self, peer: PeerId, frame: Frame) -> bool {
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
                Some(at) if self.delayed_in.is_empty() && at <= Instant::now() + RELEASE_EARLY => {
                    let _ = self.events.send(LinkEvent::Frame(rx)).await;
                }
                Some(at) => self.delayed_in.push_back((at, rx)),
            },
        }
        true
    }

    /// A frame to send: signed, then impaired; returns frames due now.
    fn outgoing(&mut self, dest: Destination, mut frame: Frame) -> Option<(Destination, Frame)> {
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
                Some(at) if self.delayed_out.is_empty() && at <= Instant::now() + RELEASE_EARLY => {
                    Some((dest, frame))
                }
                Some(at) => {
                    self.delayed_out.push_back((at, dest, frame));
                    None
                }
            },
        }
    }

    /// When to wake for the next delayed frame: up to [`RELEASE_EARLY`] before it is due,
    /// because tokio's timers fire up to a millisecond late.
    fn next_deadline(&self) -> Option<Instant> {
        let a = self.delayed_out.front().map(|d| d.0);
        let b = self.delayed_in.front().map(|d| d.0);
        let due = match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        due.map(|t| t.checked_sub(RELEASE_EARLY).unwrap_or(t))
    }

    /// Delivers delayed inbound frames that are due, and returns outbound ones that are due.
    async fn due(&mut self) -> Vec<(Destination, Frame)> {
        let now = Instant::now() + RELEASE_EARLY;
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

    fn sent(&self, bytes: usize) {
        self.with_stats(|s| {
            s.frames_out += 1;
            s.bytes_out += bytes as u64;
        });
    }

    async fn event(&self, e: LinkEvent) {
        let _ = self.events.send(e).await;
    }

    fn persist_signing(&mut self) {
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

async fn sleep_until_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}

async fn run_udp(
    sock: UdpSocket,
    remote: Option<SocketAddr>,
    mut core: Core,
    mut out_rx: mpsc::UnboundedReceiver<(Destination, Frame)>,
) {
    core.with_stats(|s| s.connected = true);
    // Peers heard with an accepted frame, and when; silent ones are forgotten after a minute,
    // so noise from many addresses cannot make us talk to all of them forever.
    let mut peers: Vec<(SocketAddr, Instant)> =
        remote.into_iter().map(|a| (a, Instant::now())).collect();
    let mut buf = vec![0u8; 65_536];
    let mut parser = FrameParser::new();
    loop {
        let mut to_send = Vec::new();
        tokio::select! {
            r = sock.recv_from(&mut buf) => {
                // UDP errors (an ICMP "port unreachable" from a peer that went away) are
                // not fatal: the next datagram may come from a live peer.
                let Ok((n, from)) = r else { continue };
                core.with_stats(|s| s.bytes_in += n as u64);
                // Each datagram holds whole frames; a fragment left over is noise.
                parser.reset();
                parser.push(&buf[..n]);
                let mut accepted = false;
                while let Some(frame) = parser.next_frame() {
                    accepted |= core.received(PeerId::Udp(from), frame).await;
                }
                if accepted && remote.is_none() {
                    let now = Instant::now();
                    match peers.iter_mut().find(|p| p.0 == from) {
                        Some(p) => p.1 = now,
                        None => peers.push((from, now)),
                    }
                }
                let d = parser.discarded();
                core.with_stats(|s| s.discarded = d);
            }
            m = out_rx.recv() => {
                let Some((dest, frame)) = m else { return };
                to_send.extend(core.outgoing(dest, frame));
            }
            _ = sleep_until_opt(core.next_deadline()) => {
                to_send.extend(core.due().await);
            }
        }
        for (dest, frame) in to_send {
            if remote.is_none() && dest == Destination::All {
                peers.retain(|p| p.1.elapsed() < Duration::from_secs(60));
            }
            let targets: Vec<SocketAddr> = match dest {
                Destination::All => peers.iter().map(|p| p.0).collect(),
                Destination::Peer(PeerId::Udp(a)) => vec![a],
                Destination::Peer(PeerId::Stream(_)) => Vec::new(),
            };
            for to in targets {
                if sock.send_to(frame.bytes(), to).await.is_ok() {
                    core.sent(frame.bytes().len());
                }
            }
        }
    }
}

/// Reads and writes one stream session until it fails; returns why it ended.
async fn run_session<S: AsyncRead + AsyncWrite>(
    stream: S,
    peer: PeerId,
    core: &mut Core,
    out_rx: &mut mpsc::UnboundedReceiver<(Destination, Frame)>,
) -> Option<String> {
    let (mut rd, mut wr) = tokio::io::split(stream);
    let mut buf = vec![0u8; 16_384];
    let mut parser = FrameParser::new();
    loop {
        let mut to_send = Vec::new();
        tokio::select! {
            r = rd.read(&mut buf) => {
                match r {
                    Ok(0) => return Some("closed by the other end".to_string()),
                    Ok(n) => {
                        core.with_stats(|s| s.bytes_in += n as u64);
                        parser.push(&buf[..n]);
                        while let Some(frame) = parser.next_frame() {
                            core.received(peer, frame).await;
                        }
                        let d = parser.discarded();
                        core.with_stats(|s| s.discarded = d);
                    }
                    Err(e) => return Some(e.to_string()),
                }
            }
            m = out_rx.recv() => {
                let Some((dest, frame)) = m else { return None };
                to_send.extend(core.outgoing(dest, frame));
            }
            _ = sleep_until_opt(core.next_deadline()) => {
                to_send.extend(core.due().await);
            }
        }
        for (_, frame) in to_send {
            if let Err(e) = wr.write_all(frame.bytes()).await {
                return Some(e.to_string());
            }
            core.sent(frame.bytes().len());
        }
    }
}

async fn run_reconnecting<S, F, Fut>(
    mut core: Core,
    mut out_rx: mpsc::UnboundedReceiver<(Destination, Frame)>,
    connect: F,
) where
    S: AsyncRead + AsyncWrite,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = std::io::Result<(S, String)>>,
{
    let mut backoff = BACKOFF_START;
    let mut reported_failure = false;
    loop {
        match connect().await {
            Ok((stream, detail)) => {
                reported_failure = false;
                core.with_stats(|s| {
                    s.connected = true;
                    s.connects += 1;
                });
                core.event(LinkEvent::Up {
                    link: core.id,
                    detail,
                })
                .await;
                // Frames queued while down are stale.
                while out_rx.try_recv().is_ok() {}
                let began = Instant::now();
                // One peer per client link, the same across reconnections: it is the same
                // radio or autopilot coming back.
                let ended = run_session(stream, PeerId::Stream(0), &mut core, &mut out_rx).await;
                core.with_stats(|s| s.connected = false);
                let Some(reason) = ended else { return };
                core.event(LinkEvent::Down {
                    link: core.id,
                    peer: Some(PeerId::Stream(0)),
                    reason: format!("{reason}; reconnecting"),
                })
                .await;
                if began.elapsed() > BACKOFF_MAX {
                    backoff = BACKOFF_START;
                }
            }
            Err(e) => {
                if !reported_failure {
                    reported_failure = true;
                    core.event(LinkEvent::Down {
                        link: core.id,
                        peer: None,
                        reason: format!("{e}; retrying every {} s at most", BACKOFF_MAX.as_secs()),
                    })
                    .await;
                }
            }
        }
        // Wait, dropping what is queued meanwhile, and stop if the link was closed.
        let until = tokio::time::Instant::now() + backoff;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => break,
                m = out_rx.recv() => if m.is_none() { return },
            }
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

async fn run_tcp_in(
    listener: TcpListener,
    mut core: Core,
    mut out_rx: mpsc::UnboundedReceiver<(Destination, Frame)>,
) {
    core.with_stats(|s| s.connected = true);
    // Each client has a reader task feeding frames here and a writer channel.
    let (in_tx, mut in_rx) = mpsc::channel::<(u32, Result<Frame, String>)>(4096);
    let mut writers: Vec<(u32, mpsc::Sender<Frame>)> = Vec::new();
    let mut next_id = 0u32;
    loop {
        let mut to_send = Vec::new();
        tokio::select! {
            a = listener.accept() => {
                let Ok((stream, from)) = a else { continue };
                let _ = stream.set_nodelay(true);
                let id = next_id;
                next_id += 1;
                let (rd, mut wr) = stream.into_split();
                // Bounded: a client that stops reading loses frames (as a radio would)
                // instead of growing this queue until its TCP connection times out.
                let (wtx, mut wrx) = mpsc::channel::<Frame>(1024);
                writers.push((id, wtx));
                core.with_stats(|s| s.connects += 1);
                core.event(LinkEvent::Up { link: core.id, detail: format!("client {from} (connection {id})") }).await;
                let tx = in_tx.clone();
                tokio::spawn(async move {
                    let mut rd = rd;
                    let mut buf = vec![0u8; 16_384];
                    let mut parser = FrameParser::new();
                    loop {
                        match rd.read(&mut buf).await {
                            Ok(0) => { let _ = tx.send((id, Err("closed by the client".into()))).await; return; }
                            Ok(n) => {
                                parser.push(&buf[..n]);
                                while let Some(f) = parser.next_frame() {
                                    if tx.send((id, Ok(f))).await.is_err() { return; }
                                }
                            }
                            Err(e) => { let _ = tx.send((id, Err(e.to_string()))).await; return; }
                        }
                    }
                });
                tokio::spawn(async move {
                    while let Some(f) = wrx.recv().await {
                        if wr.write_all(f.bytes()).await.is_err() { return; }
                    }
                });
            }
            m = in_rx.recv() => {
                let Some((id, r)) = m else { continue };
                match r {
                    Ok(frame) => {
                        core.received(PeerId::Stream(id), frame).await;
                    }
                    Err(reason) => {
                        writers.retain(|(w, _)| *w != id);
                        core.event(LinkEvent::Down { link: core.id, peer: Some(PeerId::Stream(id)), reason: format!("connection {id}: {reason}") }).await;
                    }
                }
            }
            m = out_rx.recv() => {
                let Some((dest, frame)) = m else { return };
                to_send.extend(core.outgoing(dest, frame));
            }
            _ = sleep_until_opt(core.next_deadline()) => {
                to_send.extend(core.due().await);
            }
        }
        for (dest, frame) in to_send {
            for (id, w) in &writers {
                if dest == Destination::All || dest == Destination::Peer(PeerId::Stream(*id)) {
                    let n = frame.bytes().len();
                    if w.try_send(frame.clone()).is_ok() {
                        core.sent(n);
                    } else {
                        core.with_stats(|s| s.impaired += 1);
                    }
                }
            }
        }
    }
}
