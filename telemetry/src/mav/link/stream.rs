//! Byte-stream links that reconnect by themselves: `tcpout` and `serial`.

use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::core::{Core, sleep_until_opt};
use super::{Destination, LinkEvent, PeerId};
use crate::mav::frame::{Frame, FrameParser};

/// Backoff between reconnection attempts.
const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

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

pub(super) async fn run_reconnecting<S, F, Fut>(
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
