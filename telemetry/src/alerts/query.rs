//! Reading alerts back: [`AlertStore::get`] (one alert with evidence and trace) and
//! [`AlertStore::list`] (summaries, optionally of one state).
//!
//! Each call reads in one transaction, so it sees one committed state of the file even while
//! another process writes.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Row};

use super::model::{
    AlertClass, AlertId, AlertState, Evidence, EvidenceKind, NearestBase, TraceEntry, TraceEvent,
};
use super::record::{Alert, AlertDetail, AlertSummary, StepTimes};
use super::store::{AlertStore, StoreError, key_from_sql};

const ALERT_COLUMNS: &str = "id, incident_key, state, created_at_unix_us, updated_at_unix_us,
    lat_deg, lon_deg, alt_amsl_m, radius_m, class, confidence, danger_class, nearest_base,
    nearest_base_distance_m, source, acked_at_unix_us, acked_by";

impl AlertStore {
    /// One alert with its evidence (oldest first) and its trace (in the order written).
    pub fn get(&self, id: AlertId) -> Result<AlertDetail, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::sql(&path, "read an alert", source);
        // A read transaction: the alert, its evidence and its trace from one snapshot.
        let tx = self.conn.unchecked_transaction().map_err(sql)?;
        let raw = tx
            .query_row(
                &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1"),
                [id.0],
                RawAlert::read,
            )
            .optional()
            .map_err(sql)?
            .ok_or_else(|| StoreError::UnknownAlert {
                path: path.clone(),
                id,
            })?;
        let alert = raw.into_alert(&path)?;
        let evidence = read_evidence(&tx, id, &path)?;
        let trace = read_trace(&tx, Some(id), &path)?;
        tx.commit().map_err(sql)?;
        Ok(AlertDetail {
            alert,
            evidence,
            trace,
        })
    }

    /// Summaries of every alert, or only of those in `state`, by id.
    pub fn list(&self, state: Option<AlertState>) -> Result<Vec<AlertSummary>, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::sql(&path, "list alerts", source);
        let tx = self.conn.unchecked_transaction().map_err(sql)?;
        let raws = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {ALERT_COLUMNS} FROM alerts WHERE ?1 IS NULL OR state = ?1 ORDER BY id"
                ))
                .map_err(sql)?;
            stmt.query_map([state.map(AlertState::as_str)], RawAlert::read)
                .map_err(sql)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql)?
        };
        let mut counts: HashMap<i64, usize> = HashMap::new();
        {
            let mut stmt = tx
                .prepare("SELECT alert_id, COUNT(*) FROM evidence GROUP BY alert_id")
                .map_err(sql)?;
            let rows = stmt
                .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)))
                .map_err(sql)?;
            for row in rows {
                let (id, n) = row.map_err(sql)?;
                counts.insert(id, usize::try_from(n).unwrap_or(0));
            }
        }
        let mut steps: HashMap<AlertId, StepTimes> = HashMap::new();
        for entry in read_trace(&tx, None, &path)? {
            if let TraceEvent::Transition { to, .. } = entry.event {
                steps
                    .entry(entry.alert_id)
                    .or_default()
                    .record(to, entry.at_unix_us);
            }
        }
        tx.commit().map_err(sql)?;
        raws.into_iter()
            .map(|raw| {
                let alert = raw.into_alert(&path)?;
                Ok(AlertSummary {
                    evidence_count: counts.get(&alert.id.0).copied().unwrap_or(0),
                    steps: steps.get(&alert.id).copied().unwrap_or_default(),
                    alert,
                })
            })
            .collect()
    }
}

/// An alerts row before its texts are checked.
struct RawAlert {
    id: i64,
    incident_key: i64,
    state: String,
    created_at_unix_us: i64,
    updated_at_unix_us: i64,
    lat_deg: f64,
    lon_deg: f64,
    alt_amsl_m: Option<f64>,
    radius_m: f64,
    class: String,
    confidence: f64,
    danger_class: i64,
    nearest_base: Option<String>,
    nearest_base_distance_m: Option<f64>,
    source: String,
    acked_at_unix_us: Option<i64>,
    acked_by: Option<String>,
}

impl RawAlert {
    fn read(row: &Row<'_>) -> rusqlite::Result<RawAlert> {
        Ok(RawAlert {
            id: row.get(0)?,
            incident_key: row.get(1)?,
            state: row.get(2)?,
            created_at_unix_us: row.get(3)?,
            updated_at_unix_us: row.get(4)?,
            lat_deg: row.get(5)?,
            lon_deg: row.get(6)?,
            alt_amsl_m: row.get(7)?,
            radius_m: row.get(8)?,
            class: row.get(9)?,
            confidence: row.get(10)?,
            danger_class: row.get(11)?,
            nearest_base: row.get(12)?,
            nearest_base_distance_m: row.get(13)?,
            source: row.get(14)?,
            acked_at_unix_us: row.get(15)?,
            acked_by: row.get(16)?,
        })
    }

    fn into_alert(self, path: &Path) -> Result<Alert, StoreError> {
        let id = AlertId(self.id);
        let corrupt = |field, value: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            id,
            field,
            value,
        };
        Ok(Alert {
            id,
            incident_key: key_from_sql(self.incident_key),
            state: self
                .state
                .parse()
                .map_err(|_| corrupt("state", self.state.clone()))?,
            created_at_unix_us: self.created_at_unix_us,
            updated_at_unix_us: self.updated_at_unix_us,
            lat_deg: self.lat_deg,
            lon_deg: self.lon_deg,
            alt_amsl_m: self.alt_amsl_m,
            radius_m: self.radius_m,
            class: self
                .class
                .parse()
                .map_err(|_| corrupt("class", self.class.clone()))?,
            confidence: self.confidence,
            danger_class: u8::try_from(self.danger_class)
                .map_err(|_| corrupt("danger_class", self.danger_class.to_string()))?,
            nearest_base: self.nearest_base.map(|name| NearestBase {
                name,
                distance_m: self.nearest_base_distance_m.unwrap_or(f64::NAN),
            }),
            source: self.source,
            acked_at_unix_us: self.acked_at_unix_us,
            acked_by: self.acked_by,
        })
    }
}

fn read_evidence(conn: &Connection, id: AlertId, path: &Path) -> Result<Vec<Evidence>, StoreError> {
    let sql = |source| StoreError::sql(path, "read evidence", source);
    let mut stmt = conn
        .prepare(
            "SELECT kind, at_unix_us, system_id, drone_id, lat_deg, lon_deg, class, confidence,
                detail FROM evidence WHERE alert_id = ?1 ORDER BY at_unix_us, id",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([id.0], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Option<u8>>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, Option<f64>>(4)?,
                row.get::<_, Option<f64>>(5)?,
                row.get::<_, String>(6)?,
                row.get::<_, f64>(7)?,
                row.get::<_, String>(8)?,
            ))
        })
        .map_err(sql)?;
    let corrupt = |field, value: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        id,
        field,
        value,
    };
    let mut out = Vec::new();
    for row in rows {
        let (kind, at_unix_us, system_id, drone_id, lat_deg, lon_deg, class, confidence, detail) =
            row.map_err(sql)?;
        out.push(Evidence {
            alert_id: id,
            kind: EvidenceKind::parse(&kind)
                .ok_or_else(|| corrupt("evidence.kind", kind.clone()))?,
            at_unix_us,
            system_id,
            drone_id,
            lat_deg,
            lon_deg,
            class: class
                .parse::<AlertClass>()
                .map_err(|_| corrupt("evidence.class", class.clone()))?,
            confidence,
            detail,
        });
    }
    Ok(out)
}

/// The trace of one alert, or of all of them, in the order written.
fn read_trace(
    conn: &Connection,
    id: Option<AlertId>,
    path: &Path,
) -> Result<Vec<TraceEntry>, StoreError> {
    let sql = |source| StoreError::sql(path, "read the trace", source);
    let mut stmt = conn
        .prepare(
            "SELECT alert_id, at_unix_us, kind, from_state, to_state, lat_deg, lon_deg, radius_m,
                actor, note FROM trace WHERE ?1 IS NULL OR alert_id = ?1 ORDER BY id",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([id.map(|i| i.0)], |row| {
            Ok((
                AlertId(row.get(0)?),
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, Option<String>>(4)?,
                (
                    row.get::<_, Option<f64>>(5)?,
                    row.get::<_, Option<f64>>(6)?,
                    row.get::<_, Option<f64>>(7)?,
                ),
                row.get::<_, String>(8)?,
                row.get::<_, String>(9)?,
            ))
        })
        .map_err(sql)?;
    let mut out = Vec::new();
    for row in rows {
        let (alert_id, at_unix_us, kind, from, to, place, actor, note) = row.map_err(sql)?;
        let corrupt = |field, value: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            id: alert_id,
            field,
            value,
        };
        let state = |text: String, field| {
            text.parse::<AlertState>()
                .map_err(|_| corrupt(field, text.clone()))
        };
        let event = match (kind.as_str(), place) {
            ("state", _) => TraceEvent::Transition {
                from: from.map(|f| state(f, "trace.from_state")).transpose()?,
                to: state(to.unwrap_or_default(), "trace.to_state")?,
            },
            ("ack", _) => TraceEvent::Acknowledged,
            ("location", (Some(lat_deg), Some(lon_deg), Some(radius_m))) => TraceEvent::Located {
                lat_deg,
                lon_deg,
                radius_m,
            },
            _ => return Err(corrupt("trace.kind", kind)),
        };
        out.push(TraceEntry {
            alert_id,
            at_unix_us,
            event,
            actor,
            note,
        });
    }
    Ok(out)
}
