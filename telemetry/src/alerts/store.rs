//! [`AlertStore`]: alerts, their evidence and their lifecycle trace in one SQLite file.
//!
//! # Invariants
//!
//! - Every change is committed (and, with `synchronous=FULL`, on disk) before the call
//!   returns: a caller that prints after a call never shows a change that could be lost.
//! - A state change and its trace entry are written in one transaction, so the trace always
//!   explains the state; the first trace entry of every alert is its creation (`→ new`).
//! - Only the moves of [`AlertState::allowed_next`] are made; `resolved` is final.
//! - One alert per incident: a second `create` with the same `incident_key` is refused.
//!
//! A store is `Send` but not `Sync` (one SQLite connection): an async caller keeps it behind a
//! mutex or in a blocking task. Readers in other processes use [`AlertStore::open_read_only`]
//! and never block the writer (WAL).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

pub use super::model::Place;
use super::model::{AlertId, AlertState, Evidence, NewAlert};
use super::schema;
use super::state_rows::{current_state, insert_state_entry};
pub use super::store_error::StoreError;
use super::validate::{check_evidence, check_new_alert, check_place};

/// The alert database: one SQLite file (conventionally `<run dir>/alerts.sqlite`).
#[derive(Debug)]
pub struct AlertStore {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

/// The incident key's bits in SQLite's signed 64-bit integer (SQLite has no unsigned type;
/// keys are hashes and use all 64 bits).
pub(crate) fn key_to_sql(key: u64) -> i64 {
    i64::from_ne_bytes(key.to_ne_bytes())
}

/// Inverse of [`key_to_sql`].
pub(crate) fn key_from_sql(stored: i64) -> u64 {
    u64::from_ne_bytes(stored.to_ne_bytes())
}

impl AlertStore {
    /// Opens the database at `path` for writing, creating the file and the schema if absent.
    pub fn open(path: &Path) -> Result<AlertStore, StoreError> {
        let mut conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        schema::prepare_writer(&mut conn, path)?;
        Ok(AlertStore {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing alert database for writing; unlike [`AlertStore::open`] it never
    /// creates one (an operator's typo must not leave an empty database behind).
    pub fn open_existing(path: &Path) -> Result<AlertStore, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        schema::prepare_reader(&conn, path)?;
        schema::prepare_writer(&mut conn, path)?;
        Ok(AlertStore {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database for reading only, while a run may be writing to it. Every
    /// read sees the changes committed before it started.
    pub fn open_read_only(path: &Path) -> Result<AlertStore, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        schema::prepare_reader(&conn, path)?;
        Ok(AlertStore {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates an alert in state `new` with its first trace entry (`→ new`, by `source`), in
    /// one transaction. Refuses a second alert for the same incident.
    pub fn create(&mut self, alert: &NewAlert) -> Result<AlertId, StoreError> {
        check_new_alert(alert, &self.path)?;
        if let Some(existing) = self.find_by_incident(alert.incident_key)? {
            return Err(StoreError::DuplicateIncident {
                path: self.path.clone(),
                incident_key: alert.incident_key,
                existing,
            });
        }
        let path = self.path.clone();
        let sql = |source| StoreError::sql(&path, "create an alert", source);
        let tx = self.begin()?;
        tx.execute(
            "INSERT INTO alerts (incident_key, state, created_at_unix_us, updated_at_unix_us,
                lat_deg, lon_deg, alt_amsl_m, radius_m, class, confidence, danger_class,
                nearest_base, nearest_base_distance_m, source)
             VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            rusqlite::params![
                key_to_sql(alert.incident_key),
                AlertState::New.as_str(),
                alert.created_at_unix_us,
                alert.lat_deg,
                alert.lon_deg,
                alert.alt_amsl_m,
                alert.radius_m,
                alert.class.as_str(),
                alert.confidence,
                alert.danger_class,
                alert.nearest_base.as_ref().map(|b| b.name.as_str()),
                alert.nearest_base.as_ref().map(|b| b.distance_m),
                alert.source,
            ],
        )
        .map_err(sql)?;
        let id = AlertId(tx.last_insert_rowid());
        insert_state_entry(
            &tx,
            id,
            alert.created_at_unix_us,
            None,
            AlertState::New,
            &alert.source,
            "alert raised",
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(id)
    }

    /// The alert of an incident, if it has one.
    pub fn find_by_incident(&self, incident_key: u64) -> Result<Option<AlertId>, StoreError> {
        self.conn
            .query_row(
                "SELECT id FROM alerts WHERE incident_key = ?1",
                [key_to_sql(incident_key)],
                |row| row.get(0).map(AlertId),
            )
            .optional()
            .map_err(|source| StoreError::sql(&self.path, "find an incident's alert", source))
    }

    /// Adds one evidence row to `evidence.alert_id` (also to a resolved alert: late reports
    /// belong to the record). Returns the row's id.
    pub fn add_evidence(&mut self, evidence: &Evidence) -> Result<i64, StoreError> {
        check_evidence(evidence, &self.path)?;
        let path = self.path.clone();
        let sql = |source| StoreError::sql(&path, "add evidence", source);
        let tx = self.begin()?;
        current_state(&tx, evidence.alert_id, &path)?;
        tx.execute(
            "INSERT INTO evidence (alert_id, kind, at_unix_us, system_id, drone_id, lat_deg,
                lon_deg, class, confidence, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                evidence.alert_id.0,
                evidence.kind.as_str(),
                evidence.at_unix_us,
                evidence.system_id,
                evidence.drone_id,
                evidence.lat_deg,
                evidence.lon_deg,
                evidence.class.as_str(),
                evidence.confidence,
                evidence.detail,
            ],
        )
        .map_err(sql)?;
        let row = tx.last_insert_rowid();
        tx.commit().map_err(sql)?;
        Ok(row)
    }

    /// Moves the alert's position and uncertainty to `place` (an incident refines its fix as
    /// detections arrive) and records it in the trace. Refused once the alert is resolved.
    pub fn update_location(
        &mut self,
        id: AlertId,
        place: Place,
        at_unix_us: i64,
        actor: &str,
        note: &str,
    ) -> Result<(), StoreError> {
        check_place(&place, &self.path)?;
        let path = self.path.clone();
        let sql = |source| StoreError::sql(&path, "update an alert's location", source);
        let tx = self.begin()?;
        if current_state(&tx, id, &path)? == AlertState::Resolved {
            return Err(StoreError::Closed { path, id });
        }
        tx.execute(
            "UPDATE alerts SET lat_deg = ?2, lon_deg = ?3, radius_m = ?4,
                updated_at_unix_us = MAX(updated_at_unix_us, ?5) WHERE id = ?1",
            rusqlite::params![
                id.0,
                place.lat_deg,
                place.lon_deg,
                place.radius_m,
                at_unix_us
            ],
        )
        .map_err(sql)?;
        tx.execute(
            "INSERT INTO trace (alert_id, at_unix_us, kind, lat_deg, lon_deg, radius_m, actor, note)
             VALUES (?1, ?2, 'location', ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![
                id.0,
                at_unix_us,
                place.lat_deg,
                place.lon_deg,
                place.radius_m,
                actor,
                note
            ],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// An IMMEDIATE transaction: takes the write lock at once, so a read-then-write (check the
    /// state, then change it) cannot race another writer.
    pub(crate) fn begin(&mut self) -> Result<Transaction<'_>, StoreError> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| StoreError::sql(&self.path, "start a transaction", source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::{AlertClass, EvidenceKind, TraceEvent, Verdict};

    fn new_alert(incident_key: u64) -> NewAlert {
        crate::alerts::model::sample_new_alert(incident_key)
    }

    #[test]
    fn create_writes_the_alert_and_its_first_trace_entry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = AlertStore::open(&dir.path().join("a.sqlite")).expect("open");
        // The full u64 range survives SQLite's signed integers.
        let id = store.create(&new_alert(u64::MAX)).expect("create");
        assert_eq!(store.find_by_incident(u64::MAX).expect("find"), Some(id));
        let detail = store.get(id).expect("get");
        assert_eq!(detail.alert.incident_key, u64::MAX);
        assert_eq!(detail.alert.state, AlertState::New);
        assert_eq!(detail.trace.len(), 1);
        assert_eq!(
            detail.trace[0].event,
            TraceEvent::Transition {
                from: None,
                to: AlertState::New
            }
        );
        let again = store.create(&new_alert(u64::MAX)).expect_err("duplicate");
        assert!(matches!(again, StoreError::DuplicateIncident { existing, .. } if existing == id));
    }

    #[test]
    fn location_ack_and_evidence_are_traced_or_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = AlertStore::open(&dir.path().join("a.sqlite")).expect("open");
        let id = store.create(&new_alert(1)).expect("create");
        let place = Place {
            lat_deg: -41.3,
            lon_deg: 146.2,
            radius_m: 40.0,
        };
        store
            .update_location(id, place, 5_000_000, "fusion", "3 detections")
            .expect("move");
        store
            .acknowledge(id, 6_000_000, "ana", "seen")
            .expect("ack");
        store
            .acknowledge(id, 7_000_000, "ben", "")
            .expect("second ack");
        let d = store.get(id).expect("get");
        assert_eq!((d.alert.lat_deg, d.alert.radius_m), (-41.3, 40.0));
        assert_eq!(d.alert.acked_at_unix_us, Some(6_000_000));
        assert_eq!(d.alert.acked_by.as_deref(), Some("ana"));
        assert_eq!(d.alert.state, AlertState::New);
        assert_eq!(d.alert.updated_at_unix_us, 7_000_000);
        assert_eq!(d.trace.len(), 4);
        assert!(
            matches!(d.trace[1].event, TraceEvent::Located { radius_m, .. } if radius_m == 40.0)
        );
        let bad = Evidence {
            alert_id: AlertId(99),
            kind: EvidenceKind::Detection,
            at_unix_us: 0,
            system_id: Some(2),
            drone_id: Some("d2".into()),
            lat_deg: Some(-41.3),
            lon_deg: Some(146.2),
            class: AlertClass::Smoke,
            confidence: 0.9,
            detail: "{}".into(),
        };
        let err = store.add_evidence(&bad).expect_err("unknown alert");
        assert!(err.to_string().ends_with("a.sqlite: no alert 99"), "{err}");
        store
            .resolve(id, Verdict::FalseAlarm, 8, "ana", "")
            .expect("resolve");
        assert!(matches!(
            store.update_location(id, place, 9, "fusion", ""),
            Err(StoreError::Closed { .. })
        ));
    }

    #[test]
    fn a_newer_schema_or_a_foreign_file_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.sqlite");
        drop(AlertStore::open(&path).expect("open"));
        let conn = Connection::open(&path).expect("raw open");
        conn.execute("UPDATE schema_version SET version = 9", [])
            .expect("bump");
        drop(conn);
        for result in [AlertStore::open(&path), AlertStore::open_read_only(&path)] {
            let err = result.expect_err("newer");
            assert!(
                err.to_string()
                    .contains("schema version 9 is newer than this patrol supports (1)"),
                "{err}"
            );
        }
        let other = dir.path().join("other.sqlite");
        Connection::open(&other)
            .expect("raw")
            .execute("CREATE TABLE t (x)", [])
            .expect("table");
        for result in [
            AlertStore::open_read_only(&other),
            AlertStore::open_existing(&other),
        ] {
            let err = result.expect_err("foreign");
            assert!(matches!(err, StoreError::NotAnAlertStore { .. }), "{err}");
        }
        let err = AlertStore::open_read_only(&dir.path().join("none.sqlite")).expect_err("missing");
        assert_eq!(
            err.to_string(),
            format!(
                "{}: no such alert database",
                dir.path().join("none.sqlite").display()
            )
        );
        let err = AlertStore::open(&dir.path().join("no/such/dir.sqlite")).expect_err("no dir");
        assert!(err.to_string().contains("no/such/dir.sqlite"), "{err}");
    }
}
