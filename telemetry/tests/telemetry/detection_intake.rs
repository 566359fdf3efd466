//! The detection intake over the bundled area's real terrain: a vehicle hovering 100 m above
//! the ground reports FOREST_DETECTION; good ones become located sightings where the camera
//! looked, malformed ones are each counted under their reason and cost nothing else. Last, a
//! companion computer written with pymavlink alone (tests/peers/companion_detector.py, which
//! generates our dialect from its XML with pymavlink's mavgen) talks to a real ground service
//! and alert service, and its fire ends up in the alert store.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use patrol_planner::area::Area;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::request::PlanRequest;
use patrol_planner::terrain::Terrain;
use patrol_telemetry::alerts::model::AlertClass;
use patrol_telemetry::alerts::store::AlertStore;
use patrol_telemetry::detect::geotag::{ErrorModel, GeotagLimits};
use patrol_telemetry::detect::incident::FusionSettings;
use patrol_telemetry::detect::intake::{DetectionIntake, IntakeSettings};
use patrol_telemetry::detect::observation::{Located, Sighting, SightingClass};
use patrol_telemetry::detect::pose::PoseLimits;
use patrol_telemetry::fly::alert_service::{AlertService, AlertServiceConfig};
use patrol_telemetry::fly::dispatch::FleetTasks;
use patrol_telemetry::gcs::{Gcs, Malformed, Tapped, VehicleKey};
use patrol_telemetry::mav::dialect::{
    ATTITUDE_DATA, CAMERA_IMAGE_CAPTURED_DATA, CAMERA_INFORMATION_DATA, FOREST_DETECTION_DATA,
    ForestDetectionClass, GLOBAL_POSITION_INT_DATA, MavMessage,
};
use patrol_telemetry::mav::link::PeerId;
use patrol_telemetry::shift::bus::EventBus;
use patrol_telemetry::shift::event::{AlertEvent, ShiftEventKind};

use crate::common::*;

/// Height of the hover above the ground, metres.
const AGL_M: f64 = 100.0;
/// MAV_COMP_ID_CAMERA.
const CAMERA: u8 = 100;

const NO_TELEMETRY: &str = "no telemetry from the vehicle yet";
const BAD_CONFIDENCE: &str = "confidence is not a number between 0 and 1";
const BAD_BOX: &str = "bounding box is outside 0..1 or inverted";
const REPEATED: &str = "repeated detection id";
const NO_POSE: &str = "no vehicle pose at the capture time";
const UNDECODABLE: &str = "FOREST_DETECTION does not decode";
const NO_CAMERA: &str = "no camera intrinsics (no CAMERA_INFORMATION, not in the fleet file)";

fn terrain() -> &'static Terrain {
    &area().terrain
}

/// The hover point: above the first base, `AGL_M` over the DEM's ground.
fn hover() -> Geodetic {
    let base = &area().bases[0];
    let ground = terrain()
        .elevation_amsl_m(base.lat_deg, base.lon_deg)
        .expect("the base is on the DEM");
    Geodetic {
        lat_deg: base.lat_deg,
        lon_deg: base.lon_deg,
        alt_amsl_m: ground + AGL_M,
    }
}

/// `p` moved `east_m`, `north_m` over the terrain, `AGL_M` above the ground there.
fn hover_at(p: Geodetic, east_m: f64, north_m: f64) -> Geodetic {
    let mut e = terrain().geodetic_to_enu(p);
    e.east_m += east_m;
    e.north_m += north_m;
    let mut g = terrain().enu_to_geodetic(e);
    g.alt_amsl_m = terrain()
        .elevation_amsl_m(g.lat_deg, g.lon_deg)
        .expect("on the DEM")
        + AGL_M;
    g
}

/// East and north of `b` from `a`, metres.
fn offset_en_m(a: Geodetic, b: Geodetic) -> (f64, f64) {
    let (ea, eb) = (terrain().geodetic_to_enu(a), terrain().geodetic_to_enu(b));
    (eb.east_m - ea.east_m, eb.north_m - ea.north_m)
}

fn settings() -> IntakeSettings {
    IntakeSettings {
        errors: ErrorModel::default(),
        limits: GeotagLimits::default(),
        pose: PoseLimits::default(),
        fleet_cameras: area()
            .fleet
            .drones
            .iter()
            .map(|d| (d.system_id, d.camera.clone()))
            .collect(),
    }
}

fn tapped(system_id: u8, component_id: u8, message: Result<MavMessage, Malformed>) -> Tapped {
    Tapped {
        at_unix_us: 1_700_000_000_000_000,
        vehicle: VehicleKey {
            link: 0,
            peer: PeerId::Stream(0),
            system_id,
        },
        component_id,
        message,
    }
}

fn position(time_boot_ms: u32, p: Geodetic) -> MavMessage {
    MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
        time_boot_ms,
        lat: (p.lat_deg * 1e7).round() as i32,
        lon: (p.lon_deg * 1e7).round() as i32,
        alt: (p.alt_amsl_m * 1e3).round() as i32,
        relative_alt: (AGL_M * 1e3) as i32,
        vx: 0,
        vy: 0,
        vz: 0,
        hdg: 0,
    })
}

fn level(time_boot_ms: u32) -> MavMessage {
    MavMessage::ATTITUDE(ATTITUDE_DATA {
        time_boot_ms,
        roll: 0.0,
        pitch: 0.0,
        yaw: 0.0,
        rollspeed: 0.0,
        pitchspeed: 0.0,
        yawspeed: 0.0,
    })
}

/// Feeds `system_id`'s autopilot hovering level at `p`, heading north, at 10 Hz over
/// `from_ms..=to_ms` of its boot clock.
fn feed_hover(intake: &mut DetectionIntake, system_id: u8, p: Geodetic, from_ms: u32, to_ms: u32) {
    for t in (from_ms..=to_ms).step_by(100) {
        for m in [position(t, p), level(t)] {
            assert!(
                intake
                    .handle(terrain(), &tapped(system_id, 1, Ok(m)))
                    .is_none()
            );
        }
    }
}

/// A hot spot filling the box `[left, top, right, bottom]`, not tied to an image.
fn detection(time_boot_ms: u32, detection_id: u32, bbox: [f32; 4]) -> FOREST_DETECTION_DATA {
    FOREST_DETECTION_DATA {
        time_utc_us: 0,
        time_boot_ms,
        image_index: -1,
        detection_id,
        confidence: 0.9,
        bbox_left: bbox[0],
        bbox_top: bbox[1],
        bbox_right: bbox[2],
        bbox_bottom: bbox[3],
        max_temperature_c: 320.0,
        camera_component_id: CAMERA,
        object_class: ForestDetectionClass::FOREST_DETECTION_CLASS_HOTSPOT,
    }
}

const CENTRE: [f32; 4] = [0.45, 0.45, 0.55, 0.55];

fn send(intake: &mut DetectionIntake, system_id: u8, d: FOREST_DETECTION_DATA) -> Option<Sighting> {
    intake.handle(
        terrain(),
        &tapped(system_id, CAMERA, Ok(MavMessage::FOREST_DETECTION(d))),
    )
}

/// The ground point of a sighting (panics on a bearing).
fn point(s: &Sighting) -> Geodetic {
    match &s.located {
        Located::Point { geodetic, .. } => *geodetic,
        Located::Bearing(_) => panic!("a hot spot gives a point, got {s:?}"),
    }
}

/// Asserts that `p` is on the ground of the DEM (within 1 m).
fn assert_on_ground(p: Geodetic) {
    let ground = terrain()
        .elevation_amsl_m(p.lat_deg, p.lon_deg)
        .expect("on the DEM");
    assert!(
        (p.alt_amsl_m - ground).abs() < 1.0,
        "point at {:.1} m, ground {ground:.1} m",
        p.alt_amsl_m
    );
}

#[test]
fn malformed_detections_are_counted_under_their_reasons_and_lose_nothing_else() {
    let mut intake = DetectionIntake::new(settings());
    let above = hover();
    let mut expected_rejected: BTreeMap<String, u64> = BTreeMap::new();
    let mut reject = |intake: &mut DetectionIntake, why: &str, s: Option<Sighting>| {
        assert!(s.is_none(), "{why}: yet located as {s:?}");
        *expected_rejected.entry(why.to_string()).or_insert(0) += 1;
        assert_eq!(
            intake.counters().rejected.get(why),
            expected_rejected.get(why),
            "counted under {why:?}: {:?}",
            intake.counters().rejected
        );
    };

    // Before any telemetry, q1 is not known yet.
    let s = send(&mut intake, 1, detection(5_000, 1, CENTRE));
    reject(&mut intake, NO_TELEMETRY, s);

    feed_hover(&mut intake, 1, above, 1_000, 11_000);
    // The same detection id again: the refused one left nothing behind.
    let first = send(&mut intake, 1, detection(5_000, 1, CENTRE)).expect("located");
    let p = point(&first);
    let (e, n) = offset_en_m(above, p);
    assert!(
        e.hypot(n) < 3.0,
        "nadir camera, image centre: {e:.1} m east, {n:.1} m north of the vehicle"
    );
    assert_on_ground(p);
    assert_eq!(first.class, SightingClass::Hotspot);
    assert!((first.confidence - 0.9).abs() < 1e-6);

    let with = |id: u32, f: &dyn Fn(&mut FOREST_DETECTION_DATA)| {
        let mut d = detection(5_500, id, CENTRE);
        f(&mut d);
        d
    };
    let s = send(&mut intake, 1, with(2, &|d| d.confidence = f32::NAN));
    reject(&mut intake, BAD_CONFIDENCE, s);
    let s = send(&mut intake, 1, with(3, &|d| d.confidence = 1.5));
    reject(&mut intake, BAD_CONFIDENCE, s);
    let s = send(
        &mut intake,
        1,
        with(4, &|d| (d.bbox_left, d.bbox_right) = (0.6, 0.4)),
    );
    reject(&mut intake, BAD_BOX, s);
    let s = send(&mut intake, 1, with(5, &|d| d.bbox_bottom = 1.2));
    reject(&mut intake, BAD_BOX, s);
    let s = send(&mut intake, 1, with(6, &|d| d.bbox_top = f32::NAN));
    reject(&mut intake, BAD_BOX, s);
    // Detection 1 again (the refused ones above did not count as seen).
    let s = send(&mut intake, 1, with(1, &|_| {}));
    reject(&mut intake, REPEATED, s);
    // A minute after the last telemetry.
    let s = send(&mut intake, 1, with(7, &|d| d.time_boot_ms = 71_000));
    reject(&mut intake, NO_POSE, s);
    let s = intake.handle(
        terrain(),
        &tapped(
            1,
            CAMERA,
            Err(Malformed {
                message_id: 58000,
                reason: "invalid enum value 9 for FOREST_DETECTION_CLASS".into(),
            }),
        ),
    );
    reject(&mut intake, UNDECODABLE, s);
    // Another message id that does not decode is no detection.
    assert!(
        intake
            .handle(
                terrain(),
                &tapped(
                    1,
                    1,
                    Err(Malformed {
                        message_id: 33,
                        reason: "short".into()
                    })
                )
            )
            .is_none()
    );
    // System 42 flies (its telemetry is known) but is not in the fleet file, and its camera
    // sent no CAMERA_INFORMATION.
    assert!(area().fleet.drones.iter().all(|d| d.system_id != 42));
    feed_hover(&mut intake, 42, hover_at(above, 300.0, 0.0), 1_000, 11_000);
    let s = send(&mut intake, 42, detection(5_000, 1, CENTRE));
    reject(&mut intake, NO_CAMERA, s);

    // Nothing else was lost: the next good detection of q1 is located like the first.
    let last = send(&mut intake, 1, detection(9_000, 8, CENTRE)).expect("located after all that");
    let (e, n) = offset_en_m(above, point(&last));
    assert!(e.hypot(n) < 3.0, "{e:.1} m east, {n:.1} m north");

    let c = intake.counters();
    assert_eq!(c.rejected, expected_rejected);
    assert_eq!(c.located, 2);
    assert_eq!(c.rejected_total(), 10);
    assert_eq!(c.received, c.located + c.rejected_total(), "{c:?}");
}

#[test]
fn camera_information_overrides_the_fleet_camera() {
    let mut intake = DetectionIntake::new(settings());
    let above = hover();
    feed_hover(&mut intake, 1, above, 1_000, 11_000);
    // A box centred three quarters across the image: to the right of the heading, i.e. east.
    let right = [0.74, 0.45, 0.76, 0.55];
    let fleet = point(&send(&mut intake, 1, detection(5_000, 1, right)).expect("located"));

    // The camera says it has twice q1's focal length in the fleet file (26 mm, not 13 mm).
    let q1 = &area().fleet.drones[0].camera;
    assert_eq!(area().fleet.drones[0].system_id, 1);
    let info = MavMessage::CAMERA_INFORMATION(CAMERA_INFORMATION_DATA {
        time_boot_ms: 5_000,
        focal_length: (2.0 * q1.focal_length_mm) as f32,
        sensor_size_h: q1.sensor_width_mm as f32,
        sensor_size_v: q1.sensor_height_mm as f32,
        resolution_h: q1.resolution_px[0] as u16,
        resolution_v: q1.resolution_px[1] as u16,
        ..CAMERA_INFORMATION_DATA::DEFAULT
    });
    assert!(
        intake
            .handle(terrain(), &tapped(1, CAMERA, Ok(info)))
            .is_none()
    );
    let told = point(&send(&mut intake, 1, detection(5_000, 2, right)).expect("located"));

    // Over flat ground the offsets would be AGL · (0.25 · sensor width / focal length).
    let flat_fleet_m = AGL_M * 0.25 * q1.sensor_width_mm / q1.focal_length_mm;
    let (e_fleet, n_fleet) = offset_en_m(above, fleet);
    let (e_told, n_told) = offset_en_m(above, told);
    for (e, n) in [(e_fleet, n_fleet), (e_told, n_told)] {
        assert!(
            e > 0.0 && n.abs() < 0.2 * e,
            "{e:.1} m east, {n:.1} m north"
        );
    }
    assert!(
        (e_fleet - flat_fleet_m).abs() < 0.2 * flat_fleet_m,
        "fleet camera: {e_fleet:.1} m east, about {flat_fleet_m:.1} m expected"
    );
    let ratio = e_fleet / e_told;
    assert!(
        (ratio - 2.0).abs() < 0.2,
        "doubling the focal length halves the offset: {e_fleet:.1} m then {e_told:.1} m"
    );
    assert_on_ground(told);
    assert_eq!(intake.counters().located, 2);
}

/// The Hamilton quaternion `[w, x, y, z]` of the 3-2-1 Euler angles (yaw, then pitch, then
/// roll; radians).
fn quaternion_321(roll: f64, pitch: f64, yaw: f64) -> [f32; 4] {
    let (sr, cr) = (roll / 2.0).sin_cos();
    let (sp, cp) = (pitch / 2.0).sin_cos();
    let (sy, cy) = (yaw / 2.0).sin_cos();
    [
        cr * cp * cy + sr * sp * sy,
        sr * cp * cy - cr * sp * sy,
        cr * sp * cy + sr * cp * sy,
        cr * cp * sy - sr * sp * cy,
    ]
    .map(|c| c as f32)
}

#[test]
fn an_image_capture_places_its_detections_without_telemetry_at_that_time() {
    let mut intake = DetectionIntake::new(settings());
    let above = hover();
    feed_hover(&mut intake, 1, above, 1_000, 11_000);

    // Image 7 was taken at boot time 300 s, long after the telemetry stopped, 400 m north,
    // looking east 45° down (the capture's quaternion is against NED).
    let at = hover_at(above, 0.0, 400.0);
    let capture = MavMessage::CAMERA_IMAGE_CAPTURED(CAMERA_IMAGE_CAPTURED_DATA {
        time_boot_ms: 300_000,
        lat: (at.lat_deg * 1e7).round() as i32,
        lon: (at.lon_deg * 1e7).round() as i32,
        alt: (at.alt_amsl_m * 1e3).round() as i32,
        relative_alt: (AGL_M * 1e3) as i32,
        q: quaternion_321(0.0, -45f64.to_radians(), 90f64.to_radians()),
        image_index: 7,
        camera_id: 0,
        ..CAMERA_IMAGE_CAPTURED_DATA::DEFAULT
    });
    assert!(
        intake
            .handle(terrain(), &tapped(1, CAMERA, Ok(capture)))
            .is_none()
    );

    // Without the image index there is no pose at that time.
    let unplaced = send(&mut intake, 1, detection(300_000, 1, CENTRE));
    assert!(unplaced.is_none());
    assert_eq!(intake.counters().rejected.get(NO_POSE), Some(&1));

    let mut d = detection(300_000, 2, CENTRE);
    d.image_index = 7;
    let p = point(&send(&mut intake, 1, d).expect("placed from the capture"));
    assert_on_ground(p);
    // Seen 45° down: as far east of the capture point as it is below it.
    let (e, n) = offset_en_m(at, p);
    let drop_m = at.alt_amsl_m - p.alt_amsl_m;
    assert!(
        n.abs() < 3.0 && e > 20.0,
        "{e:.1} m east, {n:.1} m north of the capture"
    );
    assert!(
        (e - drop_m).abs() < 3.0,
        "{e:.1} m east for {drop_m:.1} m below: not 45°"
    );
    assert_eq!(intake.counters().located, 1);
}

/// `.venv/bin/python` of the workspace (scripts/test.sh makes it).
fn python() -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/test.sh, which installs pymavlink there",
        p.display()
    );
    p
}

#[test]
fn a_pymavlink_companion_computer_raises_an_alert() {
    let area = Area::load(&area_dir()).expect("area with risk");
    let plan = plan_patrol(
        &area,
        &PlanRequest {
            shift_start: "10:00".into(),
            shift_end: "11:00".into(),
            time_limit_s: 1.0,
            search_work: Some(200_000),
            ..PlanRequest::default()
        },
    )
    .expect("plan");
    let above = hover();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("alerts.sqlite");
    runtime().block_on(async {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a free port")
            .port();
        let (tap, tap_rx) = AlertService::tap();
        let tap_for_alerts = tap.clone();
        let mut config = gcs_config(vec![
            format!("udpin:127.0.0.1:{port}").parse().expect("endpoint"),
        ]);
        config.tap = Some(tap.clone());
        let gcs = Gcs::start(config).await.expect("gcs starts");
        let bus = EventBus::new(gcs.clock());
        let mut events = bus.subscribe();
        let alerts = AlertService::start(
            AlertServiceConfig {
                terrain: Arc::new(area.terrain.clone()),
                fleet: area.fleet.drones.clone(),
                risk: area.risk.clone().map(Arc::new),
                alarm_udp: None,
                alarm_files: Vec::new(),
                towers: area.towers.clone(),
                dispatch: None,
                intake: settings(),
                fusion: FusionSettings::default(),
            },
            &db,
            &plan,
            &gcs,
            (tap_for_alerts, tap_rx),
            bus,
            FleetTasks::default(),
        )
        .await
        .expect("alert service starts");

        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/companion_detector.py");
        let ground = above.alt_amsl_m - AGL_M;
        let mut child = Command::new(python())
            .arg(&script)
            .args(["--to", &format!("127.0.0.1:{port}")])
            .args(["--lat", &above.lat_deg.to_string()])
            .args(["--lon", &above.lon_deg.to_string()])
            .args(["--ground-amsl-m", &ground.to_string()])
            .args(["--agl-m", &AGL_M.to_string()])
            .env("MAVLINK20", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python runs");
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait().expect("wait").is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let out = child.wait_with_output().expect("output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "peer failed: {stdout}\n{stderr}");
        let sent: serde_json::Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("peer output is not JSON ({e}): {stdout}\n{stderr}"));
        let (good, bad_class, nan) = (
            sent["good"].as_u64().expect("good"),
            sent["bad_class"].as_u64().expect("bad_class"),
            sent["nan_confidence"].as_u64().expect("nan_confidence"),
        );
        assert!(good >= 1 && bad_class == 1 && nan == 1, "peer sent {sent}");

        // The alerting task drains the tap; wait until it has read every detection.
        let all = good + bad_class + nan;
        let until = Instant::now() + Duration::from_secs(10);
        while alerts.stats.lock().expect("stats").intake.received < all && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        gcs.shutdown().await;
        let stats = alerts.finish().await;
        assert_eq!(tap.dropped(), 0);

        let intake = &stats.intake;
        assert_eq!(intake.received, all, "{intake:?}");
        assert_eq!(
            intake.located, good,
            "every good detection is located: {intake:?}"
        );
        let expected: BTreeMap<String, u64> = [
            (UNDECODABLE.to_string(), 1),
            (BAD_CONFIDENCE.to_string(), 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(intake.rejected, expected);
        assert_eq!(stats.sightings.len() as u64, good);
        for r in &stats.sightings {
            let (e, n) = offset_en_m(above, point(&r.sighting));
            assert!(
                e.hypot(n) < 5.0,
                "sighting {e:.1} m east, {n:.1} m north of the hover"
            );
        }

        let store = AlertStore::open_read_only(&db).expect("store");
        let listed = store.list(None).expect("alerts");
        assert_eq!(listed.len(), 1, "one fire, one alert: {listed:?}");
        let alert = &listed[0].alert;
        let (e, n) = offset_en_m(
            above,
            Geodetic {
                lat_deg: alert.lat_deg,
                lon_deg: alert.lon_deg,
                alt_amsl_m: above.alt_amsl_m - AGL_M,
            },
        );
        assert!(
            e.hypot(n) < 10.0,
            "alert {e:.1} m east, {n:.1} m north of the hover"
        );
        assert_eq!(listed[0].evidence_count as u64, good, "{listed:?}");
        assert_eq!(alert.class, AlertClass::Hotspot);
        assert!(alert.source.contains("q1"), "{}", alert.source);
        // The alert was announced as a typed event, after it was in the store.
        let mut raised = Vec::new();
        while let Ok(ev) = events.try_recv() {
            if let ShiftEventKind::Alert(AlertEvent::Raised {
                alert,
                seen_by,
                class,
                ..
            }) = ev.kind
            {
                raised.push((alert, seen_by, class));
            }
        }
        assert_eq!(
            raised,
            [(alert.id, "q1".to_string(), SightingClass::Hotspot)],
            "one alert event for the one alert"
        );
    });
}

/// The horizontal 1-sigma variance of a point sighting, m² (east + north).
fn variance_m2(s: &Sighting) -> f64 {
    match &s.located {
        Located::Point {
            covariance_en_m2, ..
        } => covariance_en_m2[0][0] + covariance_en_m2[1][1],
        Located::Bearing(_) => panic!("a hot spot gives a point, got {s:?}"),
    }
}

#[test]
fn a_large_or_cut_off_box_is_placed_with_the_uncertainty_of_its_size() {
    // A fire bigger than the image's edge: the box is cut at the top, so its centre lies
    // below the target's. The fix must not claim a pixel's precision.
    let mut intake = DetectionIntake::new(settings());
    feed_hover(&mut intake, 1, hover(), 1_000, 11_000);
    let small = send(&mut intake, 1, detection(4_000, 1, CENTRE)).expect("located");
    let large = send(&mut intake, 1, detection(5_000, 2, [0.2, 0.2, 0.8, 0.8])).expect("located");
    let cut = send(&mut intake, 1, detection(6_000, 3, [0.2, 0.0, 0.8, 0.6])).expect("located");
    let (s, l, c) = (variance_m2(&small), variance_m2(&large), variance_m2(&cut));
    // Six times the box: about six times the image error, and the other errors the same.
    assert!(l > 4.0 * s, "large box {l:.1} m² vs small {s:.1} m²");
    // Cut off: half the visible 60 % (0.3) rather than 60 % / √12 (0.17) along the cut axis.
    assert!(c > l, "cut box {c:.1} m² vs large {l:.1} m²");
    // The small box keeps a fix of a few metres (hovering 120 m above ground, nadir camera).
    assert!(s.sqrt() < 10.0, "small box ±{:.1} m", s.sqrt());
}
