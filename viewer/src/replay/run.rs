//! A whole run directory loaded for replay: the plan, one [`Track`] per drone from its tlog,
//! the alerts with their lifecycles and the simulated ground-truth fires.

use std::path::{Path, PathBuf};

use patrol_planner::plan::model::{DronePlan, Plan};
use patrol_planner::plan::shift_clock::ShiftClock;
use patrol_telemetry::alerts::model::Evidence;
use patrol_telemetry::alerts::store::AlertStore;
use patrol_telemetry::fire_file::{Fire, read_fire_file};
use patrol_telemetry::mav::dialect::{AUTOPILOT_COMPONENT_ID, MavMessage};
use patrol_telemetry::mav::frame::Frame;
use patrol_telemetry::mav::{ModeNumbering, VehicleMode};
use patrol_telemetry::run_dir::RunDir;

use super::alert_timeline::AlertTimeline;
use super::error::ReplayError;
use super::track::{Sample, Track};

/// One drone's replay.
#[derive(Debug, Clone)]
pub struct DroneReplay {
    /// Drone id from the plan (or `sysid-<n>` for a vehicle the plan does not name).
    pub drone_id: String,
    /// MAVLink system id.
    pub system_id: u8,
    /// Its flown track.
    pub track: Track,
    /// Bytes of its tlog that did not form records (corruption), skipped.
    pub skipped_bytes: usize,
}

/// A detection behind an alert: the drone that saw it and where it was placed on the ground.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectionRay {
    /// When it was seen, µs since the UNIX epoch (mission clock).
    pub t_unix_us: i64,
    /// The observing drone's MAVLink system id.
    pub system_id: u8,
    /// Ground point, degrees.
    pub lat_deg: f64,
    /// Ground point, degrees.
    pub lon_deg: f64,
    /// The alert it supports.
    pub alert_id: i64,
    /// What was seen (`flame`, `hot-spot`, `smoke`...).
    pub class: String,
}

/// A run, loaded: a run directory of `patrol fly` or `patrol demo`, or a bare tlog.
///
/// Invariant: `start_unix_us <= end_unix_us`, and they span every track and alert event.
#[derive(Debug, Clone)]
pub struct Run {
    /// The run directory (or the tlog file).
    pub dir: PathBuf,
    /// The area the run flew over, as `run.json` records it (absolute).
    pub area_dir: Option<PathBuf>,
    /// The plan flown (`None` for a bare tlog).
    pub plan: Option<Plan>,
    /// Drones by system id, with telemetry or not.
    pub drones: Vec<DroneReplay>,
    /// Alerts by id.
    pub alerts: Vec<AlertTimeline>,
    /// Detections behind the alerts, by time.
    pub detections: Vec<DetectionRay>,
    /// Simulated fires (only runs of `patrol demo` have them); ignition times are seconds after
    /// [`Run::start_unix_us`].
    pub fires: Vec<Fire>,
    /// A mission file previewed before upload (`patrol view q1-1.plan`): its name and the path
    /// it flies, `[lat_deg, lon_deg, alt_amsl_m]`.
    pub mission_file: Option<(String, Vec<[f64; 3]>)>,
    /// The run's one clock (the shift's local time), when it has a plan.
    pub clock: Option<ShiftClock>,
    /// The replay's time zero, µs since the UNIX epoch: the shift's start from `run.json`,
    /// else the first telemetry record.
    pub start_unix_us: i64,
    /// Last telemetry record or alert event, µs since the UNIX epoch.
    pub end_unix_us: i64,
}

impl Run {
    /// Loads `dir`: `plan.json` (required), every `vehicle-<sysid>.tlog`, and `alerts.sqlite`
    /// and `fires.json` when present.
    pub fn load(dir: &Path) -> Result<Run, ReplayError> {
        if !dir.is_dir() {
            return Err(ReplayError::MissingRunDir {
                path: dir.to_path_buf(),
            });
        }
        let run = RunDir::at(dir);
        let plan_path = run.plan_json();
        if !plan_path.is_file() {
            return Err(ReplayError::MissingPlan { path: plan_path });
        }
        let plan = patrol_planner::export::read_plan_json(&plan_path)?;
        let info = run.read_info()?;
        let mut drones = Vec::new();
        for (system_id, paths) in run.tlogs()? {
            // A vehicle heard on a second link (or again after a reconnect) has one more
            // file, `vehicle-<sysid>-<k>.tlog`: its records join the first file's.
            let mut records = Vec::new();
            let mut skipped_bytes = 0;
            for path in &paths {
                let contents = patrol_telemetry::mav::tlog::read_tlog(path)?;
                records.extend(contents.records);
                skipped_bytes += contents.skipped_bytes;
            }
            records.sort_by_key(|(t, _)| *t);
            let drone_id = plan
                .drones
                .iter()
                .find(|d| d.system_id == system_id)
                .map_or_else(|| format!("sysid-{system_id}"), |d| d.drone_id.clone());
            drones.push(DroneReplay {
                drone_id,
                system_id,
                track: track_from_records(system_id, &records),
                skipped_bytes,
            });
        }
        if drones.is_empty() && info.is_none() {
            // A plan folder (`patrol plan -o out/`), never flown: its sorties over the area.
            return Ok(Run::preview(dir, plan));
        }
        if drones.iter().all(|d| d.track.samples().is_empty()) {
            return Err(ReplayError::NoTelemetry {
                path: dir.to_path_buf(),
            });
        }
        let (alerts, detections) = load_alerts(&run.alerts_db())?;
        let fires_path = run.fires_json();
        let fires = if fires_path.is_file() {
            read_fire_file(&fires_path)?
        } else {
            Vec::new()
        };
        Ok(Run::assemble(
            dir,
            Some(plan),
            info,
            drones,
            alerts,
            detections,
            fires,
        ))
    }

    /// Loads a bare tlog (ours or another ground station's): one drone per system that sent
    /// position from its autopilot, no plan, alerts or fires.
    pub fn load_tlog(path: &Path) -> Result<Run, ReplayError> {
        let contents = patrol_telemetry::mav::tlog::read_tlog(path)?;
        let mut system_ids: Vec<u8> = contents
            .records
            .iter()
            .filter(|(_, f)| f.component_id() == AUTOPILOT_COMPONENT_ID && f.message_id() == 33)
            .map(|(_, f)| f.system_id())
            .collect();
        system_ids.sort_unstable();
        system_ids.dedup();
        let drones: Vec<DroneReplay> = system_ids
            .into_iter()
            .map(|system_id| DroneReplay {
                drone_id: format!("sysid-{system_id}"),
                system_id,
                track: track_from_records(system_id, &contents.records),
                skipped_bytes: contents.skipped_bytes,
            })
            .filter(|d| !d.track.samples().is_empty())
            .collect();
        if drones.is_empty() {
            return Err(ReplayError::NoTelemetry {
                path: path.to_path_buf(),
            });
        }
        Ok(Run::assemble(
            path,
            None,
            None,
            drones,
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ))
    }

    /// A plan before it is flown: no tracks, alerts or fires; the time span is the shift, on
    /// the wall clock when the plan is dated.
    fn preview(dir: &Path, plan: Plan) -> Run {
        let start = patrol_planner::plan::wall_clock::shift_start_unix_s(&plan.shift)
            .and_then(Result::ok)
            .map_or(0, |s| s * 1_000_000);
        let end = start + (plan.shift.duration_s.max(0.0) * 1e6).round() as i64;
        let clock = ShiftClock::new(&plan.shift, start, start != 0);
        Run {
            clock: Some(clock),
            dir: dir.to_path_buf(),
            area_dir: None,
            plan: Some(plan),
            drones: Vec::new(),
            alerts: Vec::new(),
            detections: Vec::new(),
            fires: Vec::new(),
            mission_file: None,
            start_unix_us: start,
            end_unix_us: end,
        }
    }

    /// A mission file's path before upload: no plan, drone, time or alert.
    pub fn mission_preview(path: &Path, flown: Vec<[f64; 3]>) -> Run {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        Run {
            dir: path.to_path_buf(),
            area_dir: None,
            plan: None,
            drones: Vec::new(),
            alerts: Vec::new(),
            detections: Vec::new(),
            fires: Vec::new(),
            mission_file: Some((name, flown)),
            clock: None,
            start_unix_us: 0,
            end_unix_us: 0,
        }
    }

    /// Whether this is a plan or mission file shown before it is flown (no telemetry).
    pub fn is_preview(&self) -> bool {
        self.drones.is_empty() && (self.plan.is_some() || self.mission_file.is_some())
    }

    /// The run from its parts; its time span covers every track and alert event.
    fn assemble(
        dir: &Path,
        plan: Option<Plan>,
        info: Option<patrol_telemetry::run_dir::RunInfo>,
        drones: Vec<DroneReplay>,
        alerts: Vec<AlertTimeline>,
        mut detections: Vec<DetectionRay>,
        fires: Vec<Fire>,
    ) -> Run {
        let (first, last) = drones
            .iter()
            .filter_map(|d| d.track.time_range_unix_us())
            .fold((i64::MAX, i64::MIN), |(a, b), (f, l)| (a.min(f), b.max(l)));
        // The run ends with its telemetry: alert changes made later (the duty officer
        // resolving an alert after the flight, on the wall clock) are shown at the end.
        let end = detections.iter().map(|d| d.t_unix_us).fold(last, i64::max);
        let mut alerts = alerts;
        for a in &mut alerts {
            a.pin_after(end);
        }
        let start = info
            .as_ref()
            .map_or(first, |i| (i.shift_start_unix_us as i64).min(first));
        detections.sort_by_key(|d| d.t_unix_us);
        let clock = plan.as_ref().map(|p| {
            ShiftClock::for_run(
                &p.shift,
                info.as_ref()
                    .map_or(start, |i| i.shift_start_unix_us as i64),
                // A run without run.json was recorded at real time.
                info.as_ref().map_or(1.0, |i| i.speedup),
            )
        });
        Run {
            clock,
            dir: dir.to_path_buf(),
            area_dir: info.and_then(|i| i.area_dir).map(PathBuf::from),
            plan,
            drones,
            alerts,
            detections,
            fires,
            mission_file: None,
            start_unix_us: start,
            end_unix_us: end.max(start),
        }
    }

    /// The plan of a drone, if the run has a plan naming it.
    pub fn drone_plan(&self, system_id: u8) -> Option<&DronePlan> {
        self.plan
            .as_ref()?
            .drones
            .iter()
            .find(|d| d.system_id == system_id)
    }

    /// Length of the run, seconds.
    pub fn duration_s(&self) -> f64 {
        (self.end_unix_us - self.start_unix_us) as f64 / 1e6
    }

    /// Every alert event (raised, state changes) and detection, µs since the UNIX epoch, for
    /// the clock's next/previous jumps.
    pub fn event_times_unix_us(&self) -> Vec<i64> {
        self.alerts
            .iter()
            .flat_map(AlertTimeline::event_times_unix_us)
            .chain(self.detections.iter().map(|d| d.t_unix_us))
            .collect()
    }

    /// The drone with this id.
    pub fn drone(&self, drone_id: &str) -> Result<&DroneReplay, ReplayError> {
        self.drones
            .iter()
            .find(|d| d.drone_id == drone_id)
            .ok_or_else(|| ReplayError::UnknownDrone {
                id: drone_id.to_string(),
                known: self
                    .drones
                    .iter()
                    .map(|d| d.drone_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Samples from a vehicle's tlog records: one per GLOBAL_POSITION_INT of `system_id`'s
/// autopilot, carrying the latest ATTITUDE, HEARTBEAT mode, battery and MISSION_CURRENT.
/// Frames from other systems (the ground station's own) and undecodable frames are skipped.
pub fn track_from_records(system_id: u8, records: &[(u64, Frame)]) -> Track {
    let mut latest = Sample {
        t_unix_us: 0,
        lat_deg: 0.0,
        lon_deg: 0.0,
        alt_amsl_m: 0.0,
        roll_rad: 0.0,
        pitch_rad: 0.0,
        yaw_rad: 0.0,
        mode: None,
        battery_pct: None,
        mission_seq: None,
    };
    let mut samples = Vec::new();
    for (t_unix_us, frame) in records {
        if frame.system_id() != system_id || frame.component_id() != AUTOPILOT_COMPONENT_ID {
            continue;
        }
        let Ok(msg) = frame.decode() else { continue };
        match msg {
            MavMessage::GLOBAL_POSITION_INT(p) => {
                latest.t_unix_us = *t_unix_us as i64;
                latest.lat_deg = f64::from(p.lat) / 1e7;
                latest.lon_deg = f64::from(p.lon) / 1e7;
                latest.alt_amsl_m = f64::from(p.alt) / 1000.0;
                samples.push(latest);
            }
            MavMessage::ATTITUDE(a) => {
                latest.roll_rad = a.roll;
                latest.pitch_rad = a.pitch;
                latest.yaw_rad = a.yaw;
            }
            MavMessage::HEARTBEAT(h) => {
                latest.mode = Some(VehicleMode {
                    numbering: ModeNumbering::of_autopilot(h.autopilot as u8),
                    custom_mode: h.custom_mode,
                });
            }
            MavMessage::SYS_STATUS(s) if s.battery_remaining >= 0 => {
                latest.battery_pct = Some(s.battery_remaining as u8);
            }
            MavMessage::BATTERY_STATUS(b) if b.battery_remaining >= 0 => {
                latest.battery_pct = Some(b.battery_remaining as u8);
            }
            MavMessage::MISSION_CURRENT(m) => latest.mission_seq = Some(m.seq),
            _ => {}
        }
    }
    Track::new(samples)
}

/// The alerts and the located detections behind them.
fn load_alerts(path: &Path) -> Result<(Vec<AlertTimeline>, Vec<DetectionRay>), ReplayError> {
    if !path.is_file() {
        return Ok((Vec::new(), Vec::new()));
    }
    let store = AlertStore::open_read_only(path)?;
    let mut out = Vec::new();
    let mut rays = Vec::new();
    for summary in store.list(None)? {
        let a = &summary.alert;
        let detail = store.get(a.id)?;
        rays.extend(detail.evidence.iter().filter_map(detection_ray));
        out.push(AlertTimeline::from_trace(
            a.id.0,
            (a.lat_deg, a.lon_deg, a.radius_m),
            a.danger_class,
            a.source.clone(),
            a.created_at_unix_us,
            &detail.trace,
        ));
    }
    Ok((out, rays))
}

/// A ray for a drone's located sighting; `None` for external alarms and bearings.
fn detection_ray(e: &Evidence) -> Option<DetectionRay> {
    Some(DetectionRay {
        t_unix_us: e.at_unix_us,
        system_id: e.system_id?,
        lat_deg: e.lat_deg?,
        lon_deg: e.lon_deg?,
        alert_id: e.alert_id.0,
        class: e.class.as_str().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_telemetry::mav::FlightMode;
    use patrol_telemetry::mav::dialect::{
        ATTITUDE_DATA, GLOBAL_POSITION_INT_DATA, HEARTBEAT_DATA, MISSION_CURRENT_DATA,
        SYS_STATUS_DATA,
    };
    use patrol_telemetry::mavlink::MavHeader;

    fn frame(system_id: u8, component_id: u8, msg: MavMessage) -> Frame {
        Frame::encode_v2(
            MavHeader {
                system_id: u32::from(system_id),
                component_id,
                sequence: 0,
            },
            &msg,
        )
    }

    fn position(lat_e7: i32) -> MavMessage {
        MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
            lat: lat_e7,
            lon: -840_000_000,
            alt: 612_500,
            ..GLOBAL_POSITION_INT_DATA::default()
        })
    }

    #[test]
    fn samples_carry_the_latest_state_of_the_vehicle() {
        let records = vec![
            (1_000_000, frame(3, 1, position(360_000_000))),
            (
                1_100_000,
                frame(
                    3,
                    1,
                    MavMessage::HEARTBEAT(HEARTBEAT_DATA {
                        custom_mode: 3,
                        ..HEARTBEAT_DATA::default()
                    }),
                ),
            ),
            (
                1_200_000,
                frame(
                    3,
                    1,
                    MavMessage::ATTITUDE(ATTITUDE_DATA {
                        roll: 0.1,
                        pitch: -0.2,
                        yaw: 1.5,
                        ..ATTITUDE_DATA::default()
                    }),
                ),
            ),
            (
                1_300_000,
                frame(
                    3,
                    1,
                    MavMessage::SYS_STATUS(SYS_STATUS_DATA {
                        battery_remaining: 87,
                        ..SYS_STATUS_DATA::default()
                    }),
                ),
            ),
            (
                1_400_000,
                frame(
                    3,
                    1,
                    MavMessage::MISSION_CURRENT(MISSION_CURRENT_DATA {
                        seq: 5,
                        ..MISSION_CURRENT_DATA::default()
                    }),
                ),
            ),
            // The ground station's own frames and another vehicle's are not this track.
            (1_500_000, frame(255, 190, position(1))),
            (1_600_000, frame(4, 1, position(2))),
            (2_000_000, frame(3, 1, position(360_010_000))),
        ];
        let track = track_from_records(3, &records);
        let s = track.samples();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].mode, None);
        assert_eq!(s[0].lat_deg, 36.0);
        assert_eq!(s[0].alt_amsl_m, 612.5);
        assert_eq!(s[1].t_unix_us, 2_000_000);
        assert!((s[1].lat_deg - 36.001).abs() < 1e-9);
        assert_eq!(s[1].mode.and_then(|m| m.mode()), Some(FlightMode::Auto));
        assert_eq!(s[1].battery_pct, Some(87));
        assert_eq!(s[1].mission_seq, Some(5));
        assert_eq!(
            (s[1].roll_rad, s[1].pitch_rad, s[1].yaw_rad),
            (0.1, -0.2, 1.5)
        );
    }

    #[test]
    fn missing_run_dir_and_plan_are_named() {
        let err = Run::load(Path::new("/nonexistent/run")).expect_err("no such dir");
        assert_eq!(err.to_string(), "/nonexistent/run: no such run directory");
        let dir = tempfile::tempdir().expect("temp dir");
        let err = Run::load(dir.path()).expect_err("no plan");
        assert!(err.to_string().contains("plan.json: missing"), "{err}");
    }

    #[test]
    fn a_run_recorded_before_the_flight_session_still_opens() {
        // Copied, so that SQLite's side files stay out of the source tree.
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/run-before-session");
        let dir = tempfile::tempdir().expect("temp dir");
        for entry in std::fs::read_dir(&fixture).expect("fixture") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
        let run = Run::load(dir.path()).expect("an old run loads");
        let plan = run.plan.as_ref().expect("plan.json");
        assert_eq!(plan.drones.len(), 8);
        // Its two tlogs became tracks of systems 1 and 2, with fixes in them.
        let flown: Vec<u8> = run
            .drones
            .iter()
            .filter(|d| !d.track.samples().is_empty())
            .map(|d| d.system_id)
            .collect();
        assert_eq!(flown, [1, 2]);
        // run.json put time zero at the shift's start.
        assert_eq!(run.start_unix_us, 1_796_624_592_150_502);
        assert_eq!(run.alerts.len(), 2, "alerts.sqlite");
        assert_eq!(run.fires.len(), 2, "fires.json");
        assert!(run.end_unix_us > run.start_unix_us);
    }
}
