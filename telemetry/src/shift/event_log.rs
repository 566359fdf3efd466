//! The event log: a subscriber that renders every event into a line of `events.log`, echoes it
//! on the console when asked, and keeps the latest lines for the live fleet table.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;

use patrol_planner::plan::shift_clock::ShiftClock;

use super::event::{ServiceEvent, ShiftEvent, ShiftEventKind};

/// Lines kept for the live view.
const RECENT_LINES: usize = 200;

/// The running event log.
#[derive(Debug)]
pub struct EventLog {
    recent: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl EventLog {
    /// Creates `path` (never truncating an earlier run's log) and starts writing the events of
    /// `rx` to it, and to stdout when `echo`, in the shift's local time (`clock`, said in the
    /// log's first line).
    /// Ends after [`ServiceEvent::Ended`] or when the channel closes.
    pub fn start(
        path: &Path,
        mut rx: broadcast::Receiver<ShiftEvent>,
        clock: ShiftClock,
        echo: bool,
    ) -> std::io::Result<EventLog> {
        let mut file = std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)?,
        );
        writeln!(file, "# {}", clock.header())?;
        file.flush()?;
        let recent = Arc::new(Mutex::new(Vec::new()));
        let kept = recent.clone();
        let task = tokio::spawn(async move {
            loop {
                let (line, last) = match rx.recv().await {
                    Ok(ev) => {
                        let last = matches!(ev.kind, ShiftEventKind::Service(ServiceEvent::Ended));
                        (ev.line(&clock), last)
                    }
                    Err(RecvError::Lagged(n)) => (
                        Some(format!(
                            "[?] service: {n} events not recorded (the event log fell behind)"
                        )),
                        false,
                    ),
                    Err(RecvError::Closed) => (None, true),
                };
                if let Some(line) = line {
                    if echo {
                        // A closed stdout (`patrol fly | head`) must not stop the flight.
                        let _ = writeln!(std::io::stdout().lock(), "{line}");
                    }
                    // A failed write must not stop the flight; the tlogs stay the record.
                    let _ = writeln!(file, "{line}").and_then(|()| file.flush());
                    if let Ok(mut r) = kept.lock() {
                        if r.len() >= RECENT_LINES {
                            r.remove(0);
                        }
                        r.push(line);
                    }
                }
                if last {
                    let _ = file.flush();
                    return;
                }
            }
        });
        Ok(EventLog { recent, task })
    }

    /// The latest `n` lines, oldest first.
    pub fn recent(&self, n: usize) -> Vec<String> {
        self.recent
            .lock()
            .map(|r| r[r.len().saturating_sub(n)..].to_vec())
            .unwrap_or_default()
    }

    /// Waits until the log has written the session's last event.
    pub async fn finish(self) {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), self.task).await;
    }
}
