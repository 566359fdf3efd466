//! The alert database's schema, its version and how a connection to it is set up.
//!
//! # Schema (version 1)
//!
//! - `schema_version(version)`: one row; a store refuses a file written by a newer version.
//! - `alerts`: one row per alert (`id` is the [`AlertId`](super::model::AlertId)); `state` and
//!   `class` as text; `incident_key` unique (one alert per incident), stored as the u64's bits
//!   in SQLite's signed 64-bit integer.
//! - `evidence`: observations per alert (`kind` = `detection` | `external` | `bearing`).
//! - `trace`: the lifecycle, in the order written (`kind` = `state` | `ack` | `location`).
//!
//! Times are µs since the Unix epoch, positions WGS-84 degrees, distances metres.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use super::store_error::StoreError;

/// The schema version this code writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// The tables, created when absent.
const SCHEMA_SQL: &str = "
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    incident_key INTEGER NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_at_unix_us INTEGER NOT NULL,
    updated_at_unix_us INTEGER NOT NULL,
    lat_deg REAL NOT NULL,
    lon_deg REAL NOT NULL,
    alt_amsl_m REAL,
    radius_m REAL NOT NULL,
    class TEXT NOT NULL,
    confidence REAL NOT NULL,
    danger_class INTEGER NOT NULL,
    nearest_base TEXT,
    nearest_base_distance_m REAL,
    source TEXT NOT NULL,
    acked_at_unix_us INTEGER,
    acked_by TEXT
);
CREATE INDEX IF NOT EXISTS alerts_state ON alerts(state);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    kind TEXT NOT NULL,
    at_unix_us INTEGER NOT NULL,
    system_id INTEGER,
    drone_id TEXT,
    lat_deg REAL,
    lon_deg REAL,
    class TEXT NOT NULL,
    confidence REAL NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_alert ON evidence(alert_id);
CREATE TABLE IF NOT EXISTS trace (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    at_unix_us INTEGER NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    lat_deg REAL,
    lon_deg REAL,
    radius_m REAL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trace_alert ON trace(alert_id);
";

/// Sets up a writing connection: WAL (readers never block the writer, and a killed writer
/// loses at most its uncommitted transaction), `synchronous=FULL` (a commit survives power
/// loss, not only a crash), a busy timeout so two processes take turns, then the schema.
pub(crate) fn prepare_writer(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let sql = |source| StoreError::sql(path, "set up the database", source);
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
        .map_err(sql)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::sql_text(
            path,
            "set up the database",
            format!("journal_mode stays {mode:?}, WAL is needed"),
        ));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sql)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(sql)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    tx.execute_batch(SCHEMA_SQL).map_err(sql)?;
    let found = read_version(&tx, path)?;
    match found {
        None => {
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [SCHEMA_VERSION],
            )
            .map_err(sql)?;
        }
        Some(v) => check_version(v, path)?,
    }
    tx.commit().map_err(sql)
}

/// Sets up a read-only connection and checks that the file is an alert store this code reads.
pub(crate) fn prepare_reader(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|source| StoreError::sql(path, "set up the database", source))?;
    let has_table: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|source| StoreError::sql(path, "read the schema", source))?;
    if has_table.is_none() {
        return Err(StoreError::NotAnAlertStore {
            path: path.to_path_buf(),
        });
    }
    match read_version(conn, path)? {
        Some(v) => check_version(v, path),
        None => Err(StoreError::NotAnAlertStore {
            path: path.to_path_buf(),
        }),
    }
}

fn read_version(conn: &Connection, path: &Path) -> Result<Option<i64>, StoreError> {
    conn.query_row("SELECT MAX(version) FROM schema_version", [], |row| {
        row.get::<_, Option<i64>>(0)
    })
    .map_err(|source| StoreError::sql(path, "read the schema version", source))
}

fn check_version(found: i64, path: &Path) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        })
    } else {
        Ok(())
    }
}
