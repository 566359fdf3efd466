//! The simulated onboard detector over a real link: a drone of the bundled fleet takes off
//! over a fire, and its camera component reports it in FOREST_DETECTION frames stamped on the
//! autopilot's clock.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mavlink::MavHeader;
use patrol_planner::geodesy::enu::Enu;
use patrol_planner::plan::energy::Wind;
use patrol_telemetry::clock::MissionClock;
use patrol_telemetry::mav::dialect::{
    AUTOPILOT_COMPONENT_ID, CAMERA_COMPONENT_ID, COMMAND_LONG_DATA, ForestDetectionClass,
    GCS_COMPONENT_ID, GCS_SYSTEM_ID, HEARTBEAT_DATA, MavAutopilot, MavCmd, MavMessage, MavModeFlag,
    MavResult, MavState, MavType,
};
use patrol_telemetry::mav::frame::{Frame, FrameParser};
use patrol_telemetry::mav::shaper::Impairment;
use patrol_telemetry::sim::detector::DetectorConfig;
use patrol_telemetry::sim::fire::{Fire, FireField};
use patrol_telemetry::sim::fleet::{SimConfig, SimFleet};
use tokio::net::UdpSocket;

use crate::common::*;

/// Vertical focal length of q1's thermal camera, pixels (13 mm over a 6.14 mm, 512 px sensor).
const FOCAL_Y_PX: f64 = 13.0 / 6.14 * 512.0;

/// ArduCopter's GUIDED custom mode.
const GUIDED: f32 = 4.0;

fn command(command: MavCmd, params: [f32; 7]) -> MavMessage {
    MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        param1: params[0],
        param2: params[1],
        param3: params[2],
        param4: params[3],
        param5: params[4],
        param6: params[5],
        param7: params[6],
        command,
        target_system: 1,
        target_component: AUTOPILOT_COMPONENT_ID,
        confirmation: 0,
    })
}

fn gcs_heartbeat() -> MavMessage {
    MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        custom_mode: 0,
        mavtype: MavType::MAV_TYPE_GCS,
        autopilot: MavAutopilot::MAV_AUTOPILOT_INVALID,
        base_mode: MavModeFlag::empty(),
        system_status: MavState::MAV_STATE_ACTIVE,
        mavlink_version: 3,
    })
}

#[test]
fn a_drone_taking_off_over_a_fire_reports_it_from_its_camera() {
    runtime().block_on(async {
        // q1 of the bundled fleet: a thermal camera looking straight down.
        let drones = drones(1);
        assert_eq!(drones[0].drone.id, "q1");
        let terrain = Arc::new(area().terrain.clone());
        let home = terrain.geodetic_to_enu(drones[0].home);
        // A fire 5 m north of the launch point, burning from the start.
        let spot = terrain.enu_to_geodetic(Enu {
            north_m: home.north_m + 5.0,
            ..home
        });
        let fire = Fire {
            id: "f1".into(),
            lat_deg: spot.lat_deg,
            lon_deg: spot.lon_deg,
            ignition_s: 0.0,
            spread_mps: 0.0,
            smoke_height_m: 30.0,
            intensity: 1.0,
        };
        let field = FireField::new(vec![fire], &terrain).expect("the fire is on the terrain");
        let fleet = SimFleet::start(SimConfig {
            endpoint: "udpin:127.0.0.1:0".parse().expect("endpoint"),
            drones,
            terrain,
            clock: MissionClock::start(5.0),
            wind: Wind::CALM,
            seed: 7,
            gps_noise_m: 0.7,
            impairment: Impairment::default(),
            signing: None,
            fires: Some(Arc::new(field)),
            detector: Some(DetectorConfig {
                miss_rate: 0.0,
                false_alarm_rate: 0.0,
                ..DetectorConfig::default()
            }),
        })
        .await
        .expect("fleet starts");
        let fleet_addr = fleet.local_addr().expect("bound");
        let sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind");

        // GUIDED, arm, take off to 60 m: each command resent until it is accepted.
        let steps = [
            command(
                MavCmd::MAV_CMD_DO_SET_MODE,
                [1.0, GUIDED, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            command(
                MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
                [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            command(
                MavCmd::MAV_CMD_NAV_TAKEOFF,
                [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 60.0],
            ),
        ];
        let mut step = 0;
        let mut seq = 0u8;
        let mut parser = FrameParser::new();
        let mut buf = vec![0u8; 65_536];
        let mut last_send = Instant::now() - Duration::from_secs(1);
        let mut attitude_ms = Vec::new();
        let mut images = Vec::new();
        let mut detections = Vec::new();
        let mut camera_frames_before_takeoff = 0;
        let deadline = Instant::now() + Duration::from_secs(40);
        while detections.len() < 8 && Instant::now() < deadline {
            if last_send.elapsed() > Duration::from_millis(300) {
                last_send = Instant::now();
                let mut out = vec![gcs_heartbeat()];
                out.extend(steps.get(step).cloned());
                for m in out {
                    let header = MavHeader {
                        system_id: GCS_SYSTEM_ID.into(),
                        component_id: GCS_COMPONENT_ID,
                        sequence: seq,
                    };
                    seq = seq.wrapping_add(1);
                    let f = Frame::encode_v2(header, &m);
                    sock.send_to(f.bytes(), fleet_addr).await.expect("send");
                }
            }
            let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(100), sock.recv(&mut buf)).await
            else {
                continue;
            };
            parser.push(&buf[..n]);
            while let Some(frame) = parser.next_frame() {
                let Ok(msg) = frame.decode() else { continue };
                assert_eq!(frame.system_id(), 1);
                match (&msg, frame.component_id()) {
                    (MavMessage::COMMAND_ACK(ack), AUTOPILOT_COMPONENT_ID)
                        if ack.result == MavResult::MAV_RESULT_ACCEPTED
                            && steps.get(step).is_some_and(|s| {
                                matches!(s, MavMessage::COMMAND_LONG(c) if c.command == ack.command)
                            }) =>
                    {
                        step += 1;
                    }
                    (MavMessage::ATTITUDE(a), AUTOPILOT_COMPONENT_ID) => {
                        attitude_ms.push(a.time_boot_ms)
                    }
                    (MavMessage::CAMERA_IMAGE_CAPTURED(img), CAMERA_COMPONENT_ID) => {
                        images.push(img.clone())
                    }
                    (MavMessage::FOREST_DETECTION(d), CAMERA_COMPONENT_ID) => {
                        detections.push(d.clone())
                    }
                    (
                        MavMessage::FOREST_DETECTION(_)
                        | MavMessage::CAMERA_IMAGE_CAPTURED(_)
                        | MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(_),
                        component,
                    ) => {
                        assert_eq!(component, CAMERA_COMPONENT_ID, "{msg:?}");
                        if step < steps.len() {
                            camera_frames_before_takeoff += 1;
                        }
                    }
                    _ => {}
                }
            }
        }
        let truth = fleet.detection_truth();
        fleet.stop().await;

        assert!(
            detections.len() >= 8,
            "{} detections in 40 s (commands done: {step}, images: {})",
            detections.len(),
            images.len()
        );
        assert_eq!(
            camera_frames_before_takeoff, 0,
            "the camera waits for the air"
        );
        for (i, d) in detections.iter().enumerate() {
            assert_eq!(
                d.object_class,
                ForestDetectionClass::FOREST_DETECTION_CLASS_HOTSPOT
            );
            assert_eq!(d.camera_component_id, CAMERA_COMPONENT_ID);
            assert!(
                (0.0..=1.0).contains(&d.bbox_left)
                    && d.bbox_left < d.bbox_right
                    && d.bbox_right <= 1.0
                    && (0.0..=1.0).contains(&d.bbox_top)
                    && d.bbox_top < d.bbox_bottom
                    && d.bbox_bottom <= 1.0,
                "{d:?}"
            );
            assert!(d.confidence > 0.3 && d.confidence <= 1.0);
            assert!(d.max_temperature_c >= 80.0, "a hot spot: {d:?}");
            // One counter per camera, no gaps on a lossless link.
            assert_eq!(d.detection_id, detections[0].detection_id + i as u32);
            // Its image was announced first, with the same capture time.
            let img = images
                .iter()
                .find(|img| img.image_index == d.image_index)
                .expect("CAMERA_IMAGE_CAPTURED of the detection's image");
            assert_eq!(img.time_boot_ms, d.time_boot_ms);
            assert!(img.relative_alt > 0, "taken in the air");
            // Climbing straight up facing north, the camera sees the fire 5 m ahead of the
            // nadir: on the vertical centre line, above the centre by 5 m x focal length /
            // height. The height is the GPS one (about a metre of error), hence the margin.
            let (u, v) = (
                f64::from(d.bbox_left + d.bbox_right) / 2.0,
                f64::from(d.bbox_top + d.bbox_bottom) / 2.0,
            );
            let height_m = f64::from(img.relative_alt) / 1000.0;
            let above_centre = 5.0 * FOCAL_Y_PX / height_m / 512.0;
            assert!((u - 0.5).abs() < 0.03, "u = {u}: {d:?}");
            assert!(
                (0.5 - v - above_centre).abs() < 0.2 * above_centre + 0.02,
                "v = {v}, expected {} at {height_m} m: {d:?}",
                0.5 - above_centre
            );
        }
        // The detections are on the autopilot's clock: inside the span of its ATTITUDE times.
        let first_ms = attitude_ms
            .iter()
            .copied()
            .min()
            .expect("ATTITUDE received");
        let last_ms = attitude_ms
            .iter()
            .copied()
            .max()
            .expect("ATTITUDE received");
        for d in &detections {
            assert!(
                first_ms <= d.time_boot_ms && d.time_boot_ms <= last_ms + 3000,
                "detection at {} ms, ATTITUDE {first_ms}..{last_ms} ms",
                d.time_boot_ms
            );
        }
        // The fleet knows which fire each detection was.
        for d in &detections {
            let t = truth
                .iter()
                .find(|t| t.detection_id == Some(d.detection_id))
                .expect("truth of every detection");
            assert_eq!(t.fire_id.as_deref(), Some("f1"));
            assert_eq!(t.time_boot_ms, d.time_boot_ms);
        }
    });
}
