//! [`StoreError`]: why an alert store operation failed. Every variant names the database file,
//! and those about one alert name the alert.

use std::path::{Path, PathBuf};

use super::model::{AlertId, AlertState};

/// Why a store operation failed. Every variant names the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused to open the file.
    #[error("{}: cannot open the alert database: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A read-only open of a file that does not exist.
    #[error("{}: no such alert database", path.display())]
    Missing {
        /// The database file.
        path: PathBuf,
    },
    /// The file is an SQLite database but not an alert store.
    #[error("{}: not an alert database (no schema_version table)", path.display())]
    NotAnAlertStore {
        /// The database file.
        path: PathBuf,
    },
    /// The file was written by a newer version of patrol.
    #[error(
        "{}: alert database schema version {found} is newer than this patrol supports ({supported}); use a newer patrol",
        path.display()
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The version in the file.
        found: i64,
        /// The newest version this code reads.
        supported: i64,
    },
    /// An SQL statement failed.
    #[error("{}: cannot {action}: {detail}", path.display())]
    Sql {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// SQLite's message.
        detail: String,
    },
    /// No alert has this id.
    #[error("{}: no alert {id}", path.display())]
    UnknownAlert {
        /// The database file.
        path: PathBuf,
        /// The id asked for.
        id: AlertId,
    },
    /// The lifecycle does not allow this move.
    #[error(
        "{}: alert {id} is {from}; it cannot become {to} (allowed from {from}: {allowed})",
        path.display()
    )]
    Forbidden {
        /// The database file.
        path: PathBuf,
        /// The alert.
        id: AlertId,
        /// Its current state.
        from: AlertState,
        /// The state asked for.
        to: AlertState,
        /// The states it may move to, as text (`none, it is final` for resolved).
        allowed: String,
    },
    /// The position of a resolved alert is what the crew found; it is not moved afterwards.
    #[error("{}: alert {id} is resolved; its location can no longer change", path.display())]
    Closed {
        /// The database file.
        path: PathBuf,
        /// The alert.
        id: AlertId,
    },
    /// The incident already has an alert.
    #[error("{}: incident {incident_key} already has alert {existing}", path.display())]
    DuplicateIncident {
        /// The database file.
        path: PathBuf,
        /// The incident.
        incident_key: u64,
        /// Its alert.
        existing: AlertId,
    },
    /// A value given to the store is out of range.
    #[error("{}: {field} = {value}: expected {expected}", path.display())]
    Invalid {
        /// The database file.
        path: PathBuf,
        /// The field (`lat_deg`, `confidence`, ...).
        field: &'static str,
        /// The value given, as text.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A stored value this code does not understand (a damaged or foreign file).
    #[error("{}: alert {id}: stored {field} {value:?} is not valid", path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// The alert concerned.
        id: AlertId,
        /// The column.
        field: &'static str,
        /// The stored text.
        value: String,
    },
}

impl StoreError {
    pub(crate) fn sql(path: &Path, action: &'static str, source: rusqlite::Error) -> StoreError {
        StoreError::sql_text(path, action, source.to_string())
    }

    pub(crate) fn sql_text(path: &Path, action: &'static str, detail: String) -> StoreError {
        StoreError::Sql {
            path: path.to_path_buf(),
            action,
            detail,
        }
    }
}
