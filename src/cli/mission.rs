//! `patrol mission download|upload`: what one vehicle holds, read into files a pilot checks
//! before flying, or a mission file put on a vehicle and read back to compare.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Subcommand;
use patrol_planner::export::vehicle_lists::VehicleLists;
use patrol_telemetry::clock::MissionClock;
use patrol_telemetry::gcs::readback::upload_verified;
use patrol_telemetry::gcs::{EventKind, Gcs, GcsConfig, VehicleKey, default_stream_rates};
use patrol_telemetry::mav::dialect::GCS_SYSTEM_ID;
use patrol_telemetry::mav::endpoint::Endpoint;
use patrol_telemetry::mav::mission_item::ListKind;
use patrol_telemetry::mav::signing::SigningKey;
use patrol_telemetry::shift::event::{DroneRef, ShiftEvent, ShiftEventKind};

/// MAV_AUTOPILOT_ARDUPILOTMEGA: keeps home as mission item 0.
const MAV_AUTOPILOT_ARDUPILOTMEGA: u8 = 3;

#[derive(Debug, Subcommand)]
pub enum MissionCommand {
    /// Read a vehicle's mission, geofence and rally points into a .plan (all three) and a
    /// .waypoints (the mission), to check what it holds before it flies.
    #[command(
        after_help = "Example:\n  patrol mission download --connect udpin:0.0.0.0:14550 --sysid 1 -o checked/\n\nWrites checked/vehicle-1.plan (open in QGroundControl) and checked/vehicle-1.waypoints (Mission Planner)."
    )]
    Download {
        /// The link to the vehicle, e.g. udpin:0.0.0.0:14550, serial:/dev/ttyUSB0:57600.
        #[arg(long)]
        connect: String,
        /// The vehicle's MAVLink system id.
        #[arg(long)]
        sysid: u8,
        /// Directory for the files (created if missing).
        #[arg(short, long)]
        out: PathBuf,
        /// Seconds to wait for the vehicle's first heartbeat.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// MAVLink 2 signing key (32 bytes, or 64 hex digits).
        #[arg(long)]
        signing_key: Option<PathBuf>,
    },
    /// Upload a mission file (.plan: mission, fence and rally points; .waypoints: the
    /// mission) to a vehicle, then read each list back and compare it with the file.
    #[command(
        after_help = "Example:\n  patrol mission upload out/q1-1.plan --connect udpin:0.0.0.0:14550 --sysid 1"
    )]
    Upload {
        /// The .plan or .waypoints file.
        file: PathBuf,
        /// The link to the vehicle.
        #[arg(long)]
        connect: String,
        /// The vehicle's MAVLink system id.
        #[arg(long)]
        sysid: u8,
        /// Do not read the lists back to compare them.
        #[arg(long)]
        no_verify: bool,
        /// Seconds to wait for the vehicle's first heartbeat.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// MAVLink 2 signing key (32 bytes, or 64 hex digits).
        #[arg(long)]
        signing_key: Option<PathBuf>,
    },
}

/// Runs `patrol mission`.
pub fn run(cmd: MissionCommand) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match cmd {
        MissionCommand::Download {
            connect,
            sysid,
            out,
            timeout,
            signing_key,
        } => {
            let link = Link::parse(&connect, sysid, timeout, signing_key)?;
            rt.block_on(download(link, out))
        }
        MissionCommand::Upload {
            file,
            connect,
            sysid,
            no_verify,
            timeout,
            signing_key,
        } => {
            // The file first: a typo must not wait for a vehicle.
            let lists = VehicleLists::read(&file)?;
            let link = Link::parse(&connect, sysid, timeout, signing_key)?;
            let with_fence_and_rally = file.extension().is_some_and(|e| e == "plan");
            rt.block_on(upload(link, lists, with_fence_and_rally, !no_verify))
        }
    }
}

/// The link and the vehicle a command talks to.
struct Link {
    endpoint: Endpoint,
    sysid: u8,
    timeout: Duration,
    signing: Option<SigningKey>,
}

impl Link {
    fn parse(
        connect: &str,
        sysid: u8,
        timeout: f64,
        signing_key: Option<PathBuf>,
    ) -> anyhow::Result<Link> {
        if !super::seconds_ok(timeout) {
            bail!("--timeout {timeout}: must be between 0 and 1e9 seconds");
        }
        Ok(Link {
            endpoint: connect.parse()?,
            sysid,
            timeout: Duration::from_secs_f64(timeout),
            signing: signing_key.as_deref().map(SigningKey::read).transpose()?,
        })
    }

    /// Starts the ground service, prints what happens on the link and to the transfers as it
    /// happens, and waits for the vehicle.
    async fn open(&self) -> anyhow::Result<(Gcs, VehicleKey)> {
        let clock = MissionClock::start(1.0);
        let gcs = Gcs::start(GcsConfig {
            endpoints: vec![self.endpoint.clone()],
            signing: self.signing.clone(),
            tlog_dir: None,
            clock,
            stream_rates_hz: default_stream_rates(),
            tap: None,
            outputs: Vec::new(),
            system_id: GCS_SYSTEM_ID,
        })
        .await?;
        let mut rx = gcs.subscribe_from_start();
        tokio::spawn(async move {
            while let Ok(ev) = rx.recv().await {
                if matches!(
                    ev.kind,
                    EventKind::TransferRetry(_) | EventKind::LinkDown { .. } | EventKind::Lost
                ) {
                    let line = ShiftEvent {
                        at_unix_us: ev.at_unix_us,
                        wall_unix_us: ev.at_unix_us,
                        kind: ShiftEventKind::Vehicle {
                            drone: ev.vehicle.map(|k| DroneRef {
                                drone_id: None,
                                system_id: k.system_id,
                            }),
                            key: ev.vehicle,
                            event: ev.kind,
                        },
                    };
                    if let Some(l) =
                        line.line(&patrol_planner::plan::shift_clock::ShiftClock::wall(
                            clock.start_unix_us() as i64,
                        ))
                    {
                        println!("{l}");
                    }
                }
            }
        });
        let key = gcs
            .wait_for(self.sysid, self.timeout)
            .await
            .with_context(|| {
                format!(
                    "no vehicle with system id {} heard on {} within {} s",
                    self.sysid,
                    self.endpoint,
                    self.timeout.as_secs()
                )
            })?;
        Ok((gcs, key))
    }
}

async fn download(link: Link, out: PathBuf) -> anyhow::Result<()> {
    let (gcs, key) = link.open().await?;
    let v = gcs.vehicle(key).context("the vehicle vanished")?;
    let mut lists = Vec::new();
    for list in [ListKind::Mission, ListKind::Fence, ListKind::Rally] {
        let items = gcs.download(key, list).await;
        let items = match items {
            Ok(items) => items,
            // Vehicles without fences or rally points say so; their list is empty.
            Err(patrol_telemetry::gcs::transfer::TransferError::Rejected { result, .. })
                if list != ListKind::Mission && result.contains("UNSUPPORTED") =>
            {
                println!("{}: not supported by the vehicle", list.name());
                Vec::new()
            }
            Err(e) => {
                gcs.shutdown().await;
                return Err(e.into());
            }
        };
        println!("{}: {} items", list.name(), items.len());
        lists.push(items);
    }
    gcs.shutdown().await;
    let rally = lists.pop().unwrap_or_default();
    let fence = lists.pop().unwrap_or_default();
    let mission = lists.pop().unwrap_or_default();
    let ardupilot = v.autopilot == MAV_AUTOPILOT_ARDUPILOTMEGA;
    let held = VehicleLists::from_downloaded(
        v.autopilot,
        v.mav_type,
        v.home.map(|(lat, lon, alt)| [lat, lon, alt]),
        ardupilot,
        mission,
        fence,
        rally,
    );
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let plan = out.join(format!("vehicle-{}.plan", link.sysid));
    let waypoints = out.join(format!("vehicle-{}.waypoints", link.sysid));
    let text = serde_json::to_string_pretty(&held.to_plan_json())? + "\n";
    std::fs::write(&plan, text).with_context(|| format!("cannot write {}", plan.display()))?;
    std::fs::write(&waypoints, held.to_waypoints_text())
        .with_context(|| format!("cannot write {}", waypoints.display()))?;
    println!(
        "wrote {} (mission, fence, rally points) and {} (mission)",
        plan.display(),
        waypoints.display()
    );
    Ok(())
}

async fn upload(
    link: Link,
    lists: VehicleLists,
    with_fence_and_rally: bool,
    verify: bool,
) -> anyhow::Result<()> {
    let (gcs, key) = link.open().await?;
    let v = gcs.vehicle(key).context("the vehicle vanished")?;
    let ardupilot = v.autopilot == MAV_AUTOPILOT_ARDUPILOTMEGA;
    let mut uploads = vec![(ListKind::Mission, lists.mission_to_upload(ardupilot))];
    if with_fence_and_rally {
        uploads.push((ListKind::Fence, lists.fence.clone()));
        uploads.push((ListKind::Rally, lists.rally.clone()));
    }
    for (list, items) in uploads {
        let done = upload_verified(&gcs, key, list, &items, ardupilot, verify).await;
        if let Err(e) = done {
            gcs.shutdown().await;
            bail!("system {}: {e}", link.sysid);
        }
        println!(
            "{}: {} items uploaded{}",
            list.name(),
            items.len(),
            if verify {
                ", read back identical"
            } else {
                " (not read back: --no-verify)"
            }
        );
    }
    gcs.shutdown().await;
    Ok(())
}
