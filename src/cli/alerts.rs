//! `patrol alerts list|show|ack|resolve|export`: the alert database of a run.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Subcommand, ValueEnum};
use patrol_telemetry::alerts::export::{write_csv_file, write_geojson};
use patrol_telemetry::alerts::model::{
    AlertId, AlertState, TraceEvent, Verdict, format_utc, now_unix_us,
};
use patrol_telemetry::alerts::record::{Alert, AlertDetail};
use patrol_telemetry::alerts::store::AlertStore;

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

/// Runs `patrol alerts ...`.
pub fn run(cmd: AlertsCommand) -> anyhow::Result<()> {
    match cmd {
        AlertsCommand::List { db, state } => {
            let store = AlertStore::open_read_only(&db_path(&db))?;
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
                list_table(
                    &alerts.iter().map(|s| &s.alert).collect::<Vec<_>>(),
                    now_unix_us()
                )
            );
            Ok(())
        }
        AlertsCommand::Show { db, id } => {
            let store = AlertStore::open_read_only(&db_path(&db))?;
            print!("{}", detail_text(&store.get(AlertId(id))?));
            Ok(())
        }
        AlertsCommand::Ack { db, id, note, by } => {
            let mut store = AlertStore::open_existing(&db_path(&db))?;
            let at = now_unix_us();
            store.acknowledge(AlertId(id), at, &by, &note)?;
            let state = store.get(AlertId(id))?.alert.state;
            println!(
                "alert {id} acknowledged by {by} at {} (state stays {state})",
                format_utc(at)
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
            store.resolve(AlertId(id), verdict, now_unix_us(), &by, &note)?;
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

/// The `list` table; `now_unix_us` for the age column.
fn list_table(alerts: &[&Alert], now_unix_us: i64) -> String {
    let header = [
        "id",
        "state",
        "class",
        "conf",
        "place (lat, lon)",
        "radius",
        "danger",
        "nearest base",
        "created (UTC)",
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
                format_utc(a.created_at_unix_us),
                age_text((now_unix_us - a.created_at_unix_us) / 1_000_000),
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

/// Everything `show` prints about one alert.
fn detail_text(d: &AlertDetail) -> String {
    let a = &d.alert;
    let steps = d.summary().steps;
    let mut out = format!(
        "alert {} ({}, {}), incident {:#018x}\n",
        a.id, a.class, a.state, a.incident_key
    );
    out += &format!(
        "  place:       {:.5}, {:.5} ±{:.0} m{}\n",
        a.lat_deg,
        a.lon_deg,
        a.radius_m,
        a.alt_amsl_m
            .map_or(String::new(), |h| format!(", {h:.0} m AMSL"))
    );
    out += &format!(
        "  confidence:  {:.2}   danger class: {}   nearest base: {}\n",
        a.confidence,
        a.danger_class,
        base_text(a)
    );
    out += &format!("  source:      {}\n", a.source);
    out += &format!(
        "  created:     {}   updated: {}\n",
        format_utc(a.created_at_unix_us),
        format_utc(a.updated_at_unix_us)
    );
    out += &match (a.acked_at_unix_us, &a.acked_by) {
        (Some(t), by) => format!(
            "  acknowledged: {} by {}\n",
            format_utc(t),
            by.as_deref().unwrap_or("?")
        ),
        (None, _) => "  acknowledged: no\n".to_string(),
    };
    if let Some(s) = steps.alert_to_on_scene_s(a.created_at_unix_us) {
        out += &format!("  alert to on-scene: {s:.0} s\n");
    }
    out += &format!("evidence ({}):\n", d.evidence.len());
    for e in &d.evidence {
        let who = match (&e.drone_id, e.system_id) {
            (Some(d), Some(s)) => format!(" by {d} (system {s})"),
            (Some(d), None) => format!(" by {d}"),
            (None, Some(s)) => format!(" by system {s}"),
            (None, None) => String::new(),
        };
        let place = match (e.lat_deg, e.lon_deg) {
            (Some(lat), Some(lon)) => format!(" at {lat:.5}, {lon:.5}"),
            _ => String::new(),
        };
        out += &format!(
            "  {}  {} {} {:.2}{who}{place}  {}\n",
            format_utc(e.at_unix_us),
            e.kind,
            e.class,
            e.confidence,
            e.detail
        );
    }
    out += &format!("trace ({}):\n", d.trace.len());
    for t in &d.trace {
        let what = match &t.event {
            TraceEvent::Transition { from: None, to } => format!("-> {to}"),
            TraceEvent::Transition { from: Some(f), to } => format!("{f} -> {to}"),
            TraceEvent::Acknowledged => "acknowledged".to_string(),
            TraceEvent::Located {
                lat_deg,
                lon_deg,
                radius_m,
            } => format!("located {lat_deg:.5}, {lon_deg:.5} ±{radius_m:.0} m"),
        };
        let note = if t.note.is_empty() {
            String::new()
        } else {
            format!(": {}", t.note)
        };
        out += &format!(
            "  {}  {what}  by {}{note}\n",
            format_utc(t.at_unix_us),
            t.actor
        );
    }
    out
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
