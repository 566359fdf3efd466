//! `tcpin`: a listening socket that takes any number of clients, each a peer of its own.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::core::{Core, sleep_until_opt};
use super::{Destination, LinkEvent, PeerId};
use crate::mav::frame::{Frame, FrameParser};

pub(super) async fn run_tcp_in(
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
