//! Telemetry logs (`.tlog`): the format QGroundControl, MAVProxy and Mission Planner write and
//! pymavlink, MAVExplorer and UAV Log Viewer read. A stream of records, each an 8-byte
//! big-endian timestamp (microseconds since the UNIX epoch) followed by one raw MAVLink frame;
//! no header, no index.
//!
//! [`TlogWriter`] is flushed by its owner's timer through [`TlogWriter::flush_if_due`] (the
//! ground service calls it every 50 ms), so a killed process loses at most the last half
//! second; [`read_tlog`] reads a log back, stopping cleanly at a torn last record.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::mav::frame::Frame;

/// Errors writing or reading a tlog.
#[derive(Debug, thiserror::Error)]
pub enum TlogError {
    /// An I/O error on the file.
    #[error("tlog {path}: {source}")]
    Io {
        /// The log file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// Appends frames to a tlog.
#[derive(Debug)]
pub struct TlogWriter {
    path: PathBuf,
    out: BufWriter<File>,
    last_flush: Instant,
    records: u64,
}

/// Longest time a written record may stay in memory.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(500);

impl TlogWriter {
    /// Creates the log at `path`; an existing file is an error, never overwritten.
    pub fn create(path: &Path) -> Result<TlogWriter, TlogError> {
        // Never truncate a recording: an existing file is an error.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|source| TlogError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(TlogWriter {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(64 * 1024, file),
            last_flush: Instant::now(),
            records: 0,
        })
    }

    /// Appends one frame with its time. Signatures are stripped: a log never carries
    /// material derived from the signing key.
    pub fn record(&mut self, time_unix_us: u64, frame: &Frame) -> Result<(), TlogError> {
        let result = if frame.is_signed() {
            self.write_raw(time_unix_us, frame.without_signature().bytes())
        } else {
            self.write_raw(time_unix_us, frame.bytes())
        };
        result.map_err(|source| TlogError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.records += 1;
        // Reading the clock costs as much as writing the record: look only now and then, and
        // rely on the owner's timer calling `flush_if_due` for the rest.
        if self.records % 1024 == 0 && self.last_flush.elapsed() >= FLUSH_INTERVAL {
            self.flush()?;
        }
        Ok(())
    }

    fn write_raw(&mut self, time_unix_us: u64, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(&time_unix_us.to_be_bytes())?;
        self.out.write_all(bytes)
    }

    /// Flushes if the last flush is older than [`FLUSH_INTERVAL`]; call it from a timer so
    /// that a quiet vehicle's last frames also reach the disk.
    pub fn flush_if_due(&mut self) -> Result<(), TlogError> {
        if self.last_flush.elapsed() >= FLUSH_INTERVAL {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes everything buffered to the file.
    pub fn flush(&mut self) -> Result<(), TlogError> {
        self.last_flush = Instant::now();
        self.out.flush().map_err(|source| TlogError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Records written.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TlogWriter {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

/// A tlog as read back.
#[derive(Debug, Default)]
pub struct TlogContents {
    /// Records in file order: time (µs since the UNIX epoch) and frame.
    pub records: Vec<(u64, Frame)>,
    /// Bytes that did not form a valid record (corruption), skipped.
    pub skipped_bytes: usize,
    /// Whether the file ended inside a record (a log cut by a crash).
    pub torn_tail: bool,
}

/// Reads a tlog. Corrupt records are skipped by searching for the next plausible record; a
/// record cut short at the end of the file is reported as a torn tail, not an error.
pub fn read_tlog(path: &Path) -> Result<TlogContents, TlogError> {
    let bytes = std::fs::read(path).map_err(|source| TlogError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse_tlog(&bytes))
}

/// Parses tlog bytes (see [`read_tlog`]).
pub fn parse_tlog(bytes: &[u8]) -> TlogContents {
    let mut out = TlogContents::default();
    let mut at = 0;
    while at < bytes.len() {
        if bytes.len() - at < 8 + 8 {
            out.torn_tail = true;
            break;
        }
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&bytes[at..at + 8]);
        match Frame::parse_prefix(&bytes[at + 8..]) {
            Ok(Some((frame, used))) => {
                out.records.push((u64::from_be_bytes(ts), frame));
                out.torn_tail = false;
                at += 8 + used;
            }
            Ok(None) => {
                // Either the file ends inside this record, or a corrupt length byte claims
                // more than is left: skip a byte and look for later records.
                out.torn_tail = true;
                out.skipped_bytes += 1;
                at += 1;
            }
            Err(_) => {
                out.skipped_bytes += 1;
                at += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mav::dialect::{MavMessage, SYSTEM_TIME_DATA};
    use mavlink::MavHeader;

    fn ping(seq: u32) -> Frame {
        Frame::encode_v2(
            MavHeader {
                system_id: 1,
                component_id: 1,
                sequence: seq as u8,
            },
            &MavMessage::SYSTEM_TIME(SYSTEM_TIME_DATA {
                time_unix_usec: u64::from(seq),
                time_boot_ms: seq,
            }),
        )
    }

    #[test]
    fn round_trip_and_torn_tail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.tlog");
        {
            let mut w = TlogWriter::create(&path).expect("create");
            for i in 0..100 {
                w.record(1_700_000_000_000_000 + u64::from(i) * 1000, &ping(i))
                    .expect("record");
            }
        }
        let mut bytes = std::fs::read(&path).expect("read");
        let back = parse_tlog(&bytes);
        assert_eq!(back.records.len(), 100);
        assert!(!back.torn_tail);
        assert_eq!(back.records[99].0, 1_700_000_000_099_000);
        bytes.truncate(bytes.len() - 5);
        let torn = parse_tlog(&bytes);
        assert_eq!(torn.records.len(), 99);
        assert!(torn.torn_tail);
    }
}
