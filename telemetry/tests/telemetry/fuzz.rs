//! Hostile input: random bytes and mutated frames into every decoding path. Mutated frames get
//! a recomputed checksum, so garbage payloads really reach the decoders, the vehicle state,
//! the protocol machines and the simulated autopilot. Nothing may panic.

use std::time::{Duration, Instant};

use mavlink::{MavHeader, Message, calculate_crc};
use patrol_planner::route::rng::SplitMix64;
use patrol_telemetry::gcs::transfer::Transfer;
use patrol_telemetry::gcs::vehicle::{Vehicle, VehicleKey};
use patrol_telemetry::mav::dialect::MavMessage;
use patrol_telemetry::mav::frame::{Frame, FrameParser};
use patrol_telemetry::mav::link::PeerId;
use patrol_telemetry::mav::mission_item::ListKind;
use patrol_telemetry::mav::tlog::parse_tlog;

use crate::common::*;

/// Valid frames of every message the dialect defines, with random payload bytes.
fn seed_frames(rng: &mut SplitMix64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for id in 0..=60_000u32 {
        if let Some(msg) = MavMessage::default_message_from_id(id) {
            let f = Frame::encode_v2(
                MavHeader {
                    system_id: 1 + (rng.below(3) as u32),
                    component_id: 1,
                    sequence: rng.below(256) as u8,
                },
                &msg,
            );
            out.push(f.bytes().to_vec());
            if let Some(v1) = Frame::encode_v1(
                MavHeader {
                    system_id: 1,
                    component_id: 1,
                    sequence: 0,
                },
                &msg,
            ) {
                out.push(v1.bytes().to_vec());
            }
        }
    }
    out
}

fn fix_crc(bytes: &mut [u8]) {
    let (header, stx) = match bytes.first() {
        Some(0xFD) => (10, true),
        Some(0xFE) => (6, false),
        _ => return,
    };
    if bytes.len() < header + 2 {
        return;
    }
    let len = bytes[1] as usize;
    if bytes.len() < header + len + 2 {
        return;
    }
    let id = if stx {
        u32::from_le_bytes([bytes[7], bytes[8], bytes[9], 0])
    } else {
        u32::from(bytes[5])
    };
    let crc = calculate_crc(&bytes[1..header + len], MavMessage::extra_crc(id));
    bytes[header + len..header + len + 2].copy_from_slice(&crc.to_le_bytes());
}

fn mutate(rng: &mut SplitMix64, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut f = seeds[rng.below(seeds.len())].clone();
    match rng.below(6) {
        0 => {
            // Random payload bytes, checksum made valid.
            let n = f.len();
            for _ in 0..1 + rng.below(8) {
                let i = 6 + rng.below(n.saturating_sub(8).max(1));
                if i < n {
                    f[i] = rng.next_u64() as u8;
                }
            }
            fix_crc(&mut f);
        }
        1 => {
            // A lying length byte.
            f[1] = rng.next_u64() as u8;
            fix_crc(&mut f);
        }
        2 => {
            // Truncated.
            let keep = rng.below(f.len());
            f.truncate(keep);
        }
        3 => {
            // Random incompatibility flags (signed without a signature, unknown flags).
            if f[0] == 0xFD {
                f[2] = rng.next_u64() as u8;
            }
        }
        4 => {
            // Another message id with this payload.
            if f[0] == 0xFD {
                let id = (rng.next_u64() % 600) as u32;
                f[7..10].copy_from_slice(&id.to_le_bytes()[..3]);
                fix_crc(&mut f);
            }
        }
        _ => {
            // Pure noise.
            f = (0..rng.below(300)).map(|_| rng.next_u64() as u8).collect();
        }
    }
    f
}

#[test]
fn ten_thousand_hostile_frames_cause_no_panic() {
    let mut rng = SplitMix64::new(2026);
    let seeds = seed_frames(&mut rng);
    assert!(seeds.len() > 300, "the dialect's messages: {}", seeds.len());
    let now = Instant::now();
    let key = VehicleKey {
        link: 0,
        peer: PeerId::Stream(0),
        system_id: 1,
    };
    let mut vehicle = Vehicle::new(key, now);
    let mut autopilot = autopilot();
    let (mut upload, _) =
        Transfer::upload(ListKind::Mission, (1, 1), mission(10), now).expect("upload");
    let (mut download, _) = Transfer::download(ListKind::Fence, (1, 1), now);
    let mut parser = FrameParser::new();
    let mut stream = Vec::new();
    let (mut frames, mut decoded) = (0usize, 0usize);
    let mut changes = Vec::new();
    let mut out = Vec::new();
    for i in 0..20_000 {
        let bytes = mutate(&mut rng, &seeds);
        stream.extend_from_slice(&(i as u64).to_be_bytes());
        stream.extend_from_slice(&bytes);
        // Chunked like socket reads.
        for chunk in bytes.chunks(1 + rng.below(64)) {
            parser.push(chunk);
            while let Some(frame) = parser.next_frame() {
                frames += 1;
                let _ = frame.without_signature();
                if let Ok(msg) = frame.decode() {
                    decoded += 1;
                    changes.clear();
                    vehicle.apply(&msg, now, &mut changes);
                    let _ = upload.on_message(&msg, now);
                    let _ = download.on_message(&msg, now);
                    out.clear();
                    autopilot.handle(&msg, (255, 190), now, &mut out);
                    let _ = msg.message_id();
                }
            }
        }
        if i % 500 == 0 {
            out.clear();
            autopilot.tick(now + Duration::from_millis(i as u64), 1.0, &mut out);
        }
    }
    // The same bytes as a tlog: read without panicking.
    let _ = parse_tlog(&stream);
    eprintln!(
        "{frames} frames passed framing, {decoded} decoded; discarded {:?}",
        parser.discarded()
    );
    assert!(
        decoded > 2_000,
        "garbage payloads reached the decoders ({decoded})"
    );
}

/// A vehicle's heartbeat as raw bytes.
fn heartbeat(system_id: u8, sequence: u8) -> Vec<u8> {
    use patrol_telemetry::mav::dialect::{HEARTBEAT_DATA, MavAutopilot, MavType};
    Frame::encode_v2(
        MavHeader {
            system_id: u32::from(system_id),
            component_id: 1,
            sequence,
        },
        &MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            mavtype: MavType::MAV_TYPE_QUADROTOR,
            autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
            mavlink_version: 3,
            ..HEARTBEAT_DATA::default()
        }),
    )
    .bytes()
    .to_vec()
}

#[test]
fn garbage_datagrams_do_not_stop_the_ground_service() {
    runtime().block_on(async {
        // A service following one vehicle (system 7) on its UDP port.
        let port = free_port();
        let gcs = start_gcs(&format!("udpin:127.0.0.1:{port}")).await;
        let vehicle = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let _ = vehicle.send_to(&heartbeat(7, 0), ("127.0.0.1", port)).await;
        gcs.wait_for(7, Duration::from_secs(5))
            .await
            .expect("vehicle 7 heard");
        // Spray that same socket from another port with hostile frames, the vehicle's
        // heartbeats going on meanwhile.
        let sprayer = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let mut rng = SplitMix64::new(5);
        let seeds = seed_frames(&mut rng);
        for k in 0..10_000u32 {
            let b = mutate(&mut rng, &seeds);
            let _ = sprayer.send_to(&b, ("127.0.0.1", port)).await;
            if k % 1000 == 0 {
                let _ = vehicle
                    .send_to(&heartbeat(7, (k / 1000) as u8), ("127.0.0.1", port))
                    .await;
            }
        }
        // After the spray the receive task still decodes: a new vehicle is found, and the
        // first one, still beating, is not lost.
        let newcomer = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let found = async {
            for seq in 0..50u8 {
                let _ = newcomer
                    .send_to(&heartbeat(8, seq), ("127.0.0.1", port))
                    .await;
                let _ = vehicle
                    .send_to(&heartbeat(7, 20 + seq), ("127.0.0.1", port))
                    .await;
                if gcs.find(8).is_some() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            false
        };
        assert!(found.await, "the sprayed service no longer hears vehicles");
        let seven = gcs
            .snapshot()
            .vehicles
            .into_iter()
            .find(|v| v.key.system_id == 7)
            .expect("vehicle 7");
        assert!(!seven.lost, "vehicle 7 lost during the spray");
        let link = gcs.snapshot().links[0];
        assert!(
            link.discarded.total() > 0 || link.frames_in > 10_000,
            "the spray reached the service: {link:?}"
        );
    });
}

#[test]
fn hostile_numbers_in_commands_and_requests_are_refused_not_obeyed() {
    use patrol_telemetry::mav::dialect::{
        COMMAND_LONG_DATA, MISSION_REQUEST_INT_DATA, MavCmd, MavResult,
    };
    let now = Instant::now();
    let mut autopilot = autopilot();
    for interval_us in [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e30,
        9.5e24,
        2e13,
    ] {
        let mut out = Vec::new();
        autopilot.handle(
            &MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
                param1: 33.0,
                param2: interval_us,
                command: MavCmd::MAV_CMD_SET_MESSAGE_INTERVAL,
                target_system: autopilot.system_id(),
                target_component: 1,
                ..COMMAND_LONG_DATA::default()
            }),
            (255, 190),
            now,
            &mut out,
        );
        let acked = out.iter().any(
            |m| matches!(m, MavMessage::COMMAND_ACK(a) if a.result == MavResult::MAV_RESULT_DENIED),
        );
        assert!(
            acked || interval_us == f32::NEG_INFINITY,
            "{interval_us}: {out:?}"
        );
        out.clear();
        autopilot.tick(now + Duration::from_secs(1), 1.0, &mut out);
    }
    // A request far past the end of an upload restarts it rather than overflowing.
    let (mut t, _) = Transfer::upload(ListKind::Mission, (1, 1), mission(3), now).expect("upload");
    let req = |seq| {
        MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
            seq,
            target_system: 255,
            target_component: 190,
            mission_type: ListKind::Mission.mission_type(),
        })
    };
    let out = t.on_message(&req(u16::MAX), now);
    assert!(
        matches!(&out[..], [MavMessage::MISSION_COUNT(_)]),
        "{out:?}"
    );
    for k in 1..20 {
        let _ = t.on_tick(now + Duration::from_secs(k));
    }
}
