//! `udpin` and `udpout`: whole frames per datagram, peers told apart by their address.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::core::{Core, sleep_until_opt};
use super::{Destination, PeerId};
use crate::mav::frame::{Frame, FrameParser};

/// Socket buffers for UDP links: 200 vehicles at 10 Hz arrive in bursts that overflow the
/// default (about 200 KB, a few hundred datagrams).
const UDP_BUFFER_BYTES: usize = 4 << 20;

/// Binds a UDP socket with large buffers (best effort: the kernel may cap them).
pub(super) fn bind_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let sock = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    let _ = sock.set_recv_buffer_size(UDP_BUFFER_BYTES);
    let _ = sock.set_send_buffer_size(UDP_BUFFER_BYTES);
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    UdpSocket::from_std(sock.into())
}

pub(super) async fn run_udp(
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
