//! The two statements every lifecycle write shares: reading an alert's state inside a
//! transaction, and appending a state entry to its trace. Below both [`super::store`] (which
//! writes the creation entry) and [`super::lifecycle`] (every later move).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction};

use super::model::{AlertId, AlertState};
use super::store_error::StoreError;

/// The alert's state inside a transaction; [`StoreError::UnknownAlert`] if there is none.
pub(crate) fn current_state(
    conn: &Connection,
    id: AlertId,
    path: &Path,
) -> Result<AlertState, StoreError> {
    let text: Option<String> = conn
        .query_row("SELECT state FROM alerts WHERE id = ?1", [id.0], |row| {
            row.get(0)
        })
        .optional()
        .map_err(|source| StoreError::sql(path, "read an alert's state", source))?;
    let text = text.ok_or_else(|| StoreError::UnknownAlert {
        path: path.to_path_buf(),
        id,
    })?;
    text.parse().map_err(|_| StoreError::Corrupt {
        path: path.to_path_buf(),
        id,
        field: "state",
        value: text,
    })
}

/// Appends the trace entry of a move `from` → `to` (`from` is `None` for the creation).
pub(crate) fn insert_state_entry(
    tx: &Transaction<'_>,
    id: AlertId,
    at_unix_us: i64,
    from: Option<AlertState>,
    to: AlertState,
    actor: &str,
    note: &str,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO trace (alert_id, at_unix_us, kind, from_state, to_state, actor, note)
         VALUES (?1, ?2, 'state', ?3, ?4, ?5, ?6)",
        rusqlite::params![
            id.0,
            at_unix_us,
            from.map(AlertState::as_str),
            to.as_str(),
            actor,
            note
        ],
    )
}
