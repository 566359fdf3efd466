//! `patrol alerts list|show|ack|resolve|export`: the alert database of a run.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Subcommand, ValueEnum};
use patrol_planner::export::read_plan_json;
use patrol_planner::plan::shift_clock::ShiftClock;
use patrol_telemetry::alerts::export::{write_csv_file, write_geojson};
use patrol_telemetry::alerts::model::{
    AlertId, AlertState, Evidence, TraceEvent, Verdict, now_unix_us,
};
use patrol_telemetry::alerts::record::{Alert, AlertDetail};
use patrol_telemetry::alerts::store::AlertStore;
use patrol_telemetry::run_dir::RunDir;

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// List the alerts as a table (safe while `patrol fly` is writing).
    #[command(after_help = "Example:\n  patrol alerts list runs/20260714-130000 --state new")]
    List {
        /// The alert database, or a run directory holding alerts.sqlite.
        db: PathBuf,
        /// Only alerts in this state (new, dispatched, on-scene, confirmed-fire, false-alarm, resolved).
        #[arg(long, value_parser = parse_state)]
        state: Option<AlertState>,
    },
    /// Show one alert: its fields, its evidence and its lifecycle trace.
    #[command(after_help = "Example:\n  patrol alerts show runs/20260714-130000 3")]
    Show {
        /// The alert database, or a run directory holding alerts.sqlite.
        db: PathBuf,
        /// The alert's id (first column of `patrol alerts list`).
        id: i64,
        /// Every piece of evidence, one per line (by default grouped by observer).
        #[arg(long)]
        all: bool,
    },
    /// Acknowledge an alert: recorded in its trace; its state does not change.
    #[command(
        after_help = "Example:\n  patrol alerts ack runs/20260714-130000 3 --by ana \\\n    --note \"calling the tower\""
    )]
    Ack {
        /// The alert database, or a run directory holding alerts.sqlite.
        db: PathBuf,
        /// The alert's id.
        id: i64,
        /// Why, or what is being done.
        #[arg(long, default_value = "")]
        note: String,
        /// Who acknowledges.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Close an alert with a verdict: through confirmed-fire or false-alarm, then resolved.
    #[command(
        after_help = "Example:\n  patrol alerts resolve runs/20260714-130000 3 --verdict false-alarm \\\n    --note \"dust from the quarry\""
    )]
    Resolve {
        /// The alert database, or a run directory holding alerts.sqlite.
        db: PathBuf,
        /// The alert's id.
        id: i64,
        /// Was there a fire?
        #[arg(long)]
        verdict: VerdictArg,
        /// What was found.
        #[arg(long, default_value = "")]
        note: String,
        /// Who closes it.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Export the alerts as GeoJSON and/or CSV.
    #[command(
        after_help = "Example:\n  patrol alerts export runs/20260714-130000 --geojson alerts.geojson \\\n    --csv alerts.csv"
    )]
    Export {
        /// The alert database, or a run directory holding alerts.sqlite.
        db: PathBuf,
        /// Write a GeoJSON FeatureCollection (one Point per alert) here.
        #[arg(long)]
        geojson: Option<PathBuf>,
        /// Write a CSV table (one row per alert) here.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

/// The verdict as typed.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VerdictArg {
    /// There is a fire.
    Fire,
    /// There was none.
    FalseAlarm,
}

fn parse_state(text: &str) -> Result<AlertState, String> {
    text.parse()
        .map_err(|e: patrol_telemetry::alerts::model::UnknownState| e.to_string())
}

/// A run directory means its `alerts.sqlite`.
fn db_path(arg: &Path) -> PathBuf {
    if arg.is_dir() {
        patrol_telemetry::run_dir::RunDir::at(arg).alerts_db()
    } else {
        arg.to_path_buf()
    }
}

/// A run's one clock for the alert commands: its times of day in the shift's local time, and
/// now on its mission clock (a sped-up run's alerts are minutes apart in shift time, seconds
/// apart on the wall; a finished run's ages count to its end).
struct RunClock {
    shift: ShiftClock,
    now_unix_us: i64,
}

impl RunClock {
    /// The clock of the run that holds `arg` (a run directory, or its `alerts.sqlite`); the
    /// wall clock in this machine's zone for a database outside a run.
    fn of(arg: &Path) -> RunClock {
        let dir = if arg.is_dir() {
            arg
        } else {
            arg.parent().unwrap_or(Path::new("."))
        };
        let run = RunDir::at(dir);
        let info = run.read_info().ok().flatten();
        let plan = read_plan_json(&run.plan_json()).ok();
        // A run without a recorded end (killed, or recorded before ends were) was last alive
        // when its event log was last written: its clock stops there, not at today's date
        // multiplied by its speed-up.
        let wall_now = now_unix_us();
        let last_alive = info
            .as_ref()
            .filter(|i| i.ended_unix_us.is_none())
            .and_then(|_| std::fs::metadata(run.events_log()).ok()?.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_micros() as i64);
        let wall_now = last_alive.map_or(wall_now, |t| t.min(wall_now));
        match (info, plan) {
            (Some(info), Some(plan)) => RunClock {
                shift: ShiftClock::for_run(
                    &plan.shift,
                    info.shift_start_unix_us as i64,
                    info.speedup,
                ),
                now_unix_us: info.mission_now_unix_us(wall_now),
            },
            (Some(info), None) => RunClock {
                shift: ShiftClock::wall(info.shift_start_unix_us as i64),
                now_unix_us: info.mission_now_unix_us(wall_now),
            },
            _ => RunClock {
                shift: ShiftClock::wall(wall_now),
                now_unix_us: wall_now,
            },
        }
    }
}

/// Runs `patrol alerts ...`.
pub fn run(cmd: AlertsCommand) -> anyhow::Result<()> {
    match cmd {
        AlertsCommand::List { db, state } => {
            let store = AlertStore::open_read_only(&db_path(&db))?;
            let clock = RunClock::of(&db);
            let alerts = store.list(state)?;
            if alerts.is_empty() {
                match state {
                    Some(s) => println!("no {s} alerts in {}", store.path().display()),
                    None => println!("no alerts in {}", store.path().display()),
                }
                return Ok(());
            }
            print!(
                "{}",
                list_table(&alerts.iter().map(|s| &s.alert).collect::<Vec<_>>(), &clock)
            );
            Ok(())
        }
        AlertsCommand::Show { db, id, all } => {
            let store = AlertStore::open_read_only(&db_path(&db))?;
            print!(
                "{}",
                detail_text(&store.get(AlertId(id))?, &RunClock::of(&db), all)
            );
            Ok(())
        }
        AlertsCommand::Ack { db, id, note, by } => {
            let mut store = AlertStore::open_existing(&db_path(&db))?;
            // On the run's clock, so the trace reads in order with the flight's events.
            let clock = RunClock::of(&db);
            let at = clock.now_unix_us;
            store.acknowledge(AlertId(id), at, &by, &note)?;
            let state = store.get(AlertId(id))?.alert.state;
            println!(
                "alert {id} acknowledged by {by} at {} (state stays {state})",
                clock.shift.full_at_unix_us(at)
            );
            Ok(())
        }
        AlertsCommand::Resolve {
            db,
            id,
            verdict,
            note,
            by,
        } => {
            let verdict = match verdict {
                VerdictArg::Fire => Verdict::Fire,
                VerdictArg::FalseAlarm => Verdict::FalseAlarm,
            };
            let mut store = AlertStore::open_existing(&db_path(&db))?;
            let before = store.get(AlertId(id))?.alert.state;
            store.resolve(
                AlertId(id),
                verdict,
                RunClock::of(&db).now_unix_us,
                &by,
                &note,
            )?;
            let path = if before == verdict.state() {
                format!("{before} -> resolved")
            } else {
                format!("{before} -> {} -> resolved", verdict.state())
            };
            println!("alert {id}: {path}");
            Ok(())
        }
        AlertsCommand::Export { db, geojson, csv } => {
            if geojson.is_none() && csv.is_none() {
                bail!("patrol alerts export: give --geojson FILE and/or --csv FILE");
            }
            let store = AlertStore::open_read_only(&db_path(&db))?;
            let alerts = store.list(None)?;
            if let Some(path) = &geojson {
                write_geojson(&alerts, path)?;
                println!("Wrote {} ({} alerts)", path.display(), alerts.len());
            }
            if let Some(path) = &csv {
                write_csv_file(&alerts, path)?;
                println!("Wrote {} ({} alerts)", path.display(), alerts.len());
            }
            Ok(())
        }
    }
}

/// Seconds as the largest two units (`45s`, `12m05s`, `3h07m`, `2d04h`).
fn age_text(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s / 60 % 60),
        _ => format!("{}d{:02}h", s / 86_400, s / 3600 % 24),
    }
}

fn base_text(alert: &Alert) -> String {
    alert.nearest_base.as_ref().map_or("-".to_string(), |b| {
        format!("{} ({:.1} km)", b.name, b.distance_m / 1000.0)
    })
}

/// The `list` table, times on the run's clock; ages to its now.
fn list_table(alerts: &[&Alert], clock: &RunClock) -> String {
    let created = format!("created ({})", clock.shift.zone_label());
    let header = [
        "id",
        "state",
        "class",
        "conf",
        "place (lat, lon)",
        "radius",
        "danger",
        "nearest base",
        created.as_str(),
        "age",
    ];
    let rows: Vec<[String; 10]> = alerts
        .iter()
        .map(|a| {
            [
                a.id.to_string(),
                a.state.to_string(),
                a.class.to_string(),
                format!("{:.2}", a.confidence),
                format!("{:.5}, {:.5}", a.lat_deg, a.lon_deg),
                format!("{:.0} m", a.radius_m),
                a.danger_class.to_string(),
                base_text(a),
                clock.shift.at_unix_us(a.created_at_unix_us),
                age_text((clock.now_unix_us - a.created_at_unix_us) / 1_000_000),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// Everything `show` prints about one alert: a summary first (what, where, since when, how
/// far along), its lifecycle, then its evidence grouped by observer and kind (every piece with
/// `all`). Times are the run's local clock.
fn detail_text(d: &AlertDetail, clock: &RunClock, all: bool) -> String {
    let a = &d.alert;
    let t = |us: i64| clock.shift.at_unix_us(us);
    let steps = d.summary().steps;
    let mut out = format!(
        "alert {}: {} {}, {}, at {:.5}, {:.5} ±{:.0} m{}\n",
        a.id,
        a.class,
        a.state,
        a.source,
        a.lat_deg,
        a.lon_deg,
        a.radius_m,
        a.alt_amsl_m
            .map_or(String::new(), |h| format!(" ({h:.0} m AMSL)"))
    );
    out += &format!(
        "  raised {} ({}), {} ago; last change {}\n",
        t(a.created_at_unix_us),
        clock.shift.zone_label(),
        age_text((clock.now_unix_us - a.created_at_unix_us) / 1_000_000),
        t(a.updated_at_unix_us)
    );
    out += &format!(
        "  danger class {}   confidence {:.2}   nearest base {}\n",
        a.danger_class,
        a.confidence,
        base_text(a)
    );
    out += &match (a.acked_at_unix_us, &a.acked_by) {
        (Some(at), by) => format!(
            "  acknowledged {} by {}\n",
            t(at),
            by.as_deref().unwrap_or("?")
        ),
        (None, _) => "  not acknowledged\n".to_string(),
    };
    if let Some(s) = steps.alert_to_on_scene_s(a.created_at_unix_us) {
        out += &format!("  alert to on-scene: {}\n", age_text(s.round() as i64));
    }
    let groups = evidence_groups(&d.evidence);
    let observers = groups
        .iter()
        .map(|g| g.observer.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    out += &format!(
        "  evidence: {} pieces from {} observer{}; incident {:#018x}\n",
        d.evidence.len(),
        observers,
        if observers == 1 { "" } else { "s" },
        a.incident_key
    );
    out += &format!("lifecycle ({}):\n", d.trace.len());
    let mut i = 0;
    while i < d.trace.len() {
        let e = &d.trace[i];
        // A run of position refinements (one per sighting) is one line unless --all.
        let run_end = d.trace[i..]
            .iter()
            .position(|x| !matches!(x.event, TraceEvent::Located { .. }))
            .map_or(d.trace.len(), |n| i + n);
        if !all && run_end > i + 2 {
            let last = &d.trace[run_end - 1];
            if let TraceEvent::Located {
                lat_deg,
                lon_deg,
                radius_m,
            } = &last.event
            {
                out += &format!(
                    "  {}-{}  located {} times, last {lat_deg:.5}, {lon_deg:.5} ±{radius_m:.0} m  by {}\n",
                    t(e.at_unix_us),
                    t(last.at_unix_us),
                    run_end - i,
                    last.actor
                );
            }
            i = run_end;
            continue;
        }
        i += 1;
        let what = match &e.event {
            TraceEvent::Transition { from: None, to } => format!("-> {to}"),
            TraceEvent::Transition { from: Some(f), to } => format!("{f} -> {to}"),
            TraceEvent::Acknowledged => "acknowledged".to_string(),
            TraceEvent::Located {
                lat_deg,
                lon_deg,
                radius_m,
            } => format!("located {lat_deg:.5}, {lon_deg:.5} ±{radius_m:.0} m"),
        };
        let note = if e.note.is_empty() {
            String::new()
        } else {
            format!(": {}", e.note)
        };
        out += &format!("  {}  {what}  by {}{note}\n", t(e.at_unix_us), e.actor);
    }
    if all {
        out += &format!("evidence ({}):\n", d.evidence.len());
        for e in &d.evidence {
            let place = match (e.lat_deg, e.lon_deg) {
                (Some(lat), Some(lon)) => format!(" at {lat:.5}, {lon:.5}"),
                _ => String::new(),
            };
            out += &format!(
                "  {}  {} {} {:.2} by {}{place}  {}\n",
                t(e.at_unix_us),
                e.kind,
                e.class,
                e.confidence,
                observer(e),
                e.detail
            );
        }
        return out;
    }
    out += &format!(
        "evidence by observer ({} groups; --all lists every piece):\n",
        groups.len()
    );
    for g in &groups {
        let when = if g.first_us == g.last_us {
            t(g.first_us)
        } else {
            format!("{}-{}", t(g.first_us), t(g.last_us))
        };
        let conf = if (g.conf_max - g.conf_min).abs() < 0.005 {
            format!("{:.2}", g.conf_max)
        } else {
            format!("{:.2}-{:.2}", g.conf_min, g.conf_max)
        };
        let place = match g.mean_place() {
            Some((lat, lon)) => format!("  around {lat:.5}, {lon:.5}"),
            None => String::new(),
        };
        out += &format!(
            "  {}: {} {} x{}  {when}  confidence {conf}{place}\n",
            g.observer, g.kind, g.class, g.count
        );
        if g.count == 1 && !g.detail.is_empty() {
            out += &format!("      {}\n", g.detail);
        }
    }
    out
}

/// Who made a piece of evidence: the drone as `id (system N)`, else the outside source.
fn observer(e: &Evidence) -> String {
    match (&e.drone_id, e.system_id) {
        (Some(d), Some(s)) => format!("{d} (system {s})"),
        (Some(d), None) => d.clone(),
        (None, Some(s)) => format!("system {s}"),
        (None, None) => format!("{} report", e.kind),
    }
}

/// Evidence of one observer, kind and class.
struct EvidenceGroup {
    observer: String,
    kind: String,
    class: String,
    count: usize,
    first_us: i64,
    last_us: i64,
    conf_min: f64,
    conf_max: f64,
    placed: usize,
    lat_sum: f64,
    lon_sum: f64,
    /// The first piece's detail (shown for a single piece).
    detail: String,
}

impl EvidenceGroup {
    fn mean_place(&self) -> Option<(f64, f64)> {
        (self.placed > 0).then(|| {
            (
                self.lat_sum / self.placed as f64,
                self.lon_sum / self.placed as f64,
            )
        })
    }
}

/// The evidence grouped by (observer, kind, class), in order of each group's first piece.
fn evidence_groups(evidence: &[Evidence]) -> Vec<EvidenceGroup> {
    let mut groups: Vec<EvidenceGroup> = Vec::new();
    for e in evidence {
        let (who, kind, class) = (observer(e), e.kind.to_string(), e.class.to_string());
        let g = match groups
            .iter_mut()
            .position(|g| g.observer == who && g.kind == kind && g.class == class)
        {
            Some(i) => &mut groups[i],
            None => {
                groups.push(EvidenceGroup {
                    observer: who,
                    kind,
                    class,
                    count: 0,
                    first_us: e.at_unix_us,
                    last_us: e.at_unix_us,
                    conf_min: e.confidence,
                    conf_max: e.confidence,
                    placed: 0,
                    lat_sum: 0.0,
                    lon_sum: 0.0,
                    detail: e.detail.clone(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        g.count += 1;
        g.first_us = g.first_us.min(e.at_unix_us);
        g.last_us = g.last_us.max(e.at_unix_us);
        g.conf_min = g.conf_min.min(e.confidence);
        g.conf_max = g.conf_max.max(e.confidence);
        if let (Some(lat), Some(lon)) = (e.lat_deg, e.lon_deg) {
            g.placed += 1;
            g.lat_sum += lat;
            g.lon_sum += lon;
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_keep_two_units() {
        assert_eq!(age_text(-3), "0s");
        assert_eq!(age_text(45), "45s");
        assert_eq!(age_text(725), "12m05s");
        assert_eq!(age_text(3 * 3600 + 7 * 60 + 59), "3h07m");
        assert_eq!(age_text(2 * 86_400 + 4 * 3600), "2d04h");
    }
}
