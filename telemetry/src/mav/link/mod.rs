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

mod core;
mod stream;
mod tcp_in;
mod udp;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use self::core::Core;
use self::stream::run_reconnecting;
use self::tcp_in::run_tcp_in;
use self::udp::{bind_udp, run_udp};
use crate::mav::endpoint::Endpoint;
use crate::mav::frame::{DiscardCounts, Frame};
use crate::mav::shaper::Impairment;
use crate::mav::signing::{RejectionCounts, SigningKey};

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
            Endpoint::UdpOut(addr) | Endpoint::UdpBcast(addr) => {
                let bind: SocketAddr = if addr.is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                };
                let sock = bind_udp(bind).map_err(err)?;
                if matches!(endpoint, Endpoint::UdpBcast(_)) {
                    sock.set_broadcast(true).map_err(err)?;
                }
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
                        let s = TcpStream::connect(&target)
                            .await
                            .map_err(|e| std::io::Error::new(e.kind(), format!("{target}: {e}")))?;
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
                            .map_err(|e| std::io::Error::other(format!("{port}: {e}")))?;
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
