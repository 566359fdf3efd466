//! The lifecycle writes of [`AlertStore`]: [`AlertStore::transition`], [`AlertStore::resolve`]
//! and [`AlertStore::acknowledge`]. Each checks the alert's state and writes the change with
//! its trace entry in one IMMEDIATE transaction, committed before it returns; a refused move
//! changes nothing.

use std::path::Path;

use rusqlite::Transaction;

use super::model::{AlertId, AlertState, Verdict};
use super::state_rows::{current_state, insert_state_entry};
use super::store::AlertStore;
use super::store_error::StoreError;

impl AlertStore {
    /// Moves the alert to `to` if its lifecycle allows it, with a trace entry, in one
    /// transaction. Returns the state it left.
    pub fn transition(
        &mut self,
        id: AlertId,
        to: AlertState,
        at_unix_us: i64,
        actor: &str,
        note: &str,
    ) -> Result<AlertState, StoreError> {
        let path = self.path.clone();
        let tx = self.begin()?;
        let from = apply_transition(&tx, &path, id, to, at_unix_us, actor, note)?;
        tx.commit()
            .map_err(|source| StoreError::sql(&path, "change an alert's state", source))?;
        Ok(from)
    }

    /// Closes the alert with a verdict: through `confirmed-fire` or `false-alarm` (unless it
    /// already holds that verdict), then `resolved`, both in one transaction. Refused from
    /// `resolved` and from the opposite verdict.
    pub fn resolve(
        &mut self,
        id: AlertId,
        verdict: Verdict,
        at_unix_us: i64,
        actor: &str,
        note: &str,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.begin()?;
        if current_state(&tx, id, &path)? != verdict.state() {
            apply_transition(&tx, &path, id, verdict.state(), at_unix_us, actor, note)?;
        }
        apply_transition(
            &tx,
            &path,
            id,
            AlertState::Resolved,
            at_unix_us,
            actor,
            note,
        )?;
        tx.commit()
            .map_err(|source| StoreError::sql(&path, "resolve an alert", source))
    }

    /// Records that `actor` acknowledged the alert: a trace entry of its own; the state does
    /// not change. `acked_at_unix_us` keeps the first acknowledgement.
    pub fn acknowledge(
        &mut self,
        id: AlertId,
        at_unix_us: i64,
        actor: &str,
        note: &str,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::sql(&path, "acknowledge an alert", source);
        let tx = self.begin()?;
        current_state(&tx, id, &path)?;
        tx.execute(
            "UPDATE alerts SET acked_at_unix_us = COALESCE(acked_at_unix_us, ?2),
                acked_by = COALESCE(acked_by, ?3),
                updated_at_unix_us = MAX(updated_at_unix_us, ?2) WHERE id = ?1",
            rusqlite::params![id.0, at_unix_us, actor],
        )
        .map_err(sql)?;
        tx.execute(
            "INSERT INTO trace (alert_id, at_unix_us, kind, actor, note)
             VALUES (?1, ?2, 'ack', ?3, ?4)",
            rusqlite::params![id.0, at_unix_us, actor, note],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }
}

/// Checks and writes one state change with its trace entry (the caller commits).
fn apply_transition(
    tx: &Transaction<'_>,
    path: &Path,
    id: AlertId,
    to: AlertState,
    at_unix_us: i64,
    actor: &str,
    note: &str,
) -> Result<AlertState, StoreError> {
    let from = current_state(tx, id, path)?;
    if !from.can_move_to(to) {
        let allowed = from.allowed_next();
        return Err(StoreError::Forbidden {
            path: path.to_path_buf(),
            id,
            from,
            to,
            allowed: if allowed.is_empty() {
                "none, it is final".to_string()
            } else {
                allowed
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        });
    }
    let sql = |source| StoreError::sql(path, "change an alert's state", source);
    tx.execute(
        "UPDATE alerts SET state = ?2, updated_at_unix_us = MAX(updated_at_unix_us, ?3)
         WHERE id = ?1",
        rusqlite::params![id.0, to.as_str(), at_unix_us],
    )
    .map_err(sql)?;
    insert_state_entry(tx, id, at_unix_us, Some(from), to, actor, note).map_err(sql)?;
    Ok(from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::{NewAlert, TraceEvent};

    fn new_alert(incident_key: u64) -> NewAlert {
        crate::alerts::model::sample_new_alert(incident_key)
    }

    #[test]
    fn resolve_goes_through_the_verdict_and_refuses_the_opposite_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = AlertStore::open(&dir.path().join("a.sqlite")).expect("open");
        let a = store.create(&new_alert(1)).expect("create");
        store
            .resolve(a, Verdict::Fire, 2_000_000, "operator", "crew saw flames")
            .expect("resolve");
        let states: Vec<_> = store
            .get(a)
            .expect("get")
            .trace
            .iter()
            .filter_map(|e| match e.event {
                TraceEvent::Transition { to, .. } => Some(to),
                _ => None,
            })
            .collect();
        assert_eq!(
            states,
            [
                AlertState::New,
                AlertState::ConfirmedFire,
                AlertState::Resolved
            ]
        );
        let b = store.create(&new_alert(2)).expect("create");
        store
            .transition(b, AlertState::FalseAlarm, 2, "operator", "")
            .expect("verdict");
        let err = store
            .resolve(b, Verdict::Fire, 3, "operator", "")
            .expect_err("opposite");
        assert!(
            err.to_string()
                .contains("alert 2 is false-alarm; it cannot become confirmed-fire"),
            "{err}"
        );
        // The refused resolve changed nothing: no half-applied transaction.
        assert_eq!(
            store.get(b).expect("get").alert.state,
            AlertState::FalseAlarm
        );
        store
            .resolve(b, Verdict::FalseAlarm, 4, "operator", "")
            .expect("same verdict");
        let err = store
            .resolve(b, Verdict::FalseAlarm, 5, "operator", "")
            .expect_err("final");
        assert!(err.to_string().contains("none, it is final"), "{err}");
    }
}
