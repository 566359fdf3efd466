//! The flight session: a scripted flight yields the expected typed events, and the event log
//! is those events rendered; the run directory it writes opens again.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use patrol_planner::plan::build::plan_patrol;
use patrol_planner::plan::model::Plan;
use patrol_planner::plan::request::PlanRequest;
use patrol_telemetry::clock::MissionClock;
use patrol_telemetry::fly::dispatch::FleetTasks;
use patrol_telemetry::fly::sorties::FlyOptions;
use patrol_telemetry::gcs::vehicle::Change;
use patrol_telemetry::gcs::{EventKind, default_stream_rates};
use patrol_telemetry::mav::endpoint::Endpoint;
use patrol_telemetry::mav::mission_item::ListKind;
use patrol_telemetry::mav::shaper::Impairment;
use patrol_telemetry::run_dir::RunDir;
use patrol_telemetry::shift::event::{ShiftEvent, ShiftEventKind, SortieEvent};
use patrol_telemetry::shift::session::{FlightEnd, FlightSession, SessionConfig, Stop};
use patrol_telemetry::sim::fleet::SimFleet;
use tokio::sync::broadcast;

use crate::common::*;

fn one_drone_plan() -> Plan {
    static AREA: std::sync::OnceLock<patrol_planner::area::Area> = std::sync::OnceLock::new();
    let with_risk =
        AREA.get_or_init(|| patrol_planner::area::Area::load(&area_dir()).expect("area loads"));
    plan_patrol(
        with_risk,
        &PlanRequest {
            shift_start: "10:00".into(),
            shift_end: "10:40".into(),
            drones: Some(vec![area().fleet.drones[0].id.clone()]),
            time_limit_s: 1.0,
            search_work: Some(100_000),
            ..PlanRequest::default()
        },
    )
    .expect("plan")
}

fn config(plan: &Plan, run_dir: RunDir, endpoint: Endpoint, clock: MissionClock) -> SessionConfig {
    SessionConfig {
        plan: plan.clone(),
        run_dir,
        area_dir: area_dir(),
        endpoints: vec![endpoint],
        outputs: Vec::new(),
        gcs_system_id: patrol_telemetry::mav::dialect::GCS_SYSTEM_ID,
        signing: None,
        clock,
        stream_rates_hz: default_stream_rates(),
        alerting: None,
        fly: FlyOptions {
            vehicle_timeout: Duration::from_secs(20),
            max_sorties: Some(1),
            only: Vec::new(),
            tasks: FleetTasks::default(),
            verify: true,
            control: Default::default(),
            confirmed_by: None,
        },
        verification_wait: Duration::from_secs(1),
        echo: false,
    }
}

/// Every event of `rx` received so far.
fn drain(rx: &mut broadcast::Receiver<ShiftEvent>) -> Vec<ShiftEvent> {
    let mut out = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(ev) => out.push(ev),
            Err(broadcast::error::TryRecvError::Lagged(n)) => panic!("lost {n} events"),
            Err(_) => return out,
        }
    }
}

/// The drone's sortie events, each reduced to a short tag.
fn sortie_steps(events: &[ShiftEvent], system_id: u8) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            ShiftEventKind::Sortie { drone, event } if drone.system_id == system_id => {
                Some(match event {
                    SortieEvent::WaitingForVehicle { .. } => "waiting for the vehicle".into(),
                    SortieEvent::Waiting { index, .. } => format!("waiting {index}"),
                    SortieEvent::Uploading { .. } => "uploading".into(),
                    SortieEvent::Uploaded { list, .. } => format!("uploaded {}", list.name()),
                    SortieEvent::Arming { .. } => "arming".into(),
                    SortieEvent::Started { .. } => "started".into(),
                    SortieEvent::Ended { .. } => "ended".into(),
                    SortieEvent::AllDone => "all done".into(),
                    other => format!("unexpected {other:?}"),
                })
            }
            _ => None,
        })
        .collect()
}

fn vehicle_changes(events: &[ShiftEvent], system_id: u8) -> Vec<Change> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            ShiftEventKind::Vehicle {
                drone: Some(d),
                event: EventKind::Changed(c),
                ..
            } if d.system_id == system_id => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// `events.log` is the events rendered, in order: its last lines are the lines of `events`
/// (the log also holds what was published before the test subscribed).
fn assert_log_renders(run: &RunDir, events: &[ShiftEvent], plan: &Plan, clock: &MissionClock) {
    let log = std::fs::read_to_string(run.events_log()).expect("events.log");
    let log: Vec<&str> = log.lines().collect();
    // One clock: the log is headed by the shift it reads and its lines are local times.
    let shift_clock = patrol_planner::plan::shift_clock::ShiftClock::for_run(
        &plan.shift,
        clock.start_unix_us() as i64,
        clock.speedup(),
    );
    assert_eq!(
        log.first().copied(),
        Some(format!("# {}", shift_clock.header()).as_str())
    );
    let rendered: Vec<String> = events.iter().filter_map(|e| e.line(&shift_clock)).collect();
    assert!(!rendered.is_empty());
    assert!(log.len() >= rendered.len(), "{log:#?}\nvs\n{rendered:#?}");
    assert_eq!(&log[log.len() - rendered.len()..], rendered.as_slice());
}

#[test]
fn a_simulated_sortie_yields_its_events_in_order() {
    let plan = one_drone_plan();
    let d = &plan.drones[0];
    let dir = tempfile::tempdir().expect("tempdir");
    let run = RunDir::create(dir.path().join("run")).expect("run dir");
    runtime().block_on(async {
        let clock = MissionClock::start(60.0);
        let mut sim = sim_config(
            "udpin:127.0.0.1:0".parse().expect("endpoint"),
            drones(1),
            Impairment::default(),
        );
        sim.clock = clock;
        let fleet = SimFleet::start(sim).await.expect("fleet");
        let port = fleet.local_addr().expect("bound").port();
        let endpoint = format!("udpout:127.0.0.1:{port}")
            .parse()
            .expect("endpoint");
        let session = FlightSession::start(config(&plan, run.clone(), endpoint, clock))
            .await
            .expect("session starts");
        let mut rx = session.bus().subscribe();
        let ended = tokio::time::timeout(
            Duration::from_secs(240),
            session.fly(std::future::pending()),
        )
        .await
        .expect("the sortie ends in time");
        assert_eq!(ended, FlightEnd::Done);
        let summary = session.finish().await;
        fleet.stop().await;
        let events = drain(&mut rx);
        assert_eq!(
            sortie_steps(&events, d.system_id),
            [
                "waiting for the vehicle",
                "waiting 1",
                "uploading",
                "uploaded fence",
                "uploaded rally points",
                "uploaded mission",
                "arming",
                "started",
                "ended",
                "all done"
            ]
        );
        let changes = vehicle_changes(&events, d.system_id);
        let armed = changes.iter().position(|c| *c == Change::Armed(true));
        let disarmed = changes.iter().rposition(|c| *c == Change::Armed(false));
        assert!(
            matches!((armed, disarmed), (Some(a), Some(b)) if a < b),
            "armed, then disarmed: {changes:?}"
        );
        // Mission time only moves forward, and the last event ends the shift.
        assert!(
            events
                .windows(2)
                .all(|w| w[0].wall_unix_us <= w[1].wall_unix_us)
        );
        assert!(matches!(
            events.last().map(|e| &e.kind),
            Some(ShiftEventKind::Service(
                patrol_telemetry::shift::event::ServiceEvent::Ended
            ))
        ));
        // The progress the front ends print is the fold of those events.
        let o = &summary.outcomes[0];
        assert_eq!((o.flown, o.skipped.len(), o.phase.as_str()), (1, 0, "done"));
        assert_log_renders(&run, &events, &plan, &clock);
        let log = std::fs::read_to_string(run.events_log()).expect("log");
        for line in [
            format!(
                "{} (system {}): fence uploaded for sortie",
                d.drone_id, d.system_id
            ),
            format!("sortie {} started (", d.sorties[0].id),
            format!(
                "sortie {} ended: landed and disarmed, battery",
                d.sorties[0].id
            ),
            "all sorties done".to_string(),
        ] {
            assert!(log.contains(&line), "{line} not in\n{log}");
        }
    });
    // The run directory holds what the layout says, and reads back.
    assert_eq!(
        patrol_planner::export::read_plan_json(&run.plan_json()).expect("plan.json"),
        plan
    );
    let info = run.read_info().expect("run.json").expect("present");
    assert_eq!(info.speedup, 60.0);
    let tlogs = run.tlogs().expect("tlogs");
    assert_eq!(tlogs.len(), 1);
    assert_eq!(tlogs[0].0, plan.drones[0].system_id);
    assert!(
        RunDir::create(run.path()).is_err(),
        "a recorded run is never reused"
    );
}

fn python() -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/test.sh",
        p.display()
    );
    p
}

#[test]
fn a_pymavlink_vehicle_yields_the_upload_and_start_events() {
    let plan = one_drone_plan();
    let d = plan.drones[0].clone();
    let base = plan
        .bases
        .iter()
        .find(|b| b.name == d.home_base)
        .expect("base")
        .clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let run = RunDir::create(dir.path().join("run")).expect("run dir");
    let port = free_udp_port();
    // Its sortie starts at once: the plan's first sortie, at shift time zero here.
    let mut plan = plan;
    for s in &mut plan.drones[0].sorties {
        let shift = s.start_s;
        s.start_s -= shift;
        s.end_s -= shift;
    }
    runtime().block_on(async {
        let clock = MissionClock::start(1.0);
        let endpoint = format!("udpin:127.0.0.1:{port}").parse().expect("endpoint");
        let session = Arc::new(
            FlightSession::start(config(&plan, run.clone(), endpoint, clock))
                .await
                .expect("session starts"),
        );
        let mut rx = session.bus().subscribe();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/scripted_vehicle.py");
        let mut child = Command::new(python())
            .arg(&script)
            .args(["--connect", &format!("udpout:127.0.0.1:{port}")])
            .args(["--sysid", &d.system_id.to_string()])
            .args(["--lat", &base.lat_deg.to_string()])
            .args(["--lon", &base.lon_deg.to_string()])
            .args(["--timeout", "60", "--exit-after-start", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python runs");
        // Fly until the vehicle has taken the start (it then exits, as a test vehicle does).
        let mut watch = session.bus().subscribe();
        let started = async move {
            loop {
                match watch.recv().await {
                    Ok(ShiftEvent {
                        kind:
                            ShiftEventKind::Sortie {
                                event: SortieEvent::Started { .. },
                                ..
                            },
                        ..
                    }) => return Stop::Interrupted,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return Stop::TimeLimit,
                }
            }
        };
        let stop = async {
            tokio::select! {
                s = started => s,
                () = tokio::time::sleep(Duration::from_secs(60)) => Stop::TimeLimit,
            }
        };
        let ended = session.fly(stop).await;
        assert_eq!(
            ended,
            FlightEnd::Stopped(Stop::Interrupted),
            "the sortie started"
        );
        let session = Arc::into_inner(session).expect("one owner");
        session.finish().await;
        let status = tokio::task::spawn_blocking(move || child.wait())
            .await
            .expect("join")
            .expect("wait");
        assert!(status.success(), "the vehicle saw MISSION_START");
        let events = drain(&mut rx);
        assert_eq!(
            sortie_steps(&events, d.system_id),
            [
                "waiting for the vehicle",
                "waiting 1",
                "uploading",
                "uploaded fence",
                "uploaded rally points",
                "uploaded mission",
                "arming",
                "started",
            ]
        );
        let uploaded: Vec<(ListKind, usize)> = events
            .iter()
            .filter_map(|e| match &e.kind {
                ShiftEventKind::Sortie {
                    event: SortieEvent::Uploaded { list, items, .. },
                    ..
                } => Some((*list, *items)),
                _ => None,
            })
            .collect();
        assert_eq!(
            uploaded[2],
            (ListKind::Mission, d.sorties[0].mission.items.len())
        );
        assert_log_renders(&run, &events, &plan, &clock);
    });
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port()
}
