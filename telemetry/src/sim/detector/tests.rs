//! Tests of the simulated detector on synthetic terrain: what it sees, where it puts the box,
//! what hides a fire, and how its messages look on the wire.

use super::*;
use crate::detect::attitude::quaternion_from_euler_321;
use crate::detect::geotag::test_terrain::{CENTRE, terrain};
use crate::mav::flight_mode::FlightMode;
use crate::mav::frame::Frame;
use crate::sim::fire::Fire;
use mavlink::MavHeader;
use patrol_planner::geodesy::enu::Enu;
use patrol_planner::geodesy::enu::LocalFrame;

const GROUND_M: f64 = 400.0;

fn drone(kind: &str, pitch_deg: f64) -> Drone {
    let camera = match kind {
        "thermal" => format!(
            r#"{{"kind": "thermal", "sensor_width_mm": 7.68, "sensor_height_mm": 6.14,
            "focal_length_mm": 13.0, "resolution_px": [640, 512], "gimbal_pitch_deg": {pitch_deg}}}"#
        ),
        _ => format!(
            r#"{{"kind": "visible", "sensor_width_mm": 6.4, "sensor_height_mm": 4.8,
            "focal_length_mm": 4.5, "resolution_px": [4000, 3000], "gimbal_pitch_deg": {pitch_deg}}}"#
        ),
    };
    serde_json::from_str(&format!(
        r#"{{"id": "q1", "system_id": 1, "airframe": "multirotor", "cruise_speed_mps": 12.0,
        "max_speed_mps": 20.0, "climb_rate_mps": 5.0, "descent_rate_mps": 3.0,
        "endurance_min": 38.0, "reserve_min": 8.0, "battery_swap_min": 8.0,
        "home_base": "Jellico", "max_wind_mps": 12.0, "autopilot": {{"firmware": "ardupilot",
        "mission_item_limit": 700, "terrain_data": true}}, "camera": {camera}}}"#
    ))
    .expect("valid drone")
}

/// A place `east_m`, `north_m` from [`CENTRE`] (the terrains' frame origin).
fn at(east_m: f64, north_m: f64) -> Geodetic {
    LocalFrame::new(CENTRE).enu_to_geodetic(Enu {
        east_m,
        north_m,
        up_m: 0.0,
    })
}

/// A fire at `east_m`, `north_m`, burning since mission time 0.
fn fire(id: &str, east_m: f64, north_m: f64, smoke_height_m: f64) -> Fire {
    let g = at(east_m, north_m);
    Fire {
        id: id.into(),
        lat_deg: g.lat_deg,
        lon_deg: g.lon_deg,
        ignition_s: 0.0,
        spread_mps: 0.0,
        smoke_height_m,
        intensity: 1.0,
    }
}

/// A vehicle in the air at `east_m`, `north_m` from [`CENTRE`], `alt_amsl_m`, heading
/// `yaw_deg`, level.
fn state(east_m: f64, north_m: f64, alt_amsl_m: f64, yaw_deg: f64) -> VehicleState {
    let g = at(east_m, north_m);
    VehicleState {
        lat_deg: g.lat_deg,
        lon_deg: g.lon_deg,
        alt_amsl_m,
        alt_rel_home_m: alt_amsl_m - GROUND_M,
        alt_agl_m: alt_amsl_m - GROUND_M,
        ground_amsl_m: GROUND_M,
        vn_mps: 0.0,
        ve_mps: 0.0,
        vd_mps: 0.0,
        heading_deg: yaw_deg.rem_euclid(360.0),
        roll_rad: 0.0,
        pitch_rad: 0.0,
        yaw_rad: yaw_deg.to_radians(),
        airspeed_mps: 0.0,
        groundspeed_mps: 0.0,
        climb_mps: 0.0,
        battery_remaining: 1.0,
        battery_voltage_v: 24.0,
        battery_current_a: 20.0,
        armed: true,
        mode: FlightMode::Guided,
        landed_state: LandedState::InAir,
        mission_current: 0,
        mission_count: 0,
        gps_fix: true,
        satellites: 15,
        home: Geodetic {
            alt_amsl_m: GROUND_M,
            ..CENTRE
        },
    }
}

/// No noise, no misses, no false alarms.
fn exact() -> DetectorConfig {
    DetectorConfig {
        pixel_noise_px: 0.0,
        miss_rate: 0.0,
        false_alarm_rate: 0.0,
        ..DetectorConfig::default()
    }
}

fn detector(
    drone: &Drone,
    t: Terrain,
    fires: Vec<Fire>,
    config: DetectorConfig,
) -> (Detector, Arc<Terrain>) {
    let t = Arc::new(t);
    let field = FireField::new(fires, &t).expect("fires on the terrain");
    let d = Detector::new(
        drone,
        config,
        Arc::new(field),
        t.clone(),
        1_700_000_000_000_000,
    )
    .expect("valid detector");
    (d, t)
}

fn flat() -> Terrain {
    terrain(3000.0, 30.0, |_, _| GROUND_M)
}

fn detections(c: &Capture) -> Vec<FOREST_DETECTION_DATA> {
    c.messages
        .iter()
        .filter_map(|m| match m {
            MavMessage::FOREST_DETECTION(d) => Some(d.clone()),
            _ => None,
        })
        .collect()
}

fn centre(d: &FOREST_DETECTION_DATA) -> (f64, f64) {
    (
        f64::from(d.bbox_left + d.bbox_right) / 2.0,
        f64::from(d.bbox_top + d.bbox_bottom) / 2.0,
    )
}

#[test]
fn a_fire_below_a_nadir_camera_is_boxed_at_the_image_centre() {
    let q1 = drone("thermal", -90.0);
    let (mut d, _) = detector(&q1, flat(), vec![fire("f1", 0.0, 0.0, 60.0)], exact());
    let s = state(0.0, 0.0, GROUND_M + 100.0, 30.0);
    let c = d.capture(12.5, &s, &s);
    let found = detections(&c);
    assert_eq!(found.len(), 1, "{:?}", c.messages);
    let det = &found[0];
    let (u, v) = centre(det);
    assert!(
        (u - 0.5).abs() < 1e-4 && (v - 0.5).abs() < 1e-4,
        "({u}, {v})"
    );
    assert_eq!(
        det.object_class,
        ForestDetectionClass::FOREST_DETECTION_CLASS_HOTSPOT
    );
    assert_eq!(det.time_boot_ms, 12_500);
    assert_eq!(det.time_utc_us, 1_700_000_012_500_000);
    assert_eq!(det.camera_component_id, CAMERA_COMPONENT_ID);
    assert_eq!((det.image_index, det.detection_id), (0, 0));
    // A fire 2 m across, 100 m below a lens of 1083 px focal length: 21.7 px wide, and it fills
    // its pixels, so they show the flame's full temperature.
    let width_px = f64::from(det.bbox_right - det.bbox_left) * 640.0;
    assert!((width_px - 21.67).abs() < 0.05, "{width_px} px");
    assert_eq!(det.max_temperature_c, 600.0);
    assert!(det.confidence > 0.5);
    // Gimbal, image, then the detection.
    assert!(matches!(
        c.messages[0],
        MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(_)
    ));
    assert!(matches!(
        c.messages[1],
        MavMessage::CAMERA_IMAGE_CAPTURED(_)
    ));
    assert_eq!(c.truth.len(), 1);
    assert_eq!(c.truth[0].fire_id.as_deref(), Some("f1"));
    assert!((c.truth[0].range_m.expect("range") - 100.0).abs() < 0.01);

    // With the default pixel noise the centre moves by a few pixels, not more.
    let (mut noisy, _) = detector(
        &q1,
        flat(),
        vec![fire("f1", 0.0, 0.0, 60.0)],
        DetectorConfig {
            miss_rate: 0.0,
            false_alarm_rate: 0.0,
            ..DetectorConfig::default()
        },
    );
    let mut sum_sq = 0.0;
    for i in 0..200 {
        let c = noisy.capture(f64::from(i), &s, &s);
        let (u, v) = centre(&detections(&c)[0]);
        let (du, dv) = ((u - 0.5) * 640.0, (v - 0.5) * 512.0);
        assert!(du.hypot(dv) < 8.0, "{du}, {dv} px");
        sum_sq += du * du + dv * dv;
    }
    let sigma = (sum_sq / 400.0).sqrt();
    assert!((1.2..1.8).contains(&sigma), "per-axis sigma {sigma} px");
}

#[test]
fn a_fire_outside_the_footprint_is_not_seen() {
    // 100 m up, this camera covers about 60 x 47 m; the fire is 200 m east.
    let (mut d, _) = detector(
        &drone("thermal", -90.0),
        flat(),
        vec![fire("f1", 200.0, 0.0, 60.0)],
        exact(),
    );
    let s = state(0.0, 0.0, GROUND_M + 100.0, 0.0);
    let c = d.capture(10.0, &s, &s);
    assert!(c.messages.is_empty() && c.truth.is_empty());
    // Fly over it and it shows.
    let over = state(200.0, 0.0, GROUND_M + 100.0, 0.0);
    assert_eq!(detections(&d.capture(11.0, &over, &over)).len(), 1);
    // Beyond the maximum range nothing shows either, even in the image.
    let (mut near_sighted, _) = detector(
        &drone("thermal", -90.0),
        flat(),
        vec![fire("f1", 0.0, 0.0, 60.0)],
        DetectorConfig {
            max_range_m: 90.0,
            ..exact()
        },
    );
    assert!(near_sighted.capture(10.0, &s, &s).truth.is_empty());
}

/// A north-south wall `height_m` high between 400 and 500 m east of the centre.
fn ridge(height_m: f64) -> Terrain {
    terrain(3000.0, 30.0, move |e, _| {
        if (400.0..500.0).contains(&e) {
            GROUND_M + height_m
        } else {
            GROUND_M
        }
    })
}

fn classes(c: &Capture) -> Vec<&'static str> {
    c.truth.iter().map(|t| t.class).collect()
}

#[test]
fn a_ridge_hides_the_fire_behind_it() {
    let q2 = drone("visible", -20.0);
    // 200 m above the ground, facing east; the fire is 1 km east.
    let s = state(0.0, 0.0, GROUND_M + 200.0, 90.0);
    let fires = || vec![fire("f1", 1000.0, 0.0, 60.0)];
    let (mut open, _) = detector(&q2, flat(), fires(), exact());
    let seen = open.capture(600.0, &s, &s);
    assert_eq!(classes(&seen), ["flame", "smoke"]);
    let (mut hidden, _) = detector(&q2, ridge(300.0), fires(), exact());
    let c = hidden.capture(600.0, &s, &s);
    assert!(c.truth.is_empty(), "{:?}", c.truth);
}

#[test]
fn a_plume_rises_above_a_ridge_that_hides_its_fire() {
    let q2 = drone("visible", -20.0);
    let s = state(0.0, 0.0, GROUND_M + 200.0, 90.0);
    // The line to the fire passes 110..90 m above the ground over the ridge, below its 115 m
    // crest; the line to the plume's middle (60 m up) passes 137 m up, above it.
    let (mut d, t) = detector(
        &q2,
        ridge(115.0),
        vec![fire("f1", 1000.0, 0.0, 120.0)],
        exact(),
    );
    let c = d.capture(3000.0, &s, &s);
    assert_eq!(classes(&c), ["smoke"]);
    // The smoke's box centre looks past the fire: its ray lands on the ground behind it.
    let det = &detections(&c)[0];
    let (u, v) = centre(det);
    let pos = at(0.0, 0.0);
    let r = enu_at_to_frame(
        t.frame(),
        Geodetic {
            alt_amsl_m: s.alt_amsl_m,
            ..pos
        },
    )
    .mul(&camera_to_enu(
        &VehicleAttitude {
            roll_rad: 0.0,
            pitch_rad: 0.0,
            yaw_rad: s.yaw_rad,
        },
        &GimbalAttitude::fixed_mount(-20.0),
    ));
    let [e, n, up] = r.apply(
        CameraModel::from_fleet(&q2.camera)
            .expect("camera")
            .ray_cam_from_normalised(u, v),
    );
    let origin = t.geodetic_to_enu(Geodetic {
        alt_amsl_m: s.alt_amsl_m,
        ..pos
    });
    let hit = t
        .ray_ground_intersection(
            origin,
            Enu {
                east_m: e,
                north_m: n,
                up_m: up,
            },
            10_000.0,
        )
        .expect("meets the ground");
    assert!(
        hit.enu.east_m > 1200.0,
        "lands at {} m east",
        hit.enu.east_m
    );
}

#[test]
fn a_flame_box_points_back_at_the_fire() {
    // The projection and the geotagging ray are inverses: the flame's box centre, cast back
    // onto the terrain, lands on the fire.
    let q2 = drone("visible", -30.0);
    let s = VehicleState {
        roll_rad: 0.1,
        pitch_rad: -0.05,
        ..state(-100.0, 50.0, GROUND_M + 150.0, 70.0)
    };
    let (mut d, t) = detector(&q2, flat(), vec![fire("f1", 250.0, 120.0, 0.0)], exact());
    let c = d.capture(60.0, &s, &s);
    assert_eq!(classes(&c), ["flame"]);
    let (u, v) = centre(&detections(&c)[0]);
    let view = View {
        origin: t.geodetic_to_enu(Geodetic {
            alt_amsl_m: s.alt_amsl_m,
            ..at(-100.0, 50.0)
        }),
        camera_to_frame: enu_at_to_frame(
            t.frame(),
            Geodetic {
                alt_amsl_m: s.alt_amsl_m,
                ..at(-100.0, 50.0)
            },
        )
        .mul(&camera_to_enu(
            &VehicleAttitude {
                roll_rad: s.roll_rad,
                pitch_rad: s.pitch_rad,
                yaw_rad: s.yaw_rad,
            },
            &GimbalAttitude::fixed_mount(-30.0),
        )),
    };
    let camera = CameraModel::from_fleet(&q2.camera).expect("camera");
    let (ground, _) = view
        .ground_hit(&t, &camera, (u, v), 3000.0)
        .expect("on the ground");
    let e = t.geodetic_to_enu(ground);
    // The box edges are f32: about 1e-7 of the image, a few centimetres here.
    assert!((e.east_m - 250.0).hypot(e.north_m - 120.0) < 0.5, "{e:?}");
}

#[test]
fn a_miss_rate_of_one_reports_nothing_but_keeps_the_truth() {
    let (mut d, _) = detector(
        &drone("thermal", -90.0),
        flat(),
        vec![fire("f1", 0.0, 0.0, 60.0)],
        DetectorConfig {
            miss_rate: 1.0,
            ..exact()
        },
    );
    let s = state(0.0, 0.0, GROUND_M + 100.0, 0.0);
    for i in 0..50 {
        let c = d.capture(f64::from(i), &s, &s);
        assert!(c.messages.is_empty());
        assert_eq!(c.truth.len(), 1);
        assert_eq!(c.truth[0].detection_id, None);
    }
}

#[test]
fn false_alarms_come_at_their_rate_with_low_confidence() {
    let (mut d, _) = detector(
        &drone("visible", -45.0),
        flat(),
        Vec::new(),
        DetectorConfig {
            false_alarm_rate: 0.5,
            ..exact()
        },
    );
    let s = state(0.0, 0.0, GROUND_M + 120.0, 0.0);
    let mut count = 0;
    for i in 0..2000 {
        let c = d.capture(f64::from(i), &s, &s);
        for (det, truth) in detections(&c).iter().zip(&c.truth) {
            count += 1;
            assert!(det.confidence < 0.5);
            assert!(det.bbox_left <= det.bbox_right && det.bbox_top <= det.bbox_bottom);
            assert_eq!(truth.fire_id, None);
            assert_eq!(truth.detection_id, Some(det.detection_id));
        }
    }
    // Poisson: mean 1000, sigma 32.
    assert!((880..1120).contains(&count), "{count} false alarms");
}

#[test]
fn images_are_taken_at_the_interval_and_only_in_the_air() {
    let (mut d, _) = detector(
        &drone("thermal", -90.0),
        flat(),
        vec![fire("f1", 0.0, 0.0, 60.0)],
        exact(),
    );
    let air = state(0.0, 0.0, GROUND_M + 100.0, 0.0);
    let ground = VehicleState {
        landed_state: LandedState::OnGround,
        ..air
    };
    assert!(d.tick(0.0, &ground, &ground).is_none(), "on the ground");
    let mut taken = Vec::new();
    for step in 0..50 {
        let t_s = 5.0 + f64::from(step) * 0.1;
        if let Some(c) = d.tick(t_s, &air, &air) {
            taken.push((t_s, detections(&c)[0].image_index));
        }
    }
    // Five seconds at one image a second.
    assert_eq!(taken.len(), 5, "{taken:?}");
    assert!(taken.windows(2).all(|w| w[1].1 == w[0].1 + 1));
    assert!(
        taken
            .windows(2)
            .all(|w| (w[1].0 - w[0].0 - 1.0).abs() < 0.11)
    );
}

#[test]
fn image_and_gimbal_messages_describe_the_camera() {
    let (mut d, _) = detector(
        &drone("thermal", -90.0),
        flat(),
        vec![fire("f1", 0.0, 0.0, 60.0)],
        exact(),
    );
    let truth = state(0.0, 0.0, GROUND_M + 100.0, 90.0);
    let reported = VehicleState {
        lat_deg: truth.lat_deg + 1e-5,
        ..truth
    };
    let c = d.capture(3.0, &truth, &reported);
    let MavMessage::CAMERA_IMAGE_CAPTURED(img) = &c.messages[1] else {
        panic!("expected CAMERA_IMAGE_CAPTURED, got {:?}", c.messages[1]);
    };
    assert_eq!(img.lat, (reported.lat_deg * 1e7).round() as i32);
    assert_eq!(img.alt, 500_000);
    assert_eq!(img.relative_alt, 100_000);
    assert_eq!(img.capture_result, MavBool::MAV_BOOL_TRUE);
    assert_eq!(img.time_boot_ms, 3000);
    // The optical axis (x of the camera's MAVLink frame) points down in NED.
    let r = Rot3::from_quaternion(img.q.map(f64::from)).expect("unit");
    let axis = r.apply([1.0, 0.0, 0.0]);
    assert!((axis[2] - 1.0).abs() < 1e-6, "{axis:?}");
    let MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(g) = &c.messages[0] else {
        panic!("expected GIMBAL_DEVICE_ATTITUDE_STATUS");
    };
    assert!(
        g.flags
            .contains(GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME)
    );
    // Read back as the ground station does, it is the fixed mount.
    let back = GimbalAttitude::from_device_status(g.q.map(f64::from), g.flags.bits())
        .expect("valid report");
    let mount = GimbalAttitude::fixed_mount(-90.0);
    assert!(
        back.q_wxyz
            .iter()
            .zip(mount.q_wxyz)
            .all(|(a, b)| (a - b).abs() < 1e-6)
    );
}

#[test]
fn quaternions_of_rotations_match_euler_angles() {
    for &(r, p, y) in &[
        (0.0, 0.0, 0.0),
        (0.3, -0.7, 2.5),
        (0.0, -std::f64::consts::FRAC_PI_2, 1.0),
        (3.0, 0.2, -3.0),
        (-0.1, 1.2, 3.1),
    ] {
        let expected = quaternion_from_euler_321(r, p, y);
        let sign = if expected[0] < 0.0 { -1.0 } else { 1.0 };
        let q = quaternion_from_rotation(&Rot3::from_euler_321(r, p, y));
        for i in 0..4 {
            assert!(
                (q[i] - sign * expected[i]).abs() < 1e-12,
                "{r} {p} {y}: {q:?}"
            );
        }
    }
}

#[test]
fn a_detection_survives_mavlink_framing() {
    let (mut d, _) = detector(
        &drone("thermal", -90.0),
        flat(),
        vec![fire("f1", 0.0, 0.0, 60.0)],
        exact(),
    );
    let s = state(0.0, 0.0, GROUND_M + 100.0, 0.0);
    let c = d.capture(7.0, &s, &s);
    let msg = MavMessage::FOREST_DETECTION(detections(&c)[0].clone());
    let frame = Frame::encode_v2(
        MavHeader {
            system_id: 1,
            component_id: CAMERA_COMPONENT_ID,
            sequence: 9,
        },
        &msg,
    );
    let (parsed, used) = Frame::parse_prefix(frame.bytes())
        .expect("a frame")
        .expect("complete");
    assert_eq!(used, frame.bytes().len());
    assert_eq!(parsed.component_id(), CAMERA_COMPONENT_ID);
    assert_eq!(parsed.message_id(), 58000);
    assert_eq!(parsed.decode().expect("decodes"), msg);
}

#[test]
fn settings_out_of_range_are_named() {
    let err = DetectorConfig {
        miss_rate: 1.5,
        ..DetectorConfig::default()
    }
    .validate()
    .expect_err("miss rate above 1");
    assert!(err.to_string().contains("miss_rate = 1.5"));
    let err = DetectorConfig {
        capture_interval_s: f64::NAN,
        ..DetectorConfig::default()
    }
    .validate()
    .expect_err("NaN interval");
    assert!(err.to_string().contains("capture_interval_s"));
    let mut bad = drone("thermal", -90.0);
    bad.camera.focal_length_mm = 0.0;
    let err = Detector::new(
        &bad,
        DetectorConfig::default(),
        Arc::new(FireField::default()),
        Arc::new(flat()),
        0,
    )
    .expect_err("zero focal length");
    assert!(err.to_string().contains("drone q1") && err.to_string().contains("focal_length"));
}
