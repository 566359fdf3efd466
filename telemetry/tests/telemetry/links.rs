//! Transports and identities: TCP both ways, serial pairs that die and come back, MAVLink 1
//! from old radios, two vehicles claiming one system id, refusals reported as such.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mavlink::MavHeader;
use patrol_telemetry::gcs::EventKind;
use patrol_telemetry::gcs::transfer::TransferError;
use patrol_telemetry::mav::dialect::{
    HEARTBEAT_DATA, MavAutopilot, MavMessage, MavModeFlag, MavState, MavType,
};
use patrol_telemetry::mav::frame::Frame;
use patrol_telemetry::mav::mission_item::ListKind;
use patrol_telemetry::mav::shaper::Impairment;

use crate::common::*;

#[test]
fn tcp_in_and_out_carry_missions() {
    runtime().block_on(async {
        // Ground service listens, vehicles connect (like SITL's tcp:5760 the other way round).
        let port = free_port();
        let gcs = start_gcs(&format!("tcpin:127.0.0.1:{port}")).await;
        let _fleet = start_fleet(&format!("tcpout:127.0.0.1:{port}"), drones(2)).await;
        for id in [1, 2] {
            let key = gcs
                .wait_for(id, Duration::from_secs(10))
                .await
                .expect("heard over tcp");
            gcs.upload(key, ListKind::Mission, mission(30))
                .await
                .expect("upload over tcp");
            assert_eq!(
                gcs.download(key, ListKind::Mission)
                    .await
                    .expect("download")
                    .len(),
                30
            );
        }
    });
}

#[test]
fn mavlink1_heartbeats_from_a_radio_are_accepted() {
    runtime().block_on(async {
        let port = free_port();
        let gcs = start_gcs(&format!("udpin:127.0.0.1:{port}")).await;
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let hb = MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            custom_mode: 5,
            mavtype: MavType::MAV_TYPE_QUADROTOR,
            autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
            base_mode: MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED,
            system_status: MavState::MAV_STATE_STANDBY,
            mavlink_version: 3,
        });
        for seq in 0..3u8 {
            let f = Frame::encode_v1(
                MavHeader {
                    system_id: 42,
                    component_id: 1,
                    sequence: seq,
                },
                &hb,
            )
            .expect("v1");
            sock.send_to(f.bytes(), ("127.0.0.1", port))
                .await
                .expect("send");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let key = gcs
            .wait_for(42, Duration::from_secs(3))
            .await
            .expect("MAVLink 1 vehicle found");
        let v = gcs
            .snapshot()
            .vehicles
            .into_iter()
            .find(|v| v.key == key)
            .expect("v");
        assert_eq!(v.custom_mode, 5);
    });
}

#[test]
fn two_vehicles_with_one_system_id_are_reported_and_kept_apart() {
    runtime().block_on(async {
        let port = free_port();
        let gcs = start_gcs(&format!("udpin:127.0.0.1:{port}")).await;
        let mut events = gcs.subscribe();
        let endpoint = format!("udpout:127.0.0.1:{port}");
        let _a = start_fleet(&endpoint, drones(1)).await;
        gcs.wait_for(1, Duration::from_secs(5))
            .await
            .expect("first");
        let _b = start_fleet(&endpoint, drones(1)).await;
        let dup = wait_event(&mut events, Duration::from_secs(5), |e| {
            matches!(e.kind, EventKind::DuplicateSystemId { .. })
        })
        .await
        .expect("duplicate reported");
        let snap = gcs.snapshot();
        let ones: Vec<_> = snap
            .vehicles
            .iter()
            .filter(|v| v.key.system_id == 1)
            .collect();
        assert_eq!(ones.len(), 2, "both kept");
        assert_ne!(ones[0].key.peer, ones[1].key.peer);
        let EventKind::DuplicateSystemId { first } = dup.kind else {
            unreachable!()
        };
        assert_ne!(Some(first), dup.vehicle);
        // Commands still go to the vehicle found first.
        assert_eq!(gcs.find(1), Some(first));
    });
}

#[test]
fn refusals_come_back_as_errors_that_say_why() {
    runtime().block_on(async {
        let (fleet, gcs) = fleet_and_gcs(drones(1), Impairment::default()).await;
        let key = gcs
            .wait_for(1, Duration::from_secs(5))
            .await
            .expect("heard");
        // Above the drone's item limit: the vehicle answers NO_SPACE and keeps its mission.
        gcs.upload(key, ListKind::Mission, mission(20))
            .await
            .expect("small upload");
        let limit = drones(1)[0].drone.mission_item_limit() as usize;
        let err = gcs
            .upload(key, ListKind::Mission, mission(limit + 1))
            .await
            .expect_err("too long");
        assert!(
            matches!(&err, TransferError::Rejected { result, .. } if result.contains("NO_SPACE")),
            "{err}"
        );
        assert_eq!(
            gcs.download(key, ListKind::Mission)
                .await
                .expect("download")
                .len(),
            20
        );
        // Arming with a failed battery is refused with the autopilot's reason.
        fleet.battery_fault(1);
        tokio::time::sleep(Duration::from_millis(100)).await;
        gcs.set_mode(key, patrol_telemetry::mav::FlightMode::Guided)
            .await
            .expect("guided");
        let err = gcs.arm(key, true).await.expect_err("refused").to_string();
        assert!(
            err.contains("TEMPORARILY_REJECTED") || err.contains("DENIED"),
            "{err}"
        );
    });
}

struct Socat(Child, Vec<std::path::PathBuf>);

impl Socat {
    fn start(a: &std::path::Path, b: &std::path::Path) -> Socat {
        let child = Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", a.display()))
            .arg(format!("pty,raw,echo=0,link={}", b.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat runs (./scripts/test.sh installs it)");
        let began = Instant::now();
        while !(a.exists() && b.exists()) {
            assert!(
                began.elapsed() < Duration::from_secs(5),
                "socat made no pty pair"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Socat(child, vec![a.to_path_buf(), b.to_path_buf()])
    }

    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        // SIGKILL leaves socat's links dangling; a restarted socat makes them anew.
        for p in &self.1 {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn a_serial_pair_killed_and_recreated_comes_back_by_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("A"), dir.path().join("B"));
    let mut socat = Socat::start(&a, &b);
    runtime().block_on(async {
        let _fleet = start_fleet(&format!("serial:{}:57600", a.display()), drones(1)).await;
        let gcs = start_gcs(&format!("serial:{}:57600", b.display())).await;
        let mut events = gcs.subscribe();
        let key = gcs
            .wait_for(1, Duration::from_secs(10))
            .await
            .expect("heard over serial");
        gcs.upload(key, ListKind::Mission, mission(40))
            .await
            .expect("upload over serial");
        socat.kill();
        wait_event(&mut events, Duration::from_secs(5), |e| {
            matches!(e.kind, EventKind::LinkDown { .. })
        })
        .await
        .expect("link down reported");
        wait_event(&mut events, Duration::from_secs(6), |e| {
            e.kind == EventKind::Lost
        })
        .await
        .expect("vehicle lost");
        let _socat2 = Socat::start(&a, &b);
        let recreated = Instant::now();
        let back = wait_event(&mut events, Duration::from_secs(15), |e| {
            matches!(e.kind, EventKind::Regained { .. })
        })
        .await;
        assert!(
            back.is_some(),
            "vehicle regained after the pair was recreated"
        );
        eprintln!(
            "serial link back after {:.1} s",
            recreated.elapsed().as_secs_f64()
        );
        // And the link works both ways again.
        assert_eq!(
            gcs.download(key, ListKind::Mission)
                .await
                .expect("download after reconnect")
                .len(),
            40
        );
    });
}

#[test]
fn a_serial_pair_recreated_at_once_is_the_same_vehicle_not_a_duplicate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("A"), dir.path().join("B"));
    let mut socat = Socat::start(&a, &b);
    runtime().block_on(async {
        let _fleet = start_fleet(&format!("serial:{}:57600", a.display()), drones(1)).await;
        let gcs = start_gcs(&format!("serial:{}:57600", b.display())).await;
        let mut events = gcs.subscribe();
        let key = gcs
            .wait_for(1, Duration::from_secs(10))
            .await
            .expect("heard");
        tokio::time::sleep(Duration::from_millis(500)).await;
        while events.try_recv().is_ok() {}
        // Pull the cable and put it back within a second: well inside the 3.5 s rule.
        socat.kill();
        let _socat2 = Socat::start(&a, &b);
        tokio::time::sleep(Duration::from_secs(6)).await;
        let mut seen = Vec::new();
        while let Ok(ev) = events.try_recv() {
            seen.push(ev.kind);
        }
        assert!(
            !seen.iter().any(|k| matches!(
                k,
                EventKind::DuplicateSystemId { .. } | EventKind::Found { .. }
            )),
            "{seen:?}"
        );
        let snap = gcs.snapshot();
        assert_eq!(snap.vehicles.len(), 1, "one vehicle");
        assert!(!snap.vehicles[0].lost);
        gcs.upload(key, ListKind::Mission, mission(10))
            .await
            .expect("the same key still works");
    });
}
