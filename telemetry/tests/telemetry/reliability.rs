//! Lossy links: long uploads complete, silent vehicles are flagged and found again.

use std::time::{Duration, Instant};

use patrol_planner::plan::model::MissionItem;
use patrol_telemetry::gcs::EventKind;
use patrol_telemetry::mav::mission_item::{ListKind, same_item};
use patrol_telemetry::mav::shaper::Impairment;

use crate::common::*;

#[test]
fn uploads_of_500_items_complete_through_20_percent_loss_each_way() {
    // Twenty 500-item uploads, one per vehicle, all through one link that loses 20% of the
    // frames in each direction; each must complete and the vehicle must hold the exact list.
    runtime().block_on(async {
        let n = 20;
        let imp = Impairment {
            loss_in: 0.2,
            loss_out: 0.2,
            seed: 11,
            ..Impairment::default()
        };
        let (fleet, gcs) = fleet_and_gcs(drones(n), imp).await;
        let ids: Vec<u8> = drones(n).iter().map(|d| d.drone.system_id).collect();
        let began = Instant::now();
        let mut tasks = Vec::new();
        for id in ids.clone() {
            let gcs = gcs.clone();
            tasks.push(tokio::spawn(async move {
                let key = gcs
                    .wait_for(id, Duration::from_secs(20))
                    .await
                    .expect("vehicle heard");
                gcs.upload(key, ListKind::Mission, mission(500))
                    .await
                    .map(|_| key)
            }));
        }
        let mut keys = Vec::new();
        for t in tasks {
            keys.push(t.await.expect("task").expect("upload completes"));
        }
        let took = began.elapsed();
        // Read every list back (also through the lossy link) and compare item by item.
        let mut reads = Vec::new();
        for key in keys {
            let gcs = gcs.clone();
            reads.push(tokio::spawn(async move {
                (key, gcs.download(key, ListKind::Mission).await)
            }));
        }
        for r in reads {
            let (key, back) = r.await.expect("task");
            let back: Vec<MissionItem> = back.expect("download completes");
            assert_eq!(back.len(), 500);
            assert!(
                back.iter().zip(mission(500)).all(|(a, b)| same_item(a, &b)),
                "system {}",
                key.system_id
            );
        }
        let dropped = fleet.view().link.impaired;
        eprintln!(
            "20 x 500 items through 20% loss: {:.1} s, {dropped} frames dropped",
            took.as_secs_f64()
        );
        assert!(
            dropped > 1000,
            "the link really was lossy ({dropped} dropped)"
        );
    });
}

/// The link-loss rule: a vehicle is lost after this long without a heartbeat.
const LOSS_RULE: Duration = Duration::from_millis(3500);
/// Vehicles beat once a second.
const HEARTBEAT_PERIOD: Duration = Duration::from_secs(1);
/// What a busy 2-core machine may add to any wait (scheduling, the service's 50 ms tick).
const SLACK: Duration = Duration::from_millis(1500);

#[test]
fn a_silent_vehicle_is_flagged_by_the_3_5_s_rule_and_found_again() {
    runtime().block_on(async {
        let (fleet, gcs) = fleet_and_gcs(drones(2), Impairment::default()).await;
        let mut events = gcs.subscribe();
        let key = gcs
            .wait_for(2, Duration::from_secs(10))
            .await
            .expect("heard");
        gcs.wait_for(1, Duration::from_secs(10))
            .await
            .expect("heard");
        // Let heartbeats settle, then silence vehicle 2.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let silenced = Instant::now();
        fleet.silence(2, true);
        let limit = LOSS_RULE + HEARTBEAT_PERIOD + SLACK;
        let lost = wait_event(&mut events, limit, |e| {
            e.vehicle == Some(key) && e.kind == EventKind::Lost
        })
        .await;
        assert!(
            lost.is_some(),
            "not flagged within {limit:?} of the silence"
        );
        // Never before the rule: 3.5 s since the last heartbeat the service applied (the
        // snapshot is published with the event).
        let silent = gcs
            .vehicle(key)
            .expect("vehicle 2")
            .last_heartbeat
            .elapsed();
        assert!(silent >= LOSS_RULE, "flagged after {silent:?} of silence");
        assert!(silenced.elapsed() <= limit);
        // The other vehicle is not affected.
        let snap = gcs.snapshot();
        assert!(
            !snap
                .vehicles
                .iter()
                .find(|v| v.key.system_id == 1)
                .expect("1")
                .lost
        );
        fleet.silence(2, false);
        let back = wait_event(&mut events, HEARTBEAT_PERIOD + SLACK, |e| {
            e.vehicle == Some(key) && matches!(e.kind, EventKind::Regained { .. })
        })
        .await;
        assert!(back.is_some(), "re-acquired when it talks again");
        assert!(
            !gcs.snapshot()
                .vehicles
                .iter()
                .find(|v| v.key == key)
                .expect("2")
                .lost
        );
    });
}

#[test]
fn a_dropped_link_loses_every_vehicle_and_finds_them_when_it_returns() {
    runtime().block_on(async {
        let (fleet, gcs) = fleet_and_gcs(drones(3), Impairment::default()).await;
        for id in [1, 2, 3] {
            gcs.wait_for(id, Duration::from_secs(10))
                .await
                .expect("heard");
        }
        let down = Instant::now();
        fleet.link_down(true);
        // Every vehicle lost by the rule (plus a heartbeat period and the slack), none early.
        let deadline = LOSS_RULE + HEARTBEAT_PERIOD + SLACK;
        loop {
            let vehicles = gcs.snapshot().vehicles;
            if vehicles.iter().all(|v| v.lost) {
                break;
            }
            assert!(down.elapsed() < deadline, "not all lost: {vehicles:?}");
            assert!(
                !vehicles
                    .iter()
                    .any(|v| v.lost && v.last_heartbeat.elapsed() < LOSS_RULE),
                "lost before the rule"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let up = Instant::now();
        fleet.link_down(false);
        // Found again with their next heartbeat.
        while !gcs.snapshot().vehicles.iter().all(|v| !v.lost) {
            assert!(
                up.elapsed() < HEARTBEAT_PERIOD + SLACK,
                "not all found again"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
}
